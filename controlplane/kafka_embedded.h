// An in-process Kafka-protocol broker on loopback: librdkafka's mock cluster.
//
// `brokers = "embedded"` uses it so a first run, a demo or a test needs no Kafka
// installation. It speaks enough of the protocol for producers (idempotent included),
// consumers, metadata and topic auto-creation, and keeps messages in memory only: it
// is not a durable broker. librdkafka 2.0 binds each mock broker to an ephemeral
// loopback port; bootstraps() says which.
//
// Bounded backlog: the mock keeps at most retention_bytes_per_partition (as produced,
// i.e. compressed) or retention_sets_per_partition message sets per partition and
// deletes the oldest beyond, as Kafka's retention.bytes does. That is retention, not
// loss: producers are acknowledged, and a consumer that lags by more reads from the
// new log start. retention_deleted() counts the records it deleted.
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

    // librdkafka 2.0.2's fixed mock limits (rdkafka_mock.c, no API to change them).
    static constexpr uint64_t retention_bytes_per_partition = 5ull << 20;
    static constexpr uint64_t retention_sets_per_partition = 100'000;

    // Records deleted by retention, over every topic and partition (each partition's
    // log start offset: offsets start at 0). Asks the cluster through a client handle
    // made on first use; call from one thread. Returns -1 when the cluster does not
    // answer within `timeout_ms`.
    int64_t retention_deleted(int timeout_ms = 2000) noexcept;

private:
    rd_kafka_s* _rk = nullptr;                  // owner of the mock cluster's threads
    rd_kafka_mock_cluster_s* _cluster = nullptr;
    rd_kafka_s* _query = nullptr;               // client for retention_deleted(), made on first use
    std::string _bootstraps;
    int _brokers;
};

}  // namespace txscreen
