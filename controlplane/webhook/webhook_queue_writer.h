// Moves rendered notifications from the controlplane thread onto the endpoint's disk
// queue (controlplane/kafka_outbox.h) on a thread of its own, and syncs the queue
// every 100 ms, so neither a write nor an fdatasync ever runs on the controlplane
// thread. A notification is durable within ~100 ms of offer(), as it would be if
// offer() appended to the queue's buffer itself.
//
// The hand-off is bounded in bytes: push() refuses when it is full (the disk failing
// or far behind). A record the queue cannot take (write error) stays in the hand-off
// and is tried again; at stop() what still cannot be written is counted lost.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "controlplane/kafka_outbox.h"
#include "controlplane/webhook/webhook_counters.h"

namespace txscreen {

class webhook_queue_writer {
public:
    static constexpr uint64_t default_max_bytes = 64ull << 20;

    // `appended` runs on the writer thread after records reach the queue (wakes the sender).
    webhook_queue_writer(kafka_outbox& queue, webhook_live_counters& counters, std::function<void()> appended,
                         uint64_t max_bytes = default_max_bytes);
    ~webhook_queue_writer();  // stop()
    webhook_queue_writer(const webhook_queue_writer&) = delete;
    webhook_queue_writer& operator=(const webhook_queue_writer&) = delete;

    // Takes the notification for the queue. False when the hand-off is full.
    bool push(std::string key, std::string body) noexcept;
    // Bytes waiting in the hand-off (lock-free).
    uint64_t pending_bytes() const noexcept { return _bytes.load(std::memory_order_relaxed); }
    uint64_t pending_records() const noexcept { return _records.load(std::memory_order_relaxed); }
    // Writes what the hand-off holds, syncs, and joins the thread.
    void stop() noexcept;

private:
    struct record {
        std::string key, body;
    };
    void run() noexcept;
    bool write_pending() noexcept;  // false when a write failed

    kafka_outbox& _queue;
    webhook_live_counters& _counters;
    std::function<void()> _appended;
    const uint64_t _max_bytes;
    std::mutex _mu;
    std::condition_variable _cv;
    std::deque<record> _pending;
    std::atomic<uint64_t> _bytes{0}, _records{0};
    bool _stop = false;
    std::thread _thread;
};

}  // namespace txscreen
