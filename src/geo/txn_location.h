// Where a transaction happened: its own lat/lon when the feed carries them, else the
// city table (ISO 8583 field 43 carries city and country only), else the country's
// centroid. Shared by velocity (the card's last card-present location) and the
// impossible-travel detector, so both see the same place.
#pragma once

#include <cstring>
#include <string_view>

#include "common/txn.h"
#include "geo/geo.h"

namespace txscreen {

// Fills lat/lon and returns true when a location is known; false otherwise.
inline bool txn_location(const Txn& t, double& lat, double& lon) noexcept {
    if (t.has_coords() && t.lat >= -90.0f && t.lat <= 90.0f && t.lon >= -180.0f && t.lon <= 180.0f) {
        lat = t.lat;
        lon = t.lon;
        return true;
    }
    std::string_view country(t.country, strnlen(t.country, sizeof t.country));
    if (country.empty()) return false;
    if (!t.city.empty()) {
        if (const city_info* c = find_city(t.city.view(), country)) {
            lat = c->lat;
            lon = c->lon;
            return true;
        }
    }
    if (const country_info* c = find_country(country)) {
        lat = c->lat;
        lon = c->lon;
        return true;
    }
    return false;
}

}  // namespace txscreen
