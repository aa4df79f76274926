#include "tools/txgen/time_text.h"

#include <cstdio>

#include "common/civil_time.h"

namespace txscreen::txgen {

namespace {

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
    if (!valid_date(static_cast<int>(y), mo, d) || h > 23 || mi > 59 || sec > 60) return false;
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
    const int64_t days = days_from_civil(static_cast<int>(y), mo, d);
    out_ms = ((days * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec)) - offset_min * 60) * 1000 + ms;
    return true;
}

std::string format_rfc3339_ms(int64_t ms) {
    const civil_time t = civil_from_ms(ms);
    const auto sod = static_cast<unsigned>(t.ms_of_day / 1000);
    char b[40];
    std::snprintf(b, sizeof b, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", t.date.year, t.date.month, t.date.day, sod / 3600,
                  sod / 60 % 60, sod % 60, static_cast<unsigned>(t.ms_of_day % 1000));
    return b;
}

}  // namespace txscreen::txgen
