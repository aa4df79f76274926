// Unit tests for the 1-minute aggregates (controlplane/analytics/minute_aggregator.h):
// exact counts and sums against a plain recomputation, window alignment, the
// watermark, late events and corrections, top-K folding, the open-window bound, the
// restart state file, and the distinct-card and latency sketches.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/response_code.h"
#include "controlplane/analytics/hyperloglog.h"
#include "controlplane/analytics/latency_sketch.h"
#include "controlplane/analytics/minute_aggregator.h"
#include "temp_dir.h"

using namespace txscreen;

// Counts heap allocations, to show that add() allocates nothing once windows recycle.
// (GCC takes the replaced pair for a mismatch when it inlines them.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
static std::size_t g_allocations = 0;
void* operator new(std::size_t n) {
    ++g_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr int64_t minute = 60'000;
constexpr int64_t t0 = 1'709'296'440'000;  // 2024-03-01T12:34:00Z, a whole minute

struct event {
    int64_t time_ms;
    std::string merchant;
    uint16_t mcc;
    std::string country;
    channel chan;
    uint16_t feed;
    uint16_t currency;
    int64_t amount;
    uint64_t card;
    bool alert;
    decision dec;
    int64_t latency_ns;
    bool outcome;
    std::string response_code;
};

Verdict to_verdict(const event& e) {
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    v.txn.reset();
    v.txn.event_time_ms = e.time_ms;
    v.txn.merchant_id.assign(e.merchant);
    v.txn.mcc = e.mcc;
    std::memcpy(v.txn.country, e.country.data(), std::min<std::size_t>(e.country.size(), 2));
    v.txn.chan = e.chan;
    v.txn.feed_id = e.feed;
    v.txn.currency = e.currency;
    v.txn.currency_exponent = 2;
    v.txn.amount_minor = e.amount;
    std::memcpy(v.txn.card_token, &e.card, sizeof e.card);
    v.alert = e.alert;
    v.dec = e.dec;
    v.rx_ns = e.time_ms * 1'000'000;
    v.verdict_ns = v.rx_ns + e.latency_ns;
    if (e.outcome) {
        v.txn.kind = txn_kind::outcome;
        std::snprintf(v.txn.response_code, sizeof v.txn.response_code, "%s", e.response_code.c_str());
    }
    return v;
}

event simple(int64_t time_ms, const std::string& merchant = "M1", uint64_t card = 1) {
    return {time_ms, merchant, 5411, "US", channel::pos, 0, 840, 1000, card, false, decision::allow, 1000, false, ""};
}

aggregates_config test_config() {
    aggregates_config c;
    c.window_ms = minute;
    c.allowed_lateness_ms = 30'000;
    return c;
}

const std::vector<std::string> feeds = {"feed-a", "feed-b"};

struct collected {
    std::vector<aggregate_record> rows;
    aggregate_emit sink() {
        return [this](const aggregate_record& r) { rows.push_back(r); };
    }
    std::vector<aggregate_record> of(aggregate_record::row_kind k) const {
        std::vector<aggregate_record> out;
        for (const auto& r : rows)
            if (r.kind == k) out.push_back(r);
        return out;
    }
};

// ---- the independent recomputation: one map per (window, dimension, key)

using row_id = std::tuple<int64_t, int, std::string>;

struct expected_row {
    uint64_t transactions = 0, alerts = 0, reviews = 0, blocks = 0, approved = 0, declined = 0;
    std::map<uint16_t, std::pair<uint64_t, int64_t>> amounts;  // currency -> (count, sum)
    std::set<uint64_t> cards;
};

std::string channel_text(channel c) {
    const char* names[] = {"unknown", "pos", "ecom", "atm"};
    return names[static_cast<int>(c)];
}

std::vector<std::pair<int, std::string>> keys_of(const event& e) {
    char mcc[8];
    std::snprintf(mcc, sizeof mcc, "%04u", e.mcc);
    return {{0, feeds.at(e.feed)},
            {1, e.merchant.empty() ? "none" : e.merchant},
            {2, e.mcc ? std::string(mcc) : "none"},
            {3, e.country.empty() ? "none" : e.country},
            {4, channel_text(e.chan)}};
}

std::map<row_id, expected_row> recompute(const std::vector<event>& events) {
    std::map<row_id, expected_row> out;
    for (const event& e : events) {
        const int64_t start = e.time_ms / minute * minute;
        for (const auto& [dim, key] : keys_of(e)) {
            expected_row& r = out[{start, dim, key}];
            if (e.outcome) {
                const bool declined = response_declined(e.response_code.c_str());
                r.declined += declined;
                r.approved += !declined;
                continue;
            }
            ++r.transactions;
            r.alerts += e.alert;
            r.reviews += e.dec == decision::review;
            r.blocks += e.dec == decision::block;
            r.amounts[e.currency].first++;
            r.amounts[e.currency].second += e.amount;
            r.cards.insert(e.card);
        }
    }
    return out;
}

std::vector<event> random_stream(uint32_t seed, int n) {
    std::mt19937_64 rng(seed);
    const char* countries[] = {"US", "GB", "DE", ""};
    const uint16_t mccs[] = {5411, 5999, 7995, 4829, 0};
    const uint16_t currencies[] = {840, 978, 826};
    const char* codes[] = {"00", "05", "000", "100", "51", ""};
    std::vector<event> out;
    for (int i = 0; i < n; ++i) {
        event e{};
        // Five minutes from a time that is not a whole minute, 10 s of disorder (< lateness).
        e.time_ms = t0 + 17'123 + int64_t(i) * 5 * minute / n + int64_t(rng() % 10'000) - 5'000;
        const uint64_t m = rng() % 25;
        e.merchant = m == 24 ? std::string() : "M" + std::to_string(m);
        e.mcc = mccs[rng() % 5];
        e.country = countries[rng() % 4];
        e.chan = static_cast<channel>(rng() % 4);
        e.feed = static_cast<uint16_t>(rng() % 2);
        e.currency = currencies[rng() % 3];
        e.amount = static_cast<int64_t>(rng() % 100'000) - 1'000;
        e.card = rng() % 300;
        e.alert = rng() % 10 == 0;
        e.dec = static_cast<decision>(rng() % 3);
        e.latency_ns = 1'000 + static_cast<int64_t>(rng() % 100'000);
        e.outcome = rng() % 5 == 0;
        e.response_code = codes[rng() % 6];
        out.push_back(e);
    }
    return out;
}

void check_row(const aggregate_record& got, const expected_row& want) {
    INFO("window " << got.window_start_ms << " " << agg_dimension_name(got.dimension) << " " << got.key);
    CHECK(got.transactions == want.transactions);
    CHECK(got.alerts == want.alerts);
    CHECK(got.reviews == want.reviews);
    CHECK(got.blocks == want.blocks);
    CHECK(got.approved == want.approved);
    CHECK(got.declined == want.declined);
    CHECK(got.distinct_cards == want.cards.size());
    CHECK(got.amounts_other == 0);
    REQUIRE(got.n_amounts == want.amounts.size());
    int i = 0;
    for (const auto& [currency, count_sum] : want.amounts) {
        CHECK(got.amounts[i].currency == currency);
        CHECK(got.amounts[i].transactions == count_sum.first);
        CHECK(got.amounts[i].amount_minor == count_sum.second);
        ++i;
    }
}

}  // namespace

TEST_CASE("aggregates: every window and key equals a recomputation from the events") {
    const std::vector<event> events = random_stream(17, 20'000);
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    for (std::size_t i = 0; i < events.size(); ++i) {
        agg.add(to_verdict(events[i]));
        if (i % 500 == 0) agg.advance(out.sink());
    }
    agg.flush(out.sink());
    const auto want = recompute(events);
    const auto rows = out.of(aggregate_record::row_kind::window);
    REQUIRE(out.of(aggregate_record::row_kind::correction).empty());
    REQUIRE(rows.size() == want.size());
    std::set<row_id> seen;
    for (const auto& r : rows) {
        const row_id id{r.window_start_ms, static_cast<int>(r.dimension), r.key};
        REQUIRE(seen.insert(id).second);  // each (window, dimension, key) once
        REQUIRE(want.count(id));
        check_row(r, want.at(id));
    }
    const aggregate_counters c = agg.counters();
    CHECK(c.events == events.size());
    CHECK(c.windows_closed == 6);  // 12:34:17 - 5 s .. 12:39:12 + 5 s: minutes 34..39
    CHECK(c.rows == rows.size());
    CHECK(c.late_events == 0);
}

TEST_CASE("aggregates: windows are whole UTC minutes, rows in (dimension, key) order") {
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    agg.add(to_verdict(simple(t0 + 59'999, "B")));
    agg.add(to_verdict(simple(t0 + 60'000, "A")));
    agg.add(to_verdict(simple(t0 + 1, "A")));
    agg.flush(out.sink());
    REQUIRE(out.rows.size() == 11);  // window 1: feed, 2 merchants, mcc, country, channel; window 2: 5
    for (const auto& r : out.rows) {
        CHECK(r.window_start_ms % minute == 0);
        CHECK(r.window_end_ms == r.window_start_ms + minute);
    }
    CHECK(out.rows[0].window_start_ms == t0);
    CHECK(out.rows[0].transactions == 2);
    CHECK(std::string(out.rows[1].key) == "A");
    CHECK(std::string(out.rows[2].key) == "B");
    CHECK(out.rows[6].window_start_ms == t0 + minute);
    for (std::size_t i = 1; i < 6; ++i)
        CHECK(static_cast<int>(out.rows[i - 1].dimension) <= static_cast<int>(out.rows[i].dimension));
}

TEST_CASE("aggregates: absent keys read none, unknown feeds feed-<id>") {
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    event e = simple(t0, "");
    e.mcc = 0;
    e.country = "";
    e.feed = 7;
    e.chan = channel::unknown;
    agg.add(to_verdict(e));
    agg.flush(out.sink());
    REQUIRE(out.rows.size() == 5);
    CHECK(std::string(out.rows[0].key) == "feed-7");
    CHECK(std::string(out.rows[1].key) == "none");
    CHECK(std::string(out.rows[2].key) == "none");
    CHECK(std::string(out.rows[3].key) == "none");
    CHECK(std::string(out.rows[4].key) == "unknown");
}

TEST_CASE("aggregates: a window closes when the watermark reaches its end") {
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    agg.add(to_verdict(simple(t0 + 10)));
    agg.add(to_verdict(simple(t0 + minute + 30'000 - 1)));  // watermark one ms short of the end
    agg.advance(out.sink());
    CHECK(out.rows.empty());
    CHECK(agg.counters().watermark_ms == t0 + minute - 1);
    CHECK(agg.counters().open_windows == 2);
    agg.add(to_verdict(simple(t0 + minute + 30'000)));
    agg.advance(out.sink());
    REQUIRE(out.rows.size() == 5);
    for (const auto& r : out.rows) CHECK(r.window_start_ms == t0);
    CHECK(out.rows[0].transactions == 1);
    CHECK(agg.counters().windows_closed == 1);
    agg.advance(out.sink());
    CHECK(out.rows.size() == 5);  // emitted once
}

TEST_CASE("aggregates: a late event gives one correction row per dimension with only that event") {
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    for (int i = 0; i < 10; ++i) agg.add(to_verdict(simple(t0 + i * 1000)));
    agg.add(to_verdict(simple(t0 + 2 * minute)));
    agg.advance(out.sink());
    REQUIRE(out.rows.size() == 5);
    event late = simple(t0 + 5'000, "LATE", 99);
    late.amount = 777;
    late.alert = true;
    agg.add(to_verdict(late));
    agg.advance(out.sink());
    CHECK(out.of(aggregate_record::row_kind::correction).empty());  // waits for the next close
    agg.add(to_verdict(simple(t0 + 3 * minute + 30'000)));          // closes [2, 3)
    agg.advance(out.sink());
    REQUIRE(out.of(aggregate_record::row_kind::window).size() == 10);
    const auto corrections = out.of(aggregate_record::row_kind::correction);
    REQUIRE(corrections.size() == 5);
    for (const auto& r : corrections) {
        CHECK(r.window_start_ms == t0);
        CHECK(r.transactions == 1);
        CHECK(r.alerts == 1);
        CHECK(r.distinct_cards == 1);
        REQUIRE(r.n_amounts == 1);
        CHECK(r.amounts[0].amount_minor == 777);
    }
    CHECK(std::string(corrections[1].key) == "LATE");
    const aggregate_counters c = agg.counters();
    CHECK(c.late_events == 1);
    CHECK(c.corrections == 5);
    agg.advance(out.sink());
    CHECK(out.rows.size() == 15);  // a correction goes out once too
}

TEST_CASE("aggregates: with no window closing, corrections go out after a window length of wall time") {
    aggregates_config conf = test_config();
    conf.window_ms = 1000;
    conf.allowed_lateness_ms = 0;
    minute_aggregator agg(conf, feeds, "");
    collected out;
    agg.add(to_verdict(simple(t0)));
    agg.add(to_verdict(simple(t0 + 1500)));
    agg.advance(out.sink());
    REQUIRE(out.of(aggregate_record::row_kind::window).size() == 5);
    agg.add(to_verdict(simple(t0 + 10)));  // late, and nothing new closes
    agg.add(to_verdict(simple(t0 + 20)));
    agg.advance(out.sink());
    CHECK(out.of(aggregate_record::row_kind::correction).empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    agg.advance(out.sink());
    const auto corrections = out.of(aggregate_record::row_kind::correction);
    REQUIRE(corrections.size() == 5);
    CHECK(corrections[0].transactions == 2);  // both late events, one row per key
}

TEST_CASE("aggregates: an event older than max_correction_age is counted too_late, not aggregated") {
    aggregates_config conf = test_config();
    conf.max_correction_age_ms = 15 * minute;
    minute_aggregator agg(conf, feeds, "");
    collected out;
    agg.add(to_verdict(simple(t0 + 2 * minute)));
    agg.add(to_verdict(simple(t0 + 10 * minute)));
    agg.add(to_verdict(simple(t0 + 20 * minute)));
    agg.advance(out.sink());
    const std::size_t emitted = out.rows.size();
    REQUIRE(emitted == 10);
    agg.add(to_verdict(simple(t0 + 2 * minute + 5)));   // 17.5 min behind the watermark
    agg.add(to_verdict(simple(t0 + 10 * minute + 5)));  // 9.5 min: a correction
    agg.flush(out.sink());
    const aggregate_counters c = agg.counters();
    CHECK(c.too_late == 1);
    CHECK(c.late_events == 1);
    const auto corrections = out.of(aggregate_record::row_kind::correction);
    CHECK(corrections.size() == 5);
    for (const auto& r : corrections) CHECK(r.window_start_ms == t0 + 10 * minute);
}

TEST_CASE("aggregates: a verdict dated beyond its receive clock is counted ahead, opens no window") {
    test::temp_dir dir("txscreen-agg-ahead");
    const std::string state = dir.path + "/aggregates.state";
    {
        minute_aggregator agg(test_config(), feeds, state);
        collected out;
        agg.add(to_verdict(simple(t0 + minute)));
        Verdict future = to_verdict(simple(t0 + 365LL * 24 * 60 * minute));
        future.ahead = true;
        agg.add(future);
        agg.flush(out.sink());
        CHECK(agg.counters().ahead == 1);
        for (const auto& r : out.rows) CHECK(r.window_start_ms == t0 + minute);
    }
    // The restart state is the real minute's end: the next minutes are windows again.
    minute_aggregator again(test_config(), feeds, state);
    collected out;
    again.add(to_verdict(simple(t0 + 3 * minute)));
    again.flush(out.sink());
    CHECK(out.of(aggregate_record::row_kind::window).size() == 5);
    CHECK(out.of(aggregate_record::row_kind::correction).empty());
}

TEST_CASE("aggregates: merchants beyond top_merchants fold into other, counted") {
    aggregates_config conf = test_config();
    conf.top_merchants = 3;
    minute_aggregator agg(conf, feeds, "");
    collected out;
    const char* order[] = {"M1", "M2", "M3", "M4", "M5", "M1", "M4", "M3"};
    for (const char* m : order) agg.add(to_verdict(simple(t0 + 100, m)));
    agg.flush(out.sink());
    std::map<std::string, uint64_t> merchants;
    for (const auto& r : out.rows)
        if (r.dimension == agg_dimension::merchant) merchants[r.key] = r.transactions;
    CHECK(merchants == std::map<std::string, uint64_t>{{"M1", 2}, {"M2", 1}, {"M3", 2}, {"other", 3}});
    CHECK(agg.counters().merchants_folded == 3);
    CHECK(out.rows[0].transactions == 8);  // the feed row still has them all
}

TEST_CASE("aggregates: the busiest merchants of the last window keep their rows when others come first") {
    aggregates_config conf = test_config();
    conf.top_merchants = 4;  // 2 rows kept for the busiest of the last window, 2 for first comers
    minute_aggregator agg(conf, feeds, "");
    collected out;
    for (int i = 0; i < 10; ++i) agg.add(to_verdict(simple(t0 + i, "A")));
    for (int i = 0; i < 8; ++i) agg.add(to_verdict(simple(t0 + i, "B")));
    agg.add(to_verdict(simple(t0, "C")));
    agg.add(to_verdict(simple(t0, "D")));
    agg.add(to_verdict(simple(t0 + 2 * minute)));  // closes the first window
    agg.advance(out.sink());
    out.rows.clear();
    for (const char* m : {"X", "Y", "Z", "W", "A", "B", "A", "X"}) agg.add(to_verdict(simple(t0 + minute + 5, m)));
    agg.flush(out.sink());
    std::map<std::string, uint64_t> merchants;
    for (const auto& r : out.rows)
        if (r.dimension == agg_dimension::merchant && r.window_start_ms == t0 + minute) merchants[r.key] = r.transactions;
    CHECK(merchants == std::map<std::string, uint64_t>{{"A", 2}, {"B", 1}, {"X", 2}, {"Y", 1}, {"other", 2}});
    CHECK(agg.counters().merchants_folded == 2);
}

TEST_CASE("aggregates: no window holds more than top_merchants merchant rows, nothing is lost folding") {
    aggregates_config conf = test_config();
    conf.top_merchants = 6;
    minute_aggregator agg(conf, feeds, "");
    collected out;
    const std::vector<event> events = random_stream(23, 6'000);
    for (std::size_t i = 0; i < events.size(); ++i) {
        agg.add(to_verdict(events[i]));
        if (i % 100 == 0) agg.advance(out.sink());
    }
    agg.flush(out.sink());
    std::map<int64_t, uint64_t> merchant_rows, merchant_outcomes, feed_outcomes;
    for (const auto& r : out.rows) {
        if (r.dimension == agg_dimension::merchant) ++merchant_rows[r.window_start_ms];
        auto& outcomes = r.dimension == agg_dimension::merchant ? merchant_outcomes : feed_outcomes;
        if (r.dimension == agg_dimension::merchant || r.dimension == agg_dimension::feed)
            outcomes[r.window_start_ms] += r.transactions * 1000 + r.approved + r.declined;
    }
    for (const auto& [start, n] : merchant_rows) CHECK(n <= 7);  // 6 and "other"
    CHECK(merchant_outcomes == feed_outcomes);
    CHECK(agg.counters().merchants_folded > 0);
}

TEST_CASE("aggregates: beyond max_open_windows the oldest closes early; its later events are corrections") {
    aggregates_config conf = test_config();
    conf.allowed_lateness_ms = 3'600'000;  // the watermark closes nothing here
    conf.max_open_windows = 2;
    minute_aggregator agg(conf, feeds, "");
    collected out;
    agg.add(to_verdict(simple(t0)));
    agg.add(to_verdict(simple(t0 + minute)));
    agg.add(to_verdict(simple(t0 + 2 * minute)));
    CHECK(agg.counters().closed_early == 1);
    CHECK(agg.counters().open_windows == 2);
    agg.add(to_verdict(simple(t0 + 30)));  // its window closed: late
    agg.advance(out.sink());
    REQUIRE(out.rows.size() == 10);
    CHECK(out.rows[0].kind == aggregate_record::row_kind::window);
    CHECK(out.rows[0].window_start_ms == t0);
    CHECK(out.rows[5].kind == aggregate_record::row_kind::correction);
    CHECK(out.rows[5].window_start_ms == t0);
    CHECK(agg.counters().late_events == 1);
}

TEST_CASE("aggregates: rejects and gaps go to the feed row of the newest window") {
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    reject_record rej{};
    rej.feed_id = 1;
    agg.add_reject(rej);  // before any event: kept for the first window
    agg.add(to_verdict(simple(t0 + 10)));
    agg.add(to_verdict(simple(t0 + minute + 10)));
    agg.add_reject(rej);
    agg.add_gaps(1, 7);
    agg.add_gaps(0, 2);
    agg.flush(out.sink());
    std::map<std::pair<int64_t, std::string>, std::pair<uint64_t, uint64_t>> feed_rows;
    for (const auto& r : out.rows)
        if (r.dimension == agg_dimension::feed) feed_rows[{r.window_start_ms, r.key}] = {r.rejects, r.gaps};
    CHECK(feed_rows[{t0, "feed-b"}] == std::pair<uint64_t, uint64_t>{1, 0});
    CHECK(feed_rows[{t0 + minute, "feed-b"}] == std::pair<uint64_t, uint64_t>{1, 7});
    CHECK(feed_rows[{t0 + minute, "feed-a"}] == std::pair<uint64_t, uint64_t>{0, 2});
    for (const auto& r : out.rows)
        if (r.dimension != agg_dimension::feed) CHECK(r.rejects + r.gaps == 0);
}

TEST_CASE("aggregates: a restart with the state file emits no window twice") {
    test::temp_dir dir("txscreen-agg");
    const std::string state = dir.path + "/aggregates.state";
    const std::vector<event> events = random_stream(5, 3'000);
    std::set<int64_t> first_windows;
    {
        minute_aggregator agg(test_config(), feeds, state);
        collected out;
        for (std::size_t i = 0; i < events.size() / 2; ++i) agg.add(to_verdict(events[i]));
        agg.advance(out.sink());
        for (const auto& r : out.rows) first_windows.insert(r.window_start_ms);
        REQUIRE(!first_windows.empty());
        std::ifstream f(state);
        int64_t saved = 0;
        f >> saved;
        CHECK(saved == *first_windows.rbegin() + minute);
    }  // "killed": no flush
    minute_aggregator again(test_config(), feeds, state);
    collected out;
    for (const event& e : events) again.add(to_verdict(e));  // the input replayed from the start
    again.flush(out.sink());
    for (const auto& r : out.of(aggregate_record::row_kind::window)) CHECK(first_windows.count(r.window_start_ms) == 0);
    CHECK(!out.of(aggregate_record::row_kind::window).empty());
    for (const auto& r : out.of(aggregate_record::row_kind::correction)) CHECK(first_windows.count(r.window_start_ms) == 1);
    CHECK(again.counters().late_events > 0);
}

TEST_CASE("aggregates: a state file that is not one number is an error naming it") {
    test::temp_dir dir("txscreen-agg");
    const std::string state = dir.path + "/aggregates.state";
    std::ofstream(state) << "12x\n";
    try {
        minute_aggregator agg(test_config(), feeds, state);
        FAIL("no error");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(state) != std::string::npos);
    }
    std::ofstream(state) << "";
    CHECK_THROWS_WITH(minute_aggregator(test_config(), feeds, state), Catch::Contains(state));
    std::ofstream(state) << "1709296500000\n";
    CHECK_NOTHROW(minute_aggregator(test_config(), feeds, state));
    CHECK_NOTHROW(minute_aggregator(test_config(), feeds, dir.path + "/absent.state"));
}

TEST_CASE("aggregates: state write failures are counted, rows still emitted") {
    minute_aggregator agg(test_config(), feeds, "/nonexistent-dir-txscreen/aggregates.state");
    collected out;
    agg.add(to_verdict(simple(t0)));
    agg.flush(out.sink());
    CHECK(out.rows.size() == 5);
    CHECK(agg.counters().state_errors == 1);
}

TEST_CASE("aggregates: latency p50 and p99 within the sketch's resolution") {
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    std::vector<int64_t> latencies;
    std::mt19937_64 rng(3);
    for (int i = 0; i < 1000; ++i) {
        event e = simple(t0 + i);
        e.latency_ns = 2'000 + static_cast<int64_t>(rng() % 50'000) + (i % 100 == 0 ? 5'000'000 : 0);
        latencies.push_back(e.latency_ns);
        agg.add(to_verdict(e));
    }
    agg.flush(out.sink());
    std::sort(latencies.begin(), latencies.end());
    const auto p50 = static_cast<uint64_t>(latencies[499]), p99 = static_cast<uint64_t>(latencies[989]);
    const aggregate_record& feed = out.rows[0];
    CHECK(feed.latency_p50_ns >= p50);
    CHECK(feed.latency_p50_ns <= p50 + p50 / 8);
    CHECK(feed.latency_p99_ns >= p99);
    CHECK(feed.latency_p99_ns <= p99 + p99 / 8);
}

TEST_CASE("aggregates: currencies beyond agg_max_currencies are counted in amounts_other") {
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    for (uint16_t c = 1; c <= agg_max_currencies + 3; ++c) {
        event e = simple(t0);
        e.currency = static_cast<uint16_t>(1000 - c);
        agg.add(to_verdict(e));
    }
    agg.flush(out.sink());
    CHECK(out.rows[0].n_amounts == agg_max_currencies);
    CHECK(out.rows[0].amounts_other == 3);
    for (int i = 1; i < agg_max_currencies; ++i) CHECK(out.rows[0].amounts[i - 1].currency < out.rows[0].amounts[i].currency);
}

TEST_CASE("hyperloglog: exact below 384 distinct, within 3% at 100K") {
    hyperloglog h;
    for (uint64_t i = 0; i < 99; ++i) {
        h.add(i * 7919);
        h.add(i * 7919);  // repeats do not count
    }
    CHECK(h.estimate() == 99);
    for (uint64_t i = 99; i < 384; ++i) h.add(i * 7919);
    CHECK(h.exact());
    CHECK(h.estimate() == 384);
    for (uint64_t n : {1'000ull, 10'000ull, 100'000ull, 1'000'000ull}) {
        hyperloglog big;
        std::mt19937_64 rng(n);
        for (uint64_t i = 0; i < n; ++i) big.add(rng());
        const double err = std::abs(static_cast<double>(big.estimate()) - static_cast<double>(n)) / static_cast<double>(n);
        INFO("n = " << n << ", estimate " << big.estimate());
        CHECK(!big.exact());
        CHECK(err < 0.03);
    }
}

TEST_CASE("latency_sketch: a quantile is the bound of its bucket, at most 12.5% above") {
    latency_sketch s;
    s.clear();
    CHECK(s.quantile(0.5) == 0);
    for (uint64_t v : {100ull, 1'000ull, 123'456ull, 9'999'999ull}) {
        latency_sketch one;
        one.clear();
        one.record(v);
        CHECK(one.quantile(0.99) >= v);
        CHECK(one.quantile(0.99) <= v + v / 8);
    }
    latency_sketch huge;
    huge.clear();
    huge.record(uint64_t(1) << 40);
    CHECK(huge.quantile(0.5) == (uint64_t(1) << latency_sketch::top_bit) - 1);
}

TEST_CASE("aggregates: once windows recycle, add() allocates nothing") {
    minute_aggregator agg(test_config(), feeds, "");
    collected out;
    out.rows.reserve(100'000);
    std::mt19937_64 rng(11);
    std::size_t allocations_in_first_window = 0, allocations_in_last_window = 0;
    for (int w = 0; w < 6; ++w) {
        for (int i = 0; i < 3'000; ++i) {
            std::string merchant = "M";
            merchant += std::to_string(rng() % 200);
            event e = simple(t0 + w * minute + i * 20, merchant, rng() % 1'000);
            e.mcc = static_cast<uint16_t>(5000 + rng() % 50);
            e.latency_ns = static_cast<int64_t>(rng() % 1'000'000);
            const Verdict v = to_verdict(e);  // the std::string above allocates: count add() alone
            const std::size_t mark = g_allocations;
            agg.add(v);
            (w == 0 ? allocations_in_first_window : allocations_in_last_window) += w == 0 || w == 5 ? g_allocations - mark : 0;
        }
        agg.advance(out.sink());
    }
    CHECK(allocations_in_first_window > 0);  // the counter sees the tables being built
    CHECK(allocations_in_last_window == 0);
    CHECK(agg.counters().windows_closed >= 4);
}
