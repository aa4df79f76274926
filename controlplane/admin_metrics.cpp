#include "controlplane/admin_metrics.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/latency_histogram.h"

namespace txscreen {

void prometheus_text::family(std::string_view name, std::string_view type, std::string_view help) {
    _out += "# HELP ";
    _out += name;
    _out += ' ';
    // HELP text escapes only backslash and newline.
    for (char c : help) {
        if (c == '\\') _out += "\\\\";
        else if (c == '\n') _out += "\\n";
        else _out += c;
    }
    _out += "\n# TYPE ";
    _out += name;
    _out += ' ';
    _out += type;
    _out += '\n';
}

void prometheus_text::labels_open(std::string_view name, std::span<const prom_label> labels) {
    _out += name;
    if (labels.empty()) {
        _out += ' ';
        return;
    }
    _out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) _out += ',';
        first = false;
        _out += k;
        _out += "=\"";
        for (char c : v) {
            if (c == '\\') _out += "\\\\";
            else if (c == '"') _out += "\\\"";
            else if (c == '\n') _out += "\\n";
            else _out += c;
        }
        _out += '"';
    }
    _out += "} ";
}

void prometheus_text::value(uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    _out.append(buf, r.ptr);
    _out += '\n';
}

void prometheus_text::value(double v) {
    if (std::isnan(v)) {
        _out += "NaN\n";
    } else if (std::isinf(v)) {
        _out += v > 0 ? "+Inf\n" : "-Inf\n";
    } else {
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        _out.append(buf, r.ptr);
        _out += '\n';
    }
}

void prometheus_text::sample(std::string_view name, std::span<const prom_label> labels, uint64_t v) {
    labels_open(name, labels);
    value(v);
}
void prometheus_text::sample(std::string_view name, std::span<const prom_label> labels, double v) {
    labels_open(name, labels);
    value(v);
}
void prometheus_text::sample(std::string_view name, std::initializer_list<prom_label> labels, uint64_t v) {
    sample(name, std::span<const prom_label>(labels.begin(), labels.size()), v);
}
void prometheus_text::sample(std::string_view name, std::initializer_list<prom_label> labels, double v) {
    sample(name, std::span<const prom_label>(labels.begin(), labels.size()), v);
}

void prometheus_text::histogram(std::string_view name, std::initializer_list<prom_label> labels,
                                std::span<const double> upper_bounds,
                                std::span<const uint64_t> cumulative, double sum, uint64_t count) {
    std::string bucket(name);
    bucket += "_bucket";
    std::vector<prom_label> l(labels.begin(), labels.end());
    l.emplace_back("le", std::string_view{});
    char le[32];
    for (std::size_t i = 0; i < upper_bounds.size() && i < cumulative.size(); ++i) {
        auto r = std::to_chars(le, le + sizeof le, upper_bounds[i]);
        l.back().second = std::string_view(le, static_cast<std::size_t>(r.ptr - le));
        sample(bucket, std::span<const prom_label>(l), cumulative[i]);
    }
    l.back().second = "+Inf";
    sample(bucket, std::span<const prom_label>(l), count);
    sample(std::string(name) + "_sum", labels, sum);
    sample(std::string(name) + "_count", labels, count);
}

void prometheus_text::latency_summary(std::string_view name, std::initializer_list<prom_label> labels,
                                      const latency_histogram& h) {
    std::vector<prom_label> l(labels.begin(), labels.end());
    l.emplace_back("quantile", std::string_view{});
    static constexpr std::pair<double, std::string_view> qs[] = {
        {0.5, "0.5"}, {0.9, "0.9"}, {0.99, "0.99"}, {0.999, "0.999"}};
    for (const auto& [q, text] : qs) {
        l.back().second = text;
        sample(name, std::span<const prom_label>(l), static_cast<double>(h.quantile(q)) / 1e9);
    }
    sample(std::string(name) + "_count", labels, h.count());
}

}  // namespace txscreen
