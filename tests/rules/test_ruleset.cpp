// Ruleset loading: defaults, every key, refusal of bad input with key and line; every
// detector's own keys (rules/detectors/) read and checked with the loader's messages.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <iterator>
#include <string>
#include <utility>

#include "rules/detectors/table.h"
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
[[rule]]
name = "declined_twice"
key = "card"
metric = "declines"
window = "30m"
op = ">="
limit = 2
weight = 35
)";
    auto r = load_ruleset(text, "full.toml");
    INFO(r.error);
    REQUIRE(r.ok());
    const ruleset& rs = *r.rules;
    CHECK(rs.scoring.review == 30);
    CHECK(rs.scoring.block == 90);
    CHECK(rs.scoring.alert == 50);
    CHECK(rs.det.weight[0] == 55);
    CHECK(rs.det.high_amount_limit(840, 5411, 2) == 100000);
    CHECK(rs.det.high_amount_limit(840, 5944, 2) == 25050);
    CHECK(rs.det.high_amount_limit(392, 5944, 0) == 150000);
    CHECK(rs.det.high_amount_limit(978, 0, 2) == 70000);  // default_limit in EUR major units
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
    CHECK(rs.det.is_high_risk_mcc(7995));
    CHECK(rs.det.is_high_risk_mcc(4829));
    CHECK_FALSE(rs.det.is_high_risk_mcc(5411));
    CHECK(rs.det.pattern_categories == 6);
    CHECK(rs.det.duplicate_window_ms == 60'000);
    REQUIRE(rs.n_rules == 3);
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
    CHECK(rs.rule_name(user_rule_base + 2) == "declined_twice");
    CHECK(rs.rules[2].metric == rule_metric::declines);
    CHECK(rule_metric_name(rs.rules[2].metric) == "declines");
    CHECK(rs.rules[2].window_ms == 1'800'000);
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
        {"[[rule]]\nname = \"x\"\nkey = \"merchant\"\nmetric = \"declines\"\nwindow = \"5m\"\nop = \">\"\nlimit = 1\nweight = 5\n",
         "bad.toml:3:7: key 'rule[0].key': metric \"declines\" is kept for key \"card\" only"},
        {"[detector.decline_burst]\nthreshold = 9\n",
         "bad.toml:2:13: key 'detector.decline_burst.threshold': 9 is out of range 1..8"},
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
    CHECK(r.rules->det.high_amount_limit(840, 5411, 2) > 0);
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

// Every key of every [detector.*] section, none at its default: each must load to the
// value the detector reads (a pin for the loader and the detectors' own settings).
TEST_CASE("a ruleset setting every detector key loads to exactly those values", "[unit][rules]") {
    const char* text = R"(
[detector.high_amount]
enable = false
weight = 11
limits = { USD = 1000, JPY = 150000, KWD = 12.345 }
default_limit = 700.5
mcc_limits = [ { mcc = 5944, currency = "USD", limit = 250.5 }, { mcc = 6011, currency = "JPY", limit = 9000 } ]
[detector.rapid_repeat]
enable = false
weight = 12
window = "90s"
min_count = 4
[detector.amount_velocity]
enable = false
weight = 13
window = "3h"
limit = 0.01
[detector.count_velocity]
enable = false
weight = 14
window = "500ms"
limit = 1000000
[detector.card_testing]
enable = false
weight = 15
window = "7m"
max_amount = 0.5
min_count = 64
min_merchants = 1
[detector.impossible_travel]
enable = false
weight = 16
max_speed_kmh = 1.5
min_distance_km = 0
max_gap = "90m"
[detector.new_device]
enable = false
weight = 17
min_history = 1000
ecom_only = false
large_amount = 2500.25
large_weight = 100
[detector.country_mismatch]
enable = false
weight = 18
min_history = 0
card_present_only = false
[detector.high_risk_mcc]
enable = false
weight = 19
mccs = [1, 9999, 7995]
[detector.pattern_hit]
enable = false
weight = 20
categories = 0
[detector.duplicate]
enable = false
weight = 21
window = "24h"
[detector.event_time_ahead]
enable = false
weight = 22
[detector.decline_burst]
enable = false
weight = 23
window = "7m"
threshold = 8
)";
    auto r = load_ruleset(text, "every_key.toml");
    INFO(r.error);
    REQUIRE(r.ok());
    const detector_settings& d = r.rules->det;
    for (int i = 0; i <= static_cast<int>(detector::decline_burst); ++i) {
        INFO("detector " << detector_names[i]);
        CHECK_FALSE(d.enable[i]);
        CHECK(d.weight[i] == 11 + i);
    }
    CHECK(d.high_amount_limit(840, 5411, 2) == 100000);
    CHECK(d.high_amount_limit(840, 5944, 2) == 25050);
    CHECK(d.high_amount_limit(392, 6011, 0) == 9000);
    CHECK(d.high_amount_limit(392, 5944, 0) == 150000);
    CHECK(d.high_amount_limit(414, 0, 3) == 12345);
    CHECK(d.high_amount_limit(978, 5411, 2) == 70050);  // default_limit, EUR major units
    CHECK(d.high_amount_limit(392, 0, 0) == 150000);
    CHECK(d.rapid_repeat_window_ms == 90'000);
    CHECK(d.rapid_repeat_min_count == 4);
    CHECK(d.amount_velocity_window_ms == 10'800'000);
    CHECK(d.amount_velocity_limit_major == 0.01);
    CHECK(d.count_velocity_window_ms == 500);
    CHECK(d.count_velocity_limit == 1'000'000);
    CHECK(d.card_testing_window_ms == 420'000);
    CHECK(d.card_testing_max_amount_major == 0.5);
    CHECK(d.card_testing_min_count == 64);
    CHECK(d.card_testing_min_merchants == 1);
    CHECK(d.travel_max_speed_kmh == 1.5);
    CHECK(d.travel_min_distance_km == 0);
    CHECK(d.travel_max_gap_ms == 5'400'000);
    CHECK(d.new_device_min_history == 1000);
    CHECK_FALSE(d.new_device_ecom_only);
    CHECK(d.new_device_large_amount_major == 2500.25);
    CHECK(d.new_device_large_weight == 100);
    CHECK(d.country_mismatch_min_history == 0);
    CHECK_FALSE(d.country_mismatch_card_present_only);
    CHECK(d.n_high_risk_mccs == 3);
    CHECK(d.is_high_risk_mcc(1));
    CHECK(d.is_high_risk_mcc(9999));
    CHECK(d.is_high_risk_mcc(7995));
    CHECK_FALSE(d.is_high_risk_mcc(5411));
    CHECK(d.pattern_categories == 0);
    CHECK(d.duplicate_window_ms == 86'400'000);
    CHECK(d.decline_burst_window_ms == 420'000);
    CHECK(d.decline_burst_threshold == 8);
    // Every detector above is off: none of their windows needs history.
    CHECK(r.rules->longest_window_ms() == 0);
}

TEST_CASE("an empty ruleset has each detector's documented defaults", "[unit][rules]") {
    auto r = load_ruleset("", "empty.toml");
    REQUIRE(r.ok());
    const detector_settings& d = r.rules->det;
    const int weights[] = {45, 30, 35, 25, 60, 70, 20, 15, 25, 40, 0, 0, 60};  // docs/rules.md, by rule id
    REQUIRE(detector_count >= static_cast<int>(std::size(weights)));
    for (int i = 0; i < static_cast<int>(std::size(weights)); ++i) {
        INFO("detector " << detector_names[i]);
        CHECK(d.enable[i]);
        CHECK(d.weight[i] == weights[i]);
    }
    CHECK(d.high_amount_limit(840, 5411, 2) == 0);   // no limits: nothing checked
    CHECK(d.rapid_repeat_window_ms == 120'000);
    CHECK(d.rapid_repeat_min_count == 2);
    CHECK(d.amount_velocity_window_ms == 3'600'000);
    CHECK(d.amount_velocity_limit_major == 5000);
    CHECK(d.count_velocity_window_ms == 3'600'000);
    CHECK(d.count_velocity_limit == 15);
    CHECK(d.card_testing_window_ms == 600'000);
    CHECK(d.card_testing_max_amount_major == 5.0);
    CHECK(d.card_testing_min_count == 3);
    CHECK(d.card_testing_min_merchants == 3);
    CHECK(d.travel_max_speed_kmh == 900);
    CHECK(d.travel_min_distance_km == 300);
    CHECK(d.travel_max_gap_ms == 86'400'000);
    CHECK(d.new_device_min_history == 3);
    CHECK(d.new_device_ecom_only);
    CHECK(d.new_device_large_amount_major == 0);
    CHECK(d.new_device_large_weight == 60);
    CHECK(d.country_mismatch_min_history == 3);
    CHECK(d.country_mismatch_card_present_only);
    CHECK(d.n_high_risk_mccs == 0);
    CHECK(d.pattern_categories == 0xffff);
    CHECK(d.duplicate_window_ms == 600'000);
    CHECK(d.decline_burst_window_ms == 600'000);
    CHECK(d.decline_burst_threshold == 3);
    CHECK(r.rules->longest_window_ms() == 3'600'000);
}

TEST_CASE("detector sections refuse bad keys with the exact message", "[unit][rules]") {
    const bad_case cases[] = {
        {"[detector.high_amount]\nlimit = 1\n",
         "bad.toml:2:1: key 'detector.high_amount.limit': unknown key (allowed here: enable, weight, limits, default_limit, mcc_limits)"},
        {"[detector.rapid_repeat]\nx = 1\n",
         "bad.toml:2:1: key 'detector.rapid_repeat.x': unknown key (allowed here: enable, weight, window, min_count)"},
        {"[detector.amount_velocity]\nx = 1\n",
         "bad.toml:2:1: key 'detector.amount_velocity.x': unknown key (allowed here: enable, weight, window, limit)"},
        {"[detector.count_velocity]\nx = 1\n",
         "bad.toml:2:1: key 'detector.count_velocity.x': unknown key (allowed here: enable, weight, window, limit)"},
        {"[detector.card_testing]\nx = 1\n",
         "bad.toml:2:1: key 'detector.card_testing.x': unknown key (allowed here: enable, weight, window, max_amount, min_count, min_merchants)"},
        {"[detector.impossible_travel]\nx = 1\n",
         "bad.toml:2:1: key 'detector.impossible_travel.x': unknown key (allowed here: enable, weight, max_speed_kmh, min_distance_km, max_gap)"},
        {"[detector.new_device]\nx = 1\n",
         "bad.toml:2:1: key 'detector.new_device.x': unknown key (allowed here: enable, weight, min_history, ecom_only, large_amount, large_weight)"},
        {"[detector.country_mismatch]\nx = 1\n",
         "bad.toml:2:1: key 'detector.country_mismatch.x': unknown key (allowed here: enable, weight, min_history, card_present_only)"},
        {"[detector.high_risk_mcc]\nx = 1\n",
         "bad.toml:2:1: key 'detector.high_risk_mcc.x': unknown key (allowed here: enable, weight, mccs)"},
        {"[detector.pattern_hit]\nx = 1\n",
         "bad.toml:2:1: key 'detector.pattern_hit.x': unknown key (allowed here: enable, weight, categories)"},
        {"[detector.duplicate]\nx = 1\n",
         "bad.toml:2:1: key 'detector.duplicate.x': unknown key (allowed here: enable, weight, window)"},
        {"[detector.event_time_ahead]\nx = 1\n",
         "bad.toml:2:1: key 'detector.event_time_ahead.x': unknown key (allowed here: enable, weight)"},
        {"[detector]\nduplicate = 3\n", "bad.toml:2:13: key 'detector.duplicate': expected a table"},
        {"detector = 3\n", "bad.toml:1:12: key 'detector': expected a table"},
        {"[detector.pattern_hit]\nenable = \"yes\"\n", "bad.toml:2:10: key 'detector.pattern_hit.enable': expected true or false"},
        {"[detector.pattern_hit]\nweight = 101\n", "bad.toml:2:10: key 'detector.pattern_hit.weight': 101 is out of range 0..100"},
        {"[detector.pattern_hit]\ncategories = 65536\n",
         "bad.toml:2:14: key 'detector.pattern_hit.categories': 65536 is out of range 0..65535"},
        {"[detector.rapid_repeat]\nmin_count = 1\n", "bad.toml:2:13: key 'detector.rapid_repeat.min_count': 1 is out of range 2..8"},
        {"[detector.count_velocity]\nlimit = 1.5\n",
         "bad.toml:2:9: key 'detector.count_velocity.limit': expected an integer 1..1000000"},
        {"[detector.amount_velocity]\nlimit = 0\n", "bad.toml:2:9: key 'detector.amount_velocity.limit': 0 is out of range 0.01..1e+12"},
        {"[detector.card_testing]\nmax_amount = \"5\"\n", "bad.toml:2:14: key 'detector.card_testing.max_amount': expected a number"},
        {"[detector.impossible_travel]\nmin_distance_km = 20101\n",
         "bad.toml:2:19: key 'detector.impossible_travel.min_distance_km': 20101 is out of range 0..20100"},
        {"[detector.impossible_travel]\nmax_gap = \"0s\"\n",
         "bad.toml:2:11: key 'detector.impossible_travel.max_gap': bad duration \"0s\" (a positive integer with ms, s, m or h, at most 24h)"},
        {"[detector.duplicate]\nwindow = 60\n",
         "bad.toml:2:10: key 'detector.duplicate.window': expected a duration string such as \"500ms\", \"5s\", \"10m\", \"1h\""},
        {"[detector.new_device]\nlarge_weight = 101\n",
         "bad.toml:2:16: key 'detector.new_device.large_weight': 101 is out of range 0..100"},
        {"[detector.new_device]\nlarge_amount = -1\n",
         "bad.toml:2:16: key 'detector.new_device.large_amount': -1 is out of range 0..1e+12"},
        {"[detector.country_mismatch]\nmin_history = 1001\n",
         "bad.toml:2:15: key 'detector.country_mismatch.min_history': 1001 is out of range 0..1000"},
        {"[detector.high_amount]\nlimits = 5\n", "bad.toml:2:10: key 'detector.high_amount.limits': expected a table"},
        {"[detector.high_amount]\nlimits = { XYZ = 10 }\n",
         "bad.toml:2:12: key 'detector.high_amount.limits.XYZ': not an ISO 4217 currency code"},
        {"[detector.high_amount]\nlimits = { USD = \"10\" }\n",
         "bad.toml:2:18: key 'detector.high_amount.limits.USD': expected a number (major units)"},
        {"[detector.high_amount]\nlimits = { USD = 0 }\n",
         "bad.toml:2:18: key 'detector.high_amount.limits.USD': limit must be > 0 and <= 1e12"},
        {"[detector.high_amount]\ndefault_limit = -5\n",
         "bad.toml:2:17: key 'detector.high_amount.default_limit': -5 is out of range 0..1e+12"},
        {"[detector.high_amount]\nmcc_limits = 5\n",
         "bad.toml:2:14: key 'detector.high_amount.mcc_limits': expected an array of tables {mcc, currency, limit}"},
        {"[detector.high_amount]\nmcc_limits = [ 5 ]\n",
         "bad.toml:2:16: key 'detector.high_amount.mcc_limits[0]': expected a table {mcc, currency, limit}"},
        {"[detector.high_amount]\nmcc_limits = [ { mcc = 1, currency = \"USD\", limit = 1 }, { mcc = 1, currency = \"USD\", limt = 1 } ]\n",
         "bad.toml:2:87: key 'detector.high_amount.mcc_limits[1].limt': unknown key (allowed here: mcc, currency, limit)"},
        {"[detector.high_amount]\nmcc_limits = [ { mcc = 1, limit = 1 } ]\n",
         "bad.toml:2:16: key 'detector.high_amount.mcc_limits[0]': needs mcc, currency and limit"},
        {"[detector.high_amount]\nmcc_limits = [ { mcc = 10000, currency = \"USD\", limit = 1 } ]\n",
         "bad.toml:2:24: key 'detector.high_amount.mcc_limits[0].mcc': 10000 is out of range 1..9999"},
        {"[detector.high_amount]\nmcc_limits = [ { mcc = 1, currency = \"USD\", limit = 0 } ]\n",
         "bad.toml:2:53: key 'detector.high_amount.mcc_limits[0].limit': 0 is out of range 0.01..1e+12"},
        {"[detector.high_amount]\nmcc_limits = [ { mcc = 1, currency = 840, limit = 1 } ]\n",
         "bad.toml:2:38: key 'detector.high_amount.mcc_limits[0].currency': expected a currency code string"},
        {"[detector.high_amount]\nmcc_limits = [ { mcc = 1, currency = \"usd\", limit = 1 } ]\n",
         "bad.toml:2:38: key 'detector.high_amount.mcc_limits[0].currency': not an ISO 4217 currency code"},
        {"[detector.high_risk_mcc]\nmccs = 7995\n",
         "bad.toml:2:8: key 'detector.high_risk_mcc.mccs': expected an array of MCC integers"},
        {"[detector.high_risk_mcc]\nmccs = [7995, \"5967\"]\n",
         "bad.toml:2:15: key 'detector.high_risk_mcc.mccs': expected an integer MCC 1..9999"},
        {"[detector.high_risk_mcc]\nmccs = [0]\n", "bad.toml:2:9: key 'detector.high_risk_mcc.mccs': 0 is not an MCC 1..9999"},
    };
    for (const bad_case& c : cases) {
        auto r = load_ruleset(c.text, "bad.toml");
        INFO(c.text);
        CHECK_FALSE(r.ok());
        CHECK(r.error == c.expect);
    }
    // The sections allowed, in rule-id order (a detector added later joins the end).
    auto r = load_ruleset("[detector.velocity]\n", "bad.toml");
    CHECK(r.error.rfind("bad.toml:1:11: key 'detector.velocity': unknown key (allowed here: high_amount, rapid_repeat, "
                        "amount_velocity, count_velocity, card_testing, impossible_travel, new_device, country_mismatch, "
                        "high_risk_mcc, pattern_hit, duplicate, event_time_ahead, decline_burst",
                        0) == 0);
}

TEST_CASE("lists over their limit are refused naming the key", "[unit][rules]") {
    std::string limits = "[detector.high_amount]\nmcc_limits = [\n";
    for (int i = 1; i <= 65; ++i) limits += "{ mcc = " + std::to_string(i) + ", currency = \"USD\", limit = 1 },\n";
    limits += "]\n";
    auto r = load_ruleset(limits, "many.toml");
    CHECK(r.error == "many.toml:67:1: key 'detector.high_amount.mcc_limits[64]': too many limits (at most 64)");
    std::string mccs = "[detector.high_risk_mcc]\nmccs = [";
    for (int i = 1; i <= 65; ++i) mccs += std::to_string(i) + ", ";
    mccs += "]\n";
    r = load_ruleset(mccs, "many.toml");
    CHECK(r.error.find("many.toml:2:") == 0);
    CHECK(r.error.find("key 'detector.high_risk_mcc.mccs': too many MCCs (at most 64)") != std::string::npos);
}

namespace {

// A key a detector declares (its header's `keys`) but never reads would be accepted and
// ignored: set to a string, every one must be refused by the detector, naming it.
template <class D>
void check_declared_keys_are_read() {
    for (std::string_view key : D::keys) {
        const std::string path = "detector." + std::string(D::name) + "." + std::string(key);
        const std::string text = "[detector." + std::string(D::name) + "]\n" + std::string(key) + " = \"?\"\n";
        auto r = load_ruleset(text, "keys.toml");
        INFO(text << r.error);
        CHECK_FALSE(r.ok());
        CHECK(r.error.rfind("keys.toml:2:", 0) == 0);
        CHECK(r.error.find("key '" + path + "': ") != std::string::npos);
        CHECK(r.error.find("unknown key") == std::string::npos);
    }
}

template <std::size_t... id>
void check_every_detectors_keys(std::index_sequence<id...>) {
    (check_declared_keys_are_read<detector_type<id>>(), ...);
}

}  // namespace

TEST_CASE("every key a detector declares is read and checked by it", "[unit][rules]") {
    check_every_detectors_keys(std::make_index_sequence<detector_count>());
}
