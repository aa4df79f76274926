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

// --- Plausibility: one datagram must not move the stream (issue #13, item 1) ---

namespace {
// What the rx stage does with one MoldUDP64 datagram: ask the sequencer about its range,
// then deliver its first copies, or hold all of it back. Returns the messages delivered.
struct datagram_feed {
    feed_sequencer& q;
    uint64_t delivered = 0;
    uint64_t send(uint64_t first, uint16_t count, unsigned line = 0, const char* session = S1) {
        sequence_suspect why = q.on_datagram(session, first, count, line);
        if (why != sequence_suspect::none) {
            q.on_suspect_messages(why, count);
            return 0;
        }
        uint64_t n = 0;
        for (uint16_t i = 0; i < count; ++i) n += q.on_message(session, first + i) == feed_sequencer::result::accept;
        delivered += n;
        return n;
    }
    // Datagrams of `per` messages covering [from, to].
    void stream(uint64_t from, uint64_t to, uint16_t per = 7, unsigned line = 0) {
        for (uint64_t s = from; s <= to; s += per)
            send(s, static_cast<uint16_t>(std::min<uint64_t>(per, to - s + 1)), line);
    }
};

uint64_t suspects(const feed_sequencer& q) {
    uint64_t n = 0;
    for (auto v : q.counters().suspect_datagrams) n += v;
    return n;
}
uint64_t datagrams(const feed_sequencer& q, sequence_suspect r) {
    return q.counters().suspect_datagrams[static_cast<std::size_t>(r)];
}
uint64_t messages(const feed_sequencer& q, sequence_suspect r) {
    return q.counters().suspect_messages[static_cast<std::size_t>(r)];
}
constexpr uint64_t u64_max = ~0ull;
}  // namespace

TEST_CASE("a datagram jumping to 1,000,000 or 2^64-2 costs only itself", "[unit][sequencer]") {
    feed_sequencer q;
    datagram_feed f{q};
    f.stream(1, 700);                       // 100 datagrams of 7
    CHECK(f.send(1'000'000, 7) == 0);       // far ahead: held
    CHECK(f.send(u64_max - 1, 7) == 0);     // runs past 2^64-1: held
    CHECK(f.send(u64_max - 1, 1) == 0);     // 2^64-2 alone: far ahead, held
    f.stream(701, 20000);                   // every genuine message still arrives
    CHECK(f.delivered == 20000);
    CHECK(q.counters().accepted == 20000);
    CHECK(q.counters().duplicates == 0);
    CHECK(q.counters().stale == 0);
    CHECK(q.missing() == 0);
    CHECK(q.counters().sequence_resets == 0);
    CHECK(datagrams(q, sequence_suspect::jump_ahead) == 2);
    CHECK(messages(q, sequence_suspect::jump_ahead) == 8);
    CHECK(datagrams(q, sequence_suspect::wraps) == 1);
    CHECK(messages(q, sequence_suspect::wraps) == 7);
    CHECK(datagrams(q, sequence_suspect::none) == 0);
}

TEST_CASE("gaps stay exact around a held datagram", "[unit][sequencer]") {
    feed_sequencer q;
    datagram_feed f{q};
    f.stream(1, 70);
    f.send(1'000'000, 7);
    f.send(78, 7);  // 71..77 lost on the line
    CHECK(q.missing() == 7);
    CHECK(q.counters().gap_events == 1);
    f.send(71, 7);  // the other line fills them
    CHECK(q.missing() == 0);
}

TEST_CASE("a jump within max_jump is trusted as before", "[unit][sequencer]") {
    feed_sequencer q(sequencer_limits{1u << 16, 1000, 3});
    datagram_feed f{q};
    f.stream(1, 70);
    CHECK(q.max_jump() == 1000);
    CHECK(f.send(1070, 7) == 7);  // 1000 past the highest (70): a real gap, trusted at once
    CHECK(q.missing() == 999);
    CHECK(f.send(2077, 1) == 0);  // 1001 past 1076: held
    CHECK(suspects(q) == 1);
    CHECK(q.missing() == 999);
}

TEST_CASE("continuing datagrams confirm a jump: the session re-bases", "[unit][sequencer]") {
    feed_sequencer q;  // confirm_datagrams = 3
    datagram_feed f{q};
    f.stream(1, 700);
    CHECK(f.send(5'000'000, 7) == 0);
    CHECK(f.send(5'000'007, 7) == 0);
    CHECK(q.counters().sequence_resets == 0);
    CHECK(f.send(5'000'014, 7) == 7);  // the third one on the same line confirms
    CHECK(q.counters().sequence_resets == 1);
    CHECK(datagrams(q, sequence_suspect::jump_ahead) == 2);
    // The jump itself is no gap; the two datagrams held while it was suspect are.
    CHECK(q.missing() == 14);
    f.stream(5'000'021, 5'010'000);
    CHECK(q.missing() == 14);
    CHECK(q.counters().duplicates == 0);
    // The other line still has them: late fills close the gap.
    CHECK(f.send(5'000'000, 7, 1) == 7);
    CHECK(f.send(5'000'007, 7, 1) == 7);
    CHECK(q.missing() == 0);
    // The old range is over: its numbers are now far behind.
    CHECK(f.send(701, 7) == 0);
    CHECK(datagrams(q, sequence_suspect::behind_window) == 1);
}

TEST_CASE("a restart of numbering behind the window is confirmed the same way", "[unit][sequencer]") {
    feed_sequencer q;
    datagram_feed f{q};
    f.stream(1, 100'000);
    CHECK(f.send(1, 7) == 0);
    CHECK(f.send(8, 7) == 0);
    CHECK(f.send(15, 7) == 7);
    CHECK(datagrams(q, sequence_suspect::behind_window) == 2);
    CHECK(q.counters().sequence_resets == 1);
    f.stream(22, 20'000);
    CHECK(q.missing() == 14);
    CHECK(f.delivered == 100'000 + 20'000 - 14);
}

TEST_CASE("the other line reporting the same range confirms at once", "[unit][sequencer]") {
    feed_sequencer q;
    datagram_feed f{q};
    // Both lines carry 1..700, B a little behind A.
    for (uint64_t s = 1; s <= 700; s += 7) {
        f.send(s, 7, 0);
        if (s > 14) f.send(s - 14, 7, 1);
    }
    f.send(687, 7, 1);
    f.send(694, 7, 1);
    // The sender restarts its numbering at 3,000,001 on both lines.
    CHECK(f.send(3'000'001, 7, 0) == 0);  // A first: held
    CHECK(f.send(3'000'001, 7, 1) == 7);  // B's copy: confirmed, delivered
    CHECK(q.counters().sequence_resets == 1);
    for (uint64_t s = 3'000'008; s <= 3'007'000; s += 7) {
        CHECK(f.send(s, 7, 0) == 7);
        CHECK(f.send(s, 7, 1) == 0);  // duplicates
    }
    CHECK(q.missing() == 0);
    CHECK(f.delivered == 700 + 7000);
}

TEST_CASE("a stray range on one line is never confirmed while the stream goes on", "[unit][sequencer]") {
    feed_sequencer q;
    datagram_feed f{q};
    f.stream(1, 70);
    uint64_t next = 71;
    for (int round = 0; round < 10; ++round) {
        // Two continuing forged datagrams, then a genuine one: never three in a row.
        f.send(9'000'000 + 14 * round, 7);
        f.send(9'000'007 + 14 * round, 7);
        CHECK(f.send(next, 7) == 7);
        next += 7;
    }
    // The same datagram repeated on one line is no confirmation either.
    for (int i = 0; i < 5; ++i) f.send(7'000'000, 7);
    CHECK(f.send(next, 7) == 7);
    CHECK(q.counters().sequence_resets == 0);
    CHECK(suspects(q) == 25);
    CHECK(q.missing() == 0);
    CHECK(f.delivered == next + 6);
}

TEST_CASE("datagrams running past 2^64-1 are never a candidate", "[unit][sequencer]") {
    feed_sequencer q;
    datagram_feed f{q};
    f.stream(1, 70);
    for (int i = 0; i < 5; ++i) CHECK(f.send(u64_max - 3, 7) == 0);
    CHECK(datagrams(q, sequence_suspect::wraps) == 5);
    CHECK(q.counters().sequence_resets == 0);
    f.stream(71, 140);
    CHECK(q.missing() == 0);
}

TEST_CASE("numbers within a window of 2^64 are still deduplicated (found by fuzz_sequencer)", "[unit][sequencer]") {
    feed_sequencer q(1024);
    const uint64_t first = u64_max - 255;
    for (uint64_t n = first; n < first + 5; ++n) CHECK(q.on_message(S1, n) == feed_sequencer::result::accept);
    for (uint64_t n = first; n < first + 5; ++n) CHECK(q.on_message(S1, n) == feed_sequencer::result::duplicate);
    CHECK(q.on_message(S1, u64_max) == feed_sequencer::result::accept);
    CHECK(q.on_message(S1, u64_max) == feed_sequencer::result::duplicate);
    CHECK(q.counters().accepted == 6);
}

TEST_CASE("a forged first datagram is outvoted by the genuine stream", "[unit][sequencer]") {
    feed_sequencer q;
    datagram_feed f{q};
    CHECK(f.send(u64_max - 1, 1) == 1);  // nothing to compare it with: it opens the session
    f.stream(1, 7000);                   // behind the window: confirmed after 3 datagrams
    CHECK(q.counters().sequence_resets == 1);
    CHECK(f.delivered == 1 + 7000 - 14);
    CHECK(q.missing() == 14);
}

TEST_CASE("heartbeats with a wild next number do not poison missing", "[unit][sequencer]") {
    feed_sequencer q;
    datagram_feed f{q};
    f.stream(1, 70);
    q.on_heartbeat(S1, 1'000'000);
    q.on_heartbeat(S1, u64_max);
    q.on_heartbeat(S1, 0);
    CHECK(q.missing() == 0);
    CHECK(datagrams(q, sequence_suspect::jump_ahead) == 2);
    CHECK(q.counters().heartbeats == 3);
    q.on_heartbeat(S1, 81);  // plausible: 71..80 become missing
    CHECK(q.missing() == 10);
    f.stream(71, 700);
    CHECK(q.missing() == 0);
    CHECK(f.delivered == 700);
}

TEST_CASE("A/B arbitration through on_datagram: nothing held on random drops", "[unit][sequencer]") {
    std::mt19937_64 rng(11);
    std::bernoulli_distribution drop(0.05);
    feed_sequencer q;
    datagram_feed f{q};
    std::set<uint64_t> seen;
    std::vector<std::pair<uint64_t, unsigned>> b_backlog;  // B runs up to 30 datagrams behind
    for (uint64_t s = 1; s <= 70'000; s += 7) {
        if (!drop(rng)) {
            f.send(s, 7, 0);
            seen.insert(s);
        }
        if (!drop(rng)) b_backlog.push_back({s, 1});
        while (b_backlog.size() > (rng() % 30)) {
            f.send(b_backlog.front().first, 7, 1);
            seen.insert(b_backlog.front().first);
            b_backlog.erase(b_backlog.begin());
        }
    }
    for (auto& [s, line] : b_backlog) {
        f.send(s, 7, line);
        seen.insert(s);
    }
    CHECK(suspects(q) == 0);
    CHECK(f.delivered == seen.size() * 7);
    uint64_t span = (*seen.rbegin() + 7 - *seen.begin());
    CHECK(q.missing() == span - seen.size() * 7);
}
