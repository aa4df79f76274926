// duplicate: velocity saw the same transaction identity within its duplicate window
// (the reason's limit, in seconds). Weight 0 by default: counted, not scored.
#pragma once

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_duplicate(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    if (in.obs.status != observe_status::duplicate) return false;
    hit.value = 1;
    hit.limit = static_cast<double>(in.velocity.dedup_window_ms) / 1000.0;
    return true;
}

}  // namespace txscreen
