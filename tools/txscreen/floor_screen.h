// The screening floor's work (bench_floors.h): screen_burst alone, as engine::score_burst
// calls it, over the published pattern database held as an engine holds it.
#pragma once

#include <cstdint>
#include <vector>

#include "common/txn.h"

namespace txscreen {
class rule_sources;
class pattern_store;
class pattern_db;
}  // namespace txscreen

namespace txscreen::floors {

// The published pattern database, held as an engine holds it (a reader slot).
class pattern_reader {
public:
    explicit pattern_reader(rule_sources& s);
    ~pattern_reader();
    pattern_reader(const pattern_reader&) = delete;
    pattern_reader& operator=(const pattern_reader&) = delete;
    // nullptr when screening is off ([screening] patterns = "none").
    const pattern_db* db() const noexcept { return _db; }

private:
    pattern_store* _store;
    int _slot;
    const pattern_db* _db;
};

// One pass over `txns`, 16 at a time; returns the ids matched by each chunk's first.
uint64_t screen_pass(const pattern_db& db, const std::vector<Txn>& txns);

}  // namespace txscreen::floors
