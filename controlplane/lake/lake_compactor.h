// The lake compactor: turns each closed hour of the spool into Parquet files (one per
// table, hour and host) and a data-quality report, and lands them next to the Avro
// files in the lake. Avro stays the spool's durable format; Parquet is a copy made
// from it.
//
// Where the Avro comes from: the lake itself. With an S3 endpoint the uploader has
// sent (and deleted) the hour's Avro files, so the compactor lists and downloads them
// (every file of the hour and host, whichever run wrote it), converts them, and hands
// the Parquet file and the report to the uploader; without one, the spool directory is
// the lake and the files are read where they are. So compacting an hour again (after a
// crash, or when late events add a file to an hour already compacted) rebuilds the same
// object, <partition>/<host>.parquet, from all the hour's rows: never a duplicate,
// never a partial file.
//
// When an hour closes: the spool tells the compactor each file it completes
// (note_file); an hour with new files is pending (kept in <spool>/lake-pending, so a
// restart still compacts it) and is compacted once none of its files is still open or
// waiting for its upload and no file of it has completed for close_after. stop() with
// `final` compacts what is pending at once (a graceful stop leaves the lake complete).
//
// Threading: one thread of its own; note_file() and the getters from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/lake/dq_report.h"
#include "controlplane/avro_records.h"
#include "controlplane/lake/lake_config.h"
#include "controlplane/s3_config.h"

namespace txscreen {

class s3_client;
class s3_uploader;

// A report with failed checks, as the alert people get (record_sink.h, dq_alert).
struct lake_dq_alert {
    std::string id;       // "dq-<dt>-<hour>-<host>"
    std::string json;     // {"schema_version":1,"type":"dq","id":...,"failed":[...],"report":{...}}
    std::string summary;  // "data quality: dt=2024-03-01/hour=12 on h1: amount_zero_share 1 > 0.05"
    int64_t hour_end_ms = 0;
};

struct lake_compactor_stats {
    uint64_t hours_compacted = 0;
    uint64_t files_written = 0;       // Parquet files
    uint64_t rows = 0;                // rows converted
    uint64_t input_bytes = 0;         // Avro bytes read
    uint64_t parquet_bytes = 0;
    double seconds = 0;               // spent converting
    uint64_t failures = 0;            // hours whose compaction failed (retried later)
    uint64_t pending_hours = 0;       // gauge
    uint64_t dq_reports = 0;
    uint64_t dq_failed_reports = 0;   // reports with at least one failed check
    uint64_t dq_failed_checks = 0;
    uint64_t dq_last_failed_checks = 0;  // gauge: of the newest report
};

class lake_compactor {
public:
    // `s3` with an empty endpoint: the spool directory is the lake. `host`: the spool's
    // file name prefix (spool_config.host after the spool opened).
    lake_compactor(std::string spool_dir, std::string host, lake_config config, s3_config s3);
    ~lake_compactor();  // stop(false)
    lake_compactor(const lake_compactor&) = delete;
    lake_compactor& operator=(const lake_compactor&) = delete;

    // Reads the pending list and the data-quality baseline, adds the hours whose Avro
    // files an earlier run left in the spool, starts the thread. False with `error`.
    bool start(s3_uploader* uploader, std::string& error);
    // A file the spool completed ("table=scored/dt=2024-03-01/hour=12/h-000000000007.avro").
    void note_file(const std::string& rel) noexcept;
    // Stops the thread; with `final`, first compacts every pending hour whose files are
    // all in the lake, within timeout_ms.
    void stop(bool final, int64_t timeout_ms = 60'000);

    lake_compactor_stats stats() const;
    std::string last_error() const;
    // Data-quality alerts (one per report with failures) not yet taken;
    // the control loop publishes them to Kafka and the webhooks.
    std::vector<lake_dq_alert> take_dq_alerts();

private:
    struct pending_hour {
        std::chrono::steady_clock::time_point last_file;  // the newest file of the hour completed then
        std::chrono::steady_clock::time_point retry_at;   // after a failure: not before
    };
    void run();
    bool hour_ready(const std::string& hour, const pending_hour& p, const std::string& newest, bool stopping) const;
    void compact_and_settle(const std::string& hour);
    bool compact_hour(const std::string& hour);
    bool gather_inputs(spool_table t, const std::string& hour, std::vector<std::string>& inputs,
                       std::vector<std::string>& downloaded);
    bool download_inputs(const std::string& prefix, std::vector<std::string>& inputs,
                         std::vector<std::string>& downloaded);
    bool convert_table(spool_table t, const std::string& hour, const std::vector<std::string>& inputs,
                       dq_collector& dq, bool& any_rows);
    bool write_dq_report(const std::string& hour, dq_collector& dq);
    bool local_files_waiting(const std::string& hour) const;
    void save_pending() const;
    void load_pending();
    void scan_spool_for_hours();
    void set_error(const std::string& e);

    std::string _dir, _host;
    lake_config _config;
    s3_config _s3;
    s3_uploader* _uploader = nullptr;
    std::unique_ptr<s3_client> _client;  // the thread's own connection (downloads)
    dq_baseline _baseline;
    std::thread _thread;
    mutable std::mutex _mutex;  // guards _pending, _stop, _final, _error, _dq_alerts, _stats
    std::condition_variable _cv;
    std::map<std::string, pending_hour> _pending;  // "dt=2024-03-01/hour=12"
    bool _stop = false, _final = false;
    std::chrono::steady_clock::time_point _final_deadline;
    std::string _error;
    std::vector<lake_dq_alert> _dq_alerts;
    lake_compactor_stats _stats;
};

}  // namespace txscreen
