// Geography tables and lookups: the rules engine's impossible-travel detector and txgen
// rely on these names, codes and coordinates.
#include <catch2/catch.hpp>

#include <cctype>
#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "geo/geo.h"

using namespace txscreen;

namespace {
const city_info& city(const char* name, const char* cc) {
    const city_info* c = find_city(name, cc);
    REQUIRE(c != nullptr);
    return *c;
}
double km(const city_info& a, const city_info& b) {
    return great_circle_km(a.lat, a.lon, b.lat, b.lon);
}
}  // namespace

TEST_CASE("great-circle distances between known cities within 1%", "[unit][geo]") {
    struct { const char* a; const char* ca; const char* b; const char* cb; double expect; } cases[] = {
        {"London", "GB", "New York", "US", 5570},
        {"Paris", "FR", "London", "GB", 344},
        {"Tokyo", "JP", "Sydney", "AU", 7820},
        {"Los Angeles", "US", "New York", "US", 3940},
        {"Sao Paulo", "BR", "Buenos Aires", "AR", 1670},
        {"Moscow", "RU", "Beijing", "CN", 5800},
        {"Singapore", "SG", "Hong Kong", "HK", 2590},
    };
    for (const auto& c : cases) {
        INFO(c.a << " - " << c.b);
        double d = km(city(c.a, c.ca), city(c.b, c.cb));
        CHECK(std::fabs(d - c.expect) / c.expect < 0.01);
    }
}

TEST_CASE("great_circle_km edge cases", "[unit][geo]") {
    CHECK(great_circle_km(10, 20, 10, 20) == 0.0);
    // Half the circumference for antipodes, no NaN from rounding.
    double half = great_circle_km(0, 0, 0, 180);
    CHECK(std::fabs(half - 3.14159265358979 * 6371.0088) < 0.01);
    CHECK(std::fabs(great_circle_km(90, 0, -90, 0) - half) < 0.01);
    // One degree of latitude is ~111.2 km anywhere; symmetric.
    CHECK(std::fabs(great_circle_km(45, 7, 46, 7) - 111.195) < 0.01);
    CHECK(great_circle_km(1, 2, 3, 4) == Approx(great_circle_km(3, 4, 1, 2)));
}

TEST_CASE("world_cities: at least 300, largest first, unique, valid", "[unit][geo]") {
    auto cs = world_cities();
    REQUIRE(cs.size() >= 300);
    CHECK(std::string(cs[0].name) == "Tokyo");
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < cs.size(); ++i) {
        const city_info& c = cs[i];
        INFO(c.name << " " << c.country);
        if (i) CHECK(cs[i - 1].population >= c.population);
        CHECK(c.population > 100000);
        CHECK(c.lat >= -90.0f);
        CHECK(c.lat <= 90.0f);
        CHECK(c.lon >= -180.0f);
        CHECK(c.lon <= 180.0f);
        CHECK(seen.emplace(c.name, c.country).second);
        CHECK(find_country(c.country) != nullptr);
        std::string n = c.name;
        CHECK(!n.empty());
        for (char ch : n) CHECK((ch >= 32 && ch < 127));
        // Every city can be found by its own name and country.
        CHECK(find_city(c.name, c.country) == &c);
    }
}

TEST_CASE("countries: every ISO 3166-1 alpha-2 code with a centroid", "[unit][geo]") {
    auto cs = countries();
    CHECK(cs.size() == 249);
    std::set<std::string> codes;
    for (const country_info& c : cs) {
        INFO(c.alpha2);
        std::string a = c.alpha2;
        REQUIRE(a.size() == 2);
        CHECK(std::isupper(static_cast<unsigned char>(a[0])));
        CHECK(std::isupper(static_cast<unsigned char>(a[1])));
        CHECK(codes.insert(a).second);
        CHECK(c.lat >= -90.0f);
        CHECK(c.lat <= 90.0f);
        CHECK(c.lon >= -180.0f);
        CHECK(c.lon <= 180.0f);
        CHECK(find_country(a) == &c);
    }
    for (const char* code : {"US", "GB", "DE", "CN", "BR", "ZA", "IN", "AQ", "XK"}) {
        if (std::string(code) == "XK") continue;  // user-assigned (Kosovo), not ISO 3166-1
        CHECK(codes.count(code) == 1);
    }
}

TEST_CASE("find_country: case-insensitive, unknown gives nullptr", "[unit][geo]") {
    REQUIRE(find_country("fr") != nullptr);
    CHECK(std::string(find_country("fr")->name) == "France");
    CHECK(std::string(find_country("Us")->alpha2) == "US");
    const country_info* us = find_country("US");
    REQUIRE(us);
    CHECK(us->lat > 25);
    CHECK(us->lat < 50);
    CHECK(us->lon < -65);
    CHECK(us->lon > -125);
    CHECK(find_country("ZZ") == nullptr);
    CHECK(find_country("U") == nullptr);
    CHECK(find_country("USA") == nullptr);
    CHECK(find_country("1A") == nullptr);
    CHECK(find_country("") == nullptr);
}

TEST_CASE("find_city: case-insensitive, within the given country", "[unit][geo]") {
    CHECK(std::string(city("LONDON", "GB").name) == "London");
    CHECK(std::string(city("sao paulo", "br").name) == "Sao Paulo");
    // Same name in two countries: the country decides.
    const city_info& hyd_in = city("Hyderabad", "IN");
    const city_info& hyd_pk = city("HYDERABAD", "PK");
    CHECK(&hyd_in != &hyd_pk);
    CHECK(hyd_in.lat < 20);
    CHECK(hyd_pk.lat > 24);
    CHECK(find_city("London", "US") == nullptr);
    CHECK(find_city("Atlantis", "GR") == nullptr);
    CHECK(find_city("", "GB") == nullptr);
    CHECK(find_city("London", "") == nullptr);
    CHECK(find_city("London", "GBR") == nullptr);
    // Field 43 pads the city part with spaces.
    CHECK(find_city("PARIS        ", "FR") == find_city("Paris", "FR"));
}

TEST_CASE("find_city: a 13-character input matches a longer name it prefixes", "[unit][geo]") {
    // ISO 8583 field 43 cuts the city to 13 characters.
    CHECK(std::string(city("HO CHI MINH C", "VN").name) == "Ho Chi Minh City");
    CHECK(std::string(city("Saint Petersb", "RU").name) == "Saint Petersburg");
    CHECK(std::string(city("RIO DE JANEIR", "BR").name) == "Rio de Janeiro");
    CHECK(std::string(city("Salt Lake Cit", "US").name) == "Salt Lake City");
    // A name of exactly 13 characters matches itself.
    CHECK(std::string(city("SAN FRANCISCO", "US").name) == "San Francisco");
    // Shorter or longer inputs must match exactly: no prefix rule.
    CHECK(find_city("Ho Chi Minh", "VN") == nullptr);
    CHECK(find_city("Rio de Janei", "BR") == nullptr);
    CHECK(find_city("Ho Chi Minh Cit", "VN") == nullptr);
    CHECK(find_city("Ho Chi Minh Cityx", "VN") == nullptr);
    // The prefix must be the right country.
    CHECK(find_city("HO CHI MINH C", "TH") == nullptr);
}
