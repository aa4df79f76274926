#include "controlplane/appliance/identities.h"

namespace txscreen {

namespace {

uint64_t spool_rows(const spool_stats& s, spool_table t) { return s.appended[static_cast<std::size_t>(t)]; }

void add_dataplane(const appliance_counters& c, std::vector<identity_check>& out) {
    const rx_counters& rx = c.dp.rx;
    out.push_back({"packets", {"rx_packets", rx.rx_packets},
                   {{"feed_packets", rx.feed_packets}, {"non_feed_packets", rx.non_feed_packets}}});
    out.push_back({"messages", {"feed_messages", rx.feed_messages},
                   {{"decoded", rx.decoded}, {"responses", rx.responses},
                    {"network_messages", rx.network_messages}, {"rejected", rx.rejected},
                    {"duplicates", rx.duplicates}, {"suspect_messages", rx.suspect_messages}}});
    out.push_back({"scored", {"txns", c.dp.work.txns}, {{"decoded", rx.decoded}, {"outcomes", rx.outcomes}}});
    out.push_back({"verdicts", {"txns", c.dp.work.txns}, {{"verdicts", c.dp.work.verdicts}}});
    out.push_back({"verdicts_consumed", {"verdicts", c.dp.work.verdicts},
                   {{"verdicts_consumed", c.verdicts_consumed}, {"outcomes_consumed", c.outcomes_consumed}}});
    out.push_back({"rejects_consumed", {"rejected", rx.rejected}, {{"rejects_consumed", c.rejects_consumed}}});
}

// Every verdict, reject and outcome the controlplane took is a spool row or a refused append;
// every row appended is made durable or counted lost (exact after the spool closes).
void add_spool(const spool_stats& s, const appliance_counters& c, std::vector<identity_check>& out) {
    out.push_back({"spool", {"consumed", c.verdicts_consumed + c.rejects_consumed + c.outcomes_consumed},
                   {{"scored_rows", spool_rows(s, spool_table::scored)},
                    {"reject_rows", spool_rows(s, spool_table::rejects)},
                    {"outcome_rows", spool_rows(s, spool_table::outcomes)},
                    {"refused", s.refused}}});
    uint64_t appended = 0, durable = 0;
    for (std::size_t t = 0; t < spool_table_count; ++t) {
        appended += s.appended[t];
        durable += s.durable[t];
    }
    out.push_back({"spool_durable", {"appended", appended}, {{"durable", durable}, {"lost", s.lost}}});
}

// Alerts of this run went to the producer directly, to the outbox, are still held, or
// were refused outright; replays of the outbox (this run's or an earlier one's) are
// counted apart from "produced".
void add_kafka(const kafka_counters& k, const appliance_counters& c, std::vector<identity_check>& out) {
    const kafka_topic_counters& a = k[kafka_topic::alerts];
    out.push_back({"kafka_alerts", {"alerts", c.alerts},
                   {{"produced", a.produced - std::min(a.produced, k.replayed)},
                    {"spilled", k.spilled},
                    {"waiting", k.waiting},
                    {"dropped", k.alerts_dropped}}});
}

// TCP feeds: every response offered to pairing paired or not; every pairing an
// outcome; every payload byte in a message, discarded (gap, resync, bad length) or
// still buffered, or a copy of one already seen (flow/tcp_counters.h).
void add_tcp(const appliance_counters& c, std::vector<identity_check>& out) {
    feed_tcp_counters t;
    bool any = false;
    for (const dp_feed_stats& f : c.dp.feeds) {
        if (!f.tcp_feed) continue;
        any = true;
        count_read_add(t, f.tcp);
    }
    if (!any) return;
    out.push_back({"tcp_responses", {"responses", c.dp.rx.responses},
                   {{"paired", t.pairing.paired}, {"unpaired_responses", t.pairing.unpaired_responses}}});
    out.push_back({"tcp_outcomes", {"paired", t.pairing.paired}, {{"outcomes", c.dp.rx.outcomes}}});
    out.push_back({"tcp_bytes", {"payload_bytes", t.stream.payload_bytes},
                   {{"message_bytes", t.stream.message_bytes}, {"discarded_bytes", t.stream.discarded_bytes},
                    {"duplicate_bytes", t.stream.duplicate_bytes}, {"buffered_bytes", t.stream.buffered_bytes}}});
}

// Every alert opens a case or attaches to one, and is either news or suppressed.
void add_cases(const case_counters& k, const appliance_counters& c, std::vector<identity_check>& out) {
    out.push_back({"cases", {"alerts", c.alerts},
                   {{"opened", k.opened}, {"attached", k.attached}, {"unstamped", k.unstamped}}});
    out.push_back({"case_notices", {"alerts", c.alerts},
                   {{"notices", k.notices}, {"suppressed", k.suppressed}, {"unstamped", k.unstamped}}});
}

}  // namespace

bool identity_check::hold() const noexcept {
    uint64_t sum = 0;
    for (const identity_term& p : parts) sum += p.value;
    return sum == total.value;
}

std::vector<identity_check> accounting_identities(const appliance_counters& c) {
    std::vector<identity_check> out;
    add_dataplane(c, out);
    add_tcp(c, out);
    if (c.spool) add_spool(*c.spool, c, out);
    if (c.kafka) add_kafka(*c.kafka, c, out);
    if (c.cases) add_cases(*c.cases, c, out);
    return out;
}

bool all_hold(const std::vector<identity_check>& ids) noexcept {
    for (const identity_check& i : ids)
        if (!i.hold()) return false;
    return true;
}

nlohmann::ordered_json identities_json(const std::vector<identity_check>& ids) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    for (const identity_check& i : ids) {
        nlohmann::ordered_json& one = doc[std::string(i.name)];
        one[std::string(i.total.name)] = i.total.value;
        for (const identity_term& p : i.parts) one[std::string(p.name)] = p.value;
        one["hold"] = i.hold();
    }
    doc["all_hold"] = all_hold(ids);
    return doc;
}

}  // namespace txscreen
