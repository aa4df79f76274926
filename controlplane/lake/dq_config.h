// [lake.dq]: the data-quality checks' thresholds (dq_report.h), docs/lake.md
// ("Data-quality reports") and docs/config.md. read_lake_section calls the reader with
// its [lake] table; validate() and explain() run with the rest of lake_config's.
#pragma once

#include "controlplane/lake/dq_report.h"

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

// [dq] of `lake` (the [lake] table), optional. Keys: enabled, rows_low, rows_high,
// baseline_alpha, max_amount_zero_share, max_amount_negative_share,
// max_currency_unknown_share, max_mcc_invalid_share, max_empty_share,
// max_out_of_order_share, max_reject_rate, max_lag (duration), min_rows,
// required_columns (columns of table=scored).
void read_dq_section(const toml_section& lake, dq_thresholds& t);
// Problems keyed "lake.dq.<key>".
void validate(const dq_thresholds& t, config_errors& errors);
void explain(const dq_thresholds& t, explanation& out);

}  // namespace txscreen
