// duplicate: velocity saw the same transaction identity within its duplicate window
// (the reason's limit, in seconds). Weight 0 by default: counted, not scored.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct duplicate_detector {
    static constexpr std::string_view name = "duplicate";
    static constexpr std::string_view description = "same transaction seen again within the duplicate window";
    static constexpr uint8_t default_weight = 0;

    struct settings {
        // Only how much history velocity keeps (history_ms); the window a duplicate is
        // judged by is velocity's dedup_window_ms.
        int64_t duplicate_window_ms = 600'000;
    };

    static constexpr std::array<std::string_view, 1> keys = {"window"};

    static bool parse(const settings_node& section, settings& s) {
        return section.duration("window", s.duplicate_window_ms);
    }

    static int64_t history_ms(const settings& s) noexcept { return s.duplicate_window_ms; }

    static bool evaluate(const detector_input& in, const settings&, detector_state&, detector_hit& hit) noexcept {
        if (in.obs.status != observe_status::duplicate) return false;
        hit.value = 1;
        hit.limit = static_cast<double>(in.velocity.dedup_window_ms) / 1000.0;
        return true;
    }
};

}  // namespace txscreen
