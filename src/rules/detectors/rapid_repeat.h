// rapid_repeat: this transaction is at least the Nth of the same (card, merchant,
// amount) within the window. Keeps the newest three times of each triple in
// detector_state::repeats.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct rapid_repeat_detector {
    static constexpr std::string_view name = "rapid_repeat";
    static constexpr std::string_view description = "same card, merchant and amount repeated within the window";
    static constexpr uint8_t default_weight = 30;

    struct settings {
        int64_t rapid_repeat_window_ms = 120'000;
        uint32_t rapid_repeat_min_count = 2;  // this transaction is the Nth identical one
    };

    static constexpr std::array<std::string_view, 2> keys = {"window", "min_count"};

    static bool parse(const settings_node& section, settings& s) {
        return section.duration("window", s.rapid_repeat_window_ms) &&
               section.integer("min_count", 2, 8, s.rapid_repeat_min_count);
    }

    static int64_t history_ms(const settings& s) noexcept { return s.rapid_repeat_window_ms; }

    static bool evaluate(const detector_input& in, const settings& s, detector_state& st, detector_hit& hit) noexcept {
        if (!in.applied) return false;
        const int64_t now = in.now_ms;
        bool created;
        repeat_entry& e = st.repeats.find_or_insert(in.keys.repeat_key, now, created);
        uint32_t same = 1;
        if (!created) {
            for (int64_t h : {e.last_time_ms, e.older_ms[0], e.older_ms[1]})
                if (h != 0 && h <= now && now - h <= s.rapid_repeat_window_ms) ++same;
            e.older_ms[1] = e.older_ms[0];
            e.older_ms[0] = e.last_time_ms;
            e.last_time_ms = now;
        }
        if (same < s.rapid_repeat_min_count) return false;
        hit.value = same;
        hit.limit = s.rapid_repeat_min_count;
        return true;
    }
};

}  // namespace txscreen
