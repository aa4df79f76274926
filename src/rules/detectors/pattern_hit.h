// pattern_hit: screening matched patterns of categories that count. Scores the matched
// patterns' summed weight, capped at the detector's weight (the reason's limit).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"
#include "screen/pattern_db.h"
#include "screen/screen.h"

namespace txscreen {

struct pattern_hit_detector {
    static constexpr std::string_view name = "pattern_hit";
    static constexpr std::string_view description = "screening patterns matched text fields";
    static constexpr uint8_t default_weight = 40;

    struct settings {
        uint16_t pattern_categories = 0xffff;  // categories that count
    };

    static constexpr std::array<std::string_view, 1> keys = {"categories"};

    static bool parse(const settings_node& section, settings& s) {
        return section.integer("categories", 0, 0xffff, s.pattern_categories);
    }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        if (!in.screen) return false;
        const screen_result& sr = *in.screen;
        const uint16_t counted = sr.categories & s.pattern_categories;
        if (!counted) return false;
        unsigned w = sr.weight;
        if (counted != sr.categories) {  // only some categories count: sum theirs
            w = 0;
            for (int i = 0; i < sr.n_ids; ++i)
                if (const pattern_def* pd = in.patterns->find(sr.ids[i]); pd && (category_bit(pd->category) & counted))
                    w += pd->weight;
        }
        if (w == 0) return false;
        const unsigned cap = hit.configured_weight();
        hit.weight = static_cast<int>(std::min(w, cap));
        hit.value = w;
        hit.limit = cap;
        return true;
    }
};

}  // namespace txscreen
