#include "controlplane/kafka_embedded.h"

#include <stdexcept>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace txscreen {

kafka_embedded_broker::kafka_embedded_broker(int brokers) : _brokers(brokers) {
    if (brokers < 1 || brokers > 16)
        throw std::runtime_error("kafka: embedded broker count must be 1..16, got " +
                                 std::to_string(brokers));
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    // The handle only hosts the mock cluster; it never produces. Keep its own logs
    // quiet: the publisher's handle reports connection trouble.
    rd_kafka_conf_set(conf, "client.id", "txscreen-embedded-broker", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    _rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!_rk) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("kafka: cannot create the embedded broker's handle: ") + err);
    }
    _cluster = rd_kafka_mock_cluster_new(_rk, brokers);
    if (!_cluster) {
        rd_kafka_destroy(_rk);
        throw std::runtime_error("kafka: cannot start the embedded mock cluster (loopback listen failed?)");
    }
    _bootstraps = rd_kafka_mock_cluster_bootstraps(_cluster);
}

kafka_embedded_broker::~kafka_embedded_broker() {
    if (_query) rd_kafka_destroy(_query);
    if (_cluster) rd_kafka_mock_cluster_destroy(_cluster);
    if (_rk) rd_kafka_destroy(_rk);
}

bool kafka_embedded_broker::create_topic(const std::string& topic, int partitions,
                                         int replication) noexcept {
    return rd_kafka_mock_topic_create(_cluster, topic.c_str(), partitions, replication) ==
           RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool kafka_embedded_broker::set_down(int32_t broker_id) noexcept {
    return rd_kafka_mock_broker_set_down(_cluster, broker_id) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool kafka_embedded_broker::set_up(int32_t broker_id) noexcept {
    return rd_kafka_mock_broker_set_up(_cluster, broker_id) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

int64_t kafka_embedded_broker::retention_deleted(int timeout_ms) noexcept {
    char err[512];
    if (!_query) {
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers", _bootstraps.c_str(), err, sizeof err);
        rd_kafka_conf_set(conf, "client.id", "txscreen-embedded-broker-query", err, sizeof err);
        rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
        _query = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
        if (!_query) {
            rd_kafka_conf_destroy(conf);
            return -1;
        }
    }
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(_query, 1, nullptr, &md, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
    int64_t deleted = 0;
    bool ok = true;
    for (int t = 0; t < md->topic_cnt && ok; ++t) {
        const rd_kafka_metadata_topic_t& topic = md->topics[t];
        for (int p = 0; p < topic.partition_cnt; ++p) {
            int64_t low = 0, high = 0;
            if (rd_kafka_query_watermark_offsets(_query, topic.topic, topic.partitions[p].id, &low, &high,
                                                 timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                ok = false;
                break;
            }
            deleted += low > 0 ? low : 0;
        }
    }
    rd_kafka_metadata_destroy(md);
    return ok ? deleted : -1;
}

}  // namespace txscreen
