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

}  // namespace txscreen
