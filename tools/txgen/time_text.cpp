#include "tools/txgen/time_text.h"

#include <cstdio>

namespace txscreen::txgen {

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Hinnant's
// days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned& out) noexcept {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + static_cast<unsigned>(s[i] - '0');
    }
    return true;
}

}  // namespace

bool parse_rfc3339_ms(std::string_view s, int64_t& out_ms) noexcept {
    unsigned y, mo, d, h, mi, sec;
    if (!digits(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, h) ||
        s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, sec))
        return false;
    static constexpr unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 ||
        sec > 60)
        return false;
    std::size_t i = 19;
    unsigned ms = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        const std::size_t start = i;
        unsigned scale = 100;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ms += static_cast<unsigned>(s[i] - '0') * scale;
            scale /= 10;
            ++i;
        }
        if (i == start) return false;
    }
    int offset_min = 0;
    if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        unsigned oh, om;
        if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, om) || oh > 23 ||
            om > 59)
            return false;
        offset_min = static_cast<int>(oh * 60 + om) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return false;
    }
    if (i != s.size()) return false;
    const int64_t days = days_from_civil(y, mo, d);
    out_ms = ((days * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec)) - offset_min * 60) * 1000 + ms;
    return true;
}

std::string format_rfc3339_ms(int64_t ms) {
    const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    const int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    const int64_t sod = secs - days * 86400;
    // civil_from_days (Hinnant)
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
    char b[40];
    std::snprintf(b, sizeof b, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", static_cast<long long>(y), m, d,
                  static_cast<unsigned>(sod / 3600), static_cast<unsigned>(sod / 60 % 60),
                  static_cast<unsigned>(sod % 60), static_cast<unsigned>(ms - secs * 1000));
    return b;
}

}  // namespace txscreen::txgen
