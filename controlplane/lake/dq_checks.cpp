#include "controlplane/lake/dq_checks.h"

#include <cstdio>

#include "controlplane/avro_records.h"

namespace txscreen {

namespace {

constexpr int64_t hour_ms = 3'600'000;

std::string number_text(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

// A share check over `rows` rows of a column: skipped when the column was absent
// (`absent` names it) or the hour has too few rows for a rate to mean anything.
dq_check share_check(const dq_thresholds& t, std::string name, const std::string& absent, uint64_t count,
                     uint64_t rows, double limit) {
    dq_check c;
    c.name = std::move(name);
    c.limit = limit;
    if (!absent.empty()) {
        c.skipped = true;
        c.detail = "column " + absent + " is not in the table";
        return c;
    }
    c.observed = rows ? static_cast<double>(count) / static_cast<double>(rows) : 0;
    c.detail = std::to_string(count) + " of " + std::to_string(rows) + " rows";
    if (rows < t.min_rows) {
        c.skipped = true;
        c.detail += ", fewer than min_rows " + std::to_string(t.min_rows);
        return c;
    }
    c.passed = c.observed <= limit;
    return c;
}

// `column` when no batch with rows had it, else "".
std::string absent(const dq_stats& s, uint64_t rows_with_it, const std::string& column) {
    return rows_with_it == 0 && s.missing.count(column) ? column : std::string();
}

dq_check rows_check(const dq_stats& s, const dq_thresholds& t, int64_t hour_start_ms, const dq_baseline* baseline,
                    double& expected) {
    dq_check c;
    c.name = "rows";
    c.observed = static_cast<double>(s.rows);
    c.skipped = true;
    const int hour = static_cast<int>(hour_start_ms / hour_ms % 24);
    if (!baseline) {
        c.detail = "no baseline kept";
        return c;
    }
    if (!baseline->expected(hour_start_ms, expected)) {
        expected = -1;
        c.detail = "no baseline yet for hour " + std::to_string(hour) + " (a day's history is needed)";
        return c;
    }
    if (expected < static_cast<double>(t.min_rows)) {
        c.detail = "baseline " + number_text(expected) + " rows is below min_rows " + std::to_string(t.min_rows);
        return c;
    }
    c.skipped = false;
    const double ratio = static_cast<double>(s.rows) / expected;
    c.limit = (ratio < 1 ? t.rows_low : t.rows_high) * expected;
    c.passed = ratio >= t.rows_low && ratio <= t.rows_high;
    c.detail = number_text(ratio) + " x the baseline of " + number_text(expected) + " rows (allowed " +
               number_text(t.rows_low) + ".." + number_text(t.rows_high) + ")";
    return c;
}

dq_check freshness_check(const dq_stats& s, const dq_thresholds& t, int64_t p99) {
    dq_check c;
    c.name = "freshness_p99";
    c.observed = static_cast<double>(p99);
    c.limit = static_cast<double>(t.max_lag_ms);
    c.detail = "p99 of rx time - event time, ms, over " + std::to_string(s.lags.count()) + " rows";
    if (s.lags.count() < t.min_rows) {
        c.skipped = true;
        c.detail += ", fewer than min_rows " + std::to_string(t.min_rows);
        return c;
    }
    c.passed = p99 <= t.max_lag_ms;
    return c;
}

dq_check version_check(const dq_stats& s) {
    dq_check c;
    c.name = "schema_version";
    uint64_t other = 0;
    std::string seen;
    for (const auto& [version, rows] : s.versions) {
        if (version != avro_schema_version) other += rows;
        seen += (seen.empty() ? "" : ", ") + std::to_string(version) + " (" + std::to_string(rows) + " rows)";
    }
    c.observed = static_cast<double>(other);
    c.passed = other == 0;
    c.detail = "current " + std::to_string(avro_schema_version) + "; seen " + (seen.empty() ? "none" : seen);
    return c;
}

void add_share_checks(const dq_stats& s, const dq_thresholds& t, dq_report& r) {
    for (const std::string& col : t.required_columns) {
        const auto it = s.columns.find(col);
        const dq_stats::column_counts n = it == s.columns.end() ? dq_stats::column_counts{} : it->second;
        const std::string gone = it == s.columns.end() && s.rows ? col : std::string();
        r.checks.push_back(share_check(t, "empty_share:" + col, gone, n.empty, n.rows, t.max_empty_share));
    }
    r.checks.push_back(share_check(t, "out_of_order_share", absent(s, s.order_rows, s.missing.count("event_time_ms") ? "event_time_ms" : "feed_id"), s.out_of_order,
                                   s.order_rows, t.max_out_of_order_share));
    const std::string amount_gone = absent(s, s.amount_rows, "amount_minor");
    r.checks.push_back(share_check(t, "amount_zero_share", amount_gone, s.amount_zero, s.amount_rows,
                                   t.max_amount_zero_share));
    r.checks.push_back(share_check(t, "amount_negative_share", amount_gone, s.amount_negative, s.amount_rows,
                                   t.max_amount_negative_share));
    const auto unknown = r.currencies.find("");
    r.checks.push_back(share_check(t, "currency_unknown_share", absent(s, s.currency_rows, "currency"),
                                   unknown == r.currencies.end() ? 0 : unknown->second, s.currency_rows,
                                   t.max_currency_unknown_share));
    r.checks.push_back(share_check(t, "mcc_invalid_share", absent(s, s.mcc_rows, "mcc"), s.mcc_invalid, s.mcc_rows,
                                   t.max_mcc_invalid_share));
    r.checks.push_back(share_check(t, "reject_rate", "", s.rejects, s.rows + s.rejects, t.max_reject_rate));
}

}  // namespace

dq_report evaluate_dq(const dq_stats& s, const dq_thresholds& t, int64_t hour_start_ms, dq_baseline* baseline) {
    dq_report r;
    r.rows = s.rows;
    r.rejects = s.rejects;
    r.rejects_by_reason = s.reasons.as_map("(other)");
    r.schema_versions = s.versions;
    for (const auto& [name, n] : s.columns)
        r.empty_shares[name] = n.rows ? static_cast<double>(n.empty) / static_cast<double>(n.rows) : 0;
    r.freshness = {s.lags.count(), s.lags.quantile(0.5), s.lags.quantile(0.99), s.lags.max(), s.lag_ahead};
    r.out_of_order = s.out_of_order;
    r.amount_min = s.amount_min;
    r.amount_max = s.amount_max;
    r.currencies = s.currencies.as_map("(other)");

    r.checks.push_back(rows_check(s, t, hour_start_ms, baseline, r.expected_rows));
    add_share_checks(s, t, r);
    if (t.max_lag_ms > 0) r.checks.push_back(freshness_check(s, t, r.freshness.p99_ms));
    r.checks.push_back(version_check(s));
    if (baseline) baseline->update(hour_start_ms, s.rows, t.baseline_alpha);
    return r;
}

}  // namespace txscreen
