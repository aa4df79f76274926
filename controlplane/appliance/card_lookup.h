// Card lookups and velocity counters from the workers' lcores, for the admin API.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/pan_token.h"
#include "controlplane/appliance/engine_scorer.h"
#include "dataplane/txn_scorer.h"

namespace txscreen {

// Wraps the engines so admin threads can ask a worker about a card: the request waits
// in the worker's slot and is answered at its next quiescent point (every 1024 polls,
// microseconds when idle), so velocity tables are only ever touched by their owner.
// Also copies each worker's velocity counters out at quiescent points for /metrics.
class lookup_scorer final : public txn_scorer {
public:
    explicit lookup_scorer(engine_scorer& inner);

    void attach_worker(unsigned worker, int socket) override;
    void score(unsigned worker, const Txn& txn, Verdict& out) noexcept override { _inner.score(worker, txn, out); }
    void score_burst(unsigned worker, const Txn* txns, unsigned n, Verdict* out) noexcept override {
        _inner.score_burst(worker, txns, n, out);
    }
    void quiescent(unsigned worker) noexcept override;

    // The card's velocity state as a JSON object, or nullopt when no worker knows the
    // token. Any thread; one lookup at a time. While the workers run, waits up to
    // `timeout` for them (nullopt and *timed_out = true when they did not answer).
    std::optional<std::string> card_json(const uint8_t token[card_token_bytes], std::chrono::milliseconds timeout,
                                         bool* timed_out);
    // Workers stopped (after dataplane::join): lookups read the tables directly.
    void set_workers_stopped() noexcept { _stopped.store(true, std::memory_order_release); }

    struct table_fill {
        uint64_t inserted[velocity_key_count] = {}, expired_reused[velocity_key_count] = {},
                 evicted[velocity_key_count] = {};
        uint64_t capacity[velocity_key_count] = {};
        uint64_t duplicates = 0, too_late = 0;
    };
    // Sum over workers of the counters last copied out (a quiescent point behind).
    table_fill velocity_totals() const;

private:
    enum : int { idle = 0, requested = 1, busy = 2, answered = 3 };
    struct alignas(64) slot {
        std::atomic<int> state{idle};
        uint8_t token[card_token_bytes] = {};
        bool found = false;
        std::string json;
        uint32_t quiescent_calls = 0;  // worker-private: counters are copied every 16th call
        mutable std::mutex counters_mutex;  // worker uses try_lock: never waits
        velocity_counters counters;
        std::array<uint32_t, velocity_key_count> capacity{};
    };
    void answer(unsigned worker, slot& s) noexcept;
    engine_scorer& _inner;
    std::unique_ptr<slot[]> _slots;
    unsigned _workers;
    std::mutex _lookup_mutex;  // one lookup at a time (admin threads)
    std::atomic<bool> _stopped{false};
};

}  // namespace txscreen
