// Prometheus text exposition format 0.0.4 writer, for admin_backend::write_metrics
// and the server's own txscreen_admin_* families (metric names in docs/admin.md).
//
//   prometheus_text p(out);
//   p.family("example_rejects_total", "counter", "Messages rejected, by reason");
//   p.sample("example_rejects_total", {{"reason", "bad_bitmap"}}, 12);
//
// Label values are escaped (backslash, double quote, newline); names are written as
// given (callers pass constants). Appends to a caller-owned string: no other state.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace txscreen {

class latency_histogram;

using prom_label = std::pair<std::string_view, std::string_view>;

class prometheus_text {
public:
    explicit prometheus_text(std::string& out) noexcept : _out(out) {}

    // "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram,
    // summary, untyped). Write once per family, before its samples.
    void family(std::string_view name, std::string_view type, std::string_view help);
    // "name{l1="v1",...} value". Integers are written exactly; doubles with up to 17
    // significant digits, NaN/+Inf/-Inf as Prometheus spells them.
    void sample(std::string_view name, std::initializer_list<prom_label> labels, uint64_t value);
    void sample(std::string_view name, std::initializer_list<prom_label> labels, double value);
    void sample(std::string_view name, std::span<const prom_label> labels, uint64_t value);
    void sample(std::string_view name, std::span<const prom_label> labels, double value);

    // A whole histogram family member: name_bucket{...,le="..."} for every bound
    // (cumulative counts, ascending bounds in the metric's unit), le="+Inf" = count,
    // then name_sum and name_count. Call family(name, "histogram", ...) first.
    void histogram(std::string_view name, std::initializer_list<prom_label> labels,
                   std::span<const double> upper_bounds, std::span<const uint64_t> cumulative,
                   double sum, uint64_t count);

    // A latency_histogram (nanoseconds) as a summary in seconds: quantiles 0.5, 0.9,
    // 0.99, 0.999 and name_count (latency_histogram keeps no sum, so no name_sum).
    // Call family(name, "summary", ...) first.
    void latency_summary(std::string_view name, std::initializer_list<prom_label> labels,
                         const latency_histogram& h);

private:
    void labels_open(std::string_view name, std::span<const prom_label> labels);
    void value(uint64_t v);
    void value(double v);
    std::string& _out;
};


}  // namespace txscreen
