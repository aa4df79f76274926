// Ruleset loading: defaults, every key, refusal of bad input with key and line.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "rules/ruleset.h"
#include "rules/ruleset_store.h"

using namespace txscreen;

static std::string source_root() {
    const char* r = std::getenv("TXSCREEN_SOURCE_ROOT");
    return r ? r : ".";
}

TEST_CASE("durations parse with ms/s/m/h up to 24h", "[unit][rules]") {
    CHECK(parse_duration_ms("500ms") == 500);
    CHECK(parse_duration_ms("5s") == 5000);
    CHECK(parse_duration_ms("10m") == 600'000);
    CHECK(parse_duration_ms("24h") == 86'400'000);
    CHECK(parse_duration_ms("25h") == -1);
    CHECK(parse_duration_ms("0s") == -1);
    CHECK(parse_duration_ms("5") == -1);
    CHECK(parse_duration_ms("5d") == -1);
    CHECK(parse_duration_ms("-5s") == -1);
    CHECK(parse_duration_ms("s") == -1);
    CHECK(parse_duration_ms("99999999999999h") == -1);
}

TEST_CASE("an empty ruleset has every default and detector names as rule ids", "[unit][rules]") {
    auto r = load_ruleset("", "empty.toml");
    REQUIRE(r.ok());
    CHECK(r.rules->scoring.review == 40);
    CHECK(r.rules->scoring.block == 80);
    CHECK(r.rules->scoring.alert == 60);
    CHECK(r.rules->rule_count() == static_cast<std::size_t>(detector_count));
    CHECK(r.rules->rule_name(static_cast<uint16_t>(detector::impossible_travel)) == "impossible_travel");
    CHECK(r.rules->rule_id("card_testing") == static_cast<int>(detector::card_testing));
    CHECK(r.rules->content_hash.size() == 64);
}

TEST_CASE("every key of a full ruleset is read", "[unit][rules]") {
    const char* text = R"(
[ruleset]
name = "t"
[scoring]
review = 30
block = 90
alert = 50
[detector.high_amount]
weight = 55
limits = { USD = 1000, JPY = 150000 }
default_limit = 700
mcc_limits = [ { mcc = 5944, currency = "USD", limit = 250.5 } ]
[detector.rapid_repeat]
window = "30s"
min_count = 3
[detector.amount_velocity]
window = "2h"
limit = 1234.5
[detector.count_velocity]
enable = false
window = "15m"
limit = 7
[detector.card_testing]
window = "5m"
max_amount = 2.5
min_count = 4
min_merchants = 2
[detector.impossible_travel]
max_speed_kmh = 800
min_distance_km = 100
max_gap = "12h"
[detector.new_device]
min_history = 5
ecom_only = false
[detector.country_mismatch]
min_history = 2
card_present_only = false
[detector.high_risk_mcc]
mccs = [7995, 4829]
[detector.pattern_hit]
categories = 6
[detector.duplicate]
window = "1m"

[[rule]]
name = "burst"
key = "card"
metric = "count"
window = "5s"
op = ">="
limit = 3
weight = 40
[[rule]]
name = "ip_spread"
key = "ip"
metric = "distinct_country"
window = "1h"
op = ">"
limit = 2
weight = 20
enable = false
)";
    auto r = load_ruleset(text, "full.toml");
    INFO(r.error);
    REQUIRE(r.ok());
    const ruleset& rs = *r.rules;
    CHECK(rs.scoring.review == 30);
    CHECK(rs.scoring.block == 90);
    CHECK(rs.scoring.alert == 50);
    CHECK(rs.det.weight[0] == 55);
    CHECK(rs.high_amount_limit(840, 5411, 2) == 100000);
    CHECK(rs.high_amount_limit(840, 5944, 2) == 25050);
    CHECK(rs.high_amount_limit(392, 5944, 0) == 150000);
    CHECK(rs.high_amount_limit(978, 0, 2) == 70000);  // default_limit in EUR major units
    CHECK(rs.det.rapid_repeat_window_ms == 30'000);
    CHECK(rs.det.rapid_repeat_min_count == 3);
    CHECK(rs.det.amount_velocity_window_ms == 7'200'000);
    CHECK(rs.det.amount_velocity_limit_major == 1234.5);
    CHECK_FALSE(rs.det.enable[static_cast<int>(detector::count_velocity)]);
    CHECK(rs.det.count_velocity_limit == 7);
    CHECK(rs.det.card_testing_window_ms == 300'000);
    CHECK(rs.det.card_testing_max_amount_major == 2.5);
    CHECK(rs.det.card_testing_min_count == 4);
    CHECK(rs.det.card_testing_min_merchants == 2);
    CHECK(rs.det.travel_max_speed_kmh == 800);
    CHECK(rs.det.travel_min_distance_km == 100);
    CHECK(rs.det.travel_max_gap_ms == 43'200'000);
    CHECK(rs.det.new_device_min_history == 5);
    CHECK_FALSE(rs.det.new_device_ecom_only);
    CHECK(rs.det.country_mismatch_min_history == 2);
    CHECK_FALSE(rs.det.country_mismatch_card_present_only);
    CHECK(rs.is_high_risk_mcc(7995));
    CHECK(rs.is_high_risk_mcc(4829));
    CHECK_FALSE(rs.is_high_risk_mcc(5411));
    CHECK(rs.det.pattern_categories == 6);
    CHECK(rs.det.duplicate_window_ms == 60'000);
    REQUIRE(rs.n_rules == 2);
    CHECK(rs.rule_name(user_rule_base) == "burst");
    CHECK(rs.rule_name(user_rule_base + 1) == "ip_spread");
    CHECK(rs.rules[0].key == rule_key::card);
    CHECK(rs.rules[0].metric == rule_metric::count);
    CHECK(rs.rules[0].op == rule_op::ge);
    CHECK(rs.rules[0].window_ms == 5000);
    CHECK(rs.rules[0].limit == 3);
    CHECK(rs.rules[0].weight == 40);
    CHECK(rs.rules[1].key == rule_key::ip);
    CHECK(rs.rules[1].metric == rule_metric::distinct_country);
    CHECK(rs.rules[1].weight == 0);  // disabled
    CHECK(rs.longest_window_ms() == 7'200'000);
}

struct bad_case {
    const char* text;
    const char* expect;  // substring of the error
};

TEST_CASE("broken rulesets are refused naming the key and line", "[unit][rules]") {
    const bad_case cases[] = {
        {"[scoring]\nreview = 30\nreveiw = 20\n", "bad.toml:3:1: key 'scoring.reveiw': unknown key"},
        {"[scoring]\nblock = \"high\"\n", "bad.toml:2:9: key 'scoring.block': expected an integer 1..100"},
        {"[scoring]\nalert = 101\n", "bad.toml:2:9: key 'scoring.alert': 101 is out of range 1..100"},
        {"[scoring]\nreview = 90\nblock = 50\n", "key 'scoring.review': review threshold 90 is above block threshold 50"},
        {"\n\n[detector.rapid_repeat]\nwindow = \"5 s\"\n", "bad.toml:4:10: key 'detector.rapid_repeat.window': bad duration \"5 s\""},
        {"[detector.card_testing]\nwindow = \"25h\"\n", "bad.toml:2:10: key 'detector.card_testing.window': bad duration"},
        {"[detector.card_testing]\nwindow = 5\n", "key 'detector.card_testing.window': expected a duration string"},
        {"[detector.velocity]\nweight = 3\n", "bad.toml:1:11: key 'detector.velocity': unknown key"},
        {"[detector.high_amount]\nweight = -1\n", "bad.toml:2:10: key 'detector.high_amount.weight': -1 is out of range 0..100"},
        {"[detector.high_amount]\nlimits = { XYZ = 10 }\n", "key 'detector.high_amount.limits.XYZ': not an ISO 4217 currency code"},
        {"[detector.high_amount]\nlimits = { USD = \"10\" }\n", "key 'detector.high_amount.limits.USD': expected a number"},
        {"[detector.high_risk_mcc]\nmccs = [7995, 12345]\n", "bad.toml:2:15: key 'detector.high_risk_mcc.mccs': 12345 is not an MCC"},
        {"[detector.new_device]\necom_only = 1\n", "bad.toml:2:13: key 'detector.new_device.ecom_only': expected true or false"},
        {"[[rule]]\nname = \"x\"\nkey = \"account\"\nmetric = \"count\"\nwindow = \"5s\"\nop = \">\"\nlimit = 1\nweight = 5\n",
         "bad.toml:3:7: key 'rule[0].key': \"account\" is not one of: card, merchant, device, ip"},
        {"[[rule]]\nname = \"x\"\nkey = \"card\"\nmetric = \"avg\"\nwindow = \"5s\"\nop = \">\"\nlimit = 1\nweight = 5\n",
         "bad.toml:4:10: key 'rule[0].metric'"},
        {"[[rule]]\nname = \"x\"\nkey = \"card\"\nmetric = \"count\"\nwindow = \"5s\"\nop = \"=>\"\nlimit = 1\nweight = 5\n",
         "bad.toml:6:6: key 'rule[0].op': \"=>\" is not one of"},
        {"[[rule]]\nname = \"x\"\nkey = \"card\"\nmetric = \"count\"\nop = \">\"\nlimit = 1\nweight = 5\n",
         "key 'rule[0].window': missing"},
        {"[[rule]]\nname = \"x\"\nkey = \"card\"\nmetric = \"count\"\nwindow = \"5s\"\nop = \">\"\nlimit = 1\nweight = 5\nwhen = 1\n",
         "bad.toml:9:1: key 'rule[0].when': unknown key"},
        {"[[rule]]\nname = \"high_amount\"\nkey = \"card\"\nmetric = \"count\"\nwindow = \"5s\"\nop = \">\"\nlimit = 1\nweight = 5\n",
         "bad.toml:2:8: key 'rule[0].name': \"high_amount\" is already used"},
        {"[scoring\nreview = 1\n", "bad.toml:1:9: TOML syntax"},
        {"colour = 3\n", "bad.toml:1:1: key 'colour': unknown key"},
    };
    for (const bad_case& c : cases) {
        auto r = load_ruleset(c.text, "bad.toml");
        INFO(c.text);
        INFO(r.error);
        CHECK_FALSE(r.ok());
        CHECK(r.error.find(c.expect) != std::string::npos);
    }
}

TEST_CASE("the shipped default ruleset loads", "[unit][rules]") {
    auto r = load_ruleset_file(source_root() + "/src/rules/default_rules.toml");
    INFO(r.error);
    REQUIRE(r.ok());
    CHECK(r.rules->n_rules >= 1);
    CHECK(r.rules->det.n_high_risk_mccs > 0);
    CHECK(r.rules->high_amount_limit(840, 5411, 2) > 0);
    auto missing = load_ruleset_file(source_root() + "/no/such/rules.toml");
    CHECK_FALSE(missing.ok());
    CHECK(missing.error.find("no/such/rules.toml: no such file") != std::string::npos);
}

TEST_CASE("a ruleset path to a device or directory is refused at once, naming it", "[unit][rules]") {
    auto zero = load_ruleset_file("/dev/zero");  // formerly an endless read
    CHECK_FALSE(zero.ok());
    CHECK(zero.error == "/dev/zero: not a regular file (character device)");
    auto dir = load_ruleset_file(source_root() + "/src/rules");
    CHECK_FALSE(dir.ok());
    CHECK(dir.error == source_root() + "/src/rules: is a directory");
    ruleset_store store;
    auto r = store.load_file("/dev/zero");
    CHECK_FALSE(r.ok());
    CHECK(r.error == "/dev/zero: not a regular file (character device)");
    CHECK(store.version() == 0);
}
