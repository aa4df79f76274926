// The spool's disk budget (spool.max_bytes): how many bytes of spool files are on disk
// and whether that is past the budget.
//
// Spool files are the `.avro` and `.avro.tmp` files under `<dir>/table=*/` (the Kafka
// outbox beside them has its own cap, kafka.outbox_max_size). The figure is kept as
// "bytes found by the last scan + bytes written since", so append() checks the budget
// with one relaxed load and no syscall. Files leave the disk only by upload
// (s3_uploader) or by an operator moving them, both unseen by the writer, so the
// figure never reads low; a rescan (every scan_interval_ms while over the budget,
// every 10 x that otherwise) sees what left.
//
// Threading: the spool's owner thread calls scan() and wrote(); any thread may read.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <system_error>

namespace txscreen {

// Bytes of spool files under `dir` (see above); sets `ec` when the walk fails.
uint64_t spool_files_bytes(const std::string& dir, std::error_code& ec) noexcept;

class spool_budget {
public:
    spool_budget(uint64_t max_bytes, uint32_t scan_interval_ms) noexcept
        : _max(max_bytes), _scan_interval_ms(scan_interval_ms) {}

    // Replaces the figure with a walk of `dir`. Call with no write in flight (the
    // writer scans right after a sync, when every submitted write has completed).
    bool scan(const std::string& dir, int64_t now_ms) noexcept;
    bool scan_due(int64_t now_ms) const noexcept {
        const int64_t every = over() ? _scan_interval_ms : 10 * int64_t{_scan_interval_ms};
        return now_ms - _last_scan_ms >= every;
    }
    // `n` bytes were submitted for writing to a spool file.
    void wrote(uint64_t n) noexcept { _bytes.store(bytes() + n, std::memory_order_relaxed); }

    uint64_t bytes() const noexcept { return _bytes.load(std::memory_order_relaxed); }
    uint64_t max_bytes() const noexcept { return _max; }
    bool over() const noexcept { return bytes() >= _max; }

private:
    const uint64_t _max;
    const uint32_t _scan_interval_ms;
    int64_t _last_scan_ms = INT64_MIN / 2;
    std::atomic<uint64_t> _bytes{0};
};

}  // namespace txscreen
