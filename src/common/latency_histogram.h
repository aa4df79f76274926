// latency_histogram: fixed-size log-linear histogram of nanosecond latencies (16
// sub-buckets per power of two: <= 6.25% relative error), no allocation, one writer.
// Used for rx -> verdict latency in the controlplane, the bench and /metrics.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace txscreen {

class latency_histogram {
public:
    static constexpr int sub_bits = 4;
    static constexpr int buckets = 64 << sub_bits;

    void record(uint64_t ns) noexcept {
        ++_counts[index(ns)];
        ++_total;
        _sum += ns;
        if (ns > _max) _max = ns;
    }
    uint64_t count() const noexcept { return _total; }
    uint64_t sum() const noexcept { return _sum; }  // of every recorded value (Prometheus _sum)
    // Values in buckets whose upper bound is <= ns (a histogram bound; 6.25% resolution).
    uint64_t count_at_most(uint64_t ns) const noexcept {
        uint64_t n = 0;
        for (int i = 0; i < buckets && upper(i) <= ns; ++i) n += _counts[i];
        return n;
    }
    uint64_t max() const noexcept { return _max; }
    // Upper bound of the bucket holding quantile q (0..1); 0 when empty.
    uint64_t quantile(double q) const noexcept {
        if (_total == 0) return 0;
        uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(_total - 1)) + 1;
        uint64_t seen = 0;
        for (int i = 0; i < buckets; ++i) {
            seen += _counts[i];
            if (seen >= rank) return upper(i) < _max ? upper(i) : _max;
        }
        return _max;
    }
    void merge(const latency_histogram& o) noexcept {
        for (int i = 0; i < buckets; ++i) _counts[i] += o._counts[i];
        _total += o._total;
        _sum += o._sum;
        if (o._max > _max) _max = o._max;
    }

private:
    static int index(uint64_t v) noexcept {
        if (v < (1u << sub_bits)) return static_cast<int>(v);
        int msb = 63 - std::countl_zero(v);
        int shift = msb - sub_bits;
        return ((shift + 1) << sub_bits) + static_cast<int>((v >> shift) & ((1u << sub_bits) - 1));
    }
    static uint64_t upper(int i) noexcept {
        if (i < (1 << sub_bits)) return static_cast<uint64_t>(i);
        int shift = (i >> sub_bits) - 1;
        uint64_t mant = (1u << sub_bits) | static_cast<uint64_t>(i & ((1 << sub_bits) - 1));
        return ((mant + 1) << shift) - 1;
    }
    std::array<uint64_t, buckets> _counts{};
    uint64_t _total = 0;
    uint64_t _sum = 0;
    uint64_t _max = 0;
};

}  // namespace txscreen
