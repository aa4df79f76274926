// The uploader: a thread that sends completed spool files (`*.avro`, never `.avro.tmp`)
// and the lake compactor's Parquet files and data-quality reports to S3 and deletes each local file only after the upload is confirmed (2xx, and a HEAD
// size check when verify_head). Files come through a queue, oldest first: the spool
// enqueues each file it completes (spool_writer::hand_files_to), and start() scans the
// spool once for the files an earlier run left. Keys are deterministic, prefix + spool-relative path
// ("lake/table=scored/dt=2024-03-01/hour=12/host-000000000007.avro"), so a retry or a
// restart overwrites the same object and never duplicates it. Files at or above
// multipart_threshold go multipart. A failure backs off exponentially (retry_base_ms
// doubling to retry_max_ms) and retries the same file forever: during an outage files
// accumulate in the spool (and the queue) and upload when the endpoint returns. With no endpoint the uploader does not
// start and the spool directory is the lake.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "controlplane/s3_client.h"

namespace txscreen {

struct s3_uploader_stats {
    uint64_t uploaded_files;
    uint64_t uploaded_bytes;
    uint64_t multipart_files;
    uint64_t retries;        // attempts after a failed one
    uint64_t failures;       // failed attempts (each is retried after a backoff)
    uint64_t backlog_files;  // completed files queued, not yet uploaded
    uint64_t backlog_bytes;
    uint64_t vanished;       // queued files gone from the spool before their upload (moved away)
    bool connected;          // the last attempt succeeded
};

class s3_uploader {
public:
    s3_uploader(std::string spool_dir, s3_config config);
    ~s3_uploader();  // stop()
    s3_uploader(const s3_uploader&) = delete;
    s3_uploader& operator=(const s3_uploader&) = delete;

    // Queues the completed files an earlier run left in the spool (sorted: older
    // sequence numbers of a partition first), then starts the thread. Returns false
    // (last_error() says why) when the config is not valid; returns true without a scan
    // or a thread when no endpoint is configured.
    bool start();
    // Stops after the attempt in progress; waits for the thread. Queued files stay in
    // the spool for the next start.
    void stop();
    // Queues a completed file (spool-relative path) and wakes the thread. Any thread.
    void enqueue(const std::string& rel_path) noexcept;
    // The queued files, oldest first (a copy).
    std::vector<std::string> queued() const;

    // Uploads one file (spool-relative path) and deletes it on success. Returns true on
    // a confirmed upload. Used by the thread; callable directly when no thread runs.
    bool upload_file(const std::string& rel_path);

    // A spool-relative path the uploader takes: table=.../*.avro, *.parquet, *.json.
    static bool is_lake_file(std::string_view rel) noexcept;
    // Returns the object key for a spool-relative path.
    std::string key_for(const std::string& rel_path) const { return _config.prefix + rel_path; }

    s3_uploader_stats stats() const noexcept;
    std::string last_error() const;
    bool enabled() const noexcept { return !_config.endpoint.empty(); }

private:
    struct queued_file {
        std::string rel_path;
        uint64_t bytes;
    };
    void remove_empty_partitions(const std::string& rel) noexcept;
    void scan_spool();
    void add_to_queue(std::string rel_path, uint64_t bytes);  // caller holds _mutex
    bool wait_for_file(queued_file& next);                    // false: stopping
    void uploaded_or_gone(const queued_file& f, bool uploaded);
    void run();
    bool upload_single(const std::string& key, int fd, uint64_t size);
    bool upload_multipart(const std::string& key, int fd, uint64_t size);
    void set_error(const std::string& e);
    void add(std::atomic<uint64_t>& c, uint64_t n = 1) noexcept { c.fetch_add(n, std::memory_order_relaxed); }

    std::string _dir;
    s3_config _config;
    s3_client _client;
    std::thread _thread;
    mutable std::mutex _mutex;  // guards _queue and _stop (with _cv), and _last_error
    std::condition_variable _cv;
    std::deque<queued_file> _queue;  // oldest first; the thread pops the front once it is settled
    bool _stop = false;
    std::string _last_error;
    std::atomic<uint64_t> _uploaded_files{0}, _uploaded_bytes{0}, _multipart_files{0}, _retries{0}, _failures{0},
        _backlog_files{0}, _backlog_bytes{0}, _vanished{0};
    std::atomic<bool> _connected{false};
};

}  // namespace txscreen
