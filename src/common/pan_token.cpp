#include "common/pan_token.h"

#include <cstdlib>
#include <cstring>

// The SHA256_Init/Update/Final API is deprecated in OpenSSL 3 but remains the only
// way to snapshot a midstate without EVP allocations; the precomputed HMAC pads need it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace txscreen {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string hex_decode(std::string_view hex, std::string_view what) {
    if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
    if (hex.size() % 2 != 0)
        throw std::invalid_argument(std::string(what) + ": hex key has an odd number of digits");
    std::string out(hex.size() / 2, '\0');
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            throw std::invalid_argument(std::string(what) + ": key is not hex (character " +
                                        std::to_string(2 * i + (hi < 0 ? 0 : 1)) + ")");
        out[i] = static_cast<char>(hi << 4 | lo);
    }
    return out;
}

}  // namespace

pan_tokenizer::pan_tokenizer(std::string_view key) {
    if (key.size() < 16)
        throw std::invalid_argument("tokenization key must be at least 16 bytes (32 hex digits), got " +
                                    std::to_string(key.size()));
    unsigned char k[SHA256_CBLOCK] = {};
    if (key.size() > SHA256_CBLOCK) {
        SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), k);
    } else {
        std::memcpy(k, key.data(), key.size());
    }
    unsigned char pad[SHA256_CBLOCK];
    for (int i = 0; i < SHA256_CBLOCK; ++i) pad[i] = k[i] ^ 0x36;
    SHA256_Init(&_inner);
    SHA256_Update(&_inner, pad, sizeof pad);
    for (int i = 0; i < SHA256_CBLOCK; ++i) pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&_outer);
    SHA256_Update(&_outer, pad, sizeof pad);
}

pan_tokenizer pan_tokenizer::from_config(std::string_view spec) {
    if (spec.substr(0, 4) == "env:") {
        std::string name(spec.substr(4));
        const char* v = std::getenv(name.c_str());
        if (!v || !*v)
            throw std::invalid_argument("tokenization key: environment variable " + name + " is not set");
        return pan_tokenizer(hex_decode(v, "tokenization key from $" + name));
    }
    return pan_tokenizer(hex_decode(spec, "tokenization key"));
}

void pan_tokenizer::finish(SHA256_CTX& inner, uint8_t out[card_token_bytes]) const noexcept {
    unsigned char ih[SHA256_DIGEST_LENGTH];
    SHA256_Final(ih, &inner);
    SHA256_CTX outer = _outer;
    SHA256_Update(&outer, ih, sizeof ih);
    unsigned char oh[SHA256_DIGEST_LENGTH];
    SHA256_Final(oh, &outer);
    std::memcpy(out, oh, card_token_bytes);
}

void pan_tokenizer::tokenize_pan(const char* pan, std::size_t len, uint8_t out[card_token_bytes]) const noexcept {
    SHA256_CTX inner = _inner;
    SHA256_Update(&inner, pan, len);
    finish(inner, out);
}

void pan_tokenizer::tokenize_card_id(std::string_view card_id, uint8_t out[card_token_bytes]) const noexcept {
    SHA256_CTX inner = _inner;
    SHA256_Update(&inner, "id:", 3);
    SHA256_Update(&inner, card_id.data(), card_id.size());
    finish(inner, out);
}

bool pan_valid(const char* pan, std::size_t len) noexcept {
    if (len < 12 || len > 19) return false;
    unsigned sum = 0;
    bool dbl = false;
    for (std::size_t i = len; i-- > 0;) {
        unsigned d = static_cast<unsigned char>(pan[i]) - '0';
        if (d > 9) return false;
        if (dbl) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

void apply_pan(const pan_tokenizer& tok, const char* pan, std::size_t len, Txn& txn) noexcept {
    tok.tokenize_pan(pan, len, txn.card_token);
    std::size_t bin = len >= 16 ? 8 : 6;
    std::memset(txn.card_bin, 0, sizeof txn.card_bin);
    std::memcpy(txn.card_bin, pan, bin);
    std::memcpy(txn.card_last4, pan + len - 4, 4);
    txn.card_last4[4] = '\0';
    txn.pan_len = static_cast<uint8_t>(len);
}

std::string token_hex(const uint8_t token[card_token_bytes]) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(2 * card_token_bytes, '0');
    for (std::size_t i = 0; i < card_token_bytes; ++i) {
        s[2 * i] = digits[token[i] >> 4];
        s[2 * i + 1] = digits[token[i] & 15];
    }
    return s;
}

bool token_from_hex(std::string_view hex, uint8_t out[card_token_bytes]) noexcept {
    if (hex.size() != 2 * card_token_bytes) return false;
    for (std::size_t i = 0; i < card_token_bytes; ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return true;
}

std::string masked_pan(const Txn& txn) {
    if (txn.pan_len == 0) return {};
    std::string bin(txn.card_bin, strnlen(txn.card_bin, sizeof txn.card_bin));
    std::size_t hidden = txn.pan_len > bin.size() + 4 ? txn.pan_len - bin.size() - 4 : 0;
    return bin + std::string(hidden, '*') + txn.card_last4;
}

}  // namespace txscreen
