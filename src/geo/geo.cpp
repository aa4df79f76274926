// Lookups over the shipped tables (geo_tables.h). Both indexes are built at compile
// time, so a lookup costs a hash and a probe or two, touches no heap and needs no
// initialisation order: the rules engine calls find_city per transaction when a feed
// carries a city but no coordinates.
#include "geo/geo.h"

#include <array>
#include <cmath>
#include <cstddef>

#include "geo/geo_tables.h"

namespace txscreen {
namespace {

using geo_detail::city_table;
using geo_detail::country_table;

constexpr std::size_t field43_city_len = 13;  // ISO 8583 field 43 city width

constexpr char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }
constexpr char upper(char c) noexcept { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; }

constexpr std::size_t cstr_len(const char* s) noexcept {
    std::size_t n = 0;
    while (s[n]) ++n;
    return n;
}

constexpr bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// The hash key is the country plus the first 13 characters of the name, case-folded,
// so that a 13-character field 43 city lands in the same bucket as the full name.
constexpr uint32_t city_key_hash(std::string_view name, std::string_view cc) noexcept {
    uint32_t h = 2166136261u;
    auto mix = [&h](char c) { h = (h ^ uint8_t(c)) * 16777619u; };
    mix(upper(cc[0]));
    mix(upper(cc[1]));
    std::size_t n = name.size() < field43_city_len ? name.size() : field43_city_len;
    for (std::size_t i = 0; i < n; ++i) mix(lower(name[i]));
    return h;
}

constexpr std::size_t n_cities = std::size(city_table);
constexpr std::size_t city_slots = 2048;  // power of two, load factor < 0.25
static_assert(n_cities < city_slots / 2);
static_assert(n_cities < 65535);

// Slot value: index into city_table + 1; 0 marks an empty slot.
constexpr std::array<uint16_t, city_slots> build_city_index() {
    std::array<uint16_t, city_slots> slots{};
    for (std::size_t i = 0; i < n_cities; ++i) {
        const city_info& c = city_table[i];
        std::size_t s = city_key_hash({c.name, cstr_len(c.name)}, c.country) & (city_slots - 1);
        while (slots[s] != 0) s = (s + 1) & (city_slots - 1);
        slots[s] = uint16_t(i + 1);
    }
    return slots;
}
constexpr std::array<uint16_t, city_slots> city_index = build_city_index();

constexpr int letter(char c) noexcept {
    c = upper(c);
    return (c >= 'A' && c <= 'Z') ? c - 'A' : -1;
}

constexpr std::array<uint8_t, 26 * 26> build_country_index() {
    std::array<uint8_t, 26 * 26> idx{};
    for (std::size_t i = 0; i < std::size(country_table); ++i) {
        const char* a = country_table[i].alpha2;
        idx[std::size_t(letter(a[0]) * 26 + letter(a[1]))] = uint8_t(i + 1);
    }
    return idx;
}
static_assert(std::size(country_table) < 255);
constexpr std::array<uint8_t, 26 * 26> country_index = build_country_index();

std::string_view trim_spaces(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\0')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::span<const city_info> world_cities() noexcept { return {city_table, n_cities}; }

std::span<const country_info> countries() noexcept {
    return {country_table, std::size(country_table)};
}

const city_info* find_city(std::string_view name, std::string_view country_alpha2) noexcept {
    // Field 43 pads the city with spaces; trailing padding is not part of the name.
    name = trim_spaces(name);
    if (name.empty() || country_alpha2.size() != 2) [[unlikely]]
        return nullptr;
    const bool may_be_cut = name.size() == field43_city_len;
    const city_info* prefix_hit = nullptr;
    std::size_t s = city_key_hash(name, country_alpha2) & (city_slots - 1);
    for (; city_index[s] != 0; s = (s + 1) & (city_slots - 1)) {
        const city_info& c = city_table[city_index[s] - 1];
        if (upper(c.country[0]) != upper(country_alpha2[0]) ||
            upper(c.country[1]) != upper(country_alpha2[1]))
            continue;
        std::string_view full{c.name};
        if (iequal(full, name)) return &c;  // an exact name beats a prefix
        if (may_be_cut && !prefix_hit && full.size() > field43_city_len &&
            iequal(full.substr(0, field43_city_len), name))
            prefix_hit = &c;
    }
    return prefix_hit;
}

const country_info* find_country(std::string_view alpha2) noexcept {
    if (alpha2.size() != 2) [[unlikely]]
        return nullptr;
    int a = letter(alpha2[0]), b = letter(alpha2[1]);
    if (a < 0 || b < 0) [[unlikely]]
        return nullptr;
    uint8_t i = country_index[std::size_t(a * 26 + b)];
    return i ? &country_table[i - 1] : nullptr;
}

double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept {
    constexpr double earth_radius_km = 6371.0088;
    constexpr double rad = 3.14159265358979323846 / 180.0;
    const double dlat = (lat2 - lat1) * rad;
    const double dlon = (lon2 - lon1) * rad;
    const double s1 = std::sin(dlat / 2), s2 = std::sin(dlon / 2);
    double a = s1 * s1 + std::cos(lat1 * rad) * std::cos(lat2 * rad) * s2 * s2;
    // Rounding can push a past 1 for antipodal points; asin of >1 would be NaN.
    if (a > 1.0) a = 1.0;
    return 2.0 * earth_radius_km * std::asin(std::sqrt(a));
}

}  // namespace txscreen
