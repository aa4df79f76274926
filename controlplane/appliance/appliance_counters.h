// Everything the appliance counts, gathered by the controlplane loop into one value:
// the only input of /metrics, /api/v1/stats, the run summary (--summary-json and the
// printed one) and the accounting identities. Each counter is declared, named and
// explained once, in metric_catalog.cpp; this struct only holds the values.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/latency_histogram.h"
#include "controlplane/analytics/case_tracker.h"
#include "controlplane/analytics/minute_aggregator.h"
#include "controlplane/analytics/spike_detector.h"
#include "controlplane/appliance/card_lookup.h"
#include "controlplane/kafka_publisher.h"
#include "controlplane/lake/lake_compactor.h"
#include "controlplane/s3_uploader.h"
#include "controlplane/spool_writer.h"
#include "controlplane/webhook/webhook_sink.h"
#include "dataplane/dataplane.h"

namespace txscreen {

struct appliance_counters {
    dp_stats dp;                       // ports, rx lcores, workers, feeds
    latency_histogram latency;         // rx burst -> verdict on the controlplane ring
    uint64_t verdicts_consumed = 0, rejects_consumed = 0, alerts = 0;
    uint64_t outcomes_consumed = 0;                         // issuer outcomes (TCP feeds) off the ring
    std::vector<latency_histogram> issuer_response;         // by feed index: request -> response, ns
    std::array<uint64_t, 3> decisions{};                    // by decision (allow, review, block)
    std::map<std::string, uint64_t> rule_hits, alerts_by_rule;  // by rule name
    std::array<uint64_t, 16> category_hits{};               // by pattern category
    uint64_t screened = 0, screen_errors = 0;               // engines: txns scanned, scans failed
    uint64_t screen_cache_hits = 0, screen_cache_misses = 0;  // field texts found in / scanned past the scan caches
    uint64_t declines = 0, declines_unplaced = 0;           // issuer declines into velocity: all, not placed
    uint32_t ruleset_version = 0, patterns_version = 0;
    lookup_scorer::table_fill velocity;
    std::array<std::array<uint64_t, 2>, 3> reloads{};       // [rules, patterns, model][ok, refused]
    std::optional<kafka_counters> kafka;                    // when Kafka is configured
    std::optional<spool_stats> spool;                       // when a spool directory is
    std::optional<s3_uploader_stats> s3;                    // when an S3 endpoint is
    std::optional<lake_compactor_stats> lake;               // when [lake] parquet is on
    struct webhook_endpoint {
        std::string name;
        webhook_counters counters;
    };
    std::vector<webhook_endpoint> webhooks;                 // one per [[webhook]], in config order
    std::optional<case_counters> cases;                     // when [cases] is enabled
    std::optional<aggregate_counters> aggregates;           // when [aggregates] is enabled
    std::optional<spike_counters> spikes;                   // when [spikes] is enabled too
};

}  // namespace txscreen
