#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "geo/geo.h"

using namespace txscreen;

TEST_CASE("great-circle distances match known values", "[unit][geo]") {
    // London - New York about 5570 km; Sydney - Tokyo about 7820 km.
    CHECK(great_circle_km(51.51, -0.13, 40.71, -74.01) == Approx(5570).epsilon(0.01));
    CHECK(great_circle_km(-33.87, 151.21, 35.68, 139.69) == Approx(7820).epsilon(0.01));
    CHECK(great_circle_km(10, 20, 10, 20) == 0.0);
    // Antipodes: half the circumference.
    CHECK(great_circle_km(0, 0, 0, 180) == Approx(20015).epsilon(0.001));
}

TEST_CASE("the city table holds at least 300 valid, unique cities, largest first", "[unit][geo]") {
    auto cities = world_cities();
    REQUIRE(cities.size() >= 300);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < cities.size(); ++i) {
        const auto& c = cities[i];
        INFO(c.name);
        CHECK(std::string(c.country).size() == 2);
        CHECK(find_country(c.country) != nullptr);
        CHECK(c.lat >= -90);
        CHECK(c.lat <= 90);
        CHECK(c.lon >= -180);
        CHECK(c.lon <= 180);
        CHECK(seen.insert(std::string(c.country) + "/" + c.name).second);
        if (i) CHECK(cities[i - 1].population >= c.population);
    }
}

TEST_CASE("city lookup: case-insensitive, by country, ISO 13-character cut", "[unit][geo]") {
    const city_info* c = find_city("new york", "us");
    REQUIRE(c);
    CHECK(std::string(c->name) == "New York");
    CHECK(find_city("NEW YORK", "GB") == nullptr);
    CHECK(find_city("Atlantis", "US") == nullptr);
    // "Ho Chi Minh City" cut to 13 characters as ISO 8583 field 43 carries it.
    const city_info* h = find_city("HO CHI MINH C", "VN");
    REQUIRE(h);
    CHECK(std::string(h->name) == "Ho Chi Minh City");
    // A shorter prefix is not a match: only the exact 13-character cut is.
    CHECK(find_city("HO CHI", "VN") == nullptr);
    CHECK(find_city("", "US") == nullptr);
    CHECK(find_city("Paris", "F") == nullptr);
}

TEST_CASE("country centroids cover ISO 3166-1", "[unit][geo]") {
    CHECK(countries().size() >= 245);
    const country_info* fr = find_country("fr");
    REQUIRE(fr);
    CHECK(std::string(fr->name) == "France");
    CHECK(fr->lat == Approx(46.2).margin(1));
    CHECK(find_country("ZZ") == nullptr);
    CHECK(find_country("1A") == nullptr);
    CHECK(find_country("USA") == nullptr);
}
