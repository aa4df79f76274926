// txgen's pseudo-random source: xoshiro256** seeded through splitmix64. Written here
// (not std::mt19937_64 + std::*_distribution) because the standard distributions are
// implementation-defined, and a seed must give the same feed with any library.
#pragma once

#include <cmath>
#include <cstdint>

namespace txscreen::txgen {

class rng {
public:
    explicit rng(uint64_t seed) noexcept {
        uint64_t x = seed;
        for (auto& s : _s) s = splitmix(x);
    }

    // Returns the next 64 random bits.
    uint64_t next() noexcept {
        const uint64_t r = rotl(_s[1] * 5, 7) * 9;
        const uint64_t t = _s[1] << 17;
        _s[2] ^= _s[0];
        _s[3] ^= _s[1];
        _s[1] ^= _s[2];
        _s[0] ^= _s[3];
        _s[2] ^= t;
        _s[3] = rotl(_s[3], 45);
        return r;
    }

    // Returns a uniform integer in [0, n) (n > 0); Lemire's multiply-shift, bias < 2^-32
    // for the sizes txgen uses.
    uint64_t below(uint64_t n) noexcept {
        return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
    }
    // Returns a uniform integer in [lo, hi].
    int64_t between(int64_t lo, int64_t hi) noexcept {
        return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo) + 1));
    }
    // Returns a uniform double in [0, 1).
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
    // Returns true with probability p.
    bool chance(double p) noexcept { return uniform() < p; }
    // Exponential with mean 1.
    double exponential() noexcept { return -std::log1p(-uniform()); }
    // Standard normal (Box-Muller; one value per call keeps the stream simple).
    double normal() noexcept {
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

    // Derives an independent stream (for A/B drops, per-scenario choices...).
    static uint64_t derive(uint64_t seed, uint64_t stream) noexcept {
        uint64_t x = seed ^ (stream * 0x9E3779B97F4A7C15ull);
        return splitmix(x);
    }

private:
    static uint64_t rotl(uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
    static uint64_t splitmix(uint64_t& x) noexcept {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint64_t _s[4];
};

}  // namespace txscreen::txgen
