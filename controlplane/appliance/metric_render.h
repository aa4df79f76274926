// /metrics, the JSON documents and the printed summary, generated from the metric
// catalog (metric_catalog.h): nothing here names a counter.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/appliance/appliance_counters.h"
#include "controlplane/appliance/metric_catalog.h"

namespace txscreen {

// Prometheus text format 0.0.4: every family whose component runs, the latency
// histogram and the build-info gauge.
void render_prometheus(const appliance_counters& c, std::string& out);

// {"rx_packets": n, "ports": {"pcap0": {"ipackets": n, ...}}, ...} following each
// metric's JSON path, plus "latency_ns": {p50, p90, p99, p999, max, count}.
nlohmann::ordered_json render_counters_json(const appliance_counters& c);

// {view_key: samples summed} for the metrics in one dashboard view.
nlohmann::ordered_json render_view(const appliance_counters& c, metric_view view);

// Nonzero counters as indented lines, one per top-level JSON group:
// "  kafka: alerts_acked 12, scored_acked 20000".
std::string render_summary_lines(const appliance_counters& c);

// The catalog as a Markdown table (docs/metrics.md is this output; `txscreen metrics`
// prints it): name, type, labels, JSON path, help.
std::string render_catalog_markdown();

}  // namespace txscreen
