// count_velocity: the card's transaction count over the window (this txn included) is
// above the limit.
#pragma once

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_count_velocity(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    if (!in.card || !in.measured) return false;
    const detector_settings& d = in.det;
    const double count = velocity_count_within(*in.card, in.now_ms, d.count_velocity_window_ms);
    if (!(count > d.count_velocity_limit)) return false;
    hit.value = count;
    hit.limit = d.count_velocity_limit;
    return true;
}

}  // namespace txscreen
