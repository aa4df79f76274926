#include "controlplane/appliance/verdict_tally.h"

#include <string>

namespace txscreen {

verdict_tally::verdict_tally(double tsc_ns_per_tick)
    : _tsc_ns(tsc_ns_per_tick), _rule_hits(detector_count + max_user_rules), _alerts_by_rule(detector_count + max_user_rules) {}

void verdict_tally::count(const Verdict& v) noexcept {
    ++_verdicts;
    _latency.record(static_cast<uint64_t>(static_cast<double>(v.verdict_tsc - v.txn.rx_tsc) * _tsc_ns));
    ++_decisions[static_cast<unsigned>(v.dec) % 3];
    for (int i = 0; i < v.n_reasons; ++i)
        if (v.reasons[i].rule_id < _rule_hits.size()) ++_rule_hits[v.reasons[i].rule_id];
    for (uint16_t c = v.pattern_categories; c; c &= c - 1) ++_category_hits[__builtin_ctz(c)];
    _last_ruleset = v.ruleset_version;
    _last_patterns = v.patterns_version;
    if (!v.alert) return;
    ++_alerts;
    if (v.n_reasons && v.reasons[0].rule_id < _alerts_by_rule.size()) ++_alerts_by_rule[v.reasons[0].rule_id];
}

void verdict_tally::count_outcome(const Verdict& v) noexcept {
    ++_outcomes;
    const std::size_t feed = v.txn.feed_id;
    if (feed >= _issuer_response.size()) [[unlikely]]
        _issuer_response.resize(feed + 1);
    _issuer_response[feed].record(uint64_t{v.txn.issuer_response_us} * 1000);
}

void verdict_tally::collect(appliance_counters& c, const ruleset* names) const {
    c.latency = _latency;
    c.outcomes_consumed = _outcomes;
    c.issuer_response = _issuer_response;
    c.verdicts_consumed = _verdicts;
    c.rejects_consumed = _rejects;
    c.alerts = _alerts;
    c.decisions = _decisions;
    c.category_hits = _category_hits;
    c.rule_hits.clear();
    c.alerts_by_rule.clear();
    if (!names) return;
    for (std::size_t id = 0; id < _rule_hits.size(); ++id) {
        const std::string name(names->rule_name(static_cast<uint16_t>(id)));
        if (_rule_hits[id]) c.rule_hits[name] += _rule_hits[id];
        if (_alerts_by_rule[id]) c.alerts_by_rule[name] += _alerts_by_rule[id];
    }
}

}  // namespace txscreen
