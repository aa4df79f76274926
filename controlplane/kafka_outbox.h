// Kafka outbox: alerts the broker could not take yet, on disk, in order.
//
// The publisher keeps a bounded backlog in memory (librdkafka's queue,
// kafka.max_backlog_messages / max_backlog_size). When that is full, or a delivery
// fails for good (message timeout, purge at shutdown with the broker away), the alert
// as it would have been published (key + JSON value, already PAN-free) is appended
// here instead, and the publisher's poll thread reads it back and produces it as soon
// as the backlog has room. The dataplane never waits for Kafka, and an alert that was
// accepted is never dropped: it is acked by the broker, in memory, or in this outbox.
//
// Layout: <dir>/outbox-<seq, 16 digits>.kob, appended in order, records
//   u32 magic "TXOB" | u32 key length | u32 value length | u32 CRC-32C of key+value | key | value
// A segment is deleted once every record in it was read back AND acked by the broker
// (or saved again after a failed delivery). On open, existing segments are replayed
// from the start; a torn tail (a crash mid-append) is cut at the last whole record and
// counted. How far a segment was read back and settled is written to
// outbox-<seq>.pos (on every sync, ~100 ms, and at close), so a restart resumes there:
// after a clean stop nothing is published twice; after a crash, alerts acked in the
// last ~100 ms before it are published again (consumers dedupe by txn_id).
//
// Thread-safe: one mutex; the publisher appends from the controlplane thread and from
// delivery reports, reads back from its poll thread. Never touched by dataplane lcores.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace txscreen {

struct kafka_outbox_stats {
    uint64_t appended = 0;      // records appended by this process
    uint64_t recovered = 0;     // records found in segments at open
    uint64_t read = 0;          // records read back (handed to the producer)
    uint64_t backlog = 0;       // records on disk not read back yet
    uint64_t segments = 0;      // segment files present
    uint64_t bytes = 0;         // bytes in segment files present
    uint64_t torn_bytes = 0;    // bytes cut from torn tails at open
    uint64_t write_errors = 0;  // appends or writes that failed (disk full, I/O error)
    uint64_t lost = 0;          // records that could not be saved (also counted by the caller)
    uint64_t syncs = 0;         // fdatasync calls
};

class kafka_outbox {
public:
    static constexpr uint64_t default_segment_bytes = 64ull << 20;

    // Creates `dir` when missing and scans its segments. Throws std::runtime_error
    // naming the directory or file on failure.
    explicit kafka_outbox(std::string dir, uint64_t segment_bytes = default_segment_bytes);
    // Writes and syncs what is buffered.
    ~kafka_outbox();
    kafka_outbox(const kafka_outbox&) = delete;
    kafka_outbox& operator=(const kafka_outbox&) = delete;

    // Appends one record (buffered; durable after the next sync()). False on a write
    // error: the record is not in the outbox (counted; last_error() says why).
    bool append(std::string_view key, std::string_view value) noexcept;
    // The oldest record not read back yet, and the segment it is in. False when none.
    // The same record is returned until pop() is called.
    bool peek(std::string& key, std::string& value, uint64_t& segment);
    // Marks the record last returned by peek() as read back.
    void pop() noexcept;
    // `n` records read back from `segment` were acked (or saved again). A segment
    // whose records were all read back and settled is deleted.
    void settled(uint64_t segment, uint64_t n = 1) noexcept;
    // Writes the buffer and fdatasyncs the segment being appended. False on error.
    bool sync() noexcept;

    // Records on disk not read back yet (lock-free: the publisher's fast path reads it).
    uint64_t backlog() const noexcept { return _backlog.load(std::memory_order_acquire); }
    // Bytes of all segments (written or buffered), lock-free.
    uint64_t bytes_on_disk() const noexcept { return _disk_bytes.load(std::memory_order_relaxed); }
    kafka_outbox_stats stats() const;
    std::string last_error() const;
    const std::string& dir() const noexcept { return _dir; }

private:
    struct segment {
        uint64_t records = 0;   // records written (or found) in the file
        uint64_t read = 0;      // records read back
        uint64_t settled = 0;   // records read back and acked / saved again
        uint64_t bytes = 0;     // bytes written to the file (including the buffer)
        uint64_t read_off = 0;  // file offset of the next record to read
        uint64_t marked_off = 0;  // read_off last written to the segment's .pos file
        bool sealed = false;    // no more appends
    };

    std::string path_of(uint64_t seq, const char* ext = "kob") const;
    void mark_positions_locked() noexcept;
    bool flush_locked() noexcept;       // write the append buffer to the file
    void seal_locked() noexcept;        // close the segment being appended
    void maybe_delete_locked(uint64_t seq) noexcept;
    void scan();

    // Reads one segment file's records through a buffer refilled with large preads
    // (one record reader for the start-up scan and the read-back).
    struct record_reader {
        int fd = -1;
        std::string buf;  // bytes [buf_off, buf_off + buf_len) of the file
        uint64_t buf_off = 0;
        uint64_t buf_len = 0;
        // The record at `off`, in a file whose whole records end at or before `limit`.
        // False at the end, or when the record is torn or corrupt. key/value may be null.
        bool read(uint64_t off, uint64_t limit, std::string* key, std::string* value, uint64_t& record_bytes);
    };

    std::string _dir;
    uint64_t _segment_bytes;
    mutable std::mutex _mu;
    std::map<uint64_t, segment> _segments;  // by sequence number, oldest first
    uint64_t _next_seq = 1;
    uint64_t _wseq = 0;      // segment being appended, 0 = none open
    int _wfd = -1;
    record_reader _reader;   // open on segment _rseq (0 = none)
    uint64_t _rseq = 0;
    std::string _wbuf;       // appended records not written yet
    uint64_t _wbuf_records = 0;
    bool _dirty = false;     // written since the last fdatasync
    bool _peeked = false;
    uint64_t _peek_seq = 0;
    uint64_t _peek_len = 0;  // bytes of the peeked record
    std::atomic<uint64_t> _backlog{0};
    std::atomic<uint64_t> _disk_bytes{0};
    kafka_outbox_stats _st;
    std::string _error;
};

}  // namespace txscreen
