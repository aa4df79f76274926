#include "controlplane/appliance/packet_path.h"

namespace txscreen {

packet_path::packet_path(const dp_config& dp, const engine_config& engines, rule_sources& rules)
    : _scorer(rules.rules, engines, dp.workers, rules.screening()), _lookups(_scorer), _dp(dp, _lookups) {}

packet_path::~packet_path() { _scorer.release_all(); }

void packet_path::join() {
    _dp.join();
    _lookups.set_workers_stopped();
    _joined = true;
}

void packet_path::collect(appliance_counters& c) const {
    c.dp = _dp.stats();
    c.velocity = _lookups.velocity_totals();
    if (!_joined) return;  // engine counters belong to the workers until they stop
    c.screened = c.screen_errors = 0;
    for (unsigned w = 0; w < _scorer.workers(); ++w)
        if (const engine* e = _scorer.worker_engine(w)) {
            c.screened += e->counters().screened;
            c.screen_errors += e->counters().screen_errors;
        }
}

}  // namespace txscreen
