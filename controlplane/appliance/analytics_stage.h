// What the controlplane derives from the verdict stream before the sinks see it
// (docs/alerts.md): cases stamped on alerts, 1-minute aggregates, and spike events from
// the closed windows, delivered to every sink like verdicts. Runs on the control loop's
// thread, off the lcores; also keeps the last hour of closed windows for the dashboard.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/analytics/case_tracker.h"
#include "controlplane/analytics/minute_aggregator.h"
#include "controlplane/analytics/spike_detector.h"
#include "controlplane/appliance/appliance_config.h"
#include "controlplane/appliance/sink_set.h"

namespace txscreen {

// The dashboard's view: the last hour of closed windows and the open cases.
struct analytics_view {
    struct window_total {
        int64_t start_ms;
        uint64_t transactions, alerts, reviews, blocks;
    };
    struct merchant_rate {
        std::string merchant;
        uint64_t transactions, alerts;
    };
    int64_t window_ms = 0;                    // the windows' length
    std::vector<window_total> windows;        // oldest first, feed rows summed
    std::vector<merchant_rate> top_merchants;  // by alert rate over those windows, highest first
    std::vector<case_summary> cases;           // most recently alerted first
    std::vector<spike_event> spikes;           // the latest, newest first
};

class analytics_stage {
public:
    analytics_stage(const appliance_config& conf, sink_set& sinks);
    ~analytics_stage();
    // Stamps the alert's case and aggregates the verdict (or issuer outcome).
    void on_verdict(Verdict& v) noexcept;
    void on_reject(const reject_record& r) noexcept;
    // Sequence gaps per feed (cumulative, by feed id) and the windows the watermark
    // closed: their rows, then the spikes they show, go to the sinks.
    void tick(const std::vector<uint64_t>& missing_by_feed);
    // End of input: every open window is emitted.
    void flush();
    void collect(appliance_counters& c) const;
    analytics_view view() const;

private:
    void emit_row(const aggregate_record& row);
    void emit_spike(const spike_event& s);
    void window_finished();
    void rank_merchants() const;
    sink_set& _sinks;
    std::unique_ptr<case_tracker> _cases;
    std::unique_ptr<minute_aggregator> _aggregates;
    std::unique_ptr<spike_detector> _spikes;
    void check_idle_feeds();
    std::vector<uint64_t> _missing_seen;
    std::vector<std::string> _feed_names;
    // Per feed: records taken so far, and as of the last tick with that count.
    struct feed_activity {
        uint64_t records = 0, records_seen = 0;
        std::chrono::steady_clock::time_point quiet_since;
    };
    std::vector<feed_activity> _feeds;
    int64_t _window_ms;
    int64_t _open_window_ms = -1;  // window whose rows are being emitted
    std::deque<analytics_view::window_total> _history;
    std::deque<std::vector<analytics_view::merchant_rate>> _merchant_history;
    std::deque<spike_event> _recent_spikes;
    // Ranked when a snapshot asks for them, not when a window closes: a replay or a
    // backlog closes thousands of windows a second, and a ranking of an hour's merchant
    // rows costs milliseconds (txscreen bench: 9 us of control thread per verdict).
    mutable std::vector<analytics_view::merchant_rate> _top_merchants;
    mutable bool _ranks_stale = false;
};

}  // namespace txscreen
