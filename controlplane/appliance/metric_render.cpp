#include "controlplane/appliance/metric_render.h"

#include <array>
#include <vector>

#include "controlplane/admin_metrics.h"
#include "controlplane/appliance/build_version.h"

namespace txscreen {

namespace {

bool served(const metric_def& m, const appliance_counters& c) { return !m.present || m.present(c); }

metric_samples collect(const metric_def& m, const appliance_counters& c) {
    metric_samples s;
    m.collect(c, s);
    return s;
}

constexpr std::string_view build_info_help = "The running build: its version as a label, value 1";

const char* type_name(metric_type t) {
    return t == metric_type::gauge ? "gauge" : t == metric_type::histogram ? "histogram" : "counter";
}

// Bounds of the exported latency histogram, in seconds: the internal histogram's
// buckets are log-linear (6.25% wide), so each bound counts the buckets below it.
constexpr std::array<double, 18> latency_bounds_s = {1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4,
                                                     1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1,  0.5,  1.0};

void render_latency(const latency_histogram& h, prometheus_text& p) {
    const histogram_def& d = latency_metric();
    std::array<uint64_t, latency_bounds_s.size()> cumulative{};
    for (std::size_t i = 0; i < latency_bounds_s.size(); ++i)
        cumulative[i] = h.count_at_most(static_cast<uint64_t>(latency_bounds_s[i] * 1e9));
    p.family(d.name, "histogram", d.help);
    p.histogram(d.name, {}, latency_bounds_s, cumulative, static_cast<double>(h.sum()) / 1e9, h.count());
}

constexpr std::array<double, 14> issuer_bounds_s = {1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1,
                                                    0.2,  0.5,  1.0,  2.0,  5.0,  10.0, 30.0};

void render_issuer_response(const appliance_counters& c, prometheus_text& p) {
    const histogram_def& d = issuer_response_metric();
    p.family(d.name, "histogram", d.help);
    for (std::size_t f = 0; f < c.dp.feeds.size(); ++f) {
        if (!c.dp.feeds[f].tcp_feed) continue;
        const latency_histogram empty;
        const latency_histogram& h = f < c.issuer_response.size() ? c.issuer_response[f] : empty;
        std::array<uint64_t, issuer_bounds_s.size()> cumulative{};
        for (std::size_t i = 0; i < issuer_bounds_s.size(); ++i)
            cumulative[i] = h.count_at_most(static_cast<uint64_t>(issuer_bounds_s[i] * 1e9));
        p.histogram(d.name, {{"feed", c.dp.feeds[f].name}}, issuer_bounds_s, cumulative, static_cast<double>(h.sum()) / 1e9, h.count());
    }
}

void render_family(const metric_def& m, const appliance_counters& c, prometheus_text& p) {
    p.family(m.name, type_name(m.type), m.help);
    for (const auto& s : collect(m, c).items) {
        std::array<prom_label, 2> labels;
        std::size_t n = 0;
        for (; n < 2 && !m.labels[n].empty(); ++n) labels[n] = {m.labels[n], s.labels[n]};
        p.sample(m.name, std::span<const prom_label>(labels.data(), n), s.value);
    }
}

// The JSON path with each '*' replaced by the next label value, split at '.'.
std::vector<std::string> json_keys(std::string_view path, const metric_samples::sample& s) {
    std::vector<std::string> keys(1);
    std::size_t label = 0;
    for (char ch : path) {
        if (ch == '.') keys.emplace_back();
        else if (ch == '*' && label < 2) keys.back() += s.labels[label++];
        else keys.back() += ch;
    }
    return keys;
}

nlohmann::ordered_json latency_json(const latency_histogram& h) {
    return {{"p50", h.quantile(0.5)},   {"p90", h.quantile(0.9)}, {"p99", h.quantile(0.99)},
            {"p999", h.quantile(0.999)}, {"max", h.max()},        {"count", h.count()}};
}

}  // namespace

void render_prometheus(const appliance_counters& c, std::string& out) {
    prometheus_text p(out);
    for (const metric_def& m : metric_catalog())
        if (served(m, c)) render_family(m, c, p);
    render_latency(c.latency, p);
    bool any_tcp = false;
    for (const auto& f : c.dp.feeds) any_tcp |= f.tcp_feed;
    if (any_tcp) render_issuer_response(c, p);
    p.family(build_info_metric_name(), "gauge", build_info_help);
    p.sample(build_info_metric_name(), {{"version", TXSCREEN_VERSION}}, uint64_t{1});
}

nlohmann::ordered_json render_counters_json(const appliance_counters& c) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    for (const metric_def& m : metric_catalog()) {
        if (!served(m, c)) continue;
        for (const auto& s : collect(m, c).items) {
            nlohmann::ordered_json* at = &doc;
            for (const std::string& k : json_keys(m.json, s)) at = &(*at)[k];
            *at = s.value;
        }
    }
    doc[std::string(latency_metric().json)] = latency_json(c.latency);
    for (std::size_t f = 0; f < c.dp.feeds.size() && f < c.issuer_response.size(); ++f)
        if (c.dp.feeds[f].tcp_feed)
            doc["feeds"][c.dp.feeds[f].name]["tcp"]["issuer_response_ns"] = latency_json(c.issuer_response[f]);
    return doc;
}

nlohmann::ordered_json render_view(const appliance_counters& c, metric_view view) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    for (const metric_def& m : metric_catalog()) {
        if (!(m.views & view) || !served(m, c)) continue;
        uint64_t sum = 0;
        for (const auto& s : collect(m, c).items) sum += s.value;
        doc[std::string(m.view_key)] = sum;
    }
    return doc;
}

std::string render_summary_lines(const appliance_counters& c) {
    std::string scalars, groups;
    const nlohmann::ordered_json doc = render_counters_json(c);  // outlives the loop over it
    for (const auto& [group, value] : doc.items()) {
        if (group == latency_metric().json) continue;
        if (value.is_number_unsigned()) {
            if (value.get<uint64_t>()) scalars += (scalars.empty() ? "" : ", ") + group + ' ' + value.dump();
            continue;
        }
        std::string line;
        const nlohmann::ordered_json flat = value.flatten();
        for (const auto& [key, v] : flat.items())
            if (v.is_number_unsigned() && v.get<uint64_t>() != 0)
                line += (line.empty() ? "" : ", ") + key.substr(1) + ' ' + v.dump();
        if (!line.empty()) groups += "  " + group + ": " + line + '\n';
    }
    return "  counters: " + scalars + '\n' + groups;
}

std::string render_catalog_markdown() {
    std::string out = "| metric | type | labels | JSON path | meaning |\n|---|---|---|---|---|\n";
    auto row = [&out](std::string_view name, std::string_view type, std::string labels, std::string_view json,
                      std::string_view help) {
        out += "| `" + std::string(name) + "` | " + std::string(type) + " | " + labels + " | `" + std::string(json) +
               "` | " + std::string(help) + " |\n";
    };
    for (const metric_def& m : metric_catalog()) {
        std::string labels;
        for (std::string_view l : m.labels)
            if (!l.empty()) labels += (labels.empty() ? "`" : ", `") + std::string(l) + "`";
        row(m.name, type_name(m.type), labels, m.json, m.help);
    }
    const histogram_def& h = latency_metric();
    row(h.name, "histogram", "`le`", h.json, h.help);
    const histogram_def& ir = issuer_response_metric();
    row(ir.name, "histogram", "`feed`, `le`", ir.json, ir.help);
    row(build_info_metric_name(), "gauge", "`version`", "", build_info_help);
    return out;
}

}  // namespace txscreen
