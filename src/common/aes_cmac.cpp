#include "common/aes_cmac.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace txscreen {
namespace {

void wipe(void* p, std::size_t n) noexcept { OPENSSL_cleanse(p, n); }

[[noreturn]] void openssl_failed(const char* what) noexcept {
    // A MAC has nowhere to report an error and a made-up MAC would make tokens collide.
    std::fprintf(stderr, "aes_cmac_128: OpenSSL %s failed\n", what);
    std::abort();
}

EVP_MAC_CTX* keyed_openssl_cmac(std::string_view key) {
    EVP_MAC* cmac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    if (!cmac) throw std::runtime_error("aes_cmac_128: OpenSSL has no CMAC (EVP_MAC_fetch)");
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(cmac);
    EVP_MAC_free(cmac);  // the context holds its own reference
    if (!ctx) throw std::bad_alloc();
    char cipher[] = "AES-128-CBC";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                                 OSSL_PARAM_construct_end()};
    if (!EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params)) {
        EVP_MAC_CTX_free(ctx);
        throw std::runtime_error("aes_cmac_128: OpenSSL CMAC with AES-128-CBC cannot be keyed");
    }
    return ctx;
}

EVP_MAC_CTX* copy_openssl_cmac(const EVP_MAC_CTX* ctx) {
    if (!ctx) return nullptr;
    EVP_MAC_CTX* copy = EVP_MAC_CTX_dup(ctx);
    if (!copy) throw std::bad_alloc();
    return copy;
}

#if defined(__x86_64__)
#define TXSCREEN_AES_TARGET __attribute__((target("aes,sse4.1")))

// CBC chains interleaved by mac_burst. Zen 4 and recent Intel cores issue two aesenc
// per cycle with a latency of 3-4 cycles, so one chain leaves the AES units idle most
// of the time. Measured on this project's EPYC (Zen 4) VM with 16- and 12..19-digit
// PANs: 8 beats 4 and 6 by 10-20%, with or without -march=native (without it the
// round keys partly spill: aesenc then takes them from memory, which costs little).
// A build-time knob for other CPUs.
#ifndef TXSCREEN_CMAC_LANES
#define TXSCREEN_CMAC_LANES 8
#endif
constexpr std::size_t lanes_max = TXSCREEN_CMAC_LANES;

// CMAC blocks of a message: an empty message is one padded block.
constexpr std::size_t block_count(std::size_t len) noexcept { return len == 0 ? 1 : (len + 15) / 16; }

// dbl() of SP 800-38B: the 128-bit big-endian value shifted left by one, reduced by
// x^128 + x^7 + x^2 + x + 1. Branch-free in the secret top bit.
void double_block(const uint8_t in[16], uint8_t out[16]) noexcept {
    const uint8_t carry = static_cast<uint8_t>(in[0] >> 7);
    for (int i = 0; i < 15; ++i) out[i] = static_cast<uint8_t>(in[i] << 1 | in[i + 1] >> 7);
    out[15] = static_cast<uint8_t>(in[15] << 1 ^ (0x87 & -carry));
}

bool cpu_has_aes_ni() noexcept {
    // CPUID leaf 1 ECX: bit 9 SSSE3 (pshufb), bit 19 SSE4.1, bit 25 AES.
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    const unsigned need = 1u << 9 | 1u << 19 | 1u << 25;
    return (c & need) == need;
}

// AES-128 key expansion step: w[i] = w[i-4] ^ SubWord(RotWord(w[i-1])) ^ rcon, then
// each following word xors in its predecessor (the three shifted xors).
template <int Rcon>
TXSCREEN_AES_TARGET inline __m128i next_round_key(__m128i key) noexcept {
    const __m128i assist = _mm_shuffle_epi32(_mm_aeskeygenassist_si128(key, Rcon), 0xFF);
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
    return _mm_xor_si128(key, assist);
}

TXSCREEN_AES_TARGET void expand_key(const uint8_t* key, uint8_t rk[11][16]) noexcept {
    __m128i k[11];
    k[0] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
    k[1] = next_round_key<0x01>(k[0]);
    k[2] = next_round_key<0x02>(k[1]);
    k[3] = next_round_key<0x04>(k[2]);
    k[4] = next_round_key<0x08>(k[3]);
    k[5] = next_round_key<0x10>(k[4]);
    k[6] = next_round_key<0x20>(k[5]);
    k[7] = next_round_key<0x40>(k[6]);
    k[8] = next_round_key<0x80>(k[7]);
    k[9] = next_round_key<0x1B>(k[8]);
    k[10] = next_round_key<0x36>(k[9]);
    for (int i = 0; i < 11; ++i) _mm_store_si128(reinterpret_cast<__m128i*>(rk[i]), k[i]);
    wipe(k, sizeof k);
}

// N independent AES encryptions in place, interleaved round by round.
template <int N>
TXSCREEN_AES_TARGET inline void encrypt_lanes(__m128i* state, const __m128i* rk) noexcept {
    __m128i x[N];
#pragma GCC unroll 8
    for (int l = 0; l < N; ++l) x[l] = _mm_xor_si128(state[l], rk[0]);
#pragma GCC unroll 9
    for (int r = 1; r < 10; ++r) {
        const __m128i k = rk[r];
#pragma GCC unroll 8
        for (int l = 0; l < N; ++l) x[l] = _mm_aesenc_si128(x[l], k);
    }
#pragma GCC unroll 8
    for (int l = 0; l < N; ++l) state[l] = _mm_aesenclast_si128(x[l], rk[10]);
}

// Shuffle masks for the final block, by the number r (0..16) of message bytes in it.
// For r >= 8 the block is loaded as [8 bytes at its start | 8 bytes ending at the
// message end]: byte i comes from i (i < 8) or i + 16 - r. For r < 8 it is the 16
// bytes ending at the message end: byte i comes from i + 16 - r. Bytes r..15 are 0.
struct final_mask_table {
    uint8_t mask[17][16];
};
constexpr final_mask_table make_final_masks() {
    final_mask_table t{};
    for (int r = 0; r <= 16; ++r)
        for (int i = 0; i < 16; ++i)
            t.mask[r][i] = static_cast<uint8_t>(i >= r ? 0x80 : (r >= 8 && i < 8) ? i : i + 16 - r);
    return t;
}
alignas(64) constexpr final_mask_table final_masks = make_final_masks();
// 16 bytes loaded at pad_first_byte + 16 - r: the 10* padding's 0x80 at byte r (none
// for r = 16).
alignas(64) constexpr uint8_t pad_first_byte[32] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80};

inline uint64_t load_u64(const uint8_t* p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline uint32_t load_u32(const uint8_t* p) noexcept {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// p[0..len) for len < 8 in bytes 0..len-1, zeros above, reading only p[0..len).
inline uint64_t load_short(const uint8_t* p, std::size_t len) noexcept {
    if (len >= 4) return load_u32(p) | static_cast<uint64_t>(load_u32(p + len - 4)) << (8 * (len - 4));
    if (len > 0) return uint64_t{p[0]} | uint64_t{p[len / 2]} << (8 * (len / 2)) | uint64_t{p[len - 1]} << (8 * (len - 1));
    return 0;
}

// The key material the kernels read, as the class stores it.
struct cmac_keys {
    const uint8_t (*round_keys)[16];
    const uint8_t* k1;
    const uint8_t* k2;
};

// The last block of msg[0..len), padded and masked with its subkey. Reads only
// msg[0..len) (a PAN may end at the end of a mapped page) and, for the lengths of
// PANs and card ids (8 bytes and more), without a branch on the length: PAN lengths
// vary from one message to the next and a mispredicted branch costs more than the
// rest of this function.
TXSCREEN_AES_TARGET inline __m128i final_block(const uint8_t* msg, std::size_t len, const cmac_keys& keys) noexcept {
    const std::size_t rest = len - 16 * (block_count(len) - 1);  // 1..16, 0 when len == 0
    const uint8_t* end = msg + len;
    __m128i data;
    if (len >= 8) [[likely]] {
        const uint8_t* low = rest >= 8 ? end - rest : end - 16;
        const __m128i loaded = _mm_set_epi64x(static_cast<long long>(load_u64(end - 8)),
                                              static_cast<long long>(load_u64(low)));
        data = _mm_shuffle_epi8(loaded, _mm_load_si128(reinterpret_cast<const __m128i*>(final_masks.mask[rest])));
    } else {
        data = _mm_cvtsi64_si128(static_cast<long long>(load_short(msg, len)));
    }
    const __m128i pad = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pad_first_byte + 16 - rest));
    const uint8_t* subkey = rest == 16 ? keys.k1 : keys.k2;
    return _mm_xor_si128(_mm_xor_si128(data, pad), _mm_load_si128(reinterpret_cast<const __m128i*>(subkey)));
}

// An all-zero block: where a lane with no full block left points its (discarded) load.
alignas(16) constexpr uint8_t zero_block[16] = {};

// Block j of a lane's message: a full block loaded from the message, its final block
// `last`, or (past its end, where the result is discarded) `last` again. A select, not
// a branch: the block counts in a group vary from lane to lane.
TXSCREEN_AES_TARGET inline __m128i lane_block(const uint8_t* msg, std::size_t blocks, __m128i last,
                                              std::size_t j) noexcept {
    const bool full = j + 1 < blocks;
    const uint8_t* at = full ? msg + 16 * j : zero_block;
    const __m128i loaded = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
    return _mm_blendv_epi8(last, loaded, _mm_set1_epi64x(-static_cast<long long>(full)));
}

// CMACs of N messages at once, one CBC chain per lane, all chains stepping together.
// A group runs as many steps as its longest message has blocks; a lane whose message
// has ended keeps its result (the blend) and loads nothing from its message, so every
// load stays inside its message.
template <int N>
TXSCREEN_AES_TARGET void mac_lanes(const cmac_keys& keys, const uint8_t* const* msg, const std::size_t* len,
                                   uint8_t* const* out) noexcept {
    __m128i rk[11];
    for (int i = 0; i < 11; ++i) rk[i] = _mm_load_si128(reinterpret_cast<const __m128i*>(keys.round_keys[i]));
    __m128i last[N];
    std::size_t blocks[N];
    std::size_t steps = 1;
#pragma GCC unroll 8
    for (int l = 0; l < N; ++l) {
        blocks[l] = block_count(len[l]);
        last[l] = final_block(msg[l], len[l], keys);
        steps = blocks[l] > steps ? blocks[l] : steps;
    }
    __m128i state[N];
#pragma GCC unroll 8
    for (int l = 0; l < N; ++l) state[l] = lane_block(msg[l], blocks[l], last[l], 0);
    encrypt_lanes<N>(state, rk);  // every lane has a first block
    for (std::size_t j = 1; j < steps; ++j) {
        __m128i next[N];
#pragma GCC unroll 8
        for (int l = 0; l < N; ++l) next[l] = _mm_xor_si128(state[l], lane_block(msg[l], blocks[l], last[l], j));
        encrypt_lanes<N>(next, rk);
#pragma GCC unroll 8
        for (int l = 0; l < N; ++l) {
            const __m128i running = _mm_set1_epi64x(-static_cast<long long>(j < blocks[l]));
            state[l] = _mm_blendv_epi8(state[l], next[l], running);
        }
    }
#pragma GCC unroll 8
    for (int l = 0; l < N; ++l) _mm_storeu_si128(reinterpret_cast<__m128i*>(out[l]), state[l]);
}

TXSCREEN_AES_TARGET void mac_group(const cmac_keys& keys, const uint8_t* const* msg, const std::size_t* len,
                                   uint8_t* const* out, std::size_t lanes) noexcept {
    switch (lanes) {
        case 8: mac_lanes<8>(keys, msg, len, out); break;
        case 7: mac_lanes<7>(keys, msg, len, out); break;
        case 6: mac_lanes<6>(keys, msg, len, out); break;
        case 5: mac_lanes<5>(keys, msg, len, out); break;
        case 4: mac_lanes<4>(keys, msg, len, out); break;
        case 3: mac_lanes<3>(keys, msg, len, out); break;
        case 2: mac_lanes<2>(keys, msg, len, out); break;
        case 1: mac_lanes<1>(keys, msg, len, out); break;
        default: break;
    }
}

TXSCREEN_AES_TARGET void encrypt_block(const uint8_t (*round_keys)[16], const uint8_t in[16], uint8_t out[16]) noexcept {
    __m128i rk[11];
    for (int i = 0; i < 11; ++i) rk[i] = _mm_load_si128(reinterpret_cast<const __m128i*>(round_keys[i]));
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    encrypt_lanes<1>(&x, rk);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), x);
}
#endif  // __x86_64__

}  // namespace

aes_cmac_128::aes_cmac_128(std::string_view key) {
    if (key.size() != key_bytes)
        throw std::invalid_argument("AES-128-CMAC key must be exactly 16 bytes (32 hex digits), got " +
                                    std::to_string(key.size()) + " bytes");
    std::memset(_round_keys, 0, sizeof _round_keys);
    std::memset(_k1, 0, sizeof _k1);
    std::memset(_k2, 0, sizeof _k2);
#if defined(__x86_64__)
    _aes_ni = cpu_has_aes_ni() && std::getenv("TXSCREEN_NO_AES_NI") == nullptr;
    if (_aes_ni) {
        expand_key(reinterpret_cast<const uint8_t*>(key.data()), _round_keys);
        // SP 800-38B subkeys: L = AES(K, 0^128), K1 = dbl(L), K2 = dbl(K1).
        alignas(16) uint8_t l[16] = {};
        encrypt_block(_round_keys, l, l);
        double_block(l, _k1);
        double_block(_k1, _k2);
        wipe(l, sizeof l);
        return;
    }
#endif
    _fallback = keyed_openssl_cmac(key);
}

aes_cmac_128::aes_cmac_128(const aes_cmac_128& other)
    : _fallback(copy_openssl_cmac(other._fallback)), _aes_ni(other._aes_ni) {
    std::memcpy(_round_keys, other._round_keys, sizeof _round_keys);
    std::memcpy(_k1, other._k1, sizeof _k1);
    std::memcpy(_k2, other._k2, sizeof _k2);
}

aes_cmac_128& aes_cmac_128::operator=(const aes_cmac_128& other) {
    if (this == &other) return *this;
    EVP_MAC_CTX* fallback = copy_openssl_cmac(other._fallback);  // may throw: change nothing before
    EVP_MAC_CTX_free(_fallback);
    _fallback = fallback;
    _aes_ni = other._aes_ni;
    std::memcpy(_round_keys, other._round_keys, sizeof _round_keys);
    std::memcpy(_k1, other._k1, sizeof _k1);
    std::memcpy(_k2, other._k2, sizeof _k2);
    return *this;
}

aes_cmac_128::~aes_cmac_128() {
    wipe(_round_keys, sizeof _round_keys);
    wipe(_k1, sizeof _k1);
    wipe(_k2, sizeof _k2);
    EVP_MAC_CTX_free(_fallback);  // OpenSSL cleanses the key it holds
}

void aes_cmac_128::mac_openssl(const uint8_t* msg, std::size_t len, uint8_t out[mac_bytes]) const noexcept {
    // A copy per MAC: the keyed context is shared by all threads and must stay unchanged.
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(_fallback);
    if (!ctx) openssl_failed("EVP_MAC_CTX_dup");
    static const uint8_t nothing = 0;
    std::size_t written = 0;
    if (!EVP_MAC_update(ctx, len ? msg : &nothing, len)) openssl_failed("EVP_MAC_update");
    if (!EVP_MAC_final(ctx, out, &written, mac_bytes) || written != mac_bytes) openssl_failed("EVP_MAC_final");
    EVP_MAC_CTX_free(ctx);
}

void aes_cmac_128::mac(const uint8_t* msg, std::size_t len, uint8_t out[mac_bytes]) const noexcept {
#if defined(__x86_64__)
    if (_aes_ni) [[likely]] {
        mac_lanes<1>(cmac_keys{_round_keys, _k1, _k2}, &msg, &len, &out);
        return;
    }
#endif
    mac_openssl(msg, len, out);
}

namespace {

// Bytes [from, from + n) of head || tail into block `to` (n <= 16).
void copy_joined(const uint8_t* head, std::size_t head_len, const uint8_t* tail, std::size_t from, std::size_t n,
                 uint8_t (&to)[16]) noexcept {
    for (std::size_t i = 0; i < n && i < 16; ++i, ++from) to[i] = from < head_len ? head[from] : tail[from - head_len];
}

}  // namespace

void aes_cmac_128::mac_parts(const uint8_t* head, std::size_t head_len, const uint8_t* tail, std::size_t tail_len,
                             uint8_t out[mac_bytes]) const noexcept {
    static const uint8_t nothing = 0;
#if defined(__x86_64__)
    if (_aes_ni) [[likely]] {
        const std::size_t len = head_len + tail_len, blocks = block_count(len);
        alignas(16) uint8_t state[16] = {}, block[16];
        for (std::size_t j = 0; j + 1 < blocks; ++j) {
            copy_joined(head, head_len, tail, 16 * j, 16, block);
            for (int i = 0; i < 16; ++i) state[i] ^= block[i];
            encrypt_block(_round_keys, state, state);
        }
        const std::size_t rest = len - 16 * (blocks - 1);  // 0..16
        std::memset(block, 0, sizeof block);
        copy_joined(head, head_len, tail, 16 * (blocks - 1), rest, block);
        if (rest < 16) block[rest] = 0x80;
        const uint8_t* subkey = rest == 16 ? _k1 : _k2;
        for (int i = 0; i < 16; ++i) state[i] ^= block[i] ^ subkey[i];
        encrypt_block(_round_keys, state, out);
        wipe(block, sizeof block);
        wipe(state, sizeof state);
        return;
    }
#endif
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(_fallback);
    if (!ctx) openssl_failed("EVP_MAC_CTX_dup");
    std::size_t written = 0;
    if (!EVP_MAC_update(ctx, head_len ? head : &nothing, head_len) ||
        !EVP_MAC_update(ctx, tail_len ? tail : &nothing, tail_len))
        openssl_failed("EVP_MAC_update");
    if (!EVP_MAC_final(ctx, out, &written, mac_bytes) || written != mac_bytes) openssl_failed("EVP_MAC_final");
    EVP_MAC_CTX_free(ctx);
}

void aes_cmac_128::mac_burst(const uint8_t* const* msgs, const std::size_t* lens, std::size_t n,
                             uint8_t* const* outs) const noexcept {
#if defined(__x86_64__)
    if (_aes_ni) [[likely]] {
        // Groups of 8 in the caller's order; a group of mixed block counts runs its
        // longest count and masks the lanes that are done (mac_lanes). Measured against
        // ordering the burst by block count first (a counting sort, or a two-way split
        // of one-block messages from the rest) so that no lane idles: both cost more
        // than the AES rounds they save, on 16-digit and on 12-19-digit PANs alike.
        const cmac_keys keys{_round_keys, _k1, _k2};
        for (std::size_t begin = 0; begin < n; begin += lanes_max) {
            const std::size_t lanes = n - begin < lanes_max ? n - begin : lanes_max;
            bool all_short = true;
            for (std::size_t l = 0; l < lanes; ++l) all_short &= lens[begin + l] <= burst_max_len;
            if (all_short) [[likely]] {
                mac_group(keys, msgs + begin, lens + begin, outs + begin, lanes);
                continue;
            }
            // A long message would hold the whole group for its many blocks: it runs
            // alone, the others of its group together.
            const uint8_t* msg[lanes_max];
            std::size_t len[lanes_max];
            uint8_t* out[lanes_max];
            std::size_t short_ones = 0;
            for (std::size_t i = begin; i < begin + lanes; ++i) {
                if (lens[i] > burst_max_len) {
                    mac(msgs[i], lens[i], outs[i]);
                    continue;
                }
                msg[short_ones] = msgs[i];
                len[short_ones] = lens[i];
                out[short_ones] = outs[i];
                ++short_ones;
            }
            mac_group(keys, msg, len, out, short_ones);
        }
        return;
    }
#endif
    for (std::size_t i = 0; i < n; ++i) mac_openssl(msgs[i], lens[i], outs[i]);
}

}  // namespace txscreen
