// rapid_repeat: this transaction is at least the Nth of the same (card, merchant,
// amount) within the window. Keeps the newest three times of each triple in
// detector_state::repeats.
#pragma once

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_rapid_repeat(const detector_input& in, detector_state& st, detector_hit& hit) noexcept {
    if (!in.applied) return false;
    const detector_settings& d = in.det;
    const int64_t now = in.now_ms;
    bool created;
    repeat_entry& e = st.repeats.find_or_insert(in.keys.repeat_key, now, created);
    uint32_t same = 1;
    if (!created) {
        for (int64_t h : {e.last_time_ms, e.older_ms[0], e.older_ms[1]})
            if (h != 0 && h <= now && now - h <= d.rapid_repeat_window_ms) ++same;
        e.older_ms[1] = e.older_ms[0];
        e.older_ms[0] = e.last_time_ms;
        e.last_time_ms = now;
    }
    if (same < d.rapid_repeat_min_count) return false;
    hit.value = same;
    hit.limit = d.rapid_repeat_min_count;
    return true;
}

}  // namespace txscreen
