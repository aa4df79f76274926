// The appliance's sinks as the controlplane loop drives them (controlplane/appliance/
// sink_set.h): verdicts offered to the spool and Kafka, the loop holding back while a
// sink holds records, and what reaches the broker.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>

#include "controlplane/appliance/sink_set.h"
#include "controlplane/kafka_embedded.h"
#include "kafka_consume.h"
#include "kafka_verdicts.h"
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
