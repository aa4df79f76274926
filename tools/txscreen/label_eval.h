// Scores verdicts against txgen's ground-truth labels: per-scenario detection and
// alert precision, as `txscreen demo` prints them.
//
// A scenario instance counts as caught when at least one of its transactions raised
// an alert (the evidence for most scenarios builds up over several transactions, so
// the first ones are not expected to alert). Precision = alerts on transactions that
// belong to a scenario / all alerts. Duplicate copies are joined by their id too.
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
    void add_verdict(const std::string& txn_id, bool alert) {
        ++_verdicts;
        if (!alert) return;
        ++_alerts;
        auto it = _labels.find(txn_id);
        if (it == _labels.end()) {
            ++_unlabelled_alerts;
            return;
        }
        if (it->second.scenario_id.empty()) return;
        ++_true_alerts;
        _caught[it->second.label].insert(it->second.scenario_id);
    }

    struct row {
        std::string scenario;
        std::size_t instances = 0, caught = 0;
        double detection() const { return instances ? static_cast<double>(caught) / instances : 1.0; }
    };
    std::vector<row> rows() const {
        std::vector<row> out;
        for (const auto& [label, ids] : _instances) {
            row r;
            r.scenario = label;
            r.instances = ids.size();
            auto c = _caught.find(label);
            r.caught = c == _caught.end() ? 0 : c->second.size();
            out.push_back(r);
        }
        return out;
    }
    double precision() const { return _alerts ? static_cast<double>(_true_alerts) / _alerts : 1.0; }
    uint64_t alerts() const { return _alerts; }
    uint64_t true_alerts() const { return _true_alerts; }
    uint64_t verdicts() const { return _verdicts; }
    std::size_t labels() const { return _labels.size(); }

private:
    struct label_ref {
        std::string label, scenario_id;
    };
    std::unordered_map<std::string, label_ref> _labels;
    std::map<std::string, std::unordered_set<std::string>> _instances, _caught;
    uint64_t _verdicts = 0, _alerts = 0, _true_alerts = 0, _unlabelled_alerts = 0;
};

}  // namespace txscreen
