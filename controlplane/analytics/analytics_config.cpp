#include "controlplane/analytics/analytics_config.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "config/config_explain.h"
#include "config/config_real.h"
#include "config/toml_section.h"

namespace txscreen {

namespace {

constexpr int64_t day_ms = 86'400'000;

constexpr int_range range_case_window_ms{1'000, 30 * day_ms};
constexpr int_range range_notify_interval_ms{0, 7 * day_ms};
constexpr int_range range_case_max_open{1, 100'000'000};
constexpr int_range range_agg_window_ms{1'000, day_ms};
constexpr int_range range_lateness_ms{0, day_ms};
constexpr int_range range_top_merchants{1, 1'000'000};
constexpr int_range range_correction_age_ms{0, 30 * day_ms};
constexpr int_range range_open_windows{2, 10'000};
constexpr int_range range_warmup{1, 100'000};
// Zero would let an empty window (outcomes only) divide 0 by 0.
constexpr int_range range_min_count{1, 1'000'000'000'000};

constexpr real_range range_z{0, 1000, true, "above 0 and at most 1000"};
constexpr real_range range_alpha{0, 1, true, "above 0 and at most 1"};
constexpr real_range range_stddev_ratio{0, 10, false, "0..10"};

void read_cases(const toml_section& s, case_config& c) {
    s.only_keys({"enabled", "window", "notify_interval", "max_open"});
    s.get_bool("enabled", c.enabled);
    s.get_duration("window", c.window_ms, range_case_window_ms);
    s.get_duration("notify_interval", c.notify_interval_ms, range_notify_interval_ms);
    s.get_int("max_open", c.max_open, range_case_max_open);
}

void read_aggregates(const toml_section& s, aggregates_config& c) {
    s.only_keys({"enabled", "window", "allowed_lateness", "top_merchants", "max_correction_age", "max_open_windows"});
    s.get_bool("enabled", c.enabled);
    s.get_duration("window", c.window_ms, range_agg_window_ms);
    s.get_duration("allowed_lateness", c.allowed_lateness_ms, range_lateness_ms);
    s.get_int("top_merchants", c.top_merchants, range_top_merchants);
    s.get_duration("max_correction_age", c.max_correction_age_ms, range_correction_age_ms);
    s.get_int("max_open_windows", c.max_open_windows, range_open_windows);
}

void read_spikes(const toml_section& s, spike_config& c) {
    s.only_keys({"enabled", "z_threshold", "alpha", "warmup_windows", "min_transactions", "min_alerts",
                 "min_stddev_ratio", "min_rejects"});
    s.get_bool("enabled", c.enabled);
    get_real(s, "z_threshold", c.z_threshold);
    get_real(s, "alpha", c.alpha);
    s.get_int("warmup_windows", c.warmup_windows, range_warmup);
    s.get_int("min_transactions", c.min_transactions, range_min_count);
    s.get_int("min_alerts", c.min_alerts, range_min_count);
    get_real(s, "min_stddev_ratio", c.min_stddev_ratio);
    s.get_int("min_rejects", c.min_rejects, range_min_count);
}

void validate_aggregates(const aggregates_config& a, config_errors& e) {
    check_duration(e, "aggregates.window", a.window_ms, range_agg_window_ms);
    // Windows align to whole windows of the UTC day, so the length must divide it.
    if (e.clean("aggregates.window") && day_ms % a.window_ms != 0)
        e.fail("aggregates.window", "must divide a day (1m, 5m, 15m, 1h, ...), got " +
                                        e.as_written("aggregates.window", format_duration(a.window_ms)));
    check_duration(e, "aggregates.allowed_lateness", a.allowed_lateness_ms, range_lateness_ms);
    check_int(e, "aggregates.top_merchants", a.top_merchants, range_top_merchants);
    check_duration(e, "aggregates.max_correction_age", a.max_correction_age_ms, range_correction_age_ms);
    check_int(e, "aggregates.max_open_windows", a.max_open_windows, range_open_windows);
}

void validate_spikes(const spike_config& s, config_errors& e) {
    check_real(e, "spikes.z_threshold", s.z_threshold, range_z);
    check_real(e, "spikes.alpha", s.alpha, range_alpha);
    check_int(e, "spikes.warmup_windows", s.warmup_windows, range_warmup);
    check_int(e, "spikes.min_transactions", static_cast<int64_t>(std::min<uint64_t>(s.min_transactions, INT64_MAX)),
              range_min_count);
    check_int(e, "spikes.min_alerts", static_cast<int64_t>(std::min<uint64_t>(s.min_alerts, INT64_MAX)), range_min_count);
    check_real(e, "spikes.min_stddev_ratio", s.min_stddev_ratio, range_stddev_ratio);
    check_int(e, "spikes.min_rejects", static_cast<int64_t>(std::min<uint64_t>(s.min_rejects, INT64_MAX)),
              range_min_count);
}

}  // namespace

void read_analytics_sections(const toml_section& root, analytics_config& c) {
    if (auto s = root.table("cases")) read_cases(*s, c.cases);
    if (auto s = root.table("aggregates")) read_aggregates(*s, c.aggregates);
    if (auto s = root.table("spikes")) read_spikes(*s, c.spikes);
}

void validate(const analytics_config& c, config_errors& e) {
    check_duration(e, "cases.window", c.cases.window_ms, range_case_window_ms);
    check_duration(e, "cases.notify_interval", c.cases.notify_interval_ms, range_notify_interval_ms);
    check_int(e, "cases.max_open", c.cases.max_open, range_case_max_open);
    validate_aggregates(c.aggregates, e);
    validate_spikes(c.spikes, e);
}

void explain(const analytics_config& c, explanation& out) {
    const case_config& k = c.cases;
    if (k.enabled)
        out.lines << "  cases: alerts on a card within " << format_duration(k.window_ms)
                  << " of its latest share a case; webhooks notify a case at most every "
                  << format_duration(k.notify_interval_ms) << "; up to " << k.max_open << " open\n";
    else
        out.lines << "  cases: off (every alert stands alone)\n";
    const aggregates_config& a = c.aggregates;
    if (!a.enabled) {
        out.lines << "  aggregates: off (no spike alerts either)\n";
        return;
    }
    out.lines << "  aggregates: " << format_duration(a.window_ms)
              << " windows of UTC event time per feed, merchant, MCC, country and channel, closed "
              << format_duration(a.allowed_lateness_ms) << " behind the newest event; top " << a.top_merchants
              << " merchants per window (the rest \"other\"); corrections up to "
              << format_duration(a.max_correction_age_ms) << " late; at most " << a.max_open_windows << " windows open\n";
    const spike_config& s = c.spikes;
    if (!s.enabled) {
        out.lines << "  spikes: off\n";
        return;
    }
    out.lines << "  spikes: z > " << s.z_threshold << " against an EWMA (alpha " << s.alpha << ") after "
              << s.warmup_windows << " windows, with at least " << s.min_transactions << " transactions and "
              << s.min_alerts << " alerts (alert rate) or " << s.min_rejects
              << " rejects or gaps (feeds); stddev at least " << s.min_stddev_ratio << " x baseline\n";
}

}  // namespace txscreen
