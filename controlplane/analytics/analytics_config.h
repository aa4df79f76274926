// Settings of what the controlplane derives from the verdict stream: cases ([cases]),
// 1-minute aggregates ([aggregates]) and spike alerts ([spikes]); docs/config.md and
// docs/alerts.md. Each struct with its defaults; one reader, validator and explain().
#pragma once

#include <cstdint>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct case_config {
    bool enabled = true;
    int64_t window_ms = 30 * 60'000;          // case_window: a later alert on the card within it attaches
    int64_t notify_interval_ms = 10 * 60'000; // notify = "case": at most one update per case per interval
    uint32_t max_open = 1'000'000;            // open cases kept; beyond, the oldest is closed early (counted)
};

struct aggregates_config {
    bool enabled = true;
    int64_t window_ms = 60'000;               // divides a day; windows align to it in UTC
    int64_t allowed_lateness_ms = 30'000;     // watermark = newest event time - this
    uint32_t top_merchants = 1000;            // merchant rows per window; beyond: folded into "other"
    // A late event older than this behind the watermark is not aggregated (counted too_late).
    int64_t max_correction_age_ms = 24 * 3'600'000LL;
    uint32_t max_open_windows = 64;           // windows open at once; beyond: the oldest closes early
};

struct spike_config {
    bool enabled = true;
    double z_threshold = 4.0;       // (observed - baseline) / stddev above this is a spike
    double alpha = 0.2;             // EWMA weight of the newest window
    uint32_t warmup_windows = 5;    // windows a key must have before it can spike
    uint64_t min_transactions = 30; // a window needs this many transactions (volume, alert rate)
    uint64_t min_alerts = 5;        // and this many alerts (alert rate)
    double min_stddev_ratio = 0.1;  // stddev floored at this share of the baseline (flat series)
    uint64_t min_rejects = 20;      // reject_surge / gap_surge need at least this many
};

struct analytics_config {
    case_config cases;
    aggregates_config aggregates;
    spike_config spikes;
};

// [cases], [aggregates], [spikes] of the root table (each optional).
void read_analytics_sections(const toml_section& root, analytics_config& c);
void validate(const analytics_config& c, config_errors& errors);
void explain(const analytics_config& c, explanation& out);

}  // namespace txscreen
