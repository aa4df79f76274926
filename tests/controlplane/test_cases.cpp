// Cases (controlplane/analytics/case_tracker.h): which alerts open a case, which attach,
// which are news for notify = "case" webhooks, and the bound on open cases.
#include <catch2/catch.hpp>

#include "controlplane/analytics/case_tracker.h"
#include "kafka_verdicts.h"

using namespace txscreen;

namespace {

constexpr int64_t minute = 60'000;
constexpr int64_t t0 = 1'764'547'200'000;  // 2025-12-01T00:00:00Z

Verdict alert_on(uint32_t card, int64_t at_ms, uint8_t score = 80) {
    Verdict v = test::make_verdict(card, true);
    v.txn.event_time_ms = at_ms;
    v.score = score;
    return v;
}

case_config conf_with(int64_t window_min, int64_t notify_min, uint32_t max_open = 1000) {
    case_config c;
    c.window_ms = window_min * minute;
    c.notify_interval_ms = notify_min * minute;
    c.max_open = max_open;
    return c;
}

}  // namespace

TEST_CASE("the first alert on a card opens a case, later ones within the window attach") {
    case_tracker cases(conf_with(30, 10));
    Verdict a = alert_on(1, t0), b = alert_on(1, t0 + 5 * minute), c = alert_on(1, t0 + 34 * minute);
    cases.stamp(a), cases.stamp(b), cases.stamp(c);
    CHECK(a.case_id != 0);
    CHECK(a.case_seq == 1);
    CHECK(b.case_id == a.case_id);
    CHECK(b.case_seq == 2);
    // 29 min after the case's latest alert: still the same case (the window slides).
    CHECK(c.case_id == a.case_id);
    CHECK(c.case_seq == 3);
    Verdict d = alert_on(1, t0 + 70 * minute);
    cases.stamp(d);
    CHECK(d.case_id != a.case_id);
    CHECK(d.case_seq == 1);
    const case_counters k = cases.counters();
    CHECK(k.opened == 2);
    CHECK(k.attached == 2);
}

TEST_CASE("cards have their own cases; verdicts that are no alert get none") {
    case_tracker cases(conf_with(30, 10));
    Verdict a = alert_on(1, t0), b = alert_on(2, t0 + 1000);
    Verdict quiet = test::make_verdict(1, false);
    cases.stamp(a), cases.stamp(b), cases.stamp(quiet);
    CHECK(a.case_id != b.case_id);
    CHECK(b.case_seq == 1);
    CHECK(quiet.case_id == 0);
    CHECK(quiet.case_seq == 0);
    CHECK(quiet.notice == case_notice::none);
}

TEST_CASE("notify = case: the opening alert, then at most one update per notify_interval") {
    case_tracker cases(conf_with(30, 10));
    std::vector<case_notice> notices;
    for (int m : {0, 2, 4, 11, 12, 20, 22}) {
        Verdict v = alert_on(7, t0 + m * minute);
        cases.stamp(v);
        notices.push_back(v.notice);
    }
    using n = case_notice;
    CHECK(notices == std::vector<case_notice>{n::opened, n::none, n::none, n::updated, n::none, n::none, n::updated});
    const case_counters k = cases.counters();
    CHECK(k.notices == 3);
    CHECK(k.suppressed == 4);
}

TEST_CASE("the same feed gives the same case ids (replays, dedup keys)") {
    case_tracker one(conf_with(30, 10)), two(conf_with(30, 10));
    Verdict a = alert_on(9, t0), b = alert_on(9, t0);
    one.stamp(a), two.stamp(b);
    CHECK(a.case_id == b.case_id);
    CHECK(case_id_text(a.case_id).size() == 16);
}

TEST_CASE("open cases are bounded: the least recently alerted closes early, counted") {
    case_tracker cases(conf_with(30, 10, 3));
    for (uint32_t card = 1; card <= 5; ++card) {
        Verdict v = alert_on(card, t0 + card * 1000);
        cases.stamp(v);
    }
    const case_counters k = cases.counters();
    CHECK(k.open == 3);
    CHECK(k.closed_early == 2);
    const std::vector<case_summary> recent = cases.recent(10);
    REQUIRE(recent.size() == 3);
    CHECK(recent[0].opened_ms == t0 + 5000);
    // Card 1's case is gone: its next alert opens a new one.
    Verdict again = alert_on(1, t0 + 6000);
    cases.stamp(again);
    CHECK(again.case_seq == 1);
}

TEST_CASE("cases whose window ended are closed and leave the open gauge") {
    case_tracker cases(conf_with(30, 10));
    Verdict a = alert_on(1, t0), b = alert_on(2, t0 + 31 * minute);
    cases.stamp(a), cases.stamp(b);
    CHECK(cases.counters().open == 1);
    CHECK(cases.counters().closed_early == 0);
}

TEST_CASE("a card that alerts again after its case ended gets a new case, listed once") {
    case_tracker cases(conf_with(30, 10));
    Verdict a = alert_on(1, t0), again = alert_on(1, t0 + 31 * minute);
    cases.stamp(a), cases.stamp(again);
    CHECK(again.case_id != a.case_id);
    CHECK(again.case_seq == 1);
    // Another card an hour later expires card 1's case: the list must not hold it twice.
    Verdict b = alert_on(2, t0 + 62 * minute), c = alert_on(3, t0 + 63 * minute);
    cases.stamp(b), cases.stamp(c);
    const std::vector<case_summary> recent = cases.recent(10);
    REQUIRE(recent.size() == 2);
    CHECK(recent[0].opened_ms == t0 + 63 * minute);
    CHECK(recent[1].opened_ms == t0 + 62 * minute);
    CHECK(cases.counters().open == 2);
    CHECK(cases.counters().opened == 4);
}
