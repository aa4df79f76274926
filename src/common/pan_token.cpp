#include "common/pan_token.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

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

#if defined(__x86_64__)
// One SHA-256 compression of `block` into the state words h[0..8) (A..H) with the x86
// SHA extensions. A token needs exactly two compressions from precomputed HMAC
// midstates, and going through SHA256_Update/Final costs more than the compressions.
constexpr uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

// N independent compressions interleaved round group by round group: SHA256RNDS2 has a
// latency of several cycles but issues every cycle, so independent lanes fill the gaps
// one lane alone leaves (multi-buffer hashing).
template <int N>
__attribute__((target("sha,sse4.1,ssse3"))) inline void sha256_compress_ni(uint32_t* const h[N],
                                                                            const uint8_t* const block[N]) noexcept {
#if defined(__AVX__)
    // The SHA instructions have only legacy SSE encodings. Run with the upper halves of
    // the vector registers dirty (AVX-512 code before this), each of them waited on a
    // merge: 9.9 us per token instead of ~100 ns on an Intel Xeon (model 207) VM.
    _mm256_zeroupper();
#endif
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i s0[N], s1[N], s0_in[N], s1_in[N], w[N][4];
    for (int l = 0; l < N; ++l) {
        // Lanes as the SHA instructions want them: s0 = ABEF, s1 = CDGH.
        __m128i t = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h[l])), 0xB1);       // CDAB
        __m128i u = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h[l] + 4)), 0x1B);   // EFGH
        s0[l] = s0_in[l] = _mm_alignr_epi8(t, u, 8);  // ABEF
        s1[l] = s1_in[l] = _mm_blend_epi16(u, t, 0xF0);  // CDGH
        for (int i = 0; i < 4; ++i)
            w[l][i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block[l] + 16 * i)), bswap);
    }
    for (int g = 0; g < 16; ++g) {  // 16 groups of 4 rounds; w[.][g & 3] holds W[4g..4g+3]
        const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sha256_k + 4 * g));
        for (int l = 0; l < N; ++l) {
            __m128i m = _mm_add_epi32(w[l][g & 3], k);
            s1[l] = _mm_sha256rnds2_epu32(s1[l], s0[l], m);
            s0[l] = _mm_sha256rnds2_epu32(s0[l], s1[l], _mm_shuffle_epi32(m, 0x0E));
            if (g < 12) {
                // W[4g+16..4g+19] = msg2(msg1(W[4g..], W[4g+4..]) + W[4g+9..4g+12], W[4g+12..])
                __m128i x = _mm_sha256msg1_epu32(w[l][g & 3], w[l][(g + 1) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[l][(g + 3) & 3], w[l][(g + 2) & 3], 4));
                w[l][g & 3] = _mm_sha256msg2_epu32(x, w[l][(g + 3) & 3]);
            }
        }
    }
    for (int l = 0; l < N; ++l) {
        __m128i a0 = _mm_add_epi32(s0[l], s0_in[l]);
        __m128i a1 = _mm_add_epi32(s1[l], s1_in[l]);
        __m128i t = _mm_shuffle_epi32(a0, 0x1B);   // FEBA
        a1 = _mm_shuffle_epi32(a1, 0xB1);          // DCHG
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h[l]), _mm_blend_epi16(t, a1, 0xF0));   // DCBA
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h[l] + 4), _mm_alignr_epi8(a1, t, 8));  // HGFE
    }
}
#endif

void put_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// HMAC-SHA256 of N messages of at most 55 bytes each (prefix + msg) from the two
// midstates: one inner and one outer block per message, N messages interleaved.
template <int N>
void hmac_short_ni(const SHA256_CTX& inner, const SHA256_CTX& outer, const uint8_t* prefix, std::size_t plen,
                   const uint8_t* const msg[N], const std::size_t len[N], uint8_t* const out[N]) noexcept {
#if defined(__x86_64__)
    uint8_t block[N][64];
    uint32_t h[N][8];
    uint32_t* hp[N];
    const uint8_t* bp[N];
    for (int l = 0; l < N; ++l) {
        std::memset(block[l], 0, 64);
        if (plen) std::memcpy(block[l], prefix, plen);
        std::memcpy(block[l] + plen, msg[l], len[l]);
        const std::size_t total = plen + len[l];
        block[l][total] = 0x80;
        const uint64_t bits = (64 + total) * 8;
        for (int i = 0; i < 8; ++i) block[l][63 - i] = static_cast<uint8_t>(bits >> (8 * i));
        std::memcpy(h[l], inner.h, sizeof h[l]);
        hp[l] = h[l];
        bp[l] = block[l];
    }
    sha256_compress_ni<N>(hp, bp);
    for (int l = 0; l < N; ++l) {
        // The inner block held the clear PAN: overwrite it with the outer block.
        std::memset(block[l], 0, 64);
        for (int i = 0; i < 8; ++i) put_be32(block[l] + 4 * i, h[l][i]);
        block[l][32] = 0x80;
        block[l][62] = 0x03;  // (64 + 32) * 8 = 768 bits = 0x300
        std::memcpy(h[l], outer.h, sizeof h[l]);
    }
    sha256_compress_ni<N>(hp, bp);
    for (int l = 0; l < N; ++l)
        for (int i = 0; i < 4; ++i) put_be32(out[l] + 4 * i, h[l][i]);
#else
    (void)inner, (void)outer, (void)prefix, (void)plen, (void)msg, (void)len, (void)out;
#endif
}

}  // namespace

const char* token_method_name(token_method m) noexcept {
    return m == token_method::aes_cmac ? "aes-cmac" : "hmac-sha256";
}

pan_tokenizer::pan_tokenizer(std::string_view key, token_method method) {
    if (method == token_method::aes_cmac) {
        if (key.size() != aes_cmac_128::key_bytes)
            throw std::invalid_argument(
                "tokenization key: tokenizer aes-cmac takes exactly 16 bytes (32 hex digits), got " +
                std::to_string(key.size()) +
                (key.size() > aes_cmac_128::key_bytes
                     ? " (a longer key is an hmac-sha256 key: set tokenizer = \"hmac-sha256\" to keep its tokens)"
                     : ""));
        _cmac.emplace(key);
        return;
    }
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
#if defined(__x86_64__)
    // CPUID leaf 7 EBX bit 29: SHA extensions; leaf 1 ECX bits 9/19: SSSE3/SSE4.1.
    unsigned a = 0, b = 0, c = 0, d = 0;
    bool sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
    bool sse = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 9)) && (c & (1u << 19));
    _sha_ni = sha && sse && std::getenv("TXSCREEN_NO_SHA_NI") == nullptr;
#endif
}

pan_tokenizer pan_tokenizer::from_config(std::string_view spec, token_method method) {
    if (spec.substr(0, 4) == "env:") {
        std::string name(spec.substr(4));
        const char* v = std::getenv(name.c_str());
        if (!v || !*v)
            throw std::invalid_argument("tokenization key: environment variable " + name + " is not set");
        return pan_tokenizer(hex_decode(v, "tokenization key from $" + name), method);
    }
    return pan_tokenizer(hex_decode(spec, "tokenization key"), method);
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
    if (_cmac) {
        _cmac->mac(reinterpret_cast<const uint8_t*>(pan), len, out);
        return;
    }
    if (_sha_ni && len <= 55) [[likely]] {
        const uint8_t* m[1] = {reinterpret_cast<const uint8_t*>(pan)};
        const std::size_t l[1] = {len};
        uint8_t* o[1] = {out};
        hmac_short_ni<1>(_inner, _outer, nullptr, 0, m, l, o);
        return;
    }
    SHA256_CTX inner = _inner;
    SHA256_Update(&inner, pan, len);
    finish(inner, out);
}

void pan_tokenizer::tokenize_card_id(std::string_view card_id, uint8_t out[card_token_bytes]) const noexcept {
    if (_cmac) {
        _cmac->mac_parts(reinterpret_cast<const uint8_t*>("id:"), 3, reinterpret_cast<const uint8_t*>(card_id.data()),
                         card_id.size(), out);
        return;
    }
    if (_sha_ni && card_id.size() <= 52) [[likely]] {
        const uint8_t* m[1] = {reinterpret_cast<const uint8_t*>(card_id.data())};
        const std::size_t l[1] = {card_id.size()};
        uint8_t* o[1] = {out};
        hmac_short_ni<1>(_inner, _outer, reinterpret_cast<const uint8_t*>("id:"), 3, m, l, o);
        return;
    }
    SHA256_CTX inner = _inner;
    SHA256_Update(&inner, "id:", 3);
    SHA256_Update(&inner, card_id.data(), card_id.size());
    finish(inner, out);
}

// Hash streams interleaved per group. 8 was measured against 4 (bench_decode, AMD EPYC
// Zen 4): no gain, the SHA unit is already saturated by 4, and 8 lanes spill (the SHA
// instructions reach only xmm0-15). Kept as a build-time knob for other CPUs.
#ifndef TXSCREEN_HMAC_LANES
#define TXSCREEN_HMAC_LANES 4
#endif

void pan_tokenizer::hmac_short_lanes(const uint8_t* const* msg, const std::size_t* len, std::size_t n,
                                     uint8_t* const* out) const noexcept {
    // Full groups of `lanes` streams, then the rest in one narrower group: a 3-stream
    // call costs little more than a 1-stream one, three 1-stream calls cost three times.
    constexpr std::size_t lanes = TXSCREEN_HMAC_LANES;
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        hmac_short_ni<lanes>(_inner, _outer, nullptr, 0, msg + i, len + i, out + i);
    switch (n - i) {
#if TXSCREEN_HMAC_LANES > 4
        case 7: hmac_short_ni<7>(_inner, _outer, nullptr, 0, msg + i, len + i, out + i); break;
        case 6: hmac_short_ni<6>(_inner, _outer, nullptr, 0, msg + i, len + i, out + i); break;
        case 5: hmac_short_ni<5>(_inner, _outer, nullptr, 0, msg + i, len + i, out + i); break;
        case 4: hmac_short_ni<4>(_inner, _outer, nullptr, 0, msg + i, len + i, out + i); break;
#endif
        case 3: hmac_short_ni<3>(_inner, _outer, nullptr, 0, msg + i, len + i, out + i); break;
        case 2: hmac_short_ni<2>(_inner, _outer, nullptr, 0, msg + i, len + i, out + i); break;
        case 1: hmac_short_ni<1>(_inner, _outer, nullptr, 0, msg + i, len + i, out + i); break;
        default: break;
    }
}

void pan_tokenizer::tokenize_pans(const char* const* pans, const std::size_t* lens, std::size_t n,
                                  uint8_t (*out)[card_token_bytes]) const noexcept {
    if (_cmac) {  // any length: a long one is MACed alone inside mac_burst
        constexpr std::size_t chunk = 32;
        uint8_t* o[chunk];
        for (std::size_t i = 0; i < n; i += chunk) {
            const std::size_t k = n - i < chunk ? n - i : chunk;
            for (std::size_t j = 0; j < k; ++j) o[j] = out[i + j];
            _cmac->mac_burst(reinterpret_cast<const uint8_t* const*>(pans + i), lens + i, k, o);
        }
        return;
    }
    constexpr std::size_t chunk = 16;
    const uint8_t* m[chunk];
    std::size_t l[chunk];
    uint8_t* o[chunk];
    std::size_t i = 0;
    while (i < n) {
        // Gather up to `chunk` one-block PANs; a longer one takes the general path alone.
        std::size_t k = 0;
        for (; i < n && k < chunk; ++i) {
            if (!_sha_ni || lens[i] > pan_stash::capacity) [[unlikely]] {
                tokenize_pan(pans[i], lens[i], out[i]);
                continue;
            }
            m[k] = reinterpret_cast<const uint8_t*>(pans[i]);
            l[k] = lens[i];
            o[k] = out[i];
            ++k;
        }
        if (k) hmac_short_lanes(m, l, k, o);
    }
}

void pan_stash::wipe() noexcept {
    // Inline stores (explicit_bzero is a library call per stash); the empty asm that
    // takes the buffer's address and clobbers memory keeps them from being dropped as
    // dead stores.
    std::memset(text, 0, sizeof text);
    asm volatile("" : : "r"(text) : "memory");
    len = 0;
    what = kind::none;
}

void pan_tokenizer::mac_short(const uint8_t* const* msg, const std::size_t* len, std::size_t n,
                              uint8_t* const* out) const noexcept {
    if (_cmac) {
        _cmac->mac_burst(msg, len, n, out);
    } else if (_sha_ni) [[likely]] {
        hmac_short_lanes(msg, len, n, out);
    } else {
        for (std::size_t j = 0; j < n; ++j) {
            SHA256_CTX inner = _inner;
            SHA256_Update(&inner, msg[j], len[j]);
            finish(inner, out[j]);
        }
    }
}

void pan_tokenizer::tokenize_stashed(pan_stash* stash, Txn* txns, std::size_t n) const noexcept {
    constexpr std::size_t chunk = 16;
    const uint8_t* m[chunk];
    std::size_t l[chunk];
    uint8_t* o[chunk];
    std::size_t done = 0;
    while (done < n) {
        const std::size_t end = n - done > chunk ? done + chunk : n;
        std::size_t k = 0;
        for (std::size_t i = done; i < end; ++i) {
            if (stash[i].what == pan_stash::kind::none) continue;
            m[k] = reinterpret_cast<const uint8_t*>(stash[i].text);
            l[k] = stash[i].len;  // <= capacity by construction: one block
            o[k] = txns[i].card_token;
            ++k;
        }
        mac_short(m, l, k, o);
        for (std::size_t i = done; i < end; ++i) stash[i].wipe();
        done = end;
    }
}

namespace {

// Luhn digit values for a doubled position: 2d, minus 9 when that has two digits.
constexpr uint8_t luhn_doubled[16] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9, 0, 0, 0, 0, 0, 0};

}  // namespace

bool pan_valid(const char* pan, std::size_t len) noexcept {
    if (len < 12 || len > 19) return false;
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    // One masked load (bytes past `len` are neither read nor faulted on), a shuffle
    // for the doubled digits and a SAD for the sum: no branch that depends on the
    // digits or the length, where a digit loop mispredicts its exit on every length.
    const __mmask32 in = (__mmask32{1} << len) - 1;
    const __m256i zero = _mm256_setzero_si256();
    const __m256i d = _mm256_maskz_sub_epi8(in, _mm256_maskz_loadu_epi8(in, pan), _mm256_set1_epi8('0'));
    const bool bad = _mm256_mask_cmpgt_epu8_mask(in, d, _mm256_set1_epi8(9)) != 0;
    // Doubled: every second digit counting from the last one's left neighbour, i.e. the
    // indexes whose parity differs from that of len - 1.
    const __mmask32 dbl = in & ((len & 1) ? 0xAAAAAAAAu : 0x55555555u);
    const __m256i table = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(luhn_doubled)));
    const __m256i v = _mm256_mask_shuffle_epi8(d, dbl, table, d);
    const __m256i s = _mm256_sad_epu8(v, zero);
    const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    const uint64_t sum = static_cast<uint64_t>(_mm_cvtsi128_si64(h)) + static_cast<uint64_t>(_mm_extract_epi64(h, 1));
    return !bad & (sum % 10 == 0);  // one result, no branch on the digit test
#else
    // Branch-free over a fixed 19 positions counted from the right; positions past
    // the PAN's start read its first digit and weigh nothing.
    unsigned sum = 0, bad = 0;
    for (std::size_t i = 0; i < 19; ++i) {
        const bool inside = i < len;
        const unsigned d = static_cast<unsigned char>(pan[inside ? len - 1 - i : 0]) - '0';
        bad |= inside & (d > 9);
        const unsigned v = (i & 1) ? luhn_doubled[d & 15] : d;
        sum += inside ? v : 0;
    }
    return !bad && sum % 10 == 0;
#endif
}

void apply_pan_fields(const char* pan, std::size_t len, Txn& txn) noexcept {
    // BIN: 8 digits for 16-19 digit PANs, else 6. Both branches copy a fixed 8 bytes
    // (a PAN has at least 12) and clear what is not BIN, so no byte is left stale.
    std::memcpy(txn.card_bin, pan, 8);
    txn.card_bin[8] = '\0';
    if (len < 16) txn.card_bin[6] = txn.card_bin[7] = '\0';
    std::memcpy(txn.card_last4, pan + len - 4, 4);
    txn.card_last4[4] = '\0';
    txn.pan_len = static_cast<uint8_t>(len);
}

void apply_pan(const pan_tokenizer& tok, const char* pan, std::size_t len, Txn& txn) noexcept {
    tok.tokenize_pan(pan, len, txn.card_token);
    apply_pan_fields(pan, len, txn);
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
