// Integration tests for the Kafka publisher against librdkafka's mock cluster (the
// embedded broker): exactly-once delivery of alerts, keys, payload fields, rule names,
// a 10 s broker outage, the hold queue behind a full backlog, the outbox and the
// fatal-error path.
//
// The hidden "[.external]" case publishes to TXSCREEN_KAFKA_BROKERS (a standalone
// txscreen-kafka-broker started by tests/controlplane/kafka_kcat.sh, which then reads
// the topic back with kcat).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <simdjson.h>

#include "config/toml_section.h"
#include "controlplane/kafka_publisher.h"
#include "rules/ruleset.h"
#include "kafka_consume.h"
#include "kafka_verdicts.h"
#include "outcome_records.h"
#include "temp_dir.h"

using namespace txscreen;
using namespace std::chrono_literals;
using test::consume_all;
using test::consumed_message;
using test::make_verdict;
using test::pan_of;

namespace {

std::string key_of(uint32_t i) {
    Verdict v = make_verdict(i, false);
    char hex[2 * card_token_bytes];
    write_token_hex(v.txn.card_token, hex);
    return {hex, sizeof hex};
}

// Checks that the alert topic holds exactly the alerts of `ids`, each once, keyed by
// its card token, with the documented fields and no clear PAN.
void check_alerts_exactly_once(const std::vector<consumed_message>& msgs, const std::set<uint32_t>& ids) {
    simdjson::ondemand::parser parser;
    std::set<uint32_t> seen;
    std::size_t duplicates = 0, bad_key = 0, bad_fields = 0, pan_leaks = 0;
    for (const auto& m : msgs) {
        simdjson::padded_string json(m.value);
        auto doc = parser.iterate(json);
        std::string_view txn_id, token, bin, last4, decision, rule;
        bool alert = false;
        uint64_t score = 0;
        if (doc["txn_id"].get_string().get(txn_id) || doc["card_token"].get_string().get(token) ||
            doc["bin"].get_string().get(bin) || doc["last4"].get_string().get(last4) ||
            doc["score"].get_uint64().get(score) || doc["decision"].get_string().get(decision) ||
            doc["alert"].get_bool().get(alert)) {
            ++bad_fields;
            continue;
        }
        auto reasons = doc["reasons"].get_array();
        for (auto r : reasons) {
            if (r["rule"].get_string().get(rule)) ++bad_fields;
            break;
        }
        uint32_t i = static_cast<uint32_t>(std::strtoul(std::string(txn_id.substr(3)).c_str(), nullptr, 10));
        if (!seen.insert(i).second) ++duplicates;
        if (m.key != key_of(i) || token != m.key) ++bad_key;
        const std::string pan = pan_of(i);
        if (!alert || score != 90 || decision != "block" || rule != "rule_2" || bin != pan.substr(0, 8) ||
            last4 != pan.substr(12))
            ++bad_fields;
        if (m.value.find(pan) != std::string::npos || m.key.find(pan) != std::string::npos) ++pan_leaks;
    }
    CHECK(duplicates == 0);
    CHECK(bad_key == 0);
    CHECK(bad_fields == 0);
    CHECK(pan_leaks == 0);
    CHECK(msgs.size() == ids.size());
    CHECK(seen == ids);
}

// Offers a verdict the way the controlplane does: after a held alert it takes nothing
// new until the publisher has passed the held ones on.
void offer_waiting(kafka_publisher& pub, const Verdict& v) {
    const sink_answer a = pub.offer(v);
    REQUIRE((a == sink_answer::accepted || a == sink_answer::held));
    while (pub.holding()) std::this_thread::sleep_for(1ms);
}

// An alert offered with an outbox is never held while the outbox has room.
bool accepted_or_spilled(sink_answer a) { return a == sink_answer::accepted || a == sink_answer::spilled; }

kafka_config embedded_config() {
    kafka_config c;
    c.brokers = "embedded";
    c.linger_ms = 5;
    c.shutdown_flush_ms = 5000;
    return c;
}

}  // namespace

TEST_CASE("bad kafka config is refused with the key named", "[unit][kafka]") {
    kafka_config c;
    c.compression = "brotli";
    CHECK(validate_kafka_config(c).find("kafka.compression") != std::string::npos);
    c = kafka_config{};
    c.max_backlog_messages = 0;
    CHECK(validate_kafka_config(c).find("max_backlog_messages") != std::string::npos);
    c = kafka_config{};
    c.brokers = "";
    CHECK_THROWS_WITH(kafka_publisher(c), Catch::Contains("kafka.brokers"));
    c = kafka_config{};
    c.properties = {{"no.such.property", "1"}};
    CHECK_THROWS_WITH(kafka_publisher(c), Catch::Contains("no.such.property"));
    CHECK(validate_kafka_config(kafka_config{}).empty());
}

TEST_CASE("100k verdicts: every alert delivered once, keyed by card token", "[integration][kafka]") {
    kafka_config cfg = embedded_config();
    cfg.publish_scored = true;
    kafka_publisher pub(cfg);
    REQUIRE(pub.embedded() != nullptr);
    CHECK(pub.bootstrap_servers().rfind("127.0.0.1:", 0) == 0);

    constexpr uint32_t n = 100'000;
    std::set<uint32_t> alert_ids;
    for (uint32_t i = 0; i < n; ++i) {
        bool alert = i % 10 == 3;
        if (alert) alert_ids.insert(i);
        offer_waiting(pub, make_verdict(i, alert));
    }
    for (uint32_t i = 0; i < 1000; ++i) {
        reject_record r{1709296496000000000 + i, i, 50 + i, 1, reject_reason::iso_bad_bitmap};
        REQUIRE(pub.offer(r) == sink_answer::accepted);
    }
    REQUIRE(pub.flush(30000) == 0);

    kafka_counters c = pub.counters();
    CHECK(c[kafka_topic::alerts].produced == alert_ids.size());
    CHECK(c[kafka_topic::alerts].acked == alert_ids.size());
    CHECK(c[kafka_topic::alerts].failed == 0);
    CHECK(c[kafka_topic::alerts].pending() == 0);
    CHECK(c[kafka_topic::scored].acked == n);
    CHECK(c[kafka_topic::rejects].acked == 1000);
    CHECK(c.ready);

    auto alerts = consume_all(pub.bootstrap_servers(), cfg.topic_alerts);
    check_alerts_exactly_once(alerts, alert_ids);

    auto scored = consume_all(pub.bootstrap_servers(), cfg.topic_scored);
    CHECK(scored.size() == n);

    auto rejects = consume_all(pub.bootstrap_servers(), cfg.topic_rejects);
    REQUIRE(rejects.size() == 1000);
    std::size_t bad = 0;
    for (const auto& m : rejects)
        if (m.key != "1" || m.value.find(R"("reason":"iso_bad_bitmap")") == std::string::npos) ++bad;
    CHECK(bad == 0);
}

// Outcomes share the verdict path but not its topics: each goes once to
// txscreen.outcomes, keyed by its card token, on a topic the embedded broker created
// with the configured partitions; nothing of it reaches alerts or scored.
TEST_CASE("outcomes go to txscreen.outcomes keyed by card token; publish_outcomes = false sends none",
          "[integration][kafka]") {
    kafka_config cfg = embedded_config();
    cfg.publish_scored = true;
    cfg.embedded_partitions = 3;  // the mock broker's auto-created topics have 4
    constexpr uint32_t n = 2000;
    {
        kafka_publisher pub(cfg);
        for (uint32_t i = 0; i < n; ++i) {
            REQUIRE(pub.offer_outcome(test::make_outcome(i)) == sink_answer::accepted);
            offer_waiting(pub, make_verdict(i, false));
        }
        REQUIRE(pub.flush(30000) == 0);
        const kafka_counters c = pub.counters();
        CHECK(c[kafka_topic::outcomes].produced == n);
        CHECK(c[kafka_topic::outcomes].acked == n);
        CHECK(c[kafka_topic::outcomes].failed + c[kafka_topic::outcomes].refused == 0);
        CHECK(c[kafka_topic::scored].acked == n);
        CHECK(c[kafka_topic::alerts].produced == 0);

        int partitions = 0;
        const auto msgs = consume_all(pub.bootstrap_servers(), cfg.topic_outcomes, 30s, &partitions);
        CHECK(partitions == 3);
        REQUIRE(msgs.size() == n);
        simdjson::ondemand::parser parser;
        std::set<std::string> stans;
        std::size_t bad_key = 0, bad_fields = 0, declined_n = 0;
        for (const auto& m : msgs) {
            simdjson::padded_string json(m.value);
            auto doc = parser.iterate(json);
            std::string_view type, token, stan, code;
            bool declined = false;
            if (doc["type"].get_string().get(type) || doc["stan"].get_string().get(stan) ||
                doc["card_token"].get_string().get(token) || doc["response_code"].get_string().get(code) ||
                doc["declined"].get_bool().get(declined) || type != "outcome") {
                ++bad_fields;
                continue;
            }
            const uint32_t i = static_cast<uint32_t>(std::stoul(std::string(stan)));
            char hex[2 * card_token_bytes];
            write_token_hex(test::make_outcome(i).txn.card_token, hex);
            if (m.key != std::string_view(hex, sizeof hex) || token != m.key) ++bad_key;
            if (declined != (code == "05")) ++bad_fields;
            declined_n += declined;
            stans.insert(std::string(stan));
        }
        CHECK(bad_key == 0);
        CHECK(bad_fields == 0);
        CHECK(stans.size() == n);  // each outcome once
        CHECK(declined_n == n / 2);
        // The scored topic holds the verdicts only.
        CHECK(consume_all(pub.bootstrap_servers(), cfg.topic_scored).size() == n);
    }
    cfg.publish_outcomes = false;
    kafka_publisher off(cfg);
    CHECK(off.offer_outcome(test::make_outcome(1)) == sink_answer::accepted);
    REQUIRE(off.flush(5000) == 0);
    CHECK(off.counters()[kafka_topic::outcomes].produced == 0);
}

namespace {

// The embedded broker with a backlog of `backlog` messages, a 20 ms backpressure wait
// and an outbox in `dir`.
kafka_config outbox_config(const test::temp_dir& dir, uint64_t backlog) {
    kafka_config cfg = embedded_config();
    cfg.max_backlog_messages = backlog;
    cfg.backpressure_wait_ms = 20;
    cfg.outbox_dir = dir.path;
    return cfg;
}

std::size_t outbox_segment_files(const std::string& dir) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".kob") ++n;
    return n;
}

// Publishes 40,000 alerts with the broker down for 10 s in the middle; the outage
// variant with an outbox and a 2000-message backlog spills most of them to disk.
void broker_down_10s(kafka_config cfg) {
    kafka_publisher pub(cfg);
    kafka_embedded_broker* broker = pub.embedded();
    REQUIRE(broker != nullptr);
    const bool outbox = !cfg.outbox_dir.empty();

    constexpr uint32_t n = 40'000;
    std::set<uint32_t> ids;
    auto publish_range = [&](uint32_t from, uint32_t to) {
        for (uint32_t i = from; i < to; ++i) {
            ids.insert(i);
            if (outbox) REQUIRE(accepted_or_spilled(pub.offer(make_verdict(i, true))));
            else offer_waiting(pub, make_verdict(i, true));
        }
    };
    publish_range(0, n / 4);
    // Drop the broker with messages still queued and in flight.
    REQUIRE(broker->set_down(-1));
    auto down_at = std::chrono::steady_clock::now();
    // Keep publishing through the outage, paced over its 10 s.
    for (uint32_t step = 0; step < 10; ++step) {
        publish_range(n / 4 + step * (n / 20), n / 4 + (step + 1) * (n / 20));
        std::this_thread::sleep_until(down_at + std::chrono::seconds(step + 1));
    }
    // At a quiescent moment during the outage: alerts = acked + pending (+ outbox).
    kafka_counters during = pub.counters();
    const auto& a = during[kafka_topic::alerts];
    CHECK(a.produced - during.replayed + during.spilled == n * 3 / 4);
    CHECK(a.acked + a.pending() + during.outbox.backlog == n * 3 / 4);
    CHECK(a.pending() > 0);
    CHECK(a.failed == 0);
    if (outbox) CHECK(during.outbox.backlog > 0);

    REQUIRE(broker->set_up(-1));
    publish_range(n * 3 / 4, n);
    REQUIRE(pub.flush(60000) == 0);

    kafka_counters c = pub.counters();
    CHECK(c[kafka_topic::alerts].produced == n);
    CHECK(c[kafka_topic::alerts].acked == n);
    CHECK(c[kafka_topic::alerts].failed == 0);
    CHECK(c.ready);
    if (outbox) CHECK(c.replayed == c.spilled);

    auto alerts = consume_all(pub.bootstrap_servers(), cfg.topic_alerts);
    check_alerts_exactly_once(alerts, ids);
}

}  // namespace

TEST_CASE("broker down for 10 s mid-run: no alert lost or duplicated", "[integration][kafka]") {
    broker_down_10s(embedded_config());
}

TEST_CASE("broker down for 10 s mid-run with a small backlog and the outbox: no alert lost or duplicated",
          "[integration][kafka]") {
    const test::temp_dir dir("txscreen-kafka-outbox");
    broker_down_10s(outbox_config(dir, 2000));
}

TEST_CASE("a full backlog holds alerts in the publisher; they follow, each once, when the broker returns",
          "[integration][kafka]") {
    kafka_config cfg = embedded_config();
    cfg.max_backlog_messages = 1000;
    cfg.backpressure_wait_ms = 20;
    kafka_publisher pub(cfg);
    REQUIRE(pub.embedded()->set_down(-1));

    // The backlog's worth is accepted, the hold queue's worth held, the rest refused.
    constexpr uint32_t over = 10;
    const uint32_t n = 1000 + static_cast<uint32_t>(kafka_hold_capacity) + over;
    std::set<uint32_t> ids;
    uint32_t accepted = 0, held = 0, refused = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (uint32_t i = 0; i < n; ++i) {
        const sink_answer a = pub.offer(make_verdict(i, true));
        if (a == sink_answer::accepted) ++accepted;
        else if (a == sink_answer::held) ++held;
        else ++refused;
        if (a != sink_answer::refused) ids.insert(i);
    }
    auto took = std::chrono::steady_clock::now() - t0;
    kafka_counters c = pub.counters();
    CHECK(accepted == 1000);  // exactly the configured bound
    CHECK(held == kafka_hold_capacity);
    CHECK(refused == over);
    CHECK(c.alerts_dropped == over);
    CHECK(c.waiting == kafka_hold_capacity);
    CHECK(pub.held_records() == kafka_hold_capacity);
    CHECK(c[kafka_topic::alerts].produced == accepted);
    CHECK(c[kafka_topic::alerts].backpressure == 1);  // later alerts queued behind, untried
    CHECK(c[kafka_topic::alerts].pending() == accepted);
    // One bounded wait, then the queue: thousands of offers must not cost thousands of waits.
    CHECK(took < 2s);
    CHECK(pub.holding());
    CHECK(pub.counters().backpressure_waits >= 1);

    // Broker back: asking holding() passes the held alerts on, in order.
    REQUIRE(pub.embedded()->set_up(-1));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (pub.holding() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    REQUIRE_FALSE(pub.holding());
    REQUIRE(pub.flush(30000) == 0);
    c = pub.counters();
    CHECK(c.waiting == 0);
    CHECK(c[kafka_topic::alerts].acked == ids.size());
    CHECK(c[kafka_topic::alerts].produced + c.alerts_dropped == n);
    auto alerts = consume_all(pub.bootstrap_servers(), cfg.topic_alerts);
    check_alerts_exactly_once(alerts, ids);
}

TEST_CASE("with an outbox a full backlog spills to disk, and every alert follows when the broker returns",
          "[integration][kafka]") {
    const test::temp_dir dir("txscreen-kafka-outbox");
    kafka_config cfg = outbox_config(dir, 1000);
    cfg.outbox_segment_bytes = 256 * 1024;  // several segments
    kafka_publisher pub(cfg);
    REQUIRE(pub.embedded()->set_down(-1));

    constexpr uint32_t n = 20'000;
    std::set<uint32_t> ids;
    uint64_t spilled = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (uint32_t i = 0; i < n; ++i) {
        ids.insert(i);
        const sink_answer a = pub.offer(make_verdict(i, true));
        // Never held: the caller (the dataplane's consumer) never waits.
        REQUIRE(accepted_or_spilled(a));
        if (a == sink_answer::spilled) ++spilled;
    }
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(took < 5s);
    kafka_counters c = pub.counters();
    REQUIRE(c.have_outbox);
    CHECK(c[kafka_topic::alerts].produced == 1000);  // the in-memory bound
    CHECK(c.spilled == spilled);
    CHECK(spilled == n - 1000);
    CHECK(c.outbox.backlog == spilled);
    CHECK(outbox_segment_files(cfg.outbox_dir) > 1);

    // Broker back: the poll thread reads the outbox back in order.
    REQUIRE(pub.embedded()->set_up(-1));
    REQUIRE(pub.flush(60000) == 0);
    c = pub.counters();
    CHECK(c.replayed == spilled);
    CHECK(c.outbox.backlog == 0);
    CHECK(c[kafka_topic::alerts].acked == n);
    CHECK(c[kafka_topic::alerts].failed == 0);
    auto alerts = consume_all(pub.bootstrap_servers(), cfg.topic_alerts);
    check_alerts_exactly_once(alerts, ids);
    // Acked outbox segments are deleted.
    for (int i = 0; i < 50 && outbox_segment_files(cfg.outbox_dir) > 0; ++i) std::this_thread::sleep_for(100ms);
    CHECK(outbox_segment_files(cfg.outbox_dir) == 0);
}

TEST_CASE("a full outbox (kafka.outbox_max_size) holds the alert; nothing is lost", "[integration][kafka]") {
    const test::temp_dir dir("txscreen-kafka-outbox");
    kafka_config cfg = outbox_config(dir, 1000);
    cfg.outbox_max_bytes = 2u << 20;  // ~2000 rendered alerts
    kafka_publisher pub(cfg);
    REQUIRE(pub.embedded()->set_down(-1));

    // Offered until one is held, as the controlplane does: it then takes nothing new.
    constexpr uint32_t n = 6000;
    uint32_t i = 0;
    uint64_t spilled = 0;
    for (; i < n; ++i) {
        const sink_answer a = pub.offer(make_verdict(i, true));
        if (a == sink_answer::held) break;
        REQUIRE(accepted_or_spilled(a));
        spilled += a == sink_answer::spilled;
    }
    REQUIRE(i < n);
    kafka_counters c = pub.counters();
    CHECK(spilled > 1000);
    CHECK(c.outbox_full == 1);
    CHECK(c.waiting == 1);
    CHECK(c.outbox.bytes <= cfg.outbox_max_bytes);
    CHECK(c[kafka_topic::alerts].produced + spilled == i);  // every alert before the held one

    // Broker back: the outbox drains, the held alert follows, then the rest.
    REQUIRE(pub.embedded()->set_up(-1));
    while (pub.holding()) std::this_thread::sleep_for(1ms);
    std::set<uint32_t> ids;
    for (uint32_t k = 0; k < n; ++k) ids.insert(k);
    for (++i; i < n; ++i) offer_waiting(pub, make_verdict(i, true));
    REQUIRE(pub.flush(60000) == 0);
    c = pub.counters();
    CHECK(c[kafka_topic::alerts].acked == n);
    CHECK(c.alerts_dropped == 0);
    auto alerts = consume_all(pub.bootstrap_servers(), cfg.topic_alerts);
    check_alerts_exactly_once(alerts, ids);
}

TEST_CASE("alerts not delivered at shutdown wait in the outbox and the next start publishes them",
          "[integration][kafka]") {
    const test::temp_dir tmp("txscreen-kafka-outbox");
    const std::string& dir = tmp.path;
    constexpr uint32_t n = 5000;
    std::set<uint32_t> ids;
    {
        kafka_config cfg = outbox_config(tmp, 1000);
        cfg.shutdown_flush_ms = 500;
        kafka_publisher pub(cfg);
        REQUIRE(pub.embedded()->set_down(-1));
        for (uint32_t i = 0; i < n; ++i) {
            ids.insert(i);
            REQUIRE(accepted_or_spilled(pub.offer(make_verdict(i, true))));
        }
        CHECK(pub.counters().outbox.backlog == n - 1000);
    }  // broker still down: the 1000 in memory are purged and saved to the outbox
    {
        kafka_config cfg = embedded_config();
        cfg.outbox_dir = dir;
        kafka_publisher pub(cfg);  // a new broker, empty
        CHECK(pub.counters().outbox.recovered == n);
        REQUIRE(pub.flush(60000) == 0);
        kafka_counters c = pub.counters();
        CHECK(c.replayed == n);
        CHECK(c[kafka_topic::alerts].acked == n);
        auto alerts = consume_all(pub.bootstrap_servers(), cfg.topic_alerts);
        check_alerts_exactly_once(alerts, ids);
    }
    CHECK(outbox_segment_files(dir) == 0);
}

TEST_CASE("with an outbox a fatal producer error spills alerts for the restart", "[integration][kafka]") {
    const test::temp_dir tmp("txscreen-kafka-outbox");
    const std::string& dir = tmp.path;
    kafka_config cfg = embedded_config();
    cfg.outbox_dir = dir;
    {
        kafka_publisher pub(cfg);
        REQUIRE(pub.offer(make_verdict(1, true)) == sink_answer::accepted);
        REQUIRE(pub.flush(10000) == 0);
        REQUIRE(pub.simulate_fatal_error("test"));
        for (int i = 0; i < 50 && pub.ready(); ++i) std::this_thread::sleep_for(100ms);
        REQUIRE(!pub.ready());
        CHECK(pub.offer(make_verdict(2, true)) == sink_answer::spilled);
        CHECK(pub.counters().outbox.backlog == 1);
    }
    kafka_outbox ob(dir);
    CHECK(ob.backlog() == 1);
}

TEST_CASE("a fatal producer error makes the publisher not ready and refuse", "[integration][kafka]") {
    kafka_config cfg = embedded_config();
    cfg.shutdown_flush_ms = 1000;
    kafka_publisher pub(cfg);
    REQUIRE(pub.offer(make_verdict(1, true)) == sink_answer::accepted);
    REQUIRE(pub.flush(10000) == 0);
    REQUIRE(pub.simulate_fatal_error("drill"));
    // The error callback runs on the poll thread.
    for (int i = 0; i < 100 && pub.ready(); ++i) std::this_thread::sleep_for(10ms);
    CHECK_FALSE(pub.ready());
    CHECK(pub.fatal_error().find("drill") != std::string::npos);
    CHECK(pub.offer(make_verdict(2, true)) == sink_answer::refused);
    CHECK_FALSE(pub.holding());
    kafka_counters c = pub.counters();
    CHECK(c.fatal_errors == 1);
    CHECK_FALSE(c.ready);
    CHECK(c[kafka_topic::alerts].refused == 1);
    CHECK(c.alerts_dropped == 1);
    CHECK(c[kafka_topic::alerts].acked == 1);
}

TEST_CASE("reason names come from the ruleset the publisher was handed at the offer", "[integration][kafka]") {
    kafka_publisher pub(embedded_config());
    const ruleset names;  // the builtin detectors' names
    pub.use_ruleset(&names);
    REQUIRE(pub.offer(make_verdict(1, true)) == sink_answer::accepted);
    pub.use_ruleset(nullptr);
    REQUIRE(pub.offer(make_verdict(2, true)) == sink_answer::accepted);
    REQUIRE(pub.flush(10000) == 0);
    const std::string named = std::string(R"("rule":")") + std::string(names.rule_name(2)) + '"';
    std::size_t with_name = 0, fallback = 0;
    for (const auto& m : consume_all(pub.bootstrap_servers(), pub.config().topic_alerts)) {
        if (m.value.find("tx-00000001") != std::string::npos) with_name += m.value.find(named) != std::string::npos;
        if (m.value.find("tx-00000002") != std::string::npos) fallback += m.value.find(R"("rule":"rule_2")") != std::string::npos;
    }
    CHECK(with_name == 1);
    CHECK(fallback == 1);
}

TEST_CASE("publish to an external broker", "[.external][kafka]") {
    const char* brokers = std::getenv("TXSCREEN_KAFKA_BROKERS");
    REQUIRE(brokers != nullptr);
    const char* count = std::getenv("TXSCREEN_KAFKA_ALERTS");
    const uint32_t n = count ? static_cast<uint32_t>(std::strtoul(count, nullptr, 10)) : 10'000;
    kafka_config cfg;
    cfg.brokers = brokers;
    kafka_publisher pub(cfg);
    for (uint32_t i = 0; i < 2 * n; ++i) offer_waiting(pub, make_verdict(i, i % 2 == 0));
    REQUIRE(pub.flush(30000) == 0);
    kafka_counters c = pub.counters();
    CHECK(c[kafka_topic::alerts].acked == n);
    CHECK(c[kafka_topic::alerts].failed == 0);
}

// ---- issue #17: aggregate rows to txscreen.aggregates, spikes to txscreen.alerts

namespace {

aggregate_record sample_row(uint32_t i) {
    aggregate_record r{};
    r.window_start_ms = 1709296440000 + int64_t(i) * 60'000;
    r.window_end_ms = r.window_start_ms + 60'000;
    r.dimension = agg_dimension::merchant;
    std::snprintf(r.key, sizeof r.key, "MERCHANT%04u", i);
    r.transactions = 100 + i;
    r.alerts = i;
    r.n_amounts = 1;
    r.amounts[0] = {840, 2, 100 + i, 12345 * int64_t(i + 1)};
    return r;
}

spike_event sample_spike(uint32_t i) {
    spike_event s{};
    s.id = 0xfeedface00000000ull + i;
    s.window_start_ms = 1709296440000;
    s.window_end_ms = s.window_start_ms + 60'000;
    s.kind = spike_event::spike_kind::alert_rate;
    s.dimension = agg_dimension::mcc;
    std::snprintf(s.key, sizeof s.key, "%u", 7995 + i);
    s.observed = 0.4;
    s.baseline = 0.02;
    s.stddev = 0.01;
    s.z = 38;
    s.threshold = 4;
    s.transactions = 300;
    s.alerts = 120;
    return s;
}

std::string rendered(const aggregate_record& r) {
    char buf[aggregate_json_max_bytes];
    return {buf, write_aggregate_json(r, buf, sizeof buf)};
}

std::string rendered(const spike_event& s) {
    char buf[spike_json_max_bytes];
    return {buf, write_spike_json(s, buf, sizeof buf)};
}

// The spikes among `msgs` (an alerts topic), by key; counts the verdicts beside them.
std::map<std::string, std::string> spikes_of(const std::vector<consumed_message>& msgs, std::size_t& verdicts) {
    std::map<std::string, std::string> spikes;
    verdicts = 0;
    for (const auto& m : msgs) {
        if (is_spike_json(m.value)) spikes.emplace(m.key, m.value);
        else verdicts += m.value.find(R"("type":"verdict")") != std::string::npos;
    }
    return spikes;
}

}  // namespace

TEST_CASE("aggregate rows reach txscreen.aggregates and spikes txscreen.alerts, keyed dimension:key, each counted "
          "on its own stream",
          "[integration][kafka][analytics]") {
    kafka_config cfg = embedded_config();
    kafka_publisher pub(cfg);
    constexpr uint32_t n_rows = 50, n_spikes = 5;
    REQUIRE(pub.offer(make_verdict(1, true)) == sink_answer::accepted);  // an alert beside the spikes
    for (uint32_t i = 0; i < n_rows; ++i) REQUIRE(pub.offer(sample_row(i)) == sink_answer::accepted);
    for (uint32_t i = 0; i < n_spikes; ++i) REQUIRE(pub.offer(sample_spike(i)) == sink_answer::accepted);
    REQUIRE(pub.flush(30000) == 0);

    const kafka_counters c = pub.counters();
    CHECK(c[kafka_topic::aggregates].acked == n_rows);
    CHECK(c[kafka_topic::spikes].acked == n_spikes);
    CHECK(c[kafka_topic::alerts].produced == 1);  // the verdict alerts' identity is untouched
    CHECK(c[kafka_topic::alerts].acked == 1);
    CHECK(c.alerts_dropped + c.spikes.dropped == 0);
    CHECK(std::string(kafka_topic_label(kafka_topic::aggregates)) == "aggregates");
    CHECK(std::string(kafka_topic_label(kafka_topic::spikes)) == "spikes");

    const auto rows = consume_all(pub.bootstrap_servers(), cfg.topic_aggregates);
    REQUIRE(rows.size() == n_rows);
    std::map<std::string, std::string> by_key;
    for (const auto& m : rows) by_key.emplace(m.key, m.value);
    REQUIRE(by_key.size() == n_rows);  // each row once
    std::size_t different = 0;
    for (uint32_t i = 0; i < n_rows; ++i) {
        const aggregate_record r = sample_row(i);
        different += by_key["merchant:" + std::string(r.key)] != rendered(r);
    }
    CHECK(different == 0);

    std::size_t verdicts = 0;
    const auto spikes = spikes_of(consume_all(pub.bootstrap_servers(), cfg.topic_alerts), verdicts);
    CHECK(verdicts == 1);
    REQUIRE(spikes.size() == n_spikes);
    for (uint32_t i = 0; i < n_spikes; ++i) {
        const spike_event s = sample_spike(i);
        CHECK(spikes.at("mcc:" + std::string(s.key)) == rendered(s));
    }
}

TEST_CASE("a spike the backlog cannot take waits in the outbox with the alerts and follows them, counted as a spike",
          "[integration][kafka][analytics]") {
    const test::temp_dir dir("txscreen-kafka-outbox");
    kafka_config cfg = outbox_config(dir, 10);
    kafka_publisher pub(cfg);
    REQUIRE(pub.embedded()->set_down(-1));
    for (uint32_t i = 0; i < 10; ++i) REQUIRE(pub.offer(make_verdict(i, true)) == sink_answer::accepted);
    CHECK(pub.offer(sample_spike(0)) == sink_answer::spilled);  // the backlog is full
    for (uint32_t i = 10; i < 20; ++i) REQUIRE(pub.offer(make_verdict(i, true)) == sink_answer::spilled);
    kafka_counters c = pub.counters();
    CHECK(c.spikes.spilled == 1);
    CHECK(c.spilled == 10);
    CHECK(c[kafka_topic::spikes].produced == 0);
    CHECK(c.outbox.backlog == 11);

    REQUIRE(pub.embedded()->set_up(-1));
    REQUIRE(pub.flush(60000) == 0);
    c = pub.counters();
    // Read back from the outbox, the spike is told from the alerts by its JSON.
    CHECK(c.spikes.replayed == 1);
    CHECK(c.replayed == 10);
    CHECK(c[kafka_topic::spikes].acked == 1);
    CHECK(c[kafka_topic::alerts].acked == 20);
    // alerts = (produced - replayed) + spilled + waiting + dropped, for each stream.
    CHECK(c[kafka_topic::alerts].produced - c.replayed + c.spilled + c.waiting + c.alerts_dropped == 20);
    CHECK(c[kafka_topic::spikes].produced - c.spikes.replayed + c.spikes.spilled + c.spikes.waiting +
              c.spikes.dropped ==
          1);
    std::size_t verdicts = 0;
    const auto spikes = spikes_of(consume_all(pub.bootstrap_servers(), cfg.topic_alerts), verdicts);
    CHECK(verdicts == 20);
    REQUIRE(spikes.size() == 1);
    CHECK(spikes.begin()->first == "mcc:7995");
    CHECK(spikes.begin()->second == rendered(sample_spike(0)));
}

TEST_CASE("a spike behind a held alert is held too, then follows it", "[integration][kafka][analytics]") {
    kafka_config cfg = embedded_config();
    cfg.max_backlog_messages = 10;
    cfg.backpressure_wait_ms = 20;
    kafka_publisher pub(cfg);  // no outbox: a full backlog holds
    REQUIRE(pub.embedded()->set_down(-1));
    for (uint32_t i = 0; i < 10; ++i) REQUIRE(pub.offer(make_verdict(i, true)) == sink_answer::accepted);
    CHECK(pub.offer(make_verdict(10, true)) == sink_answer::held);
    CHECK(pub.offer(sample_spike(3)) == sink_answer::held);
    kafka_counters c = pub.counters();
    CHECK(c.waiting == 1);
    CHECK(c.spikes.waiting == 1);
    REQUIRE(pub.embedded()->set_up(-1));
    for (int i = 0; i < 30000 && pub.holding(); ++i) std::this_thread::sleep_for(1ms);
    REQUIRE(!pub.holding());
    REQUIRE(pub.flush(30000) == 0);
    c = pub.counters();
    CHECK(c.waiting + c.spikes.waiting == 0);
    CHECK(c[kafka_topic::alerts].acked == 11);
    CHECK(c[kafka_topic::spikes].acked == 1);
    std::size_t verdicts = 0;
    const auto spikes = spikes_of(consume_all(pub.bootstrap_servers(), cfg.topic_alerts), verdicts);
    CHECK(verdicts == 11);
    CHECK(spikes.size() == 1);
}

TEST_CASE("[kafka.topics] aggregates names the aggregates topic; empty or misspelt is refused by key",
          "[unit][kafka][analytics]") {
    kafka_config c;
    CHECK(c.topic_aggregates == "txscreen.aggregates");
    {
        const toml::table t = toml::parse(R"(topics = {alerts = "a", aggregates = "lake.minutes"})");
        config_errors e("t.toml");
        read_kafka_section(toml_section(t, "kafka", e), c);
        CHECK(e.empty());
        CHECK(c.topic_aggregates == "lake.minutes");
        CHECK(c.topic_alerts == "a");
    }
    {
        const toml::table t = toml::parse(R"(topics = {aggregate = "x"})");
        config_errors e("t.toml");
        read_kafka_section(toml_section(t, "kafka", e), c);
        CHECK(e.first().find("kafka.topics.aggregate: unknown key (did you mean 'aggregates'?)") != std::string::npos);
    }
    c.topic_aggregates = "";
    CHECK(validate_kafka_config(c).find("kafka.topics.aggregates") != std::string::npos);
}
