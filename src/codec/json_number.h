// What both JSON readers (json_decode.cpp, json_map.cpp) agree a JSON number and an
// event time are.
#pragma once

#include <cstdint>
#include <string_view>

namespace txscreen {

// Event times json_decoder accepts: 1970-01-01 up to 9999-12-31T23:59:59.999Z.
inline constexpr int64_t max_event_time_ms = 253'402'300'799'999;

inline bool json_digit(char c) noexcept { return static_cast<unsigned>(static_cast<unsigned char>(c)) - '0' <= 9u; }

// True when s is a number as RFC 8259 section 6 spells it: an optional minus, an
// integer part that is 0 or starts with 1-9 (no leading zeros: "00012" is not JSON), an
// optional fraction with at least one digit, an optional exponent with at least one.
inline bool rfc8259_number(std::string_view s) noexcept {
    std::size_t i = 0;
    const std::size_t n = s.size();
    auto digits = [&] {
        const std::size_t start = i;
        while (i < n && json_digit(s[i])) ++i;
        return i > start;
    };
    if (i < n && s[i] == '-') ++i;
    if (i < n && s[i] == '0') {
        ++i;
    } else if (!digits()) {
        return false;
    }
    if (i < n && s[i] == '.') {
        ++i;
        if (!digits()) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        if (!digits()) return false;
    }
    return i == n;
}

}  // namespace txscreen
