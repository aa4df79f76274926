#include "controlplane/appliance/metric_catalog.h"

#include "screen/screen_types.h"
#include "controlplane/appliance/build_version.h"

namespace txscreen {

namespace {

using C = const appliance_counters&;
using S = metric_samples&;
constexpr auto counter = metric_type::counter;
constexpr auto gauge = metric_type::gauge;
constexpr const char* key_names[velocity_key_count] = {"card", "merchant", "device", "ip"};
constexpr const char* decision_names[3] = {"allow", "review", "block"};

bool with_kafka(C c) { return c.kafka.has_value(); }
bool with_outbox(C c) { return c.kafka && c.kafka->have_outbox; }
bool with_spool(C c) { return c.spool.has_value(); }
bool with_s3(C c) { return c.s3.has_value(); }
bool with_lake(C c) { return c.lake.has_value(); }
bool with_cases(C c) { return c.cases.has_value(); }
bool with_webhooks(C c) { return !c.webhooks.empty(); }

template <typename F>
void per_webhook(C c, S s, F value) {
    for (const auto& w : c.webhooks) s.add(w.name, value(w.counters));
}
bool with_aggregates(C c) { return c.aggregates.has_value(); }
bool with_spikes(C c) { return c.spikes.has_value(); }
bool with_tcp(C c) {
    for (const auto& f : c.dp.feeds)
        if (f.tcp_feed) return true;
    return false;
}

std::string worker_name(std::size_t w) { return "worker" + std::to_string(w); }

template <typename F>
void per_port(C c, S s, F value) {
    for (const auto& p : c.dp.ports) s.add(p.name, value(p));
}
template <typename F>
void per_feed(C c, S s, F value) {
    for (const auto& f : c.dp.feeds) s.add(f.name, value(f));
}
template <typename F>
void per_worker(C c, S s, F value) {
    for (std::size_t w = 0; w < c.dp.per_worker.size(); ++w) s.add(worker_name(w), value(c.dp.per_worker[w]));
}
// TCP feeds only: the reassembler's and the pairing table's counters.
template <typename F>
void per_tcp_feed(C c, S s, F value) {
    for (const auto& f : c.dp.feeds)
        if (f.tcp_feed) s.add(f.name, value(f.tcp));
}
#define TCP_STREAM(field) [](C c, S s) { per_tcp_feed(c, s, [](const feed_tcp_counters& t) { return t.stream.field; }); }
#define TCP_PAIRING(field) [](C c, S s) { per_tcp_feed(c, s, [](const feed_tcp_counters& t) { return t.pairing.field; }); }
void per_segment_kind(C c, S s) {
    for (const auto& f : c.dp.feeds) {
        if (!f.tcp_feed) continue;
        s.add(f.name, "in_order", f.tcp.stream.segments_in_order);
        s.add(f.name, "out_of_order", f.tcp.stream.segments_out_of_order);
        s.add(f.name, "retransmitted", f.tcp.stream.segments_retransmitted);
    }
}
void per_close_cause(C c, S s) {
    for (const auto& f : c.dp.feeds) {
        if (!f.tcp_feed) continue;
        const tcp_counters& t = f.tcp.stream;
        s.add(f.name, "reset", t.connections_reset);
        s.add(f.name, "evicted", t.connections_evicted);
        s.add(f.name, "timed_out", t.connections_timed_out);
        s.add(f.name, "ended",
              t.connections_closed - t.connections_reset - t.connections_evicted - t.connections_timed_out);
    }
}

void per_suspect_reason(C c, S s, std::array<uint64_t, sequence_suspect_count> dp_feed_stats::*counts) {
    for (const auto& f : c.dp.feeds)
        for (std::size_t r = 1; r < sequence_suspect_count; ++r) s.add(f.name, sequence_suspect_names[r], (f.*counts)[r]);
}
template <typename F>
void per_velocity_key(C c, S s, F value) {
    for (unsigned k = 0; k < velocity_key_count; ++k) s.add(key_names[k], value(c.velocity, k));
}
void per_name(const std::map<std::string, uint64_t>& m, S s) {
    for (const auto& [name, n] : m) s.add(name, n);
}
template <typename F>
void per_topic(C c, S s, F value) {
    for (std::size_t t = 0; t < kafka_topic_count; ++t)
        s.add(kafka_topic_label(static_cast<kafka_topic>(t)), value(c.kafka->topic[t]));
}
template <typename F>
void per_table(S s, F value) {
    for (std::size_t t = 0; t < spool_table_count; ++t) s.add(spool_table_name(static_cast<spool_table>(t)), value(t));
}

// Adding a counter: one row here (name, type, help, JSON path, labels, how to read it).
const metric_def catalog[] = {
    // ---- ports (rte_eth_stats)
    {"txscreen_port_rx_packets_total", counter, "Packets received by the port (ipackets)", "ports.*.ipackets", {"port"},
     [](C c, S s) { per_port(c, s, [](const dp_port_stats& p) { return p.ipackets; }); }},
    {"txscreen_port_rx_bytes_total", counter, "Bytes received by the port", "ports.*.ibytes", {"port"},
     [](C c, S s) { per_port(c, s, [](const dp_port_stats& p) { return p.ibytes; }); }},
    {"txscreen_port_imissed_total", counter, "Packets the NIC dropped because rx queues were full", "ports.*.imissed",
     {"port"}, [](C c, S s) { per_port(c, s, [](const dp_port_stats& p) { return p.imissed; }); }, nullptr,
     view_drop, "imissed"},
    {"txscreen_port_rx_nombuf_total", counter, "Packets dropped for lack of mbufs", "ports.*.rx_nombuf", {"port"},
     [](C c, S s) { per_port(c, s, [](const dp_port_stats& p) { return p.rx_nombuf; }); }, nullptr, view_drop,
     "rx_nombuf"},
    {"txscreen_port_ierrors_total", counter, "Bad frames", "ports.*.ierrors", {"port"},
     [](C c, S s) { per_port(c, s, [](const dp_port_stats& p) { return p.ierrors; }); }},

    // ---- rx lcores: packets, feeds, framing, decoding
    {"txscreen_rx_packets_total", counter, "Packets taken off rx queues by the rx lcores", "rx_packets", {},
     [](C c, S s) { s.add(c.dp.rx.rx_packets); }, nullptr, view_throughput, "rx_packets"},
    {"txscreen_non_feed_packets_total", counter, "Packets matching no feed, by reason", "non_feed_packets.*", {"reason"},
     [](C c, S s) {
         for (std::size_t i = 1; i < packet_drop_count; ++i) s.add(packet_drop_names[i], c.dp.rx.drops[i]);
     },
     nullptr, view_drop, "non_feed_packets"},
    {"txscreen_feed_packets_total", counter, "Datagrams that matched a feed", "feed_packets", {},
     [](C c, S s) { s.add(c.dp.rx.feed_packets); }, nullptr, view_throughput, "feed_packets"},
    {"txscreen_feed_messages_total", counter, "Messages framed out of feed datagrams", "feed_messages", {},
     [](C c, S s) { s.add(c.dp.rx.feed_messages); }, nullptr, view_throughput, "feed_messages"},
    {"txscreen_feed_duplicates_total", counter, "Duplicate messages (A/B arbitration losers, retransmits)",
     "duplicates", {}, [](C c, S s) { s.add(c.dp.rx.duplicates); }},
    {"txscreen_framing_errors_total", counter, "Datagrams whose framing broke", "framing_errors", {},
     [](C c, S s) { s.add(c.dp.rx.framing_errors); }},
    {"txscreen_heartbeats_total", counter, "MoldUDP64 heartbeats (datagrams with no message)", "heartbeats", {},
     [](C c, S s) { s.add(c.dp.rx.heartbeats); }},
    {"txscreen_rx_handoff_stalls_total", counter, "rx polls skipped because a worker ring was full", "handoff_stalls",
     {}, [](C c, S s) { s.add(c.dp.rx.handoff_stalls); }},
    {"txscreen_feed_gaps_total", counter, "Sequence gaps detected, by feed", "feeds.*.gap_events", {"feed"},
     [](C c, S s) { per_feed(c, s, [](const dp_feed_stats& f) { return f.gap_events; }); }},
    {"txscreen_feed_gap_messages_total", counter, "Messages missing in sequence gaps, by feed", "feeds.*.missing",
     {"feed"}, [](C c, S s) { per_feed(c, s, [](const dp_feed_stats& f) { return f.missing; }); }, nullptr,
     view_drop, "feed_gaps"},
    {"txscreen_feed_out_of_order_total", counter, "Late messages accepted, by feed", "feeds.*.late_accepted", {"feed"},
     [](C c, S s) { per_feed(c, s, [](const dp_feed_stats& f) { return f.late_accepted; }); }},
    {"txscreen_feed_suspect_datagrams_total", counter,
     "MoldUDP64 datagrams held back: implausible sequence range (docs/feeds.md), by feed and reason",
     "feeds.*.suspect_datagrams.*", {"feed", "reason"},
     [](C c, S s) { per_suspect_reason(c, s, &dp_feed_stats::suspect_datagrams); }},
    {"txscreen_feed_suspect_messages_total", counter,
     "Messages of datagrams held back as suspect (not scored), by feed and reason", "feeds.*.suspect_messages.*",
     {"feed", "reason"}, [](C c, S s) { per_suspect_reason(c, s, &dp_feed_stats::suspect_messages); }},
    {"txscreen_feed_sequence_resets_total", counter,
     "Confirmed sequence jumps: a MoldUDP64 session re-based onto a new range, by feed", "feeds.*.sequence_resets",
     {"feed"}, [](C c, S s) { per_feed(c, s, [](const dp_feed_stats& f) { return f.sequence_resets; }); }},
    {"txscreen_events_late_total", counter,
     "Transactions older than the shard watermark - allowed_lateness (scored, not in velocity), by feed",
     "feeds.*.events_late", {"feed"},
     [](C c, S s) { per_feed(c, s, [](const dp_feed_stats& f) { return f.events_late; }); }},
    {"txscreen_events_ahead_total", counter,
     "Transactions dated beyond the receive clock + max_future_skew (scored, not in velocity), by feed",
     "feeds.*.events_ahead", {"feed"},
     [](C c, S s) { per_feed(c, s, [](const dp_feed_stats& f) { return f.events_ahead; }); }},
    {"txscreen_decoded_total", counter, "Messages decoded into a transaction", "decoded", {},
     [](C c, S s) { s.add(c.dp.rx.decoded); }, nullptr, view_throughput, "decoded"},
    {"txscreen_rejects_total", counter, "Messages rejected by the decoder, by reason", "rejects.*", {"reason"},
     [](C c, S s) {
         for (std::size_t i = 1; i < reject_reason_count; ++i) s.add(reject_table[i].name, c.dp.rx.rejects[i]);
     },
     nullptr, view_throughput, "rejected"},
    {"txscreen_text_truncations_total", counter, "Transactions with a text field cut to its fixed size",
     "truncated_fields", {}, [](C c, S s) { s.add(c.dp.rx.truncated_fields); }},
    {"txscreen_pans_masked_total", counter, "PANs masked in decoded text fields (a producer sends card numbers in text)",
     "pans_masked", {}, [](C c, S s) { s.add(c.dp.rx.pans_masked); }},

    // ---- TCP feeds (docs/feeds.md, "TCP feeds"): reassembly, framing, pairing
    {"txscreen_tcp_responses_total", counter, "TCP responses decoded and offered to pairing (not scored)", "responses",
     {}, [](C c, S s) { s.add(c.dp.rx.responses); }, with_tcp},
    {"txscreen_tcp_outcomes_total", counter, "Paired requests sent to their card's worker as issuer outcomes",
     "outcomes", {}, [](C c, S s) { s.add(c.dp.rx.outcomes); }, with_tcp},
    {"txscreen_tcp_network_messages_total", counter, "Network management messages (08xx) on TCP feeds, not screened",
     "network_messages", {}, [](C c, S s) { s.add(c.dp.rx.network_messages); }, with_tcp},
    {"txscreen_outcomes_consumed_total", counter, "Issuer outcomes taken off the ring by the controlplane",
     "outcomes_consumed", {}, [](C c, S s) { s.add(c.outcomes_consumed); }, with_tcp},
    {"txscreen_tcp_connections_opened_total", counter, "TCP connections followed (handshake seen or picked up)",
     "feeds.*.tcp.connections", {"feed"}, TCP_STREAM(connections_opened), with_tcp},
    {"txscreen_tcp_connections_closed_total", counter, "TCP connections ended, by cause", "feeds.*.tcp.closed.*",
     {"feed", "cause"}, per_close_cause, with_tcp},
    {"txscreen_tcp_connections_open", gauge, "TCP connections followed now", "feeds.*.tcp.open", {"feed"},
     [](C c, S s) {
         per_tcp_feed(c, s, [](const feed_tcp_counters& t) {
             return t.stream.connections_opened - t.stream.connections_closed;
         });
     },
     with_tcp},
    {"txscreen_tcp_connections_refused_total", counter, "New connections not followed: flow table full",
     "feeds.*.tcp.refused", {"feed"}, TCP_STREAM(connections_refused), with_tcp, view_drop, "tcp_refused"},
    {"txscreen_tcp_segments_total", counter, "TCP payload segments, by kind", "feeds.*.tcp.segments.*",
     {"feed", "kind"}, per_segment_kind, with_tcp},
    {"txscreen_tcp_out_of_order_total", counter, "TCP segments held ahead of a hole", "feeds.*.tcp.out_of_order",
     {"feed"}, TCP_STREAM(segments_out_of_order), with_tcp},
    {"txscreen_tcp_retransmitted_total", counter, "TCP segments whose bytes had all been seen",
     "feeds.*.tcp.retransmitted", {"feed"}, TCP_STREAM(segments_retransmitted), with_tcp},
    {"txscreen_tcp_overlap_conflicts_total", counter, "Segments overlapping held bytes with different bytes",
     "feeds.*.tcp.overlap_conflicts", {"feed"}, TCP_STREAM(overlap_conflicts), with_tcp},
    {"txscreen_tcp_payload_bytes_total", counter, "TCP payload bytes received", "feeds.*.tcp.payload_bytes",
     {"feed"}, TCP_STREAM(payload_bytes), with_tcp},
    {"txscreen_tcp_message_bytes_total", counter, "Bytes framed into messages (length prefix and header included)",
     "feeds.*.tcp.message_bytes", {"feed"}, TCP_STREAM(message_bytes), with_tcp},
    {"txscreen_tcp_duplicate_bytes_total", counter, "Payload bytes already seen (retransmits, overlaps)",
     "feeds.*.tcp.duplicate_bytes", {"feed"}, TCP_STREAM(duplicate_bytes), with_tcp},
    {"txscreen_tcp_discarded_bytes_total", counter,
     "Bytes received but in no message: partial messages at a gap, skipped while resynchronising, bad lengths",
     "feeds.*.tcp.discarded_bytes", {"feed"}, TCP_STREAM(discarded_bytes), with_tcp, view_drop, "tcp_discarded_bytes"},
    {"txscreen_tcp_buffered_bytes", gauge, "Payload bytes held now (partial messages, out of order)",
     "feeds.*.tcp.buffered_bytes", {"feed"}, TCP_STREAM(buffered_bytes), with_tcp, view_backlog, "tcp_buffered_bytes"},
    {"txscreen_tcp_gap_bytes_total", counter, "Sequence space the tap never delivered (lost segments)",
     "feeds.*.tcp.gap_bytes", {"feed"}, TCP_STREAM(gap_bytes), with_tcp, view_drop, "tcp_gap_bytes"},
    {"txscreen_tcp_gaps_total", counter, "Holes given up on", "feeds.*.tcp.gaps", {"feed"}, TCP_STREAM(gaps), with_tcp},
    {"txscreen_tcp_resyncs_total", counter, "Message boundaries found again by hunting (after a gap or pickup)",
     "feeds.*.tcp.resyncs", {"feed"}, TCP_STREAM(resyncs), with_tcp},
    {"txscreen_tcp_hunts_cut_total", counter,
     "Hunts that gave up a segment's bytes after 32 candidate field walks (a stream crafted to look like message starts)",
     "feeds.*.tcp.hunts_cut", {"feed"}, TCP_STREAM(hunts_cut), with_tcp, view_drop, "tcp_hunts_cut"},
    {"txscreen_tcp_messages_total", counter, "Messages framed out of TCP streams", "feeds.*.tcp.messages", {"feed"},
     TCP_STREAM(messages), with_tcp},
    {"txscreen_tcp_partial_messages_dropped_total", counter, "Messages cut by a gap, an RST, the memcap or the end",
     "feeds.*.tcp.partial_messages_dropped", {"feed"}, TCP_STREAM(partial_messages_dropped), with_tcp, view_drop,
     "tcp_partial_messages"},
    {"txscreen_tcp_bad_length_total", counter, "Length headers of 0, beyond max_message or not digits",
     "feeds.*.tcp.bad_length", {"feed"}, TCP_STREAM(bad_length), with_tcp},
    {"txscreen_tcp_memcap_drops_total", counter, "Segments not held: the rx lcore's memcap was full",
     "feeds.*.tcp.memcap_drops", {"feed"}, TCP_STREAM(memcap_drops), with_tcp, view_drop, "tcp_memcap_drops"},
    {"txscreen_tcp_requests_total", counter, "Requests recorded for pairing", "feeds.*.tcp.requests", {"feed"},
     TCP_PAIRING(requests), with_tcp},
    {"txscreen_tcp_responses_by_feed_total", counter, "Responses offered to pairing", "feeds.*.tcp.responses",
     {"feed"}, TCP_PAIRING(responses), with_tcp},
    {"txscreen_tcp_paired_total", counter, "Responses paired with their request: one outcome each",
     "feeds.*.tcp.paired", {"feed"}, TCP_PAIRING(paired), with_tcp},
    {"txscreen_tcp_declined_total", counter, "Paired responses with a decline code (decline rate = declined / paired)",
     "feeds.*.tcp.declined", {"feed"}, TCP_PAIRING(declined), with_tcp},
    {"txscreen_tcp_unpaired_responses_total", counter, "Responses with no pending request", "feeds.*.tcp.unpaired_responses",
     {"feed"}, TCP_PAIRING(unpaired_responses), with_tcp},
    {"txscreen_tcp_late_responses_total", counter, "Unpaired: the request was past the response timeout",
     "feeds.*.tcp.late_responses", {"feed"}, TCP_PAIRING(late_responses), with_tcp},
    {"txscreen_tcp_timed_out_total", counter, "Requests unanswered within the response timeout", "feeds.*.tcp.timed_out",
     {"feed"}, TCP_PAIRING(timed_out), with_tcp},
    {"txscreen_tcp_abandoned_total", counter, "Pending requests of a connection that ended", "feeds.*.tcp.abandoned",
     {"feed"}, TCP_PAIRING(abandoned), with_tcp},
    {"txscreen_tcp_duplicate_requests_total", counter, "Requests with the key of a pending one (the first is kept)",
     "feeds.*.tcp.duplicate_requests", {"feed"}, TCP_PAIRING(duplicate_requests), with_tcp},
    {"txscreen_tcp_unkeyed_requests_total", counter, "Requests without a STAN: screened, never paired",
     "feeds.*.tcp.unkeyed_requests", {"feed"}, TCP_PAIRING(unkeyed_requests), with_tcp},
    {"txscreen_tcp_pending_evicted_total", counter, "Pending requests evicted, oldest first: pairing table full",
     "feeds.*.tcp.pending_evicted", {"feed"}, TCP_PAIRING(table_full), with_tcp, view_drop, "tcp_pending_evicted"},

    // ---- worker lcores and engines
    {"txscreen_lcore_messages_total", counter, "Transactions scored by the worker lcore", "workers.*.txns", {"lcore"},
     [](C c, S s) { per_worker(c, s, [](const worker_counters& w) { return w.txns; }); }},
    {"txscreen_lcore_verdicts_total", counter, "Verdicts the worker lcore put on the controlplane ring",
     "workers.*.verdicts", {"lcore"}, [](C c, S s) { per_worker(c, s, [](const worker_counters& w) { return w.verdicts; }); }},
    {"txscreen_lcore_alerts_total", counter, "Alerts among the worker lcore's verdicts", "workers.*.alerts", {"lcore"},
     [](C c, S s) { per_worker(c, s, [](const worker_counters& w) { return w.alerts; }); }},
    {"txscreen_lcore_handoff_full_total", counter, "Times the verdict ring was full and the worker paused",
     "workers.*.verdict_stalls", {"lcore"},
     [](C c, S s) { per_worker(c, s, [](const worker_counters& w) { return w.verdict_stalls; }); }, nullptr, view_drop,
     "handoff_full"},
    {"txscreen_worker_verdicts_total", counter, "Verdicts the workers put on the controlplane ring", "verdicts", {},
     [](C c, S s) { s.add(c.dp.work.verdicts); }, nullptr, view_throughput, "verdicts"},
    {"txscreen_screened_total", counter, "Transactions scanned by a pattern database", "screened", {},
     [](C c, S s) { s.add(c.screened); }},
    {"txscreen_velocity_declines_total", counter,
     "Issuer declines (TCP outcomes) entered into their card's velocity state (declines, decline_burst)",
     "velocity.declines", {}, [](C c, S s) { s.add(c.declines); }, with_tcp},
    {"txscreen_velocity_declines_unplaced_total", counter,
     "Of those, declines whose request is no longer among the card's 8 newest events (or was never applied)",
     "velocity.declines_unplaced", {}, [](C c, S s) { s.add(c.declines_unplaced); }, with_tcp},
    {"txscreen_screen_errors_total", counter, "Pattern scans that failed (the transaction is scored unscreened)",
     "screen_errors", {}, [](C c, S s) { s.add(c.screen_errors); }},
    {"txscreen_screen_cache_hits_total", counter,
     "Merchant field texts whose scan the worker's scan cache held (not scanned again)", "screen_cache.hits", {},
     [](C c, S s) { s.add(c.screen_cache_hits); }},
    {"txscreen_screen_cache_misses_total", counter, "Merchant field texts the scan cache did not hold (scanned)",
     "screen_cache.misses", {}, [](C c, S s) { s.add(c.screen_cache_misses); }},
    {"txscreen_velocity_capacity", gauge, "Velocity table slots, summed over workers", "velocity.capacity.*", {"key"},
     [](C c, S s) { per_velocity_key(c, s, [](const auto& v, unsigned k) { return v.capacity[k]; }); }},
    // Occupied slots: an insert fills one; a sweep of an expired entry or a displacement
    // frees one (reuse in place does both).
    {"txscreen_velocity_entries", gauge, "Velocity table slots in use, summed over workers", "velocity.entries.*",
     {"key"}, [](C c, S s) {
         per_velocity_key(c, s, [](const auto& v, unsigned k) { return v.inserted[k] - v.expired_reused[k] - v.evicted[k]; });
     }},
    {"txscreen_velocity_inserted_total", counter, "Keys inserted into the velocity tables", "velocity.inserted.*",
     {"key"}, [](C c, S s) { per_velocity_key(c, s, [](const auto& v, unsigned k) { return v.inserted[k]; }); }},
    {"txscreen_velocity_evictions_total", counter, "Live entries evicted because the table was full",
     "velocity.evictions.*", {"key"},
     [](C c, S s) { per_velocity_key(c, s, [](const auto& v, unsigned k) { return v.evicted[k]; }); }, nullptr,
     view_drop, "velocity_evictions"},

    // ---- verdicts as the controlplane consumed them
    {"txscreen_verdicts_consumed_total", counter, "Verdicts taken off the ring by the controlplane",
     "verdicts_consumed", {}, [](C c, S s) { s.add(c.verdicts_consumed); }},
    {"txscreen_verdicts_total", counter, "Verdicts consumed by the controlplane, by decision", "decisions.*",
     {"decision"}, [](C c, S s) {
         for (unsigned d = 0; d < 3; ++d) s.add(decision_names[d], c.decisions[d]);
     }},
    {"txscreen_rejects_consumed_total", counter, "Reject records taken off the ring by the controlplane",
     "rejects_consumed", {}, [](C c, S s) { s.add(c.rejects_consumed); }},
    {"txscreen_alerts_total", counter, "Verdicts with score >= the alert threshold", "alerts", {},
     [](C c, S s) { s.add(c.alerts); }, nullptr, view_throughput, "alerts"},
    {"txscreen_alerts_by_rule_total", counter, "Alerts by their top reason's rule", "alerts_by_rule.*", {"rule"},
     [](C c, S s) { per_name(c.alerts_by_rule, s); }},
    {"txscreen_rule_hits_total", counter, "Verdicts each rule contributed a reason to", "rule_hits.*", {"rule"},
     [](C c, S s) { per_name(c.rule_hits, s); }},
    {"txscreen_pattern_hits_total", counter, "Verdicts with a pattern match, by category", "pattern_hits.*",
     {"category"}, [](C c, S s) {
         for (int k = 0; k < pattern_category_count; ++k) s.add(pattern_category_names[k], c.category_hits[k]);
     }},
    {"txscreen_ruleset_version", gauge, "Live ruleset version", "ruleset_version", {},
     [](C c, S s) { s.add(c.ruleset_version); }},
    {"txscreen_patterns_version", gauge, "Live pattern database version (0: no screening)", "patterns_version", {},
     [](C c, S s) { s.add(c.patterns_version); }},
    {"txscreen_reloads_total", counter, "Hot reloads through the admin API", "reloads.*_*", {"what", "result"},
     [](C c, S s) {
         constexpr const char* what_names[3] = {"rules", "patterns", "model"};
         for (int what = 0; what < 3; ++what)
             for (int ok = 0; ok < 2; ++ok) s.add(what_names[what], ok ? "refused" : "ok", c.reloads[what][ok]);
     }},

    // ---- Kafka
    {"txscreen_kafka_produced_total", counter, "Records accepted by the Kafka producer", "kafka.*_produced", {"topic"},
     [](C c, S s) { per_topic(c, s, [](const kafka_topic_counters& t) { return t.produced; }); }, with_kafka},
    {"txscreen_kafka_acked_total", counter, "Records acknowledged by the brokers (acks=all)", "kafka.*_acked",
     {"topic"}, [](C c, S s) { per_topic(c, s, [](const kafka_topic_counters& t) { return t.acked; }); }, with_kafka},
    {"txscreen_kafka_failed_total", counter, "Records whose delivery failed", "kafka.*_failed", {"topic"},
     [](C c, S s) { per_topic(c, s, [](const kafka_topic_counters& t) { return t.failed; }); }, with_kafka},
    {"txscreen_kafka_pending_messages", gauge, "Records queued or in flight", "kafka.*_pending", {"topic"},
     [](C c, S s) { per_topic(c, s, [](const kafka_topic_counters& t) { return t.pending(); }); }, with_kafka,
     view_backlog, "kafka_pending"},
    {"txscreen_kafka_backpressure_total", counter, "Records refused because the backlog was full",
     "kafka.*_backpressure", {"topic"},
     [](C c, S s) { per_topic(c, s, [](const kafka_topic_counters& t) { return t.backpressure; }); }, with_kafka},
    {"txscreen_kafka_saved_total", counter, "Alerts whose delivery failed, saved to the outbox instead",
     "kafka.*_saved", {"topic"},
     [](C c, S s) { s.add("alerts", (*c.kafka)[kafka_topic::alerts].saved); }, with_kafka},
    {"txscreen_kafka_waiting_alerts", gauge, "Alerts held until the Kafka producer takes them (rx paused)",
     "kafka.alerts_waiting", {}, [](C c, S s) { s.add(c.kafka->waiting); }, with_kafka, view_backlog,
     "kafka_waiting"},
    {"txscreen_kafka_backpressure_waits_total", counter, "Times a held alert was refused again (backlog still full)",
     "kafka.backpressure_waits", {}, [](C c, S s) { s.add(c.kafka->backpressure_waits); }, with_kafka},
    {"txscreen_kafka_alerts_dropped_total", counter,
     "Alerts the producer refused outright (fatal error, too large) that no outbox took: lost", "kafka.alerts_dropped",
     {}, [](C c, S s) { s.add(c.kafka->alerts_dropped); }, with_kafka},
    {"txscreen_kafka_embedded_retention_deleted_total", counter,
     "Records the embedded broker deleted by retention (its bounded backlog; not loss)",
     "kafka.embedded_retention_deleted", {}, [](C c, S s) { s.add(c.kafka->retention_deleted); }, with_kafka},
    {"txscreen_kafka_outbox_alerts", gauge, "Alerts in the on-disk outbox, not handed to Kafka yet",
     "kafka.outbox_backlog", {}, [](C c, S s) { s.add(c.kafka->outbox.backlog); }, with_outbox, view_backlog,
     "kafka_outbox"},
    {"txscreen_kafka_outbox_bytes", gauge, "Bytes of outbox segment files", "kafka.outbox_bytes", {},
     [](C c, S s) { s.add(c.kafka->outbox.bytes); }, with_outbox},
    {"txscreen_kafka_outbox_spilled_total", counter, "Alerts saved to the outbox because the backlog was full",
     "kafka.alerts_spilled", {}, [](C c, S s) { s.add(c.kafka->spilled); }, with_outbox},
    {"txscreen_kafka_outbox_replayed_total", counter, "Outbox alerts handed to the Kafka producer",
     "kafka.outbox_replayed", {}, [](C c, S s) { s.add(c.kafka->replayed); }, with_outbox},
    {"txscreen_kafka_outbox_recovered_total", counter, "Outbox alerts found at start from an earlier run",
     "kafka.outbox_recovered", {}, [](C c, S s) { s.add(c.kafka->outbox.recovered); }, with_outbox},
    {"txscreen_kafka_outbox_lost_total", counter, "Alerts the outbox could not save (disk full, I/O error)",
     "kafka.outbox_lost", {}, [](C c, S s) { s.add(c.kafka->outbox.lost); }, with_outbox},
    {"txscreen_kafka_outbox_full_total", counter,
     "Alerts refused because the outbox reached kafka.outbox_max_size (held, rx paused)", "kafka.outbox_full", {},
     [](C c, S s) { s.add(c.kafka->outbox_full); }, with_outbox},

    // ---- spool and S3
    {"txscreen_spool_records_total", counter, "Records appended to the spool, by table", "spool.records.*", {"table"},
     [](C c, S s) { per_table(s, [&](std::size_t t) { return c.spool->appended[t]; }); }, with_spool},
    {"txscreen_spool_durable_total", counter, "Records fsynced, by table", "spool.durable.*", {"table"},
     [](C c, S s) { per_table(s, [&](std::size_t t) { return c.spool->durable[t]; }); }, with_spool},
    {"txscreen_spool_refused_total", counter,
     "Appends refused: spool not writable, or over its disk budget with no uploader", "spool.refused", {},
     [](C c, S s) { s.add(c.spool->refused); }, with_spool, view_drop, "spool_refused"},
    {"txscreen_spool_lost_total", counter, "Records accepted but never made durable (I/O error)", "spool.lost", {},
     [](C c, S s) { s.add(c.spool->lost); }, with_spool},
    {"txscreen_spool_files_total", counter, "Spool files completed (fsynced and renamed)", "spool.files", {},
     [](C c, S s) { s.add(c.spool->files_completed); }, with_spool},
    {"txscreen_spool_writable", gauge, "1 when the spool directory accepts appends", "spool.writable", {},
     [](C c, S s) { s.add(c.spool->writable ? 1 : 0); }, with_spool},
    {"txscreen_spool_disk_bytes", gauge, "Bytes of spool files on disk (spool.max_bytes budgets them)",
     "spool.disk_bytes", {}, [](C c, S s) { s.add(c.spool->disk_bytes); }, with_spool},
    {"txscreen_spool_max_bytes", gauge, "The spool's disk budget, spool.max_bytes", "spool.max_bytes", {},
     [](C c, S s) { s.add(c.spool->max_disk_bytes); }, with_spool},
    {"txscreen_spool_over_budget", gauge, "1 while the spool's files reach its disk budget", "spool.over_budget", {},
     [](C c, S s) { s.add(c.spool->over_budget ? 1 : 0); }, with_spool},
    {"txscreen_spool_budget_waits_total", counter,
     "Times rx was paused because the spool reached its disk budget (an uploader drains it)", "spool.budget_waits", {},
     [](C c, S s) { s.add(c.spool->budget_waits); }, with_spool},
    {"txscreen_spool_budget_refused_total", counter,
     "Rows refused because the spool reached its disk budget with no uploader (also in refused)",
     "spool.budget_refused", {}, [](C c, S s) { s.add(c.spool->budget_refused); }, with_spool},
    {"txscreen_spool_files_pending", gauge, "Completed spool files not yet uploaded", "s3.files_pending", {},
     [](C c, S s) { s.add(c.s3->backlog_files); }, with_s3, view_backlog, "spool_files_pending"},
    {"txscreen_s3_pending_bytes", gauge, "Bytes of completed spool files not yet uploaded", "s3.pending_bytes", {},
     [](C c, S s) { s.add(c.s3->backlog_bytes); }, with_s3, view_backlog, "s3_pending_bytes"},
    {"txscreen_s3_uploads_total", counter, "Upload attempts by result", "s3.uploads.*", {"result"},
     [](C c, S s) {
         s.add("ok", c.s3->uploaded_files);
         s.add("retry", c.s3->retries);
         s.add("failed", c.s3->failures);
     },
     with_s3},
    {"txscreen_s3_vanished_total", counter, "Queued spool files gone from the spool before their upload (moved away)",
     "s3.vanished", {}, [](C c, S s) { s.add(c.s3->vanished); }, with_s3},
    // The lake compactor: Parquet copies of closed hours, data-quality reports (docs/lake.md)
    {"txscreen_lake_hours_compacted_total", counter, "Hour partitions turned into Parquet (again when late files came)",
     "lake.hours_compacted", {}, [](C c, S s) { s.add(c.lake->hours_compacted); }, with_lake},
    {"txscreen_lake_pending_hours", gauge, "Hours with files not yet in a Parquet copy", "lake.pending_hours", {},
     [](C c, S s) { s.add(c.lake->pending_hours); }, with_lake, view_backlog, "lake_pending_hours"},
    {"txscreen_lake_rows_total", counter, "Rows written to Parquet files", "lake.rows", {},
     [](C c, S s) { s.add(c.lake->rows); }, with_lake},
    {"txscreen_lake_parquet_files_total", counter, "Parquet files written", "lake.files_written", {},
     [](C c, S s) { s.add(c.lake->files_written); }, with_lake},
    {"txscreen_lake_parquet_bytes_total", counter, "Bytes of Parquet written", "lake.parquet_bytes", {},
     [](C c, S s) { s.add(c.lake->parquet_bytes); }, with_lake},
    {"txscreen_lake_avro_bytes_read_total", counter, "Bytes of Avro read to make them", "lake.input_bytes", {},
     [](C c, S s) { s.add(c.lake->input_bytes); }, with_lake},
    {"txscreen_lake_convert_milliseconds_total", counter, "Milliseconds spent converting (rows/s = rows / this * 1000)",
     "lake.convert_ms", {}, [](C c, S s) { s.add(static_cast<uint64_t>(c.lake->seconds * 1000)); }, with_lake},
    {"txscreen_lake_failures_total", counter, "Hour compactions that failed (retried 30 s later; lake.last_error says why)",
     "lake.failures", {}, [](C c, S s) { s.add(c.lake->failures); }, with_lake, view_drop, "lake_failures"},
    {"txscreen_dq_reports_total", counter, "Data-quality reports written (one per closed hour)", "dq.reports", {},
     [](C c, S s) { s.add(c.lake->dq_reports); }, with_lake},
    {"txscreen_dq_failed_reports_total", counter, "Data-quality reports with a failed check (each a dq alert)",
     "dq.failed_reports", {}, [](C c, S s) { s.add(c.lake->dq_failed_reports); }, with_lake, view_drop,
     "dq_failed_reports"},
    {"txscreen_dq_failed_checks_total", counter, "Failed data-quality checks", "dq.failed_checks", {},
     [](C c, S s) { s.add(c.lake->dq_failed_checks); }, with_lake},
    {"txscreen_dq_last_failed_checks", gauge, "Failed checks of the newest report", "dq.last_failed_checks", {},
     [](C c, S s) { s.add(c.lake->dq_last_failed_checks); }, with_lake},
    // Webhooks, by endpoint (docs/alerts.md, "Webhook delivery")
    {"txscreen_webhook_enqueued_total", counter, "Notifications saved to the endpoint's disk queue",
     "webhooks.*.enqueued", {"endpoint"}, [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.enqueued; }); },
     with_webhooks},
    {"txscreen_webhook_delivered_total", counter, "Notifications the endpoint answered 2xx for",
     "webhooks.*.delivered", {"endpoint"}, [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.delivered; }); },
     with_webhooks, view_throughput, "webhook_delivered"},
    {"txscreen_webhook_requests_total", counter, "HTTP requests made, retries included", "webhooks.*.requests",
     {"endpoint"}, [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.requests; }); }, with_webhooks},
    {"txscreen_webhook_retries_total", counter, "Requests that were a retry", "webhooks.*.retries", {"endpoint"},
     [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.retries; }); }, with_webhooks},
    {"txscreen_webhook_failures_total", counter, "Failed requests by class", "webhooks.*.failures.*",
     {"endpoint", "class"},
     [](C c, S s) {
         for (const auto& w : c.webhooks)
             for (int f = 1; f < webhook_failure_count; ++f)
                 s.add(w.name, webhook_failure_name(static_cast<webhook_failure>(f)), w.counters.failures[f]);
     },
     with_webhooks, view_drop, "webhook_failures"},
    {"txscreen_webhook_dead_letter_total", counter, "Notifications given up after the retries, kept in the dead-letter file",
     "webhooks.*.dead_lettered", {"endpoint"},
     [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.dead_lettered; }); }, with_webhooks, view_drop,
     "webhook_dead_lettered"},
    {"txscreen_webhook_lost_total", counter, "Notifications neither delivered nor dead-lettered (disk errors)",
     "webhooks.*.lost", {"endpoint"}, [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.lost; }); },
     with_webhooks, view_drop, "webhook_lost"},
    {"txscreen_webhook_suppressed_total", counter, "Alerts not sent: notify = \"case\" and no case notice",
     "webhooks.*.suppressed", {"endpoint"}, [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.suppressed; }); },
     with_webhooks},
    {"txscreen_webhook_refused_total", counter, "Notifications the disk queue could not take (disk full, render error)",
     "webhooks.*.refused", {"endpoint"}, [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.refused; }); },
     with_webhooks, view_drop, "webhook_refused"},
    {"txscreen_webhook_queue_notifications", gauge, "Notifications on disk not delivered yet",
     "webhooks.*.queue_backlog", {"endpoint"},
     [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.queue_backlog; }); }, with_webhooks, view_backlog,
     "webhook_queue"},
    {"txscreen_webhook_queue_bytes", gauge, "Bytes of the endpoint's queue files", "webhooks.*.queue_bytes",
     {"endpoint"}, [](C c, S s) { per_webhook(c, s, [](auto& w) { return w.queue_bytes; }); }, with_webhooks},
    {"txscreen_webhook_failing_since_seconds", gauge,
     "Unix time of the first failure of the endpoint's current run of failures (0 = healthy)",
     "webhooks.*.failing_since_s", {"endpoint"},
     [](C c, S s) {
         per_webhook(c, s, [](auto& w) { return static_cast<uint64_t>(w.failing_since_ms / 1000); });
     },
     with_webhooks},
    // Cases, aggregates and spikes (docs/alerts.md)
    {"txscreen_cases_opened_total", counter, "Cases opened: an alert on a card with no case open ([cases] window)",
     "cases.opened", {}, [](C c, S s) { s.add(c.cases->opened); }, with_cases, view_throughput, "cases_opened"},
    {"txscreen_case_alerts_attached_total", counter, "Alerts attached to a case already open", "cases.attached", {},
     [](C c, S s) { s.add(c.cases->attached); }, with_cases},
    {"txscreen_case_notices_total", counter, "Alerts stamped for notification (notify = \"case\"), by outcome",
     "cases.notices.*", {"outcome"},
     [](C c, S s) {
         s.add("sent", c.cases->notices);
         s.add("suppressed", c.cases->suppressed);
     },
     with_cases},
    {"txscreen_cases_closed_early_total", counter, "Cases dropped for cases.max_open before their window ended",
     "cases.closed_early", {}, [](C c, S s) { s.add(c.cases->closed_early); }, with_cases, view_drop, "cases_closed_early"},
    {"txscreen_case_alerts_unstamped_total", counter, "Alerts left without a case: no memory for one",
     "cases.unstamped", {}, [](C c, S s) { s.add(c.cases->unstamped); }, with_cases, view_drop, "cases_unstamped"},
    {"txscreen_cases_open", gauge, "Cases open now", "cases.open", {}, [](C c, S s) { s.add(c.cases->open); },
     with_cases},
    {"txscreen_aggregate_events_total", counter, "Verdicts, outcomes and rejects aggregated into windows",
     "aggregates.events", {}, [](C c, S s) { s.add(c.aggregates->events); }, with_aggregates},
    {"txscreen_aggregate_windows_closed_total", counter, "Aggregate windows closed and emitted",
     "aggregates.windows_closed", {}, [](C c, S s) { s.add(c.aggregates->windows_closed); }, with_aggregates},
    {"txscreen_aggregate_rows_total", counter, "Aggregate rows emitted, by kind", "aggregates.rows.*", {"kind"},
     [](C c, S s) {
         s.add("window", c.aggregates->rows);
         s.add("correction", c.aggregates->corrections);
     },
     with_aggregates},
    {"txscreen_aggregate_late_events_total", counter, "Events for windows already closed, sent as corrections",
     "aggregates.late_events", {}, [](C c, S s) { s.add(c.aggregates->late_events); }, with_aggregates},
    {"txscreen_aggregate_too_late_total", counter,
     "Events older than aggregates.max_correction_age behind the watermark: not aggregated", "aggregates.too_late", {},
     [](C c, S s) { s.add(c.aggregates->too_late); }, with_aggregates, view_drop, "aggregate_too_late"},
    {"txscreen_aggregate_ahead_total", counter,
     "Verdicts dated beyond their receive clock (velocity.max_future_skew): not aggregated", "aggregates.ahead", {},
     [](C c, S s) { s.add(c.aggregates->ahead); }, with_aggregates, view_drop, "aggregate_ahead"},
    {"txscreen_aggregate_merchants_folded_total", counter,
     "Events of merchants beyond aggregates.top_merchants in their window, counted under \"other\"",
     "aggregates.merchants_folded", {}, [](C c, S s) { s.add(c.aggregates->merchants_folded); }, with_aggregates},
    {"txscreen_aggregate_windows_closed_early_total", counter,
     "Windows closed before the watermark because aggregates.max_open_windows were open", "aggregates.closed_early",
     {}, [](C c, S s) { s.add(c.aggregates->closed_early); }, with_aggregates},
    {"txscreen_aggregate_state_errors_total", counter, "Aggregate state file writes that failed",
     "aggregates.state_errors", {}, [](C c, S s) { s.add(c.aggregates->state_errors); }, with_aggregates, view_drop,
     "aggregate_state_errors"},
    {"txscreen_aggregate_open_windows", gauge, "Aggregate windows open now", "aggregates.open_windows", {},
     [](C c, S s) { s.add(c.aggregates->open_windows); }, with_aggregates},
    {"txscreen_aggregate_watermark_seconds", gauge, "Event-time watermark (newest event - allowed lateness), Unix s",
     "aggregates.watermark_s", {},
     [](C c, S s) { s.add(static_cast<uint64_t>(c.aggregates->watermark_ms / 1000)); }, with_aggregates},
    {"txscreen_spikes_total", counter, "Spike events raised, by kind", "spikes.by_kind.*", {"kind"},
     [](C c, S s) {
         for (int k = 0; k < 5; ++k)
             s.add(spike_kind_name(static_cast<spike_event::spike_kind>(k)), c.spikes->spikes[k]);
     },
     with_spikes, view_throughput, "spikes"},
    {"txscreen_spike_windows_total", counter, "Closed windows the spike detector evaluated", "spikes.windows", {},
     [](C c, S s) { s.add(c.spikes->windows); }, with_spikes},
    {"txscreen_spike_baselines", gauge, "Keys with a spike baseline", "spikes.baselines", {},
     [](C c, S s) { s.add(c.spikes->keys); }, with_spikes},
};

const histogram_def latency{"txscreen_latency_seconds", "rx burst -> verdict on the controlplane ring", "latency_ns"};
const histogram_def issuer_response{"txscreen_tcp_issuer_response_seconds",
                                    "Request -> response on TCP feeds (issuer response time), by feed",
                                    "feeds.*.tcp.issuer_response_ns"};

}  // namespace

std::span<const metric_def> metric_catalog() { return catalog; }

const histogram_def& latency_metric() { return latency; }
const histogram_def& issuer_response_metric() { return issuer_response; }

std::string_view build_info_metric_name() { return "txscreen_build_info"; }

}  // namespace txscreen
