// What dq_collector counts over an hour's batches, and the checks evaluated on it
// (dq_report.h lists them). Internal to the data-quality report.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "controlplane/lake/dq_lag_histogram.h"
#include "controlplane/lake/dq_report.h"

namespace txscreen {

// Counts of a few distinct strings (currency codes, reject reasons): runs of one value
// are the rule, so the last hit is tried first. Beyond `cap` values the rest is "other".
class few_counts {
public:
    void add(std::string_view v, uint64_t n = 1);
    std::map<std::string, uint64_t> as_map(const std::string& other_name) const;

private:
    static constexpr std::size_t cap = 1024;
    std::vector<std::pair<std::string, uint64_t>> _items;
    std::size_t _last = 0;
    uint64_t _other = 0;
};

struct dq_stats {
    struct column_counts {
        uint64_t rows = 0, empty = 0;
    };
    uint64_t rows = 0, rejects = 0;
    std::map<std::string, column_counts> columns;  // flat non-boolean columns of scored
    std::set<std::string> missing;                 // columns a batch lacked
    int64_t amount_min = 0, amount_max = 0;
    uint64_t amount_rows = 0, amount_zero = 0, amount_negative = 0;
    few_counts currencies;
    uint64_t currency_rows = 0;
    uint64_t mcc_rows = 0, mcc_invalid = 0;
    dq_lag_histogram lags;
    uint64_t lag_ahead = 0;
    uint64_t order_rows = 0, out_of_order = 0;
    std::map<int, uint64_t> versions;
    few_counts reasons;

    void note_missing(std::string_view column) { missing.emplace(column); }
};

// The report of `s` under `t` (partition and host left to the caller); updates
// `baseline` with this hour's rows when given.
dq_report evaluate_dq(const dq_stats& s, const dq_thresholds& t, int64_t hour_start_ms, dq_baseline* baseline);

}  // namespace txscreen
