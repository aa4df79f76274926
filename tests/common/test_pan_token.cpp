#include <catch2/catch.hpp>

#include <openssl/hmac.h>

#include <array>
#include <cstring>
#include <vector>
#include <string>

#include "common/pan_token.h"
#include "common/reject.h"

using namespace txscreen;

namespace {
std::string openssl_hmac_hex16(const std::string& key, const std::string& msg) {
    unsigned char md[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
    return token_hex(md);  // first 16 bytes
}
}  // namespace

TEST_CASE("token equals truncated HMAC-SHA256 of the PAN", "[unit][token]") {
    const std::string key = "0123456789abcdef0123456789abcdef";  // 32 raw bytes
    pan_tokenizer tok(key);
    for (std::string pan : {"4111111111111111", "5500005555555559", "340000000000009", "6011000990139424"}) {
        uint8_t t[card_token_bytes];
        tok.tokenize_pan(pan.data(), pan.size(), t);
        CHECK(token_hex(t) == openssl_hmac_hex16(key, pan));
    }
    // Keys longer than the SHA-256 block are hashed first (RFC 2104).
    const std::string long_key(100, 'k');
    pan_tokenizer tok2(long_key);
    uint8_t t[card_token_bytes];
    tok2.tokenize_pan("4111111111111111", 16, t);
    CHECK(token_hex(t) == openssl_hmac_hex16(long_key, "4111111111111111"));
}

TEST_CASE("RFC 4231 test case 2 through from_config hex", "[unit][token]") {
    // Key "Jefe" is too short for txscreen; use RFC 4231 case 6-like 131-byte key of 0xaa.
    std::string hex;
    for (int i = 0; i < 131; ++i) hex += "aa";
    pan_tokenizer tok = pan_tokenizer::from_config(hex);
    uint8_t t[card_token_bytes];
    const std::string msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    tok.tokenize_pan(msg.data(), msg.size(), t);
    // RFC 4231 section 4.7, first 128 bits.
    CHECK(token_hex(t) == "60e431591ee0b67f0d8a26aacbf5b77f");
}

TEST_CASE("card_id tokens are domain-separated from PAN tokens", "[unit][token]") {
    pan_tokenizer tok(std::string(32, 'x'));
    uint8_t a[card_token_bytes], b[card_token_bytes];
    tok.tokenize_pan("4111111111111111", 16, a);
    tok.tokenize_card_id("4111111111111111", b);
    CHECK(std::memcmp(a, b, card_token_bytes) != 0);
}

TEST_CASE("bad keys are refused with a clear message", "[unit][token]") {
    CHECK_THROWS_WITH(pan_tokenizer("short"), Catch::Contains("at least 16 bytes"));
    CHECK_THROWS_WITH(pan_tokenizer::from_config("zz112233445566778899aabbccddeeff"), Catch::Contains("not hex"));
    CHECK_THROWS_WITH(pan_tokenizer::from_config("abc"), Catch::Contains("odd number"));
    CHECK_THROWS_WITH(pan_tokenizer::from_config("env:TXSCREEN_SURELY_UNSET_VAR"), Catch::Contains("TXSCREEN_SURELY_UNSET_VAR"));
}

TEST_CASE("Luhn validation, BIN, last4 and masking", "[unit][token]") {
    CHECK(pan_valid("4111111111111111", 16));
    CHECK_FALSE(pan_valid("4111111111111112", 16));
    CHECK_FALSE(pan_valid("41111111111", 11));
    CHECK_FALSE(pan_valid("411111111111111a", 16));
    CHECK(pan_valid("340000000000009", 15));

    pan_tokenizer tok(std::string(32, 'x'));
    Txn t;
    t.reset();
    apply_pan(tok, "4111111111111111", 16, t);
    CHECK(std::string(t.card_bin) == "41111111");
    CHECK(std::string(t.card_last4) == "1111");
    CHECK(masked_pan(t) == "41111111****1111");
    t.reset();
    apply_pan(tok, "340000000000009", 15, t);
    CHECK(std::string(t.card_bin) == "340000");
    CHECK(masked_pan(t) == "340000*****0009");

    uint8_t back[card_token_bytes];
    REQUIRE(token_from_hex(token_hex(t.card_token), back));
    CHECK(std::memcmp(back, t.card_token, card_token_bytes) == 0);
    CHECK_FALSE(token_from_hex("xyz", back));
}

TEST_CASE("reject reasons have unique stable names", "[unit][reject]") {
    CHECK(reject_name(reject_reason::none) == "none");
    CHECK(reject_name(reject_reason::iso_bad_bitmap) == "iso_bad_bitmap");
    for (std::size_t i = 0; i < reject_reason_count; ++i)
        for (std::size_t j = i + 1; j < reject_reason_count; ++j) CHECK(reject_table[i].name != reject_table[j].name);
}

TEST_CASE("SHA-NI and OpenSSL token paths agree for every message length", "[unit][token]") {
    const std::string key = "fedcba9876543210fedcba9876543210";
    pan_tokenizer fast(key);
    setenv("TXSCREEN_NO_SHA_NI", "1", 1);
    pan_tokenizer slow(key);
    unsetenv("TXSCREEN_NO_SHA_NI");
    CHECK_FALSE(slow.uses_sha_ni());
    std::string msg;
    for (int len = 0; len <= 70; ++len) {
        uint8_t a[card_token_bytes], b[card_token_bytes];
        fast.tokenize_pan(msg.data(), msg.size(), a);
        slow.tokenize_pan(msg.data(), msg.size(), b);
        INFO("length " << len);
        CHECK(token_hex(a) == token_hex(b));
        CHECK(token_hex(a) == openssl_hmac_hex16(key, msg));
        fast.tokenize_card_id(msg, a);
        slow.tokenize_card_id(msg, b);
        CHECK(token_hex(a) == token_hex(b));
        CHECK(token_hex(a) == openssl_hmac_hex16(key, "id:" + msg));
        msg += static_cast<char>('0' + (len * 7) % 10);
    }
}

TEST_CASE("batched tokenization equals one-at-a-time", "[unit][token]") {
    pan_tokenizer tok(std::string(40, 'z'));
    std::vector<std::string> pans;
    for (int i = 0; i < 23; ++i) pans.push_back(std::string(12 + i % 8, static_cast<char>('0' + i % 10)));
    pans[9] = std::string(60, '7');  // longer than one block: takes the general path
    std::vector<const char*> ptr;
    std::vector<std::size_t> len;
    for (auto& p : pans) {
        ptr.push_back(p.data());
        len.push_back(p.size());
    }
    std::vector<std::array<uint8_t, card_token_bytes>> out(pans.size());
    tok.tokenize_pans(ptr.data(), len.data(), pans.size(), reinterpret_cast<uint8_t(*)[card_token_bytes]>(out.data()));
    for (std::size_t i = 0; i < pans.size(); ++i) {
        uint8_t one[card_token_bytes];
        tok.tokenize_pan(pans[i].data(), pans[i].size(), one);
        INFO("pan " << i);
        CHECK(token_hex(out[i].data()) == token_hex(one));
    }
}
