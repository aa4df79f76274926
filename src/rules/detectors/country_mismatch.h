// country_mismatch: the merchant's country differs from the card's last country once
// the card has enough history for that country to count as home. The reason's value
// is the distance between the two countries' centroids (0 when one is unknown).
#pragma once

#include <cstring>
#include <string_view>

#include "geo/geo.h"
#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_country_mismatch(const detector_input& in, detector_state&, detector_hit& hit) noexcept {
    if (!in.applied) return false;
    const Txn& t = in.txn;
    const detector_settings& d = in.det;
    const char* last = in.obs.prior.last_country;
    if (t.country[0] == 0 || last[0] == 0 || in.history < d.country_mismatch_min_history) return false;
    if (!card_present(t) && d.country_mismatch_card_present_only) return false;
    if (std::memcmp(last, t.country, 2) == 0) return false;
    const country_info* home = find_country(std::string_view(last, 2));
    const country_info* here = find_country(std::string_view(t.country, 2));
    hit.value = home && here ? great_circle_km(home->lat, home->lon, here->lat, here->lon) : 0;
    hit.limit = 0;
    return true;
}

}  // namespace txscreen
