// Lookups over the static geo tables (geo_tables.cpp). The city index is built once on
// first use (start-up), then every lookup is a hash probe with no allocation.
#include <array>
#include <cctype>
#include <cmath>
#include <cstring>
#include <vector>

#include "geo/geo.h"

namespace txscreen {

namespace {

constexpr std::size_t iso_city_len = 13;  // ISO 8583 field 43 city width

// Key: country (2) + upper-cased first 13 characters of the name.
struct city_key {
    char text[2 + iso_city_len];
    uint8_t len;
};

bool make_key(std::string_view name, std::string_view country, city_key& k) noexcept {
    if (country.size() != 2 || name.empty()) return false;
    k.text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(country[0])));
    k.text[1] = static_cast<char>(std::toupper(static_cast<unsigned char>(country[1])));
    std::size_t n = name.size() < iso_city_len ? name.size() : iso_city_len;
    for (std::size_t i = 0; i < n; ++i) k.text[2 + i] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
    k.len = static_cast<uint8_t>(2 + n);
    return true;
}

uint64_t hash_key(const city_key& k) noexcept {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (std::size_t i = 0; i < k.len; ++i) h = (h ^ static_cast<unsigned char>(k.text[i])) * 1099511628211ull;
    return h;
}

bool iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != std::toupper(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

class city_index {
public:
    city_index() {
        auto cities = world_cities();
        std::size_t cap = 64;
        while (cap < cities.size() * 4) cap <<= 1;
        _slots.assign(cap, -1);
        _mask = cap - 1;
        for (std::size_t i = 0; i < cities.size(); ++i) {
            city_key k;
            if (!make_key(cities[i].name, cities[i].country, k)) continue;
            // Several cities may share a 13-character prefix: keep all, largest first.
            std::size_t s = hash_key(k) & _mask;
            while (_slots[s] >= 0) s = (s + 1) & _mask;
            _slots[s] = static_cast<int>(i);
        }
    }
    const city_info* find(std::string_view name, std::string_view country) const noexcept {
        city_key k;
        if (!make_key(name, country, k)) return nullptr;
        auto cities = world_cities();
        for (std::size_t s = hash_key(k) & _mask; _slots[s] >= 0; s = (s + 1) & _mask) {
            const city_info& c = cities[static_cast<std::size_t>(_slots[s])];
            if (!iequal(country, c.country)) continue;
            std::string_view full = c.name;
            if (iequal(name, full)) return &c;
            // A name cut to exactly 13 characters (ISO 8583 field 43) matches its prefix.
            if (name.size() == iso_city_len && full.size() > iso_city_len && iequal(name, full.substr(0, iso_city_len)))
                return &c;
        }
        return nullptr;
    }

private:
    std::vector<int> _slots;
    std::size_t _mask = 0;
};

const city_index& index() {
    static const city_index idx;
    return idx;
}

// Countries are sorted by code: 26*26 direct table built once.
const std::array<int16_t, 26 * 26>& country_slots() {
    static const std::array<int16_t, 26 * 26> t = [] {
        std::array<int16_t, 26 * 26> a;
        a.fill(-1);
        auto cs = countries();
        for (std::size_t i = 0; i < cs.size(); ++i)
            a[static_cast<std::size_t>((cs[i].alpha2[0] - 'A') * 26 + (cs[i].alpha2[1] - 'A'))] = static_cast<int16_t>(i);
        return a;
    }();
    return t;
}

}  // namespace

const city_info* find_city(std::string_view name, std::string_view country_alpha2) noexcept {
    return index().find(name, country_alpha2);
}

const country_info* find_country(std::string_view alpha2) noexcept {
    if (alpha2.size() != 2) return nullptr;
    int a = std::toupper(static_cast<unsigned char>(alpha2[0])) - 'A';
    int b = std::toupper(static_cast<unsigned char>(alpha2[1])) - 'A';
    if (a < 0 || a >= 26 || b < 0 || b >= 26) return nullptr;
    int16_t i = country_slots()[static_cast<std::size_t>(a * 26 + b)];
    return i < 0 ? nullptr : &countries()[static_cast<std::size_t>(i)];
}

double great_circle_km(double lat1, double lon1, double lat2, double lon2) noexcept {
    constexpr double r_km = 6371.0088;
    constexpr double rad = 3.14159265358979323846 / 180.0;
    const double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                     std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
    return 2 * r_km * std::asin(std::sqrt(a < 1 ? a : 1));
}

}  // namespace txscreen
