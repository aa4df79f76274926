// Unit tests for [cases], [aggregates] and [spikes] (controlplane/analytics/
// analytics_config.h): values read in the file's units, defaults kept, every problem
// naming its key and line, explain() in words.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "config/config_explain.h"
#include "config/toml_section.h"
#include "controlplane/analytics/analytics_config.h"

using namespace txscreen;

namespace {

struct loaded {
    analytics_config config;
    std::vector<std::string> errors;
};

loaded load(const std::string& text) {
    loaded out;
    std::string syntax;
    auto root = parse_toml(text, "t.toml", syntax);
    REQUIRE(root);
    config_errors e("t.toml");
    read_analytics_sections(toml_section(*root, "", e), out.config);
    validate(out.config, e);
    out.errors = e.take();
    return out;
}

std::string joined(const std::vector<std::string>& errors) {
    std::string s;
    for (const auto& e : errors) s += e + "\n";
    return s;
}

}  // namespace

TEST_CASE("analytics config: absent sections keep the defaults, which are valid") {
    const loaded l = load("");
    CHECK(l.errors.empty());
    CHECK(l.config.aggregates.window_ms == 60'000);
    CHECK(l.config.aggregates.allowed_lateness_ms == 30'000);
    CHECK(l.config.cases.window_ms == 30 * 60'000);
    CHECK(l.config.spikes.z_threshold == 4.0);
}

TEST_CASE("analytics config: every key read in the file's units") {
    const loaded l = load(R"(
[cases]
enabled = false
window = "45m"
notify_interval = "5m"
max_open = 5000
[aggregates]
enabled = true
window = "5m"
allowed_lateness = "1m"
top_merchants = 200
max_correction_age = "2h"
max_open_windows = 8
[spikes]
enabled = false
z_threshold = 3.5
alpha = 0.3
warmup_windows = 10
min_transactions = 100
min_alerts = 3
min_stddev_ratio = 0.05
min_rejects = 50
)");
    INFO(joined(l.errors));
    REQUIRE(l.errors.empty());
    const analytics_config& c = l.config;
    CHECK(!c.cases.enabled);
    CHECK(c.cases.window_ms == 45 * 60'000);
    CHECK(c.cases.notify_interval_ms == 5 * 60'000);
    CHECK(c.cases.max_open == 5000);
    CHECK(c.aggregates.window_ms == 300'000);
    CHECK(c.aggregates.allowed_lateness_ms == 60'000);
    CHECK(c.aggregates.top_merchants == 200);
    CHECK(c.aggregates.max_correction_age_ms == 7'200'000);
    CHECK(c.aggregates.max_open_windows == 8);
    CHECK(!c.spikes.enabled);
    CHECK(c.spikes.z_threshold == 3.5);
    CHECK(c.spikes.alpha == 0.3);
    CHECK(c.spikes.warmup_windows == 10);
    CHECK(c.spikes.min_transactions == 100);
    CHECK(c.spikes.min_alerts == 3);
    CHECK(c.spikes.min_stddev_ratio == 0.05);
    CHECK(c.spikes.min_rejects == 50);
}

TEST_CASE("analytics config: a window that does not divide the day is refused, naming key and line") {
    const loaded l = load("[aggregates]\nwindow = \"7m\"\n");
    REQUIRE(l.errors.size() == 1);
    CHECK(l.errors[0].find("t.toml:2: aggregates.window: must divide a day") == 0);
    CHECK(l.errors[0].find("7m") != std::string::npos);
    CHECK(load("[aggregates]\nwindow = \"500ms\"\n").errors.at(0).find("aggregates.window: must be 1s..") !=
          std::string::npos);
    CHECK(load("[aggregates]\nwindow = \"1h\"\n").errors.empty());
    CHECK(load("[aggregates]\nwindow = \"1s\"\n").errors.empty());
}

TEST_CASE("analytics config: out-of-range and wrongly typed values name their key") {
    const loaded l = load(R"(
[cases]
max_open = 0
[aggregates]
top_merchants = 0
max_open_windows = 0
allowed_lateness = 30
[spikes]
alpha = 0
z_threshold = "high"
min_stddev_ratio = -1
min_alerts = 0
)");
    const std::string all = joined(l.errors);
    INFO(all);
    CHECK(all.find("t.toml:3: cases.max_open: must be 1..") != std::string::npos);
    CHECK(all.find("t.toml:5: aggregates.top_merchants: must be 1..") != std::string::npos);
    CHECK(all.find("t.toml:6: aggregates.max_open_windows: must be 2..") != std::string::npos);
    CHECK(all.find("t.toml:7: aggregates.allowed_lateness:") != std::string::npos);
    CHECK(all.find("t.toml:9: spikes.alpha: must be above 0 and at most 1, got 0") != std::string::npos);
    CHECK(all.find("t.toml:10: spikes.z_threshold:") != std::string::npos);
    CHECK(all.find("a number") != std::string::npos);
    CHECK(all.find("t.toml:11: spikes.min_stddev_ratio: must be 0..10, got -1") != std::string::npos);
    CHECK(all.find("t.toml:12: spikes.min_alerts: must be 1..") != std::string::npos);
    CHECK(l.errors.size() == 8);
}

TEST_CASE("analytics config: unknown keys are flagged with a suggestion") {
    const loaded l = load("[aggregates]\nwindw = \"1m\"\n[spikes]\nzthreshold = 3\n[cases]\nbogus = 1\n");
    const std::string all = joined(l.errors);
    INFO(all);
    CHECK(all.find("aggregates.windw: unknown key (did you mean 'window'?)") != std::string::npos);
    CHECK(all.find("spikes.zthreshold: unknown key (did you mean 'z_threshold'?)") != std::string::npos);
    CHECK(all.find("cases.bogus: unknown key (allowed: enabled, window, notify_interval, max_open)") != std::string::npos);
}

TEST_CASE("analytics config: validate() checks a struct built in code too") {
    analytics_config c;
    c.spikes.alpha = 1.5;
    c.aggregates.window_ms = 7 * 60'000;
    config_errors e;
    validate(c, e);
    const std::string all = joined(e.take());
    CHECK(all.find("spikes.alpha: must be above 0 and at most 1, got 1.5") != std::string::npos);
    CHECK(all.find("aggregates.window: must divide a day") != std::string::npos);
}

TEST_CASE("analytics config: explain() says what is on, in the file's units") {
    explanation out;
    explain(analytics_config{}, out);
    const std::string text = out.text();
    CHECK(text.find("cases: alerts on a card within 30m") != std::string::npos);
    CHECK(text.find("aggregates: 1m windows") != std::string::npos);
    CHECK(text.find("closed 30s behind") != std::string::npos);
    CHECK(text.find("spikes: z > 4") != std::string::npos);
    analytics_config off;
    off.aggregates.enabled = false;
    off.cases.enabled = false;
    explanation out_off;
    explain(off, out_off);
    CHECK(out_off.text().find("aggregates: off") != std::string::npos);
    CHECK(out_off.text().find("cases: off") != std::string::npos);
    CHECK(out_off.text().find("spikes: z") == std::string::npos);
}
