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

// The parts of an RFC 8259 number (rfc8259_number(s) must hold): its sign, its digits
// before and after the point, and its exponent, which saturates at +-100000.
struct json_number_parts {
    bool negative = false;
    std::string_view int_digits, frac_digits;
    int64_t exp10 = 0;
    int64_t digits() const noexcept { return static_cast<int64_t>(int_digits.size() + frac_digits.size()); }
    // The k-th digit of the mantissa (0 <= k < digits()): the integer digits, then the fraction's.
    unsigned digit(int64_t k) const noexcept {
        const auto n = static_cast<int64_t>(int_digits.size());
        return static_cast<unsigned>((k < n ? int_digits[k] : frac_digits[k - n]) - '0');
    }
};

inline json_number_parts split_json_number(std::string_view s) noexcept {
    json_number_parts p;
    std::size_t i = 0;
    const std::size_t n = s.size();
    auto run = [&] {
        const std::size_t start = i;
        while (i < n && json_digit(s[i])) ++i;
        return s.substr(start, i - start);
    };
    p.negative = i < n && s[i] == '-';
    if (p.negative) ++i;
    p.int_digits = run();
    if (i < n && s[i] == '.') {
        ++i;
        p.frac_digits = run();
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        const bool negative_exp = i < n && s[i] == '-';
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        for (char c : run())
            if (p.exp10 < 100'000) p.exp10 = p.exp10 * 10 + (c - '0');
        if (negative_exp) p.exp10 = -p.exp10;
    }
    return p;
}

}  // namespace txscreen
