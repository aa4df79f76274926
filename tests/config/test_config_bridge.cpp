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
    spool_config sp = to_spool_config(c);
    CHECK(validate_spool_config(sp) == "");
    CHECK(sp.max_file_bytes == spool_config{}.max_file_bytes);
    CHECK(sp.max_file_age_ms == spool_config{}.max_file_age_ms);
    CHECK(sp.sync_interval_ms == spool_config{}.sync_interval_ms);
    CHECK(sp.block_bytes == spool_config{}.block_bytes);
    CHECK(validate_s3_config(to_s3_config(c)) == "");
    CHECK(to_s3_config(c).part_size == s3_config{}.part_size);
    admin_config a = to_admin_config(c);
    CHECK(a.address == admin_config{}.address);
    CHECK(a.port == admin_config{}.port);
    CHECK(a.max_connections == admin_config{}.max_connections);
}

TEST_CASE("s3 and admin secrets given as env: reach the controlplane resolved", "[unit][config]") {
    ::setenv("TXSCREEN_BRIDGE_TEST_AK", "AKIDEXAMPLE", 1);
    ::setenv("TXSCREEN_BRIDGE_TEST_SK", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    ::setenv("TXSCREEN_BRIDGE_TEST_TOKEN", "0123456789abcdef0123", 1);
    auto r = load_config("[s3]\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"lake\"\n"
                         "access_key = \"env:TXSCREEN_BRIDGE_TEST_AK\"\nsecret_key = \"env:TXSCREEN_BRIDGE_TEST_SK\"\n"
                         "part_size = \"8MiB\"\n"
                         "[admin]\nlisten = \"[::1]:0\"\ntoken = \"env:TXSCREEN_BRIDGE_TEST_TOKEN\"\n",
                         "bridge.toml");
    INFO((r.errors.empty() ? "" : r.errors[0]));
    REQUIRE(r.ok());
    s3_config s = to_s3_config(r.config);
    CHECK(s.access_key == "AKIDEXAMPLE");
    CHECK(s.secret_key == "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    CHECK(s.part_size == 8u << 20);
    CHECK(validate_s3_config(s) == "");
    admin_config a = to_admin_config(r.config);
    CHECK(a.address == "::1");
    CHECK(a.port == 0);
    CHECK(a.token == "0123456789abcdef0123");
}

TEST_CASE("the example file converts to accepted configs", "[unit][config]") {
    const char* root = std::getenv("TXSCREEN_SOURCE_ROOT");
    REQUIRE(root);
    config_result r = load_config_file(std::string(root) + "/docs/txscreen.example.toml");
    REQUIRE(r.ok());
    appliance_config c = with_port_and_key(r.config);
    CHECK(validate(to_dp_config(c)) == "");
    CHECK(validate_kafka_config(to_kafka_config(c)) == "");
    CHECK(validate_spool_config(to_spool_config(c)) == "");
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
