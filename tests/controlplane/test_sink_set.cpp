// The appliance's sinks as the controlplane loop drives them (controlplane/appliance/
// sink_set.h): verdicts and issuer outcomes offered to the spool and Kafka, the loop
// holding back while a sink holds records, and what reaches the broker.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "controlplane/appliance/sink_set.h"
#include "controlplane/kafka_embedded.h"
#include "kafka_consume.h"
#include "kafka_verdicts.h"
#include "outcome_records.h"
#include "temp_dir.h"

using namespace txscreen;
using namespace std::chrono_literals;

namespace {

// How many times each txn_id appears on `topic`.
std::map<std::string, int> txn_id_counts(const std::string& brokers, const std::string& topic) {
    std::map<std::string, int> counts;
    for (const auto& m : test::consume_all(brokers, topic)) {
        const std::size_t at = m.value.find("\"txn_id\":\"");
        REQUIRE(at != std::string::npos);
        ++counts[m.value.substr(at + 10, 11)];
    }
    return counts;
}

}  // namespace

// The outbox full while the broker is away: an alert is held and the loop stops taking
// verdicts. When the broker returns, the producer has room before the outbox has shrunk,
// so retries of the held alert meet room on txscreen.scored: its scored copy must go
// there once, not once per retry.
TEST_CASE("a held alert's scored copy is published once", "[integration][kafka][sinks]") {
    const test::temp_dir spool("txscreen-sinks");
    kafka_embedded_broker broker;
    appliance_config conf = default_appliance_config();
    conf.kafka.brokers = broker.bootstraps();
    conf.kafka.publish_scored = true;
    conf.kafka.max_backlog_messages = 200;
    conf.kafka.backpressure_wait_ms = 5;
    conf.kafka.outbox_max_bytes = 1u << 20;  // ~1000 rendered alerts
    conf.kafka.shutdown_flush_ms = 10'000;
    conf.spool.dir = spool.path;
    sink_set sinks(conf, true);
    REQUIRE(broker.set_down(-1));

    uint32_t delivered = 0;
    while (!sinks.must_wait(false) && delivered < 20'000) sinks.deliver(test::make_verdict(delivered++, true));
    REQUIRE(sinks.must_wait(false));
    appliance_counters held;
    sinks.collect(held);
    CHECK(held.kafka->waiting == 1);

    REQUIRE(broker.set_up(-1));
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (sinks.must_wait(false) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    REQUIRE_FALSE(sinks.must_wait(false));
    sinks.close();

    appliance_counters c;
    sinks.collect(c);
    const kafka_topic_counters& scored = (*c.kafka)[kafka_topic::scored];
    INFO("delivered " << delivered << ", scored produced " << scored.produced << ", refused "
                      << scored.backpressure + scored.refused << ", retries " << c.kafka->backpressure_waits);
    CHECK(c.kafka->backpressure_waits > 0);
    CHECK(c.kafka->waiting == 0);
    // Each verdict's scored copy was offered to the producer once: taken or refused.
    CHECK(scored.produced + scored.backpressure + scored.refused == delivered);
    CHECK(scored.acked == scored.produced);
    std::size_t twice = 0;
    for (const auto& [id, n] : txn_id_counts(broker.bootstraps(), conf.kafka.topic_scored)) twice += n > 1;
    CHECK(twice == 0);
    // Every alert reached the alerts topic exactly once (through the outbox or not).
    const auto alerts = txn_id_counts(broker.bootstraps(), conf.kafka.topic_alerts);
    CHECK(alerts.size() == delivered);
    twice = 0;
    for (const auto& [id, n] : alerts) twice += n > 1;
    CHECK(twice == 0);
}

// Outcomes come off the verdict ring mixed with verdicts and are delivered the same way:
// the sink set sends them to table=outcomes and txscreen.outcomes (keyed by card
// token), and the verdicts still reach scored, alerts and their topics, unchanged.
TEST_CASE("delivered outcomes land in table=outcomes and on txscreen.outcomes; verdicts as before",
          "[integration][kafka][sinks]") {
    const test::temp_dir spool("txscreen-sinks");
    kafka_embedded_broker broker;
    appliance_config conf = default_appliance_config();
    conf.kafka.brokers = broker.bootstraps();
    conf.kafka.publish_scored = true;
    conf.spool.dir = spool.path;
    sink_set sinks(conf, true);
    constexpr uint32_t n_verdicts = 3000, n_outcomes = 1500;  // an outcome after every second verdict
    for (uint32_t i = 0; i < n_verdicts; ++i) {
        sinks.deliver(test::make_verdict(i, i % 10 == 0));
        if (i % 2 == 1) sinks.deliver(test::make_outcome(i / 2));
        REQUIRE_FALSE(sinks.must_wait(false));
    }
    sinks.close();

    appliance_counters c;
    sinks.collect(c);
    CHECK(c.spool->appended[static_cast<int>(spool_table::outcomes)] == n_outcomes);
    CHECK(c.spool->durable[static_cast<int>(spool_table::outcomes)] == n_outcomes);
    CHECK(c.spool->appended[static_cast<int>(spool_table::scored)] == n_verdicts);
    CHECK(c.spool->appended[static_cast<int>(spool_table::alerts)] == n_verdicts / 10);
    CHECK((*c.kafka)[kafka_topic::outcomes].acked == n_outcomes);
    CHECK((*c.kafka)[kafka_topic::scored].acked == n_verdicts);
    CHECK((*c.kafka)[kafka_topic::alerts].acked == n_verdicts / 10);

    // Kafka: each outcome once, keyed by its card token; the verdict topics hold verdicts only.
    std::set<std::string> keys;
    std::size_t not_outcome = 0;
    for (const auto& m : test::consume_all(broker.bootstraps(), conf.kafka.topic_outcomes)) {
        keys.insert(m.key);
        if (m.value.find(R"("type":"outcome")") == std::string::npos ||
            m.value.find(R"("card_token":")" + m.key + "\"") == std::string::npos)
            ++not_outcome;
    }
    CHECK(not_outcome == 0);
    std::set<std::string> expected_keys;
    for (uint32_t i = 0; i < n_outcomes; ++i) {
        char hex[2 * card_token_bytes];
        write_token_hex(test::make_outcome(i).txn.card_token, hex);
        expected_keys.emplace(hex, sizeof hex);
    }
    CHECK(keys == expected_keys);
    CHECK(txn_id_counts(broker.bootstraps(), conf.kafka.topic_scored).size() == n_verdicts);
    CHECK(txn_id_counts(broker.bootstraps(), conf.kafka.topic_alerts).size() == n_verdicts / 10);

    // The spool, read by python3-avro: the outcomes by STAN, the verdicts by txn_id.
    const char* source_root = std::getenv("TXSCREEN_SOURCE_ROOT");
    const std::string check = std::string("/usr/bin/python3 ") + (source_root ? source_root : ".") +
                              "/tests/controlplane/spool_check.py --dir " + spool.path;
    CHECK(std::system((check + " --table outcomes --id-field stan --id-format %06d --exact --ids 0:" +
                       std::to_string(n_outcomes) + " --true-count declined=" + std::to_string(n_outcomes / 2))
                          .c_str()) == 0);
    CHECK(std::system((check + " --table scored --id-format tx-%08d --exact --ids 0:" + std::to_string(n_verdicts))
                          .c_str()) == 0);
}
