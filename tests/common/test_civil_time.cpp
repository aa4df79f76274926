// civil_time.h against a day-by-day count of the Gregorian calendar: every day from
// 1600 to 2500 in both directions, and the instants around midnight before 1970.
#include <catch2/catch.hpp>

#include "common/civil_time.h"

using namespace txscreen;

namespace {

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned month_length(int y, unsigned m) {
    static const unsigned len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : len[m - 1];
}

}  // namespace

TEST_CASE("civil dates match a day-by-day count from 1600 to 2500", "[unit][civil_time]") {
    int64_t days = -135140;  // 1600-01-01: 370 years of 365 days and 90 leap days before 1970
    std::size_t checked = 0, mismatches = 0;
    for (int y = 1600; y <= 2500; ++y)
        for (unsigned m = 1; m <= 12; ++m)
            for (unsigned d = 1; d <= month_length(y, m); ++d, ++days) {
                const civil_date c = civil_from_days(days);
                mismatches += days_from_civil(y, m, d) != days || c.year != y || c.month != m || c.day != d ||
                              !valid_date(y, m, d);
                ++checked;
            }
    CHECK(checked == 329084);  // 1600-01-01 .. 2500-12-31
    CHECK(mismatches == 0);
    CHECK(days_from_civil(1970, 1, 1) == 0);
}

TEST_CASE("valid_date refuses days a month does not have", "[unit][civil_time]") {
    CHECK(valid_date(2024, 2, 29));
    CHECK(valid_date(2000, 2, 29));
    CHECK_FALSE(valid_date(2100, 2, 29));
    CHECK_FALSE(valid_date(2026, 4, 31));
    CHECK_FALSE(valid_date(2026, 13, 1));
    CHECK_FALSE(valid_date(2026, 0, 1));
    CHECK_FALSE(valid_date(2026, 1, 0));
}

TEST_CASE("civil_from_ms floors instants before 1970 onto their own day", "[unit][civil_time]") {
    const civil_time before = civil_from_ms(-1);
    CHECK(before.date.year == 1969);
    CHECK(before.date.month == 12);
    CHECK(before.date.day == 31);
    CHECK(before.ms_of_day == 86'399'999);
    const civil_time midnight = civil_from_ms(-86'400'000);
    CHECK(midnight.date.day == 31);
    CHECK(midnight.ms_of_day == 0);
    const civil_time t = civil_from_ms(951'782'400'000 + 3'723'004);  // 2000-02-29T01:02:03.004Z
    CHECK(t.date.month == 2);
    CHECK(t.date.day == 29);
    CHECK(t.ms_of_day == 3'723'004);
}
