// The spool's settings ([spool] in the config file; docs/spool.md). One struct with its
// defaults, its reader, its validator (the only range check of these fields:
// spool_writer::open() runs it too) and its explain() line.
#pragma once

#include <cstdint>
#include <string>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct spool_config {
    std::string dir = "./txscreen-spool";       // spool root; created when missing
    std::string host;                           // file name prefix; "" = gethostname()
    uint64_t max_file_bytes = 128ull << 20;     // rotate_size: close a file at this size...
    uint32_t max_file_age_ms = 60'000;          // rotate_age: ...or this long after it was opened
    uint32_t block_bytes = 256u << 10;          // block_size: Avro block (and io_uring write) size
    uint32_t sync_interval_ms = 200;            // fsync_interval: tick() fsyncs open files this often
    uint32_t max_open_files = 16;               // partitions open at once (LRU beyond)
    bool write_alerts = true;                   // also write alert verdicts to table=alerts
    uint64_t max_disk_bytes = 8ull << 30;       // max_bytes: disk budget for spool files
    // Not config keys: set by the appliance, or by tests.
    uint32_t error_retry_ms = 1000;             // after an I/O error, refuse appends this long
    bool refuse_over_budget = false;            // past the budget: refuse appends (else: holding())
    uint32_t budget_scan_ms = 1000;             // rescan the disk this often while over the budget
};

void read_spool_section(const toml_section& s, spool_config& c);
// Every field against its range, keys "spool.<key>" as the config file names them.
void validate(const spool_config& c, config_errors& errors);
// "" when `c` is usable, else its first problem naming the key.
std::string validate_spool_config(const spool_config& c);
// `uploads`: an uploader drains the spool (else rows past the budget are refused).
void explain(const spool_config& c, bool uploads, explanation& out);

}  // namespace txscreen
