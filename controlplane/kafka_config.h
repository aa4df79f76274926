// The Kafka publisher's settings ([kafka] in the config file; docs/kafka.md). One
// struct with its defaults, its reader, its validator (the only range check of these
// fields: the publisher's constructor runs it too) and its explain() line.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct kafka_config {
    bool enabled = true;             // false: no publisher, alerts only go to the spool
    // Comma-separated bootstrap servers, or "embedded" for an in-process mock broker.
    std::string brokers = "embedded";
    int embedded_brokers = 1;        // brokers in the embedded cluster
    int embedded_partitions = 4;     // partitions of each topic on the embedded cluster
    std::string client_id = "txscreen";
    std::string topic_alerts = "txscreen.alerts";
    std::string topic_scored = "txscreen.scored";
    std::string topic_rejects = "txscreen.rejects";
    std::string topic_outcomes = "txscreen.outcomes";
    // Closed 1-minute aggregate rows (docs/alerts.md, "Aggregates"), when the appliance
    // aggregates. Spike events go to topic_alerts.
    std::string topic_aggregates = "txscreen.aggregates";
    bool publish_scored = false;     // every verdict to topic_scored (high volume)
    bool publish_outcomes = true;    // issuer outcomes (TCP feeds) to topic_outcomes
    std::string compression = "lz4"; // none | gzip | snappy | lz4 | zstd
    int linger_ms = 5;               // wait to fill batches: throughput vs latency
    int batch_bytes = 1'000'000;     // batch.size
    int batch_messages = 10'000;     // batch.num.messages
    // The bounded backlog: messages held in memory while the broker is slow or
    // down. Beyond either bound publish_*() reports backpressure.
    int max_backlog_messages = 1'000'000;
    int max_backlog_kbytes = 1'048'576;  // 1 GiB
    // How long publish_*() polls a full backlog for room before backpressure; once
    // in backpressure it fails fast until a delivery report frees room.
    int backpressure_wait_ms = 50;
    // 0 = a queued message waits for the broker forever (the backlog bound is the
    // limit); > 0 fails messages not delivered in that time (counted as failed).
    int message_timeout_ms = 0;
    int shutdown_flush_ms = 10'000;  // flush budget in the destructor
    int poll_interval_ms = 100;      // delivery-report poll period
    // Directory of the alert outbox ("" = none: a full backlog reports backpressure).
    // Not a config key: the appliance uses <spool.dir>/kafka-outbox.
    std::string outbox_dir;
    uint64_t outbox_segment_bytes = 64ull << 20;
    // Disk the outbox may use for spilled alerts; when full, offer() holds the alert
    // again (alerts whose delivery failed are still saved beyond it).
    uint64_t outbox_max_bytes = 4ull << 30;
    // Extra librdkafka properties (security.protocol, sasl.*, ssl.*...), set last.
    std::vector<std::pair<std::string, std::string>> properties;
};

void read_kafka_section(const toml_section& s, kafka_config& c);
// Every field against its range, keys "kafka.<key>" as the config file names them.
void validate(const kafka_config& c, config_errors& errors);
// "" when `c` is usable, else its first problem naming the key.
std::string validate_kafka_config(const kafka_config& c);
// `outbox_dir`: where alerts beyond the backlog wait ("" = nowhere).
void explain(const kafka_config& c, const std::string& outbox_dir, explanation& out);

}  // namespace txscreen
