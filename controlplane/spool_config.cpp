#include "controlplane/spool_config.h"

#include <sys/stat.h>

#include <algorithm>

#include "config/config_explain.h"
#include "config/toml_section.h"

namespace txscreen {

namespace {

constexpr int_range range_rotate_bytes{64LL << 10, 16LL << 30};
constexpr int_range range_rotate_ms{100, 86'400'000};
constexpr int_range range_block_bytes{4096, 64LL << 20};
constexpr int_range range_fsync_interval_ms{1, 60'000};
constexpr int_range range_open_files{1, 1024};
constexpr int_range range_max_bytes{1LL << 20, 1LL << 50};
constexpr int_range range_budget_scan_ms{1, 600'000};

void validate_dir(const spool_config& c, config_errors& e) {
    check_not_empty(e, "spool.dir", c.dir, "a directory for the Avro spool files");
    struct stat st;
    if (!c.dir.empty() && ::stat(c.dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
        e.fail("spool.dir", c.dir + ": exists and is not a directory");
    if (c.host.find('/') != std::string::npos) e.fail("spool.host", "\"" + c.host + "\" must not contain '/'");
}

}  // namespace

void read_spool_section(const toml_section& s, spool_config& c) {
    s.only_keys({"dir", "host", "rotate_size", "rotate_age", "block_size", "fsync_interval", "max_open_files",
                 "write_alerts", "max_bytes"});
    s.get_string("dir", c.dir);
    s.get_string("host", c.host);
    s.get_size("rotate_size", c.max_file_bytes, range_rotate_bytes);
    s.get_duration("rotate_age", c.max_file_age_ms, range_rotate_ms);
    s.get_size("block_size", c.block_bytes, range_block_bytes);
    s.get_duration("fsync_interval", c.sync_interval_ms, range_fsync_interval_ms);
    s.get_int("max_open_files", c.max_open_files, range_open_files);
    s.get_bool("write_alerts", c.write_alerts);
    s.get_size("max_bytes", c.max_disk_bytes, range_max_bytes);
}

void validate(const spool_config& c, config_errors& e) {
    validate_dir(c, e);
    const auto rotate = static_cast<int64_t>(std::min<uint64_t>(c.max_file_bytes, INT64_MAX));
    check_size(e, "spool.rotate_size", rotate, range_rotate_bytes);
    check_duration(e, "spool.rotate_age", c.max_file_age_ms, range_rotate_ms);
    check_size(e, "spool.block_size", c.block_bytes, range_block_bytes);
    // A file holds at least one whole Avro block.
    if (c.max_file_bytes < c.block_bytes && e.clean("spool.block_size"))
        e.fail("spool.rotate_size", "must be at least spool.block_size (" + format_size(c.block_bytes) + "), got " +
                                        format_size(rotate));
    check_duration(e, "spool.fsync_interval", c.sync_interval_ms, range_fsync_interval_ms);
    check_int(e, "spool.max_open_files", c.max_open_files, range_open_files);
    check_size(e, "spool.max_bytes", static_cast<int64_t>(std::min<uint64_t>(c.max_disk_bytes, INT64_MAX)),
               range_max_bytes);
    check_duration(e, "spool.budget_scan", c.budget_scan_ms, range_budget_scan_ms);
}

std::string validate_spool_config(const spool_config& c) {
    config_errors e;
    validate(c, e);
    return e.first();
}

void explain(const spool_config& c, bool uploads, explanation& out) {
    out.lines << "  spool: " << c.dir << ", rotate at " << format_size(static_cast<int64_t>(c.max_file_bytes)) << " or "
              << format_duration(c.max_file_age_ms) << ", fsync every " << format_duration(c.sync_interval_ms)
              << (c.write_alerts ? ", alerts also in table=alerts" : "") << ", disk budget "
              << format_size(static_cast<int64_t>(c.max_disk_bytes))
              << (uploads ? " (past it rx waits for uploads)" : " (past it rows are refused: no uploader)") << "\n";
}

}  // namespace txscreen
