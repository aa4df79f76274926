// new_device: a payment from a device the card has not used, once the card has some
// history. A large payment from a new device is the account-takeover pattern: it needs
// only one earlier transaction of the card (the device is new to an existing card),
// scores the large weight, and its reason carries the amount and that threshold.
#pragma once

#include <algorithm>

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_new_device(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    if (!in.applied) return false;
    const Txn& t = in.txn;
    const detector_settings& d = in.det;
    const bool large = d.new_device_large_amount_major > 0 && in.amount_major >= d.new_device_large_amount_major;
    if (t.device_id.empty() || in.obs.prior.device_known) return false;
    if (!(in.history >= d.new_device_min_history || (large && in.history >= 1))) return false;
    if (t.chan != channel::ecom && d.new_device_ecom_only) return false;
    if (large) {
        hit.weight = std::max(configured_weight(in, detector::new_device), d.new_device_large_weight);
        hit.value = in.amount_major;
        hit.limit = d.new_device_large_amount_major;
    } else {
        hit.value = in.history;
        hit.limit = d.new_device_min_history;
    }
    return true;
}

}  // namespace txscreen
