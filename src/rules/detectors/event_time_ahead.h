// event_time_ahead: the event time is beyond the receive clock by more than
// velocity.max_future_skew (value and limit in seconds); velocity did not count it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct event_time_ahead_detector {
    static constexpr std::string_view name = "event_time_ahead";
    static constexpr std::string_view description = "event time beyond the receive clock + velocity.max_future_skew";
    static constexpr uint8_t default_weight = 0;

    struct settings {};  // the bound is velocity's

    static constexpr std::array<std::string_view, 0> keys = {};

    static bool parse(const settings_node&, settings&) { return true; }

    static bool evaluate(const detector_input& in, const settings&, detector_state&, detector_hit& hit) noexcept {
        if (in.obs.status != observe_status::ahead) return false;
        hit.value = static_cast<double>(in.txn.event_time_ms - in.txn.rx_clock_ms) / 1000.0;
        hit.limit = static_cast<double>(in.velocity.max_future_skew_ms) / 1000.0;
        return true;
    }
};

}  // namespace txscreen
