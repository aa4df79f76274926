// PAN tokenization: the only place a clear PAN is turned into something that may leave
// the decoder. Two keyed functions, chosen by `[tokenization] tokenizer`:
//   aes-cmac     token = AES-128-CMAC(key, PAN digits) (RFC 4493), key exactly 16 bytes;
//                AES-NI, 8 PANs interleaved (common/aes_cmac.h): ~4-9 ns a PAN.
//   hmac-sha256  token = HMAC-SHA256(key, PAN digits) truncated to 128 bits (RFC 2104
//                section 5), key 16 bytes or more; two SHA-256 compressions from
//                precomputed midstates: ~55 ns a PAN, for downstream systems that
//                already hold HMAC tokens.
// Either way a producer's card_id is tokenized as MAC(key, "id:" + card_id) so it never
// collides with a PAN, and the token is 128 bits. With AES-NI / SHA-NI no token costs an
// allocation (safe on the packet path); the OpenSSL fallbacks (CPUs without them)
// allocate a context per MAC. A pan_tokenizer is immutable after construction and may
// be shared by all lcores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <openssl/sha.h>

#include "common/aes_cmac.h"
#include "common/token_method.h"
#include "common/txn.h"

namespace txscreen {

// The clear card identity of one message between a deferred decode and its batch
// tokenization (decode_iso8583_deferred, json_decoder::decode_deferred). It holds the
// exact HMAC message: the PAN digits, or "id:" + card_id. It is the only copy of a
// clear PAN outside the wire bytes: the caller owns it (on its stack or per-lcore
// state) and tokenize_stashed wipes it. A decoder that rejects a message leaves it
// empty (kind::none, nothing in `text`).
struct pan_stash {
    // One SHA-256 block minus the 0x80 pad byte and the 8-byte length.
    static constexpr std::size_t capacity = 55;
    enum class kind : uint8_t { none = 0, pan = 1, card_id = 2 };

    char text[capacity];
    uint8_t len;
    kind what;
    uint8_t pad_[7];

    // Stores `n` bytes of `s` (n <= capacity) as the message to tokenize.
    void hold(kind k, const char* s, std::size_t n) noexcept {
        std::memcpy(text, s, n);
        len = static_cast<uint8_t>(n);
        what = k;
    }
    // Overwrites the held text (a store the compiler may not drop) and empties the stash.
    void wipe() noexcept;
};
static_assert(sizeof(pan_stash) == 64);

class pan_tokenizer {
public:
    // key: raw key bytes: exactly 16 for aes-cmac, at least 16 for hmac-sha256. Throws
    // std::invalid_argument naming the size and what the method takes.
    explicit pan_tokenizer(std::string_view key, token_method method = token_method::hmac_sha256);

    // Parses a key given as hex ("0x" optional) or "env:NAME" (hex in that variable).
    // Throws std::invalid_argument with a message naming the problem.
    static pan_tokenizer from_config(std::string_view spec, token_method method);

    token_method method() const noexcept { return _cmac ? token_method::aes_cmac : token_method::hmac_sha256; }

    // Writes the 16-byte token of the digits pan[0..len) into out.
    void tokenize_pan(const char* pan, std::size_t len, uint8_t out[card_token_bytes]) const noexcept;
    // Tokens of n PANs at once (aes-cmac: 8 interleaved AES chains; hmac-sha256: 4
    // interleaved SHA-NI streams; each about 3x one at a time). out[i] receives the
    // token of pans[i].
    void tokenize_pans(const char* const* pans, const std::size_t* lens, std::size_t n,
                       uint8_t (*out)[card_token_bytes]) const noexcept;
    // Same for a producer-assigned card id (domain-separated from PANs).
    void tokenize_card_id(std::string_view card_id, uint8_t out[card_token_bytes]) const noexcept;
    // Finishes n deferred decodes: for every i whose stash is not empty, writes the
    // token of stash[i] into txns[i].card_token (the decoder already wrote card_bin,
    // card_last4 and pan_len). Hashes several stashes at once (interleaved SHA-NI
    // streams) and wipes every stash, empty or not. Txns with an empty stash (a
    // rejected message, or an ISO 8583 response: its token is its paired request's)
    // are not touched and cost no hash, so a batch may mix them with requests.
    void tokenize_stashed(pan_stash* stash, Txn* txns, std::size_t n) const noexcept;

    // True when tokens are computed with the CPU's SHA extensions (else OpenSSL).
    bool uses_sha_ni() const noexcept { return _sha_ni; }
    // True when aes-cmac tokens are computed with AES-NI (else OpenSSL).
    bool uses_aes_ni() const noexcept { return _cmac && _cmac->uses_aes_ni(); }

private:
    // MACs of n messages of at most pan_stash::capacity bytes each, by the method.
    void mac_short(const uint8_t* const* msg, const std::size_t* len, std::size_t n,
                   uint8_t* const* out) const noexcept;
    // HMAC of n messages of at most pan_stash::capacity bytes each (SHA-NI only).
    void hmac_short_lanes(const uint8_t* const* msg, const std::size_t* len, std::size_t n,
                          uint8_t* const* out) const noexcept;
    void finish(SHA256_CTX& inner, uint8_t out[card_token_bytes]) const noexcept;
    std::optional<aes_cmac_128> _cmac;  // aes-cmac only (its presence is the method)
    SHA256_CTX _inner{};  // hmac-sha256: state after absorbing key ^ ipad
    SHA256_CTX _outer{};  // hmac-sha256: state after absorbing key ^ opad
    bool _sha_ni = false;
};

// True when pan[0..len) is 12-19 ASCII digits and passes the Luhn check.
bool pan_valid(const char* pan, std::size_t len) noexcept;

// Fills txn.card_bin / card_last4 / pan_len / card_token from a valid PAN.
void apply_pan(const pan_tokenizer& tok, const char* pan, std::size_t len, Txn& txn) noexcept;
// Fills txn.card_bin / card_last4 / pan_len from a valid PAN (12-19 digits), not the token.
void apply_pan_fields(const char* pan, std::size_t len, Txn& txn) noexcept;

// Lower-case hex of the token (32 characters).
std::string token_hex(const uint8_t token[card_token_bytes]);
// Parses 32 hex characters into a token; false when `hex` is not that.
bool token_from_hex(std::string_view hex, uint8_t out[card_token_bytes]) noexcept;

// "411111******1111"-style masked form from BIN, last4 and length (what logs and the
// admin API show).
std::string masked_pan(const Txn& txn);

}  // namespace txscreen
