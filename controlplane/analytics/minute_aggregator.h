// Tumbling event-time windows (aggregates_config::window_ms, 1 minute by default,
// aligned to whole windows of UTC event time) per feed, merchant, MCC, country and
// channel, fed with every verdict, issuer outcome and reject the controlplane takes
// (docs/alerts.md, "Aggregates"). Runs on the controlplane thread, never on an lcore.
//
// A window closes when the watermark (newest event time seen minus
// allowed_lateness_ms) reaches its end: its rows go out once, kind window. An event
// for a window already closed is a late event: it is aggregated into a correction row
// of that window (only the late events), emitted with the next window that closes or
// after one window length of wall-clock time, whichever is first; one older than
// max_correction_age_ms behind the watermark is counted too_late and not aggregated.
//
// Restarts: `state_path` keeps the end of the newest window emitted (written before
// the rows are emitted, so a kill -9 can lose the rows of that instant but never emit a
// window twice); after a restart, events of windows ending at or before it are late.
//
// Memory is bounded: at most max_open_windows windows are open (beyond, the oldest
// closes early, counted), each with at most top_merchants merchant rows (later
// merchants of the window fold into the key "other", counted).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/reject_record.h"
#include "common/verdict.h"
#include "controlplane/analytics/analytics_config.h"
#include "controlplane/analytics/analytics_records.h"

namespace txscreen {

struct aggregate_counters {
    uint64_t events = 0;           // verdicts, outcomes and rejects aggregated
    uint64_t windows_closed = 0;   // windows whose rows were emitted
    uint64_t rows = 0;             // window rows emitted
    uint64_t corrections = 0;      // correction rows emitted
    uint64_t late_events = 0;      // events aggregated into corrections
    uint64_t too_late = 0;         // events older than max_correction_age_ms: not aggregated
    uint64_t ahead = 0;            // verdicts dated beyond their receive clock (Verdict::ahead): not aggregated
    uint64_t merchants_folded = 0; // events of merchants beyond top_merchants, counted under "other"
    uint64_t closed_early = 0;     // windows closed before the watermark for max_open_windows
    uint64_t state_errors = 0;     // state file writes that failed (the error is logged)
    uint64_t open_windows = 0;     // gauge
    int64_t watermark_ms = 0;      // gauge: newest event time - allowed lateness (0: none yet)
};

using aggregate_emit = std::function<void(const aggregate_record&)>;

class minute_aggregator {
public:
    // `feed_names` by feed id (keys of dimension feed). `state_path` "": no restart state.
    // Throws std::runtime_error when the state file exists and cannot be read.
    minute_aggregator(const aggregates_config& conf, std::vector<std::string> feed_names, std::string state_path);
    ~minute_aggregator();

    void add(const Verdict& v) noexcept;          // a screened request
    void add_outcome(const Verdict& v) noexcept;  // an issuer outcome: approved or declined
    void add_reject(const reject_record& r) noexcept;
    void add_gaps(uint16_t feed_id, uint64_t missing) noexcept;  // sequence gaps seen since the last call
    // Emits the rows of every window the watermark closed, then the pending corrections
    // when a window closed or they have waited a window length of wall-clock time.
    void advance(const aggregate_emit& emit);
    // End of input: emits every open window and pending correction.
    void flush(const aggregate_emit& emit);
    aggregate_counters counters() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace txscreen
