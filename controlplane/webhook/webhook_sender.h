// One webhook endpoint's sender thread (docs/alerts.md, "Delivery"): reads the
// endpoint's disk queue in order, POSTs up to `batch` notifications per request at
// most `max_rate` requests per second, retries transient failures (connect, TLS,
// timeout, 5xx, 408, 429) with exponential backoff and full jitter, and moves a
// notification to the dead-letter file after `retries` further tries or at once on a
// permanent 4xx. A notification leaves the queue only once delivered or dead-lettered:
// at least once, across restarts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/kafka_outbox.h"
#include "controlplane/webhook/webhook_config.h"
#include "controlplane/webhook/webhook_counters.h"
#include "controlplane/webhook/webhook_dead_letter.h"
#include "controlplane/webhook/webhook_http.h"

namespace txscreen {

class webhook_sender {
public:
    // `secret`: the resolved signing key ("" = no signature). Starts the thread.
    webhook_sender(const webhook_config& conf, std::string secret, kafka_outbox& queue, webhook_dead_letter& dead,
                   webhook_live_counters& counters);
    ~webhook_sender();  // stop(0)
    webhook_sender(const webhook_sender&) = delete;
    webhook_sender& operator=(const webhook_sender&) = delete;

    // A notification was queued: do not wait for the next poll.
    void wake() noexcept;
    // Delivers what the queue holds for at most `budget_ms` more, then aborts the
    // request or backoff in progress and joins. Undelivered notifications stay on disk.
    void stop(int64_t budget_ms) noexcept;

private:
    struct item {
        std::string key, body;
        uint64_t segment;
    };

    void run() noexcept;
    bool fill_batch();
    void attempt();
    void settle_batch() noexcept;
    void dead_letter_batch(const std::string& why) noexcept;
    void on_failure(const webhook_response& r);
    bool take_token();                 // max_rate: false when stopping
    bool sleep_ms(int64_t ms);         // false when aborted
    int64_t backoff_ms(int64_t retry_after_ms);

    const webhook_config _conf;
    const std::string _secret;
    kafka_outbox& _queue;
    webhook_dead_letter& _dead;
    webhook_live_counters& _counters;
    std::atomic<bool> _abort{false};   // stop now: aborts curl and sleeps
    std::atomic<bool> _draining{false};// stop once the queue is empty
    webhook_http _http;
    std::vector<item> _batch;          // popped from the queue, not settled yet
    int _tries = 0;                    // failed requests of the current batch
    double _tokens = 0;                // max_rate token bucket
    int64_t _tokens_at_ns = 0;
    std::mt19937_64 _rng;
    std::mutex _mu;
    std::condition_variable _cv;
    bool _woken = false;
    std::thread _thread;
};

}  // namespace txscreen
