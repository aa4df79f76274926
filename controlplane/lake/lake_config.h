// [lake]: whether closed hour partitions of the spool become Parquet, how, and the
// data-quality reports written with them ([lake.dq], dq_config.h). docs/config.md and
// docs/lake.md.
#pragma once

#include <cstdint>

#include "controlplane/lake/dq_report.h"
#include "controlplane/lake/parquet_writer.h"

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct lake_config {
    bool parquet = false;                        // compact closed hours into Parquet
    parquet_codec codec = parquet_codec::snappy;
    // An hour partition closes once no file of it has completed for this long and none is
    // still open (or waiting for its upload).
    int64_t close_after_ms = 5 * 60'000;
    uint32_t row_group_rows = 131072;
    dq_thresholds dq;                            // [lake.dq]; reports only with parquet on
};

// [lake] of the root table (optional).
void read_lake_section(const toml_section& root, lake_config& c);
void validate(const lake_config& c, config_errors& errors);
void explain(const lake_config& c, explanation& out);

}  // namespace txscreen
