// The velocity floor's work (bench_floors.h): the cache lines the engine's velocity
// shard touches per transaction, in tables of the configured sizes, touched in
// engine::score_burst's pipelined order with no window arithmetic. The keys are hashed
// before the clock runs (velocity_probe), so what is timed is the memory's cost alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/txn.h"
#include "rules/engine_config.h"
#include "velocity/velocity.h"

namespace txscreen {
class rule_sources;
}

namespace txscreen::floors {

// What locating one transaction's lines needs, worked out before the clock runs: the
// floor is the memory's, not the hashing's. A hash of 0 means the key is absent.
struct velocity_probe {
    uint64_t key[velocity_key_count];
    uint64_t identity;
};

// The keys the engine updates per transaction: the card always, the others when the
// ruleset has an enabled rule on them (engine::quiescent), or all with track_unused_keys.
unsigned tracked_keys(rule_sources& sources, const engine_config& ec);

// velocity_shard::prepare's choice of keys and identity, hashed with hash_bytes (any
// uniform hash places lines alike; the shard's own is private to it).
velocity_probe probe_of(const Txn& t, unsigned mask);

class page_memory;  // the tables' memory (floor_velocity.cpp)
struct line_set;    // one transaction's lines while in flight (floor_velocity.cpp)

// Tables laid out as velocity_shard's (4 KiB groups: a tag line, then 31 entries of two
// lines; dedup lines of 4 slots, a transaction's two choices within one page), of the
// configured capacities, touched as engine::score_burst touches them.
class velocity_floor {
public:
    velocity_floor(const velocity_config& c, unsigned mask, bool huge);
    ~velocity_floor();
    velocity_floor(const velocity_floor&) = delete;
    velocity_floor& operator=(const velocity_floor&) = delete;

    // One pass in the worker's bursts (worker_stage.cpp dequeues up to 64).
    uint64_t pass(const std::vector<velocity_probe>& probes) noexcept;

    bool huge() const noexcept { return _huge; }

private:
    static constexpr uint32_t group_slots = velocity_shard::group_slots;
    static constexpr std::size_t group_bytes = velocity_shard::group_bytes;

    // Declared inline, as they were when defined in the class, so that the compiler
    // still folds them into the hot loop the floor times (all used in floor_velocity.cpp only).
    inline void burst(const velocity_probe* p, std::size_t n) noexcept;
    inline void locate(const velocity_probe& p, line_set& s) const noexcept;
    inline void find_entries(const velocity_probe& p, line_set& s) const noexcept;
    inline void update(const line_set& s) noexcept;

    bool _huge;
    std::unique_ptr<page_memory> _tables[velocity_key_count];
    uint32_t _groups[velocity_key_count] = {};
    std::unique_ptr<page_memory> _dedup;
    uint32_t _dedup_lines = 0;
    uint64_t _sink = 0;  // what the updates read, so none of them is dead code
};

// The printed line's description of the tables touched, e.g.
// "card, device + dedup: 4.8 lines/txn, 1048576 cards, 2 MiB pages"
std::string describe_lines(const std::vector<velocity_probe>& probes, unsigned mask, const velocity_config& c,
                           bool huge);

}  // namespace txscreen::floors
