// new_device: a payment from a device the card has not used, once the card has some
// history. A large payment from a new device is the account-takeover pattern: it needs
// only one earlier transaction of the card (the device is new to an existing card),
// scores the large weight, and its reason carries the amount and that threshold.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct new_device_detector {
    static constexpr std::string_view name = "new_device";
    static constexpr std::string_view description = "e-commerce from a device the card has not used before";
    static constexpr uint8_t default_weight = 20;

    struct settings {
        uint32_t new_device_min_history = 3;  // card must have this many prior txns
        bool new_device_ecom_only = true;
        // Account takeover: a new device paying at least this much (major units of the
        // txn's currency; 0 = off) scores large_weight instead of the detector's weight.
        double new_device_large_amount_major = 0;
        uint8_t new_device_large_weight = 60;
    };

    static constexpr std::array<std::string_view, 4> keys = {"min_history", "ecom_only", "large_amount",
                                                             "large_weight"};

    static bool parse(const settings_node& section, settings& s) {
        return section.integer("min_history", 0, 1000, s.new_device_min_history) &&
               section.boolean("ecom_only", s.new_device_ecom_only) &&
               section.number("large_amount", 0, 1e12, s.new_device_large_amount_major) &&
               section.integer("large_weight", 0, 100, s.new_device_large_weight);
    }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        if (!in.applied) return false;
        const Txn& t = in.txn;
        const bool large = s.new_device_large_amount_major > 0 && in.amount_major >= s.new_device_large_amount_major;
        if (t.device_id.empty() || in.obs.prior.device_known) return false;
        if (!(in.history >= s.new_device_min_history || (large && in.history >= 1))) return false;
        if (t.chan != channel::ecom && s.new_device_ecom_only) return false;
        if (large) {
            hit.weight = std::max(hit.configured_weight(), s.new_device_large_weight);
            hit.value = in.amount_major;
            hit.limit = s.new_device_large_amount_major;
        } else {
            hit.value = in.history;
            hit.limit = s.new_device_min_history;
        }
        return true;
    }
};

}  // namespace txscreen
