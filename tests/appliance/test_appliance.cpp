// The composed appliance in-process (run_appliance on net_pcap ports, EAL --no-huge):
// a txgen feed goes through the packet path, the sinks and the admin API of one
// process, and what a user relies on is checked on the result: every message accounted
// for, every row in the spool, every alert acknowledged by Kafka, /metrics serving each
// declared family once. EAL initialises once per process: meson runs each case (tag)
// in a process of its own.
#include <catch2/catch.hpp>
#include <curl/curl.h>

#include <atomic>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "controlplane/appliance/appliance.h"
#include "controlplane/appliance/identities.h"
#include "controlplane/appliance/metric_catalog.h"
#include "controlplane/appliance/metric_render.h"
#include "tests/controlplane/temp_dir.h"
#include "tools/txgen/txgen_run.h"

using namespace txscreen;
using txscreen::test::temp_dir;

namespace {

constexpr uint64_t feed_messages = 4000;

// A txgen feed (ISO 8583 binary bitmap over MoldUDP64, fraud scenarios included).
std::string write_feed(const temp_dir& dir) {
    txgen::txgen_options o;
    o.gen.count = feed_messages;
    o.gen.seed = 7;
    o.gen.fraud_rate = 0.05;
    o.out_path = dir.path + "/feed.pcap";
    o.quiet = true;
    txgen::run_txgen(o, nullptr);
    return o.out_path;
}

appliance_options options_for(const std::string& pcap, const temp_dir& dir) {
    appliance_options opt;
    opt.pcaps = {pcap};
    opt.quiet = true;
    opt.config.kafka.enabled = false;
    opt.config.spool.dir = dir.path + "/spool";
    return opt;
}

std::size_t write_cb(char* p, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
}

// GET url with the bearer token: the body ("" on a transport error).
std::string http_get(const std::string& url, const std::string& token) {
    CURL* c = curl_easy_init();
    std::string body;
    curl_slist* headers = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    if (curl_easy_perform(c) != CURLE_OK) body.clear();
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    return body;
}

std::string admin_url_from(const std::string& ready_file) {
    std::ifstream f(ready_file);
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("admin ", 0) == 0) return line.substr(6);
    return {};
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("every message of a feed is accounted for and spooled", "[spool]") {
    temp_dir dir;
    appliance_options opt = options_for(write_feed(dir), dir);
    uint64_t observed = 0;
    const appliance_result r = run_appliance(opt, [&](const Verdict&, const ruleset&) { ++observed; });
    const appliance_counters& c = r.counters;
    CHECK(r.expected_packets > 0);
    CHECK(c.dp.rx.rx_packets == r.expected_packets);
    CHECK(c.dp.rx.decoded == feed_messages);
    CHECK(c.dp.rx.rejected == 0);
    CHECK(c.verdicts_consumed == feed_messages);
    CHECK(observed == feed_messages);
    CHECK(c.alerts > 0);
    REQUIRE(c.spool);
    CHECK(c.spool->appended[static_cast<std::size_t>(spool_table::scored)] == feed_messages);
    CHECK(c.spool->lost == 0);
    for (const identity_check& i : accounting_identities(c)) {
        INFO(i.name);
        CHECK(i.hold());
    }
    const nlohmann::ordered_json j = result_json(r);
    CHECK(j["identities_hold"] == true);
    CHECK(j["decoded"] == feed_messages);
    CHECK(j["spool"]["records"]["scored"] == feed_messages);
    CHECK(j["latency_ns"]["count"] == feed_messages);
}

TEST_CASE("alerts reach the embedded Kafka broker and are acknowledged", "[kafka]") {
    temp_dir dir;
    appliance_options opt = options_for(write_feed(dir), dir);
    opt.config.kafka.enabled = true;
    opt.config.kafka.brokers = "embedded";
    const appliance_result r = run_appliance(opt, {});
    REQUIRE(r.counters.kafka);
    const kafka_topic_counters& alerts = (*r.counters.kafka)[kafka_topic::alerts];
    CHECK(r.counters.alerts > 0);
    CHECK(alerts.acked == r.counters.alerts);
    CHECK(alerts.failed == 0);
    CHECK((*r.counters.kafka)[kafka_topic::rejects].produced == 0);
    CHECK(all_hold(accounting_identities(r.counters)));
}

TEST_CASE("/metrics serves each declared family exactly once, with the build and a latency histogram",
          "[metrics]") {
    temp_dir dir;
    appliance_options opt = options_for(write_feed(dir), dir);
    const std::string token = "in-process-test-token-0123";
    opt.config.admin.token = token;
    opt.config.admin.port = 0;
    opt.ready_file = dir.path + "/ready";
    opt.hold = true;  // keep serving the final counters until `stop`
    std::atomic<bool> stop{false};
    std::string metrics, stats;
    std::thread scraper([&] {
        std::string url;
        for (int i = 0; i < 600 && url.empty(); ++i, std::this_thread::sleep_for(std::chrono::milliseconds(50)))
            url = admin_url_from(opt.ready_file);
        // The final snapshot is served once the run has finished.
        for (int i = 0; i < 600; ++i, std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
            stats = http_get(url + "/api/v1/stats", token);
            if (stats.find("\"finished\":true") != std::string::npos) break;
        }
        metrics = http_get(url + "/metrics", token);
        stop = true;
    });
    const appliance_result r = run_appliance(opt, {}, &stop);
    scraper.join();
    REQUIRE(!metrics.empty());
    appliance_counters served = r.counters;
    for (const metric_def& m : metric_catalog()) {
        if (m.present && !m.present(served)) continue;
        INFO(m.name);
        CHECK(occurrences(metrics, "# TYPE " + std::string(m.name) + " ") == 1);
    }
    CHECK(occurrences(metrics, "# TYPE txscreen_latency_seconds histogram") == 1);
    CHECK(metrics.find("txscreen_latency_seconds_count " + std::to_string(feed_messages)) != std::string::npos);
    CHECK(metrics.find("txscreen_build_info{version=\"") != std::string::npos);
    const auto s = nlohmann::json::parse(stats);
    CHECK(s["identities"]["all_hold"] == true);
    CHECK(s["identities"]["exact"] == true);
    CHECK(s["verdicts_consumed"] == feed_messages);
}

TEST_CASE("a ruleset that does not load stops the appliance before it starts, naming the file", "[refused]") {
    temp_dir dir;
    appliance_options opt = options_for(write_feed(dir), dir);
    opt.config.rules.file = dir.path + "/missing-rules.toml";
    REQUIRE_THROWS_WITH(run_appliance(opt, {}), Catch::Contains("missing-rules.toml"));
}

TEST_CASE("the metric catalog is consistent and docs/metrics.md is generated from it", "[catalog]") {
    std::set<std::string_view> names, paths;
    for (const metric_def& m : metric_catalog()) {
        INFO(m.name);
        CHECK(names.insert(m.name).second);
        CHECK(paths.insert(m.json).second);
        CHECK(m.name.rfind("txscreen_", 0) == 0);
        // Prometheus naming: counters end in _total, gauges do not.
        CHECK((m.type == metric_type::counter) == m.name.ends_with("_total"));
        std::size_t labels = 0, stars = 0;
        for (std::string_view l : m.labels) labels += !l.empty();
        for (char ch : m.json) stars += ch == '*';
        CHECK(labels == stars);  // each label value has its place in the JSON path
        CHECK(!m.help.empty());
        CHECK((m.views == 0) == m.view_key.empty());
    }
    const char* root = std::getenv("TXSCREEN_SOURCE_ROOT");
    REQUIRE(root);
    std::ifstream doc(std::string(root) + "/docs/metrics.md");
    const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
    const std::string table = render_catalog_markdown();
    const bool in_doc = text.find(table) != std::string::npos;
    if (!in_doc) {
        // What the doc should hold, for whoever changed the catalog (`txscreen metrics` prints it too).
        const std::string out = std::string(std::getenv("TXSCREEN_BUILD_ROOT") ? std::getenv("TXSCREEN_BUILD_ROOT") : "/tmp") +
                                "/metrics-table.md";
        std::ofstream(out) << table;
        INFO("docs/metrics.md does not hold the catalog's table; the table is in " << out);
        CHECK(in_doc);
    }
}
