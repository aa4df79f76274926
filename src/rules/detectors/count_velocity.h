// count_velocity: the card's transaction count over the window (this txn included) is
// above the limit.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct count_velocity_detector {
    static constexpr std::string_view name = "count_velocity";
    static constexpr std::string_view description = "card's transaction count over the window above the limit";
    static constexpr uint8_t default_weight = 25;

    struct settings {
        int64_t count_velocity_window_ms = 3'600'000;
        uint32_t count_velocity_limit = 15;  // fires when count (incl. this) > limit
    };

    static constexpr std::array<std::string_view, 2> keys = {"window", "limit"};

    static bool parse(const settings_node& section, settings& s) {
        return section.duration("window", s.count_velocity_window_ms) &&
               section.integer("limit", 1, 1'000'000, s.count_velocity_limit);
    }

    static int64_t history_ms(const settings& s) noexcept { return s.count_velocity_window_ms; }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        if (!in.card || !in.measured) return false;
        const double count = velocity_count_within(*in.card, in.now_ms, s.count_velocity_window_ms);
        if (!(count > s.count_velocity_limit)) return false;
        hit.value = count;
        hit.limit = s.count_velocity_limit;
        return true;
    }
};

}  // namespace txscreen
