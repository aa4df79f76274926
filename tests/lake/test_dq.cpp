// Data-quality reports (controlplane/lake/dq_report.h): batches of table=scored and
// table=rejects built by hand through the shipped schemas. A normal hour is clean; each
// broken field, a reject surge, a drop against the hour's baseline (none the first
// day), out-of-order rows and a foreign schema version are flagged by their check; the
// report JSON carries every documented field; [lake.dq] problems name key and line.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_explain.h"
#include "config/toml_section.h"
#include "controlplane/lake/dq_config.h"
#include "controlplane/lake/dq_lag_histogram.h"
#include "controlplane/lake/dq_report.h"
#include "controlplane/lake/lake_schema.h"

using namespace txscreen;

namespace {

constexpr int64_t hour_ms = 3'600'000;
constexpr int64_t day_ms = 24 * hour_ms;
constexpr int64_t hour_start = 1793534400000;  // 2026-11-01T12:00:00Z

// What a test sets of one scored row; every other column gets a plausible non-empty value.
struct row {
    int64_t amount_minor = 1250;
    std::string currency = "USD";
    int32_t mcc = 5411;
    std::string card_token = "0123456789abcdef0123456789abcdef";
    std::string merchant_id = "TXG000000000042";
    std::string channel = "pos";
    int64_t event_ms = hour_start;
    int64_t rx_ns = 0;  // 0: event time + 2 s
    int32_t feed_id = 0;
    int32_t schema_version = 1;
};

void put_string(column_batch& c, const std::string& v) {
    c.str_data += v;
    c.str_end.push_back(static_cast<uint32_t>(c.str_data.size()));
}

void put_int(column_batch& c, int64_t v) {
    if (c.type == lake_type::int32) c.i32.push_back(static_cast<int32_t>(v));
    else c.i64.push_back(v);
}

void put_row(row_batch& b, const row& r) {
    for (std::size_t i = 0; i < b.schema->leaves.size(); ++i) {
        const lake_leaf& leaf = b.schema->leaves[i];
        column_batch& c = b.columns[i];
        const std::string& n = leaf.dotted;
        if (leaf.max_rep) {  // an empty list
            c.rep.push_back(0);
            c.def.push_back(0);
            continue;
        }
        switch (c.type) {
            case lake_type::string:
                put_string(c, n == "currency" ? r.currency : n == "card_token" ? r.card_token
                              : n == "merchant_id" ? r.merchant_id : n == "channel" ? r.channel : "x");
                break;
            case lake_type::boolean: c.b.push_back(0); break;
            case lake_type::float32: c.f32.push_back(1); break;
            case lake_type::float64: c.f64.push_back(1); break;
            default: {
                const int64_t v = n == "amount_minor" || n == "amount" ? r.amount_minor
                                  : n == "mcc" ? r.mcc
                                  : n == "event_time_ms" ? r.event_ms
                                  : n == "rx_ns" ? (r.rx_ns ? r.rx_ns : (r.event_ms + 2000) * 1'000'000)
                                  : n == "feed_id" ? r.feed_id
                                  : n == "schema_version" ? r.schema_version
                                  : n == "currency_numeric" ? (r.currency.empty() ? 0 : 840)
                                  : 7;
                put_int(c, v);
            }
        }
    }
    ++b.rows;
}

// `n` normal rows spread over the hour, in event-time order; `change` edits row i.
template <class F>
row_batch scored(std::size_t n, F change) {
    row_batch b(lake_schema(spool_table::scored));
    for (std::size_t i = 0; i < n; ++i) {
        row r;
        r.event_ms = hour_start + static_cast<int64_t>(i) * (hour_ms / static_cast<int64_t>(n));
        r.merchant_id = "TXG" + std::to_string(100000000000 + i % 50);
        change(i, r);
        put_row(b, r);
    }
    return b;
}
row_batch scored(std::size_t n) {
    return scored(n, [](std::size_t, row&) {});
}

row_batch rejects(std::size_t n, const std::string& reason) {
    row_batch b(lake_schema(spool_table::rejects));
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < b.schema->leaves.size(); ++c) {
            const lake_leaf& leaf = b.schema->leaves[c];
            if (leaf.type == lake_type::string) put_string(b.columns[c], reason);
            else put_int(b.columns[c], leaf.dotted == "schema_version" ? 1 : leaf.dotted == "rx_ns" ? hour_start * 1'000'000 : 3);
        }
        ++b.rows;
    }
    return b;
}

dq_report report_of(const row_batch& s, const row_batch* r = nullptr, dq_thresholds t = {},
                    dq_baseline* baseline = nullptr, int64_t start = hour_start) {
    dq_collector c(t);
    c.add_scored(s);
    if (r) c.add_rejects(*r);
    return c.finish("dt=2026-11-01/hour=12", "h1", start, baseline);
}

std::vector<std::string> failed(const dq_report& r) {
    std::vector<std::string> out;
    for (const dq_check* c : r.failures()) out.push_back(c->name);
    return out;
}

const dq_check& check(const dq_report& r, const std::string& name) {
    for (const dq_check& c : r.checks)
        if (c.name == name) return c;
    FAIL("no check " << name);
    return r.checks.front();
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("a normal hour passes every check", "[unit][lake][dq]") {
    const row_batch rj = rejects(5, "bad_length");  // 5 of 2005: 0.25 %
    const dq_report r = report_of(scored(2000), &rj);
    INFO(r.json());
    CHECK(r.failures().empty());
    CHECK(r.rows == 2000);
    CHECK(r.rejects == 5);
    CHECK(check(r, "rows").skipped);  // no baseline kept in this test
    for (const char* name : {"empty_share:card_token", "empty_share:merchant_id", "empty_share:channel",
                             "out_of_order_share", "amount_zero_share", "amount_negative_share",
                             "currency_unknown_share", "mcc_invalid_share", "reject_rate", "schema_version"}) {
        INFO(name);
        CHECK(check(r, name).passed);
        CHECK_FALSE(check(r, name).skipped);
    }
    CHECK(r.freshness.rows == 2000);
    CHECK(r.freshness.p50_ms >= 1500);  // 2 s within a bucket's quarter
    CHECK(r.freshness.p99_ms <= 2000);
    CHECK(r.freshness.max_ms == 2000);
    CHECK(r.currencies.at("USD") == 2000);
}

TEST_CASE("all amounts 0 fail amount_zero_share; negatives fail amount_negative_share", "[unit][lake][dq]") {
    dq_report r = report_of(scored(1000, [](std::size_t, row& x) { x.amount_minor = 0; }));
    CHECK(failed(r) == names{"amount_zero_share"});
    CHECK(check(r, "amount_zero_share").observed == 1.0);
    CHECK(check(r, "amount_zero_share").limit == 0.05);
    // 4 % zero is within the default 5 %.
    r = report_of(scored(1000, [](std::size_t i, row& x) { x.amount_minor = i % 25 == 0 ? 0 : 100; }));
    CHECK(r.failures().empty());
    r = report_of(scored(1000, [](std::size_t i, row& x) { x.amount_minor = i == 7 ? -500 : 100; }));
    CHECK(failed(r) == names{"amount_negative_share"});
    CHECK(r.amount_min == -500);
    CHECK(r.amount_max == 100);
}

TEST_CASE("empty currencies, merchant ids and out-of-range MCCs are flagged", "[unit][lake][dq]") {
    dq_report r = report_of(scored(1000, [](std::size_t i, row& x) { x.currency = i % 10 ? "USD" : ""; }));
    CHECK(failed(r) == names{"currency_unknown_share"});
    CHECK(check(r, "currency_unknown_share").observed == Approx(0.1));
    CHECK(r.currencies.at("") == 100);

    r = report_of(scored(1000, [](std::size_t i, row& x) {
        if (i < 500) x.merchant_id.clear();  // not `= cond ? "" : "M"`: GCC 12 -Wrestrict false positive at -O3
    }));
    CHECK(failed(r) == names{"empty_share:merchant_id"});
    CHECK(r.empty_shares.at("merchant_id") == Approx(0.5));
    CHECK(r.empty_shares.at("card_token") == 0);

    r = report_of(scored(1000, [](std::size_t i, row& x) { x.mcc = i % 2 ? 0 : i % 4 ? 12000 : 5411; }));
    CHECK(failed(r) == names{"mcc_invalid_share"});
    CHECK(check(r, "mcc_invalid_share").observed == Approx(0.75));
}

TEST_CASE("a reject surge fails reject_rate and counts reasons", "[unit][lake][dq]") {
    row_batch rj = rejects(300, "unknown_currency");
    const row_batch more = rejects(20, "bad_length");
    dq_collector c({});
    c.add_scored(scored(1000));
    c.add_rejects(rj);
    c.add_rejects(more);
    const dq_report r = c.finish("dt=2026-11-01/hour=12", "h1", hour_start, nullptr);
    CHECK(failed(r) == names{"reject_rate"});
    CHECK(check(r, "reject_rate").observed == Approx(320.0 / 1320));
    CHECK(r.rejects_by_reason.at("unknown_currency") == 300);
    CHECK(r.rejects_by_reason.at("bad_length") == 20);
}

TEST_CASE("rows are checked against the same hour of earlier days, not on the first day", "[unit][lake][dq]") {
    dq_baseline b;
    // Day 1: nothing to compare with; the hour seeds the baseline.
    dq_report r = report_of(scored(1000), nullptr, {}, &b);
    CHECK(check(r, "rows").skipped);
    CHECK_THAT(check(r, "rows").detail, Catch::Contains("no baseline yet"));
    CHECK(r.expected_rows < 0);
    CHECK(r.failures().empty());
    // Another hour of day 1 has its own baseline (none yet).
    r = report_of(scored(300), nullptr, {}, &b, hour_start + hour_ms);
    CHECK(check(r, "rows").skipped);
    // Day 2, same hour: about as many rows passes.
    r = report_of(scored(1100), nullptr, {}, &b, hour_start + day_ms);
    CHECK(r.expected_rows == 1000);
    CHECK(check(r, "rows").passed);
    CHECK_FALSE(check(r, "rows").skipped);
    // Compacting day 2 again (a late file) compares with day 1 again, not with itself.
    r = report_of(scored(1150), nullptr, {}, &b, hour_start + day_ms);
    CHECK(r.expected_rows == 1000);
    // Day 3: far below the EWMA (0.3 x 1150 + 0.7 x 1000 = 1045) fails; so does far above.
    r = report_of(scored(200), nullptr, {}, &b, hour_start + 2 * day_ms);
    CHECK(r.expected_rows == Approx(1045));
    CHECK(failed(r) == names{"rows"});
    CHECK(check(r, "rows").limit == Approx(0.5 * 1045));
    dq_baseline b2;
    report_of(scored(200), nullptr, {}, &b2);
    r = report_of(scored(1000), nullptr, {}, &b2, hour_start + day_ms);
    CHECK(failed(r) == names{"rows"});

    // The baseline survives a save and load.
    const std::string path = (std::filesystem::temp_directory_path() / "txscreen-test-dq-baseline.json").string();
    std::string error;
    REQUIRE(b.save(path, error));
    dq_baseline loaded;
    REQUIRE(loaded.load(path, error));
    double rows = 0;
    REQUIRE(loaded.expected(hour_start + 3 * day_ms, rows));
    double same = 0;
    REQUIRE(b.expected(hour_start + 3 * day_ms, same));
    CHECK(rows == same);
    CHECK_FALSE(loaded.expected(hour_start + 2 * hour_ms, rows));  // hour 14 never seen
    std::ofstream(path) << "{\"baseline_version\": 1, \"hours\": [{\"hour\": 25, \"day\": 1, \"rows\": 3}]}";
    CHECK_FALSE(loaded.load(path, error));
    CHECK_THAT(error, Catch::Contains(path) && Catch::Contains("hour"));
    std::filesystem::remove(path);
    CHECK(loaded.load(path, error));  // missing: empty, not an error
    CHECK_FALSE(loaded.expected(hour_start, rows));
}

TEST_CASE("out-of-order rows are counted per feed", "[unit][lake][dq]") {
    // Two feeds interleaved, each in order: nothing out of order.
    dq_report r = report_of(scored(1000, [](std::size_t i, row& x) { x.feed_id = static_cast<int32_t>(i % 2); }));
    CHECK(r.out_of_order == 0);
    // Reversed: every row after a feed's first is older than the one before.
    r = report_of(scored(1000, [](std::size_t i, row& x) {
        x.event_ms = hour_start + hour_ms - 1 - static_cast<int64_t>(i) * 1000;
    }));
    CHECK(r.out_of_order == 999);
    CHECK(failed(r) == names{"out_of_order_share"});
    // One row dated ahead makes one late row, not all that follow.
    r = report_of(scored(1000, [](std::size_t i, row& x) { if (i == 10) x.event_ms += 30 * 60'000; }));
    CHECK(r.out_of_order == 1);
}

TEST_CASE("a schema version other than the current one fails", "[unit][lake][dq]") {
    const dq_report r = report_of(scored(1000, [](std::size_t i, row& x) { x.schema_version = i < 3 ? 2 : 1; }));
    CHECK(failed(r) == names{"schema_version"});
    CHECK(check(r, "schema_version").observed == 3);
    CHECK(r.schema_versions.at(1) == 997);
    CHECK(r.schema_versions.at(2) == 3);
}

TEST_CASE("few rows report shares without failing them", "[unit][lake][dq]") {
    const dq_report r = report_of(scored(20, [](std::size_t, row& x) { x.amount_minor = 0; }));
    CHECK(r.failures().empty());
    CHECK(check(r, "amount_zero_share").skipped);
    CHECK(check(r, "amount_zero_share").observed == 1.0);
    CHECK_THAT(check(r, "amount_zero_share").detail, Catch::Contains("min_rows"));
}

TEST_CASE("freshness: percentiles within a quarter, a limit only when configured", "[unit][lake][dq]") {
    dq_lag_histogram h;
    for (int i = 1; i <= 1000; ++i) h.add(i);
    CHECK(h.quantile(0.5) >= 500);
    CHECK(h.quantile(0.5) <= 625);
    CHECK(h.quantile(0.99) >= 990);
    CHECK(h.quantile(0.99) <= 1000);
    CHECK(h.max() == 1000);
    h.add(-5);
    CHECK(h.count() == 1001);
    CHECK(h.quantile(0) == 0);

    // Rows received a day after their event time (a replay) pass unless max_lag is set.
    auto stale = [](std::size_t, row& x) { x.rx_ns = (x.event_ms + day_ms) * 1'000'000; };
    dq_report r = report_of(scored(1000, stale));
    CHECK(r.failures().empty());
    CHECK(r.freshness.p99_ms <= day_ms);
    CHECK(r.freshness.p99_ms >= day_ms * 3 / 4);
    dq_thresholds t;
    t.max_lag_ms = hour_ms;
    r = report_of(scored(1000, stale), nullptr, t);
    CHECK(failed(r) == names{"freshness_p99"});
}

TEST_CASE("the report JSON carries every documented field", "[unit][lake][dq]") {
    const row_batch rj = rejects(400, "unknown_currency");
    dq_baseline b;
    const dq_report r = report_of(scored(1000, [](std::size_t, row& x) { x.amount_minor = 0; }), &rj, {}, &b);
    const nlohmann::json j = nlohmann::json::parse(r.json());
    for (const char* key : {"report_version", "partition", "host", "hour_start", "hour_start_ms", "status", "failed",
                            "rows", "rejects", "expected_rows", "checks", "empty_shares", "freshness", "out_of_order_rows",
                            "amount_minor", "currencies", "rejects_by_reason", "schema_versions"}) {
        INFO(key);
        CHECK(j.contains(key));
    }
    CHECK(j["report_version"] == 1);
    CHECK(j["partition"] == "dt=2026-11-01/hour=12");
    CHECK(j["hour_start"] == "2026-11-01T12:00:00Z");
    CHECK(j["status"] == "fail");
    CHECK(j["failed"] == nlohmann::json::array({"amount_zero_share", "reject_rate"}));
    CHECK(j["expected_rows"].is_null());
    CHECK(j["rejects_by_reason"]["unknown_currency"] == 400);
    CHECK(j["schema_versions"]["1"] == 1400);
    CHECK(j["empty_shares"]["merchant_id"] == 0);
    CHECK(j["empty_shares"]["amount_minor"] == 1.0);
    CHECK(j["empty_shares"].contains("amount"));        // the derived decimal column too
    CHECK_FALSE(j["empty_shares"].contains("alert"));   // booleans have no "empty"
    CHECK_FALSE(j["empty_shares"].contains("reasons.rule"));  // nor list elements
    for (const char* key : {"rows", "p50_ms", "p99_ms", "max_ms", "ahead"}) CHECK(j["freshness"].contains(key));
    bool saw_zero = false;
    for (const auto& c : j["checks"]) {
        for (const char* key : {"name", "status", "observed", "limit", "detail"}) CHECK(c.contains(key));
        if (c["name"] == "amount_zero_share") {
            saw_zero = true;
            CHECK(c["status"] == "fail");
            CHECK(c["observed"] == 1.0);
        }
        if (c["name"] == "rows") CHECK(c["status"] == "skipped");
    }
    CHECK(saw_zero);
    // The same hour gives the same bytes (compacting again rewrites an identical file).
    dq_baseline b_again;
    CHECK(r.json() == report_of(scored(1000, [](std::size_t, row& x) { x.amount_minor = 0; }), &rj, {}, &b_again).json());
}

TEST_CASE("a batch without a column skips its checks and says so", "[unit][lake][dq]") {
    // A schema of its own lacking mcc and currency.
    const lake_table_schema s = lake_schema_from_avsc(
        R"({"type":"record","name":"scored","fields":[{"name":"schema_version","type":"int"},)"
        R"({"name":"amount_minor","type":"long"},{"name":"merchant_id","type":"string"}]})",
        "scored");
    row_batch b(s);
    for (int i = 0; i < 500; ++i) {
        b.columns[0].i32.push_back(1);
        b.columns[1].i64.push_back(100);
        put_string(b.columns[2], "M");
        ++b.rows;
    }
    dq_collector c({});
    c.add_scored(b);
    const dq_report r = c.finish("dt=2026-11-01/hour=12", "h1", hour_start, nullptr);
    CHECK(r.failures().empty());
    CHECK(check(r, "mcc_invalid_share").skipped);
    CHECK_THAT(check(r, "mcc_invalid_share").detail, Catch::Contains("column mcc"));
    CHECK_THAT(check(r, "empty_share:card_token").detail, Catch::Contains("column card_token"));
    CHECK(check(r, "amount_zero_share").passed);
}

namespace {

struct loaded_dq {
    dq_thresholds t;
    std::vector<std::string> errors;
};

loaded_dq load_dq(const std::string& text) {
    loaded_dq out;
    std::string syntax;
    auto root = parse_toml(text, "t.toml", syntax);
    REQUIRE(root);
    config_errors e("t.toml");
    const toml_section doc(*root, "", e);
    if (auto lake = doc.table("lake")) read_dq_section(*lake, out.t);
    validate(out.t, e);
    out.errors = e.take();
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += x + "\n";
    return s;
}

}  // namespace

TEST_CASE("[lake.dq] keys set the thresholds", "[unit][lake][dq][config]") {
    const loaded_dq d = load_dq(R"(
[lake.dq]
enabled = true
rows_low = 0.25
rows_high = 4
baseline_alpha = 0.5
max_amount_zero_share = 0.1
max_reject_rate = 0.05
max_lag = "15m"
min_rows = 500
required_columns = ["merchant_id", "terminal_id"]
)");
    INFO(joined(d.errors));
    CHECK(d.errors.empty());
    CHECK(d.t.rows_low == 0.25);
    CHECK(d.t.rows_high == 4);
    CHECK(d.t.baseline_alpha == 0.5);
    CHECK(d.t.max_amount_zero_share == 0.1);
    CHECK(d.t.max_reject_rate == 0.05);
    CHECK(d.t.max_lag_ms == 15 * 60'000);
    CHECK(d.t.min_rows == 500);
    CHECK(d.t.required_columns == names{"merchant_id", "terminal_id"});
    CHECK(d.t.max_mcc_invalid_share == dq_thresholds{}.max_mcc_invalid_share);  // untouched default
    CHECK(load_dq("[lake.dq]\nenabled = false\n").t.enabled == false);
    CHECK(load_dq("").errors.empty());
    explanation ex;
    explain(d.t, ex);
    CHECK_THAT(ex.text(), Catch::Contains("lake.dq") && Catch::Contains("15m") && Catch::Contains("terminal_id"));
}

TEST_CASE("[lake.dq] problems name the key and the line", "[unit][lake][dq][config]") {
    const std::string e = joined(load_dq(R"(
[lake.dq]
rows_low = 1.5
rows_high = 0.5
baseline_alpha = 0
max_amount_zero_share = 2
max_reject_rate = "high"
max_lag = "soon"
min_rows = -1
required_columns = ["merchant_id", "alert", "nonesuch"]
max_zero_share = 0.1
)").errors);
    CHECK_THAT(e, Catch::Contains("t.toml:3: lake.dq.rows_low: must be 0..1"));
    CHECK_THAT(e, Catch::Contains("t.toml:4: lake.dq.rows_high: must be 1..1000"));
    CHECK_THAT(e, Catch::Contains("t.toml:5: lake.dq.baseline_alpha: must be above 0"));
    CHECK_THAT(e, Catch::Contains("t.toml:6: lake.dq.max_amount_zero_share: must be 0..1, got 2"));
    CHECK_THAT(e, Catch::Contains("t.toml:7: lake.dq.max_reject_rate") && Catch::Contains("a number"));
    CHECK_THAT(e, Catch::Contains("t.toml:8: lake.dq.max_lag"));
    CHECK_THAT(e, Catch::Contains("t.toml:9: lake.dq.min_rows"));
    CHECK_THAT(e, Catch::Contains("t.toml:10: lake.dq.required_columns: 'alert' is not a column"));
    CHECK_THAT(e, Catch::Contains("t.toml:11: lake.dq.max_zero_share: unknown key"));
}
