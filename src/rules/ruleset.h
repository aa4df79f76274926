// A ruleset: scoring thresholds, the builtin detectors' settings and the user's velocity
// rules, loaded from TOML (docs/rules.md lists every key). A loaded ruleset is immutable:
// workers read it through a pointer published by ruleset_store (publish.h) and never
// see it change. Everything a detector compares on the packet path is stored here in
// the unit the Txn carries (minor units, milliseconds), so scoring does no conversion
// beyond one currency-exponent scale.
//
// Rule ids: builtin detectors have fixed ids (enum detector); user rules follow in file
// order from user_rule_base. Verdict::reasons[].rule_id indexes rule_names().
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace txscreen {

#define TXSCREEN_FOREACH_DETECTOR(_)                                                       \
    _(high_amount, "amount above the limit for its currency (and MCC)")                   \
    _(rapid_repeat, "same card, merchant and amount repeated within the window")          \
    _(amount_velocity, "card's amount sum over the window above the limit")               \
    _(count_velocity, "card's transaction count over the window above the limit")         \
    _(card_testing, "many small amounts across distinct merchants within the window")     \
    _(impossible_travel, "speed between consecutive card-present transactions too high")  \
    _(new_device, "e-commerce from a device the card has not used before")                \
    _(country_mismatch, "merchant country differs from the card's home country")          \
    _(high_risk_mcc, "merchant category on the high-risk list")                            \
    _(pattern_hit, "screening patterns matched text fields")                               \
    _(duplicate, "same transaction seen again within the duplicate window")                \
    _(event_time_ahead, "event time beyond the receive clock + velocity.max_future_skew")

enum class detector : uint8_t {
#define TXSCREEN_DETECTOR_ENUM(name, text) name,
    TXSCREEN_FOREACH_DETECTOR(TXSCREEN_DETECTOR_ENUM)
#undef TXSCREEN_DETECTOR_ENUM
};

inline constexpr std::array<std::string_view, 12> detector_names = {
#define TXSCREEN_DETECTOR_NAME(name, text) #name,
    TXSCREEN_FOREACH_DETECTOR(TXSCREEN_DETECTOR_NAME)
#undef TXSCREEN_DETECTOR_NAME
};
inline constexpr std::array<std::string_view, 12> detector_descriptions = {
#define TXSCREEN_DETECTOR_TEXT(name, text) text,
    TXSCREEN_FOREACH_DETECTOR(TXSCREEN_DETECTOR_TEXT)
#undef TXSCREEN_DETECTOR_TEXT
};
inline constexpr int detector_count = static_cast<int>(detector_names.size());
// First rule id of the [[rule]] entries.
inline constexpr int user_rule_base = detector_count;
inline constexpr int max_user_rules = 32;
// Longest window any detector or rule may use.
inline constexpr int64_t max_window_ms = 24LL * 3600 * 1000;

enum class rule_key : uint8_t { card = 0, merchant = 1, device = 2, ip = 3 };
enum class rule_metric : uint8_t { count = 0, sum_amount = 1, distinct_merchant = 2, distinct_country = 3 };
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

struct currency_limit {
    uint16_t currency;  // ISO 4217 numeric
    uint16_t mcc;       // 0: any MCC
    int64_t limit_minor;
};

inline constexpr int max_currency_limits = 64;
inline constexpr int max_high_risk_mccs = 64;

// Settings of the builtin detectors. Defaults are those docs/rules.md lists; a TOML
// file overrides what it names.
struct detector_settings {
    bool enable[detector_count] = {true, true, true, true, true, true, true, true, true, true, true, true};
    uint8_t weight[detector_count] = {45, 30, 35, 25, 60, 70, 20, 15, 25, 40, 0, 0};

    // high_amount: limits per (currency, mcc); mcc-specific entries first. A currency
    // with no entry uses default_limit_major (0: not checked) in its own major units.
    int n_currency_limits = 0;
    currency_limit currency_limits[max_currency_limits] = {};
    double default_limit_major = 0;

    int64_t rapid_repeat_window_ms = 120'000;
    uint32_t rapid_repeat_min_count = 2;   // this transaction is the Nth identical one

    int64_t amount_velocity_window_ms = 3'600'000;
    double amount_velocity_limit_major = 5000;   // sum over window, major units

    int64_t count_velocity_window_ms = 3'600'000;
    uint32_t count_velocity_limit = 15;          // fires when count (incl. this) > limit

    int64_t card_testing_window_ms = 600'000;
    double card_testing_max_amount_major = 5.0;  // "small" means amount <= this
    uint32_t card_testing_min_count = 3;         // small transactions incl. this one
    uint32_t card_testing_min_merchants = 3;     // distinct merchants among them

    double travel_max_speed_kmh = 900;
    double travel_min_distance_km = 300;         // shorter hops never fire
    int64_t travel_max_gap_ms = 24LL * 3600 * 1000;  // older previous location is ignored

    uint32_t new_device_min_history = 3;         // card must have this many prior txns
    bool new_device_ecom_only = true;
    // Account takeover: a new device paying at least this much (major units of the
    // txn's currency; 0 = off) scores large_weight instead of the detector's weight.
    double new_device_large_amount_major = 0;
    uint8_t new_device_large_weight = 60;

    uint32_t country_mismatch_min_history = 3;   // prior txns before home is trusted
    bool country_mismatch_card_present_only = true;

    int n_high_risk_mccs = 0;
    uint16_t high_risk_mccs[max_high_risk_mccs] = {};

    uint16_t pattern_categories = 0xffff;        // categories that count
    int64_t duplicate_window_ms = 600'000;
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

    // Returns the name of rule id `id` ("high_amount", or a [[rule]] name); "" when
    // out of range.
    std::string_view rule_name(uint16_t id) const noexcept {
        return id < _names.size() ? std::string_view(_names[id]) : std::string_view();
    }
    std::size_t rule_count() const noexcept { return _names.size(); }
    // Finds a rule id by name; -1 when absent.
    int rule_id(std::string_view name) const noexcept;

    // Limit for high_amount in minor units; 0 when this currency/MCC is not checked.
    int64_t high_amount_limit(uint16_t currency, uint16_t mcc, uint8_t exponent) const noexcept;
    bool is_high_risk_mcc(uint16_t mcc) const noexcept {
        for (int i = 0; i < det.n_high_risk_mccs; ++i)
            if (det.high_risk_mccs[i] == mcc) return true;
        return false;
    }
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
