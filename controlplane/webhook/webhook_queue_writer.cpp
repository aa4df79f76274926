#include "controlplane/webhook/webhook_queue_writer.h"

#include <chrono>

#include "common/log.h"

namespace txscreen {

namespace {

constexpr auto sync_interval = std::chrono::milliseconds(100);
log_limiter writer_log(3, std::chrono::seconds(10));

}  // namespace

webhook_queue_writer::webhook_queue_writer(kafka_outbox& queue, webhook_live_counters& counters,
                                           std::function<void()> appended, uint64_t max_bytes)
    : _queue(queue), _counters(counters), _appended(std::move(appended)), _max_bytes(max_bytes) {
    _thread = std::thread([this] { run(); });
}

webhook_queue_writer::~webhook_queue_writer() { stop(); }

bool webhook_queue_writer::push(std::string key, std::string body) noexcept {
    const uint64_t size = key.size() + body.size();
    if (_bytes.load(std::memory_order_relaxed) + size > _max_bytes) return false;
    // Counted before the writer can see it, so its decrement never comes first.
    _bytes.fetch_add(size, std::memory_order_relaxed);
    _records.fetch_add(1, std::memory_order_relaxed);
    try {
        std::lock_guard lock(_mu);
        _pending.push_back({std::move(key), std::move(body)});
    } catch (const std::exception&) {
        _bytes.fetch_sub(size, std::memory_order_relaxed);
        _records.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    _cv.notify_one();
    return true;
}

void webhook_queue_writer::stop() noexcept {
    if (!_thread.joinable()) return;
    {
        std::lock_guard lock(_mu);
        _stop = true;
    }
    _cv.notify_one();
    _thread.join();
    if (!write_pending()) {  // the disk is still failing: what is left cannot be kept
        std::lock_guard lock(_mu);
        _counters.lost.fetch_add(_pending.size(), std::memory_order_relaxed);
        log_line(log_level::error, "webhook queue %s: %zu notifications lost: %s", _queue.dir().c_str(),
                 _pending.size(), _queue.last_error().c_str());
        _pending.clear();
        _bytes.store(0, std::memory_order_relaxed);
        _records.store(0, std::memory_order_relaxed);
    }
    _queue.sync();
}

void webhook_queue_writer::run() noexcept {
    auto last_sync = std::chrono::steady_clock::now();
    for (;;) {
        {
            std::unique_lock lock(_mu);
            _cv.wait_for(lock, sync_interval, [&] { return _stop || !_pending.empty(); });
            if (_stop) return;
        }
        if (!write_pending()) {
            log_line_limited(writer_log, log_level::error, "webhook queue %s: cannot write, will retry: %s",
                             _queue.dir().c_str(), _queue.last_error().c_str());
            std::unique_lock lock(_mu);
            _cv.wait_for(lock, sync_interval, [&] { return _stop; });
        }
        if (const auto now = std::chrono::steady_clock::now(); now - last_sync >= sync_interval) {
            _queue.sync();
            last_sync = now;
        }
    }
}

// Takes the records out under the lock, writes them without it (offer() never waits
// for the disk); a record that failed goes back to the front, in order.
bool webhook_queue_writer::write_pending() noexcept {
    std::deque<record> batch;
    {
        std::lock_guard lock(_mu);
        batch.swap(_pending);
    }
    bool ok = true;
    std::size_t written = 0;
    for (; written < batch.size(); ++written) {
        const record& r = batch[written];
        if (!_queue.append(r.key, r.body)) {
            ok = false;
            break;
        }
        _bytes.fetch_sub(r.key.size() + r.body.size(), std::memory_order_relaxed);
        _records.fetch_sub(1, std::memory_order_relaxed);
    }
    if (!ok) {
        std::lock_guard lock(_mu);
        try {
            _pending.insert(_pending.begin(), std::make_move_iterator(batch.begin() + static_cast<long>(written)),
                            std::make_move_iterator(batch.end()));
        } catch (const std::exception&) {
            for (std::size_t i = written; i < batch.size(); ++i) {
                _bytes.fetch_sub(batch[i].key.size() + batch[i].body.size(), std::memory_order_relaxed);
                _records.fetch_sub(1, std::memory_order_relaxed);
            }
            _counters.lost.fetch_add(batch.size() - written, std::memory_order_relaxed);
        }
    }
    if (written > 0 && _appended) _appended();
    return ok;
}

}  // namespace txscreen
