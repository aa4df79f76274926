// amount_velocity: the card's amount sum over the window (velocity's buckets, this txn
// included) is above the limit, in major units of the txn's currency.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct amount_velocity_detector {
    static constexpr std::string_view name = "amount_velocity";
    static constexpr std::string_view description = "card's amount sum over the window above the limit";
    static constexpr uint8_t default_weight = 35;

    struct settings {
        int64_t amount_velocity_window_ms = 3'600'000;
        double amount_velocity_limit_major = 5000;  // sum over window, major units
    };

    static constexpr std::array<std::string_view, 2> keys = {"window", "limit"};

    static bool parse(const settings_node& section, settings& s) {
        return section.duration("window", s.amount_velocity_window_ms) &&
               section.number("limit", 0.01, 1e12, s.amount_velocity_limit_major);
    }

    static int64_t history_ms(const settings& s) noexcept { return s.amount_velocity_window_ms; }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        if (!in.card || !in.measured) return false;
        const double sum =
            static_cast<double>(velocity_sum_within(*in.card, in.now_ms, s.amount_velocity_window_ms)) / in.scale;
        if (!(sum > s.amount_velocity_limit_major)) return false;
        hit.value = sum;
        hit.limit = s.amount_velocity_limit_major;
        return true;
    }
};

}  // namespace txscreen
