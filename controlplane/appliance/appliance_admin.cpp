#include "controlplane/appliance/appliance_admin.h"

#include <unistd.h>

#include <cstdio>
#include <thread>

#include "controlplane/admin_metrics.h"
#include "screen/screen_types.h"

namespace txscreen {

std::string suspect_reasons_json(const std::array<uint64_t, sequence_suspect_count>& by_reason) {
    std::string o = "{";
    for (std::size_t r = 1; r < sequence_suspect_count; ++r)
        o += (r > 1 ? ",\"" : "\"") + std::string(sequence_suspect_names[r]) + "\":" + std::to_string(by_reason[r]);
    return o + "}";
}

namespace {

void append_u(std::string& o, const char* key, uint64_t v, bool comma = true) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s\"%s\":%llu", comma ? "," : "", key, static_cast<unsigned long long>(v));
    o += buf;
}

// ,"key":{"jump_ahead":n,...}
void append_by_suspect_reason(std::string& o, const char* key,
                              const std::array<uint64_t, sequence_suspect_count>& by_reason) {
    o += ",\"";
    o += key;
    o += "\":";
    o += suspect_reasons_json(by_reason);
}

void append_i(std::string& o, const char* key, int64_t v) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ",\"%s\":%lld", key, static_cast<long long>(v));
    o += buf;
}

}  // namespace


// ---------------------------------------------------------------------------------
// appliance_admin

appliance_admin::appliance_admin(ruleset_store& rules, lookup_scorer& lookups, const std::string& tokenization_key,
                                 hooks h)
    : _rules(rules), _lookups(lookups), _tokenizer(pan_tokenizer::from_config(tokenization_key)), _hooks(std::move(h)) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "txscreen");
    _host = host;
}

void appliance_admin::update(appliance_snapshot s) {
    std::lock_guard g(_mutex);
    _snap = std::move(s);
    _updated = std::chrono::steady_clock::now();
    _have_snapshot = true;
    _generation.fetch_add(1);
}

void appliance_admin::set_rules_text(std::string text) {
    std::lock_guard g(_rules_mutex);
    _rules_text = std::move(text);
}

bool appliance_admin::healthy() {
    // The controlplane loop refreshes the snapshot every ~100 ms while it runs; a stale
    // snapshot means the loop is stuck (a hung sink), which a restart would cure.
    // Before the first snapshot the process is starting (ports, lcores): alive, and
    // /readyz says it is not ready yet; a liveness probe must not restart it then.
    std::lock_guard g(_mutex);
    if (!_have_snapshot || _snap.finished) return true;
    return std::chrono::steady_clock::now() - _updated < std::chrono::seconds(10);
}

readiness appliance_admin::ready() {
    readiness r;
    if (_drain.load()) {
        r.reason = "draining";
        return r;
    }
    std::lock_guard g(_mutex);
    if (_snap.finished) r.reason = "input finished; dataplane stopped";
    else if (!_snap.dataplane_running) r.reason = "dataplane not running";
    else if (_snap.have_spool && !_snap.spool_writable) r.reason = "spool not writable: " + _snap.spool_error;
    else if (_snap.have_spool && _snap.spool.over_budget)
        r.reason = "spool over its disk budget (" + std::to_string(_snap.spool.disk_bytes) + " of " +
                   std::to_string(_snap.spool.max_disk_bytes) + " bytes): " +
                   (_snap.have_s3 ? "rx is paused until uploads free space" : "new rows are refused (no uploader)");
    else if (_snap.have_kafka && !_snap.kafka_ready) r.reason = "kafka producer failed (fatal error)";
    else if (_snap.have_kafka && _snap.kafka_stalled_s >= 5) {
        r.reason = "kafka not acknowledging for " + std::to_string(static_cast<int>(_snap.kafka_stalled_s)) +
                   " s (brokers down or slow): ";
        if (_snap.kafka_waiting)
            r.reason += std::to_string(_snap.kafka_waiting) + " alerts held, the dataplane is paused";
        else
            r.reason += std::to_string(_snap.kafka.outbox.backlog) + " alerts wait in the outbox, " +
                        std::to_string(_snap.kafka[kafka_topic::alerts].pending()) + " in memory; screening goes on";
    }
    else if (_snap.ruleset_version == 0) r.reason = "no ruleset loaded";
    else r.ready = true;
    return r;
}

void appliance_admin::write_metrics(std::string& out) {
    std::lock_guard g(_render_mutex);
    const uint64_t gen = _generation.load();
    if (_metrics_gen != gen) {
        _metrics_cache.clear();
        render_metrics(_metrics_cache);
        _metrics_gen = gen;
    }
    out += _metrics_cache;
}

void appliance_admin::render_metrics(std::string& out) {
    appliance_snapshot s;
    {
        std::lock_guard g(_mutex);
        s = _snap;
    }
    prometheus_text p(out);
    const dp_stats& d = s.stats;
    p.family("txscreen_port_rx_packets_total", "counter", "Packets received by the port (ipackets)");
    for (const auto& port : d.ports) p.sample("txscreen_port_rx_packets_total", {{"port", port.name}}, port.ipackets);
    p.family("txscreen_port_rx_bytes_total", "counter", "Bytes received by the port");
    for (const auto& port : d.ports) p.sample("txscreen_port_rx_bytes_total", {{"port", port.name}}, port.ibytes);
    p.family("txscreen_port_imissed_total", "counter", "Packets the NIC dropped because rx queues were full");
    for (const auto& port : d.ports) p.sample("txscreen_port_imissed_total", {{"port", port.name}}, port.imissed);
    p.family("txscreen_port_rx_nombuf_total", "counter", "Packets dropped for lack of mbufs");
    for (const auto& port : d.ports) p.sample("txscreen_port_rx_nombuf_total", {{"port", port.name}}, port.rx_nombuf);
    p.family("txscreen_port_ierrors_total", "counter", "Bad frames");
    for (const auto& port : d.ports) p.sample("txscreen_port_ierrors_total", {{"port", port.name}}, port.ierrors);

    p.family("txscreen_lcore_messages_total", "counter", "Transactions scored by the worker lcore");
    for (std::size_t w = 0; w < d.per_worker.size(); ++w) {
        std::string name = "worker" + std::to_string(w);
        p.sample("txscreen_lcore_messages_total", {{"lcore", name}}, d.per_worker[w].txns);
    }
    p.family("txscreen_lcore_handoff_full_total", "counter", "Times the verdict ring was full and the worker paused");
    for (std::size_t w = 0; w < d.per_worker.size(); ++w) {
        std::string name = "worker" + std::to_string(w);
        p.sample("txscreen_lcore_handoff_full_total", {{"lcore", name}}, d.per_worker[w].verdict_stalls);
    }
    p.family("txscreen_rx_packets_total", "counter", "Packets taken off rx queues by the rx lcores");
    p.sample("txscreen_rx_packets_total", {}, d.rx.rx_packets);
    p.family("txscreen_rx_handoff_stalls_total", "counter", "rx polls skipped because a worker ring was full");
    p.sample("txscreen_rx_handoff_stalls_total", {}, d.rx.handoff_stalls);

    p.family("txscreen_non_feed_packets_total", "counter", "Packets matching no feed, by reason");
    for (std::size_t i = 1; i < packet_drop_count; ++i)
        p.sample("txscreen_non_feed_packets_total", {{"reason", packet_drop_names[i]}}, d.rx.drops[i]);
    p.family("txscreen_feed_packets_total", "counter", "Datagrams that matched a feed");
    p.sample("txscreen_feed_packets_total", {}, d.rx.feed_packets);
    p.family("txscreen_feed_messages_total", "counter", "Messages framed out of feed datagrams");
    p.sample("txscreen_feed_messages_total", {}, d.rx.feed_messages);
    p.family("txscreen_feed_duplicates_total", "counter", "Duplicate messages (A/B arbitration losers, retransmits)");
    p.sample("txscreen_feed_duplicates_total", {}, d.rx.duplicates);
    p.family("txscreen_framing_errors_total", "counter", "Datagrams whose framing broke");
    p.sample("txscreen_framing_errors_total", {}, d.rx.framing_errors);
    p.family("txscreen_feed_gaps_total", "counter", "Sequence gaps detected, by feed");
    for (const auto& f : d.feeds) p.sample("txscreen_feed_gaps_total", {{"feed", f.name}}, f.gap_events);
    p.family("txscreen_feed_gap_messages_total", "counter", "Messages missing in sequence gaps, by feed");
    for (const auto& f : d.feeds) p.sample("txscreen_feed_gap_messages_total", {{"feed", f.name}}, f.missing);
    p.family("txscreen_feed_out_of_order_total", "counter", "Late messages accepted, by feed");
    for (const auto& f : d.feeds) p.sample("txscreen_feed_out_of_order_total", {{"feed", f.name}}, f.late_accepted);
    const auto by_feed_and_suspect_reason = [&](const char* name, const char* help,
                                                 std::array<uint64_t, sequence_suspect_count> dp_feed_stats::*counts) {
        p.family(name, "counter", help);
        for (const auto& f : d.feeds)
            for (std::size_t i = 1; i < sequence_suspect_count; ++i)
                p.sample(name, {{"feed", f.name}, {"reason", sequence_suspect_names[i]}}, (f.*counts)[i]);
    };
    by_feed_and_suspect_reason("txscreen_feed_suspect_datagrams_total",
                               "MoldUDP64 datagrams held back: implausible sequence range (docs/feeds.md), by feed and reason",
                               &dp_feed_stats::suspect_datagrams);
    by_feed_and_suspect_reason("txscreen_feed_suspect_messages_total",
                               "Messages of datagrams held back as suspect (not scored), by feed and reason",
                               &dp_feed_stats::suspect_messages);
    p.family("txscreen_feed_sequence_resets_total", "counter",
             "Confirmed sequence jumps: a MoldUDP64 session re-based onto a new range, by feed");
    for (const auto& f : d.feeds)
        p.sample("txscreen_feed_sequence_resets_total", {{"feed", f.name}}, f.sequence_resets);
    p.family("txscreen_events_late_total", "counter",
             "Transactions older than the shard watermark - allowed_lateness (scored, not in velocity), by feed");
    for (const auto& f : d.feeds) p.sample("txscreen_events_late_total", {{"feed", f.name}}, f.events_late);
    p.family("txscreen_events_ahead_total", "counter",
             "Transactions dated beyond the receive clock + max_future_skew (scored, not in velocity), by feed");
    for (const auto& f : d.feeds) p.sample("txscreen_events_ahead_total", {{"feed", f.name}}, f.events_ahead);
    p.family("txscreen_decoded_total", "counter", "Messages decoded into a transaction");
    p.sample("txscreen_decoded_total", {}, d.rx.decoded);
    p.family("txscreen_rejects_total", "counter", "Messages rejected by the decoder, by reason");
    for (std::size_t i = 1; i < reject_reason_count; ++i)
        p.sample("txscreen_rejects_total", {{"reason", reject_table[i].name}}, d.rx.rejects[i]);
    p.family("txscreen_text_truncations_total", "counter", "Transactions with a text field cut to its fixed size");
    p.sample("txscreen_text_truncations_total", {}, d.rx.truncated_fields);
    p.family("txscreen_pans_masked_total", "counter", "PANs masked in decoded text fields (a producer sends card numbers in text)");
    p.sample("txscreen_pans_masked_total", {}, d.rx.pans_masked);

    p.family("txscreen_verdicts_total", "counter", "Verdicts consumed by the controlplane, by decision");
    for (const char* dec : {"allow", "review", "block"}) {
        auto it = s.decisions.find(dec);
        p.sample("txscreen_verdicts_total", {{"decision", dec}}, it == s.decisions.end() ? uint64_t{0} : it->second);
    }
    p.family("txscreen_alerts_total", "counter", "Verdicts with score >= the alert threshold");
    p.sample("txscreen_alerts_total", {}, s.alerts);
    p.family("txscreen_rule_hits_total", "counter", "Verdicts each rule contributed a reason to");
    for (const auto& [rule, n] : s.rule_hits) p.sample("txscreen_rule_hits_total", {{"rule", rule}}, n);
    p.family("txscreen_pattern_hits_total", "counter", "Verdicts with a pattern match, by category");
    for (int c = 0; c < pattern_category_count; ++c)
        p.sample("txscreen_pattern_hits_total", {{"category", pattern_category_names[c]}}, s.category_hits[c]);
    p.family("txscreen_latency_seconds", "summary", "rx burst -> verdict on the controlplane ring");
    p.latency_summary("txscreen_latency_seconds", {}, s.latency);
    static constexpr const char* key_names[velocity_key_count] = {"card", "merchant", "device", "ip"};
    p.family("txscreen_velocity_capacity", "gauge", "Velocity table slots, summed over workers");
    for (unsigned k = 0; k < velocity_key_count; ++k)
        p.sample("txscreen_velocity_capacity", {{"key", key_names[k]}}, s.velocity.capacity[k]);
    // Occupied slots: an insert fills one; a sweep of an expired entry or a displacement
    // frees one (reuse in place does both).
    p.family("txscreen_velocity_entries", "gauge", "Velocity table slots in use, summed over workers");
    for (unsigned k = 0; k < velocity_key_count; ++k)
        p.sample("txscreen_velocity_entries", {{"key", key_names[k]}},
                 s.velocity.inserted[k] - s.velocity.expired_reused[k] - s.velocity.evicted[k]);
    p.family("txscreen_velocity_inserted_total", "counter", "Keys inserted into the velocity tables");
    for (unsigned k = 0; k < velocity_key_count; ++k)
        p.sample("txscreen_velocity_inserted_total", {{"key", key_names[k]}}, s.velocity.inserted[k]);
    p.family("txscreen_velocity_evictions_total", "counter", "Live entries evicted because the table was full");
    for (unsigned k = 0; k < velocity_key_count; ++k)
        p.sample("txscreen_velocity_evictions_total", {{"key", key_names[k]}}, s.velocity.evicted[k]);
    p.family("txscreen_ruleset_version", "gauge", "Live ruleset version");
    p.sample("txscreen_ruleset_version", {}, uint64_t{s.ruleset_version});
    p.family("txscreen_patterns_version", "gauge", "Live pattern database version (0: no screening)");
    p.sample("txscreen_patterns_version", {}, uint64_t{s.patterns_version});
    p.family("txscreen_reloads_total", "counter", "Hot reloads through the admin API");
    for (int what = 0; what < 2; ++what)
        for (int ok = 0; ok < 2; ++ok)
            p.sample("txscreen_reloads_total", {{"what", what ? "patterns" : "rules"}, {"result", ok ? "refused" : "ok"}},
                     _reloads[what][ok].load());

    if (s.have_kafka) {
        p.family("txscreen_kafka_produced_total", "counter", "Records accepted by the Kafka producer");
        p.family("txscreen_kafka_acked_total", "counter", "Records acknowledged by the brokers (acks=all)");
        p.family("txscreen_kafka_failed_total", "counter", "Records whose delivery failed");
        p.family("txscreen_kafka_pending_messages", "gauge", "Records queued or in flight");
        p.family("txscreen_kafka_backpressure_total", "counter", "Records refused because the backlog was full");
        for (std::size_t t = 0; t < kafka_topic_count; ++t) {
            const char* topic = kafka_topic_label(static_cast<kafka_topic>(t));
            const auto& c = s.kafka.topic[t];
            p.sample("txscreen_kafka_produced_total", {{"topic", topic}}, c.produced);
            p.sample("txscreen_kafka_acked_total", {{"topic", topic}}, c.acked);
            p.sample("txscreen_kafka_failed_total", {{"topic", topic}}, c.failed);
            p.sample("txscreen_kafka_pending_messages", {{"topic", topic}}, c.pending());
            p.sample("txscreen_kafka_backpressure_total", {{"topic", topic}}, c.backpressure);
        }
        p.family("txscreen_kafka_saved_total", "counter", "Alerts whose delivery failed, saved to the outbox instead");
        p.sample("txscreen_kafka_saved_total", {{"topic", "alerts"}}, s.kafka[kafka_topic::alerts].saved);
        p.family("txscreen_kafka_waiting_alerts", "gauge", "Alerts held by the controlplane until Kafka takes them");
        p.sample("txscreen_kafka_waiting_alerts", {}, s.kafka_waiting);
        p.family("txscreen_kafka_alerts_dropped_total", "counter",
                 "Alerts the producer refused outright (fatal error, too large) that no outbox took: lost");
        p.sample("txscreen_kafka_alerts_dropped_total", {}, s.kafka_alerts_dropped);
        if (s.kafka.have_outbox) {
            const auto& ob = s.kafka.outbox;
            p.family("txscreen_kafka_outbox_alerts", "gauge", "Alerts in the on-disk outbox, not handed to Kafka yet");
            p.sample("txscreen_kafka_outbox_alerts", {}, ob.backlog);
            p.family("txscreen_kafka_outbox_bytes", "gauge", "Bytes of outbox segment files");
            p.sample("txscreen_kafka_outbox_bytes", {}, ob.bytes);
            p.family("txscreen_kafka_outbox_spilled_total", "counter", "Alerts saved to the outbox because the backlog was full");
            p.sample("txscreen_kafka_outbox_spilled_total", {}, s.kafka.spilled);
            p.family("txscreen_kafka_outbox_replayed_total", "counter", "Outbox alerts handed to the Kafka producer");
            p.sample("txscreen_kafka_outbox_replayed_total", {}, s.kafka.replayed);
            p.family("txscreen_kafka_outbox_recovered_total", "counter", "Outbox alerts found at start from an earlier run");
            p.sample("txscreen_kafka_outbox_recovered_total", {}, ob.recovered);
            p.family("txscreen_kafka_outbox_lost_total", "counter", "Alerts the outbox could not save (disk full, I/O error)");
            p.sample("txscreen_kafka_outbox_lost_total", {}, ob.lost);
            p.family("txscreen_kafka_outbox_full_total", "counter",
                     "Alerts refused because the outbox reached kafka.outbox_max_size (held, rx paused)");
            p.sample("txscreen_kafka_outbox_full_total", {}, s.kafka.outbox_full);
        }
    }
    if (s.have_spool) {
        p.family("txscreen_spool_records_total", "counter", "Records appended to the spool, by table");
        p.family("txscreen_spool_durable_total", "counter", "Records fsynced, by table");
        for (std::size_t t = 0; t < spool_table_count; ++t) {
            const std::string_view table = spool_table_name(static_cast<spool_table>(t));
            p.sample("txscreen_spool_records_total", {{"table", table}}, s.spool.appended[t]);
            p.sample("txscreen_spool_durable_total", {{"table", table}}, s.spool.durable[t]);
        }
        p.family("txscreen_spool_refused_total", "counter",
                 "Appends refused: spool not writable, or over its disk budget with no uploader");
        p.sample("txscreen_spool_refused_total", {}, s.spool.refused);
        p.family("txscreen_spool_lost_total", "counter", "Records accepted but never made durable (I/O error)");
        p.sample("txscreen_spool_lost_total", {}, s.spool.lost);
        p.family("txscreen_spool_writable", "gauge", "1 when the spool directory accepts appends");
        p.sample("txscreen_spool_writable", {}, uint64_t{s.spool_writable ? 1u : 0u});
        p.family("txscreen_spool_disk_bytes", "gauge", "Bytes of spool files on disk (spool.max_bytes budgets them)");
        p.sample("txscreen_spool_disk_bytes", {}, s.spool.disk_bytes);
        p.family("txscreen_spool_max_bytes", "gauge", "The spool's disk budget, spool.max_bytes");
        p.sample("txscreen_spool_max_bytes", {}, s.spool.max_disk_bytes);
        p.family("txscreen_spool_budget_waits_total", "counter",
                 "Times rx was paused because the spool reached its disk budget (an uploader drains it)");
        p.sample("txscreen_spool_budget_waits_total", {}, s.spool.budget_waits);
        p.family("txscreen_spool_budget_refused_total", "counter",
                 "Rows refused because the spool reached its disk budget with no uploader (also in refused)");
        p.sample("txscreen_spool_budget_refused_total", {}, s.spool.budget_refused);
    }
    if (s.have_s3) {
        p.family("txscreen_spool_files_pending", "gauge", "Completed spool files not yet uploaded");
        p.sample("txscreen_spool_files_pending", {}, s.s3.backlog_files);
        p.family("txscreen_s3_pending_bytes", "gauge", "Bytes of completed spool files not yet uploaded");
        p.sample("txscreen_s3_pending_bytes", {}, s.s3.backlog_bytes);
        p.family("txscreen_s3_uploads_total", "counter", "Upload attempts by result");
        p.sample("txscreen_s3_uploads_total", {{"result", "ok"}}, s.s3.uploaded_files);
        p.sample("txscreen_s3_uploads_total", {{"result", "retry"}}, s.s3.retries);
        p.sample("txscreen_s3_uploads_total", {{"result", "failed"}}, s.s3.failures);
    }
}

std::string appliance_admin::stats_json() {
    std::lock_guard g(_render_mutex);
    const uint64_t gen = _generation.load();
    const auto now = std::chrono::steady_clock::now();
    if (_stats_gen != gen || now - _stats_time > std::chrono::seconds(1)) {  // uptime moves on
        _stats_cache = render_stats();
        _stats_gen = gen;
        _stats_time = now;
    }
    return _stats_cache;
}

std::string appliance_admin::render_stats() {
    appliance_snapshot s;
    {
        std::lock_guard g(_mutex);
        s = _snap;
    }
    // Versions live (a reload after the input ended shows at once).
    s.ruleset_version = _rules.version();
    if (_hooks.patterns_version) s.patterns_version = _hooks.patterns_version();
    const dp_stats& d = s.stats;
    std::string o = "{\"host\":\"";
    json_escape_append(o, _host);
    o += '"';
    append_u(o, "uptime_s",
             static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - _started).count()));
    const readiness r = ready();
    o += ",\"ready\":";
    o += r.ready ? "true" : "false";
    o += ",\"draining\":";
    o += _drain.load() ? "true" : "false";
    o += ",\"finished\":";
    o += s.finished ? "true" : "false";
    append_u(o, "ruleset_version", s.ruleset_version);
    append_u(o, "patterns_version", s.patterns_version);
    append_u(o, "last_verdict_ruleset_version", s.last_verdict_ruleset);
    append_u(o, "last_verdict_patterns_version", s.last_verdict_patterns);
    append_u(o, "workers", d.per_worker.size());
    append_i(o, "snapshot_ms", s.snapshot_ms);
    {
        char buf[160];
        std::snprintf(buf, sizeof buf, ",\"rates\":{\"verdicts\":%.1f,\"alerts\":%.1f,\"rx_packets\":%.1f}",
                      s.verdicts_per_s, s.alerts_per_s, s.rx_packets_per_s);
        o += buf;
    }

    o += ",\"counters\":{";
    append_u(o, "rx_packets", d.rx.rx_packets, false);
    append_u(o, "feed_packets", d.rx.feed_packets);
    append_u(o, "non_feed_packets", d.rx.non_feed_packets);
    append_u(o, "feed_messages", d.rx.feed_messages);
    append_u(o, "decoded", d.rx.decoded);
    append_u(o, "rejected", d.rx.rejected);
    append_u(o, "duplicates", d.rx.duplicates);
    append_u(o, "suspect_messages", d.rx.suspect_messages);
    append_u(o, "pans_masked", d.rx.pans_masked);
    append_u(o, "txns", d.work.txns);
    append_u(o, "verdicts", d.work.verdicts);
    append_u(o, "verdicts_consumed", s.verdicts);
    append_u(o, "rejects_consumed", s.rejects);
    append_u(o, "alerts", s.alerts);
    uint64_t spooled = 0;
    for (std::size_t t = 0; t < spool_table_count; ++t) spooled += s.spool.appended[t];
    if (s.have_spool) append_u(o, "spooled", spooled);
    if (s.have_kafka) append_u(o, "kafka_acked", s.kafka[kafka_topic::alerts].acked);
    o += '}';

    // The accounting identities (docs/architecture.md, "Accounting identities"): each
    // with both sides, so a monitor can show which one broke. They are exact once the
    // dataplane is drained ("finished").
    const uint64_t in_flight_rx = d.rx.decoded - d.work.txns;
    o += ",\"identities\":{";
    o += "\"packets\":{\"rx_packets\":" + std::to_string(d.rx.rx_packets) +
         ",\"feed_plus_non_feed\":" + std::to_string(d.rx.feed_packets + d.rx.non_feed_packets) +
         ",\"hold\":" + (d.rx.rx_packets == d.rx.feed_packets + d.rx.non_feed_packets ? "true" : "false") + "}";
    const uint64_t messages_out = d.rx.decoded + d.rx.rejected + d.rx.duplicates + d.rx.suspect_messages;
    o += ",\"messages\":{\"feed_messages\":" + std::to_string(d.rx.feed_messages) +
         ",\"decoded_plus_rejected_plus_duplicates_plus_suspect\":" + std::to_string(messages_out) +
         ",\"hold\":" + (d.rx.feed_messages == messages_out ? "true" : "false") + "}";
    o += ",\"decoded_scored\":{\"decoded\":" + std::to_string(d.rx.decoded) +
         ",\"txns\":" + std::to_string(d.work.txns) + ",\"verdicts\":" + std::to_string(d.work.verdicts) +
         ",\"in_flight\":" + std::to_string(in_flight_rx) + ",\"hold\":" +
         (d.rx.decoded == d.work.txns && d.work.txns == d.work.verdicts ? "true" : "false") + "}";
    o += ",\"consumed\":{\"verdicts\":" + std::to_string(d.work.verdicts) +
         ",\"verdicts_consumed\":" + std::to_string(s.verdicts) + ",\"rejected\":" + std::to_string(d.rx.rejected) +
         ",\"rejects_consumed\":" + std::to_string(s.rejects) + ",\"hold\":" +
         (s.verdicts == d.work.verdicts && s.rejects == d.rx.rejected ? "true" : "false") + "}";
    bool spool_hold = true;
    if (s.have_spool) {
        const uint64_t sv = s.spool.appended[static_cast<std::size_t>(spool_table::scored)];
        const uint64_t sr = s.spool.appended[static_cast<std::size_t>(spool_table::rejects)];
        uint64_t durable = 0;
        for (std::size_t t = 0; t < spool_table_count; ++t) durable += s.spool.durable[t];
        spool_hold = sv == s.verdicts && sr == s.rejects && s.spool.refused == 0 && s.spool.lost == 0;
        o += ",\"spool\":{\"scored_rows\":" + std::to_string(sv) + ",\"reject_rows\":" + std::to_string(sr) +
             ",\"appended\":" + std::to_string(spooled) + ",\"durable\":" + std::to_string(durable) +
             ",\"refused\":" + std::to_string(s.spool.refused) + ",\"lost\":" + std::to_string(s.spool.lost) +
             ",\"hold\":" + (spool_hold ? "true" : "false") + "}";
    }
    bool kafka_hold = true;
    if (s.have_kafka) {
        const auto& a = s.kafka[kafka_topic::alerts];
        // Alerts of this run went to the producer directly or to the outbox; replays
        // of the outbox (this run's or an earlier one's) are counted apart.
        const uint64_t direct = a.produced - s.kafka.replayed;
        kafka_hold = direct + s.kafka.spilled + s.kafka_waiting == s.alerts && a.failed == 0 &&
                     s.kafka.outbox.lost == 0;
        o += ",\"kafka_alerts\":{\"alerts\":" + std::to_string(s.alerts) + ",\"produced\":" +
             std::to_string(direct) + ",\"spilled\":" + std::to_string(s.kafka.spilled) +
             ",\"replayed\":" + std::to_string(s.kafka.replayed) +
             ",\"outbox\":" + std::to_string(s.kafka.outbox.backlog) +
             ",\"saved\":" + std::to_string(a.saved) +
             ",\"waiting\":" + std::to_string(s.kafka_waiting) +
             ",\"acked\":" + std::to_string(a.acked) + ",\"pending\":" + std::to_string(a.pending()) +
             ",\"failed\":" + std::to_string(a.failed) + ",\"hold\":" + (kafka_hold ? "true" : "false") + "}";
    }
    const bool all = d.identities_hold() && s.verdicts == d.work.verdicts && s.rejects == d.rx.rejected &&
                     spool_hold && kafka_hold;
    o += ",\"all_hold\":";
    o += all ? "true" : "false";
    o += ",\"exact\":";  // counters read at a quiescent moment (drained): the identities must hold
    o += s.finished ? "true" : "false";
    o += '}';

    o += ",\"latency_ns\":{";
    append_u(o, "p50", s.latency.quantile(0.5), false);
    append_u(o, "p90", s.latency.quantile(0.9));
    append_u(o, "p99", s.latency.quantile(0.99));
    append_u(o, "p999", s.latency.quantile(0.999));
    append_u(o, "max", s.latency.max());
    append_u(o, "count", s.latency.count());
    o += '}';
    uint64_t imissed = 0, nombuf = 0, gaps = 0;
    for (const auto& p : d.ports) {
        imissed += p.imissed;
        nombuf += p.rx_nombuf;
    }
    for (const auto& f : d.feeds) gaps += f.missing;
    uint64_t evictions = 0;
    for (unsigned k = 0; k < velocity_key_count; ++k) evictions += s.velocity.evicted[k];
    o += ",\"drops\":{";
    append_u(o, "imissed", imissed, false);
    append_u(o, "rx_nombuf", nombuf);
    append_u(o, "feed_gaps", gaps);
    append_u(o, "non_feed_packets", d.rx.non_feed_packets);
    append_u(o, "handoff_full", d.work.verdict_stalls);
    append_u(o, "velocity_evictions", evictions);
    if (s.have_spool) append_u(o, "spool_refused", s.spool.refused);
    o += '}';
    o += ",\"backlog\":{";
    bool first = true;
    if (s.have_kafka) {
        append_u(o, "kafka_pending", s.kafka[kafka_topic::alerts].pending() + s.kafka_waiting, false);
        append_u(o, "kafka_outbox", s.kafka.outbox.backlog);
        first = false;
    }
    if (s.have_s3) {
        append_u(o, "spool_files_pending", s.s3.backlog_files, !first);
        append_u(o, "s3_pending_bytes", s.s3.backlog_bytes);
    }
    o += '}';
    if (s.have_spool) {  // docs/spool.md, "Disk budget"
        o += ",\"spool_budget\":{";
        append_u(o, "disk_bytes", s.spool.disk_bytes, false);
        append_u(o, "max_bytes", s.spool.max_disk_bytes);
        append_u(o, "waits", s.spool.budget_waits);
        append_u(o, "refused", s.spool.budget_refused);
        o += s.spool.over_budget ? ",\"over\":true}" : ",\"over\":false}";
    }
    o += ",\"ports\":[";
    for (std::size_t i = 0; i < d.ports.size(); ++i) {
        o += i ? ",{\"name\":\"" : "{\"name\":\"";
        json_escape_append(o, d.ports[i].name);
        o += '"';
        append_u(o, "ipackets", d.ports[i].ipackets);
        append_u(o, "imissed", d.ports[i].imissed);
        append_u(o, "ierrors", d.ports[i].ierrors);
        append_u(o, "rx_nombuf", d.ports[i].rx_nombuf);
        o += '}';
    }
    o += "],\"feeds\":[";
    for (std::size_t i = 0; i < d.feeds.size(); ++i) {
        o += i ? ",{\"name\":\"" : "{\"name\":\"";
        json_escape_append(o, d.feeds[i].name);
        o += '"';
        append_u(o, "missing", d.feeds[i].missing);
        append_u(o, "gap_events", d.feeds[i].gap_events);
        append_u(o, "late_accepted", d.feeds[i].late_accepted);
        append_u(o, "sequence_resets", d.feeds[i].sequence_resets);
        append_by_suspect_reason(o, "suspect_datagrams", d.feeds[i].suspect_datagrams);
        append_by_suspect_reason(o, "suspect_messages", d.feeds[i].suspect_messages);
        append_u(o, "events_late", d.feeds[i].events_late);
        append_u(o, "events_ahead", d.feeds[i].events_ahead);
        o += '}';
    }
    o += "],\"workers_detail\":[";
    for (std::size_t w = 0; w < d.per_worker.size(); ++w) {
        o += w ? ",{" : "{";
        append_u(o, "txns", d.per_worker[w].txns, false);
        append_u(o, "verdicts", d.per_worker[w].verdicts);
        append_u(o, "alerts", d.per_worker[w].alerts);
        o += '}';
    }
    o += ']';
    auto map_json = [&o](const char* name, const std::map<std::string, uint64_t>& m) {
        o += ",\"";
        o += name;
        o += "\":{";
        bool f = true;
        for (const auto& [k, v] : m) {
            o += f ? "\"" : ",\"";
            json_escape_append(o, k);
            o += "\":" + std::to_string(v);
            f = false;
        }
        o += '}';
    };
    map_json("alerts_by_rule", s.alerts_by_rule);
    map_json("rule_hits", s.rule_hits);
    map_json("decisions", s.decisions);
    std::map<std::string, uint64_t> rejects;
    for (std::size_t i = 1; i < reject_reason_count; ++i)
        if (d.rx.rejects[i]) rejects[std::string(reject_table[i].name)] = d.rx.rejects[i];
    map_json("rejects_by_reason", rejects);
    o += ",\"reloads\":{";
    append_u(o, "rules_ok", _reloads[0][0].load(), false);
    append_u(o, "rules_refused", _reloads[0][1].load());
    append_u(o, "patterns_ok", _reloads[1][0].load());
    append_u(o, "patterns_refused", _reloads[1][1].load());
    o += "}}";
    return o;
}

std::string appliance_admin::rules_text() {
    std::lock_guard g(_rules_mutex);
    return _rules_text;
}

put_result appliance_admin::put_rules(std::string_view body) {
    std::lock_guard g(_rules_mutex);
    put_result r;
    ruleset_publish_result p = _rules.load(body, "PUT /api/v1/rules");
    if (!p.ok()) {
        r.error = p.error;
        r.version = _rules.version();
        ++_reloads[0][1];
        _generation.fetch_add(1);
        return r;
    }
    _rules_text.assign(body);
    _generation.fetch_add(1);
    r.ok = true;
    r.version = p.version;
    ++_reloads[0][0];
    return r;
}

std::string appliance_admin::patterns_text() { return _hooks.patterns_text ? _hooks.patterns_text() : std::string(); }

put_result appliance_admin::put_patterns(std::string_view body) {
    put_result r;
    if (!_hooks.put_patterns) {
        r.error = "pattern screening is not available in this build";
        ++_reloads[1][1];
        return r;
    }
    r = _hooks.put_patterns(body);
    ++_reloads[1][r.ok ? 0 : 1];
    _generation.fetch_add(1);
    return r;
}

std::optional<std::string> appliance_admin::card_velocity_json(std::string_view key) {
    uint8_t token[card_token_bytes];
    bool is_pan = key.size() >= 12 && key.size() <= 19;
    for (char c : key) is_pan &= c >= '0' && c <= '9';
    if (is_pan) {
        _tokenizer.tokenize_pan(key.data(), key.size(), token);
    } else if (key.size() != 2 * card_token_bytes || !token_from_hex(key, token)) {
        return std::nullopt;
    }
    bool timed_out = false;
    auto json = _lookups.card_json(token, std::chrono::milliseconds(2000), &timed_out);
    if (!json || !is_pan) return json;
    // Asked by PAN: add the masked form (BIN and last 4), never the PAN itself.
    std::string masked(key.substr(0, 6));
    masked.append(key.size() - 10, '*');
    masked.append(key.substr(key.size() - 4));
    json->insert(json->size() - 1, ",\"masked_pan\":\"" + masked + "\"");
    return json;
}

std::string appliance_admin::drain() {
    const bool already = _drain.exchange(true);
    _generation.fetch_add(1);
    std::lock_guard g(_mutex);
    std::string o = "{\"draining\":true,\"already\":";
    o += already ? "true" : "false";
    append_u(o, "verdicts_so_far", _snap.verdicts);
    o += '}';
    return o;
}

}  // namespace txscreen
