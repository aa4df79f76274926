#include "controlplane/lake/dq_config.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <string_view>

#include "config/config_explain.h"
#include "config/config_real.h"
#include "config/toml_section.h"
#include "controlplane/lake/lake_schema.h"

namespace txscreen {

namespace {

constexpr int64_t day_ms = 86'400'000;
constexpr int_range range_max_lag_ms{0, 30 * day_ms};
constexpr int_range range_min_rows{0, 1'000'000'000'000};

constexpr real_range range_share{0, 1, false, "0..1"};
constexpr real_range range_rows_low{0, 1, false, "0..1 (a share of the baseline)"};
constexpr real_range range_rows_high{1, 1000, false, "1..1000 (times the baseline)"};
constexpr real_range range_alpha{0, 1, true, "above 0 and at most 1"};

constexpr std::string_view share_keys[] = {"max_amount_zero_share",      "max_amount_negative_share",
                                           "max_currency_unknown_share", "max_mcc_invalid_share",
                                           "max_empty_share",            "max_out_of_order_share",
                                           "max_reject_rate"};

// The field of share key `key` (T: dq_thresholds, const or not).
template <class T>
auto share_field(T& t, std::string_view key) -> decltype(&t.max_reject_rate) {
    if (key == "max_amount_zero_share") return &t.max_amount_zero_share;
    if (key == "max_amount_negative_share") return &t.max_amount_negative_share;
    if (key == "max_currency_unknown_share") return &t.max_currency_unknown_share;
    if (key == "max_mcc_invalid_share") return &t.max_mcc_invalid_share;
    if (key == "max_empty_share") return &t.max_empty_share;
    if (key == "max_out_of_order_share") return &t.max_out_of_order_share;
    return &t.max_reject_rate;
}

// What the empty-share check can read: a flat column of scored that is not boolean.
bool checkable_column(const std::string& name) {
    for (const lake_leaf& l : lake_schema(spool_table::scored).leaves)
        if (l.dotted == name) return l.max_rep == 0 && l.type != lake_type::boolean;
    return false;
}

}  // namespace

void read_dq_section(const toml_section& lake, dq_thresholds& t) {
    const std::optional<toml_section> s = lake.table("dq");
    if (!s) return;
    std::vector<std::string_view> keys = {"enabled", "rows_low", "rows_high", "baseline_alpha", "max_lag", "min_rows",
                                          "required_columns"};
    keys.insert(keys.end(), std::begin(share_keys), std::end(share_keys));
    s->only_keys(keys);
    s->get_bool("enabled", t.enabled);
    get_real(*s, "rows_low", t.rows_low);
    get_real(*s, "rows_high", t.rows_high);
    get_real(*s, "baseline_alpha", t.baseline_alpha);
    for (std::string_view k : share_keys) get_real(*s, k, *share_field(t, k));
    s->get_duration("max_lag", t.max_lag_ms, range_max_lag_ms);
    s->get_int("min_rows", t.min_rows, range_min_rows);
    s->get_string_list("required_columns", t.required_columns);
}

void validate(const dq_thresholds& t, config_errors& e) {
    check_real(e, "lake.dq.rows_low", t.rows_low, range_rows_low);
    check_real(e, "lake.dq.rows_high", t.rows_high, range_rows_high);
    check_real(e, "lake.dq.baseline_alpha", t.baseline_alpha, range_alpha);
    for (std::string_view k : share_keys) check_real(e, "lake.dq." + std::string(k), *share_field(t, k), range_share);
    check_duration(e, "lake.dq.max_lag", t.max_lag_ms, range_max_lag_ms);
    check_int(e, "lake.dq.min_rows", static_cast<int64_t>(std::min<uint64_t>(t.min_rows, INT64_MAX)), range_min_rows);
    for (const std::string& c : t.required_columns)
        if (!checkable_column(c)) {
            e.fail("lake.dq.required_columns",
                   "'" + c + "' is not a column of table=scored the empty-share check can read "
                   "(a flat, non-boolean column such as merchant_id; docs/schemas.md)");
            break;
        }
}

void explain(const dq_thresholds& t, explanation& out) {
    if (!t.enabled) {
        out.lines << "  lake.dq: off (no data-quality reports)\n";
        return;
    }
    out.lines << "  lake.dq: a report per closed hour; rows within " << t.rows_low << ".." << t.rows_high
              << " x the hour's baseline (EWMA, alpha " << t.baseline_alpha << "); at most zero amounts "
              << t.max_amount_zero_share << ", negative " << t.max_amount_negative_share << ", unknown currency "
              << t.max_currency_unknown_share << ", invalid MCC " << t.max_mcc_invalid_share << ", empty "
              << t.max_empty_share << " (";
    for (std::size_t i = 0; i < t.required_columns.size(); ++i) out.lines << (i ? ", " : "") << t.required_columns[i];
    out.lines << "), out of order " << t.max_out_of_order_share << ", rejects " << t.max_reject_rate
              << "; freshness p99 "
              << (t.max_lag_ms > 0 ? "at most " + format_duration(t.max_lag_ms) : std::string("reported only"))
              << "; rates need " << t.min_rows << " rows\n";
}

}  // namespace txscreen
