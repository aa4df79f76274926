// pattern_hit: screening matched patterns of categories that count. Scores the matched
// patterns' summed weight, capped at the detector's weight (the reason's limit).
#pragma once

#include <algorithm>

#include "rules/detectors/detector.h"
#include "screen/pattern_db.h"
#include "screen/screen.h"

namespace txscreen {

inline bool evaluate_pattern_hit(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    if (!in.screen) return false;
    const screen_result& sr = *in.screen;
    const uint16_t counted = sr.categories & in.det.pattern_categories;
    if (!counted) return false;
    unsigned w = sr.weight;
    if (counted != sr.categories) {   // only some categories count: sum theirs
        w = 0;
        for (int i = 0; i < sr.n_ids; ++i)
            if (const pattern_def* pd = in.patterns->find(sr.ids[i]); pd && (category_bit(pd->category) & counted))
                w += pd->weight;
    }
    if (w == 0) return false;
    const unsigned cap = configured_weight(in, detector::pattern_hit);
    hit.weight = static_cast<int>(std::min(w, cap));
    hit.value = w;
    hit.limit = cap;
    return true;
}

}  // namespace txscreen
