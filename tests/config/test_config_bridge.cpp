// The config's values are accepted by the structures' own validators: what
// validate_config() accepts, validate(dp_config) and validate_kafka_config() accept too,
// and the layouts it refuses the dataplane refuses as well.
#include <cstdlib>
#include <filesystem>

#include <catch2/catch.hpp>

#include "config/config_bridge.h"

using namespace txscreen;

namespace {

appliance_config with_port_and_key(appliance_config c) {
    dp_port_config p;
    p.name = "null0";
    p.device = "net_null0";
    c.ports.push_back(p);
    c.tokenization.key = "00112233445566778899aabbccddeeff";
    return c;
}

}  // namespace

TEST_CASE("default config converts to dp/engine/kafka configs their validators accept", "[unit][config]") {
    appliance_config c = with_port_and_key(default_appliance_config());
    REQUIRE(validate_config(c).empty());
    dp_config d = to_dp_config(c);
    CHECK(validate(d) == "");
    REQUIRE(d.feeds.size() == 4);
    CHECK(d.feeds[0].udp_port_b == 7101);
    CHECK(validate_kafka_config(to_kafka_config(c)) == "");
    CHECK(velocity_validate(to_engine_config(c).velocity) == nullptr);
    CHECK(to_engine_config(c).repeat_entries == engine_config{}.repeat_entries);
}

TEST_CASE("the example file converts to accepted configs", "[unit][config]") {
    const char* root = std::getenv("TXSCREEN_SOURCE_ROOT");
    REQUIRE(root);
    config_result r = load_config_file(std::string(root) + "/docs/txscreen.example.toml");
    REQUIRE(r.ok());
    appliance_config c = with_port_and_key(r.config);
    CHECK(validate(to_dp_config(c)) == "");
    CHECK(validate_kafka_config(to_kafka_config(c)) == "");
}

TEST_CASE("layouts the config refuses, the dataplane refuses too", "[unit][config]") {
    appliance_config c = with_port_and_key(default_appliance_config());
    c.lcores.workers = 2;  // with rx = 0
    CHECK_FALSE(validate_config(c).empty());
    CHECK(validate(to_dp_config(c)) != "");
    c.lcores.rx = 2;       // A/B feeds with 2 rx lcores
    c.ports[0].rx_queues = 2;
    CHECK_FALSE(validate_config(c).empty());
    CHECK(validate(to_dp_config(c)) != "");
    c.lcores.rx = 1;
    CHECK(validate_config(c).empty());
    CHECK(validate(to_dp_config(c)) == "");
}
