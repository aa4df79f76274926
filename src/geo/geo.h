// Geography shipped as data: the world's largest cities and country centroids, for
// impossible-travel checks when a feed carries city/country but no coordinates (ISO 8583
// field 43), and for txgen's synthetic population. Tables are static, read-only.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace txscreen {

struct city_info {
    const char* name;      // "Sao Paulo" (ASCII, as ISO 8583 field 43 would carry it)
    const char* country;   // ISO 3166 alpha-2, "BR"
    float lat;
    float lon;
    uint32_t population;   // approximate, for weighting synthetic populations
};

struct country_info {
    const char* alpha2;    // "BR"
    const char* name;
    float lat;             // centroid
    float lon;
};

// At least the 300 largest cities, largest first.
std::span<const city_info> world_cities() noexcept;
// Every ISO 3166 country with a centroid.
std::span<const country_info> countries() noexcept;

// Case-insensitive lookup by city name within a country. An input of exactly 13
// characters also matches a longer name it prefixes (ISO 8583 field 43 cuts the city
// to 13). Returns nullptr when not found. Allocation-free.
const city_info* find_city(std::string_view name, std::string_view country_alpha2) noexcept;
// Centroid of a country by alpha-2 code (case-insensitive); nullptr when unknown.
const country_info* find_country(std::string_view alpha2) noexcept;

// Great-circle distance in km (haversine, mean Earth radius 6371.0088 km).
double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept;

}  // namespace txscreen
