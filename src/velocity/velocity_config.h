// The velocity tables' settings: capacities, TTL, lateness, future skew and the
// duplicate window ([velocity] in the config file; docs/velocity.md). One struct with
// its defaults, its reader, its validator (the only range check of these fields:
// velocity_shard::init runs it too) and its explain() lines.
#pragma once

#include <cstdint>
#include <string_view>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct velocity_config {
    // Entries per table (at least 64; rounded up to whole 31-slot groups, see
    // velocity_shard::capacity). Each slot costs 128 B + 64/31 B of tags: 10 M cards
    // at load 0.95 take 10.53 M slots = 1.28 GiB.
    uint32_t card_capacity = 1u << 20;
    uint32_t merchant_capacity = 1u << 16;
    uint32_t device_capacity = 1u << 18;
    uint32_t ip_capacity = 1u << 18;
    // Remembered transaction identities (rounded up to whole 4-slot lines, 16 B each).
    uint32_t dedup_capacity = 1u << 18;
    // Kept for configuration compatibility (validated 4..64); the bucketised tables
    // always examine the key's two groups (62 slots) and nothing else.
    uint32_t probe_limit = 16;
    // Idle time (event time) after which an entry is free to reuse; must cover the
    // largest window plus the lateness: >= 24 h + allowed_lateness_ms.
    int64_t ttl_ms = 25LL * 3600 * 1000;
    // Events up to this much older than the shard watermark are applied exactly (0..1 h).
    int64_t allowed_lateness_ms = 60'000;
    // A repeated txn identity within this event-time distance is a duplicate (1 s..7 d).
    int64_t dedup_window_ms = 24LL * 3600 * 1000;
    // An event dated more than this after its receive clock (Txn::rx_clock_ms) is
    // "ahead": scored, never applied, and it never moves the watermark (0..24 h).
    int64_t max_future_skew_ms = 5LL * 60 * 1000;
};

// The [velocity] keys read into velocity_config (the engine's section adds its own).
inline constexpr std::string_view velocity_config_keys[] = {
    "card_capacity", "merchant_capacity", "device_capacity", "ip_capacity", "dedup_capacity",
    "probe_limit",   "ttl",               "allowed_lateness", "max_future_skew", "dedup_window"};

// Reads velocity_config_keys from `s` (the caller checks for unknown keys).
void read_velocity_fields(const toml_section& s, velocity_config& c);
// Every field against its range, keys "velocity.<key>".
void validate(const velocity_config& c, config_errors& errors);
// nullptr when `c` is valid, else its first problem ("velocity.probe_limit: must be
// 4..64, got 2"); the pointer stays valid until the thread's next call.
const char* velocity_validate(const velocity_config& c) noexcept;
// Memory per worker and for `workers`, and the time settings.
void explain(const velocity_config& c, unsigned workers, explanation& out);

}  // namespace txscreen
