// The spool: every verdict, issuer outcome and reject, and every aggregate row and
// spike the controlplane derives, appended to local Avro object container files,
// written through io_uring, rotated by size and age, fsynced before they count as
// durable. Layout (docs/spool.md), partitioned by event time (UTC; outcomes by the
// response's receive time, rejects by their receive time, aggregates and spikes by
// their window's start):
//
//   <dir>/table=scored|alerts|rejects|outcomes|aggregates|spikes/dt=YYYY-MM-DD/hour=HH/<host>-<seq>.avro
//
// Durability protocol: a file is written as `<name>.avro.tmp`; completing it seals the
// last block, fsyncs the file, renames it to `<name>.avro` and fsyncs the directory.
// Only `.avro` files are complete (the uploader takes nothing else). Records become
// durable at the fsync that covers their block (sync(), run by tick() every
// sync_interval_ms, or at completion). On open(), a `.avro.tmp` left by a crash is
// recovered: its complete, well-formed blocks are kept (every durable record lies in
// one) and the cut tail is truncated away; a file with no complete block is deleted.
//
// A record_sink: offer() appends and answers accepted, or refused (counted) when the
// spool cannot take the row; it never holds rows. Each completed file is handed to the
// uploader's queue (hand_files_to), with its spool-relative path.
//
// Disk budget (max_disk_bytes, spool_budget.h): past it, in the default wait mode
// holding() tells the owner to stop taking records until uploads free space (the
// appliance's back-pressure; the spool holds no records itself); with
// refuse_over_budget, offer() refuses and counts instead (no uploader drains the
// spool: screening goes on, the rows are reported).
//
// Threading: one owner thread calls everything except stats(), writable(),
// over_budget() and last_error(), which any thread may call. offer() does no
// allocation and no syscall except when a block fills (one io_uring submit) or a new
// partition file opens.
#pragma once

#include <atomic>
#include <functional>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/reject_record.h"
#include "common/verdict.h"
#include "controlplane/avro_records.h"
#include "controlplane/record_sink.h"
#include "controlplane/spool_budget.h"
#include "controlplane/spool_config.h"
#include "controlplane/spool_io.h"

namespace txscreen {

class s3_uploader;

// spool_config and validate_spool_config(): controlplane/spool_config.h.

// Counters; every field is monotonic except open_files and writable.
struct spool_stats {
    uint64_t appended[spool_table_count];  // rows accepted per table
    uint64_t durable[spool_table_count];   // rows fsynced per table
    uint64_t refused;             // verdicts, outcomes and rejects refused (not writable, or over the
                                  // budget in refuse mode)
    uint64_t derived_refused;     // aggregate rows and spikes refused, likewise (not in `refused`:
                                  // they are not records the controlplane consumed off the rings)
    uint64_t lost;                // rows accepted but never made durable (I/O error)
    uint64_t files_completed;     // .avro files fsynced and renamed
    uint64_t files_recovered;     // torn .avro.tmp files recovered at open()
    uint64_t records_recovered;   // rows in those files
    uint64_t files_discarded;     // torn files with no complete block, deleted
    uint64_t bytes_written;       // bytes written to spool files
    uint64_t blocks_written;
    uint64_t fsyncs;
    uint64_t write_errors;        // failed opens, writes, fsyncs, renames
    uint64_t open_files;
    uint64_t disk_bytes;          // gauge: bytes of spool files on disk (last scan + written since)
    uint64_t max_disk_bytes;      // the budget (config)
    uint64_t budget_refused;      // verdicts, outcomes, rejects refused over the budget (refuse mode;
                                  // also in `refused`)
    uint64_t budget_waits;        // times holding() started asking the owner to hold back
    bool writable;
    bool over_budget;             // disk_bytes >= max_disk_bytes
};

class spool_writer final : public record_sink {
public:
    explicit spool_writer(spool_config config);
    ~spool_writer() override;  // close()
    spool_writer(const spool_writer&) = delete;
    spool_writer& operator=(const spool_writer&) = delete;

    // Creates/locks the directory, recovers torn files, reserves file sequence numbers.
    // Returns false with last_error() set (the spool then stays not writable).
    bool open();

    // Appends one verdict to table=scored (and table=alerts when v.alert): accepted, or
    // refused (spool not writable, or over the budget in refuse mode: counted in `refused`).
    sink_answer offer(const Verdict& v) noexcept override;
    // Appends one issuer outcome to table=outcomes (partition by the response's rx_ns),
    // never to scored or alerts. Same answers.
    sink_answer offer_outcome(const Verdict& v) noexcept override;
    // Appends one reject to table=rejects (partition by rx_ns). Same answers.
    sink_answer offer(const reject_record& r) noexcept override;
    // Appends one aggregate row (a window or a correction) to table=aggregates, one
    // spike to table=spikes, both partitioned by window_start_ms. Same answers; a
    // refusal is counted in `derived_refused`.
    sink_answer offer(const aggregate_record& r) noexcept override;
    sink_answer offer(const spike_event& s) noexcept override;

    // Wait mode: true while the spool is over its disk budget, and the owner should take
    // no new records (rows already taken are still accepted: the overshoot is what the
    // owner holds). Counts each new wait in `budget_waits` and has the next tick()
    // complete the open files so an uploader can take them. Always false in refuse mode.
    bool holding() noexcept override;
    uint64_t held_records() const noexcept override { return 0; }
    bool over_budget() const noexcept { return _budget.over(); }
    // Names for the reasons array ("rule_<id>" with none).
    void use_ruleset(const ruleset* names) noexcept override { _ruleset = names; }

    // Housekeeping for the owner thread, call every few ms: fsync when sync_interval_ms
    // passed, complete files older than max_file_age_ms, retry after errors, rescan the
    // disk for the budget (budget_scan_ms while over it, 10x that otherwise).
    void tick() noexcept override;
    // Makes every row appended so far durable (writes partial blocks, fsyncs). Returns
    // false when some row could not be made durable (counted in `lost`).
    bool sync();
    // Completes every open file (seal, fsync, rename, fsync dir). Returns false on error.
    bool close() override;

    // Each file completed from now on is enqueued on `uploader` (nullptr: none) by its
    // spool-relative path, after its rename. Files completed before, or by an earlier
    // run, are the uploader's startup scan's to find.
    void hand_files_to(s3_uploader* uploader) noexcept { _uploader = uploader; }
    // Also tells `listener` (the lake compactor) each completed file's spool-relative
    // path, after the uploader. Set before the first offer().
    void tell_completed_files_to(std::function<void(const std::string&)> listener) { _listener = std::move(listener); }

    bool writable() const noexcept { return _writable.load(std::memory_order_relaxed); }
    spool_stats stats() const noexcept;
    // The last error ("spool: write /x/y.avro.tmp: No space left on device (errno 28)").
    std::string last_error() const;
    const spool_config& config() const noexcept { return _config; }

private:
    struct file_slot;
    struct buffer;

    file_slot* slot_for(spool_table t, int64_t hour) noexcept;
    file_slot* open_slot(spool_table t, int64_t hour) noexcept;
    uint8_t* reserve(file_slot& f, std::size_t max_bytes) noexcept;
    // The file and room for one row of `t` (at `out`), or nullptr with the refusal counted
    // (derived: an aggregate or spike row, counted in _derived_refused).
    file_slot* reserve_row(spool_table t, int64_t hour, std::size_t max_bytes, uint8_t*& out,
                           bool derived = false) noexcept;
    void commit(file_slot& f, std::size_t bytes) noexcept;
    bool seal_block(file_slot& f) noexcept;
    bool submit_buffer(file_slot& f, int buffer_index, std::size_t start, std::size_t end) noexcept;
    int take_buffer() noexcept;
    void handle_completion(uint64_t user_data, int res) noexcept;
    bool wait_writes() noexcept;
    // Seals and writes every open block, fsyncs every dirty file in one batch, then
    // completes (rename + dir fsync) the slots with complete[i] set (may be null).
    bool sync_files(const char* complete) noexcept;
    int fsync_wait(int fd) noexcept;                 // 0 or -errno
    int fsync_dir(const std::string& dir) noexcept;  // 0 or -errno
    void abandon(file_slot& f) noexcept;
    // Refuse mode and over the budget (counts it in _budget_refused unless derived).
    bool refused_by_budget(bool derived = false) noexcept;
    void warn_if_disk_below_budget() const noexcept;
    void fail(const char* what, const std::string& path, int err) noexcept;
    bool recover();
    bool reserve_seq();
    uint64_t next_seq();
    void count(std::atomic<uint64_t>& c, uint64_t n = 1) noexcept {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }

    spool_config _config;
    const ruleset* _ruleset = nullptr;  // names for reason codes, read only inside offer()
    avro_rule_namer _names;             // resolves through _ruleset
    s3_uploader* _uploader = nullptr;
    std::function<void(const std::string&)> _listener;
    spool_ring _ring;
    std::vector<file_slot> _slots;
    std::vector<buffer> _buffers;
    std::vector<int> _free_buffers;
    int _last_slot[spool_table_count];  // per table, the slot last used (-1: none); set in the constructor
    uint64_t _use_clock = 0;
    unsigned _inflight = 0;         // writes submitted, not yet completed
    unsigned _fsyncs_pending = 0;
    int _wait_result = 0;
    int _lock_fd = -1;
    int _seq_fd = -1;
    uint64_t _seq_next = 1;
    uint64_t _seq_reserved = 0;
    int64_t _last_sync_ms = 0;
    int64_t _error_at_ms = 0;
    bool _opened = false;
    spool_budget _budget;
    bool _waiting = false;              // holding() said true last time
    bool _complete_for_upload = false;  // next tick completes every open file

    std::atomic<uint64_t> _appended[spool_table_count] = {};
    std::atomic<uint64_t> _durable[spool_table_count] = {};
    std::atomic<uint64_t> _refused{0}, _derived_refused{0}, _lost{0}, _files_completed{0}, _files_recovered{0},
        _records_recovered{0}, _files_discarded{0}, _bytes_written{0}, _blocks_written{0}, _fsyncs{0},
        _write_errors{0}, _open_files{0}, _budget_refused{0}, _budget_waits{0};
    std::atomic<bool> _writable{false};
    mutable std::mutex _error_mutex;  // guards _last_error (errors only, never per record)
    std::string _last_error;
};

// Returns the spool-relative directory of `table` for event time `ms`:
// "table=scored/dt=2024-03-01/hour=05". Exposed for tests and tools.
std::string spool_partition(spool_table table, int64_t ms);

}  // namespace txscreen
