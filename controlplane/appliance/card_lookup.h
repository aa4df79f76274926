// What control threads ask the workers while they run: a card's velocity state, the
// engines' counters and which ruleset / pattern database each worker has picked up.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/pan_token.h"
#include "controlplane/appliance/engine_scorer.h"
#include "dataplane/lcore_control.h"
#include "dataplane/txn_scorer.h"

namespace txscreen {

// A request on a worker's control ring (dataplane/lcore_control.h).
struct worker_request {
    enum class kind : uint8_t { card, counters } what = kind::counters;
    uint8_t token[card_token_bytes] = {};  // card
};

// The worker's answer: raw copies of its state, formatted by whoever asked. Every
// answer is also a reload acknowledgement: the versions the worker scores with.
struct worker_answer {
    uint32_t ruleset_version;   // 0: no ruleset yet
    uint32_t patterns_version;  // 0: no screening
    bool found;                 // card: the token is in this worker's table
    velocity_entry card;        // card: its entry, when found
    engine_counters counters;   // counters: the engine's
    velocity_counters velocity;
    std::array<uint32_t, velocity_key_count> capacity;
};

// One worker's counters and versions as of its latest answer.
struct worker_report {
    bool answered = false;  // false until the worker first answered
    uint32_t ruleset_version = 0, patterns_version = 0;
    engine_counters counters{};  // the engine's
    velocity_counters velocity{};
    std::array<uint32_t, velocity_key_count> capacity{};
};

// Wraps the engines so control threads can ask the workers: requests wait on each
// worker's control ring and are answered at its next quiescent point (every 1024 polls,
// microseconds when idle), so engine state is only ever touched by its owner while the
// workers run. After set_workers_stopped() the tables are read directly.
class lookup_scorer final : public txn_scorer {
public:
    explicit lookup_scorer(engine_scorer& inner);

    void attach_worker(unsigned worker, int socket) override { _inner.attach_worker(worker, socket); }
    void score(unsigned worker, const Txn& txn, Verdict& out) noexcept override { _inner.score(worker, txn, out); }
    void score_burst(unsigned worker, const Txn* txns, unsigned n, Verdict* out) noexcept override {
        _inner.score_burst(worker, txns, n, out);
    }
    // The worker's quiescent point: the engine picks up newer config, then the worker
    // answers its control ring.
    void quiescent(unsigned worker) noexcept override;

    // The card's velocity state as a JSON object, or nullopt when no worker knows the
    // token. Any thread. While the workers run, waits up to `timeout` for them
    // (nullopt and *timed_out = true when one did not answer).
    std::optional<std::string> card_json(const uint8_t token[card_token_bytes], std::chrono::milliseconds timeout,
                                         bool* timed_out);
    // Workers stopped (after dataplane::join): queries read the engines directly.
    void set_workers_stopped() noexcept { _stopped.store(true, std::memory_order_release); }

    // Each worker's latest counters and versions. Never waits: answers that arrived
    // are taken and workers with no request outstanding are asked again, so a reading
    // is one call (and a quiescent point) behind; exact once the workers stopped.
    std::vector<worker_report> worker_reports() const;
    // True once every worker scores with ruleset >= `ruleset` and pattern database
    // >= `patterns` (0: any); waits up to `timeout`.
    bool await_versions(uint32_t ruleset, uint32_t patterns, std::chrono::milliseconds timeout) const;

    struct table_fill {
        uint64_t inserted[velocity_key_count] = {}, expired_reused[velocity_key_count] = {},
                 evicted[velocity_key_count] = {};
        uint64_t capacity[velocity_key_count] = {};
        uint64_t duplicates = 0, too_late = 0;
    };
    // Velocity table counters summed over worker_reports().
    table_fill velocity_totals() const;

private:
    using channel = lcore_channel<worker_request, worker_answer>;
    bool stopped() const noexcept { return _stopped.load(std::memory_order_acquire); }
    // The answer to `q`, posted to `worker` as ticket `t` (0: not posted): taken off
    // the control ring, read directly once the workers stopped, or nullopt (and
    // *timed_out = true) at the deadline.
    std::optional<worker_answer> ask(unsigned worker, const worker_request& q, uint64_t t,
                                     std::chrono::steady_clock::time_point deadline, bool* timed_out) const;
    engine_scorer& _inner;
    unsigned _workers;
    mutable channel _channel;
    mutable std::mutex _reports_mutex;  // control threads: guards the two below
    mutable std::vector<worker_report> _reports;
    mutable std::vector<channel::ticket> _counters_asked;  // per worker, 0: none outstanding
    std::atomic<bool> _stopped{false};
};

}  // namespace txscreen
