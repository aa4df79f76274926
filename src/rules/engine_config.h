// One engine's settings: its velocity tables and detector caches ([velocity] in the
// config file: docs/config.md, docs/velocity.md), plus what the appliance hands each
// worker's engine at start (memory, pattern databases, worker number). One struct with
// its defaults, its reader, its validator (the only range check of these fields) and
// its explain() lines.
#pragma once

#include <cstddef>

#include "velocity/velocity.h"

namespace txscreen {

class config_errors;
class pattern_store;
class toml_section;
struct explanation;

struct engine_config {
    velocity_config velocity;          // per-key windows and duplicate detection
    velocity_allocator memory = velocity_heap_allocator();
    // Recent (card, merchant, amount) triples and cards with recent small amounts:
    // size for the transactions of one repeat / card-testing window (2^n rounding).
    std::size_t repeat_entries = 1 << 18;
    std::size_t small_txn_entries = 1 << 17;
    // Merchant/device/IP windows cost a table update each per txn; by default they are
    // kept only for keys the published ruleset has an enabled [[rule]] on (a rule on a
    // key not tracked before starts from an empty history when its ruleset is
    // published). true: keep all four always.
    bool track_unused_keys = false;
    // Screening: the published pattern databases (nullptr = no screening) and this
    // engine's scratch index in them (its worker number, < patterns->workers()).
    pattern_store* patterns = nullptr;
    unsigned worker = 0;
    // Field texts whose scan results the worker keeps (screen_cache.h; 128 bytes each,
    // rounded down to a power of two; 0 = scan every field every time).
    std::size_t screen_cache_entries = 1 << 16;
};

// [velocity]: the velocity tables and the detector caches (repeat_entries,
// small_txn_entries).
void read_velocity_section(const toml_section& s, engine_config& c);
void validate(const engine_config& c, config_errors& errors);
// Memory per worker (and for `workers` of them) and the velocity time settings.
void explain(const engine_config& c, unsigned workers, explanation& out);

}  // namespace txscreen
