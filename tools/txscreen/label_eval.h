// Scores verdicts against txgen's ground-truth labels: per-scenario detection and
// alert precision, as `txscreen demo` prints them.
//
// A scenario instance counts as flagged when at least one of its transactions got a
// review or block decision, and as alerted when one raised an alert (the evidence for
// most scenarios builds up over several transactions, so the first ones are not
// expected to fire). Precision = flags (alerts) on transactions that belong to a
// scenario / all flags (alerts). Duplicate copies are joined by their id too.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace txscreen {

class label_eval {
public:
    // Registers one labelled transaction (label "normal" or a scenario name).
    void add_label(const std::string& txn_id, const std::string& label, const std::string& scenario_id) {
        _labels[txn_id] = {label, scenario_id};
        if (!scenario_id.empty()) _instances[label].insert(scenario_id);
    }
    // Records one verdict for a transaction id.
    void add_verdict(const std::string& txn_id, bool flagged, bool alert) {
        ++_verdicts;
        if (!flagged && !alert) return;
        auto it = _labels.find(txn_id);
        const bool fraud = it != _labels.end() && !it->second.scenario_id.empty();
        if (flagged) {
            ++_flags;
            if (fraud) {
                ++_true_flags;
                _flagged[it->second.label].insert(it->second.scenario_id);
            }
        }
        if (alert) {
            ++_alerts;
            if (fraud) {
                ++_true_alerts;
                _caught[it->second.label].insert(it->second.scenario_id);
            }
        }
    }

    struct row {
        std::string scenario;
        std::size_t instances = 0, caught = 0, flagged = 0;
        double detection() const { return instances ? static_cast<double>(caught) / instances : 1.0; }
        double flag_rate() const { return instances ? static_cast<double>(flagged) / instances : 1.0; }
    };
    std::vector<row> rows() const {
        std::vector<row> out;
        for (const auto& [label, ids] : _instances) {
            row r;
            r.scenario = label;
            r.instances = ids.size();
            auto c = _caught.find(label);
            r.caught = c == _caught.end() ? 0 : c->second.size();
            auto f = _flagged.find(label);
            r.flagged = f == _flagged.end() ? 0 : f->second.size();
            out.push_back(r);
        }
        return out;
    }
    double precision() const { return _alerts ? static_cast<double>(_true_alerts) / _alerts : 1.0; }
    double flag_precision() const { return _flags ? static_cast<double>(_true_flags) / _flags : 1.0; }
    uint64_t flags() const { return _flags; }
    uint64_t true_flags() const { return _true_flags; }
    uint64_t alerts() const { return _alerts; }
    uint64_t true_alerts() const { return _true_alerts; }
    uint64_t verdicts() const { return _verdicts; }
    std::size_t labels() const { return _labels.size(); }

private:
    struct label_ref {
        std::string label, scenario_id;
    };
    std::unordered_map<std::string, label_ref> _labels;
    std::map<std::string, std::unordered_set<std::string>> _instances, _caught, _flagged;
    uint64_t _verdicts = 0, _alerts = 0, _true_alerts = 0, _flags = 0, _true_flags = 0;
};

}  // namespace txscreen
