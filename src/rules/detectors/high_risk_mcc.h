// high_risk_mcc: the merchant category is on the ruleset's high-risk list.
#pragma once

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_high_risk_mcc(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    const uint16_t mcc = in.txn.mcc;
    if (mcc == 0 || !in.rules.is_high_risk_mcc(mcc)) return false;
    hit.value = mcc;
    hit.limit = 0;
    return true;
}

}  // namespace txscreen
