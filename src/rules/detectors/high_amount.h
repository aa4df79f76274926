// high_amount: the amount is above the limit of its currency (and MCC); the ruleset
// looks the limit up (ruleset::high_amount_limit, 0 = that currency is not checked).
#pragma once

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_high_amount(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    const Txn& t = in.txn;
    const int64_t limit = in.rules.high_amount_limit(t.currency, t.mcc, t.currency_exponent);
    if (limit <= 0 || t.amount_minor <= limit) return false;
    hit.value = in.amount_major;
    hit.limit = static_cast<double>(limit) / in.scale;
    return true;
}

}  // namespace txscreen
