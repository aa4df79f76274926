#include "controlplane/kafka_config.h"

#include <algorithm>
#include <climits>
#include <sstream>
#include <string_view>

#include "config/config_explain.h"
#include "config/toml_section.h"

namespace txscreen {

namespace {

constexpr int_range range_embedded_brokers{1, 16};
constexpr int_range range_embedded_partitions{1, 1024};
constexpr int_range range_linger_ms{0, 900'000};
constexpr int_range range_batch_bytes{1, INT32_MAX};
constexpr int_range range_batch_messages{1, 1'000'000};
constexpr int_range range_backlog_messages{1, INT32_MAX};
constexpr int_range range_backlog_bytes{1024, int64_t(INT32_MAX) * 1024};
constexpr int_range range_backpressure_wait_ms{0, 60'000};
constexpr int_range range_message_timeout_ms{0, INT32_MAX};
constexpr int_range range_shutdown_flush_ms{0, INT32_MAX};
constexpr int_range range_poll_interval_ms{1, 10'000};
constexpr int_range range_outbox_bytes{1LL << 20, 1LL << 50};

constexpr std::string_view compressions[] = {"none", "gzip", "snappy", "lz4", "zstd"};
const char* const compression_list = "\"none\", \"gzip\", \"snappy\", \"lz4\", \"zstd\"";

// librdkafka settings the publisher's guarantees depend on (docs/kafka.md).
constexpr std::string_view reserved_properties[] = {
    "bootstrap.servers", "enable.idempotence", "acks", "request.required.acks",
    "max.in.flight.requests.per.connection", "dr_msg_cb", "client.id",
};

// "host:port,host:port", or an array of "host:port".
void read_brokers(const toml_section& s, kafka_config& c) {
    const toml::node* n = s.node("brokers");
    if (!n) return;
    if (n->is_string()) {
        c.brokers = n->as_string()->get();
    } else if (n->is_array()) {
        std::vector<std::string> list;
        s.get_string_list("brokers", list);
        c.brokers.clear();
        for (const auto& b : list) c.brokers += (c.brokers.empty() ? "" : ",") + b;
    } else {
        s.wrong_type(*n, s.key("brokers"), "\"embedded\", \"host:port,...\" or an array of \"host:port\"");
    }
}

void read_topics(const toml_section& s, kafka_config& c) {
    const toml::node* n = s.node("topics");
    if (!n) return;
    if (!n->is_table()) return s.wrong_type(*n, s.key("topics"), "a table {alerts, scored, rejects, outcomes, aggregates}");
    toml_section t(*n->as_table(), s.key("topics"), s.errors());
    t.only_keys({"alerts", "scored", "rejects", "outcomes", "aggregates"});
    t.get_string("alerts", c.topic_alerts);
    t.get_string("scored", c.topic_scored);
    t.get_string("rejects", c.topic_rejects);
    t.get_string("outcomes", c.topic_outcomes);
    t.get_string("aggregates", c.topic_aggregates);
}

// Dotted librdkafka names ("security.protocol") are quoted keys in TOML.
void read_properties(const toml_section& s, kafka_config& c) {
    const toml::node* n = s.node("properties");
    if (!n) return;
    if (!n->is_table()) return s.wrong_type(*n, s.key("properties"), "a table of librdkafka settings");
    for (auto&& [key, v] : *n->as_table()) {
        const std::string k = s.key("properties") + ".\"" + std::string(key.str()) + "\"";
        s.errors().set_line(k, v.source().begin.line);
        std::string value;
        if (v.is_string()) value = v.as_string()->get();
        else if (v.is_integer()) value = std::to_string(v.as_integer()->get());
        else if (v.is_boolean()) value = v.as_boolean()->get() ? "true" : "false";
        else {
            s.wrong_type(v, k, "a string, integer or boolean");
            continue;
        }
        c.properties.emplace_back(std::string(key.str()), std::move(value));
    }
}

void validate_brokers(const kafka_config& c, config_errors& e) {
    if (!c.enabled) return;
    if (c.brokers.empty())
        return e.fail("kafka.brokers", "missing: \"embedded\" or \"host:port,host:port\" (or kafka.enabled = false)");
    if (c.brokers == "embedded") return;
    std::stringstream ss(c.brokers);
    std::string b, host;
    uint16_t port;
    while (std::getline(ss, b, ','))
        if (!parse_host_port(b, host, port) || port == 0)
            return e.fail("kafka.brokers", "\"" + b + "\" is not host:port (or use \"embedded\")");
}

void validate_names(const kafka_config& c, config_errors& e) {
    check_not_empty(e, "kafka.client_id", c.client_id, "a client id such as \"txscreen\"");
    check_not_empty(e, "kafka.topics.alerts", c.topic_alerts, "a topic name");
    check_not_empty(e, "kafka.topics.scored", c.topic_scored, "a topic name");
    check_not_empty(e, "kafka.topics.rejects", c.topic_rejects, "a topic name");
    check_not_empty(e, "kafka.topics.outcomes", c.topic_outcomes, "a topic name");
    check_not_empty(e, "kafka.topics.aggregates", c.topic_aggregates, "a topic name");
    bool known = false;
    for (auto name : compressions) known |= c.compression == name;
    if (!known)
        e.fail("kafka.compression", std::string("must be one of ") + compression_list + ", got \"" + c.compression + "\"");
    for (const auto& [name, value] : c.properties)
        for (auto r : reserved_properties)
            if (name == r)
                e.fail("kafka.properties.\"" + name + "\"",
                       "set by txscreen (idempotent producer, acks=all, brokers from kafka.brokers); cannot be overridden");
}

}  // namespace

void read_kafka_section(const toml_section& s, kafka_config& c) {
    s.only_keys({"enabled", "brokers", "embedded_brokers", "embedded_partitions", "client_id", "topics",
                 "publish_scored", "publish_outcomes", "compression", "linger", "batch_size", "batch_messages",
                 "max_backlog_messages", "max_backlog_size", "outbox_max_size", "backpressure_wait", "message_timeout",
                 "shutdown_flush", "poll_interval", "properties"});
    s.get_bool("enabled", c.enabled);
    read_brokers(s, c);
    s.get_int("embedded_brokers", c.embedded_brokers, range_embedded_brokers);
    s.get_int("embedded_partitions", c.embedded_partitions, range_embedded_partitions);
    s.get_string("client_id", c.client_id);
    read_topics(s, c);
    s.get_bool("publish_scored", c.publish_scored);
    s.get_bool("publish_outcomes", c.publish_outcomes);
    s.get_string("compression", c.compression, std::string("one of ") + compression_list);
    s.get_duration("linger", c.linger_ms, range_linger_ms);
    s.get_size("batch_size", c.batch_bytes, range_batch_bytes);
    s.get_int("batch_messages", c.batch_messages, range_batch_messages);
    s.get_int("max_backlog_messages", c.max_backlog_messages, range_backlog_messages);
    int64_t backlog = int64_t(c.max_backlog_kbytes) * 1024;
    s.get_size("max_backlog_size", backlog, range_backlog_bytes);
    if (backlog / 1024 > INT_MAX) check_size(s.errors(), s.key("max_backlog_size"), backlog, range_backlog_bytes);
    else c.max_backlog_kbytes = static_cast<int>(backlog / 1024);
    s.get_size("outbox_max_size", c.outbox_max_bytes, range_outbox_bytes);
    s.get_duration("backpressure_wait", c.backpressure_wait_ms, range_backpressure_wait_ms);
    s.get_duration("message_timeout", c.message_timeout_ms, range_message_timeout_ms);
    s.get_duration("shutdown_flush", c.shutdown_flush_ms, range_shutdown_flush_ms);
    s.get_duration("poll_interval", c.poll_interval_ms, range_poll_interval_ms);
    read_properties(s, c);
}

void validate(const kafka_config& c, config_errors& e) {
    validate_brokers(c, e);
    check_int(e, "kafka.embedded_brokers", c.embedded_brokers, range_embedded_brokers);
    check_int(e, "kafka.embedded_partitions", c.embedded_partitions, range_embedded_partitions);
    validate_names(c, e);
    check_duration(e, "kafka.linger", c.linger_ms, range_linger_ms);
    check_size(e, "kafka.batch_size", c.batch_bytes, range_batch_bytes);
    check_int(e, "kafka.batch_messages", c.batch_messages, range_batch_messages);
    check_int(e, "kafka.max_backlog_messages", c.max_backlog_messages, range_backlog_messages);
    check_size(e, "kafka.max_backlog_size", int64_t(c.max_backlog_kbytes) * 1024, range_backlog_bytes);
    check_size(e, "kafka.outbox_max_size", static_cast<int64_t>(std::min<uint64_t>(c.outbox_max_bytes, INT64_MAX)),
               range_outbox_bytes);
    check_duration(e, "kafka.backpressure_wait", c.backpressure_wait_ms, range_backpressure_wait_ms);
    check_duration(e, "kafka.message_timeout", c.message_timeout_ms, range_message_timeout_ms);
    check_duration(e, "kafka.shutdown_flush", c.shutdown_flush_ms, range_shutdown_flush_ms);
    check_duration(e, "kafka.poll_interval", c.poll_interval_ms, range_poll_interval_ms);
}

std::string validate_kafka_config(const kafka_config& c) {
    config_errors e;
    validate(c, e);
    return e.first();
}

void explain(const kafka_config& k, const std::string& outbox_dir, explanation& out) {
    if (!k.enabled) {
        out.lines << "  kafka: off (alerts only in the spool)\n";
        return;
    }
    out.lines << "  kafka: " << (k.brokers == "embedded" ? "embedded broker on loopback" : k.brokers) << ", alerts -> "
              << k.topic_alerts << ", rejects -> " << k.topic_rejects;
    if (k.publish_scored) out.lines << ", every verdict -> " << k.topic_scored;
    if (k.publish_outcomes) out.lines << ", issuer outcomes -> " << k.topic_outcomes;
    out.lines << ", minute aggregates -> " << k.topic_aggregates << " and spikes -> " << k.topic_alerts
              << " (when [aggregates] / [spikes] are on)";
    out.lines << "; " << k.compression << ", linger " << format_duration(k.linger_ms) << ", backlog "
              << k.max_backlog_messages << " messages / " << format_size(int64_t(k.max_backlog_kbytes) * 1024);
    if (!outbox_dir.empty())
        out.lines << ", then up to " << format_size(static_cast<int64_t>(k.outbox_max_bytes)) << " in " << outbox_dir;
    out.lines << "\n";
    if (k.brokers == "embedded") out.warnings.push_back("kafka.brokers = \"embedded\": alerts stay inside this process");
}

}  // namespace txscreen
