// The appliance's counters and gauges, each declared once: Prometheus name, type, help,
// labels, where it sits in the JSON documents (/api/v1/stats, --summary-json) and how
// its value is read from appliance_counters. Everything that shows a counter is
// generated from this table (metric_render.h), so a new counter is one row in
// metric_catalog.cpp and appears in /metrics, the stats JSON and the summary at once.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/appliance/appliance_counters.h"

namespace txscreen {

enum class metric_type : uint8_t { counter, gauge, histogram };

// The dashboard's groups in the stats JSON (a metric may feed several): rates of
// throughput, drops and backlog, each one number per metric (its samples summed).
enum metric_view : uint8_t { view_throughput = 1, view_drop = 2, view_backlog = 4 };

// The samples of one family: label values (as many as the family has labels) and a value.
class metric_samples {
public:
    struct sample {
        std::array<std::string, 2> labels;
        uint64_t value;
    };
    void add(uint64_t v) { items.push_back({{}, v}); }
    void add(std::string_view l0, uint64_t v) { items.push_back({{std::string(l0), {}}, v}); }
    void add(std::string_view l0, std::string_view l1, uint64_t v) {
        items.push_back({{std::string(l0), std::string(l1)}, v});
    }
    std::vector<sample> items;
};

struct metric_def {
    std::string_view name;  // Prometheus family name
    metric_type type;
    std::string_view help;
    // Dotted path in the JSON documents; each '*' takes the next label value, so
    // "feeds.*.suspect_datagrams.*" nests by feed, then by reason.
    std::string_view json;
    std::array<std::string_view, 2> labels;  // label names ("" = unused)
    void (*collect)(const appliance_counters&, metric_samples&);
    // Served only while the component that counts it runs (nullptr: always).
    bool (*present)(const appliance_counters&) = nullptr;
    uint8_t views = 0;          // metric_view bits
    std::string_view view_key;  // its name in those groups
};

std::span<const metric_def> metric_catalog();

// rx -> verdict latency (a histogram, rendered apart from the table).
struct histogram_def {
    std::string_view name, help, json;
};
const histogram_def& latency_metric();
// Issuer response time per TCP feed (label `feed`).
const histogram_def& issuer_response_metric();

// The build-info gauge: {version="..."} 1.
std::string_view build_info_metric_name();

}  // namespace txscreen
