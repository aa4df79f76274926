// Velocity tables and window summaries. Layout, guarantees and bounds: docs/velocity.md.
#include "velocity/velocity.h"

#include <cstdlib>
#include <cstring>

namespace txscreen {
namespace {

constexpr int64_t fine_width_ms = 20LL * 60 * 1000;        // 4 buckets: >= 60 min span
constexpr int64_t coarse_width_ms = 30'000'000;            // 8h20m; 4 buckets: >= 25 h
constexpr int64_t tick_ms = 4000;                          // distinct-sketch resolution
constexpr int64_t epoch_ms = 946'684'800'000LL;            // 2000-01-01, cp_time_s base
constexpr uint32_t no_age = ~0u;

int64_t floor_div(int64_t a, int64_t b) noexcept {
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

void fingerprint(std::string_view s, uint64_t seed, uint64_t out[2]) noexcept {
    uint64_t a = seed ^ 0x9e3779b97f4a7c15ULL ^ (s.size() * 0xff51afd7ed558ccdULL);
    uint64_t b = ~seed ^ 0xc4ceb9fe1a85ec53ULL;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        a = mix64(a ^ w) + b;
        b = mix64(b + w * 0x9fb21c651e98df25ULL) ^ a;
    }
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    a = mix64(a ^ w ^ 0x1234567ULL);
    b = mix64(b + w + a);
    out[0] = a;
    out[1] = b | 1;   // never all-zero: zero keys mark unused slots
}

uint16_t hash16(std::string_view s, uint64_t seed) noexcept {
    uint64_t fp[2];
    fingerprint(s, seed, fp);
    uint16_t h = static_cast<uint16_t>(fp[0] >> 48);
    return h ? h : 1;
}

bool key_is_zero(const uint8_t k[16]) noexcept {
    uint64_t a, b;
    std::memcpy(&a, k, 8);
    std::memcpy(&b, k + 8, 8);
    return (a | b) == 0;
}

uint64_t key_home(const uint8_t k[16]) noexcept {
    uint64_t a;
    std::memcpy(&a, k, 8);
    return mix64(a);   // tokens are uniform already; mixing costs ~1 ns and guards fps
}

// ---- 16-bit float for amount sums: 12-bit significand (implicit leading one when
// exponent > 0), 5-bit exponent, rounded to nearest. Relative error <= 2^-12 per
// rounding; values below 4096 are exact.
uint16_t f16_encode(uint64_t v) noexcept {
    if (v < 4096) {
        if (v < 2048) return static_cast<uint16_t>(v);
        return static_cast<uint16_t>((1u << 11) | (v - 2048));   // e = 1, shift 0
    }
    unsigned shift = 0;
    while ((v >> shift) >= 4096) ++shift;
    uint64_t sig = (v + (1ULL << (shift - 1))) >> shift;   // round half up
    if (sig >= 4096) {
        sig >>= 1;
        ++shift;
    }
    unsigned e = shift + 1;
    if (e > 31) [[unlikely]] return 0xFFFF;                  // saturate (~8.8e12)
    return static_cast<uint16_t>((e << 11) | (sig - 2048));
}

uint64_t f16_decode(uint16_t x) noexcept {
    unsigned e = x >> 11;
    uint64_t m = x & 0x7FF;
    if (e == 0) return m;
    return (2048 + m) << (e - 1);
}


// Absolute tick of a stored 16-bit tick: stored ticks are never more than the horizon
// (< 2^15 ticks) older than last_ms, so the difference recovers it.
int64_t abs_tick(const velocity_entry& e, uint16_t t16) noexcept {
    int64_t last = floor_div(e.last_ms, tick_ms);
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
    std::memset(e.merchant_hash, 0, sizeof e.merchant_hash);
    std::memset(e.merchant_tick, 0, sizeof e.merchant_tick);
    std::memset(e.country_code, 0, sizeof e.country_code);
    std::memset(e.country_tick, 0, sizeof e.country_tick);
    std::memset(e.bucket_count, 0, sizeof e.bucket_count);
    std::memset(e.bucket_sum, 0, sizeof e.bucket_sum);
}

// Clears the level's buckets that the newest index moving from i0 to i1 recycles.
void advance_level(velocity_entry& e, unsigned base, int64_t i0, int64_t i1) noexcept {
    int64_t n = i1 - i0;
    if (n <= 0) return;
    if (n > 4) n = 4;
    for (int64_t k = 1; k <= n; ++k) {
        unsigned slot = base + static_cast<unsigned>((i0 + k) & 3);
        e.bucket_count[slot] = 0;
        e.bucket_sum[slot] = 0;
    }
}

void add_level(velocity_entry& e, unsigned base, int64_t width, const event& v) noexcept {
    int64_t newest = floor_div(e.last_ms, width);
    int64_t i = floor_div(v.t, width);
    if (i <= newest - 4) return;   // older than the level's span: no query reaches it
    unsigned slot = base + static_cast<unsigned>(i & 3);
    if (e.bucket_count[slot] != 0xFFFF) ++e.bucket_count[slot];
    e.bucket_sum[slot] = f16_encode(f16_decode(e.bucket_sum[slot]) + v.amount);
}

// Keeps the `n` most recently seen distinct values with their last-seen tick.
void mru_update(uint16_t* val, uint16_t* tick, unsigned n, const velocity_entry& e,
                uint16_t x, int64_t t) noexcept {
    if (!x) return;
    int64_t at = floor_div(t, tick_ms);
    unsigned free_slot = n, oldest = 0;
    int64_t oldest_t = INT64_MAX;
    for (unsigned i = 0; i < n; ++i) {
        if (val[i] == x) {
            if (at > abs_tick(e, tick[i])) tick[i] = static_cast<uint16_t>(at);
            return;
        }
        if (!val[i]) {
            if (free_slot == n) free_slot = i;
            continue;
        }
        int64_t ti = abs_tick(e, tick[i]);
        if (ti < oldest_t) {
            oldest_t = ti;
            oldest = i;
        }
    }
    if (free_slot == n) {
        // A late sighting older than every kept one is not among the n newest.
        if (at <= oldest_t) return;
        free_slot = oldest;
    }
    val[free_slot] = x;
    tick[free_slot] = static_cast<uint16_t>(at);
}

void mru_sweep(uint16_t* val, uint16_t* tick, unsigned n, const velocity_entry& e,
               int64_t horizon_ticks) noexcept {
    int64_t last = floor_div(e.last_ms, tick_ms);
    for (unsigned i = 0; i < n; ++i)
        if (val[i] && last - abs_tick(e, tick[i]) > horizon_ticks) val[i] = 0;
}

uint32_t mru_count(const uint16_t* val, const uint16_t* tick, unsigned n,
                   const velocity_entry& e, int64_t start) noexcept {
    // Counts values last seen in a tick at or after the tick holding start + 1.
    int64_t from = floor_div(start + 1, tick_ms);
    uint32_t c = 0;
    for (unsigned i = 0; i < n; ++i)
        if (val[i] && abs_tick(e, tick[i]) >= from) ++c;
    return c;
}

void apply_event(velocity_entry& e, const event& v, int64_t horizon_ms) noexcept {
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
        if (e.ring_n < 8) ++e.ring_n;
        advance_level(e, 0, floor_div(e.last_ms, fine_width_ms), floor_div(v.t, fine_width_ms));
        advance_level(e, 4, floor_div(e.last_ms, coarse_width_ms),
                      floor_div(v.t, coarse_width_ms));
        e.last_ms = v.t;
    } else {
        uint32_t a = static_cast<uint32_t>(e.last_ms - v.t);
        unsigned valid = e.ring_n - 1u;   // ages held in ring_age
        unsigned p = 0;
        while (p < valid && e.ring_age[p] <= a) ++p;
        if (p < 7) {
            unsigned top = valid < 7 ? valid : 6;
            for (unsigned i = top; i > p; --i) e.ring_age[i] = e.ring_age[i - 1];
            e.ring_age[p] = a;
            if (e.ring_n < 8) ++e.ring_n;
        }
        // else: older than the 8 newest; only the buckets and sketches see it
    }
    add_level(e, 0, fine_width_ms, v);
    add_level(e, 4, coarse_width_ms, v);
    int64_t horizon_ticks = horizon_ms / tick_ms + 2;
    mru_sweep(e.merchant_hash, e.merchant_tick, velocity_distinct_merchant_slots, e,
              horizon_ticks);
    mru_sweep(e.country_code, e.country_tick, velocity_distinct_country_slots, e,
              horizon_ticks);
    mru_update(e.merchant_hash, e.merchant_tick, velocity_distinct_merchant_slots, e,
               v.merchant, v.t);
    mru_update(e.country_code, e.country_tick, velocity_distinct_country_slots, e,
               v.country, v.t);
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

uint64_t f16_err(uint16_t sum, uint16_t count) noexcept {
    // n roundings, each <= half an ulp of a value <= the final sum: sum * n / 4096.
    return (f16_decode(sum) * count) / 4096 + 1;
}

bucket_split split_buckets(const velocity_entry& e, int64_t start) noexcept {
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
            r.full_err += f16_err(e.bucket_sum[slot], c);
        } else if (hi_t > start) {
            r.cut_count = c;
            r.cut_sum = f16_decode(e.bucket_sum[slot]);
            r.cut_err = f16_err(e.bucket_sum[slot], c);
            r.cut_fraction = double(hi_t - start) / double(hi_t - lo_t + 1);
        }
    }
    return r;
}

int64_t clamp_window(int64_t w) noexcept {
    if (w > velocity_max_window_ms) return velocity_max_window_ms;
    return w < 0 ? 0 : w;
}

// Exact count when the ring holds every event of the window; -1 otherwise.
int64_t ring_exact_count(const velocity_entry& e, int64_t start) noexcept {
    if (e.ring_n == 0) return 0;
    if (e.ring_n == 8 && e.last_ms - int64_t(e.ring_age[6]) > start) return -1;
    int64_t c = e.last_ms > start ? 1 : 0;
    for (unsigned i = 0; i + 1 < e.ring_n; ++i)
        if (e.last_ms - int64_t(e.ring_age[i]) > start) ++c;
    return c;
}

}  // namespace

// ---------------------------------------------------------------------------------
velocity_allocator velocity_heap_allocator() noexcept {
    velocity_allocator a;
    a.alloc = [](void*, std::size_t size, std::size_t align) -> void* {
        std::size_t rounded = (size + align - 1) / align * align;
        return std::aligned_alloc(align, rounded);
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

const char* velocity_validate(const velocity_config& c) noexcept {
    constexpr uint32_t max_cap = 1u << 30;
    if (c.card_capacity < 1 || c.card_capacity > max_cap)
        return "velocity.card_capacity must be in 1..1073741824";
    if (c.merchant_capacity < 1 || c.merchant_capacity > max_cap)
        return "velocity.merchant_capacity must be in 1..1073741824";
    if (c.device_capacity < 1 || c.device_capacity > max_cap)
        return "velocity.device_capacity must be in 1..1073741824";
    if (c.ip_capacity < 1 || c.ip_capacity > max_cap)
        return "velocity.ip_capacity must be in 1..1073741824";
    if (c.dedup_capacity < 1 || c.dedup_capacity > max_cap)
        return "velocity.dedup_capacity must be in 1..1073741824";
    if (c.probe_limit < 4 || c.probe_limit > 64) return "velocity.probe_limit must be in 4..64";
    if (c.allowed_lateness_ms < 0 || c.allowed_lateness_ms > 3'600'000)
        return "velocity.allowed_lateness_ms must be in 0..3600000 (1 h)";
    if (c.ttl_ms < velocity_max_window_ms + c.allowed_lateness_ms || c.ttl_ms > 30LL * 86'400'000)
        return "velocity.ttl_ms must be in (24 h + allowed_lateness_ms)..30 d";
    if (c.dedup_window_ms < 1000 || c.dedup_window_ms > 7LL * 86'400'000)
        return "velocity.dedup_window_ms must be in 1000..604800000 (7 d)";
    return nullptr;
}

uint32_t velocity_count_within(const velocity_entry& e, int64_t now_ms,
                               int64_t window_ms) noexcept {
    int64_t start = now_ms - clamp_window(window_ms);
    int64_t exact = ring_exact_count(e, start);
    if (exact >= 0) return static_cast<uint32_t>(exact);
    velocity_bounds b = velocity_count_bounds(e, now_ms, window_ms);
    bucket_split s = split_buckets(e, start);
    int64_t est = s.full_count + int64_t(s.cut_count * s.cut_fraction + 0.5);
    if (est < b.lo) est = b.lo;
    if (est > b.hi) est = b.hi;
    return static_cast<uint32_t>(est);
}

velocity_bounds velocity_count_bounds(const velocity_entry& e, int64_t now_ms,
                                      int64_t window_ms) noexcept {
    int64_t start = now_ms - clamp_window(window_ms);
    int64_t exact = ring_exact_count(e, start);
    if (exact >= 0) return {exact, exact};
    bucket_split s = split_buckets(e, start);
    int64_t lo = s.full_count > 8 ? s.full_count : 8;
    int64_t hi = s.saturated ? INT64_MAX : s.full_count + s.cut_count;
    if (hi < lo) hi = lo;
    return {lo, hi};
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
    int64_t start = now_ms - clamp_window(window_ms);
    bucket_split s = split_buckets(e, start);
    int64_t exact = ring_exact_count(e, start);
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

int64_t velocity_nth_latest_time(const velocity_entry& e, unsigned n) noexcept {
    if (n == 0 || n > e.ring_n) return INT64_MIN;
    if (n == 1) return e.last_ms;
    return e.last_ms - int64_t(e.ring_age[n - 2]);
}

uint16_t velocity_merchant_tag(std::string_view merchant_id) noexcept {
    return hash16(merchant_id, 0x3e7c);
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
    uint16_t h = hash16(device_id, 0xde71ce);
    for (uint16_t d : e.device)
        if (d == h) return true;
    return false;
}

// ---------------------------------------------------------------------------------
namespace {
uint32_t table_capacity(uint32_t n) noexcept { return n < 64 ? 64 : n; }

// Home slot in [0, cap) without a power-of-two capacity (multiply-high range reduction).
uint32_t home_slot(uint64_t h, uint32_t cap) noexcept {
    return static_cast<uint32_t>((static_cast<unsigned __int128>(h) * cap) >> 64);
}
}  // namespace

std::size_t velocity_shard::bytes_needed(const velocity_config& c) noexcept {
    std::size_t n = 0;
    for (uint32_t cap : {c.card_capacity, c.merchant_capacity, c.device_capacity, c.ip_capacity})
        n += std::size_t(table_capacity(cap)) * sizeof(velocity_entry);
    n += std::size_t(table_capacity(c.dedup_capacity)) * sizeof(dedup_slot);
    return n;
}

velocity_shard::~velocity_shard() {
    for (auto& t : _tables)
        if (t.slots) _mem.release(_mem.ctx, t.slots);
    if (_dedup) _mem.release(_mem.ctx, _dedup);
}

const char* velocity_shard::init(const velocity_config& cfg, const velocity_allocator& mem) noexcept {
    if (const char* err = velocity_validate(cfg)) return err;
    if (_dedup || _tables[0].slots) return "velocity: shard already initialised";
    _cfg = cfg;
    _mem = mem;
    const uint32_t caps[velocity_key_count] = {cfg.card_capacity, cfg.merchant_capacity,
                                               cfg.device_capacity, cfg.ip_capacity};
    for (unsigned k = 0; k < velocity_key_count; ++k) {
        uint32_t cap = table_capacity(caps[k]);
        std::size_t bytes = std::size_t(cap) * sizeof(velocity_entry);
        void* p = mem.alloc(mem.ctx, bytes, 64);
        if (!p) [[unlikely]] return "velocity: allocation of a table failed (see bytes_needed)";
        std::memset(p, 0, bytes);
        _tables[k].slots = static_cast<velocity_entry*>(p);
        _tables[k].capacity = cap;
    }
    uint32_t dcap = table_capacity(cfg.dedup_capacity);
    void* p = mem.alloc(mem.ctx, std::size_t(dcap) * sizeof(dedup_slot), 64);
    if (!p) [[unlikely]] return "velocity: allocation of the dedup table failed";
    std::memset(p, 0, std::size_t(dcap) * sizeof(dedup_slot));
    _dedup = static_cast<dedup_slot*>(p);
    _dedup_capacity = dcap;
    return nullptr;
}

velocity_entry* velocity_shard::lookup(velocity_key kind, const uint8_t key[16]) const noexcept {
    const table& t = _tables[unsigned(kind)];
    if (!t.slots) return nullptr;
    uint32_t idx = home_slot(key_home(key), t.capacity);
    int64_t dead_before = _watermark - _cfg.ttl_ms;
    for (uint32_t i = 0; i < _cfg.probe_limit; ++i, idx = idx + 1 == t.capacity ? 0 : idx + 1) {
        velocity_entry& e = t.slots[idx];
        if (key_is_zero(e.key)) return nullptr;   // inserts fill the first free slot
        if (std::memcmp(e.key, key, 16) == 0) return e.last_ms >= dead_before ? &e : nullptr;
    }
    return nullptr;
}

velocity_entry* velocity_shard::upsert(velocity_key kind, const uint8_t key[16],
                                       int64_t now) noexcept {
    table& t = _tables[unsigned(kind)];
    unsigned k = unsigned(kind);
    uint32_t idx = home_slot(key_home(key), t.capacity);
    int64_t dead_before = _watermark - _cfg.ttl_ms;
    velocity_entry* reuse = nullptr;    // first never-used or expired slot
    velocity_entry* oldest = nullptr;   // fallback victim
    for (uint32_t i = 0; i < _cfg.probe_limit; ++i, idx = idx + 1 == t.capacity ? 0 : idx + 1) {
        velocity_entry& e = t.slots[idx];
        bool unused = key_is_zero(e.key);
        if (!unused && std::memcmp(e.key, key, 16) == 0) {
            if (e.last_ms >= dead_before) return &e;
            reuse = &e;   // its own expired entry: start afresh in place
            ++_counters.expired_reused[k];
            break;
        }
        if (unused) {
            if (!reuse) reuse = &e;
            break;   // the key cannot sit beyond the first never-used slot
        }
        if (!reuse && e.last_ms < dead_before) reuse = &e;
        if (!oldest || e.last_ms < oldest->last_ms) oldest = &e;
    }
    if (!reuse) {
        // Probe window full of live entries: displace the least recently active.
        reuse = oldest;
        ++_counters.evicted[k];
    } else if (!key_is_zero(reuse->key) && std::memcmp(reuse->key, key, 16) != 0) {
        ++_counters.expired_reused[k];
    }
    std::memset(static_cast<void*>(reuse), 0, sizeof *reuse);
    std::memcpy(reuse->key, key, 16);
    reuse->last_ms = now;
    ++_counters.inserted[k];
    return reuse;
}

bool velocity_shard::dedup_check(const Txn& txn) noexcept {
    uint64_t fp[2];
    if (!txn.txn_id.empty()) {
        fingerprint(txn.txn_id.view(), 0x7e1d, fp);
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
        fingerprint(std::string_view(buf, n), 0x15087, fp);
    } else {
        return false;   // no identity: cannot be a recognisable duplicate
    }
    const int64_t t = txn.event_time_ms;
    const int64_t win = _cfg.dedup_window_ms;
    int64_t wm = _watermark > t ? _watermark : t;
    dedup_slot* reuse = nullptr;
    dedup_slot* oldest = nullptr;
    uint32_t idx = home_slot(mix64(fp[0]), _dedup_capacity);
    for (uint32_t i = 0; i < _cfg.probe_limit; ++i, idx = idx + 1 == _dedup_capacity ? 0 : idx + 1) {
        dedup_slot& s = _dedup[idx];
        bool unused = (s.fp[0] | s.fp[1]) == 0;
        if (!unused && s.fp[0] == fp[0] && s.fp[1] == fp[1]) {
            int64_t d = t - s.time_ms;
            if (d < 0) d = -d;
            if (d <= win) return true;
            s.time_ms = t;   // same identity long apart: a new transaction
            return false;
        }
        if (unused) {
            if (!reuse) reuse = &s;
            break;
        }
        // A record stays until no event within the lateness can still match it.
        if (!reuse && s.time_ms < wm - win - _cfg.allowed_lateness_ms) reuse = &s;
        if (!oldest || s.time_ms < oldest->time_ms) oldest = &s;
    }
    if (!reuse) {
        reuse = oldest;
        ++_counters.dedup_evicted;
    }
    reuse->fp[0] = fp[0];
    reuse->fp[1] = fp[1];
    reuse->time_ms = t;
    return false;
}

observe_result velocity_shard::observe(const Txn& txn) noexcept {
    observe_result r{};
    ++_counters.observed;
    const int64_t t = txn.event_time_ms;

    uint8_t keys[velocity_key_count][16];
    bool has[velocity_key_count] = {};
    std::memcpy(keys[0], txn.card_token, 16);
    has[0] = !key_is_zero(keys[0]);
    std::string_view texts[velocity_key_count] = {{}, txn.merchant_id.view(),
                                                  txn.device_id.view(), txn.ip.view()};
    for (unsigned k = 1; k < velocity_key_count; ++k) {
        if (texts[k].empty()) continue;
        uint64_t fp[2];
        fingerprint(texts[k], k, fp);
        std::memcpy(keys[k], fp, 16);
        has[k] = true;
    }

    bool dup = dedup_check(txn);
    bool late = !dup && _watermark != INT64_MIN && t < _watermark - _cfg.allowed_lateness_ms;
    if (dup || late) [[unlikely]] {
        r.status = dup ? observe_status::duplicate : observe_status::too_late;
        ++(dup ? _counters.duplicates : _counters.too_late);
        for (unsigned k = 0; k < velocity_key_count; ++k)
            r.entry[k] = has[k] ? lookup(velocity_key(k), keys[k]) : nullptr;
        if (const velocity_entry* c = r.entry[0]) {
            r.prior.card_known = true;
            r.prior.last_cp = velocity_last_card_present(*c);
            r.prior.device_known = velocity_device_known(*c, txn.device_id.view());
            std::memcpy(r.prior.last_country, c->last_country, 2);
        }
        return r;
    }
    if (t > _watermark) _watermark = t;
    ++_counters.applied;

    event v;
    v.t = t;
    v.amount = txn.amount_minor > 0 ? uint64_t(txn.amount_minor) : 0;
    v.merchant = txn.merchant_id.empty() ? 0 : velocity_merchant_tag(txn.merchant_id.view());
    v.country = (txn.country[0] && txn.country[1])
                    ? uint16_t((uint8_t(txn.country[0]) << 8) | uint8_t(txn.country[1]))
                    : 0;
    const int64_t horizon = velocity_max_window_ms + _cfg.allowed_lateness_ms;

    for (unsigned k = 0; k < velocity_key_count; ++k) {
        if (!has[k]) continue;
        velocity_entry* e = upsert(velocity_key(k), keys[k], t);
        if (k == 0) {
            r.prior.card_known = e->ring_n != 0;
            r.prior.last_cp = velocity_last_card_present(*e);
            r.prior.device_known = velocity_device_known(*e, txn.device_id.view());
            std::memcpy(r.prior.last_country, e->last_country, 2);
            if (!txn.device_id.empty() && !r.prior.device_known) {
                e->device[e->device_next] = hash16(txn.device_id.view(), 0xde71ce);
                e->device_next = uint8_t((e->device_next + 1) % velocity_device_slots);
            }
            bool card_present = txn.chan == channel::pos || txn.chan == channel::atm;
            bool coords_ok = txn.has_coords() && txn.lat >= -90.0f && txn.lat <= 90.0f &&
                             txn.lon >= -180.0f && txn.lon <= 180.0f;
            if (card_present && coords_ok && t > epoch_ms) {
                uint32_t ts = uint32_t((t - epoch_ms) / 1000);
                if (ts >= e->cp_time_s) {
                    e->cp_time_s = ts ? ts : 1;
                    e->cp_lat = int16_t(txn.lat * 180.0f);
                    e->cp_lon = int16_t(txn.lon * 180.0f);
                }
            }
        }
        apply_event(*e, v, horizon);
        r.entry[k] = e;
    }
    return r;
}

const velocity_entry* velocity_shard::find_card(const uint8_t token[card_token_bytes]) const noexcept {
    if (key_is_zero(token)) return nullptr;
    return lookup(velocity_key::card, token);
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
    return lookup(kind, key);
}

}  // namespace txscreen
