#include "controlplane/webhook/webhook_sender.h"

#include <algorithm>
#include <cmath>
#include <chrono>

#include "common/log.h"
#include "controlplane/webhook/webhook_keys.h"
#include "controlplane/webhook/webhook_render.h"
#include "controlplane/webhook/webhook_sign.h"

namespace txscreen {

namespace {

log_limiter webhook_log(3, std::chrono::seconds(10));

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

webhook_sender::webhook_sender(const webhook_config& conf, std::string secret, kafka_outbox& queue,
                               webhook_dead_letter& dead, webhook_live_counters& counters)
    : _conf(conf), _secret(std::move(secret)), _queue(queue), _dead(dead), _counters(counters),
      _http(_conf, _abort), _rng(std::random_device{}()) {
    _tokens = std::max(1.0, _conf.max_rate);
    _tokens_at_ns = now_ns();
    _thread = std::thread([this] { run(); });
}

webhook_sender::~webhook_sender() { stop(0); }

void webhook_sender::wake() noexcept {
    {
        std::lock_guard lock(_mu);
        _woken = true;
    }
    _cv.notify_one();
}

void webhook_sender::stop(int64_t budget_ms) noexcept {
    if (!_thread.joinable()) return;
    _draining.store(true);
    wake();
    std::unique_lock lock(_mu);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
    // run() clears _draining when it has nothing left to send.
    _cv.wait_until(lock, deadline, [&] { return !_draining.load(); });
    _abort.store(true);  // under the lock: run() cannot miss it between its check and its wait
    lock.unlock();
    _cv.notify_all();
    _thread.join();
}

void webhook_sender::run() noexcept {
    while (!_abort.load()) {
        try {
            if (_batch.empty() && !fill_batch()) {
                std::unique_lock lock(_mu);
                if (_draining.load()) {
                    _draining.store(false);  // drained: stop() may return
                    _cv.notify_all();
                    _cv.wait(lock, [&] { return _abort.load(); });
                    break;
                }
                _cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return _woken || _abort.load(); });
                _woken = false;
                continue;
            }
            if (take_token()) attempt();
        } catch (const std::exception& e) {  // bad_alloc and the like: try again later
            log_line_limited(webhook_log, log_level::error, "webhook %s: %s", _conf.name.c_str(), e.what());
            sleep_ms(100);
        }
    }
}

bool webhook_sender::fill_batch() {
    item it;
    while (static_cast<int>(_batch.size()) < _conf.batch && _queue.peek(it.key, it.body, it.segment)) {
        // Counted in flight before pop() takes it off the backlog: queue_backlog never
        // reads 0 while a notification is on its way.
        _counters.in_flight.store(_batch.size() + 1, std::memory_order_relaxed);
        _queue.pop();
        _batch.push_back(std::move(it));
    }
    _counters.in_flight.store(_batch.size(), std::memory_order_relaxed);
    return !_batch.empty();
}

void webhook_sender::attempt() {
    std::vector<std::string> bodies, keys;
    for (const item& i : _batch) {
        bodies.push_back(i.body);
        keys.push_back(i.key);
    }
    const std::string body = render_batch(_conf.format, bodies);
    const std::string key = _batch.size() == 1 ? _batch.front().key : batch_idempotency_key(keys);
    const std::string signature = _secret.empty() ? "" : webhook_signature(_secret, unix_ms() / 1000, body);
    _counters.requests.fetch_add(1, std::memory_order_relaxed);
    if (_tries > 0) _counters.retries.fetch_add(1, std::memory_order_relaxed);
    const webhook_response r = _http.post(body, key, signature);
    if (r.failure == webhook_failure::none) {
        _counters.delivered.fetch_add(_batch.size(), std::memory_order_relaxed);
        _counters.failing_since_ms.store(0, std::memory_order_relaxed);
        settle_batch();
        return;
    }
    if (r.failure == webhook_failure::aborted) return;  // closing: the batch stays on disk
    on_failure(r);
}

void webhook_sender::on_failure(const webhook_response& r) {
    _counters.failures[static_cast<int>(r.failure)].fetch_add(1, std::memory_order_relaxed);
    _counters.set_error(r.error);
    int64_t healthy = 0;
    _counters.failing_since_ms.compare_exchange_strong(healthy, unix_ms(), std::memory_order_relaxed);
    log_line_limited(webhook_log, log_level::warning, "webhook %s: %s (try %d of %d)", _conf.name.c_str(),
                     r.error.c_str(), _tries + 1, _conf.retries + 1);
    if (!webhook_failure_transient(r) || _tries >= _conf.retries) {
        dead_letter_batch(r.error);
        return;
    }
    ++_tries;
    sleep_ms(backoff_ms(r.retry_after_ms));
}

void webhook_sender::settle_batch() noexcept {
    for (const item& i : _batch) _queue.settled(i.segment);
    _batch.clear();
    _counters.in_flight.store(0, std::memory_order_relaxed);
    _tries = 0;
}

void webhook_sender::dead_letter_batch(const std::string& why) noexcept {
    for (const item& i : _batch) {
        std::string error;
        if (_dead.write(i.key, i.body, _tries + 1, why, error)) {
            _counters.dead_lettered.fetch_add(1, std::memory_order_relaxed);
        } else {
            _counters.lost.fetch_add(1, std::memory_order_relaxed);
            log_line_limited(webhook_log, log_level::error, "webhook %s: notification %s lost: %s",
                             _conf.name.c_str(), i.key.c_str(), error.c_str());
        }
    }
    settle_batch();
}

// Full jitter (uniform in [0, min(max, initial * 2^tries))): endpoints recovering from
// an outage are not hit by every sender at once. A Retry-After is a floor.
int64_t webhook_sender::backoff_ms(int64_t retry_after_ms) {
    // Doubling in floating point: initial (up to a day) << tries would overflow int64.
    const double doubled = std::ldexp(static_cast<double>(_conf.backoff_initial_ms), std::min(_tries - 1, 60));
    const int64_t ceiling = static_cast<int64_t>(std::min(static_cast<double>(_conf.backoff_max_ms), doubled));
    const int64_t jittered = std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(ceiling, 1))(_rng);
    return std::max(jittered, std::min(retry_after_ms, _conf.backoff_max_ms));
}

bool webhook_sender::take_token() {
    if (_conf.max_rate <= 0) return true;
    const double burst = std::max(1.0, _conf.max_rate);
    while (!_abort.load()) {
        const int64_t now = now_ns();
        _tokens = std::min(burst, _tokens + double(now - _tokens_at_ns) * 1e-9 * _conf.max_rate);
        _tokens_at_ns = now;
        if (_tokens >= 1) {
            _tokens -= 1;
            return true;
        }
        sleep_ms(std::max<int64_t>(1, static_cast<int64_t>((1 - _tokens) * 1000 / _conf.max_rate)));
    }
    return false;
}

bool webhook_sender::sleep_ms(int64_t ms) {
    std::unique_lock lock(_mu);
    return !_cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return _abort.load(); });
}

}  // namespace txscreen
