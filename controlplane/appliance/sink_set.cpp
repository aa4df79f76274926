#include "controlplane/appliance/sink_set.h"

#include <cstdio>
#include <stdexcept>
#include <thread>

namespace txscreen {

sink_set::sink_set(const appliance_config& conf, bool quiet) {
    if (conf.kafka.enabled) open_kafka(conf, quiet);
    if (!conf.spool.dir.empty()) open_spool(conf);
    open_webhooks(conf);
    if (_spool) _sinks.push_back(_spool.get());
    if (_kafka) _sinks.push_back(_kafka.get());
    for (const auto& w : _webhooks) _sinks.push_back(w.get());
}

sink_set::~sink_set() {
    if (!_closed) close();
}

void sink_set::open_kafka(const appliance_config& conf, bool quiet) {
    kafka_config kc = conf.kafka;
    // Alerts the broker cannot take yet wait on disk next to the spool, not in memory
    // and not by stalling the dataplane (docs/kafka.md, "Outbox").
    if (!conf.spool.dir.empty()) kc.outbox_dir = conf.spool.dir + "/kafka-outbox";
    _kafka = std::make_unique<kafka_publisher>(kc);
    _bootstrap = _kafka->bootstrap_servers();
    if (!quiet)
        std::printf("txscreen: Kafka %s at %s\n", kc.brokers == "embedded" ? "embedded broker" : "brokers", _bootstrap.c_str());
}

// With no uploader nothing drains the spool: past its disk budget rows are refused and
// counted (screening goes on, `run` exits 3) instead of holding rx forever; with one,
// rx is held until uploads free room (docs/spool.md).
void sink_set::open_spool(const appliance_config& conf) {
    spool_config sc = conf.spool;
    sc.refuse_over_budget = conf.s3.endpoint.empty();
    _spool = std::make_unique<spool_writer>(std::move(sc));
    if (!_spool->open()) throw std::runtime_error("spool: " + _spool->last_error());
    if (!conf.s3.endpoint.empty()) {
        _uploader = std::make_unique<s3_uploader>(conf.spool.dir, conf.s3);
        if (!_uploader->start()) throw std::runtime_error("s3: " + _uploader->last_error());  // queues what is there
        _spool->hand_files_to(_uploader.get());
    }
    if (conf.lake.parquet) open_lake(conf);
}

// The compactor reads closed hours back from the lake (S3, or the spool directory
// without an endpoint) and hands its Parquet files and reports to the uploader.
void sink_set::open_lake(const appliance_config& conf) {
    _lake = std::make_unique<lake_compactor>(conf.spool.dir, _spool->config().host, conf.lake, conf.s3);
    std::string error;
    if (!_lake->start(_uploader.get(), error)) throw std::runtime_error("lake: " + error);
    _spool->tell_completed_files_to([lake = _lake.get()](const std::string& rel) { lake->note_file(rel); });
}

// Each sink counts what it refuses; one that holds makes must_wait() say so. Outcomes
// share the verdict ring, so they are told apart here and the loop stays one path.
void sink_set::deliver(const Verdict& v) noexcept {
    if (v.txn.kind == txn_kind::outcome) {
        for (record_sink* s : _sinks) s->offer_outcome(v);
        return;
    }
    for (record_sink* s : _sinks) s->offer(v);
}

void sink_set::deliver(const reject_record& r) noexcept {
    for (record_sink* s : _sinks) s->offer(r);
}

void sink_set::deliver(const aggregate_record& row) noexcept {
    for (record_sink* s : _sinks) s->offer(row);
}

void sink_set::deliver(const spike_event& e) noexcept {
    for (record_sink* s : _sinks) s->offer(e);
}

void sink_set::deliver(const dq_alert& a) noexcept {
    for (record_sink* s : _sinks) s->offer(a);
}

bool sink_set::must_wait(bool stopping) noexcept {
    bool wait = false;
    for (record_sink* s : _sinks) {
        // Once stopping, what is in flight is still taken: a sink that only asks for a
        // pause (the spool over its budget) is not waited for, one holding records is.
        if (stopping && s->held_records() == 0) continue;
        wait |= s->holding();  // every sink asked: asking retries its held records
    }
    return wait;
}

void sink_set::tick() noexcept {
    for (record_sink* s : _sinks) s->tick();
}

void sink_set::use_ruleset(const ruleset* names) noexcept {
    for (record_sink* s : _sinks) s->use_ruleset(names);
}

double sink_set::kafka_stalled_s() {
    if (!_kafka) return 0;
    const kafka_counters k = _kafka->counters();
    uint64_t acked = 0, pending = 0;
    for (const auto& t : k.topic) {
        acked += t.acked;
        pending += t.pending();
    }
    const bool waiting = k.waiting > 0 || pending > 0 || k.outbox.backlog > 0;
    const auto now = std::chrono::steady_clock::now();
    if (!waiting || acked != _kafka_last_acked) {
        _kafka_progress_at = now;
        _kafka_last_acked = acked;
    }
    return std::chrono::duration<double>(now - _kafka_progress_at).count();
}

bool sink_set::spool_writable(std::string* why) const {
    if (!_spool || _spool->writable()) return true;
    if (why) *why = _spool->last_error();
    return false;
}

// Each endpoint queues on disk next to the spool (docs/alerts.md, "Delivery"): a
// notification the endpoint cannot take yet survives a restart.
void sink_set::open_webhooks(const appliance_config& conf) {
    for (const webhook_config& w : conf.webhooks)
        _webhooks.push_back(std::make_unique<webhook_sink>(w, conf.spool.dir + "/webhook-outbox/" + w.name));
}

bool sink_set::webhooks_ready(std::string* why) const {
    bool ready = true;
    for (const auto& w : _webhooks) {
        std::string one;
        if (w->ready(&one)) continue;
        if (why) *why += (ready ? "" : "; ") + one;
        ready = false;
    }
    return ready;
}

// Gives completed files a bounded time to reach S3; whatever is left stays in the
// spool and the next start uploads it.
void sink_set::drain_uploader() {
    for (int i = 0; i < 300 && _uploader->stats().backlog_files > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// A graceful stop leaves the lake complete: the spool's last files are uploaded, then
// the compactor turns every pending hour into Parquet, and those files are uploaded.
void sink_set::close() {
    for (record_sink* s : _sinks) s->close();  // the spool seals, fsyncs and queues every open file
    if (_uploader) drain_uploader();
    // The final pass needs the hours in the lake: with uploads still pending (S3 slow or
    // down) it is skipped, and the pending hours are compacted after the next start.
    const bool lake_complete = !_uploader || _uploader->stats().backlog_files == 0;
    if (_lake) _lake->stop(lake_complete, 20'000);
    if (_uploader) {
        drain_uploader();
        _uploader->stop();
    }
    _closed = true;
}

void sink_set::collect(appliance_counters& c) const {
    if (_kafka) c.kafka = _kafka->counters();
    if (_spool) c.spool = _spool->stats();
    if (_uploader) c.s3 = _uploader->stats();
    if (_lake) c.lake = _lake->stats();
    c.webhooks.clear();
    for (const auto& w : _webhooks) c.webhooks.push_back({w->name(), w->counters()});
}

}  // namespace txscreen
