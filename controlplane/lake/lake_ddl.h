// The warehouse load kit: CREATE TABLE / external table / COPY INTO statements for the
// lake's Parquet tables, generated from lake_schema (the same definitions as the Avro and
// Parquet writers, so they cannot drift). `txscreen lake ddl --target T`; docs/lake.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/avro_records.h"

namespace txscreen {

enum class lake_ddl_target : uint8_t { snowflake, redshift, athena, duckdb };

bool lake_ddl_target_from_name(std::string_view name, lake_ddl_target& out) noexcept;

struct lake_ddl_options {
    lake_ddl_target target = lake_ddl_target::duckdb;
    std::string location;   // s3://bucket/prefix/ or a local directory (duckdb); ends with '/'
    std::string schema = "txscreen";  // database schema / Glue database
    std::vector<spool_table> tables;  // empty: every table
    // Snowflake: storage integration and whether to add a Snowpipe; Redshift: IAM role.
    std::string snowflake_integration = "txscreen_lake";
    bool snowpipe = true;
    std::string redshift_iam_role = "arn:aws:iam::<account>:role/<role>";
};

// The statements, ';'-terminated, with comments saying what each does.
std::string lake_ddl(const lake_ddl_options& options);

}  // namespace txscreen
