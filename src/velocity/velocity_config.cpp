#include "velocity/velocity_config.h"

#include <cstdio>
#include <exception>
#include <string>

#include "config/config_explain.h"
#include "config/toml_section.h"
#include "velocity/velocity.h"

namespace txscreen {

namespace {

constexpr int_range range_capacity{1, 1 << 30};
constexpr int_range range_probe{4, 64};
constexpr int_range range_lateness_ms{0, 3'600'000};
constexpr int_range range_future_skew_ms{0, velocity_max_window_ms};
constexpr int_range range_ttl_ms{velocity_max_window_ms, 30LL * 86'400'000};
constexpr int_range range_dedup_window_ms{1000, 7LL * 86'400'000};

}  // namespace

void read_velocity_fields(const toml_section& s, velocity_config& c) {
    s.get_int("card_capacity", c.card_capacity, range_capacity);
    s.get_int("merchant_capacity", c.merchant_capacity, range_capacity);
    s.get_int("device_capacity", c.device_capacity, range_capacity);
    s.get_int("ip_capacity", c.ip_capacity, range_capacity);
    s.get_int("dedup_capacity", c.dedup_capacity, range_capacity);
    s.get_int("probe_limit", c.probe_limit, range_probe);
    s.get_duration("ttl", c.ttl_ms, range_ttl_ms);
    s.get_duration("allowed_lateness", c.allowed_lateness_ms, range_lateness_ms);
    s.get_duration("max_future_skew", c.max_future_skew_ms, range_future_skew_ms);
    s.get_duration("dedup_window", c.dedup_window_ms, range_dedup_window_ms);
}

void validate(const velocity_config& c, config_errors& e) {
    check_int(e, "velocity.card_capacity", c.card_capacity, range_capacity);
    check_int(e, "velocity.merchant_capacity", c.merchant_capacity, range_capacity);
    check_int(e, "velocity.device_capacity", c.device_capacity, range_capacity);
    check_int(e, "velocity.ip_capacity", c.ip_capacity, range_capacity);
    check_int(e, "velocity.dedup_capacity", c.dedup_capacity, range_capacity);
    check_int(e, "velocity.probe_limit", c.probe_limit, range_probe);
    check_duration(e, "velocity.allowed_lateness", c.allowed_lateness_ms, range_lateness_ms);
    check_duration(e, "velocity.max_future_skew", c.max_future_skew_ms, range_future_skew_ms);
    check_duration(e, "velocity.ttl", c.ttl_ms, range_ttl_ms);
    // The TTL must outlive the longest window plus the lateness, or a late event would
    // find its card's history already reused.
    if (c.ttl_ms < velocity_max_window_ms + c.allowed_lateness_ms && e.clean("velocity.allowed_lateness"))
        e.fail("velocity.ttl", "must be at least 24h + allowed_lateness (" +
                                   format_duration(velocity_max_window_ms + c.allowed_lateness_ms) + "), got " +
                                   format_duration(c.ttl_ms));
    check_duration(e, "velocity.dedup_window", c.dedup_window_ms, range_dedup_window_ms);
}

const char* velocity_validate(const velocity_config& c) noexcept {
    thread_local std::string first;
    try {
        config_errors e;
        validate(c, e);
        first = e.first();
    } catch (const std::exception&) {
        return "velocity: out of memory while validating the configuration";
    }
    return first.empty() ? nullptr : first.c_str();
}

void explain(const velocity_config& v, unsigned workers, explanation& out) {
    const double mib = static_cast<double>(velocity_shard::bytes_needed(v)) / double(1 << 20);
    char line[256];
    std::snprintf(line, sizeof line,
                  "  velocity per worker: %u cards, %u merchants, %u devices, %u ips, %u dedup ids = %.0f MiB "
                  "(%.0f MiB for %u worker(s))\n",
                  v.card_capacity, v.merchant_capacity, v.device_capacity, v.ip_capacity, v.dedup_capacity, mib,
                  mib * workers, workers);
    out.lines << line;
    out.lines << "  velocity ttl " << format_duration(v.ttl_ms) << ", allowed lateness "
              << format_duration(v.allowed_lateness_ms) << ", max future skew " << format_duration(v.max_future_skew_ms)
              << ", dedup window " << format_duration(v.dedup_window_ms) << ", probe limit " << v.probe_limit << "\n";
}

}  // namespace txscreen
