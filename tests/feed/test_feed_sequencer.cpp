#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "feed/feed_sequencer.h"

using namespace txscreen;

static const char* S1 = "SESSION001";
static const char* S2 = "SESSION002";

TEST_CASE("in-order stream: no gaps, no duplicates", "[unit][sequencer]") {
    feed_sequencer q;
    for (uint64_t s = 1; s <= 1000; ++s) REQUIRE(q.on_message(S1, s) == feed_sequencer::result::accept);
    CHECK(q.missing() == 0);
    CHECK(q.counters().accepted == 1000);
    CHECK(q.counters().gap_events == 0);
}

TEST_CASE("gaps, late fills and duplicates are counted exactly", "[unit][sequencer]") {
    feed_sequencer q;
    q.on_message(S1, 1);
    q.on_message(S1, 2);
    q.on_message(S1, 6);  // 3,4,5 missing
    CHECK(q.missing() == 3);
    CHECK(q.counters().gap_events == 1);
    CHECK(q.on_message(S1, 4) == feed_sequencer::result::accept);  // late fill (B line)
    CHECK(q.missing() == 2);
    CHECK(q.counters().late_accepted == 1);
    CHECK(q.on_message(S1, 4) == feed_sequencer::result::duplicate);
    CHECK(q.on_message(S1, 6) == feed_sequencer::result::duplicate);
    CHECK(q.counters().duplicates == 2);
    // A heartbeat announcing 10 as next makes 7..9 missing too.
    q.on_heartbeat(S1, 10);
    CHECK(q.missing() == 5);
}

TEST_CASE("sessions are tracked separately", "[unit][sequencer]") {
    feed_sequencer q;
    q.on_message(S1, 1);
    q.on_message(S2, 1);
    CHECK(q.on_message(S2, 1) == feed_sequencer::result::duplicate);
    q.on_message(S1, 3);
    CHECK(q.missing() == 1);
    q.on_end_of_session(S1);
    CHECK(q.counters().end_of_session == 1);
}

TEST_CASE("numbers older than the window are stale", "[unit][sequencer]") {
    feed_sequencer q(1024);
    q.on_message(S1, 1);
    q.on_message(S1, 5000);
    CHECK(q.on_message(S1, 2) == feed_sequencer::result::duplicate);
    CHECK(q.counters().stale == 1);
}

TEST_CASE("A/B arbitration matches a reference model on random drops and reordering", "[unit][sequencer]") {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 20; ++round) {
        const uint64_t n = 20000;
        const double drop_a = 0.05 * (round % 4), drop_b = 0.03 * ((round + 1) % 4);
        std::bernoulli_distribution da(drop_a), db(drop_b);
        // Each line delivers its surviving numbers in order; the two lines interleave
        // with the B line up to 50 numbers behind A (as two real paths would).
        std::vector<uint64_t> a, b;
        for (uint64_t s = 1; s <= n; ++s) {
            if (!da(rng)) a.push_back(s);
            if (!db(rng)) b.push_back(s);
        }
        std::vector<uint64_t> arrivals;
        std::size_t ia = 0, ib = 0;
        while (ia < a.size() || ib < b.size()) {
            bool take_a = ib >= b.size() || (ia < a.size() && (a[ia] <= b[ib] + 50) && (rng() & 1));
            if (ia < a.size() && ib < b.size() && b[ib] + 50 < a[ia]) take_a = false;
            arrivals.push_back(take_a ? a[ia++] : b[ib++]);
        }
        feed_sequencer q;
        std::set<uint64_t> seen;
        uint64_t dups = 0;
        for (uint64_t s : arrivals) {
            bool first = seen.insert(s).second;
            auto r = q.on_message(S1, s);
            REQUIRE((r == feed_sequencer::result::accept) == first);
            dups += !first;
        }
        uint64_t lo = *seen.begin(), hi = *seen.rbegin();
        CHECK(q.missing() == (hi - lo + 1) - seen.size());
        CHECK(q.counters().duplicates + q.counters().stale == dups);
        CHECK(q.counters().accepted == seen.size());
    }
}
