#include "controlplane/lake/lake_convert.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <tuple>

#include "controlplane/lake/avro_reader.h"

namespace txscreen {

namespace fs = std::filesystem;

namespace {

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The footer's key/value pairs: the caller's, then what says where the rows came from.
parquet_options with_lineage(const lake_table_schema& schema, const std::vector<std::string>& avro_paths,
                             parquet_options options) {
    std::string inputs;
    for (const std::string& p : avro_paths) {
        if (!inputs.empty()) inputs += ',';
        inputs += base_name(p);
    }
    options.metadata.emplace_back("txscreen.table", schema.table);
    options.metadata.emplace_back("txscreen.schema_version", std::to_string(avro_schema_version));
    options.metadata.emplace_back("txscreen.inputs", inputs);
    return options;
}

}  // namespace

lake_convert_result convert_avro_to_parquet(const lake_table_schema& schema, const std::vector<std::string>& avro_paths,
                                            const std::string& parquet_path, const parquet_options& options,
                                            const lake_batch_observer& observer, std::size_t rows_per_group) {
    const auto started = std::chrono::steady_clock::now();
    lake_convert_result r;
    if (rows_per_group == 0) rows_per_group = 1;
    parquet_writer writer(schema, with_lineage(schema, avro_paths, options));
    if (!writer.open(parquet_path)) {
        r.error = writer.error();
        return r;
    }
    row_batch batch(schema);
    auto flush = [&]() {
        if (batch.rows == 0) return true;
        if (observer) observer(batch);
        if (!writer.write_row_group(batch)) {
            r.error = writer.error();
            return false;
        }
        r.rows += batch.rows;
        batch.clear();
        return true;
    };
    avro_file_reader reader(schema);
    for (const std::string& path : avro_paths) {
        if (!reader.open(path)) {
            r.error = reader.error();
            return r;  // the writer's destructor removes the .tmp
        }
        std::error_code ec;
        r.input_bytes += fs::file_size(path, ec);
        ++r.input_files;
        for (;;) {
            const long n = reader.read(batch, rows_per_group - batch.rows);
            if (n < 0) {
                r.error = reader.error();
                return r;
            }
            if (n == 0) break;
            if (batch.rows == rows_per_group && !flush()) return r;
        }
    }
    if (!flush()) return r;
    if (!writer.close()) {
        r.error = writer.error();
        return r;
    }
    r.output_bytes = writer.stats().bytes;
    r.ok = true;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return r;
}

namespace {

// "table=scored" -> scored; false for a table the lake does not know.
bool table_of(const std::string& dir_name, spool_table& out) {
    if (dir_name.rfind("table=", 0) != 0) return false;
    const std::string_view name = std::string_view(dir_name).substr(6);
    for (int i = 0; i < spool_table_count; ++i) {
        if (spool_table_name(static_cast<spool_table>(i)) == name) {
            out = static_cast<spool_table>(i);
            return true;
        }
    }
    return false;
}

// "<host>-<seq>.avro" -> host and seq (digits); false for any other name (.avro.tmp too).
bool split_file_name(const std::string& name, std::string& host, std::string& seq) {
    static constexpr std::string_view ext = ".avro";
    if (name.size() <= ext.size() || name.compare(name.size() - ext.size(), ext.size(), ext) != 0) return false;
    const std::string stem = name.substr(0, name.size() - ext.size());
    const auto dash = stem.find_last_of('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 == stem.size()) return false;
    seq = stem.substr(dash + 1);
    if (seq.find_first_not_of("0123456789") != std::string::npos) return false;
    host = stem.substr(0, dash);
    return true;
}

std::vector<fs::path> subdirs(const fs::path& dir, std::string_view prefix) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) == 0 && it->is_directory(ec)) out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

std::vector<lake_partition_group> lake_list_groups(const std::string& dir) {
    std::vector<lake_partition_group> groups;
    for (const fs::path& table_dir : subdirs(dir, "table=")) {
        spool_table table;
        if (!table_of(table_dir.filename().string(), table)) continue;
        for (const fs::path& dt_dir : subdirs(table_dir, "dt=")) {
            for (const fs::path& hour_dir : subdirs(dt_dir, "hour=")) {
                const std::string partition = table_dir.filename().string() + "/" + dt_dir.filename().string() + "/" +
                                              hour_dir.filename().string();
                // host -> (seq as a number, seq text, file name): oldest sequence first.
                std::map<std::string, std::vector<std::tuple<std::size_t, std::string, std::string>>> by_host;
                std::error_code ec;
                for (fs::directory_iterator it(hour_dir, ec), end; !ec && it != end; it.increment(ec)) {
                    std::string host, seq;
                    const std::string name = it->path().filename().string();
                    if (!it->is_regular_file(ec) || !split_file_name(name, host, seq)) continue;
                    seq.erase(0, std::min(seq.find_first_not_of('0'), seq.size()));
                    by_host[host].emplace_back(seq.size(), seq, name);
                }
                for (auto& [host, files] : by_host) {
                    std::sort(files.begin(), files.end());  // by length, then digits: numeric order
                    lake_partition_group g;
                    g.table = table;
                    g.partition = partition;
                    g.host = host;
                    for (const auto& f : files) g.avro_files.push_back(partition + "/" + std::get<2>(f));
                    groups.push_back(std::move(g));
                }
            }
        }
    }
    return groups;
}

}  // namespace txscreen
