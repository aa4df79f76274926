// Per-key velocity state of one worker shard (docs/velocity.md).
//
// One fixed-capacity table per key kind (card by token, merchant, device and IP by a
// 128-bit fingerprint of their text) of 128-byte entries, plus a duplicate-transaction
// table. Tables are bucketised: a key maps to a primary and a secondary group of 31
// slots whose 16-bit tags share one 64-byte line, so a lookup reads one tag line (two
// only when the primary group has overflowed) and then only the entry whose tag matches. All memory comes from the caller's allocator once, at
// init; observe() and the queries never allocate, lock or make syscalls. A shard is
// single-threaded: the worker that owns it is the only reader and writer.
//
// Event time drives everything: the shard watermark is the newest event time it has
// applied, but never later than that event's receive clock, so one sender's clock (or a
// forged date) cannot move it past real time; an event older than watermark -
// allowed_lateness is "too late" and one dated more than max_future_skew after its
// receive clock is "ahead" (both counted, not applied); an entry idle for longer than
// the TTL (by event time) is free to reuse.
//
// Window semantics (every query): the window of length W at `now` holds the key's
// applied events with time > now - W (events newer than `now`, which exist only when
// `now` is a late event's own time, are included). Exactness per metric is documented
// on each query and in docs/velocity.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/txn.h"
#include "velocity/velocity_config.h"

namespace txscreen {

// ---------------------------------------------------------------------------------
// Memory: the caller supplies it (the dataplane passes rte_malloc_socket on the
// worker's NUMA socket; tests pass aligned_alloc).
struct velocity_allocator {
    // Returns `size` bytes aligned to `align` (a power of two >= 64), or nullptr.
    void* (*alloc)(void* ctx, std::size_t size, std::size_t align);
    void (*release)(void* ctx, void* p);
    void* ctx;
};
// aligned_alloc/free from the C library.
velocity_allocator velocity_heap_allocator() noexcept;

enum class velocity_key : uint8_t { card = 0, merchant = 1, device = 2, ip = 3 };
inline constexpr unsigned velocity_key_count = 4;
// "card", "merchant", "device", "ip".
std::string_view velocity_key_name(velocity_key k) noexcept;

enum class velocity_metric : uint8_t {
    count = 0,
    sum_amount = 1,
    distinct_merchant = 2,
    distinct_country = 3,
    declines = 4,   // card only: issuer declines of the card's transactions
};

// Largest window any query answers (24 h); longer windows are clamped to it.
inline constexpr int64_t velocity_max_window_ms = 24LL * 3600 * 1000;
// Exact burst depth: nth_latest_time() is exact for n <= this.
inline constexpr unsigned velocity_exact_events = 8;
// Distinct counts are exact up to these values and saturate there.
inline constexpr unsigned velocity_distinct_merchant_slots = 3;
inline constexpr unsigned velocity_distinct_country_slots = 3;
// Known device hashes kept per card.
inline constexpr unsigned velocity_device_slots = 3;

// velocity_config (capacities, TTL, lateness, skew, dedup window): velocity_config.h.

// ---------------------------------------------------------------------------------
// One key's state: 128 bytes, two cache lines. Fields are private to velocity.cpp;
// read them through the queries below. Layout and bounds: docs/velocity.md.
struct alignas(64) velocity_entry {
    // ---- line 0: identity and the exact ring of the 8 newest event times
    uint8_t key[16];           // token or fingerprint; all-zero = never used
    int64_t last_ms;           // newest applied event time (TTL, ring base)
    uint32_t ring_age[7];      // ms before last_ms of the 2nd..8th newest; ~0u = none
    uint8_t ring_n;            // valid ring events (0..8); the newest is last_ms
    uint8_t device_next;       // card: round-robin slot for the next new device
    uint16_t device[velocity_device_slots];  // card: device-id hashes, 0 = none
    uint32_t cp_time_s;        // card: last card-present time, s since velocity epoch; 0 = none
    // ---- line 1: summaries
    int16_t cp_lat;            // card: last card-present location, degrees * 180
    int16_t cp_lon;
    char last_country[2];      // country of the newest event that had one
    uint8_t ring_declined;     // bit i: the i-th newest ring event (bit 0: last_ms) was
                               // declined by its issuer (observe_decline)
    uint8_t spare;
    uint16_t merchant_hash[velocity_distinct_merchant_slots];  // MRU merchants
    uint16_t merchant_tick[velocity_distinct_merchant_slots];  // last seen, 4 s ticks
    uint16_t country_code[velocity_distinct_country_slots];    // MRU countries
    uint16_t country_tick[velocity_distinct_country_slots];
    uint16_t bucket_count[8];  // [0..4): 20-minute buckets, [4..8): 8-hour buckets
    uint16_t bucket_sum[8];    // amount sums, 16-bit float (see docs/velocity.md)
};
static_assert(sizeof(velocity_entry) == 128, "velocity_entry must stay two cache lines");

// ---- queries (all O(1), no allocation). `now_ms` is normally the scored txn's time.

// Events in the window. Exact whenever the window holds fewer than 8 events (or the
// key has had at most 8 since it went idle); otherwise at least 8, estimated from the
// bucket summary (bounds: velocity_count_bounds).
uint32_t velocity_count_within(const velocity_entry& e, int64_t now_ms,
                               int64_t window_ms) noexcept;
// Sum of amount_minor in the window, estimated from the bucket summary (bounds below).
int64_t velocity_sum_within(const velocity_entry& e, int64_t now_ms,
                            int64_t window_ms) noexcept;
// Both of the above with one pass over the ring and the buckets (the same values).
struct velocity_window {
    uint32_t count;
    int64_t sum;
};
velocity_window velocity_window_within(const velocity_entry& e, int64_t now_ms,
                                       int64_t window_ms) noexcept;
// Distinct merchants (countries) seen in the window: exact up to the slot count (modulo
// 16-bit hash collisions and 4-second tick resolution), saturating at it.
uint32_t velocity_distinct_merchants_within(const velocity_entry& e, int64_t now_ms,
                                            int64_t window_ms) noexcept;
uint32_t velocity_distinct_countries_within(const velocity_entry& e, int64_t now_ms,
                                            int64_t window_ms) noexcept;
// The card's events in the window that their issuer declined (observe_decline). Exact
// whenever velocity_count_within is (the window holds fewer than 8 events, or the key
// has had at most 8 since it went idle); otherwise the declines among the 8 newest
// events, a lower bound. A decline is placed at its request's event time, so a decline
// always falls in the same windows as the transaction it answers.
uint32_t velocity_declines_within(const velocity_entry& e, int64_t now_ms,
                                  int64_t window_ms) noexcept;
// False when no event of the key's ring is flagged declined (nearly every card): a
// test inlined on the packet path before the query above.
inline bool velocity_any_declines(const velocity_entry& e) noexcept { return e.ring_declined != 0; }
// Event time of the n-th newest applied event (n = 1 is the newest), exact for
// n in 1..8; INT64_MIN when the key has fewer than n events in its state. "N events
// within T ms at now" is exactly: nth_latest_time(e, N) > now - T.
int64_t velocity_nth_latest_time(const velocity_entry& e, unsigned n) noexcept;
// The 16-bit merchant tag the distinct sketch keeps (never 0); two merchants with the
// same tag count as one. Exposed for the reference model in tests.
uint16_t velocity_merchant_tag(std::string_view merchant_id) noexcept;
// Dispatch on the metric (for user rules).
int64_t velocity_metric_within(const velocity_entry& e, velocity_metric m, int64_t now_ms,
                               int64_t window_ms) noexcept;

// Guaranteed bounds: the true value v satisfies lo <= v <= hi.
struct velocity_bounds {
    int64_t lo;
    int64_t hi;
};
velocity_bounds velocity_count_bounds(const velocity_entry& e, int64_t now_ms,
                                      int64_t window_ms) noexcept;
velocity_bounds velocity_sum_bounds(const velocity_entry& e, int64_t now_ms,
                                    int64_t window_ms) noexcept;

// Card extras.
struct velocity_location {
    bool valid;
    float lat;
    float lon;
    int64_t time_ms;   // second resolution
};
velocity_location velocity_last_card_present(const velocity_entry& e) noexcept;
// True when `device_id` (non-empty) is among the card's known devices.
bool velocity_device_known(const velocity_entry& e, std::string_view device_id) noexcept;

// ---------------------------------------------------------------------------------
enum class observe_status : uint8_t {
    applied = 0,     // counted in every table it has a key for
    duplicate = 1,   // same txn identity seen within dedup_window_ms: not counted again
    too_late = 2,    // older than watermark - allowed_lateness: not counted
    ahead = 3,       // dated beyond its receive clock + max_future_skew: not counted
};

// Card facts as they were BEFORE this txn was applied (for impossible travel, new
// device and country change).
struct card_prior {
    bool card_known;            // the card had live state
    velocity_location last_cp;  // previous card-present location
    bool device_known;          // txn.device_id was already a known device of the card
    char last_country[3];       // "" when none
};

struct observe_result {
    observe_status status;
    // Entries after the update (status applied), or as found (duplicate / too_late / ahead,
    // nullptr when absent). merchant/device/ip are nullptr when the txn lacks the field.
    const velocity_entry* entry[velocity_key_count];
    card_prior prior;
};

// Per-shard counters, written only by the owning worker; read by summing over shards.
struct velocity_counters {
    uint64_t observed = 0;
    uint64_t applied = 0;
    uint64_t duplicates = 0;
    uint64_t too_late = 0;
    uint64_t ahead = 0;
    uint64_t inserted[velocity_key_count] = {};
    uint64_t expired_reused[velocity_key_count] = {};  // idle entries reused after TTL
    uint64_t evicted[velocity_key_count] = {};         // live entries displaced (table full)
    uint64_t dedup_evicted = 0;                        // live identities displaced
    // Issuer declines (observe_decline): placed on their request's event, or unplaced
    // (the card is unknown or evicted, or the request's event is no longer among its 8
    // newest, or was never applied: duplicate, too late, ahead). declines = placed +
    // unplaced.
    uint64_t declines = 0;
    uint64_t declines_unplaced = 0;
};

// Keys, hashes and tags of one txn, computed once by velocity_shard::prepare() (which
// also prefetches the tag lines) so a burst can overlap its cache misses.
struct velocity_prepared {
    uint8_t key[velocity_key_count][16];  // card token / text fingerprints
    uint64_t hash[velocity_key_count];    // group selection and tag
    bool has[velocity_key_count];         // the txn carries this key
    bool has_identity;                    // txn_id or STAN/RRN present
    uint64_t identity[2];                 // fingerprint of the txn identity
    uint16_t merchant_tag;                // velocity_merchant_tag(merchant_id), 0 = none
    uint16_t device_tag;                  // device hash kept in card entries, 0 = none
};

class velocity_shard {
public:
    velocity_shard() noexcept = default;
    ~velocity_shard();
    velocity_shard(const velocity_shard&) = delete;
    velocity_shard& operator=(const velocity_shard&) = delete;

    // Bytes init() will allocate for `cfg` (all tables).
    static std::size_t bytes_needed(const velocity_config& cfg) noexcept;

    // Validates `cfg` and allocates every table. Returns nullptr on success, else a
    // message (the validation error, or "velocity: allocation of N bytes failed").
    const char* init(const velocity_config& cfg, const velocity_allocator& mem) noexcept;

    // Dedup check, then updates the card/merchant/device/ip entries of `txn`.
    observe_result observe(const Txn& txn) noexcept;
    // The same with keys from prepare(txn, p) (call prepare a few txns ahead, and
    // prefetch_entries one or two ahead, to overlap the cache misses of a burst).
    observe_result observe(const Txn& txn, const velocity_prepared& p) noexcept;
    // An issuer's decline of an earlier transaction of the card `txn.card_token`, dated
    // `txn.event_time_ms` (the request's event time): flags that event among the card's
    // 8 newest (the first not yet flagged with that time). Not an event itself: no
    // count, sum, sketch, dedup record or watermark moves. Returns the card's entry, or
    // nullptr when the decline could not be placed (counted in declines_unplaced).
    // `p` comes from prepare(txn, p, 1u) (only the card key is read).
    const velocity_entry* observe_decline(const Txn& txn, const velocity_prepared& p) noexcept;
    const velocity_entry* observe_decline(const Txn& txn) noexcept;
    // Fills `p` for `txn` and prefetches the tag lines and dedup lines it will read.
    // Keys whose bit (1 << velocity_key) is clear in `key_mask` are left out (has =
    // false): observe() neither reads nor updates their tables for this txn.
    void prepare(const Txn& txn, velocity_prepared& p, unsigned key_mask = 0xFu) const noexcept;
    // Reads the (prefetched) tag lines of `p` and prefetches the entries they name.
    void prefetch_entries(const velocity_prepared& p) const noexcept;

    // The live entry of a key, or nullptr. No insertion.
    const velocity_entry* find_card(const uint8_t token[card_token_bytes]) const noexcept;
    const velocity_entry* find(velocity_key kind, std::string_view text) const noexcept;

    const velocity_counters& counters() const noexcept { return _counters; }
    int64_t watermark_ms() const noexcept { return _watermark; }
    uint32_t capacity(velocity_key k) const noexcept { return _tables[unsigned(k)].capacity; }
    const velocity_config& config() const noexcept { return _cfg; }

    // Slots per group and the tag line of a group: tag 0 = free slot; `overflow`
    // counts keys whose primary group is this one living in their secondary group
    // (0 = a key absent from this group is absent; 65535 = saturated, always look).
    static constexpr uint32_t group_slots = 31;
    struct alignas(64) group {
        uint16_t tag[group_slots];
        uint16_t overflow;
    };
    // A group is one 4 KiB block: its tag line, then its 31 entries (64 + 31 * 128 =
    // 4032 bytes, padded), so a lookup's tag line and entry share a page: one TLB miss
    // (a page walk, which a prefetch waits for) instead of two.
    static constexpr std::size_t group_bytes = 4096;
    struct table {
        uint8_t* mem = nullptr;    // n_groups blocks of group_bytes
        uint32_t n_groups = 0;
        uint32_t capacity = 0;     // n_groups * group_slots
        uint32_t sweep = 0;        // next slot the expiry sweep examines
        group& grp(uint32_t g) const noexcept {
            return *reinterpret_cast<group*>(mem + std::size_t(g) * group_bytes);
        }
        velocity_entry& slot(uint32_t g, uint32_t i) const noexcept {
            return *reinterpret_cast<velocity_entry*>(mem + std::size_t(g) * group_bytes + sizeof(group) +
                                                      std::size_t(i) * sizeof(velocity_entry));
        }
    };
    struct dedup_slot {
        uint64_t fp;               // 0 = free
        int64_t time_ms;
    };
    struct alignas(64) dedup_line {
        dedup_slot slot[4];
    };

private:
    velocity_entry* upsert(unsigned k, const uint8_t key[16], uint64_t h, int64_t now) noexcept;
    velocity_entry* lookup(unsigned k, const uint8_t key[16], uint64_t h) const noexcept;
    void sweep_one(unsigned k) noexcept;
    bool dedup_check(const velocity_prepared& p, int64_t t) noexcept;

    velocity_config _cfg{};
    velocity_allocator _mem{};
    table _tables[velocity_key_count]{};
    dedup_line* _dedup = nullptr;
    uint32_t _dedup_lines = 0;
    int64_t _watermark = INT64_MIN;
    velocity_counters _counters{};
};

}  // namespace txscreen
