// Latency quantiles of one aggregate row: a log-linear histogram like
// common/latency_histogram.h but sized for thousands of rows (1 KiB instead of 8):
// 8 sub-buckets per power of two, so a quantile is the upper bound of its bucket, at
// most 12.5% above the true value (never below it); values at or above 2^33 ns (8.6 s)
// share the last bucket and read as its bound. Fixed size, no allocation.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace txscreen {

class latency_sketch {
public:
    static constexpr int sub_bits = 3;
    static constexpr int top_bit = 33;  // values >= 2^33 ns are clamped
    static constexpr int buckets = (top_bit - sub_bits + 1) << sub_bits;  // 248

    void clear() noexcept { std::memset(this, 0, sizeof *this); }

    void record(uint64_t ns) noexcept {
        ++_counts[index(clamped(ns))];
        ++_total;
    }
    // Where record(ns) will write: for a prefetch.
    const void* address_of(uint64_t ns) const noexcept { return &_counts[index(clamped(ns))]; }
    uint64_t count() const noexcept { return _total; }

    // Upper bound of the bucket holding quantile q (0..1), the rank rounded up; 0 when empty.
    uint64_t quantile(double q) const noexcept {
        if (_total == 0) return 0;
        const double want = q * static_cast<double>(_total);
        uint64_t rank = static_cast<uint64_t>(want);
        if (static_cast<double>(rank) < want || rank == 0) ++rank;
        uint64_t seen = 0;
        for (int i = 0; i < buckets; ++i) {
            seen += _counts[i];
            if (seen >= rank) return upper(i);
        }
        return upper(buckets - 1);
    }

    static uint64_t clamped(uint64_t ns) noexcept {
        const uint64_t top = (uint64_t(1) << top_bit) - 1;
        return ns < top ? ns : top;
    }
    static int index(uint64_t v) noexcept {
        if (v < (1u << sub_bits)) return static_cast<int>(v);
        const int msb = 63 - std::countl_zero(v);
        const int shift = msb - sub_bits;
        return ((shift + 1) << sub_bits) + static_cast<int>((v >> shift) & ((1u << sub_bits) - 1));
    }
    // The largest value of bucket i.
    static uint64_t upper(int i) noexcept {
        if (i < (1 << sub_bits)) return static_cast<uint64_t>(i);
        const int shift = (i >> sub_bits) - 1;
        const uint64_t mant = (1u << sub_bits) | static_cast<uint64_t>(i & ((1 << sub_bits) - 1));
        return ((mant + 1) << shift) - 1;
    }

private:
    uint32_t _counts[buckets];
    uint32_t _total;
};

}  // namespace txscreen
