// Record writes for the decoders without libc calls: a 576-byte memset and the
// variable-length memcpy of fixed_text::assign are library calls that cost more than the
// stores they make (measured with bench_decode); these are inline and branch-free.
#pragma once

#include <cstddef>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/fixed_text.h"
#include "common/txn.h"

namespace txscreen::codec {

// Zeroes every byte of the record and sets lat/lon to NaN (what Txn::reset does).
inline void clear_record(Txn& t) noexcept {
#if defined(__AVX2__)
    static_assert(alignof(Txn) >= 32 && sizeof(Txn) % 32 == 0);
    // Unrolled by hand: GCC turns a store loop back into a memset call.
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        const __m256i z = _mm256_setzero_si256();
        auto* p = reinterpret_cast<__m256i*>(&t);
        (_mm256_store_si256(p + I, z), ...);
    }(std::make_index_sequence<sizeof(Txn) / 32>{});
    t.lat = t.lon = std::numeric_limits<float>::quiet_NaN();
#else
    t.reset();
#endif
}

// Stores s[0..n) cut to C bytes into dst and zeroes the rest of its C bytes, so no byte
// of an earlier value survives; returns true when s was cut. Masked loads read only
// s[0..min(n, C)): nothing past the value (a clear PAN may follow it) is touched.
template <std::size_t C>
inline bool put_text(fixed_text<C>& dst, const char* s, std::size_t n) noexcept {
    const std::size_t k = n < C ? n : C;
#if defined(__AVX512BW__) && defined(__AVX512VL__) && defined(__BMI2__)
    if constexpr (C <= 32) {
        const __m256i v = _mm256_maskz_loadu_epi8(static_cast<__mmask32>(_bzhi_u32(~0u, static_cast<unsigned>(k))), s);
        _mm256_mask_storeu_epi8(dst.data, static_cast<__mmask32>(_bzhi_u32(~0u, C)), v);
    } else {
        static_assert(C <= 64);
        const __m512i v = _mm512_maskz_loadu_epi8(_bzhi_u64(~0ull, k), s);
        _mm512_mask_storeu_epi8(dst.data, _bzhi_u64(~0ull, C), v);
    }
#else
    if (k) std::memcpy(dst.data, s, k);
    std::memset(dst.data + k, 0, C - k);
#endif
    dst.len = static_cast<uint8_t>(k);
    return n > C;
}

template <std::size_t C>
inline bool put_text(fixed_text<C>& dst, std::string_view s) noexcept {
    return put_text(dst, s.data(), s.size());
}

}  // namespace txscreen::codec
