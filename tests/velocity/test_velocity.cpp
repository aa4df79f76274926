// Behaviour of the velocity shard that rules rely on: exact bursts, lateness, TTL,
// eviction, duplicates, card extras, distinct sketches, bounds and memory sizing.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "velocity_test_util.h"

using namespace txscreen;
using namespace vt;

namespace {
struct shard_fixture {
    counted_heap heap;
    velocity_shard shard;
    explicit shard_fixture(velocity_config c = small_config()) {
        const char* err = shard.init(c, heap.allocator());
        REQUIRE(err == nullptr);
    }
};
}  // namespace

TEST_CASE("velocity entry fits the 128-byte card budget", "[unit][velocity]") {
    STATIC_REQUIRE(sizeof(velocity_entry) == 128);
    STATIC_REQUIRE(alignof(velocity_entry) == 64);
}

TEST_CASE("config validation names the key and range", "[unit][velocity]") {
    velocity_config c;
    CHECK(velocity_validate(c) == nullptr);
    c.probe_limit = 2;
    CHECK(std::string(velocity_validate(c)) == "velocity.probe_limit: must be 4..64, got 2");
    c = velocity_config{};
    c.ttl_ms = 3600 * 1000;
    CHECK(std::string(velocity_validate(c)).find("velocity.ttl:") == 0);
    c = velocity_config{};
    c.allowed_lateness_ms = -1;
    CHECK(std::string(velocity_validate(c)).find("velocity.allowed_lateness:") == 0);
    c = velocity_config{};
    c.max_future_skew_ms = 25 * hour;
    CHECK(std::string(velocity_validate(c)).find("velocity.max_future_skew:") == 0);
    c = velocity_config{};
    c.card_capacity = 0;
    CHECK(std::string(velocity_validate(c)).find("velocity.card_capacity:") == 0);

    counted_heap heap;
    velocity_shard s;
    c = velocity_config{};
    c.probe_limit = 100;
    CHECK(std::string(s.init(c, heap.allocator())) == "velocity.probe_limit: must be 4..64, got 100");
    CHECK(heap.calls == 0);
}

TEST_CASE("allocation failure is an error, not a crash", "[unit][velocity]") {
    counted_heap heap;
    heap.fail_above = 1 << 20;
    velocity_config c = small_config();
    c.card_capacity = 1 << 16;   // 8 MiB table > 1 MiB limit
    velocity_shard s;
    const char* err = s.init(c, heap.allocator());
    REQUIRE(err != nullptr);
    CHECK(std::string(err).find("allocation") != std::string::npos);
}

TEST_CASE("N transactions within T seconds is exact for N <= 8", "[unit][velocity]") {
    shard_fixture f;
    // 8 transactions at t0, +1s, ..., +7s
    for (int i = 0; i < 8; ++i) f.shard.observe(make_txn(1, t0 + i * sec));
    const velocity_entry* e = f.shard.observe(make_txn(1, t0 + 8 * sec)).entry[0];
    REQUIRE(e != nullptr);
    CHECK(velocity_nth_latest_time(*e, 1) == t0 + 8 * sec);
    CHECK(velocity_nth_latest_time(*e, 8) == t0 + 1 * sec);
    CHECK(velocity_nth_latest_time(*e, 9) == INT64_MIN);
    CHECK(velocity_nth_latest_time(*e, 0) == INT64_MIN);
    const int64_t now = t0 + 8 * sec;
    // window (now-5s, now] holds t0+4s .. t0+8s = 5 events
    CHECK(velocity_count_within(*e, now, 5 * sec) == 5);
    CHECK(velocity_count_within(*e, now, 5 * sec - 1) == 5);
    CHECK(velocity_count_within(*e, now, 4 * sec) == 4);
    CHECK(velocity_count_within(*e, now, 1) == 1);
    // 9 events in a 1 h window: more than the ring holds, so at least 8 and bounded
    auto b = velocity_count_bounds(*e, now, hour);
    CHECK(b.lo >= 8);
    CHECK(b.lo <= 9);
    CHECK(b.hi >= 9);
    CHECK(velocity_count_within(*e, now, hour) == 9);   // all in one fine bucket
}

TEST_CASE("out-of-order events within lateness are applied; later ones are too_late",
          "[unit][velocity]") {
    shard_fixture f;   // allowed lateness 60 s
    f.shard.observe(make_txn(1, t0 + 100 * sec));
    auto r = f.shard.observe(make_txn(1, t0 + 50 * sec));   // 50 s late: applied
    CHECK(r.status == observe_status::applied);
    r = f.shard.observe(make_txn(1, t0 + 39 * sec));        // 61 s late: too late
    CHECK(r.status == observe_status::too_late);
    REQUIRE(r.entry[0] != nullptr);
    CHECK(f.shard.counters().too_late == 1);
    CHECK(f.shard.counters().applied == 2);
    const velocity_entry& e = *r.entry[0];
    CHECK(velocity_nth_latest_time(e, 1) == t0 + 100 * sec);
    CHECK(velocity_nth_latest_time(e, 2) == t0 + 50 * sec);
    CHECK(velocity_nth_latest_time(e, 3) == INT64_MIN);
    CHECK(velocity_count_within(e, t0 + 100 * sec, hour) == 2);
    // A late event inside a full ring lands in order and pushes the oldest out.
    for (int i = 1; i <= 7; ++i) f.shard.observe(make_txn(1, t0 + (100 + i) * sec));
    f.shard.observe(make_txn(1, t0 + 103 * sec + 500));
    const velocity_entry* c = f.shard.find_card(make_txn(1, 0).card_token);
    REQUIRE(c);
    CHECK(velocity_nth_latest_time(*c, 4) == t0 + 104 * sec);
    CHECK(velocity_nth_latest_time(*c, 5) == t0 + 103 * sec + 500);
    CHECK(velocity_nth_latest_time(*c, 6) == t0 + 103 * sec);
    CHECK(velocity_nth_latest_time(*c, 8) == t0 + 101 * sec);
}

namespace {
Txn received(uint32_t card, int64_t time_ms, int64_t clock_ms) {
    Txn t = make_txn(card, time_ms);
    t.rx_clock_ms = clock_ms;
    return t;
}
}  // namespace

TEST_CASE("an event dated beyond its receive clock + max_future_skew is ahead: not applied, watermark kept",
          "[unit][velocity]") {
    shard_fixture f;   // max_future_skew 5 min
    const int64_t now = t0 + hour;
    CHECK(f.shard.observe(received(1, now, now)).status == observe_status::applied);
    for (int64_t ahead : {5 * minute + 1, 2 * hour, 24 * hour, INT64_MAX - now}) {
        auto r = f.shard.observe(received(2, now + ahead, now));
        CHECK(r.status == observe_status::ahead);
    }
    CHECK(f.shard.counters().ahead == 4);
    CHECK(f.shard.watermark_ms() == now);
    CHECK(f.shard.find_card(make_txn(2, 0).card_token) == nullptr);   // nothing applied for card 2
    // Every genuine event after the forged ones is applied as if they had never come.
    for (int i = 1; i <= 20; ++i)
        CHECK(f.shard.observe(received(3 + i % 4, now + i * sec, now + i * sec)).status == observe_status::applied);
    CHECK(f.shard.counters().too_late == 0);
}

TEST_CASE("an event a little ahead of its receive clock is applied but moves the watermark only to that clock",
          "[unit][velocity]") {
    shard_fixture f;   // allowed lateness 60 s, max_future_skew 5 min
    const int64_t now = t0 + hour;
    CHECK(f.shard.observe(received(1, now + 4 * minute, now)).status == observe_status::applied);
    CHECK(f.shard.watermark_ms() == now);
    // 4 minutes behind the early event, on time by the clock: still applied.
    CHECK(f.shard.observe(received(2, now + sec, now + sec)).status == observe_status::applied);
    CHECK(f.shard.counters().too_late == 0);
    // Without a receive clock (0) event time alone moves the watermark, as before.
    CHECK(f.shard.observe(make_txn(3, now + 10 * minute)).status == observe_status::applied);
    CHECK(f.shard.watermark_ms() == now + 10 * minute);
}

TEST_CASE("ids with a masked PAN are neither an identity nor a key", "[unit][velocity]") {
    shard_fixture f;
    // Two different numeric ids that both passed Luhn were masked to the same text.
    Txn a = make_txn(1, t0, 100, "411111******1111");
    a.txn_id.assign("411111******1111");
    a.masked_fields = tf_txn_id | tf_merchant_id;
    Txn b = a;
    b.event_time_ms = t0 + sec;
    CHECK(f.shard.observe(a).status == observe_status::applied);
    const observe_result r = f.shard.observe(b);
    CHECK(r.status == observe_status::applied);  // not a duplicate of a
    CHECK(r.entry[unsigned(velocity_key::merchant)] == nullptr);
    CHECK(f.shard.find(velocity_key::merchant, "411111******1111") == nullptr);
    // The same ids unmasked are one identity: the second is a duplicate.
    a.masked_fields = b.masked_fields = 0;
    a.txn_id.assign("t-1");
    b.txn_id.assign("t-1");
    CHECK(f.shard.observe(a).status == observe_status::applied);
    CHECK(f.shard.observe(b).status == observe_status::duplicate);
}

TEST_CASE("entries expire by event time and their slots are reused", "[unit][velocity]") {
    shard_fixture f;
    const int64_t ttl = f.shard.config().ttl_ms;
    f.shard.observe(make_txn(1, t0));
    uint8_t tok[16];
    std::memcpy(tok, make_txn(1, 0).card_token, 16);
    REQUIRE(f.shard.find_card(tok) != nullptr);
    f.shard.observe(make_txn(2, t0 + ttl));        // watermark moves: card 1 still live
    CHECK(f.shard.find_card(tok) != nullptr);
    f.shard.observe(make_txn(2, t0 + ttl + 1));    // card 1 idle > ttl
    CHECK(f.shard.find_card(tok) == nullptr);
    auto r = f.shard.observe(make_txn(1, t0 + ttl + 2));
    CHECK_FALSE(r.prior.card_known);
    CHECK(velocity_count_within(*r.entry[0], t0 + ttl + 2, velocity_max_window_ms) == 1);
    CHECK(f.shard.counters().expired_reused[0] == 1);
    CHECK(f.shard.counters().evicted[0] == 0);
}

TEST_CASE("a full table evicts the least recently active of the key's two groups and counts it",
          "[unit][velocity]") {
    velocity_config c = small_config();
    c.card_capacity = 64;   // rounded up to 3 groups of 31 slots
    shard_fixture f(c);
    const uint32_t cap = f.shard.capacity(velocity_key::card);
    CHECK(cap == 93);
    for (uint32_t card = 0; card < 1000; ++card)
        f.shard.observe(make_txn(card, t0 + card * sec));
    const auto& n = f.shard.counters();
    CHECK(n.inserted[0] == 1000);
    CHECK(n.applied == 1000);
    int live = 0;
    for (uint32_t card = 0; card < 1000; ++card)
        live += f.shard.find_card(make_txn(card, 0).card_token) != nullptr;
    // Every slot is used (two choices fill all groups), and every displaced card
    // was counted.
    CHECK(live == int(cap));
    CHECK(n.evicted[0] == 1000 - cap);
    // A card is displaced only when it is the oldest of the 62 slots of the new key's
    // two groups, so the 62 most recent cards are all live.
    for (uint32_t card = 1000 - 2 * velocity_shard::group_slots; card < 1000; ++card)
        CHECK(f.shard.find_card(make_txn(card, 0).card_token) != nullptr);
}

TEST_CASE("duplicate transactions are flagged and not counted twice", "[unit][velocity]") {
    velocity_config c = small_config();
    c.dedup_window_ms = 10 * minute;
    shard_fixture f(c);
    Txn a = make_txn(1, t0);
    a.txn_id.assign("tx-1");
    CHECK(f.shard.observe(a).status == observe_status::applied);
    a.event_time_ms = t0 + 5 * minute;   // resent 5 minutes later: still a duplicate
    auto r = f.shard.observe(a);
    CHECK(r.status == observe_status::duplicate);
    REQUIRE(r.entry[0] != nullptr);
    CHECK(velocity_count_within(*r.entry[0], t0 + 5 * minute, hour) == 1);
    a.event_time_ms = t0 + 11 * minute;  // beyond the window: a new transaction
    CHECK(f.shard.observe(a).status == observe_status::applied);

    // ISO 8583 identity: STAN + RRN + terminal
    Txn iso = make_txn(2, t0 + 12 * minute);
    std::strcpy(iso.stan, "000123");
    std::strcpy(iso.rrn, "401234567890");
    iso.terminal_id.assign("TERM0001");
    CHECK(f.shard.observe(iso).status == observe_status::applied);
    CHECK(f.shard.observe(iso).status == observe_status::duplicate);
    iso.terminal_id.assign("TERM0002");  // same STAN/RRN at another terminal
    CHECK(f.shard.observe(iso).status == observe_status::applied);
    CHECK(f.shard.counters().duplicates == 2);
    // No identity at all: never a duplicate.
    Txn anon = make_txn(3, t0 + 13 * minute);
    CHECK(f.shard.observe(anon).status == observe_status::applied);
    CHECK(f.shard.observe(anon).status == observe_status::applied);
}

TEST_CASE("card-present location from the city table when the feed has no coordinates",
          "[unit][velocity]") {
    // ISO 8583 field 43 carries city and country only.
    shard_fixture f;
    Txn a = make_txn(7, t0, 100, "m1", "FR");
    a.chan = channel::pos;
    a.city.assign("PARIS");
    f.shard.observe(a);
    Txn b = make_txn(7, t0 + 10 * minute, 100, "m2", "JP");
    b.chan = channel::pos;
    b.city.assign("NOWHERE-TOWN");  // not in the table: country centroid
    auto r = f.shard.observe(b);
    REQUIRE(r.prior.last_cp.valid);
    CHECK(r.prior.last_cp.lat == Approx(48.86).margin(0.1));
    CHECK(r.prior.last_cp.lon == Approx(2.35).margin(0.1));
    velocity_location l = velocity_last_card_present(*r.entry[0]);
    CHECK(l.lat == Approx(36.2).margin(1.0));   // Japan's centroid
    CHECK(l.lon == Approx(138.25).margin(1.0));
}

TEST_CASE("card extras: last card-present location, known devices, last country",
          "[unit][velocity]") {
    shard_fixture f;
    Txn a = make_txn(1, t0, 100, "m1", "FR");
    a.chan = channel::pos;
    a.lat = 48.8566f;
    a.lon = 2.3522f;
    a.device_id.assign("dev-A");
    auto r = f.shard.observe(a);
    CHECK_FALSE(r.prior.card_known);
    CHECK_FALSE(r.prior.last_cp.valid);
    CHECK_FALSE(r.prior.device_known);

    Txn b = make_txn(1, t0 + 30 * minute, 100, "m2", "US");
    b.chan = channel::pos;
    b.lat = 40.7128f;
    b.lon = -74.0060f;
    b.device_id.assign("dev-A");
    r = f.shard.observe(b);
    CHECK(r.prior.card_known);
    REQUIRE(r.prior.last_cp.valid);
    CHECK(r.prior.last_cp.lat == Approx(48.8566).margin(0.006));
    CHECK(r.prior.last_cp.lon == Approx(2.3522).margin(0.006));
    CHECK(r.prior.last_cp.time_ms == t0);
    CHECK(r.prior.device_known);
    CHECK(std::string(r.prior.last_country) == "FR");

    Txn c = make_txn(1, t0 + 31 * minute, 100, "m3", "");
    c.chan = channel::ecom;   // not card-present: location stays New York
    c.device_id.assign("dev-B");
    r = f.shard.observe(c);
    CHECK_FALSE(r.prior.device_known);
    CHECK(std::string(r.prior.last_country) == "US");
    velocity_location l = velocity_last_card_present(*r.entry[0]);
    CHECK(l.lat == Approx(40.7128).margin(0.006));
    CHECK(l.time_ms == t0 + 30 * minute);
    CHECK(velocity_device_known(*r.entry[0], "dev-B"));
    CHECK(velocity_device_known(*r.entry[0], "dev-A"));
    CHECK_FALSE(velocity_device_known(*r.entry[0], "dev-C"));
    CHECK_FALSE(velocity_device_known(*r.entry[0], ""));
    // devices are also keys of their own table
    const velocity_entry* d = f.shard.find(velocity_key::device, "dev-A");
    REQUIRE(d);
    CHECK(velocity_count_within(*d, t0 + 31 * minute, hour) == 2);
}

TEST_CASE("distinct merchants and countries are exact up to the slot count",
          "[unit][velocity]") {
    shard_fixture f;
    const char* countries[] = {"US", "GB", "FR", "DE"};
    for (int i = 0; i < 4; ++i)
        f.shard.observe(make_txn(1, t0 + i * minute, 100, "shop-" + std::to_string(i),
                                 countries[i]));
    const velocity_entry* e = f.shard.find_card(make_txn(1, 0).card_token);
    REQUIRE(e);
    const int64_t now = t0 + 3 * minute;
    CHECK(velocity_distinct_merchants_within(*e, now, 30 * sec) == 1);
    CHECK(velocity_distinct_merchants_within(*e, now, 90 * sec) == 2);
    CHECK(velocity_distinct_merchants_within(*e, now, 150 * sec) == 3);
    CHECK(velocity_distinct_merchants_within(*e, now, hour) == velocity_distinct_merchant_slots);
    CHECK(velocity_distinct_countries_within(*e, now, 90 * sec) == 2);
    // the same merchant again does not add
    f.shard.observe(make_txn(1, t0 + 4 * minute, 100, "shop-3", "DE"));
    CHECK(velocity_distinct_merchants_within(*e, t0 + 4 * minute, 90 * sec) == 1);
    CHECK(velocity_metric_within(*e, velocity_metric::distinct_country, t0 + 4 * minute,
                                 150 * sec) == 2);
}

TEST_CASE("sums: small amounts exact, bounds always hold", "[unit][velocity]") {
    shard_fixture f;
    int64_t total = 0;
    for (int i = 0; i < 5; ++i) {
        f.shard.observe(make_txn(1, t0 + i * sec, 250 + i));
        total += 250 + i;
    }
    const velocity_entry* e = f.shard.find_card(make_txn(1, 0).card_token);
    REQUIRE(e);
    CHECK(velocity_sum_within(*e, t0 + 4 * sec, hour) == total);
    auto b = velocity_sum_bounds(*e, t0 + 4 * sec, hour);
    CHECK(b.lo <= total);
    CHECK(b.hi >= total);
    // a large amount is kept to 1/4096 relative precision
    f.shard.observe(make_txn(1, t0 + 5 * sec, 123'456'789));
    int64_t s = velocity_sum_within(*e, t0 + 5 * sec, hour);
    CHECK(std::llabs(s - (total + 123'456'789)) <= (total + 123'456'789) / 4096 + 1);
    CHECK(velocity_metric_within(*e, velocity_metric::sum_amount, t0 + 5 * sec, hour) == s);
    // refunds (negative amounts) add nothing to the sum but count as events
    f.shard.observe(make_txn(1, t0 + 6 * sec, -500));
    CHECK(velocity_sum_within(*e, t0 + 6 * sec, hour) == s);
    CHECK(velocity_count_within(*e, t0 + 6 * sec, hour) == 7);
}

TEST_CASE("velocity_window_within answers what the count and sum queries answer", "[unit][velocity]") {
    // Cards with bursts, gaps and late events (within the lateness), queried at every
    // event's time and far before and after it, over windows from 0 to past 24 h.
    shard_fixture f;
    std::mt19937_64 rng(19);
    std::vector<int64_t> times;
    int64_t t = t0;
    for (int i = 0; i < 20000; ++i) {
        t += static_cast<int64_t>(rng() % 3 == 0 ? rng() % (20 * minute) : rng() % (20 * sec));
        const int64_t when = rng() % 8 == 0 ? t - static_cast<int64_t>(rng() % (2 * 60 * sec)) : t;
        f.shard.observe(make_txn(rng() % 40, when, static_cast<int64_t>(rng() % 100'000)));
        times.push_back(when);
    }
    const int64_t windows[] = {0, 1, sec, 10 * 60 * sec, hour, 6 * hour, 24 * hour, 30 * hour, -5};
    std::size_t checked = 0, inexact = 0;
    for (uint64_t card = 0; card < 40; ++card) {
        const velocity_entry* e = f.shard.find_card(make_txn(card, 0).card_token);
        REQUIRE(e);
        for (int k = 0; k < 200; ++k) {
            const int64_t now = k == 0   ? t - 400LL * 24 * hour   // 400 days before: spans past no_age
                                : k == 1 ? t + 400LL * 24 * hour
                                         : times[rng() % times.size()];
            for (int64_t w : windows) {
                const velocity_window both = velocity_window_within(*e, now, w);
                CHECK(both.count == velocity_count_within(*e, now, w));
                CHECK(both.sum == velocity_sum_within(*e, now, w));
                const velocity_bounds b = velocity_count_bounds(*e, now, w);
                inexact += b.lo != b.hi;
                ++checked;
            }
        }
    }
    CHECK(checked == 40 * 200 * 9);
    CHECK(inexact > 200);   // the bucket path ran, not only the exact ring
}

TEST_CASE("a key idle for more than 24 h restarts its windows", "[unit][velocity]") {
    velocity_config c = small_config();
    c.ttl_ms = 48 * hour;
    shard_fixture f(c);
    for (int i = 0; i < 10; ++i) f.shard.observe(make_txn(1, t0 + i * sec, 100, "a", "US"));
    auto r = f.shard.observe(make_txn(1, t0 + 30 * hour, 7, "b", "GB"));
    CHECK(r.prior.card_known);
    const velocity_entry& e = *r.entry[0];
    CHECK(velocity_count_within(e, t0 + 30 * hour, velocity_max_window_ms) == 1);
    CHECK(velocity_sum_within(e, t0 + 30 * hour, velocity_max_window_ms) == 7);
    CHECK(velocity_distinct_merchants_within(e, t0 + 30 * hour, velocity_max_window_ms) == 1);
    CHECK(velocity_distinct_countries_within(e, t0 + 30 * hour, velocity_max_window_ms) == 1);
    // windows longer than 24 h are clamped to 24 h
    CHECK(velocity_count_within(e, t0 + 30 * hour, 1000 * hour) == 1);
}

TEST_CASE("memory: 1M cards allocated for real; 10M cards fit 1.5 GiB", "[unit][velocity]") {
    velocity_config c;
    c.card_capacity = 10'530'000;   // 10 M cards at load 0.95
    c.merchant_capacity = 64;
    c.device_capacity = 64;
    c.ip_capacity = 64;
    c.dedup_capacity = 64;
    const std::size_t ten_m = velocity_shard::bytes_needed(c);
    CHECK(ten_m < 1536ull * 1024 * 1024);
    c.card_capacity = 1'000'000;
    counted_heap heap;
    velocity_shard s;
    REQUIRE(s.init(c, heap.allocator()) == nullptr);
    CHECK(heap.bytes == velocity_shard::bytes_needed(c));
    CHECK(heap.bad_align == 0);
    // capacities are rounded up to whole 31-slot groups
    CHECK(s.capacity(velocity_key::card) == 1'000'029);
    CHECK(s.capacity(velocity_key::merchant) == 93);
    // Up to load 0.95 no live card is displaced (two 31-slot groups per key).
    for (uint32_t card = 0; card < 950'000; ++card)
        s.observe(make_txn(card, t0 + card));
    const auto& n = s.counters();
    CHECK(n.evicted[0] == 0);
    // Beyond (1 M keys in 1 M slots) a few are displaced, all counted.
    for (uint32_t card = 950'000; card < 1'000'000; ++card)
        s.observe(make_txn(card, t0 + card));
    CHECK(n.inserted[0] == 1'000'000);
    std::size_t live = 0;
    for (uint32_t card = 0; card < 1'000'000; card += 1) live += s.find_card(make_txn(card, 0).card_token) != nullptr;
    CHECK(live + n.evicted[0] == 1'000'000);
    std::printf("velocity memory: entry %zu B; 1M cards allocated %zu B (%.1f MiB); "
                "10M cards at capacity 10.53M need %zu B (%.2f GiB); 1M at load 1.0: %zu live, "
                "%llu evicted\n",
                sizeof(velocity_entry), heap.bytes, heap.bytes / 1048576.0, ten_m,
                ten_m / 1073741824.0, live, (unsigned long long)n.evicted[0]);
}

TEST_CASE("a decline is placed on its request's event and moves with the ring", "[unit][velocity]") {
    shard_fixture f;
    auto decline = [&](uint32_t card, int64_t t) {
        Txn o = make_txn(card, t, 0, "", "");
        o.kind = txn_kind::outcome;
        return f.shard.observe_decline(o);
    };
    for (int i = 0; i < 4; ++i) f.shard.observe(make_txn(1, t0 + i * sec));
    const int64_t wm = f.shard.watermark_ms();
    const velocity_counters before = f.shard.counters();
    REQUIRE(decline(1, t0 + 1 * sec) != nullptr);
    REQUIRE(decline(1, t0 + 3 * sec) != nullptr);
    const velocity_entry* e = f.shard.find_card(make_txn(1, 0).card_token);
    REQUIRE(e != nullptr);
    // Windows at now = t0+3s: (t0+2s, ..] holds the decline at +3s; (t0, ..] both.
    CHECK(velocity_declines_within(*e, t0 + 3 * sec, 1 * sec) == 1);
    CHECK(velocity_declines_within(*e, t0 + 3 * sec, 2 * sec) == 1);
    CHECK(velocity_declines_within(*e, t0 + 3 * sec, 3 * sec) == 2);
    CHECK(velocity_metric_within(*e, velocity_metric::declines, t0 + 3 * sec, 3 * sec) == 2);
    // Not an event: no count, no watermark, no observe/applied.
    CHECK(velocity_count_within(*e, t0 + 3 * sec, hour) == 4);
    CHECK(f.shard.watermark_ms() == wm);
    CHECK(f.shard.counters().observed == before.observed);
    CHECK(f.shard.counters().applied == before.applied);
    CHECK(f.shard.counters().declines == 2);
    CHECK(f.shard.counters().declines_unplaced == 0);

    // A late event between them shifts the older flags with their events.
    e = f.shard.observe(make_txn(1, t0 + 2 * sec + 500)).entry[0];
    CHECK(velocity_declines_within(*e, t0 + 3 * sec, 2 * sec) == 1);   // (t0+1s, ..]: +3s only
    CHECK(velocity_declines_within(*e, t0 + 3 * sec, 3 * sec) == 2);
    // Newer events push them along; after 8 newer ones they are out of every window
    // that holds fewer than 8 events.
    for (int i = 4; i < 12; ++i) e = f.shard.observe(make_txn(1, t0 + i * sec)).entry[0];
    CHECK(velocity_declines_within(*e, t0 + 11 * sec, hour) == 0);
    // Two events at the same time: two declines flag both, a third finds none.
    f.shard.observe(make_txn(1, t0 + 20 * sec));
    e = f.shard.observe(make_txn(1, t0 + 20 * sec)).entry[0];
    CHECK(decline(1, t0 + 20 * sec) != nullptr);
    CHECK(decline(1, t0 + 20 * sec) != nullptr);
    CHECK(decline(1, t0 + 20 * sec) == nullptr);
    CHECK(velocity_declines_within(*e, t0 + 20 * sec, sec) == 2);
    // Unknown card, or a time no event of the card has: counted, not placed.
    CHECK(decline(2, t0) == nullptr);
    CHECK(decline(1, t0 + 19 * sec) == nullptr);
    CHECK(f.shard.counters().declines == 7);
    CHECK(f.shard.counters().declines_unplaced == 3);
    // Other cards see nothing.
    e = f.shard.observe(make_txn(3, t0 + 20 * sec)).entry[0];
    CHECK(velocity_declines_within(*e, t0 + 20 * sec, hour) == 0);
}
