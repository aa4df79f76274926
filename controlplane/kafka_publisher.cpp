#include "controlplane/kafka_publisher.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>

#include <librdkafka/rdkafka.h>

#include "common/log.h"
#include "rules/ruleset.h"

namespace txscreen {

namespace {

int64_t now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// librdkafka repeats connection errors for every retry while a broker is down; keep
// the log readable: at most 3 lines a second per process, then a count of the rest.
log_limiter kafka_log(3, std::chrono::seconds(1));

void set_conf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
    char err[512];
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error("kafka: property " + key + "=" + value + ": " + err);
    }
}

}  // namespace

const char* kafka_topic_label(kafka_topic t) noexcept {
    switch (t) {
        case kafka_topic::alerts: return "alerts";
        case kafka_topic::scored: return "scored";
        case kafka_topic::rejects: return "rejects";
        case kafka_topic::outcomes: return "outcomes";
        case kafka_topic::aggregates: return "aggregates";
        case kafka_topic::spikes: return "spikes";
    }
    return "unknown";
}

kafka_publisher::kafka_publisher(const kafka_config& cfg) : _cfg(cfg) {
    // Called inside offer(), on the owner thread, while its snapshot is current.
    _names.rule = [this](uint32_t, uint16_t id) { return _ruleset ? _ruleset->rule_name(id) : std::string_view(); };
    if (std::string e = validate_kafka_config(cfg); !e.empty()) throw std::runtime_error(e);

    if (cfg.brokers == "embedded") {
        _embedded = std::make_unique<kafka_embedded_broker>(cfg.embedded_brokers);
        const int repl = cfg.embedded_brokers < 3 ? cfg.embedded_brokers : 3;
        for (const std::string* t :
             {&cfg.topic_alerts, &cfg.topic_scored, &cfg.topic_rejects, &cfg.topic_outcomes, &cfg.topic_aggregates})
            _embedded->create_topic(*t, cfg.embedded_partitions, repl);
        _bootstrap = _embedded->bootstraps();
        log_line(log_level::info, "kafka: embedded broker listening on %s", _bootstrap.c_str());
    } else {
        _bootstrap = cfg.brokers;
    }

    if (!cfg.outbox_dir.empty()) _outbox = std::make_unique<kafka_outbox>(cfg.outbox_dir, cfg.outbox_segment_bytes);

    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    set_conf(conf, "bootstrap.servers", _bootstrap);
    set_conf(conf, "client.id", cfg.client_id);
    // Exactly-once per partition from this producer: broker-side sequence numbers
    // drop the duplicates that retries after a lost connection would create.
    set_conf(conf, "enable.idempotence", "true");
    set_conf(conf, "acks", "all");
    set_conf(conf, "compression.codec", cfg.compression);
    set_conf(conf, "linger.ms", std::to_string(cfg.linger_ms));
    set_conf(conf, "batch.size", std::to_string(cfg.batch_bytes));
    set_conf(conf, "batch.num.messages", std::to_string(cfg.batch_messages));
    set_conf(conf, "queue.buffering.max.messages", std::to_string(cfg.max_backlog_messages));
    set_conf(conf, "queue.buffering.max.kbytes", std::to_string(cfg.max_backlog_kbytes));
    set_conf(conf, "message.timeout.ms", std::to_string(cfg.message_timeout_ms));
    // Same key -> partition mapping as the Java client, so Kafka Streams or Java
    // consumers co-partition with us by card token.
    set_conf(conf, "partitioner", "murmur2_random");
    set_conf(conf, "log.connection.close", "false");
    // Come back within ~2 s of a broker's return rather than librdkafka's 10 s
    // maximum backoff: the backlog is waiting.
    set_conf(conf, "reconnect.backoff.ms", "100");
    set_conf(conf, "reconnect.backoff.max.ms", "2000");
    for (const auto& [k, v] : cfg.properties) set_conf(conf, k, v);
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, &kafka_publisher::on_delivery);
    rd_kafka_conf_set_error_cb(conf, &kafka_publisher::on_error);
    rd_kafka_conf_set_log_cb(conf, &kafka_publisher::on_log);

    char err[512];
    _rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!_rk) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("kafka: cannot create producer: ") + err);
    }
    // Spikes share the alerts topic: librdkafka hands out the same topic once more
    // (reference counted), so each index still destroys its own handle.
    const std::string* names_by_topic[kafka_topic_count] = {&cfg.topic_alerts,   &cfg.topic_scored,
                                                            &cfg.topic_rejects,  &cfg.topic_outcomes,
                                                            &cfg.topic_aggregates, &cfg.topic_alerts};
    for (std::size_t i = 0; i < kafka_topic_count; ++i) {
        _topics[i].rkt = rd_kafka_topic_new(_rk, names_by_topic[i]->c_str(), nullptr);
        if (!_topics[i].rkt) {
            std::string why = rd_kafka_err2str(rd_kafka_last_error());
            for (std::size_t j = 0; j < i; ++j) rd_kafka_topic_destroy(_topics[j].rkt);
            rd_kafka_destroy(_rk);
            throw std::runtime_error("kafka: topic " + *names_by_topic[i] + ": " + why);
        }
    }
    _polling.store(true, std::memory_order_release);
    _poller = std::thread([this] { poll_loop(); });
}

kafka_publisher::~kafka_publisher() { close(); }

void kafka_publisher::stop_polling() noexcept {
    _stop.store(true, std::memory_order_release);
    if (_poller.joinable()) _poller.join();
    _polling.store(false, std::memory_order_release);
}

uint64_t kafka_publisher::failed_total() const noexcept {
    uint64_t n = 0;
    for (const stream_state& st : _streams) n += st.dropped.load(std::memory_order_relaxed);
    for (const topic_state& t : _topics) n += t.failed.load(std::memory_order_acquire);
    return n;
}

bool kafka_publisher::close() noexcept {
    if (_closed) return _closed_clean;
    _closed = true;
    const uint64_t failed_before = failed_total();
    retry_held();
    // The poll thread keeps replaying the outbox while the broker is given its time.
    int left = flush(_cfg.shutdown_flush_ms);
    stop_polling();
    if (left > 0) left = flush(0);
    if (left > 0) {
        const uint64_t in_outbox = _outbox ? _outbox->backlog() : 0;
        const int queued = left - static_cast<int>(in_outbox);
        if (queued > 0)
            log_line(log_level::warning, _outbox ? "kafka: shutdown: %d messages not delivered after %d ms; alerts among them "
                                   "are saved to the outbox for the next start"
                                 : "kafka: shutdown: %d messages not delivered after %d ms; they are failed "
                                   "(re-read them from the spool)",
                         queued, _cfg.shutdown_flush_ms);
        // Fail what is left so the counters account for every message (and the
        // delivery reports save undelivered alerts to the outbox).
        rd_kafka_purge(_rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(_rk, 0);
    }
    save_held();
    for (auto& t : _topics)
        if (t.rkt) rd_kafka_topic_destroy(t.rkt);
    rd_kafka_destroy(_rk);
    _rk = nullptr;
    if (_outbox) {
        _outbox->sync();
        if (uint64_t b = _outbox->backlog())
            log_line(log_level::info, "kafka: %llu alerts wait in the outbox %s for the next start",
                         static_cast<unsigned long long>(b), _outbox->dir().c_str());
        _final_outbox = _outbox->stats();
        _outbox.reset();  // writes the read positions
    }
    if (_embedded)
        _retention_deleted.store(static_cast<uint64_t>(std::max<int64_t>(0, _embedded->retention_deleted())),
                                 std::memory_order_relaxed);
    _embedded.reset();
    _closed_clean = failed_total() == failed_before;
    return _closed_clean;
}

void kafka_publisher::poll_loop() {
    auto last_sync = std::chrono::steady_clock::now();
    while (!_stop.load(std::memory_order_acquire)) {
        const bool backlog = _outbox && _outbox->backlog() > 0;
        if (backlog && !_fatal.load(std::memory_order_acquire)) replay_outbox();
        rd_kafka_poll(_rk, backlog ? 5 : _cfg.poll_interval_ms);
        // Spilled alerts are durable within ~100 ms.
        if (_outbox) {
            auto now = std::chrono::steady_clock::now();
            if (now - last_sync >= std::chrono::milliseconds(100)) {
                _outbox->sync();
                last_sync = now;
            }
        }
    }
}

// Produces outbox records, oldest first, until the backlog is full.
void kafka_publisher::replay_outbox() noexcept {
    std::string key, value;
    uint64_t seg = 0;
    try {
        while (!_stop.load(std::memory_order_relaxed) && _outbox->peek(key, value, seg)) {
            const kafka_topic t = is_spike_json(value) ? kafka_topic::spikes : kafka_topic::alerts;
            if (produce(t, key.data(), key.size(), value.data(), value.size(), false, seg) != sent::accepted) return;
            _outbox->pop();
            stream(t).replayed.fetch_add(1, std::memory_order_relaxed);
        }
    } catch (const std::exception& e) {  // allocation failure reading a record
        log_line_limited(kafka_log, log_level::info, "kafka outbox: replay: %s", e.what());
    }
}

kafka_publisher::sent kafka_publisher::spill(kafka_topic t, std::string_view key, std::string_view payload,
                                             sent otherwise) noexcept {
    if (_outbox->bytes_on_disk() + key.size() + payload.size() + 16 > _cfg.outbox_max_bytes) [[unlikely]] {
        if (_outbox_full.fetch_add(1, std::memory_order_relaxed) % 100'000 == 0)
            log_line(log_level::warning, "kafka outbox: full (%llu bytes, kafka.outbox_max_size): alerts are held "
                                 "until the broker takes some",
                         static_cast<unsigned long long>(_cfg.outbox_max_bytes));
        return sent::backpressure;
    }
    if (_outbox->append(key, payload)) {
        stream(t).spilled.fetch_add(1, std::memory_order_relaxed);
        return sent::spilled;
    }
    log_line_limited(kafka_log, log_level::error, "kafka outbox: cannot save an alert: %s", _outbox->last_error().c_str());
    return otherwise;
}

int kafka_publisher::poll(int timeout_ms) noexcept { return _rk ? rd_kafka_poll(_rk, timeout_ms) : 0; }

int kafka_publisher::flush(int timeout_ms) noexcept {
    if (!_rk) return 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        rd_kafka_flush(_rk, static_cast<int>(std::clamp<int64_t>(left.count(), 0, 100)));
        const int queued = rd_kafka_outq_len(_rk);
        // The outbox drains only while the poll thread replays it.
        const uint64_t outbox = _outbox ? _outbox->backlog() : 0;
        const bool replaying = outbox && _polling.load(std::memory_order_acquire) && !_fatal.load(std::memory_order_acquire);
        if ((queued == 0 && !replaying) || std::chrono::steady_clock::now() >= deadline)
            return queued + static_cast<int>(std::min<uint64_t>(outbox, 1u << 30));
    }
}

kafka_publisher::sent kafka_publisher::produce(kafka_topic t, const char* key, std::size_t key_len,
                                               const char* payload, std::size_t len, bool wait,
                                               uint64_t segment) noexcept {
    topic_state& ts = _topics[static_cast<std::size_t>(t)];
    if (_fatal.load(std::memory_order_acquire) || !_rk) [[unlikely]] {
        ts.refused.fetch_add(1, std::memory_order_relaxed);
        return sent::unavailable;
    }
    int64_t deadline = 0;
    for (;;) {
        // Count before handing over: a delivery report can run on the poll thread
        // before producev returns, and pending must never read negative.
        ts.produced.fetch_add(1, std::memory_order_relaxed);
        rd_kafka_resp_err_t err = rd_kafka_producev(
            _rk, RD_KAFKA_V_RKT(ts.rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(const_cast<char*>(payload), len),
            RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<uintptr_t>(t) | (segment << kafka_topic_bits))),
            RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) [[likely]]
            return sent::accepted;
        ts.produced.fetch_sub(1, std::memory_order_relaxed);

        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            if (!wait) return sent::backpressure;
            // Already known to be full: fail fast (the caller holds or spills an alert).
            if (_backpressured.load(std::memory_order_relaxed)) {
                ts.backpressure.fetch_add(1, std::memory_order_relaxed);
                return sent::backpressure;
            }
            int64_t now = now_ms();
            if (deadline == 0) {
                deadline = now + _cfg.backpressure_wait_ms;
            } else if (now >= deadline) {
                if (!_backpressured.exchange(true))
                    log_line(log_level::warning, "kafka: backlog full (%d messages / %d KiB): alerts go to the outbox or are "
                                 "held until the broker catches up",
                                 _cfg.max_backlog_messages, _cfg.max_backlog_kbytes);
                ts.backpressure.fetch_add(1, std::memory_order_relaxed);
                return sent::backpressure;
            }
            // Serve delivery reports to make room, as librdkafka's examples do.
            rd_kafka_poll(_rk, 1);
            continue;
        }
        ts.refused.fetch_add(1, std::memory_order_relaxed);
        if (err == RD_KAFKA_RESP_ERR__FATAL) {
            _fatal.store(true, std::memory_order_release);
            return sent::unavailable;
        }
        log_line_limited(kafka_log, log_level::warning, "kafka: produce to %s refused: %s", kafka_topic_label(t),
                         rd_kafka_err2str(err));
        return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? sent::too_large : sent::unavailable;
    }
}

std::size_t kafka_publisher::render(kafka_topic t, const Verdict& v, char* key, char* payload) noexcept {
    const std::size_t n = write_verdict_json(v, _names, payload, verdict_json_max_bytes);
    if (n == 0) [[unlikely]]
        _topics[static_cast<std::size_t>(t)].refused.fetch_add(1, std::memory_order_relaxed);
    write_token_hex(v.txn.card_token, key);
    return n;
}

kafka_publisher::sent kafka_publisher::send_alert(kafka_topic t, std::string_view key,
                                                  std::string_view payload) noexcept {
    // While the outbox holds alerts, new ones queue behind them (order per card).
    if (_outbox && _outbox->backlog() > 0) [[unlikely]]
        return spill(t, key, payload, sent::backpressure);
    const sent r = produce(t, key.data(), key.size(), payload.data(), payload.size());
    if (_outbox && (r == sent::backpressure || r == sent::unavailable)) [[unlikely]]
        return spill(t, key, payload, r);
    return r;
}

sink_answer kafka_publisher::drop_alert(kafka_topic t) noexcept {
    stream(t).dropped.fetch_add(1, std::memory_order_relaxed);
    return sink_answer::refused;
}

sink_answer kafka_publisher::hold(kafka_topic t, std::string_view key, std::string_view payload) noexcept {
    if (_held.size() >= kafka_hold_capacity) [[unlikely]] {
        log_line_limited(kafka_log, log_level::warning, "kafka: hold queue full (%zu alerts): %s dropped", _held.size(),
                         t == kafka_topic::spikes ? "spike" : "alert");
        return drop_alert(t);
    }
    try {
        // Built whole before it joins the queue: a failed copy leaves no empty alert there.
        held_alert h{t, std::string(key), std::string(payload)};
        _held.push_back(std::move(h));
    } catch (const std::bad_alloc&) {
        return drop_alert(t);
    }
    stream(t).waiting.fetch_add(1, std::memory_order_relaxed);
    return sink_answer::held;
}

sink_answer kafka_publisher::deliver_alert(kafka_topic t, std::string_view key, std::string_view payload) noexcept {
    if (!_held.empty()) return hold(t, key, payload);  // behind the held ones, in order
    switch (send_alert(t, key, payload)) {
        case sent::accepted: return sink_answer::accepted;
        case sent::spilled: return sink_answer::spilled;
        case sent::backpressure: return hold(t, key, payload);
        case sent::unavailable:
        case sent::too_large: break;
    }
    return drop_alert(t);
}

sink_answer kafka_publisher::offer_alert(const Verdict& v) noexcept {
    char key[2 * card_token_bytes];
    char payload[verdict_json_max_bytes];
    const std::size_t n = render(kafka_topic::alerts, v, key, payload);
    if (n == 0) [[unlikely]]
        return drop_alert(kafka_topic::alerts);
    return deliver_alert(kafka_topic::alerts, {key, sizeof key}, {payload, n});
}

sink_answer kafka_publisher::offer_scored(const Verdict& v) noexcept {
    char key[2 * card_token_bytes];
    char payload[verdict_json_max_bytes];
    const std::size_t n = render(kafka_topic::scored, v, key, payload);
    if (n == 0) [[unlikely]]
        return sink_answer::refused;
    return produce(kafka_topic::scored, key, sizeof key, payload, n) == sent::accepted ? sink_answer::accepted
                                                                                        : sink_answer::refused;
}

sink_answer kafka_publisher::offer(const Verdict& v) noexcept {
    sink_answer a = sink_answer::accepted;
    if (v.alert) a = offer_alert(v);
    // Once per verdict, whatever became of its alert: a held alert is retried alone.
    if (_cfg.publish_scored) {
        const sink_answer scored = offer_scored(v);
        if (!v.alert) a = scored;
    }
    return a;
}

sink_answer kafka_publisher::offer_outcome(const Verdict& v) noexcept {
    if (!_cfg.publish_outcomes) return sink_answer::accepted;
    char key[2 * card_token_bytes];
    char payload[outcome_json_max_bytes];
    const std::size_t n = write_outcome_json(v, payload, sizeof payload);
    if (n == 0) [[unlikely]] {
        _topics[static_cast<std::size_t>(kafka_topic::outcomes)].refused.fetch_add(1, std::memory_order_relaxed);
        return sink_answer::refused;
    }
    write_token_hex(v.txn.card_token, key);
    return produce(kafka_topic::outcomes, key, sizeof key, payload, n) == sent::accepted ? sink_answer::accepted
                                                                                          : sink_answer::refused;
}

sink_answer kafka_publisher::offer(const reject_record& r) noexcept {
    char key[8];
    char payload[reject_json_max_bytes];
    const std::size_t n = write_reject_json(r, payload, sizeof payload);
    if (n == 0) [[unlikely]] {
        _topics[static_cast<std::size_t>(kafka_topic::rejects)].refused.fetch_add(1, std::memory_order_relaxed);
        return sink_answer::refused;
    }
    const int klen = std::snprintf(key, sizeof key, "%u", static_cast<unsigned>(r.feed_id));
    return produce(kafka_topic::rejects, key, static_cast<std::size_t>(klen), payload, n) == sent::accepted
               ? sink_answer::accepted
               : sink_answer::refused;
}

sink_answer kafka_publisher::offer(const aggregate_record& r) noexcept {
    char key[analytics_key_max_bytes];
    char payload[aggregate_json_max_bytes];
    const std::size_t n = write_aggregate_json(r, payload, sizeof payload);
    if (n == 0) [[unlikely]] {
        _topics[static_cast<std::size_t>(kafka_topic::aggregates)].refused.fetch_add(1, std::memory_order_relaxed);
        return sink_answer::refused;
    }
    const std::size_t key_len = write_analytics_key(r.dimension, r.key, key);
    return produce(kafka_topic::aggregates, key, key_len, payload, n) == sent::accepted ? sink_answer::accepted
                                                                                      : sink_answer::refused;
}

// A spike is an alert people act on: it goes the alerts' way (outbox, hold queue).
sink_answer kafka_publisher::offer(const spike_event& s) noexcept {
    char key[analytics_key_max_bytes];
    char payload[spike_json_max_bytes];
    const std::size_t n = write_spike_json(s, payload, sizeof payload);
    if (n == 0) [[unlikely]] {
        _topics[static_cast<std::size_t>(kafka_topic::spikes)].refused.fetch_add(1, std::memory_order_relaxed);
        return drop_alert(kafka_topic::spikes);
    }
    const std::size_t key_len = write_analytics_key(s.dimension, s.key, key);
    return deliver_alert(kafka_topic::spikes, {key, key_len}, {payload, n});
}

sink_answer kafka_publisher::offer(const dq_alert& a) noexcept {
    return deliver_alert(kafka_topic::spikes, a.id, a.json);
}

void kafka_publisher::retry_held() noexcept {
    while (!_held.empty()) {
        const held_alert& h = _held.front();
        const sent r = send_alert(h.topic, h.key, h.value);
        if (r == sent::backpressure) {
            _backpressure_waits.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        stream_state& st = stream(h.topic);
        if (r == sent::unavailable || r == sent::too_large) st.dropped.fetch_add(1, std::memory_order_relaxed);
        _held.pop_front();
        st.waiting.fetch_sub(1, std::memory_order_relaxed);
    }
}

bool kafka_publisher::holding() noexcept {
    retry_held();
    return !_held.empty();
}

// At close, alerts still held go to the outbox past its bound (the hold queue bounds
// them), so the next start publishes them; with no outbox they are counted dropped.
void kafka_publisher::save_held() noexcept {
    if (_held.empty()) return;
    uint64_t saved = 0;
    for (const held_alert& h : _held) {
        stream_state& st = stream(h.topic);
        const bool ok = _outbox && _outbox->append(h.key, h.value);
        (ok ? st.spilled : st.dropped).fetch_add(1, std::memory_order_relaxed);
        saved += ok;
    }
    log_line(log_level::warning, "kafka: shutdown: %zu alerts were held: %llu saved to the outbox, %llu dropped (the spool "
                         "has them)",
                 _held.size(), static_cast<unsigned long long>(saved),
                 static_cast<unsigned long long>(_held.size() - saved));
    _held.clear();
    for (stream_state& st : _streams) st.waiting.store(0, std::memory_order_relaxed);
}

kafka_counters kafka_publisher::counters() const noexcept {
    kafka_counters c;
    // Outcomes first, then produced: produced is bumped before a message can be acked,
    // saved or counted as a replay, so this order never shows more of them than messages.
    const uint64_t replayed = _streams[0].replayed.load(std::memory_order_acquire);
    const uint64_t spikes_replayed = _streams[1].replayed.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < kafka_topic_count; ++i) {
        const topic_state& ts = _topics[i];
        c.topic[i].acked = ts.acked.load(std::memory_order_acquire);
        c.topic[i].failed = ts.failed.load(std::memory_order_acquire);
        c.topic[i].saved = ts.saved.load(std::memory_order_acquire);
        c.topic[i].produced = ts.produced.load(std::memory_order_acquire);
        c.topic[i].backpressure = ts.backpressure.load(std::memory_order_relaxed);
        c.topic[i].refused = ts.refused.load(std::memory_order_relaxed);
    }
    if (!_cfg.outbox_dir.empty()) {  // the outbox itself is gone after close()
        c.have_outbox = true;
        c.replayed = replayed;
        c.spilled = _streams[0].spilled.load(std::memory_order_relaxed);
        c.spikes.replayed = spikes_replayed;
        c.spikes.spilled = _streams[1].spilled.load(std::memory_order_relaxed);
        c.outbox_full = _outbox_full.load(std::memory_order_relaxed);
        c.outbox = _outbox ? _outbox->stats() : _final_outbox;
    }
    c.waiting = _streams[0].waiting.load(std::memory_order_relaxed);
    c.spikes.waiting = _streams[1].waiting.load(std::memory_order_relaxed);
    c.backpressure_waits = _backpressure_waits.load(std::memory_order_relaxed);
    c.alerts_dropped = _streams[0].dropped.load(std::memory_order_relaxed);
    c.spikes.dropped = _streams[1].dropped.load(std::memory_order_relaxed);
    c.retention_deleted = _retention_deleted.load(std::memory_order_relaxed);
    c.errors = _errors.load(std::memory_order_relaxed);
    c.fatal_errors = _fatal_errors.load(std::memory_order_relaxed);
    c.ready = ready();
    return c;
}

bool kafka_publisher::simulate_fatal_error(const char* reason) noexcept {
    return rd_kafka_test_fatal_error(_rk, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, reason) ==
           RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::string kafka_publisher::fatal_error() const {
    std::lock_guard lock(_fatal_mutex);
    return _fatal_text;
}

void kafka_publisher::on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque) {
    (void)rk;
    auto* self = static_cast<kafka_publisher*>(opaque);
    const auto tag = reinterpret_cast<uintptr_t>(msg->_private);
    const auto t = static_cast<std::size_t>(tag & ((1u << kafka_topic_bits) - 1));
    const uint64_t segment = tag >> kafka_topic_bits;  // outbox segment of a replayed alert, 0 = none
    if (t >= kafka_topic_count) [[unlikely]]
        return;
    topic_state& ts = self->_topics[t];
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) [[likely]] {
        ts.acked.fetch_add(1, std::memory_order_release);
        // A delivery frees backlog room: let the next publish wait again.
        if (self->_backpressured.load(std::memory_order_relaxed))
            self->_backpressured.store(false, std::memory_order_relaxed);
        if (self->_all_brokers_down.load(std::memory_order_relaxed) &&
            self->_all_brokers_down.exchange(false))
            log_line(log_level::info, "kafka: deliveries resumed");
    } else if (self->_outbox &&
               (t == static_cast<std::size_t>(kafka_topic::alerts) || t == static_cast<std::size_t>(kafka_topic::spikes)) &&
               self->_outbox->append({static_cast<const char*>(msg->key), msg->key_len},
                                     {static_cast<const char*>(msg->payload), msg->len})) {
        // An alert or spike that could not be delivered goes (back) to the outbox.
        ts.saved.fetch_add(1, std::memory_order_release);
    } else {
        ts.failed.fetch_add(1, std::memory_order_release);
        log_line_limited(kafka_log, log_level::warning, "kafka: delivery to %s failed: %s",
                         kafka_topic_label(static_cast<kafka_topic>(t)), rd_kafka_err2str(msg->err));
    }
    // Acked, saved again (appended above, so never lost in between) or failed: a
    // replayed record is settled in its segment either way.
    if (segment) self->_outbox->settled(segment);
}

void kafka_publisher::on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<kafka_publisher*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char text[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, text, sizeof text);
        {
            std::lock_guard lock(self->_fatal_mutex);
            self->_fatal_text = std::string(rd_kafka_err2name(orig)) + ": " + text;
        }
        self->_fatal_errors.fetch_add(1, std::memory_order_relaxed);
        self->_fatal.store(true, std::memory_order_release);
        log_line(log_level::error, "kafka: FATAL producer error %s: %s; the publisher is not ready (restart it; %s)",
                     rd_kafka_err2name(orig), text,
                     self->_outbox ? "new alerts wait in the outbox and are published after the restart"
                                   : "new alerts are refused; every verdict is in the spool");
        return;
    }
    self->_errors.fetch_add(1, std::memory_order_relaxed);
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        if (!self->_all_brokers_down.exchange(true))
            log_line(log_level::warning, "kafka: all brokers down (%s); messages wait in the backlog", reason);
        return;
    }
    log_line_limited(kafka_log, log_level::warning, "kafka: %s: %s", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
                     reason);
}

void kafka_publisher::on_log(const rd_kafka_s* rk, int level, const char* fac, const char* buf) {
    (void)rk;
    // librdkafka's levels are syslog priorities, as ours are.
    const auto priority = static_cast<log_level>(std::clamp(level, 3, 7));
    log_line_limited(kafka_log, priority, "kafka: %s: %s", fac, buf);
}

}  // namespace txscreen
