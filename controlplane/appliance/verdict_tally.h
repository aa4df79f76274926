// What the controlplane counts on each verdict it takes off the ring: latency, decision,
// rule and pattern-category hits, alerts by top reason. Counted by rule id on the hot
// loop; names are resolved when the counters are read.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/latency_histogram.h"
#include "common/verdict.h"
#include "controlplane/appliance/appliance_counters.h"
#include "rules/ruleset.h"

namespace txscreen {

class verdict_tally {
public:
    explicit verdict_tally(double tsc_ns_per_tick);
    void count(const Verdict& v) noexcept;
    // An issuer outcome (v.txn.kind == outcome): its response time by feed, not a verdict.
    void count_outcome(const Verdict& v) noexcept;
    void count_reject() noexcept { ++_rejects; }
    // Fills the verdict counters of `c`, naming rules after `names` (may be nullptr).
    void collect(appliance_counters& c, const ruleset* names) const;
    uint64_t verdicts() const noexcept { return _verdicts; }
    uint64_t alerts() const noexcept { return _alerts; }
    uint32_t last_ruleset_version() const noexcept { return _last_ruleset; }
    uint32_t last_patterns_version() const noexcept { return _last_patterns; }

private:
    double _tsc_ns;
    latency_histogram _latency;
    uint64_t _verdicts = 0, _alerts = 0, _rejects = 0, _outcomes = 0;
    std::vector<latency_histogram> _issuer_response;  // by feed id, grown on first use (cold)
    std::array<uint64_t, 3> _decisions{};
    std::vector<uint64_t> _rule_hits, _alerts_by_rule;  // by rule id
    std::array<uint64_t, 16> _category_hits{};
    uint32_t _last_ruleset = 0, _last_patterns = 0;
};

}  // namespace txscreen
