// appliance_config -> the structures the planes take: dp_config (dataplane),
// engine_config (rules engine), kafka_config, spool_config, s3_config and admin_config
// (controlplane). Header-only so that
// src/ (the core library) does not link the planes; include it from tools/ or any
// target that links the dataplane and controlplane libraries.
//
// A config that validate_config() accepted converts to values validate(dp_config) and
// validate_kafka_config(), validate_spool_config() and validate_s3_config() accept
// (tests/config/test_config_bridge.cpp checks it).
// The tokenization key, hugepages and ports given on the command line are the
// caller's to merge: the EAL arguments txscreen derives depend on the host.
#pragma once

#include <string>

#include "config/appliance_config.h"
#include "controlplane/admin_server.h"
#include "controlplane/kafka_publisher.h"
#include "controlplane/s3_client.h"
#include "controlplane/spool_writer.h"
#include "dataplane/dp_config.h"
#include "rules/engine.h"

namespace txscreen {

// Ports, feeds, lcore roles and ring sizes. eal_args are the config's [eal] args only
// (the caller adds lcores/memory defaults and "--no-huge" for hugepages = "off").
// tokenization_key is the config's key ("" when unset: the caller chooses
// $TXSCREEN_TOKEN_KEY or the demo key).
inline dp_config to_dp_config(const appliance_config& c) {
    dp_config d;
    d.eal_args = c.eal.args;
    d.ports = c.ports;
    d.feeds.reserve(c.feeds.size());
    for (const auto& f : c.feeds) d.feeds.push_back(f.feed);
    d.rx_lcores = c.lcores.rx;
    d.workers = c.lcores.workers;
    d.burst = c.dataplane.burst;
    d.txn_ring_size = c.dataplane.txn_ring_size;
    d.verdict_ring_size = c.dataplane.verdict_ring_size;
    d.mbufs_per_queue = c.dataplane.mbufs_per_queue;
    d.tokenization_key = c.tokenization.key;
    return d;
}

// Velocity tables and detector caches; `memory` stays the heap allocator (the
// dataplane replaces it with its per-socket one).
inline engine_config to_engine_config(const appliance_config& c) {
    engine_config e;
    e.velocity = c.velocity.tables;
    e.repeat_entries = c.velocity.repeat_entries;
    e.small_txn_entries = c.velocity.small_txn_entries;
    return e;
}

// The publisher's settings (meaningful when c.kafka.enabled).
inline kafka_config to_kafka_config(const appliance_config& c) {
    const kafka_section& s = c.kafka;
    kafka_config k;
    k.brokers = s.brokers;
    k.embedded_brokers = s.embedded_brokers;
    k.embedded_partitions = s.embedded_partitions;
    k.client_id = s.client_id;
    k.topic_alerts = s.topic_alerts;
    k.topic_scored = s.topic_scored;
    k.topic_rejects = s.topic_rejects;
    k.publish_scored = s.publish_scored;
    k.compression = s.compression;
    k.linger_ms = s.linger_ms;
    k.batch_bytes = s.batch_bytes;
    k.batch_messages = s.batch_messages;
    k.max_backlog_messages = s.max_backlog_messages;
    k.max_backlog_kbytes = s.max_backlog_kbytes;
    k.outbox_max_bytes = static_cast<uint64_t>(s.outbox_max_bytes);
    k.backpressure_wait_ms = s.backpressure_wait_ms;
    k.message_timeout_ms = s.message_timeout_ms;
    k.shutdown_flush_ms = s.shutdown_flush_ms;
    k.poll_interval_ms = s.poll_interval_ms;
    k.properties = s.properties;
    return k;
}

inline spool_config to_spool_config(const appliance_config& c) {
    const spool_section& s = c.spool;
    spool_config o;
    o.dir = s.dir;
    o.host = s.host;
    o.max_file_bytes = s.rotate_bytes;
    o.max_file_age_ms = s.rotate_ms;
    o.block_bytes = s.block_bytes;
    o.sync_interval_ms = s.fsync_interval_ms;
    o.max_open_files = s.max_open_files;
    o.write_alerts = s.write_alerts;
    o.max_disk_bytes = s.max_bytes;
    return o;
}

// Secrets given as "env:NAME" are read here (validate_config checked they are set);
// empty ones stay empty for s3_config_from_env() to fill from the AWS_* variables.
inline s3_config to_s3_config(const appliance_config& c) {
    const s3_section& s = c.s3;
    s3_config o;
    o.endpoint = s.endpoint;
    o.region = s.region;
    o.bucket = s.bucket;
    o.prefix = s.prefix;
    resolve_secret(s.access_key, o.access_key);
    resolve_secret(s.secret_key, o.secret_key);
    resolve_secret(s.session_token, o.session_token);
    o.multipart_threshold = s.multipart_threshold;
    o.part_size = s.part_size;
    o.connect_timeout_ms = s.connect_timeout_ms;
    o.request_timeout_ms = s.request_timeout_ms;
    o.retry_base_ms = s.retry_base_ms;
    o.retry_max_ms = s.retry_max_ms;
    o.scan_interval_ms = s.scan_interval_ms;
    o.verify_head = s.verify_head;
    s3_config_from_env(o);
    return o;
}

// The admin server's settings; meaningful when c.admin.token is set (no token: the
// admin API is off). The token is resolved from its env: variable.
inline admin_config to_admin_config(const appliance_config& c) {
    admin_config o;
    parse_listen_address(c.admin.listen, o.address, o.port);
    resolve_secret(c.admin.token, o.token);
    o.tls_cert_file = c.admin.tls_cert;
    o.tls_key_file = c.admin.tls_key;
    o.max_connections = c.admin.max_connections;
    o.io_threads = c.admin.io_threads;
    o.backend_threads = c.admin.backend_threads;
    return o;
}

}  // namespace txscreen
