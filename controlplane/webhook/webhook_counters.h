// Per-endpoint webhook metrics (docs/alerts.md, "Metrics"): the atomics the sink and
// its sender thread bump, and the snapshot counters() returns to the metric catalog.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "controlplane/webhook/webhook_http.h"

namespace txscreen {

struct webhook_counters {
    uint64_t enqueued = 0;        // notifications saved to the queue
    uint64_t delivered = 0;       // notifications the endpoint answered 2xx for
    uint64_t requests = 0;        // HTTP requests made (tries included)
    uint64_t retries = 0;         // requests that were a retry
    uint64_t failures[webhook_failure_count] = {};  // failed requests by webhook_failure
    uint64_t dead_lettered = 0;   // notifications moved to the dead-letter file
    uint64_t lost = 0;            // notifications neither delivered nor dead-lettered (disk errors)
    uint64_t suppressed = 0;      // alerts not sent: notify = "case" and no case notice
    uint64_t refused = 0;         // offers the queue could not take (disk full, over queue_max_size)
    uint64_t render_errors = 0;   // verdicts that could not be rendered (also refused)
    uint64_t queue_backlog = 0;   // gauge: notifications not delivered yet (on disk, or in the request in flight)
    uint64_t queue_bytes = 0;     // gauge: bytes of the queue's segment files
    int64_t failing_since_ms = 0; // Unix ms of the first failure of the current run of them; 0 = healthy
    std::string last_error;       // the latest failure, "" when none yet

    uint64_t failures_of(webhook_failure f) const noexcept { return failures[static_cast<int>(f)]; }
};

// The live counters: atomics bumped by the owner thread (offers) and the sender thread.
struct webhook_live_counters {
    std::atomic<uint64_t> enqueued{0}, delivered{0}, requests{0}, retries{0}, dead_lettered{0}, lost{0},
        suppressed{0}, refused{0}, render_errors{0};
    std::atomic<uint64_t> failures[webhook_failure_count] = {};
    std::atomic<int64_t> failing_since_ms{0};
    std::atomic<uint64_t> in_flight{0};  // read back from the queue, not delivered or dead-lettered yet

    void set_error(std::string text) {
        std::lock_guard lock(_mu);
        _last_error = std::move(text);
    }
    std::string last_error() const {
        std::lock_guard lock(_mu);
        return _last_error;
    }

private:
    mutable std::mutex _mu;
    std::string _last_error;
};

}  // namespace txscreen
