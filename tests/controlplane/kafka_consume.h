// Reads a topic back from a broker for the Kafka tests (shared by test_kafka_publisher
// and test_sink_set): every message from the beginning, so a duplicate written to the
// log is seen, not skipped.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

namespace txscreen::test {

struct consumed_message {
    std::string key;
    std::string value;
};

// Returns the messages of `topic` once every partition reported end-of-partition and
// the count equals the topic's watermarks; `partitions_out`: the topic's partition count.
inline std::vector<consumed_message> consume_all(const std::string& brokers, const std::string& topic,
                                                 std::chrono::seconds budget = std::chrono::seconds(30),
                                                 int* partitions_out = nullptr) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "txscreen-test", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    REQUIRE(rk != nullptr);
    rd_kafka_poll_set_consumer(rk);

    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    REQUIRE(rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(md->topic_cnt == 1);
    const int partitions = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    REQUIRE(partitions > 0);
    if (partitions_out) *partitions_out = partitions;

    int64_t expected = 0;
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
        int64_t lo = 0, hi = 0;
        REQUIRE(rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000) ==
                RD_KAFKA_RESP_ERR_NO_ERROR);
        expected += hi - lo;
        rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    REQUIRE(rd_kafka_assign(rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(parts);

    std::vector<consumed_message> out;
    out.reserve(static_cast<std::size_t>(expected));
    std::set<int32_t> at_eof;
    const auto deadline = std::chrono::steady_clock::now() + budget;
    while (std::chrono::steady_clock::now() < deadline) {
        if (static_cast<int64_t>(out.size()) >= expected && static_cast<int>(at_eof.size()) == partitions) break;
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            at_eof.insert(m->partition);
        } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            out.push_back({std::string(static_cast<const char*>(m->key), m->key_len),
                           std::string(static_cast<const char*>(m->payload), m->len)});
            at_eof.erase(m->partition);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    CHECK(static_cast<int64_t>(out.size()) == expected);
    return out;
}

}  // namespace txscreen::test
