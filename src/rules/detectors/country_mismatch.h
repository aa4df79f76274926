// country_mismatch: the merchant's country differs from the card's last country once
// the card has enough history for that country to count as home. The reason's value
// is the distance between the two countries' centroids (0 when one is unknown).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "geo/geo.h"
#include "rules/detectors/detector.h"

namespace txscreen {

struct country_mismatch_detector {
    static constexpr std::string_view name = "country_mismatch";
    static constexpr std::string_view description = "merchant country differs from the card's home country";
    static constexpr uint8_t default_weight = 15;

    struct settings {
        uint32_t country_mismatch_min_history = 3;  // prior txns before home is trusted
        bool country_mismatch_card_present_only = true;
    };

    static constexpr std::array<std::string_view, 2> keys = {"min_history", "card_present_only"};

    static bool parse(const settings_node& section, settings& s) {
        return section.integer("min_history", 0, 1000, s.country_mismatch_min_history) &&
               section.boolean("card_present_only", s.country_mismatch_card_present_only);
    }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        if (!in.applied) return false;
        const Txn& t = in.txn;
        const char* last = in.obs.prior.last_country;
        if (t.country[0] == 0 || last[0] == 0 || in.history < s.country_mismatch_min_history) return false;
        if (!card_present(t) && s.country_mismatch_card_present_only) return false;
        if (std::memcmp(last, t.country, 2) == 0) return false;
        const country_info* home = find_country(std::string_view(last, 2));
        const country_info* here = find_country(std::string_view(t.country, 2));
        hit.value = home && here ? great_circle_km(home->lat, home->lon, here->lat, here->lon) : 0;
        hit.limit = 0;
        return true;
    }
};

}  // namespace txscreen
