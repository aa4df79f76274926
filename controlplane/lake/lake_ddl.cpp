#include "controlplane/lake/lake_ddl.h"

#include <string>

#include "controlplane/lake/lake_schema.h"

namespace txscreen {

namespace {

std::string_view target_name(lake_ddl_target t) noexcept {
    switch (t) {
        case lake_ddl_target::snowflake: return "snowflake";
        case lake_ddl_target::redshift: return "redshift";
        case lake_ddl_target::athena: return "athena";
        case lake_ddl_target::duckdb: return "duckdb";
    }
    return "duckdb";
}

// A SQL string literal: single quotes doubled.
std::string quoted(std::string_view s) {
    std::string out = "'";
    for (const char c : s) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

// A doc string as one line (for `--` comments and COMMENT clauses).
std::string one_line(std::string_view s) {
    std::string out;
    for (const char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
    return out;
}

// ---- column types per dialect

std::string snowflake_type(const lake_field& f) {
    switch (f.type) {
        case lake_type::boolean: return "BOOLEAN";
        case lake_type::int32: return "INTEGER";
        case lake_type::int64: return "BIGINT";
        case lake_type::float32: return "FLOAT";
        case lake_type::float64: return "DOUBLE";
        case lake_type::string: return "VARCHAR";
        case lake_type::timestamp_ms: return "TIMESTAMP_NTZ(3)";  // UTC wall time
        case lake_type::decimal18_4: return "NUMBER(18,4)";
        case lake_type::list: return "ARRAY";      // of objects for lists of records
        case lake_type::record: return "OBJECT";
    }
    return "VARIANT";
}

// Redshift Spectrum (external tables): nested types as Hive-style array<struct<...>>.
std::string spectrum_type(const lake_field& f) {
    switch (f.type) {
        case lake_type::boolean: return "boolean";
        case lake_type::int32: return "int";
        case lake_type::int64: return "bigint";
        case lake_type::float32: return "real";
        case lake_type::float64: return "double precision";
        case lake_type::string: return "varchar(65535)";
        case lake_type::timestamp_ms: return "timestamp";
        case lake_type::decimal18_4: return "decimal(18,4)";
        case lake_type::list: return "array<" + spectrum_type(f.children.front()) + ">";
        case lake_type::record: {
            std::string s = "struct<";
            for (std::size_t i = 0; i < f.children.size(); ++i)
                s += (i ? "," : "") + f.children[i].name + ":" + spectrum_type(f.children[i]);
            return s + ">";
        }
    }
    return "varchar(65535)";
}

// Redshift native tables: lists become SUPER (COPY ... SERIALIZETOJSON).
std::string redshift_type(const lake_field& f) {
    switch (f.type) {
        case lake_type::list:
        case lake_type::record: return "SUPER";
        case lake_type::string: return "VARCHAR(65535)";
        case lake_type::float64: return "DOUBLE PRECISION";
        case lake_type::timestamp_ms: return "TIMESTAMP";  // UTC
        default: return spectrum_type(f);
    }
}

std::string athena_type(const lake_field& f) {
    switch (f.type) {
        case lake_type::boolean: return "boolean";
        case lake_type::int32: return "int";
        case lake_type::int64: return "bigint";
        case lake_type::float32: return "float";
        case lake_type::float64: return "double";
        case lake_type::string: return "string";
        case lake_type::timestamp_ms: return "timestamp";
        case lake_type::decimal18_4: return "decimal(18,4)";
        case lake_type::list: return "array<" + athena_type(f.children.front()) + ">";
        case lake_type::record: {
            std::string s = "struct<";
            for (std::size_t i = 0; i < f.children.size(); ++i)
                s += (i ? "," : "") + f.children[i].name + ":" + athena_type(f.children[i]);
            return s + ">";
        }
    }
    return "string";
}

// The column list: one line per field, `format(field)` gives the line without comma.
template <typename F>
std::string columns(const lake_table_schema& s, F format) {
    std::string out;
    for (std::size_t i = 0; i < s.fields.size(); ++i)
        out += "  " + format(s.fields[i]) + (i + 1 < s.fields.size() ? ",\n" : "\n");
    return out;
}

std::string doc_comment(const lake_field& f) {
    return f.doc.empty() ? std::string() : quoted(one_line(f.doc));
}

struct emitter {
    const lake_ddl_options& o;
    std::string out;

    std::string table_path(const lake_table_schema& s) const { return o.location + "table=" + s.table + "/"; }

    void header() {
        out += "-- txscreen lake: " + std::string(target_name(o.target)) +
               " DDL for the Parquet tables (docs/lake.md), generated from the spool's\n"
               "-- Avro schemas (controlplane/schemas/*.avsc) by `txscreen lake ddl`.\n"
               "-- Layout: " + o.location + "table=<table>/dt=YYYY-MM-DD/hour=HH/<host>.parquet\n"
               "-- Timestamps are UTC; amount is decimal(18,4), amount_minor / 10^currency_exponent.\n\n";
    }

    void snowflake_prologue() {
        out += "CREATE SCHEMA IF NOT EXISTS " + o.schema + ";\n\n";
        out += "-- The lake as an external stage; the storage integration grants Snowflake read\n"
               "-- access to the bucket (CREATE STORAGE INTEGRATION, an ACCOUNTADMIN's job).\n";
        out += "CREATE STAGE IF NOT EXISTS " + o.schema + ".lake_stage\n  URL = " + quoted(o.location) +
               "\n  STORAGE_INTEGRATION = " + o.snowflake_integration + "\n  FILE_FORMAT = (TYPE = PARQUET);\n\n";
    }

    void snowflake(const lake_table_schema& s) {
        const std::string name = o.schema + "." + s.table;
        out += "-- " + s.table + ": " + one_line(s.doc) + "\n";
        out += "CREATE TABLE IF NOT EXISTS " + name + " (\n";
        out += columns(s, [](const lake_field& f) {
            const std::string c = doc_comment(f);
            return f.name + " " + snowflake_type(f) + (c.empty() ? "" : " COMMENT " + c);
        });
        out += ")\nCOMMENT = " + quoted(one_line(s.doc)) + ";\n\n";
        const std::string copy = "COPY INTO " + name + "\n  FROM @" + o.schema + ".lake_stage/table=" + s.table +
                                 "/\n  FILE_FORMAT = (TYPE = PARQUET)\n  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE\n"
                                 "  PATTERN = '.*[.]parquet'";
        out += "-- Loads every Parquet file of the table not loaded yet (Snowflake remembers the\n"
               "-- files it loaded for 64 days). An hour that late events reopened is rewritten\n"
               "-- under the same name and loaded again, whole: load hours at least a day old,\n"
               "-- or load into a staging table and MERGE on the row's identity (docs/lake.md).\n";
        out += copy + ";\n\n";
        if (!o.snowpipe) return;
        out += "-- Snowpipe: loads each new file as it lands. Point the bucket's S3 event\n"
               "-- notifications at the pipe's notification_channel (SHOW PIPES).\n";
        out += "CREATE PIPE IF NOT EXISTS " + o.schema + "." + s.table + "_pipe\n  AUTO_INGEST = TRUE\n  AS " + copy +
               ";\n\n";
    }

    void redshift_prologue() {
        out += "-- Spectrum: the lake queried in place through an external schema (AWS Glue\n"
               "-- Data Catalog database " + quoted(o.schema) + ").\n";
        out += "CREATE EXTERNAL SCHEMA IF NOT EXISTS " + o.schema + "_lake\n  FROM DATA CATALOG DATABASE " +
               quoted(o.schema) + "\n  IAM_ROLE " + quoted(o.redshift_iam_role) +
               "\n  CREATE EXTERNAL DATABASE IF NOT EXISTS;\n\n";
        out += "CREATE SCHEMA IF NOT EXISTS " + o.schema + ";\n\n";
    }

    void redshift(const lake_table_schema& s) {
        const std::string ext = o.schema + "_lake." + s.table;
        out += "-- " + s.table + ": " + one_line(s.doc) + "\n";
        out += "CREATE EXTERNAL TABLE " + ext + " (\n";
        out += columns(s, [](const lake_field& f) { return "\"" + f.name + "\" " + spectrum_type(f); });
        out += ")\nPARTITIONED BY (dt varchar(10), hour varchar(2))\nSTORED AS PARQUET\nLOCATION " +
               quoted(table_path(s)) + ";\n\n";
        out += "-- Each hour partition once it lands (or let a Glue crawler add them):\n";
        out += "-- ALTER TABLE " + ext + " ADD IF NOT EXISTS PARTITION (dt='2024-03-01', hour='12')\n--   LOCATION " +
               quoted(table_path(s) + "dt=2024-03-01/hour=12/") + ";\n\n";
        const std::string native = o.schema + "." + s.table;
        out += "-- Or a native table, loaded with COPY (Parquet columns map by position; lists\n"
               "-- land in SUPER as JSON).\n";
        out += "CREATE TABLE IF NOT EXISTS " + native + " (\n";
        out += columns(s, [](const lake_field& f) { return "\"" + f.name + "\" " + redshift_type(f); });
        out += ");\n\n";
        for (const lake_field& f : s.fields) {
            if (f.doc.empty()) continue;
            out += "COMMENT ON COLUMN " + native + ".\"" + f.name + "\" IS " + quoted(one_line(f.doc)) + ";\n";
        }
        out += "\n-- Loads the whole table each time it runs (COPY keeps no load history): for\n"
               "-- increments, point FROM at one hour's prefix (table=<t>/dt=.../hour=.../).\n";
        out += "COPY " + native + "\n  FROM " + quoted(table_path(s)) + "\n  IAM_ROLE " +
               quoted(o.redshift_iam_role) + "\n  FORMAT AS PARQUET SERIALIZETOJSON;\n\n";
    }

    void athena_prologue() { out += "CREATE DATABASE IF NOT EXISTS " + o.schema + ";\n\n"; }

    void athena(const lake_table_schema& s) {
        const std::string name = o.schema + "." + s.table;
        out += "-- " + s.table + ": " + one_line(s.doc) + "\n";
        out += "-- Partition projection (TBLPROPERTIES): Athena computes the partitions, nothing to\n"
               "-- register. Without it, run MSCK REPAIR TABLE " + name + " after new hours land.\n";
        out += "CREATE EXTERNAL TABLE IF NOT EXISTS " + name + " (\n";
        out += columns(s, [](const lake_field& f) {
            const std::string c = doc_comment(f);
            return "`" + f.name + "` " + athena_type(f) + (c.empty() ? "" : " COMMENT " + c);
        });
        out += ")\nCOMMENT " + quoted(one_line(s.doc)) +
               "\nPARTITIONED BY (`dt` string, `hour` string)\nSTORED AS PARQUET\nLOCATION " + quoted(table_path(s)) +
               "\n";
        out += "TBLPROPERTIES (\n"
               "  'projection.enabled' = 'true',\n"
               "  'projection.dt.type' = 'date',\n"
               "  'projection.dt.format' = 'yyyy-MM-dd',\n"
               "  'projection.dt.range' = '2020-01-01,NOW',\n"
               "  'projection.dt.interval' = '1',\n"
               "  'projection.dt.interval.unit' = 'DAYS',\n"
               "  'projection.hour.type' = 'integer',\n"
               "  'projection.hour.range' = '0,23',\n"
               "  'projection.hour.digits' = '2',\n"
               "  'storage.location.template' = " + quoted(table_path(s) + "dt=${dt}/hour=${hour}/") + "\n);\n\n";
    }

    void duckdb_prologue() { out += "CREATE SCHEMA IF NOT EXISTS " + o.schema + ";\n\n"; }

    void duckdb(const lake_table_schema& s) {
        out += "-- " + s.table + ": " + one_line(s.doc) + " (dt and hour come from the directory names)\n";
        out += "CREATE OR REPLACE VIEW " + o.schema + "." + s.table + " AS\n  SELECT * FROM read_parquet(" +
               quoted(table_path(s) + "*/*/*.parquet") + ", hive_partitioning = true);\n\n";
    }
};

}  // namespace

bool lake_ddl_target_from_name(std::string_view name, lake_ddl_target& out) noexcept {
    for (const lake_ddl_target t : {lake_ddl_target::snowflake, lake_ddl_target::redshift, lake_ddl_target::athena,
                                    lake_ddl_target::duckdb}) {
        if (name == target_name(t)) {
            out = t;
            return true;
        }
    }
    return false;
}

std::string lake_ddl(const lake_ddl_options& options) {
    lake_ddl_options o = options;
    if (o.location.empty())
        o.location = o.target == lake_ddl_target::duckdb ? "./" : "s3://<bucket>/<prefix>/";
    if (o.location.back() != '/') o.location += '/';
    if (o.tables.empty())
        for (int i = 0; i < spool_table_count; ++i) o.tables.push_back(static_cast<spool_table>(i));
    emitter e{o, {}};
    e.header();
    switch (o.target) {
        case lake_ddl_target::snowflake: e.snowflake_prologue(); break;
        case lake_ddl_target::redshift: e.redshift_prologue(); break;
        case lake_ddl_target::athena: e.athena_prologue(); break;
        case lake_ddl_target::duckdb: e.duckdb_prologue(); break;
    }
    for (const spool_table t : o.tables) {
        const lake_table_schema& s = lake_schema(t);
        switch (o.target) {
            case lake_ddl_target::snowflake: e.snowflake(s); break;
            case lake_ddl_target::redshift: e.redshift(s); break;
            case lake_ddl_target::athena: e.athena(s); break;
            case lake_ddl_target::duckdb: e.duckdb(s); break;
        }
    }
    return e.out;
}

}  // namespace txscreen
