// amount_velocity: the card's amount sum over the window (velocity's buckets, this txn
// included) is above the limit, in major units of the txn's currency.
#pragma once

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_amount_velocity(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    if (!in.card || !in.measured) return false;
    const detector_settings& d = in.det;
    const double sum =
        static_cast<double>(velocity_sum_within(*in.card, in.now_ms, d.amount_velocity_window_ms)) / in.scale;
    if (!(sum > d.amount_velocity_limit_major)) return false;
    hit.value = sum;
    hit.limit = d.amount_velocity_limit_major;
    return true;
}

}  // namespace txscreen
