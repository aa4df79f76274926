// impossible_travel: the speed between the card's previous card-present location and
// this one is above the limit (hops shorter than the minimum distance never fire).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string_view>

#include "geo/geo.h"
#include "geo/txn_location.h"
#include "rules/detectors/detector.h"

namespace txscreen {

struct impossible_travel_detector {
    static constexpr std::string_view name = "impossible_travel";
    static constexpr std::string_view description = "speed between consecutive card-present transactions too high";
    static constexpr uint8_t default_weight = 70;

    struct settings {
        double travel_max_speed_kmh = 900;
        double travel_min_distance_km = 300;             // shorter hops never fire
        int64_t travel_max_gap_ms = 24LL * 3600 * 1000;  // older previous location is ignored
    };

    static constexpr std::array<std::string_view, 3> keys = {"max_speed_kmh", "min_distance_km", "max_gap"};

    static bool parse(const settings_node& section, settings& s) {
        return section.number("max_speed_kmh", 1, 100'000, s.travel_max_speed_kmh) &&
               section.number("min_distance_km", 0, 20'100, s.travel_min_distance_km) &&
               section.duration("max_gap", s.travel_max_gap_ms);
    }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        const velocity_location& prev = in.obs.prior.last_cp;
        if (!in.applied || !card_present(in.txn) || !prev.valid) return false;
        const int64_t now = in.now_ms;
        double lat, lon;
        if (!txn_location(in.txn, lat, lon) || now < prev.time_ms || now - prev.time_ms > s.travel_max_gap_ms)
            return false;
        const double km = great_circle_km(prev.lat, prev.lon, lat, lon);
        if (!(km >= s.travel_min_distance_km)) return false;
        // Gaps under a minute count as a minute: two acquirers' clocks (and velocity's
        // second resolution) disagree by seconds.
        const double hours = static_cast<double>(std::max<int64_t>(now - prev.time_ms, 60'000)) / 3.6e6;
        const double kmh = km / hours;
        if (!(kmh > s.travel_max_speed_kmh)) return false;
        hit.value = kmh;
        hit.limit = s.travel_max_speed_kmh;
        return true;
    }
};

}  // namespace txscreen
