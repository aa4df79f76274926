// Velocity tables and window summaries. Layout, guarantees and bounds: docs/velocity.md.
#include "velocity/velocity.h"
#include "geo/txn_location.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace txscreen {
namespace {

constexpr int64_t fine_width_ms = 20LL * 60 * 1000;        // 4 buckets: >= 60 min span
constexpr int64_t coarse_width_ms = 30'000'000;            // 8h20m; 4 buckets: >= 25 h
constexpr int64_t tick_ms = 4000;                          // distinct-sketch resolution
constexpr int64_t epoch_ms = 946'684'800'000LL;            // 2000-01-01, cp_time_s base
constexpr uint32_t no_age = ~0u;

// Helpers below are forced inline so every width is a compile-time constant: the
// divisions become multiplications (a 64-bit idiv costs 40+ cycles).
#define VELOCITY_INLINE inline __attribute__((always_inline))

VELOCITY_INLINE int64_t floor_div(int64_t a, int64_t b) noexcept {
    // b > 0 everywhere; event times are positive, so the unsigned path is the hot one.
    if (a >= 0) [[likely]] return static_cast<int64_t>(static_cast<uint64_t>(a) / static_cast<uint64_t>(b));
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// ---- 128-bit fingerprints of key text (own mixing; not cryptographic: keys are not
// adversarial inside one shard, and a collision only merges two keys' velocity).
uint64_t mix64(uint64_t x) noexcept {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

// 64x64 -> 128-bit multiply folded to 64 bits: one multiply mixes every input bit.
inline uint64_t fold_mul(uint64_t a, uint64_t b) noexcept {
    unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
    return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

// Two independent 64-bit lanes over the text, 8 bytes per step (one multiply per lane
// per step: ids of 10..24 bytes cost ~5 ns, not the ~15 ns of a mix64 chain).
void fingerprint(std::string_view s, uint64_t seed, uint64_t out[2]) noexcept {
    uint64_t a = (seed * 0x9e3779b97f4a7c15ULL) ^ (s.size() * 0xff51afd7ed558ccdULL) ^ 0x2545f4914f6cdd1dULL;
    uint64_t b = (seed + 0xc4ceb9fe1a85ec53ULL) ^ s.size();
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        a = fold_mul(a ^ w, 0xa0761d6478bd642fULL);
        b = fold_mul(b + w, 0xe7037ed1a0b428dbULL) ^ (a >> 29);
    }
    if (i < s.size()) {
        uint64_t w = 0;
        std::memcpy(&w, s.data() + i, s.size() - i);
        a = fold_mul(a ^ w, 0xa0761d6478bd642fULL);
        b = fold_mul(b + w, 0xe7037ed1a0b428dbULL) ^ (a >> 29);
    }
    out[0] = mix64(a ^ (b << 17));
    out[1] = fold_mul(b ^ 0x8ebc6af09c88c6e3ULL, a ^ 0x589965cc75374cc3ULL) | 1;  // never all-zero
}

// 16-bit tag carried in a fingerprint (merchant sketch, known devices): never 0.
uint16_t tag16(const uint64_t fp[2]) noexcept {
    uint16_t h = static_cast<uint16_t>(fp[1] >> 48);
    return h ? h : 1;
}

bool key_is_zero(const uint8_t k[16]) noexcept {
    uint64_t a, b;
    std::memcpy(&a, k, 8);
    std::memcpy(&b, k + 8, 8);
    return (a | b) == 0;
}

// Group selection and tag of a 16-byte key (tokens are uniform already; mixing guards
// against structured fingerprints and decorrelates the two groups from the tag).
uint64_t key_hash(const uint8_t k[16]) noexcept {
    uint64_t a, b;
    std::memcpy(&a, k, 8);
    std::memcpy(&b, k + 8, 8);
    return mix64(a ^ (b * 0x9e3779b97f4a7c15ULL));
}

// ---- 16-bit float for amount sums: 12-bit significand (implicit leading one when
// exponent > 0), 5-bit exponent, rounded to nearest. Relative error <= 2^-12 per
// rounding; values below 4096 are exact.
VELOCITY_INLINE uint16_t f16_encode(uint64_t v) noexcept {
    if (v < 4096) {
        if (v < 2048) return static_cast<uint16_t>(v);
        return static_cast<uint16_t>((1u << 11) | (v - 2048));   // e = 1, shift 0
    }
    // Smallest shift leaving 12 significant bits.
    unsigned shift = static_cast<unsigned>(64 - __builtin_clzll(v)) - 12;
    uint64_t sig = (v + (1ULL << (shift - 1))) >> shift;   // round half up
    if (sig >= 4096) {
        sig >>= 1;
        ++shift;
    }
    unsigned e = shift + 1;
    if (e > 31) [[unlikely]] return 0xFFFF;                  // saturate (~8.8e12)
    return static_cast<uint16_t>((e << 11) | (sig - 2048));
}

VELOCITY_INLINE uint64_t f16_decode(uint16_t x) noexcept {
    unsigned e = x >> 11;
    uint64_t m = x & 0x7FF;
    if (e == 0) return m;
    return (2048 + m) << (e - 1);
}


// Absolute tick of a stored 16-bit tick: stored ticks are never more than the horizon
// (< 2^15 ticks) older than last_ms, so the difference recovers it.
// `last` is floor_div(e.last_ms, tick_ms), computed once per update or query.
VELOCITY_INLINE int64_t abs_tick(int64_t last, uint16_t t16) noexcept {
    uint16_t d = static_cast<uint16_t>(static_cast<uint16_t>(last) - t16);
    return last - d;
}

struct event {
    int64_t t;
    uint64_t amount;
    uint16_t merchant;   // 0 = none
    uint16_t country;    // 0 = none
};

void clear_window_state(velocity_entry& e) noexcept {
    for (auto& a : e.ring_age) a = no_age;
    e.ring_n = 0;
    e.ring_declined = 0;
    std::memset(e.merchant_hash, 0, sizeof e.merchant_hash);
    std::memset(e.merchant_tick, 0, sizeof e.merchant_tick);
    std::memset(e.country_code, 0, sizeof e.country_code);
    std::memset(e.country_tick, 0, sizeof e.country_tick);
    std::memset(e.bucket_count, 0, sizeof e.bucket_count);
    std::memset(e.bucket_sum, 0, sizeof e.bucket_sum);
}

// Clears the level's buckets that the newest index moving from i0 to i1 recycles.
VELOCITY_INLINE void advance_level(velocity_entry& e, unsigned base, int64_t i0, int64_t i1) noexcept {
    int64_t n = i1 - i0;
    if (n <= 0) return;
    if (n > 4) n = 4;
    for (int64_t k = 1; k <= n; ++k) {
        unsigned slot = base + static_cast<unsigned>((i0 + k) & 3);
        e.bucket_count[slot] = 0;
        e.bucket_sum[slot] = 0;
    }
}

// `newest` and `i`: the level's bucket index of last_ms and of the event.
VELOCITY_INLINE void add_level(velocity_entry& e, unsigned base, int64_t newest, int64_t i,
                               const event& v) noexcept {
    if (i <= newest - 4) return;   // older than the level's span: no query reaches it
    unsigned slot = base + static_cast<unsigned>(i & 3);
    if (e.bucket_count[slot] != 0xFFFF) ++e.bucket_count[slot];
    e.bucket_sum[slot] = f16_encode(f16_decode(e.bucket_sum[slot]) + v.amount);
}

// Keeps the `n` most recently seen distinct values with their last-seen tick, in one
// pass over the slots: first drops the values last seen more than `horizon_ticks`
// before `last` (a 16-bit tick that old would soon alias a recent one), then records a
// sighting of `x` (0 = none) at tick `at`.
VELOCITY_INLINE void mru_update(uint16_t* val, uint16_t* tick, unsigned n, int64_t last,
                                int64_t horizon_ticks, uint16_t x, int64_t at) noexcept {
    unsigned found = n, free_slot = n, oldest = 0;
    int64_t found_t = 0, oldest_t = INT64_MAX;
    for (unsigned i = 0; i < n; ++i) {
        if (val[i]) {
            const int64_t ti = abs_tick(last, tick[i]);
            if (last - ti <= horizon_ticks) {
                if (val[i] == x) {
                    found = i, found_t = ti;
                } else if (ti < oldest_t) {
                    oldest_t = ti;
                    oldest = i;
                }
                continue;
            }
            val[i] = 0;
        }
        if (free_slot == n) free_slot = i;
    }
    if (!x) return;
    if (found != n) {
        if (at > found_t) tick[found] = static_cast<uint16_t>(at);
        return;
    }
    if (free_slot == n) {
        // A late sighting older than every kept one is not among the n newest.
        if (at <= oldest_t) return;
        free_slot = oldest;
    }
    val[free_slot] = x;
    tick[free_slot] = static_cast<uint16_t>(at);
}

VELOCITY_INLINE uint32_t mru_count(const uint16_t* val, const uint16_t* tick, unsigned n,
                   const velocity_entry& e, int64_t start) noexcept {
    const int64_t last = floor_div(e.last_ms, tick_ms);
    // Counts values last seen in a tick at or after the tick holding start + 1.
    int64_t from = floor_div(start + 1, tick_ms);
    uint32_t c = 0;
    for (unsigned i = 0; i < n; ++i)
        if (val[i] && abs_tick(last, tick[i]) >= from) ++c;
    return c;
}

// Bucket and tick indexes are computed once per event: the stores into the entry
// would otherwise keep the compiler from reusing them (an int64_t store may alias).
// `horizon_ticks`: horizon_ms in ticks, plus 2 (computed once per observe).
VELOCITY_INLINE void apply_event(velocity_entry& e, const event& v, int64_t horizon_ms,
                                 int64_t horizon_ticks) noexcept {
    const int64_t fine_t = floor_div(v.t, fine_width_ms), coarse_t = floor_div(v.t, coarse_width_ms);
    const int64_t tick_t = floor_div(v.t, tick_ms);
    int64_t fine_last = fine_t, coarse_last = coarse_t, tick_last = tick_t;   // of last_ms, after the event
    if (e.ring_n == 0 || v.t - e.last_ms > horizon_ms) {
        // Nothing in the state can reach a window ending at or after v.t - lateness.
        clear_window_state(e);
        e.last_ms = v.t;
        e.ring_n = 1;
    } else if (v.t >= e.last_ms) {
        uint32_t delta = static_cast<uint32_t>(v.t - e.last_ms);
        for (int i = 6; i >= 1; --i) {
            uint32_t a = e.ring_age[i - 1];
            e.ring_age[i] = (a == no_age || a > no_age - 1 - delta) ? no_age : a + delta;
        }
        e.ring_age[0] = delta;
        e.ring_declined = static_cast<uint8_t>(e.ring_declined << 1);   // the 8th leaves
        if (e.ring_n < 8) ++e.ring_n;
        advance_level(e, 0, floor_div(e.last_ms, fine_width_ms), fine_t);
        advance_level(e, 4, floor_div(e.last_ms, coarse_width_ms), coarse_t);
        e.last_ms = v.t;
    } else {
        fine_last = floor_div(e.last_ms, fine_width_ms);
        coarse_last = floor_div(e.last_ms, coarse_width_ms);
        tick_last = floor_div(e.last_ms, tick_ms);
        uint32_t a = static_cast<uint32_t>(e.last_ms - v.t);
        unsigned valid = e.ring_n - 1u;   // ages held in ring_age
        unsigned p = 0;
        while (p < valid && e.ring_age[p] <= a) ++p;
        if (p < 7) {
            unsigned top = valid < 7 ? valid : 6;
            for (unsigned i = top; i > p; --i) e.ring_age[i] = e.ring_age[i - 1];
            e.ring_age[p] = a;
            // The event takes ring position p + 1: the flags of older positions move up.
            const unsigned keep = (2u << p) - 1u;
            e.ring_declined = static_cast<uint8_t>((e.ring_declined & keep) | ((e.ring_declined & ~keep) << 1));
            if (e.ring_n < 8) ++e.ring_n;
        }
        // else: older than the 8 newest; only the buckets and sketches see it
    }
    add_level(e, 0, fine_last, fine_t, v);
    add_level(e, 4, coarse_last, coarse_t, v);
    mru_update(e.merchant_hash, e.merchant_tick, velocity_distinct_merchant_slots, tick_last, horizon_ticks,
               v.merchant, tick_t);
    mru_update(e.country_code, e.country_tick, velocity_distinct_country_slots, tick_last, horizon_ticks,
               v.country, tick_t);
    if (v.country && v.t >= e.last_ms) {
        e.last_country[0] = static_cast<char>(v.country >> 8);
        e.last_country[1] = static_cast<char>(v.country & 0xFF);
    }
}

// Bucket view of one query: the level that covers the window start, full buckets and
// the one bucket the window start cuts.
struct bucket_split {
    int64_t full_count = 0;
    uint64_t full_sum = 0;
    uint64_t full_err = 0;     // rounding bound of full_sum
    int64_t cut_count = 0;
    uint64_t cut_sum = 0;
    uint64_t cut_err = 0;
    double cut_fraction = 0;   // share of the cut bucket's time inside the window
    bool saturated = false;
};

VELOCITY_INLINE uint64_t f16_err(uint16_t sum, uint16_t count) noexcept {
    // n roundings, each <= half an ulp of a value <= the final sum: sum * n / 4096.
    return (f16_decode(sum) * count) / 4096 + 1;
}

// `with_err`: also the rounding bounds (only the bounds queries read them).
template <bool with_err = true>
VELOCITY_INLINE bucket_split split_buckets(const velocity_entry& e, int64_t start) noexcept {
    bucket_split r;
    if (e.ring_n == 0 || start >= e.last_ms) return r;
    unsigned base = 0;
    int64_t width = fine_width_ms;
    int64_t newest = floor_div(e.last_ms, fine_width_ms);
    if (start + 1 < (newest - 3) * fine_width_ms) {
        base = 4;
        width = coarse_width_ms;
        newest = floor_div(e.last_ms, coarse_width_ms);
    }
    for (int64_t b = newest - 3; b <= newest; ++b) {
        unsigned slot = base + static_cast<unsigned>(b & 3);
        uint16_t c = e.bucket_count[slot];
        if (!c) continue;
        if (c == 0xFFFF) r.saturated = true;
        int64_t lo_t = b * width, hi_t = (b + 1) * width - 1;
        if (hi_t > e.last_ms) hi_t = e.last_ms;   // no event is newer than last_ms
        if (lo_t > start) {
            r.full_count += c;
            r.full_sum += f16_decode(e.bucket_sum[slot]);
            if constexpr (with_err) r.full_err += f16_err(e.bucket_sum[slot], c);
        } else if (hi_t > start) {
            r.cut_count = c;
            r.cut_sum = f16_decode(e.bucket_sum[slot]);
            if constexpr (with_err) r.cut_err = f16_err(e.bucket_sum[slot], c);
            r.cut_fraction = double(hi_t - start) / double(hi_t - lo_t + 1);
        }
    }
    return r;
}

VELOCITY_INLINE int64_t clamp_window(int64_t w) noexcept {
    if (w > velocity_max_window_ms) return velocity_max_window_ms;
    return w < 0 ? 0 : w;
}

// Event time of ring position i (0 = newest); INT64_MIN for an age past 32 bits.
VELOCITY_INLINE int64_t ring_time(const velocity_entry& e, unsigned i) noexcept {
    if (i == 0) return e.last_ms;
    const uint32_t a = e.ring_age[i - 1];
    return a == no_age ? INT64_MIN : e.last_ms - int64_t(a);
}

// Flags the first not yet declined ring event at time t; false when there is none.
bool flag_declined(velocity_entry& e, int64_t t) noexcept {
    for (unsigned i = 0; i < e.ring_n; ++i) {
        const uint8_t bit = static_cast<uint8_t>(1u << i);
        if (!(e.ring_declined & bit) && ring_time(e, i) == t) {
            e.ring_declined |= bit;
            return true;
        }
    }
    return false;
}

// Exact count when the ring holds every event of the window; -1 otherwise.
// Ages past the valid ones are no_age, so while the span is shorter than no_age the
// seven slots are compared without a branch on ring_n (one vector compare).
VELOCITY_INLINE int64_t ring_exact_count(const velocity_entry& e, int64_t start) noexcept {
    if (e.ring_n == 0) return 0;
    int64_t span;   // an event is inside when its age < span
    if (__builtin_sub_overflow(e.last_ms, start, &span)) span = start < 0 ? INT64_MAX : INT64_MIN;
    if (e.ring_n == 8 && int64_t(e.ring_age[6]) < span) return -1;
    if (span <= 0) return 0;
    int64_t c = 1;
    if (span < int64_t(no_age)) [[likely]] {
        const uint32_t below = uint32_t(span);
#if defined(__SSE2__)
        // Ages 0-3 and 3-6 (age 3 counted once), unsigned compare by flipping sign bits.
        const __m128i flip = _mm_set1_epi32(INT32_MIN);
        const __m128i limit = _mm_xor_si128(_mm_set1_epi32(int32_t(below)), flip);
        const auto inside = [&](const uint32_t* a) {
            const __m128i v = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a)), flip);
            return unsigned(_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpgt_epi32(limit, v))));
        };
        return c + __builtin_popcount(inside(e.ring_age)) + __builtin_popcount(inside(e.ring_age + 3) & 0xEu);
#else
        for (unsigned i = 0; i < 7; ++i) c += e.ring_age[i] < below;
        return c;
#endif
    }
    for (unsigned i = 0; i + 1 < e.ring_n; ++i) c += int64_t(e.ring_age[i]) < span;
    return c;
}

}  // namespace

// ---------------------------------------------------------------------------------
velocity_allocator velocity_heap_allocator() noexcept {
    velocity_allocator a;
    a.alloc = [](void*, std::size_t size, std::size_t align) -> void* {
        // Tables of several MiB are read at random: 2 MiB pages spare a TLB miss (a
        // nested page walk in a VM) on nearly every access. Best effort, init only.
        constexpr std::size_t huge = 2u << 20;
        const bool big = size >= 2 * huge;
        if (big && align < huge) align = huge;
        std::size_t rounded = (size + align - 1) / align * align;
        void* p = std::aligned_alloc(align, rounded);
#ifdef MADV_HUGEPAGE
        if (p && big) madvise(p, rounded, MADV_HUGEPAGE);
#endif
        // Fault every page in now: a first touch on the hot path costs microseconds
        // (rte_malloc memory is pinned already).
        if (p) std::memset(p, 0, rounded);
        return p;
    };
    a.release = [](void*, void* p) { std::free(p); };
    a.ctx = nullptr;
    return a;
}

std::string_view velocity_key_name(velocity_key k) noexcept {
    switch (k) {
    case velocity_key::card: return "card";
    case velocity_key::merchant: return "merchant";
    case velocity_key::device: return "device";
    case velocity_key::ip: return "ip";
    }
    return "unknown";
}

namespace {

// Bounds of a count the ring does not hold exactly (more than 8 events), from the split.
VELOCITY_INLINE velocity_bounds inexact_count_bounds(const bucket_split& s) noexcept {
    const int64_t lo = s.full_count > 8 ? s.full_count : 8;
    int64_t hi = s.saturated ? INT64_MAX : s.full_count + s.cut_count;
    if (hi < lo) hi = lo;
    return {lo, hi};
}

// The count of a window from its ring count (-1: not exact) and bucket split.
VELOCITY_INLINE int64_t count_from(int64_t exact, const bucket_split& s) noexcept {
    if (exact >= 0) return exact;
    const velocity_bounds b = inexact_count_bounds(s);
    const int64_t est = s.full_count + int64_t(s.cut_count * s.cut_fraction + 0.5);
    return est < b.lo ? b.lo : est > b.hi ? b.hi : est;
}

VELOCITY_INLINE int64_t sum_from(int64_t exact, const bucket_split& s) noexcept {
    double cut_share = s.cut_fraction;
    if (exact >= 0 && s.cut_count > 0) {
        // The ring says how many of the cut bucket's events are inside: assume they
        // carry the bucket's average amount.
        int64_t inside = exact - s.full_count;
        if (inside < 0) inside = 0;
        if (inside > s.cut_count) inside = s.cut_count;
        cut_share = double(inside) / double(s.cut_count);
    }
    return int64_t(s.full_sum) + int64_t(double(s.cut_sum) * cut_share + 0.5);
}

}  // namespace

uint32_t velocity_count_within(const velocity_entry& e, int64_t now_ms,
                               int64_t window_ms) noexcept {
    const int64_t start = now_ms - clamp_window(window_ms);
    const int64_t exact = ring_exact_count(e, start);
    if (exact >= 0) return static_cast<uint32_t>(exact);
    return static_cast<uint32_t>(count_from(exact, split_buckets<false>(e, start)));
}

velocity_bounds velocity_count_bounds(const velocity_entry& e, int64_t now_ms,
                                      int64_t window_ms) noexcept {
    int64_t start = now_ms - clamp_window(window_ms);
    int64_t exact = ring_exact_count(e, start);
    if (exact >= 0) return {exact, exact};
    return inexact_count_bounds(split_buckets<false>(e, start));
}

velocity_bounds velocity_sum_bounds(const velocity_entry& e, int64_t now_ms,
                                    int64_t window_ms) noexcept {
    int64_t start = now_ms - clamp_window(window_ms);
    bucket_split s = split_buckets(e, start);
    int64_t exact = ring_exact_count(e, start);
    int64_t lo = int64_t(s.full_sum) - int64_t(s.full_err);
    int64_t hi = int64_t(s.full_sum + s.full_err);
    if (exact >= 0 && exact - s.full_count >= s.cut_count) lo += int64_t(s.cut_sum) - int64_t(s.cut_err);
    if (exact < 0 || exact > s.full_count) hi += int64_t(s.cut_sum + s.cut_err);
    if (lo < 0) lo = 0;
    return {lo, hi};
}

int64_t velocity_sum_within(const velocity_entry& e, int64_t now_ms,
                            int64_t window_ms) noexcept {
    const int64_t start = now_ms - clamp_window(window_ms);
    return sum_from(ring_exact_count(e, start), split_buckets<false>(e, start));
}

velocity_window velocity_window_within(const velocity_entry& e, int64_t now_ms,
                                       int64_t window_ms) noexcept {
    const int64_t start = now_ms - clamp_window(window_ms);
    const int64_t exact = ring_exact_count(e, start);
    const bucket_split s = split_buckets<false>(e, start);
    return {static_cast<uint32_t>(count_from(exact, s)), sum_from(exact, s)};
}

uint32_t velocity_distinct_merchants_within(const velocity_entry& e, int64_t now_ms,
                                            int64_t window_ms) noexcept {
    if (e.ring_n == 0) return 0;
    return mru_count(e.merchant_hash, e.merchant_tick, velocity_distinct_merchant_slots, e,
                     now_ms - clamp_window(window_ms));
}

uint32_t velocity_distinct_countries_within(const velocity_entry& e, int64_t now_ms,
                                            int64_t window_ms) noexcept {
    if (e.ring_n == 0) return 0;
    return mru_count(e.country_code, e.country_tick, velocity_distinct_country_slots, e,
                     now_ms - clamp_window(window_ms));
}

uint32_t velocity_declines_within(const velocity_entry& e, int64_t now_ms,
                                  int64_t window_ms) noexcept {
    if (!e.ring_declined) return 0;   // nearly every card: one byte read
    const int64_t start = now_ms - clamp_window(window_ms);
    uint32_t c = 0;
    for (unsigned i = 0; i < e.ring_n; ++i)
        if ((e.ring_declined >> i & 1u) && ring_time(e, i) > start) ++c;
    return c;
}

int64_t velocity_nth_latest_time(const velocity_entry& e, unsigned n) noexcept {
    if (n == 0 || n > e.ring_n) return INT64_MIN;
    if (n == 1) return e.last_ms;
    return e.last_ms - int64_t(e.ring_age[n - 2]);
}

uint16_t velocity_merchant_tag(std::string_view merchant_id) noexcept {
    uint64_t fp[2];
    fingerprint(merchant_id, unsigned(velocity_key::merchant), fp);   // the merchant key's
    return tag16(fp);
}

int64_t velocity_metric_within(const velocity_entry& e, velocity_metric m, int64_t now_ms,
                               int64_t window_ms) noexcept {
    switch (m) {
    case velocity_metric::count: return velocity_count_within(e, now_ms, window_ms);
    case velocity_metric::sum_amount: return velocity_sum_within(e, now_ms, window_ms);
    case velocity_metric::distinct_merchant:
        return velocity_distinct_merchants_within(e, now_ms, window_ms);
    case velocity_metric::distinct_country:
        return velocity_distinct_countries_within(e, now_ms, window_ms);
    case velocity_metric::declines: return velocity_declines_within(e, now_ms, window_ms);
    }
    return 0;
}

velocity_location velocity_last_card_present(const velocity_entry& e) noexcept {
    velocity_location l{};
    if (!e.cp_time_s) return l;
    l.valid = true;
    l.lat = float(e.cp_lat) / 180.0f;
    l.lon = float(e.cp_lon) / 180.0f;
    l.time_ms = epoch_ms + int64_t(e.cp_time_s) * 1000;
    return l;
}

bool velocity_device_known(const velocity_entry& e, std::string_view device_id) noexcept {
    if (device_id.empty()) return false;
    uint64_t fp[2];
    fingerprint(device_id, unsigned(velocity_key::device), fp);
    const uint16_t h = tag16(fp);
    for (uint16_t d : e.device)
        if (d == h) return true;
    return false;
}

// ---------------------------------------------------------------------------------
// Bucketised tables. A key's 64-bit hash picks a primary and a secondary group of 31
// slots and a 16-bit tag (0 = free slot). The 31 tags of a group and its overflow
// counter fill one 64-byte line, compared with four SIMD instructions, so a lookup
// reads one tag line (two when the primary group has overflowed) and then only the
// entries whose tag matches (1 + 31/65536 on average). Keys live in their primary group
// while it has a free slot, else in their secondary group (the primary's overflow
// counter says so); only when both are full of live entries is the least recently
// active of the 62 displaced. Expired entries are freed by a sweep that examines one
// slot per table per applied event, and in place when their own key returns.
namespace {
using group = velocity_shard::group;
constexpr uint32_t group_slots = velocity_shard::group_slots;
constexpr uint16_t overflow_saturated = 0xFFFF;
// Free slots below which an insert compares its two groups (see upsert).
constexpr int primary_reserve = 4;

uint32_t groups_for(uint32_t capacity) noexcept {
    uint32_t c = capacity < 64 ? 64 : capacity;
    return static_cast<uint32_t>((uint64_t(c) + group_slots - 1) / group_slots);
}
uint32_t dedup_lines_for(uint32_t capacity) noexcept {
    uint32_t c = capacity < 64 ? 64 : capacity;
    return static_cast<uint32_t>((uint64_t(c) + 3) / 4);
}

// Index in [0, n) without a power-of-two n (multiply-high range reduction).
inline uint32_t reduce(uint64_t h, uint32_t n) noexcept {
    return static_cast<uint32_t>((static_cast<unsigned __int128>(h) * n) >> 64);
}
inline uint16_t tag_of(uint64_t h) noexcept {
    uint16_t t = static_cast<uint16_t>(h);
    return t ? t : 1;
}
inline uint32_t primary_group(uint64_t h, uint32_t n) noexcept { return reduce(h, n); }
inline uint32_t secondary_group(uint64_t h, uint32_t n) noexcept {
    uint32_t g1 = reduce(h, n);
    uint32_t g2 = reduce(((h >> 32) | (h << 32)) * 0x9e3779b97f4a7c15ULL, n);
    if (g2 == g1) g2 = g1 + 1 == n ? 0 : g1 + 1;
    return g2;
}

// Bit i set when group slot i holds `tag` (tag 0: the free slots).
inline uint32_t match_tags(const group& g, uint16_t tag) noexcept {
#if defined(__SSE2__)
    const __m128i t = _mm_set1_epi16(static_cast<short>(tag));
    const __m128i* p = reinterpret_cast<const __m128i*>(&g);
    __m128i m0 = _mm_cmpeq_epi16(_mm_load_si128(p), t);
    __m128i m1 = _mm_cmpeq_epi16(_mm_load_si128(p + 1), t);
    __m128i m2 = _mm_cmpeq_epi16(_mm_load_si128(p + 2), t);
    __m128i m3 = _mm_cmpeq_epi16(_mm_load_si128(p + 3), t);
    uint32_t lo = static_cast<uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(m0, m1)));
    uint32_t hi = static_cast<uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(m2, m3)));
    return (lo | (hi << 16)) & 0x7FFFFFFFu;   // bit 31 is the overflow counter
#else
    uint32_t m = 0;
    for (uint32_t i = 0; i < group_slots; ++i) m |= uint32_t(g.tag[i] == tag) << i;
    return m;
#endif
}

inline bool key_equal(const uint8_t a[16], const uint8_t b[16]) noexcept {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 8);
    std::memcpy(&a1, a + 8, 8);
    std::memcpy(&b0, b, 8);
    std::memcpy(&b1, b + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

inline velocity_entry* find_in_group(const velocity_shard::table& t, uint32_t g, uint16_t tag,
                                     const uint8_t key[16]) noexcept {
    for (uint32_t m = match_tags(t.grp(g), tag); m; m &= m - 1) {
        velocity_entry* e = &t.slot(g, unsigned(__builtin_ctz(m)));
        if (key_equal(e->key, key)) return e;
    }
    return nullptr;
}

// A slot of group `g` is being emptied: when its key lived there as a secondary, its
// primary group has one overflowed key fewer.
inline void unlink_overflow(velocity_shard::table& t, const velocity_entry& e, uint32_t g) noexcept {
    uint32_t p = primary_group(key_hash(e.key), t.n_groups);
    if (p == g) return;
    uint16_t& o = t.grp(p).overflow;
    if (o != 0 && o != overflow_saturated) --o;
}

// Moves one key of the full group `g` to its other group when that group has a free
// slot; returns true and the freed slot of `g`.
bool relocate_one(velocity_shard::table& t, uint32_t g, uint32_t& freed) noexcept {
    for (uint32_t i = 0; i < group_slots; ++i) {
        velocity_entry& e = t.slot(g, i);
        const uint64_t h = key_hash(e.key);
        const uint32_t p = primary_group(h, t.n_groups);
        const uint32_t s = secondary_group(h, t.n_groups);
        const uint32_t alt = p == g ? s : p;
        const uint32_t f = match_tags(t.grp(alt), 0);
        if (!f) continue;
        const uint32_t j = unsigned(__builtin_ctz(f));
        std::memcpy(static_cast<void*>(&t.slot(alt, j)), &e, sizeof e);
        t.grp(alt).tag[j] = t.grp(g).tag[i];
        t.grp(g).tag[i] = 0;
        uint16_t& o = t.grp(p).overflow;
        if (alt == s) {
            if (o != overflow_saturated) ++o;   // primary -> secondary
        } else if (o != 0 && o != overflow_saturated) {
            --o;                                // secondary -> back home
        }
        freed = i;
        return true;
    }
    return false;
}

// The two lines an identity may live in: the second is chosen within the first's 4 KiB
// page (64 lines), so both cost one TLB miss. Two choices among a page's lines keep the
// lines level; pages, 256 slots each, level out by their size.
inline void dedup_choices(uint64_t id, uint32_t n_lines, uint32_t& l1, uint32_t& l2) noexcept {
    constexpr uint32_t per_page = velocity_shard::group_bytes / sizeof(velocity_shard::dedup_line);
    l1 = reduce(id, n_lines);
    l2 = (l1 & ~(per_page - 1)) | static_cast<uint32_t>(mix64(id) & (per_page - 1));
    if (l2 >= n_lines || l2 == l1) l2 = (l1 ^ 1u) < n_lines ? l1 ^ 1u : l1 - 1;
}

// Read prefetches, although observe() writes the entries. With write prefetches
// (PREFETCHW) the entries were not in cache when observe() came to them on the AMD EPYC
// dev VM: a find_card 5 us after prefetch_entries cost the same ~140 cycles as with no
// prefetch at all, against ~43 after read prefetches; bench_velocity's pipelined
// observe went from ~940 to ~300 ns per txn (side by side, 1M cards). The dedup lines
// likewise. A read fill costs one more coherence step at the store, far less than a miss.
inline void prefetch_entry(const velocity_entry* e) noexcept {
    __builtin_prefetch(e);
    __builtin_prefetch(reinterpret_cast<const char*>(e) + 64);
}

}  // namespace

std::size_t velocity_shard::bytes_needed(const velocity_config& c) noexcept {
    std::size_t n = 0;
    for (uint32_t cap : {c.card_capacity, c.merchant_capacity, c.device_capacity, c.ip_capacity}) {
        std::size_t g = groups_for(cap);
        n += g * group_bytes;
    }
    n += std::size_t(dedup_lines_for(c.dedup_capacity)) * sizeof(dedup_line);
    return n;
}

velocity_shard::~velocity_shard() {
    for (auto& t : _tables)
        if (t.mem) _mem.release(_mem.ctx, t.mem);
    if (_dedup) _mem.release(_mem.ctx, _dedup);
}

const char* velocity_shard::init(const velocity_config& cfg, const velocity_allocator& mem) noexcept {
    if (const char* err = velocity_validate(cfg)) return err;
    if (_dedup || _tables[0].mem) return "velocity: shard already initialised";
    _cfg = cfg;
    _mem = mem;
    const uint32_t caps[velocity_key_count] = {cfg.card_capacity, cfg.merchant_capacity,
                                               cfg.device_capacity, cfg.ip_capacity};
    for (unsigned k = 0; k < velocity_key_count; ++k) {
        const uint32_t g = groups_for(caps[k]);
        void* m = mem.alloc(mem.ctx, std::size_t(g) * group_bytes, group_bytes);
        if (!m) [[unlikely]] return "velocity: allocation of a table failed (see bytes_needed)";
        _tables[k].mem = static_cast<uint8_t*>(m);
        _tables[k].n_groups = g;
        // Entries need no clearing: a slot is free while its tag is 0, and an insert
        // writes the whole entry.
        for (uint32_t i = 0; i < g; ++i) std::memset(&_tables[k].grp(i), 0, sizeof(group));
        _tables[k].capacity = g * group_slots;
    }
    const uint32_t lines = dedup_lines_for(cfg.dedup_capacity);
    void* p = mem.alloc(mem.ctx, std::size_t(lines) * sizeof(dedup_line), group_bytes);
    if (!p) [[unlikely]] return "velocity: allocation of the dedup table failed";
    std::memset(p, 0, std::size_t(lines) * sizeof(dedup_line));
    _dedup = static_cast<dedup_line*>(p);
    _dedup_lines = lines;
    return nullptr;
}

velocity_entry* velocity_shard::lookup(unsigned k, const uint8_t key[16], uint64_t h) const noexcept {
    const table& t = _tables[k];
    if (!t.mem) return nullptr;
    const int64_t dead_before = _watermark == INT64_MIN ? INT64_MIN : _watermark - _cfg.ttl_ms;
    const uint16_t tag = tag_of(h);
    const uint32_t g1 = primary_group(h, t.n_groups);
    velocity_entry* e = find_in_group(t, g1, tag, key);
    if (!e && t.grp(g1).overflow != 0) e = find_in_group(t, secondary_group(h, t.n_groups), tag, key);
    return e && e->last_ms >= dead_before ? e : nullptr;
}

velocity_entry* velocity_shard::upsert(unsigned k, const uint8_t key[16], uint64_t h, int64_t now) noexcept {
    table& t = _tables[k];
    const int64_t dead_before = _watermark - _cfg.ttl_ms;
    const uint16_t tag = tag_of(h);
    const uint32_t g1 = primary_group(h, t.n_groups);
    const uint32_t g2 = secondary_group(h, t.n_groups);
    velocity_entry* e = find_in_group(t, g1, tag, key);
    if (!e && t.grp(g1).overflow != 0) e = find_in_group(t, g2, tag, key);
    if (e) {
        if (e->last_ms >= dead_before) [[likely]] return e;
        ++_counters.expired_reused[k];   // its own expired entry: start afresh in place
    } else {
        // The primary group while it has room to spare (lookups then read one tag
        // line); near full, the group with more free slots (two choices keep the
        // groups level, so nothing is displaced below load ~0.97).
        uint32_t g = g1, slot = 0;
        const uint32_t f1 = match_tags(t.grp(g1), 0);
        uint32_t f = f1;
        if (__builtin_popcount(f1) <= primary_reserve) [[unlikely]] {
            const uint32_t f2 = match_tags(t.grp(g2), 0);
            if (__builtin_popcount(f2) > __builtin_popcount(f1)) g = g2, f = f2;
        }
        bool placed = f != 0;
        if (placed) [[likely]] {
            slot = unsigned(__builtin_ctz(f));
        } else {
            // Both groups full: move one of their keys to its other group if that has
            // room (one cuckoo step; reads entries, but only on this rare path).
            if (relocate_one(t, g1, slot)) g = g1, placed = true;
            else if (relocate_one(t, g2, slot)) g = g2, placed = true;
        }
        if (!placed) [[unlikely]] {
            // Both groups full: reuse an expired entry the sweep has not reached yet,
            // else displace the least recently active of the 62.
            velocity_entry* victim = nullptr;
            bool expired = false;
            for (uint32_t gg : {g1, g2}) {
                for (uint32_t i = 0; i < group_slots && !expired; ++i) {
                    velocity_entry* c = &t.slot(gg, i);
                    if (c->last_ms < dead_before) {
                        victim = c, g = gg, slot = i, expired = true;
                    } else if (!victim || c->last_ms < victim->last_ms) {
                        victim = c, g = gg, slot = i;
                    }
                }
            }
            ++(expired ? _counters.expired_reused[k] : _counters.evicted[k]);
            unlink_overflow(t, *victim, g);
        }
        if (g != g1 && t.grp(g1).overflow != overflow_saturated) ++t.grp(g1).overflow;
        t.grp(g).tag[slot] = tag;
        e = &t.slot(g, slot);
    }
    std::memset(static_cast<void*>(e), 0, sizeof *e);
    std::memcpy(e->key, key, 16);
    e->last_ms = now;
    ++_counters.inserted[k];
    return e;
}

void velocity_shard::sweep_one(unsigned k) noexcept {
    table& t = _tables[k];
    if (!t.mem) return;
    const uint32_t s = t.sweep;
    t.sweep = s + 1 == t.capacity ? 0 : s + 1;
    // The sweep walks each table in order, one slot per event: fetch ahead of it (the
    // hardware prefetcher does not follow four interleaved walks from one load).
    {
        const uint32_t a = s + 16 < t.capacity ? s + 16 : s + 16 - t.capacity;
        __builtin_prefetch(&t.slot(a / group_slots, a % group_slots));
        if (a % group_slots == 0) __builtin_prefetch(&t.grp(a / group_slots));
    }
    const uint32_t g = s / group_slots, i = s % group_slots;
    if (!t.grp(g).tag[i]) return;
    const velocity_entry& e = t.slot(g, i);
    if (e.last_ms >= _watermark - _cfg.ttl_ms) return;
    t.grp(g).tag[i] = 0;
    unlink_overflow(t, e, g);
    ++_counters.expired_reused[k];
}

bool velocity_shard::dedup_check(const velocity_prepared& p, int64_t t) noexcept {
    if (!p.has_identity) return false;   // no identity: cannot be a recognisable duplicate
    const uint64_t fp = p.identity[1] | 1;
    const int64_t win = _cfg.dedup_window_ms;
    uint32_t l1, l2;
    dedup_choices(p.identity[0], _dedup_lines, l1, l2);
    dedup_line* lines[2] = {&_dedup[l1], &_dedup[l2]};
    for (dedup_line* l : lines) {
        for (dedup_slot& s : l->slot) {
            if (s.fp != fp) continue;
            int64_t d = t - s.time_ms;
            if (d < 0) d = -d;
            if (d <= win) return true;
            s.time_ms = t;   // same identity long apart: a new transaction
            return false;
        }
    }
    // A record stays until no event within the lateness can still match it. Insert
    // into the line with more room (two choices keep lines evenly filled).
    const int64_t wm = _watermark > t ? _watermark : t;
    const int64_t stale_before = wm - win - _cfg.allowed_lateness_ms;
    dedup_slot* room[2] = {nullptr, nullptr};
    int n_room[2] = {0, 0};
    dedup_slot* oldest = nullptr;
    for (int li = 0; li < 2; ++li) {
        for (dedup_slot& s : lines[li]->slot) {
            if (s.fp == 0 || s.time_ms < stale_before) {
                if (!room[li]) room[li] = &s;
                ++n_room[li];
            } else if (!oldest || s.time_ms < oldest->time_ms) {
                oldest = &s;
            }
        }
    }
    dedup_slot* use = n_room[1] > n_room[0] ? room[1] : room[0];
    if (!use) [[unlikely]] {
        use = oldest;
        ++_counters.dedup_evicted;
    }
    use->fp = fp;
    use->time_ms = t;
    return false;
}

void velocity_shard::prepare(const Txn& txn, velocity_prepared& p, unsigned key_mask) const noexcept {
    std::memcpy(p.key[0], txn.card_token, 16);
    p.has[0] = (key_mask & 1u) && !key_is_zero(p.key[0]);
    p.hash[0] = key_hash(p.key[0]);
    // A key whose text had a PAN masked in it (BIN and last 4 left) no longer tells
    // such ids apart: two merchants or devices would share one history, so it is left out.
    const auto key_text = [&](const auto& text, uint32_t bit) {
        return (txn.masked_fields & bit) ? std::string_view{} : text.view();
    };
    const std::string_view texts[velocity_key_count] = {{}, key_text(txn.merchant_id, tf_merchant_id),
                                                        key_text(txn.device_id, tf_device_id),
                                                        key_text(txn.ip, tf_ip)};
    // Merchant and device ids are fingerprinted even when their tables are left out:
    // the card keeps merchant tags (distinct merchants) and device tags (known devices).
    uint16_t tags[velocity_key_count] = {};
    for (unsigned k = 1; k < velocity_key_count; ++k) {
        const bool present = !texts[k].empty();
        p.has[k] = (key_mask >> k & 1u) && present;
        if (!present || (!p.has[k] && k == unsigned(velocity_key::ip))) {
            std::memset(p.key[k], 0, 16);
            p.hash[k] = 0;
            continue;
        }
        uint64_t fp[2];
        fingerprint(texts[k], k, fp);
        std::memcpy(p.key[k], fp, 16);
        p.hash[k] = key_hash(p.key[k]);
        tags[k] = tag16(fp);
    }
    p.merchant_tag = tags[unsigned(velocity_key::merchant)];
    p.device_tag = tags[unsigned(velocity_key::device)];

    p.has_identity = true;
    // A masked txn_id would make every Luhn-valid id with the same BIN and last 4 one
    // identity (false duplicates): it identifies nothing, STAN/RRN may still.
    if (!txn.txn_id.empty() && !(txn.masked_fields & tf_txn_id)) {
        fingerprint(txn.txn_id.view(), 0x7e1d, p.identity);
    } else if (txn.stan[0] || txn.rrn[0]) {
        char buf[7 + 13 + 8 + 2];
        std::size_t n = 0;
        auto put = [&](const char* s, std::size_t max) {
            std::size_t l = strnlen(s, max);
            std::memcpy(buf + n, s, l);
            n += l;
            buf[n++] = '|';
        };
        put(txn.stan, sizeof txn.stan);
        put(txn.rrn, sizeof txn.rrn);
        std::memcpy(buf + n, txn.terminal_id.data, txn.terminal_id.len);
        n += txn.terminal_id.len;
        fingerprint(std::string_view(buf, n), 0x15087, p.identity);
    } else {
        p.has_identity = false;
    }

    for (unsigned k = 0; k < velocity_key_count; ++k) {
        const table& t = _tables[k];
        if (!p.has[k] || !t.mem) continue;
        __builtin_prefetch(&t.grp(primary_group(p.hash[k], t.n_groups)));
    }
    if (p.has_identity && _dedup) {
        uint32_t l1, l2;
        dedup_choices(p.identity[0], _dedup_lines, l1, l2);
        __builtin_prefetch(&_dedup[l1]);
        __builtin_prefetch(&_dedup[l2]);
    }
}

void velocity_shard::prefetch_entries(const velocity_prepared& p) const noexcept {
    for (unsigned k = 0; k < velocity_key_count; ++k) {
        const table& t = _tables[k];
        if (!p.has[k] || !t.mem) continue;
        const uint32_t g1 = primary_group(p.hash[k], t.n_groups);
        const group& g = t.grp(g1);
        if (uint32_t m = match_tags(g, tag_of(p.hash[k]))) {
            prefetch_entry(&t.slot(g1, unsigned(__builtin_ctz(m))));
        } else if (g.overflow != 0) {
            __builtin_prefetch(&t.grp(secondary_group(p.hash[k], t.n_groups)));
        } else if (uint32_t f = match_tags(g, 0)) {
            // A new key: the insert will write this slot.
            prefetch_entry(&t.slot(g1, unsigned(__builtin_ctz(f))));
        }
    }
}

observe_result velocity_shard::observe(const Txn& txn) noexcept {
    velocity_prepared p;
    prepare(txn, p);
    prefetch_entries(p);
    return observe(txn, p);
}

namespace {
inline bool device_tag_known(const velocity_entry& e, uint16_t tag) noexcept {
    if (!tag) return false;
    for (uint16_t d : e.device)
        if (d == tag) return true;
    return false;
}
}  // namespace

observe_result velocity_shard::observe(const Txn& txn, const velocity_prepared& p) noexcept {
    observe_result r{};
    ++_counters.observed;
    const int64_t t = txn.event_time_ms;

    // An event ahead of its receive clock is judged before dedup so that a forged date
    // leaves no identity behind either. rx_clock_ms 0: no receive clock (unbounded).
    const int64_t clock = txn.rx_clock_ms;
    const bool ahead = clock != 0 && t > clock && t - clock > _cfg.max_future_skew_ms;
    const bool dup = !ahead && dedup_check(p, t);
    const bool late = !ahead && !dup && _watermark != INT64_MIN && t < _watermark - _cfg.allowed_lateness_ms;
    if (ahead || dup || late) [[unlikely]] {
        r.status = ahead ? observe_status::ahead : dup ? observe_status::duplicate : observe_status::too_late;
        ++(ahead ? _counters.ahead : dup ? _counters.duplicates : _counters.too_late);
        for (unsigned k = 0; k < velocity_key_count; ++k)
            r.entry[k] = p.has[k] ? lookup(k, p.key[k], p.hash[k]) : nullptr;
        if (const velocity_entry* c = r.entry[0]) {
            r.prior.card_known = true;
            r.prior.last_cp = velocity_last_card_present(*c);
            r.prior.device_known = device_tag_known(*c, p.device_tag);
            std::memcpy(r.prior.last_country, c->last_country, 2);
        }
        return r;
    }
    // The watermark follows event time but never passes the receive clock: an event a
    // little ahead (within the skew) is applied without making everyone else late.
    const int64_t mark = clock != 0 && t > clock ? clock : t;
    if (mark > _watermark) _watermark = mark;
    ++_counters.applied;

    event v;
    v.t = t;
    v.amount = txn.amount_minor > 0 ? uint64_t(txn.amount_minor) : 0;
    v.merchant = p.merchant_tag;
    v.country = (txn.country[0] && txn.country[1])
                    ? uint16_t((uint8_t(txn.country[0]) << 8) | uint8_t(txn.country[1]))
                    : 0;
    const int64_t horizon = velocity_max_window_ms + _cfg.allowed_lateness_ms;
    const int64_t horizon_ticks = horizon / tick_ms + 2;

    for (unsigned k = 0; k < velocity_key_count; ++k) {
        if (!p.has[k] || !_tables[k].mem) continue;
        velocity_entry* e = upsert(k, p.key[k], p.hash[k], t);
        if (k == 0) {
            r.prior.card_known = e->ring_n != 0;
            r.prior.last_cp = velocity_last_card_present(*e);
            r.prior.device_known = device_tag_known(*e, p.device_tag);
            std::memcpy(r.prior.last_country, e->last_country, 2);
            if (p.device_tag && !r.prior.device_known) {
                e->device[e->device_next] = p.device_tag;
                e->device_next = uint8_t((e->device_next + 1) % velocity_device_slots);
            }
            bool card_present = txn.chan == channel::pos || txn.chan == channel::atm;
            double lat, lon;
            // Own coordinates, else city table, else country centroid (ISO 8583 feeds
            // carry only field 43's city and country).
            if (card_present && t > epoch_ms && txn_location(txn, lat, lon)) {
                uint32_t ts = uint32_t((t - epoch_ms) / 1000);
                if (ts >= e->cp_time_s) {
                    e->cp_time_s = ts ? ts : 1;
                    e->cp_lat = int16_t(lat * 180.0);
                    e->cp_lon = int16_t(lon * 180.0);
                }
            }
        }
        apply_event(*e, v, horizon, horizon_ticks);
        r.entry[k] = e;
    }
    // Free expired slots ahead of inserts: one slot per table per event inserted into
    // it passes over the table long before its TTL could fill it with dead entries.
    for (unsigned k = 0; k < velocity_key_count; ++k)
        if (p.has[k]) sweep_one(k);
    return r;
}

const velocity_entry* velocity_shard::observe_decline(const Txn& txn, const velocity_prepared& p) noexcept {
    ++_counters.declines;
    velocity_entry* e = p.has[0] ? lookup(0, p.key[0], p.hash[0]) : nullptr;
    if (e && flag_declined(*e, txn.event_time_ms)) [[likely]] return e;
    ++_counters.declines_unplaced;
    return nullptr;
}

const velocity_entry* velocity_shard::observe_decline(const Txn& txn) noexcept {
    velocity_prepared p;
    prepare(txn, p, 1u);
    return observe_decline(txn, p);
}

const velocity_entry* velocity_shard::find_card(const uint8_t token[card_token_bytes]) const noexcept {
    if (key_is_zero(token)) return nullptr;
    return lookup(0, token, key_hash(token));
}

const velocity_entry* velocity_shard::find(velocity_key kind, std::string_view text) const noexcept {
    if (kind == velocity_key::card) {
        if (text.size() != card_token_bytes) return nullptr;
        return find_card(reinterpret_cast<const uint8_t*>(text.data()));
    }
    if (text.empty()) return nullptr;
    uint64_t fp[2];
    fingerprint(text, unsigned(kind), fp);
    uint8_t key[16];
    std::memcpy(key, fp, 16);
    return lookup(unsigned(kind), key, key_hash(key));
}

}  // namespace txscreen
