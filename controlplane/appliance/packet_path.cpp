#include "controlplane/appliance/packet_path.h"

namespace txscreen {

packet_path::packet_path(const dp_config& dp, const engine_config& engines, rule_sources& rules)
    : _scorer(rules.rules, engines, dp.workers, rules.screening()), _lookups(_scorer), _dp(dp, _lookups) {}

// On every path, an exception between start() and join() included: the workers stop
// before their engines' tables go.
packet_path::~packet_path() {
    _dp.stop_rx();
    _dp.join();
    _scorer.release_all();
}

void packet_path::join() {
    _dp.join();
    _lookups.set_workers_stopped();
}

void packet_path::collect(appliance_counters& c) const {
    c.dp = _dp.stats();
    c.velocity = _lookups.velocity_totals();
    // The workers' own copies, taken at their quiescent points (a burst behind).
    c.screened = c.screen_errors = c.screen_cache_hits = c.screen_cache_misses = 0;
    c.declines = c.declines_unplaced = 0;
    for (const worker_report& w : _lookups.worker_reports()) {
        c.screened += w.counters.screened;
        c.screen_errors += w.counters.screen_errors;
        c.screen_cache_hits += w.counters.screen_cache_hits;
        c.screen_cache_misses += w.counters.screen_cache_misses;
        c.declines += w.velocity.declines;
        c.declines_unplaced += w.velocity.declines_unplaced;
    }
}

std::vector<uint64_t> packet_path::feed_missing() const {
    std::vector<uint64_t> missing;
    for (const dp_feed_stats& f : _dp.stats().feeds) missing.push_back(f.missing);
    return missing;
}

}  // namespace txscreen
