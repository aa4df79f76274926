// Spike alerts (docs/alerts.md, "Spikes"): each closed window row of dimension mcc,
// country or merchant (not "other") is compared with its key's EWMA baseline of
// earlier windows, for the alert rate (alerts / transactions) and the volume
// (transactions); a z-score over spike_config::z_threshold, with the key warmed up and
// the window above the minimum counts, is a spike. Feed rows give the ingestion
// anomalies: a feed that had traffic and sends nothing for a whole window (silent),
// and surges of rejects or sequence gaps. Corrections are not observed.
// Controlplane thread only; state per key is bounded (least recently seen dropped).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controlplane/analytics/analytics_config.h"
#include "controlplane/analytics/analytics_records.h"

namespace txscreen {

struct spike_counters {
    uint64_t windows = 0;   // windows evaluated
    uint64_t spikes[5] = {};  // by spike_event::spike_kind
    uint64_t keys = 0;      // gauge: baselines kept
};

using spike_emit = std::function<void(const spike_event&)>;

class spike_detector {
public:
    spike_detector(const spike_config& conf, std::vector<std::string> feed_names);
    ~spike_detector();
    // One row of a closed window (kind window; corrections are ignored).
    void observe(const aggregate_record& row, const spike_emit& emit);
    // Every row of the window [start_ms, end_ms) was observed: silent feeds and the
    // baselines of keys absent from it are settled.
    void window_done(int64_t start_ms, int64_t end_ms, const spike_emit& emit);
    // The feed sent nothing for a whole window of wall-clock time: with every feed
    // quiet no window closes on event time, so this is how a lone feed's silence shows.
    // Reported like a silent window [start_ms, end_ms), once until its traffic returns.
    void feed_idle(const std::string& feed, int64_t start_ms, int64_t end_ms, const spike_emit& emit);
    spike_counters counters() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace txscreen
