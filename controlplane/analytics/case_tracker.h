// Cases (docs/alerts.md, "Cases"): the first alert on a card opens one; later alerts
// on the card within case_config::window_ms of the case's latest alert (event time)
// attach to it. Stamps Verdict::case_id, case_seq and notice on every alert before any
// sink sees it. Controlplane thread only; bounded by max_open (the least recently
// alerted case closes early, counted).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/verdict.h"
#include "controlplane/analytics/analytics_config.h"

namespace txscreen {

struct case_counters {
    uint64_t opened = 0;          // cases opened
    uint64_t attached = 0;        // alerts attached to an open case
    uint64_t notices = 0;         // alerts stamped opened or updated (what notify = "case" sends)
    uint64_t suppressed = 0;      // alerts attached within notify_interval: no notice
    uint64_t closed_early = 0;    // cases dropped for max_open before their window ended
    uint64_t unstamped = 0;       // alerts left without a case: no memory for one
    uint64_t open = 0;            // gauge
};

// One open case, for the dashboard.
struct case_summary {
    uint64_t id;
    uint32_t alerts;
    int64_t opened_ms, last_ms;   // event times of its first and latest alert
    uint8_t max_score;
    char card_bin[9], card_last4[5];
};

class case_tracker {
public:
    explicit case_tracker(const case_config& conf);
    ~case_tracker();
    // Stamps `v` when it is an alert (else leaves the case fields zero).
    void stamp(Verdict& v) noexcept;
    case_counters counters() const noexcept;
    // The `limit` most recently alerted open cases, newest first.
    std::vector<case_summary> recent(std::size_t limit) const;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

// The case id as rendered everywhere: 16 lowercase hex digits.
std::string case_id_text(uint64_t id);

}  // namespace txscreen
