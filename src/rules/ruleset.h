// A ruleset: scoring thresholds, the builtin detectors' settings and the user's velocity
// rules, loaded from TOML (docs/rules.md lists every key). A loaded ruleset is immutable:
// workers read it through a pointer published by ruleset_store (publish.h) and never
// see it change. Everything a detector compares on the packet path is stored here in
// the unit the Txn carries (minor units, milliseconds), so scoring does no conversion
// beyond one currency-exponent scale.
//
// Each builtin detector declares its own settings, defaults and TOML keys in its header
// (rules/detectors/); `det` holds them all (detector_settings, rules/detectors/table.h)
// and the loader reads each [detector.<name>] section through its detector.
//
// Rule ids: builtin detectors have fixed ids (enum detector, the rows of table.h); user
// rules follow in file order from user_rule_base. Verdict::reasons[].rule_id indexes
// rule_names().
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/detectors/table.h"

namespace txscreen {

class xgb_model;  // model/xgb_model.h

// First rule id of the [[rule]] entries.
inline constexpr int user_rule_base = detector_count;
inline constexpr int max_user_rules = 32;
// Longest window any detector or rule may use.
inline constexpr int64_t max_window_ms = 24LL * 3600 * 1000;

enum class rule_key : uint8_t { card = 0, merchant = 1, device = 2, ip = 3 };
// declines: the card's transactions its issuer declined (TCP feeds' outcomes; key card only).
enum class rule_metric : uint8_t { count = 0, sum_amount = 1, distinct_merchant = 2, distinct_country = 3, declines = 4 };
enum class rule_op : uint8_t { gt = 0, ge = 1, lt = 2, le = 3, eq = 4 };

std::string_view rule_key_name(rule_key k) noexcept;
std::string_view rule_metric_name(rule_metric m) noexcept;
std::string_view rule_op_name(rule_op o) noexcept;

// Returns true when `value op limit` holds.
constexpr bool rule_op_holds(rule_op op, double value, double limit) noexcept {
    switch (op) {
        case rule_op::gt: return value > limit;
        case rule_op::ge: return value >= limit;
        case rule_op::lt: return value < limit;
        case rule_op::le: return value <= limit;
        case rule_op::eq: return value == limit;
    }
    return false;
}

struct user_rule {
    rule_key key;
    rule_metric metric;
    rule_op op;
    uint8_t weight;
    int64_t window_ms;
    double limit;      // count, or major units for sum_amount
};

struct scoring_settings {
    uint8_t review = 40;
    uint8_t block = 80;
    uint8_t alert = 60;
};

class ruleset {
public:
    // Defaults everywhere, no user rules; rule names are the detectors'.
    ruleset() {
        for (auto n : detector_names) _names.emplace_back(n);
    }

    scoring_settings scoring;
    detector_settings det;
    int n_rules = 0;
    user_rule rules[max_user_rules] = {};

    // Monotonic per process, set by ruleset_store when published (0 before).
    uint32_t version = 0;
    // Lower-case hex SHA-256 of the TOML text it was loaded from.
    std::string content_hash;
    // Where it came from ("default_rules.toml", "PUT /api/v1/rules").
    std::string source;
    // The model the `model` detector scores with (nullptr: none, the detector never
    // fires). Not part of the TOML: whoever builds the ruleset attaches it (the
    // appliance from `[model] path`) before publishing, so a new model, like new rules,
    // reaches the workers as a new ruleset at their quiescent point.
    std::shared_ptr<const xgb_model> model;

    // Returns the name of rule id `id` ("high_amount", or a [[rule]] name); "" when
    // out of range.
    std::string_view rule_name(uint16_t id) const noexcept {
        return id < _names.size() ? std::string_view(_names[id]) : std::string_view();
    }
    std::size_t rule_count() const noexcept { return _names.size(); }
    // Finds a rule id by name; -1 when absent.
    int rule_id(std::string_view name) const noexcept;

    // Largest window over every enabled detector and rule (velocity state must keep
    // at least this much history).
    int64_t longest_window_ms() const noexcept;

private:
    friend struct ruleset_loader;
    std::vector<std::string> _names;
};

struct ruleset_load_result {
    std::unique_ptr<ruleset> rules;  // null when refused
    // "<source>:<line>:<column>: <what>" naming the key, empty on success.
    std::string error;
    bool ok() const noexcept { return rules != nullptr; }
};

// Parses and validates a TOML ruleset. Unknown keys, wrong types, out-of-range values
// and bad durations are refused with an error that names the key and its line. Never
// throws.
ruleset_load_result load_ruleset(std::string_view toml_text, std::string_view source_name);
// Reads `path` and loads it; a missing file, a file that is not a regular file or one
// over the rules-file limit (common/bounded_file.h) is an error naming the path.
ruleset_load_result load_ruleset_file(const std::string& path);
// A ruleset with every default (what an empty TOML document gives).
std::unique_ptr<ruleset> default_ruleset();

// Parses "500ms", "5s", "10m", "1h" (a positive integer and a unit, at most 24 h).
// Returns milliseconds, or -1 when `text` is not such a duration.
int64_t parse_duration_ms(std::string_view text) noexcept;

}  // namespace txscreen
