#include "controlplane/lake/lake_config.h"

#include <string>

#include "config/config_checks.h"
#include "config/config_explain.h"
#include "config/toml_section.h"
#include "controlplane/lake/dq_config.h"

namespace txscreen {

namespace {

constexpr int_range range_close_after_ms{1'000, 24 * 3'600'000LL};
constexpr int_range range_row_group_rows{1'024, 16'777'216};

}  // namespace

void read_lake_section(const toml_section& root, lake_config& c) {
    auto s = root.table("lake");
    if (!s) return;
    s->only_keys({"parquet", "codec", "close_after", "row_group_rows", "dq"});
    s->get_bool("parquet", c.parquet);
    s->get_enum("codec", c.codec,
                {{"snappy", parquet_codec::snappy}, {"zstd", parquet_codec::zstd}, {"none", parquet_codec::none}});
    s->get_duration("close_after", c.close_after_ms, range_close_after_ms);
    s->get_int("row_group_rows", c.row_group_rows, range_row_group_rows);
    read_dq_section(*s, c.dq);
}

void validate(const lake_config& c, config_errors& e) {
    check_duration(e, "lake.close_after", c.close_after_ms, range_close_after_ms);
    check_int(e, "lake.row_group_rows", c.row_group_rows, range_row_group_rows);
    validate(c.dq, e);
}

void explain(const lake_config& c, explanation& out) {
    if (!c.parquet) {
        out.lines << "  lake: Avro only (set [lake] parquet = true for Parquet copies and data-quality reports)\n";
        return;
    }
    out.lines << "  lake: each closed hour (no new file for " << format_duration(c.close_after_ms)
              << ") also as Parquet (" << parquet_codec_name(c.codec) << ", row groups of " << c.row_group_rows
              << " rows)\n";
    if (c.dq.enabled) explain(c.dq, out);
}

}  // namespace txscreen
