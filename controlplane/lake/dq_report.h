// Data-quality reports: per closed hour partition, the checks Great Expectations users
// write for this data, built in. The lake compactor feeds the hour's scored rows (and
// the same hour's rejects) through a collector while it converts them, then writes the
// report as JSON to the lake (table=dq/dt=/hour=/<host>.json); failed checks become
// metrics and a `dq` alert. docs/lake.md lists every check, docs/schemas.md the report.
//
// Checks (thresholds in dq_thresholds, [lake.dq] in the config; dq_config.h):
//   rows                   against the same hour of day's baseline (EWMA of earlier
//                          days; skipped, and said so, until a baseline exists)
//   empty_share:<column>   per required column: share of empty strings / zero numbers
//                          (every flat column's share is reported, only these checked)
//   freshness_p99          rx time - event time, p99 (a check only when max_lag_ms is
//                          set: replays of old captures are stale by design; p50, p99
//                          and max are always reported)
//   out_of_order_share     share of rows older than the previous row of the same feed
//   amount_zero_share, amount_negative_share (min and max reported)
//   currency_unknown_share share with an empty alpha code (distinct codes reported)
//   mcc_invalid_share      share outside 1..9999
//   reject_rate            rejects / (rows + rejects) (counts by reason reported)
//   schema_version         rows of a version other than the current one (avro_schema_version)
// A share check of an hour with fewer than min_rows rows (rows + rejects for the reject
// rate) is skipped: a handful of rows says nothing about a rate.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/lake/column_batch.h"

namespace txscreen {

struct dq_thresholds {
    bool enabled = true;
    double rows_low = 0.5;             // fail below rows_low x baseline
    double rows_high = 3.0;            // fail above rows_high x baseline
    double baseline_alpha = 0.3;       // EWMA weight of the newest day
    double max_amount_zero_share = 0.05;
    double max_amount_negative_share = 0.0;
    double max_currency_unknown_share = 0.02;
    double max_mcc_invalid_share = 0.05;
    double max_empty_share = 0.02;     // each of required_columns
    double max_out_of_order_share = 0.5;
    double max_reject_rate = 0.02;
    int64_t max_lag_ms = 0;            // p99 freshness limit; 0: reported only
    uint64_t min_rows = 100;           // fewer rows: share checks are reported, not failed
    // Columns of table=scored every transaction carries (currency has its own check).
    std::vector<std::string> required_columns = {"card_token", "merchant_id", "channel"};
};

struct dq_check {
    std::string name;     // "amount_zero_share", "rows", "empty_share:merchant_id", ...
    double observed = 0;
    double limit = 0;
    bool passed = true;
    bool skipped = false;  // not evaluated (no baseline, too few rows); `detail` says why
    std::string detail;
};

// Event-time freshness of the hour's scored rows: lag = rx time - event time.
struct dq_freshness {
    uint64_t rows = 0;
    int64_t p50_ms = 0, p99_ms = 0;  // within a quarter (histogram buckets), never above max
    int64_t max_ms = 0;
    uint64_t ahead = 0;              // rows whose event time is after their receive time (counted as lag 0)
};

struct dq_report {
    std::string partition;  // "dt=2024-03-01/hour=12"
    std::string host;
    int64_t hour_start_ms = 0;
    uint64_t rows = 0;
    uint64_t rejects = 0;
    std::map<std::string, uint64_t> rejects_by_reason;
    std::map<int, uint64_t> schema_versions;      // scored and rejects rows per version
    double expected_rows = -1;                    // the baseline for this hour of day; < 0: none yet
    std::map<std::string, double> empty_shares;   // every flat non-boolean column of scored
    dq_freshness freshness;
    uint64_t out_of_order = 0;
    int64_t amount_min = 0, amount_max = 0;       // amount_minor (0, 0 without rows)
    std::map<std::string, uint64_t> currencies;   // rows per alpha code, "" = unknown
    std::vector<dq_check> checks;
    std::string json() const;  // the report file (docs/schemas.md, "Data-quality report")
    std::vector<const dq_check*> failures() const;
};

inline constexpr int dq_report_version = 1;  // "report_version" in the JSON

// Row counts of earlier days per hour of day (0..23), kept as one small JSON file.
// Compacting an hour again (late files) replaces that day's contribution instead of
// counting the day twice.
class dq_baseline {
public:
    bool load(const std::string& path, std::string& error);  // a missing file is empty, not an error
    bool save(const std::string& path, std::string& error) const;  // written whole, then renamed
    // Expected rows for the hour starting at `hour_start_ms`, from days before its own;
    // false when none yet.
    bool expected(int64_t hour_start_ms, double& rows) const;
    // Folds in this hour's rows (weight alpha). An hour of a day older than the one its
    // hour of day last saw is ignored.
    void update(int64_t hour_start_ms, uint64_t rows, double alpha);

private:
    struct slot {
        int64_t day = -1;          // day (since the epoch) of the newest update; -1: none
        double rows = 0;           // EWMA including that day
        double before = 0;         // EWMA of the days before it
        bool have_before = false;  // false: that day was the first
    };
    slot _slots[24];
};

// Collects one hour partition's statistics from row batches of table=scored and
// table=rejects (either may be absent), then evaluates the checks. Columns are found by
// name (lake_leaf::dotted); a column the batch's schema lacks leaves its checks skipped.
class dq_collector {
public:
    explicit dq_collector(dq_thresholds t);
    void add_scored(const row_batch& batch);
    void add_rejects(const row_batch& batch);
    // Evaluates the checks; updates `baseline` with this hour's rows when given.
    dq_report finish(const std::string& partition, const std::string& host, int64_t hour_start_ms,
                     dq_baseline* baseline);

private:
    struct stats;
    dq_thresholds _t;
    std::shared_ptr<stats> _s;
};

}  // namespace txscreen
