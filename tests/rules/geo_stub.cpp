// Linked into the rules tests only while src/geo has no implementation (see
// tests/rules/meson.build): a few countries and haversine, enough for the detectors'
// tests. Removed automatically once src/geo/meson.build lists its sources.
#include <cmath>
#include <cstring>
#include <span>

#include "geo/geo.h"

namespace txscreen {

static const country_info stub_countries[] = {
    {"US", "United States", 39.8f, -98.6f},
    {"GB", "United Kingdom", 54.0f, -2.0f},
    {"FR", "France", 46.6f, 2.4f},
};

std::span<const city_info> world_cities() noexcept { return {}; }
std::span<const country_info> countries() noexcept { return stub_countries; }
const city_info* find_city(std::string_view, std::string_view) noexcept { return nullptr; }
const country_info* find_country(std::string_view a) noexcept {
    for (const auto& c : stub_countries)
        if (a.size() == 2 && std::strncmp(c.alpha2, a.data(), 2) == 0) return &c;
    return nullptr;
}
double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept {
    const double r = M_PI / 180.0;
    double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
    double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
               std::cos(lat1 * r) * std::cos(lat2 * r) * std::sin(dlon / 2) * std::sin(dlon / 2);
    return 2 * 6371.0088 * std::asin(std::sqrt(a));
}

}  // namespace txscreen
