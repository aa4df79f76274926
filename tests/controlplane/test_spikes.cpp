// Unit tests for spike alerts (controlplane/analytics/spike_detector.h): a flat noisy
// series raises nothing, an injected volume or alert-rate spike is flagged in its
// window, warm-up and minimum counts hold, feed anomalies (silent, reject and gap
// surges), stable ids; and end to end from verdicts through the aggregator.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "controlplane/analytics/minute_aggregator.h"
#include "controlplane/analytics/spike_detector.h"

using namespace txscreen;

namespace {

constexpr int64_t minute = 60'000;
constexpr int64_t t0 = 1'709'296'440'000;

aggregate_record row(int64_t window, agg_dimension d, const std::string& key, uint64_t transactions, uint64_t alerts) {
    aggregate_record r;
    std::memset(static_cast<void*>(&r), 0, sizeof r);
    r.window_start_ms = t0 + window * minute;
    r.window_end_ms = r.window_start_ms + minute;
    r.dimension = d;
    std::strncpy(r.key, key.c_str(), sizeof r.key - 1);
    r.transactions = transactions;
    r.alerts = alerts;
    return r;
}

struct spikes {
    std::vector<spike_event> events;
    spike_emit sink() {
        return [this](const spike_event& e) { events.push_back(e); };
    }
    std::size_t count(spike_event::spike_kind k) const {
        std::size_t n = 0;
        for (const auto& e : events) n += e.kind == k;
        return n;
    }
};

// 10 MCCs over `windows` windows: Poisson volume around 1000, binomial alerts at 2%;
// `change(window, key, volume, alerts)` may alter one.
template <class Change>
spikes run_series(uint32_t seed, int windows, const spike_config& conf, Change change) {
    spike_detector det(conf, {"feed-a"});
    spikes out;
    std::mt19937_64 rng(seed);
    std::poisson_distribution<uint64_t> volume(1000);
    for (int w = 0; w < windows; ++w) {
        det.observe(row(w, agg_dimension::feed, "feed-a", 10'000, 0), out.sink());
        for (int k = 0; k < 10; ++k) {
            uint64_t n = volume(rng);
            uint64_t alerts = std::binomial_distribution<uint64_t>(n, 0.02)(rng);
            change(w, k, n, alerts);
            det.observe(row(w, agg_dimension::mcc, std::to_string(5000 + k), n, alerts), out.sink());
        }
        det.window_done(t0 + w * minute, t0 + (w + 1) * minute, out.sink());
    }
    return out;
}

}  // namespace

TEST_CASE("spikes: a flat noisy series over 60 windows raises none at the defaults") {
    for (uint32_t seed : {1u, 2u, 3u}) {
        const spikes out = run_series(seed, 60, spike_config{}, [](int, int, uint64_t&, uint64_t&) {});
        INFO("seed " << seed);
        CHECK(out.events.empty());
    }
}

TEST_CASE("spikes: a 20x volume window is flagged in that window, for that key only") {
    const spikes out = run_series(1, 60, spike_config{}, [](int w, int k, uint64_t& n, uint64_t& alerts) {
        if (w == 40 && k == 3) n *= 20, alerts *= 20;
    });
    REQUIRE(out.count(spike_event::spike_kind::volume) == 1);
    const spike_event& e = out.events.front();
    CHECK(e.kind == spike_event::spike_kind::volume);
    CHECK(e.dimension == agg_dimension::mcc);
    CHECK(std::string(e.key) == "5003");
    CHECK(e.window_start_ms == t0 + 40 * minute);
    CHECK(e.window_end_ms == t0 + 41 * minute);
    CHECK(e.observed > 15'000);
    CHECK(e.baseline == Approx(1000).epsilon(0.1));
    CHECK(e.z > e.threshold);
    CHECK(e.threshold == 4.0);
    CHECK(out.count(spike_event::spike_kind::alert_rate) == 0);  // the rate did not change
}

TEST_CASE("spikes: a tripled alert rate is flagged in its window") {
    const spikes out = run_series(2, 60, spike_config{}, [](int w, int k, uint64_t& n, uint64_t& alerts) {
        if (w == 45 && k == 7) alerts = static_cast<uint64_t>(n * 0.06);
    });
    REQUIRE(out.events.size() == 1);
    const spike_event& e = out.events.front();
    CHECK(e.kind == spike_event::spike_kind::alert_rate);
    CHECK(std::string(e.key) == "5007");
    CHECK(e.window_start_ms == t0 + 45 * minute);
    CHECK(e.observed == Approx(0.06).epsilon(0.05));
    CHECK(e.baseline == Approx(0.02).epsilon(0.25));
    CHECK(e.alerts == static_cast<uint64_t>(e.transactions * 0.06));
}

TEST_CASE("spikes: nothing before warmup_windows, nor below the minimum counts") {
    spike_config conf;
    conf.warmup_windows = 5;
    auto at = [&](int spike_window) {
        return run_series(4, 12, conf, [=](int w, int k, uint64_t& n, uint64_t&) {
            if (w == spike_window && k == 0) n *= 20;
        });
    };
    CHECK(at(4).events.empty());  // 4 earlier windows
    CHECK(at(5).count(spike_event::spike_kind::volume) == 1);
    conf.min_transactions = 100'000;
    CHECK(at(8).events.empty());
    conf.min_transactions = 30;
    conf.min_alerts = 1'000;  // a rate spike needs that many alerts
    CHECK(run_series(2, 60, conf, [](int w, int k, uint64_t& n, uint64_t& alerts) {
              if (w == 45 && k == 7) alerts = static_cast<uint64_t>(n * 0.06);
          }).events.empty());
}

TEST_CASE("spikes: a key that never alerted needs min_alerts, not one alert") {
    spike_detector det(spike_config{}, {});
    spikes out;
    for (int w = 0; w < 10; ++w) det.observe(row(w, agg_dimension::country, "NL", 100, 0), out.sink());
    det.observe(row(10, agg_dimension::country, "NL", 100, 2), out.sink());
    CHECK(out.events.empty());
    det.observe(row(11, agg_dimension::country, "NL", 100, 20), out.sink());
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0].kind == spike_event::spike_kind::alert_rate);
    CHECK(std::isfinite(out.events[0].z));
}

TEST_CASE("spikes: merchant other, channels and corrections are not judged") {
    spike_detector det(spike_config{}, {});
    spikes out;
    for (int w = 0; w < 10; ++w) {
        det.observe(row(w, agg_dimension::merchant, "other", 100, 1), out.sink());
        det.observe(row(w, agg_dimension::channel, "pos", 100, 1), out.sink());
        det.observe(row(w, agg_dimension::merchant, "M1", 100, 1), out.sink());
    }
    det.observe(row(10, agg_dimension::merchant, "other", 100'000, 1), out.sink());
    det.observe(row(10, agg_dimension::channel, "pos", 100'000, 1), out.sink());
    aggregate_record correction = row(10, agg_dimension::merchant, "M1", 100'000, 1);
    correction.kind = aggregate_record::row_kind::correction;
    det.observe(correction, out.sink());
    CHECK(out.events.empty());
    CHECK(det.counters().keys == 1);
    det.observe(row(10, agg_dimension::merchant, "M1", 100'000, 1), out.sink());
    CHECK(out.events.size() == 1);
}

TEST_CASE("spikes: a feed that goes silent is reported once, again after it came back") {
    spike_detector det(spike_config{}, {"feed-a", "feed-b"});
    spikes out;
    auto window = [&](int w, bool a_sends) {
        if (a_sends) det.observe(row(w, agg_dimension::feed, "feed-a", 500, 0), out.sink());
        det.observe(row(w, agg_dimension::feed, "feed-b", 500, 0), out.sink());
        det.window_done(t0 + w * minute, t0 + (w + 1) * minute, out.sink());
    };
    for (int w = 0; w < 3; ++w) window(w, false);  // feed-a has no baseline yet: not silent
    for (int w = 3; w < 12; ++w) window(w, true);
    CHECK(out.events.empty());
    window(12, false);
    REQUIRE(out.events.size() == 1);
    const spike_event& e = out.events[0];
    CHECK(e.kind == spike_event::spike_kind::feed_silent);
    CHECK(e.dimension == agg_dimension::feed);
    CHECK(std::string(e.key) == "feed-a");
    CHECK(e.window_start_ms == t0 + 12 * minute);
    CHECK(e.observed == 0);
    CHECK(e.baseline == Approx(500));
    window(13, false);
    CHECK(out.events.size() == 1);
    window(14, true);
    window(15, false);
    CHECK(out.count(spike_event::spike_kind::feed_silent) == 2);
    CHECK(det.counters().spikes[static_cast<int>(spike_event::spike_kind::feed_silent)] == 2);
    CHECK(det.counters().windows == 16);
}

TEST_CASE("spikes: a lone feed idle for a window of wall-clock time is reported silent once") {
    spike_detector det(spike_config{}, {"feed-a"});
    spikes out;
    det.feed_idle("feed-a", t0, t0 + minute, out.sink());  // no baseline yet
    CHECK(out.events.empty());
    for (int w = 0; w < 8; ++w) {
        det.observe(row(w, agg_dimension::feed, "feed-a", 500, 0), out.sink());
        det.window_done(t0 + w * minute, t0 + (w + 1) * minute, out.sink());
    }
    det.feed_idle("feed-a", t0 + 8 * minute, t0 + 9 * minute, out.sink());
    det.feed_idle("feed-a", t0 + 8 * minute, t0 + 9 * minute, out.sink());
    REQUIRE(out.events.size() == 1);
    CHECK(out.events[0].kind == spike_event::spike_kind::feed_silent);
    CHECK(out.events[0].window_start_ms == t0 + 8 * minute);
    det.feed_idle("feed-z", t0 + 8 * minute, t0 + 9 * minute, out.sink());  // never seen: nothing
    CHECK(out.events.size() == 1);
}

TEST_CASE("spikes: surges of rejects and of gaps on a feed") {
    spike_detector det(spike_config{}, {"feed-a"});
    spikes out;
    for (int w = 0; w < 10; ++w) {
        aggregate_record r = row(w, agg_dimension::feed, "feed-a", 500, 0);
        r.rejects = w % 3;
        r.gaps = w % 2;
        det.observe(r, out.sink());
    }
    CHECK(out.events.empty());
    aggregate_record few = row(10, agg_dimension::feed, "feed-a", 500, 0);
    few.rejects = 19;  // below min_rejects (20)
    det.observe(few, out.sink());
    CHECK(out.events.empty());
    aggregate_record surge = row(11, agg_dimension::feed, "feed-a", 500, 0);
    surge.rejects = 200;
    surge.gaps = 90;
    det.observe(surge, out.sink());
    REQUIRE(out.events.size() == 2);
    CHECK(out.events[0].kind == spike_event::spike_kind::reject_surge);
    CHECK(out.events[0].observed == 200);
    CHECK(out.events[1].kind == spike_event::spike_kind::gap_surge);
    CHECK(out.events[1].observed == 90);
}

TEST_CASE("spikes: an event's id is stable for (kind, dimension, key, window) and differs otherwise") {
    auto first_id = [](int window, const std::string& key) {
        spike_detector det(spike_config{}, {});
        spikes out;
        for (int w = 0; w < window; ++w) det.observe(row(w, agg_dimension::mcc, key, 100, 1), out.sink());
        det.observe(row(window, agg_dimension::mcc, key, 10'000, 1), out.sink());
        REQUIRE(out.events.size() == 1);
        return out.events[0].id;
    };
    CHECK(first_id(10, "5411") == first_id(10, "5411"));
    CHECK(first_id(10, "5411") != first_id(11, "5411"));
    CHECK(first_id(10, "5411") != first_id(10, "5412"));
    CHECK(first_id(10, "5411") != 0);
}

TEST_CASE("spikes: end to end, an MCC at 20x in one minute of verdicts is flagged in that minute") {
    aggregates_config agg_conf;
    minute_aggregator agg(agg_conf, {"feed-a"}, "");
    spike_detector det(spike_config{}, {"feed-a"});
    spikes out;
    int64_t last_start = INT64_MIN;
    auto emit = [&](const aggregate_record& r) {
        if (r.kind != aggregate_record::row_kind::window) return;
        if (last_start != INT64_MIN && r.window_start_ms != last_start)
            det.window_done(last_start, last_start + minute, out.sink());
        last_start = r.window_start_ms;
        det.observe(r, out.sink());
    };
    std::mt19937_64 rng(9);
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    v.txn.reset();
    for (int w = 0; w < 30; ++w) {
        const int per_mcc = w == 20 ? 20 : 1;
        for (int mcc = 0; mcc < 5; ++mcc)
            for (int i = 0; i < 60 * (mcc == 2 ? per_mcc : 1); ++i) {
                v.txn.event_time_ms = t0 + w * minute + static_cast<int64_t>(rng() % minute);
                v.txn.mcc = static_cast<uint16_t>(7990 + mcc);
                uint64_t card = rng();
                std::memcpy(v.txn.card_token, &card, sizeof card);
                v.alert = rng() % 50 == 0;
                agg.add(v);
            }
        agg.advance(emit);
    }
    agg.flush(emit);
    // The MCC, and the merchant "none" and country "none" that every verdict here shares.
    std::vector<std::string> flagged;
    for (const auto& e : out.events) {
        CHECK(e.kind == spike_event::spike_kind::volume);
        CHECK(e.window_start_ms == t0 + 20 * minute);
        flagged.push_back(std::string(agg_dimension_name(e.dimension)) + ":" + e.key);
    }
    CHECK(flagged == std::vector<std::string>{"merchant:none", "mcc:7992", "country:none"});
}
