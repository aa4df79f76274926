// txscreen lake: the lake by hand (docs/lake.md). `compact` turns a spool or lake
// directory's Avro files into Parquet, one file per table, hour and host, as the
// appliance's compactor does when an hour closes; `ddl` prints the statements that load
// the Parquet tables into Snowflake, Redshift, Athena or DuckDB.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/lake/lake_convert.h"
#include "controlplane/lake/lake_ddl.h"
#include "controlplane/lake/lake_schema.h"
#include "tools/cli_app.h"
#include "tools/txscreen/commands.h"

namespace txscreen {

namespace {

namespace fs = std::filesystem;

struct compact_options {
    std::string dir, out, codec = "snappy";
    uint32_t row_group_rows = 131072;
};

struct ddl_options {
    std::string target, location, schema = "txscreen", integration = "txscreen_lake",
                                   iam_role = "arn:aws:iam::<account>:role/<role>";
    std::vector<std::string> tables;
    bool no_snowpipe = false;
};

int run_compact(const compact_options& o) {
    parquet_options popt;
    if (!parquet_codec_from_name(o.codec, popt.codec)) {
        std::fprintf(stderr, "txscreen lake compact: --codec '%s': use snappy, zstd or none\n", o.codec.c_str());
        return cli::exit_usage;
    }
    std::error_code ec;
    if (!fs::is_directory(o.dir, ec)) {
        std::fprintf(stderr, "txscreen lake compact: %s: not a directory\n", o.dir.c_str());
        return 1;
    }
    const std::vector<lake_partition_group> groups = lake_list_groups(o.dir);
    if (groups.empty()) {
        std::printf("%s: no complete Avro files under table=<table>/dt=<date>/hour=<hour>/\n", o.dir.c_str());
        return 0;
    }
    const fs::path in_root(o.dir), out_root(o.out.empty() ? o.dir : o.out);
    uint64_t rows = 0, in_bytes = 0, out_bytes = 0;
    double seconds = 0;
    for (const lake_partition_group& g : groups) {
        std::vector<std::string> inputs;
        for (const std::string& f : g.avro_files) inputs.push_back((in_root / f).string());
        const std::string rel = g.parquet_file();
        const fs::path dest = out_root / rel;
        fs::create_directories(dest.parent_path(), ec);
        if (ec) {
            std::fprintf(stderr, "txscreen lake compact: %s: %s\n", dest.parent_path().c_str(), ec.message().c_str());
            return 1;
        }
        const lake_convert_result r =
            convert_avro_to_parquet(lake_schema(g.table), inputs, dest.string(), popt, {}, o.row_group_rows);
        if (!r.ok) {
            std::fprintf(stderr, "txscreen lake compact: %s\n", r.error.c_str());
            return 1;
        }
        std::printf("%-60s %10llu rows %3llu files %8.3f s\n", rel.c_str(), static_cast<unsigned long long>(r.rows),
                    static_cast<unsigned long long>(r.input_files), r.seconds);
        std::fflush(stdout);
        rows += r.rows;
        in_bytes += r.input_bytes;
        out_bytes += r.output_bytes;
        seconds += r.seconds;
    }
    std::printf("total: %zu files, %llu rows in %.3f s (%.0f rows/s); Avro %.1f MB -> Parquet %.1f MB (%s)\n",
                groups.size(), static_cast<unsigned long long>(rows), seconds, seconds > 0 ? rows / seconds : 0.0,
                in_bytes / 1e6, out_bytes / 1e6, o.codec.c_str());
    return 0;
}

// DuckDB on a local lake: the tables with Parquet files, since a view over a pattern
// that matches nothing fails to create. Empty (every table) for anything else.
std::vector<spool_table> local_tables(const std::string& location) {
    std::vector<spool_table> found;
    std::error_code ec;
    if (location.empty() || location.find("://") != std::string::npos || !fs::is_directory(location, ec)) return found;
    for (int i = 0; i < spool_table_count; ++i) {
        const auto t = static_cast<spool_table>(i);
        const fs::path dir = fs::path(location) / ("table=" + std::string(spool_table_name(t)));
        for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            if (it->path().extension() == ".parquet") {
                found.push_back(t);
                break;
            }
        }
    }
    if (found.empty()) std::fprintf(stderr, "txscreen lake ddl: no Parquet files under %s yet\n", location.c_str());
    return found;
}

int run_ddl(const ddl_options& o) {
    lake_ddl_options d;
    if (!lake_ddl_target_from_name(o.target, d.target)) {
        std::fprintf(stderr, "txscreen lake ddl: --target '%s': use snowflake, redshift, athena or duckdb\n",
                     o.target.c_str());
        return cli::exit_usage;
    }
    d.location = o.location;
    d.schema = o.schema;
    d.snowflake_integration = o.integration;
    d.redshift_iam_role = o.iam_role;
    d.snowpipe = !o.no_snowpipe;
    for (const std::string& name : o.tables) {
        bool known = false;
        for (int i = 0; i < spool_table_count && !known; ++i) {
            if (spool_table_name(static_cast<spool_table>(i)) == name) {
                d.tables.push_back(static_cast<spool_table>(i));
                known = true;
            }
        }
        if (!known) {
            std::fprintf(stderr,
                         "txscreen lake ddl: --table '%s': use scored, alerts, rejects, outcomes, aggregates or spikes\n",
                         name.c_str());
            return cli::exit_usage;
        }
    }
    if (d.target == lake_ddl_target::duckdb && d.tables.empty()) d.tables = local_tables(o.location);
    std::fputs(lake_ddl(d).c_str(), stdout);
    return 0;
}

}  // namespace

command add_lake_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("lake", "the lake by hand: Avro to Parquet, warehouse DDL (docs/lake.md)");
    cmd->require_subcommand(1);
    cmd->footer(
        "The lake is the spool's layout, table=<t>/dt=YYYY-MM-DD/hour=HH/, holding the Avro\n"
        "files (<host>-<seq>.avro) and their Parquet copy (<host>.parquet). With [lake]\n"
        "parquet = true the appliance compacts each hour itself when it closes.");

    auto co = std::make_shared<compact_options>();
    CLI::App* compact = cmd->add_subcommand("compact", "convert a directory's Avro files to Parquet");
    compact->footer(
        "Converts every group of complete .avro files found under DIR (one table, hour and\n"
        "host) to one Parquet file, <partition>/<host>.parquet, written as .tmp, fsynced and\n"
        "renamed. Prints each file's rows and seconds, then the total rows/s. The Avro files\n"
        "stay (Avro is the durable format; the lake keeps both): running it again rebuilds\n"
        "each <host>.parquet from all its hour's Avro, as the appliance's compactor does.\n"
        ".avro.tmp files (still being written) and unknown tables are left alone.\n\n"
        "exit status: 0 ok, 1 a file could not be read or written (named on stderr; the\n"
        "groups before it are done), 2 usage error.");
    compact->add_option("DIR", co->dir, "the spool or lake directory (holding table=... directories)")
        ->required()
        ->type_name("DIR");
    compact->add_option("--codec", co->codec, "page compression: snappy, zstd or none")
        ->type_name("C")
        ->check(CLI::IsMember({"snappy", "zstd", "none"}))
        ->capture_default_str();
    compact->add_option("--out", co->out, "write the Parquet files under DIR2 (same layout) instead of DIR")
        ->type_name("DIR2");
    compact->add_option("--row-group-rows", co->row_group_rows, "rows per Parquet row group")
        ->type_name("N")
        ->transform(cli::whole_number(true))
        ->check(cli::in_range<uint32_t>(1, 16'777'216))
        ->capture_default_str();

    auto dd = std::make_shared<ddl_options>();
    CLI::App* ddl = cmd->add_subcommand("ddl", "print the statements that load the lake into a warehouse");
    ddl->footer(
        "Prints SQL for the lake's Parquet tables, generated from the same schemas as the\n"
        "Avro and Parquet writers:\n"
        "  snowflake  schema, external stage (storage integration), CREATE TABLE, COPY INTO\n"
        "             ... MATCH_BY_COLUMN_NAME, and a Snowpipe (AUTO_INGEST) per table\n"
        "  redshift   Spectrum external schema and tables PARTITIONED BY (dt, hour), or a\n"
        "             native table and COPY ... FORMAT AS PARQUET (lists as SUPER)\n"
        "  athena     CREATE EXTERNAL TABLE ... STORED AS PARQUET with partition projection\n"
        "  duckdb     a view per table over read_parquet(..., hive_partitioning = true);\n"
        "             runs as is on a local lake: duckdb -c \"$(txscreen lake ddl --target\n"
        "             duckdb --location /var/lib/txscreen/spool/)\"; without --table, only\n"
        "             the tables that have Parquet files there (DuckDB refuses a view\n"
        "             over no file)\n"
        "Nothing is connected to: pipe the output into the warehouse's client.");
    ddl->add_option("--target", dd->target, "snowflake, redshift, athena or duckdb")
        ->required()
        ->type_name("T")
        ->check(CLI::IsMember({"snowflake", "redshift", "athena", "duckdb"}));
    ddl->add_option("--location", dd->location,
                    "the lake's root: s3://bucket/prefix/ (local directory for duckdb; default ./ for duckdb, a "
                    "placeholder otherwise)")
        ->type_name("L");
    ddl->add_option("--table", dd->tables, "only this table (repeatable): scored, alerts, rejects, outcomes, "
                                           "aggregates, spikes; default all")
        ->type_name("T");
    ddl->add_option("--schema", dd->schema, "database schema (Glue database for Athena/Spectrum)")
        ->type_name("NAME")
        ->capture_default_str();
    ddl->add_option("--integration", dd->integration, "snowflake: the storage integration of the stage")
        ->type_name("NAME")
        ->capture_default_str();
    ddl->add_flag("--no-snowpipe", dd->no_snowpipe, "snowflake: no CREATE PIPE");
    ddl->add_option("--iam-role", dd->iam_role, "redshift: the IAM role ARN that reads the bucket")->type_name("ARN");

    return {cmd, [compact, co, dd] {
                if (compact->parsed()) return run_compact(*co);
                return run_ddl(*dd);
            }};
}

}  // namespace txscreen
