// impossible_travel: the speed between the card's previous card-present location and
// this one is above the limit (hops shorter than the minimum distance never fire).
#pragma once

#include <algorithm>

#include "geo/geo.h"
#include "geo/txn_location.h"
#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_impossible_travel(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    const velocity_location& prev = in.obs.prior.last_cp;
    if (!in.applied || !card_present(in.txn) || !prev.valid) return false;
    const detector_settings& d = in.det;
    const int64_t now = in.now_ms;
    double lat, lon;
    if (!txn_location(in.txn, lat, lon) || now < prev.time_ms || now - prev.time_ms > d.travel_max_gap_ms)
        return false;
    const double km = great_circle_km(prev.lat, prev.lon, lat, lon);
    if (!(km >= d.travel_min_distance_km)) return false;
    // Gaps under a minute count as a minute: two acquirers' clocks (and velocity's
    // second resolution) disagree by seconds.
    const double hours = static_cast<double>(std::max<int64_t>(now - prev.time_ms, 60'000)) / 3.6e6;
    const double kmh = km / hours;
    if (!(kmh > d.travel_max_speed_kmh)) return false;
    hit.value = kmh;
    hit.limit = d.travel_max_speed_kmh;
    return true;
}

}  // namespace txscreen
