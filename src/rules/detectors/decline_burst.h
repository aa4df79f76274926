// decline_burst: the card's issuer declined at least `threshold` of its transactions in
// the window before this one (card testing by declines: a fraudster tries a card, or
// many numbers, until one is approved). Declines come from the outcomes of TCP feeds
// (velocity_shard::observe_decline); a feed without outcomes never has any, so this
// detector cannot fire there.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct decline_burst_detector {
    static constexpr std::string_view name = "decline_burst";
    static constexpr std::string_view description = "card declined by its issuer at least threshold times within the window";
    static constexpr uint8_t default_weight = 60;

    struct settings {
        int64_t decline_burst_window_ms = 600'000;
        // Velocity keeps the decline flags of a card's 8 newest events: more never count.
        uint32_t decline_burst_threshold = 3;
    };

    static constexpr std::array<std::string_view, 2> keys = {"window", "threshold"};

    static bool parse(const settings_node& section, settings& s) {
        return section.duration("window", s.decline_burst_window_ms) &&
               section.integer("threshold", 1, velocity_exact_events, s.decline_burst_threshold);
    }

    static int64_t history_ms(const settings& s) noexcept { return s.decline_burst_window_ms; }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        if (!in.card || !in.measured || !velocity_any_declines(*in.card)) return false;
        // This txn has no outcome yet: every decline counted is an earlier transaction's.
        const uint32_t declines = velocity_declines_within(*in.card, in.now_ms, s.decline_burst_window_ms);
        if (declines < s.decline_burst_threshold) return false;
        hit.value = declines;
        hit.limit = s.decline_burst_threshold;
        return true;
    }
};

}  // namespace txscreen
