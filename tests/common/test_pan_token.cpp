#include <catch2/catch.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
#include <string>
#include <vector>

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

// OpenSSL's own AES-128-CMAC, keyed afresh: the reference for aes-cmac tokens.
std::string openssl_cmac_hex(const std::string& key, const std::string& msg) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char cipher[] = "AES-128-CBC";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                                 OSSL_PARAM_construct_end()};
    unsigned char out[16];
    std::size_t n = 0;
    const bool ok = EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) &&
                    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) &&
                    EVP_MAC_final(ctx, out, &n, sizeof out);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok && n == 16 ? token_hex(out) : "openssl failed";
}
}  // namespace

TEST_CASE("aes-cmac tokens equal OpenSSL's AES-128-CMAC of the PAN and of id:card_id", "[unit][token]") {
    const std::string key = "\x2b\x7e\x15\x16\x28\xae\xd2\xa6\xab\xf7\x15\x88\x09\xcf\x4f\x3c";
    const bool fallback = GENERATE(false, true);
    if (fallback) setenv("TXSCREEN_NO_AES_NI", "1", 1);
    const pan_tokenizer tok(key, token_method::aes_cmac);
    unsetenv("TXSCREEN_NO_AES_NI");
    CHECK(tok.method() == token_method::aes_cmac);
    CHECK(tok.uses_aes_ni() == (!fallback && __builtin_cpu_supports("aes")));
    std::mt19937_64 rng(fallback ? 5 : 6);
    for (int i = 0; i < 2000; ++i) {
        std::string pan(12 + rng() % 8, '0');
        for (auto& c : pan) c = static_cast<char>('0' + rng() % 10);
        uint8_t t[card_token_bytes];
        tok.tokenize_pan(pan.data(), pan.size(), t);
        REQUIRE(token_hex(t) == openssl_cmac_hex(key, pan));
    }
    std::string id;
    for (int len = 0; len <= 300; ++len, id += static_cast<char>('a' + len % 26)) {
        uint8_t t[card_token_bytes];
        tok.tokenize_card_id(id, t);  // longer than a burst message: mac_parts
        INFO("card_id length " << len);
        REQUIRE(token_hex(t) == openssl_cmac_hex(key, "id:" + id));
    }
}

TEST_CASE("aes-cmac takes a 16-byte key; the message says what to do with a longer one", "[unit][token]") {
    CHECK_THROWS_WITH(pan_tokenizer(std::string(32, 'k'), token_method::aes_cmac),
                      Catch::Contains("exactly 16 bytes") && Catch::Contains("got 32") && Catch::Contains("hmac-sha256"));
    CHECK_THROWS_WITH(pan_tokenizer::from_config("00112233445566778899aabbccddee", token_method::aes_cmac),
                      Catch::Contains("got 15"));
    CHECK(pan_tokenizer::from_config("00112233445566778899aabbccddeeff", token_method::aes_cmac).method() ==
          token_method::aes_cmac);
    CHECK(std::string(token_method_name(token_method::aes_cmac)) == "aes-cmac");
    CHECK(std::string(token_method_name(token_method::hmac_sha256)) == "hmac-sha256");
}

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
    pan_tokenizer tok = pan_tokenizer::from_config(hex, token_method::hmac_sha256);
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
    CHECK_THROWS_WITH(pan_tokenizer::from_config("zz112233445566778899aabbccddeeff", token_method::aes_cmac), Catch::Contains("not hex"));
    CHECK_THROWS_WITH(pan_tokenizer::from_config("abc", token_method::hmac_sha256), Catch::Contains("odd number"));
    CHECK_THROWS_WITH(pan_tokenizer::from_config("env:TXSCREEN_SURELY_UNSET_VAR", token_method::aes_cmac), Catch::Contains("TXSCREEN_SURELY_UNSET_VAR"));
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
    const bool use_cmac = GENERATE(false, true);
    const pan_tokenizer tok = use_cmac ? pan_tokenizer(std::string(16, 'z'), token_method::aes_cmac)
                                       : pan_tokenizer(std::string(40, 'z'));
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

namespace {
unsigned luhn_sum_reference(const std::string& pan) {
    unsigned sum = 0;
    bool dbl = false;
    for (std::size_t i = pan.size(); i-- > 0;) {
        unsigned d = static_cast<unsigned>(pan[i] - '0');
        if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        dbl = !dbl;
    }
    return sum;
}

bool luhn_reference(const std::string& pan) {
    if (pan.size() < 12 || pan.size() > 19) return false;
    for (char c : pan)
        if (c < '0' || c > '9') return false;
    return luhn_sum_reference(pan) % 10 == 0;
}
}  // namespace

TEST_CASE("Luhn check agrees with the textbook loop and reads nothing past the PAN", "[unit][token]") {
    // The PAN is placed at the very end of a page followed by an inaccessible page: a
    // check that read one byte too far would crash here.
    const long page = sysconf(_SC_PAGESIZE);
    auto* mem = static_cast<char*>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    REQUIRE(mem != MAP_FAILED);
    REQUIRE(mprotect(mem + page, page, PROT_NONE) == 0);
    std::mt19937_64 rng(7);
    unsigned valid = 0;
    for (int i = 0; i < 20000; ++i) {
        const std::size_t len = 10 + rng() % 12;  // 10..21: both sides of 12..19
        std::string pan(len, '0');
        for (auto& c : pan) c = static_cast<char>('0' + rng() % 10);
        if (rng() % 2) {  // make half of them pass the checksum
            const unsigned s = luhn_sum_reference(pan);
            pan.back() = static_cast<char>('0' + (pan.back() - '0' + 10 - s % 10) % 10);
            if (luhn_sum_reference(pan) % 10 != 0) pan.back() = '0';  // sum moved: keep random
        }
        if (rng() % 8 == 0) pan[rng() % len] = "a/:\x80 "[rng() % 5];  // a non-digit
        char* at = mem + page - len;
        std::memcpy(at, pan.data(), len);
        INFO("pan " << pan);
        const bool want = luhn_reference(pan);
        valid += want;
        REQUIRE(pan_valid(at, len) == want);
    }
    CHECK(valid > 2000);  // the sample exercises accepted PANs, not only rejects
    munmap(mem, 2 * page);
}

TEST_CASE("BIN and last four leave no stale bytes", "[unit][token]") {
    Txn t;
    std::memset(&t, 'X', sizeof t);
    apply_pan_fields("340000000000009", 15, t);
    CHECK(std::memcmp(t.card_bin, "340000\0\0\0", 9) == 0);
    CHECK(std::memcmp(t.card_last4, "0009\0", 5) == 0);
    CHECK(t.pan_len == 15);
    apply_pan_fields("4111111111111111111", 19, t);
    CHECK(std::memcmp(t.card_bin, "41111111\0", 9) == 0);
    CHECK(t.pan_len == 19);
}

TEST_CASE("tokenize_stashed equals one-at-a-time for every batch size and wipes the stashes", "[unit][token]") {
    const std::string key = "00112233445566778899aabbccddeeff";
    pan_tokenizer fast(key);
    setenv("TXSCREEN_NO_SHA_NI", "1", 1);
    pan_tokenizer slow(key);
    unsetenv("TXSCREEN_NO_SHA_NI");
    const pan_tokenizer cmac(key.substr(0, 16), token_method::aes_cmac);
    const pan_tokenizer* tokenizers[] = {&fast, &slow, &cmac};
    for (const pan_tokenizer* tok : tokenizers) {
        for (std::size_t n = 0; n <= 37; ++n) {
            std::vector<pan_stash> stash(n);
            std::vector<Txn> txns(n);
            std::vector<std::string> expect(n);
            for (std::size_t i = 0; i < n; ++i) {
                std::memset(txns[i].card_token, 0xEE, card_token_bytes);
                uint8_t want[card_token_bytes];
                if (i % 5 == 3) {  // empty stash: the Txn is left alone
                    stash[i].what = pan_stash::kind::none;
                    stash[i].len = 0;
                    std::memset(want, 0xEE, sizeof want);
                } else if (i % 5 == 4) {
                    const std::string id = "cust-" + std::to_string(i * 7919) + std::string(i % 40, 'z');
                    const std::string m = "id:" + id;
                    stash[i].hold(pan_stash::kind::card_id, m.data(), m.size());
                    tok->tokenize_card_id(id, want);
                } else {
                    const std::string pan = std::string(12 + i % 8, static_cast<char>('1' + i % 9)) + std::to_string(n);
                    stash[i].hold(pan_stash::kind::pan, pan.data(), pan.size());
                    tok->tokenize_pan(pan.data(), pan.size(), want);
                }
                expect[i] = token_hex(want);
            }
            tok->tokenize_stashed(stash.data(), txns.data(), n);
            for (std::size_t i = 0; i < n; ++i) {
                INFO("batch " << n << " item " << i << (tok == &fast ? " SHA-NI" : " OpenSSL"));
                CHECK(token_hex(txns[i].card_token) == expect[i]);
                CHECK(stash[i].what == pan_stash::kind::none);
                CHECK(stash[i].len == 0);
                CHECK(std::all_of(stash[i].text, stash[i].text + pan_stash::capacity, [](char c) { return c == 0; }));
            }
        }
    }
}
