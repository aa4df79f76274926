// event_time_ahead: the event time is beyond the receive clock by more than
// velocity.max_future_skew (value and limit in seconds); velocity did not count it.
#pragma once

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_event_time_ahead(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    if (in.obs.status != observe_status::ahead) return false;
    hit.value = static_cast<double>(in.txn.event_time_ms - in.txn.rx_clock_ms) / 1000.0;
    hit.limit = static_cast<double>(in.velocity.max_future_skew_ms) / 1000.0;
    return true;
}

}  // namespace txscreen
