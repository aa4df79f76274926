// An in-process Kafka-protocol broker on loopback: librdkafka's mock cluster.
//
// `brokers = "embedded"` uses it so a first run, a demo or a test needs no Kafka
// installation. It speaks enough of the protocol for producers (idempotent included),
// consumers, metadata and topic auto-creation, and keeps messages in memory only: it
// is not a durable broker. librdkafka 2.0 binds each mock broker to an ephemeral
// loopback port; bootstraps() says which.
#pragma once

#include <cstdint>
#include <string>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace txscreen {

class kafka_embedded_broker {
public:
    // Starts a mock cluster of `brokers` brokers (ids 1..brokers) listening on
    // 127.0.0.1. Throws std::runtime_error naming the librdkafka failure.
    explicit kafka_embedded_broker(int brokers = 1);
    ~kafka_embedded_broker();
    kafka_embedded_broker(const kafka_embedded_broker&) = delete;
    kafka_embedded_broker& operator=(const kafka_embedded_broker&) = delete;

    // "127.0.0.1:PORT[,127.0.0.1:PORT2...]": the bootstrap.servers value for clients.
    const std::string& bootstraps() const noexcept { return _bootstraps; }
    int broker_count() const noexcept { return _brokers; }

    // Creates `topic` with `partitions` partitions (otherwise the first producer or
    // consumer auto-creates it with the mock default). Returns false on error.
    bool create_topic(const std::string& topic, int partitions, int replication = 1) noexcept;

    // Disconnects broker `broker_id` (-1: all) and refuses new connections, as an
    // outage would; set_up() lets clients reconnect. Return false on error.
    bool set_down(int32_t broker_id = -1) noexcept;
    bool set_up(int32_t broker_id = -1) noexcept;

private:
    rd_kafka_s* _rk = nullptr;                  // owner of the mock cluster's threads
    rd_kafka_mock_cluster_s* _cluster = nullptr;
    std::string _bootstraps;
    int _brokers;
};

}  // namespace txscreen
