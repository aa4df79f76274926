#include "controlplane/webhook/webhook_sink.h"

#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "common/log.h"
#include "config/config_checks.h"
#include "controlplane/webhook/webhook_keys.h"
#include "controlplane/webhook/webhook_queue_writer.h"
#include "controlplane/webhook/webhook_sender.h"
#include "rules/ruleset.h"

namespace txscreen {

namespace {

log_limiter sink_log(3, std::chrono::seconds(10));

std::string resolved(const std::string& spec, const std::string& key) {
    std::string value;
    if (!spec.empty() && !resolve_secret(spec, value))
        throw std::invalid_argument(key + ": " + spec + " names an environment variable that is not set");
    return value;
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "txscreen";
    return buf;
}

// A config built in code may leave the name to the URL, as the reader does.
webhook_config named(webhook_config c) {
    std::string scheme, host;
    if (c.name.empty() && split_webhook_url(c.url, scheme, host)) c.name = host;
    return c;
}

}  // namespace

webhook_sink::webhook_sink(const webhook_config& conf, std::string queue_dir) : _conf(named(conf)) {
    if (std::string e = validate_webhook_config(_conf); !e.empty()) throw std::invalid_argument(e);
    const std::string secret = resolved(_conf.secret, "webhook " + _conf.name + ": secret");
    _render.format = _conf.format;
    _render.routing_key = resolved(_conf.routing_key, "webhook " + _conf.name + ": routing_key");
    _render.source = host_name();
    // Called inside offer(), on the owner thread, while its snapshot is current.
    _names.rule = [this](uint32_t, uint16_t id) { return _ruleset ? _ruleset->rule_name(id) : std::string_view(); };
    _queue = std::make_unique<kafka_outbox>(queue_dir);
    _dead = std::make_unique<webhook_dead_letter>(queue_dir + "/dead-letter.jsonl", _conf.name);
    _sender = std::make_unique<webhook_sender>(_conf, secret, *_queue, *_dead, _counters);
    _writer = std::make_unique<webhook_queue_writer>(*_queue, _counters, [this] { _sender->wake(); });
    if (const uint64_t left = _queue->backlog())
        log_line(log_level::info, "webhook %s: %llu notifications from an earlier run to deliver", _conf.name.c_str(),
                 static_cast<unsigned long long>(left));
}

webhook_sink::~webhook_sink() {
    if (!_closed) close();
}

sink_answer webhook_sink::offer(const Verdict& v) noexcept {
    if (!v.alert || _closed) return sink_answer::accepted;
    // An alert without a case ([cases] off, or none could be kept) is news on its own.
    if (_conf.notify == webhook_notify::case_notice && v.case_id != 0 && v.notice == case_notice::none) {
        _counters.suppressed.fetch_add(1, std::memory_order_relaxed);
        return sink_answer::accepted;
    }
    try {
        std::string body = render_alert(_render, v, _names);
        if (body.empty()) {
            _counters.render_errors.fetch_add(1, std::memory_order_relaxed);
            _counters.refused.fetch_add(1, std::memory_order_relaxed);
            return sink_answer::refused;
        }
        const bool per_case = _conf.notify == webhook_notify::case_notice && v.case_id != 0;
        return enqueue(per_case ? case_idempotency_key(v) : alert_idempotency_key(v), std::move(body));
    } catch (const std::exception&) {  // allocation failure: counted like a full queue
        _counters.refused.fetch_add(1, std::memory_order_relaxed);
        return sink_answer::refused;
    }
}

sink_answer webhook_sink::offer(const spike_event& s) noexcept {
    if (_closed) return sink_answer::accepted;
    try {
        return enqueue(spike_idempotency_key(s), render_spike(_render, s));
    } catch (const std::exception&) {
        _counters.refused.fetch_add(1, std::memory_order_relaxed);
        return sink_answer::refused;
    }
}

sink_answer webhook_sink::offer(const dq_alert& a) noexcept {
    if (_closed) return sink_answer::accepted;
    try {
        return enqueue(std::string(a.id), render_dq(_render, a));
    } catch (const std::exception&) {
        _counters.refused.fetch_add(1, std::memory_order_relaxed);
        return sink_answer::refused;
    }
}

sink_answer webhook_sink::enqueue(std::string key, std::string body) noexcept {
    const bool over = _queue->bytes_on_disk() + _writer->pending_bytes() >= _conf.queue_max_bytes;
    const std::size_t size = key.size() + body.size();
    if (over || !_writer->push(std::move(key), std::move(body))) {
        _counters.refused.fetch_add(1, std::memory_order_relaxed);
        log_line_limited(sink_log, log_level::error, "webhook %s: a notification (%zu bytes) refused: %s",
                         _conf.name.c_str(), size,
                         over ? "the queue is over queue_max_size" : "the disk queue is not keeping up");
        return sink_answer::refused;
    }
    _counters.enqueued.fetch_add(1, std::memory_order_relaxed);
    return sink_answer::accepted;
}

bool webhook_sink::close() {
    if (_closed) return _counters.lost.load() == 0;
    _closed = true;
    _writer->stop();
    _sender->stop(_conf.timeout_ms);
    _queue->sync();
    if (const uint64_t left = _queue->backlog() + _counters.in_flight.load())
        log_line(log_level::info, "webhook %s: %llu notifications left in %s for the next run", _conf.name.c_str(),
                 static_cast<unsigned long long>(left), _queue->dir().c_str());
    return _counters.lost.load() == 0;
}

bool webhook_sink::ready(std::string* why) const {
    const int64_t since = _counters.failing_since_ms.load(std::memory_order_relaxed);
    if (since == 0) return true;
    if (why) {
        const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count();
        *why = "webhook " + _conf.name + ": " + _counters.last_error() + " since " +
               std::to_string(std::max<int64_t>(0, (now_ms - since) / 1000)) + " s";
    }
    return false;
}

webhook_counters webhook_sink::counters() const {
    webhook_counters c;
    c.enqueued = _counters.enqueued.load(std::memory_order_relaxed);
    c.delivered = _counters.delivered.load(std::memory_order_relaxed);
    c.requests = _counters.requests.load(std::memory_order_relaxed);
    c.retries = _counters.retries.load(std::memory_order_relaxed);
    for (int i = 0; i < webhook_failure_count; ++i) c.failures[i] = _counters.failures[i].load(std::memory_order_relaxed);
    c.dead_lettered = _counters.dead_lettered.load(std::memory_order_relaxed);
    c.lost = _counters.lost.load(std::memory_order_relaxed);
    c.suppressed = _counters.suppressed.load(std::memory_order_relaxed);
    c.refused = _counters.refused.load(std::memory_order_relaxed);
    c.render_errors = _counters.render_errors.load(std::memory_order_relaxed);
    c.queue_backlog =
        _writer->pending_records() + _queue->backlog() + _counters.in_flight.load(std::memory_order_relaxed);
    c.queue_bytes = _queue->bytes_on_disk() + _writer->pending_bytes();
    c.failing_since_ms = _counters.failing_since_ms.load(std::memory_order_relaxed);
    c.last_error = _counters.last_error();
    return c;
}

}  // namespace txscreen
