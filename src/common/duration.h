// Duration text as config and ruleset files write it: digits followed by a unit
// ("250ms", "5s", "10m", "24h", and "7d" where days are allowed).
#pragma once

#include <cstdint>
#include <string_view>

namespace txscreen {

// Returns the duration in milliseconds, or -1 when `text` is not digits + a known unit
// or exceeds `max_ms`. Zero ("0s") is returned as 0; callers that refuse it check.
inline int64_t parse_duration_text_ms(std::string_view text, int64_t max_ms, bool allow_days) noexcept {
    std::size_t i = 0;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        n = n * 10 + (text[i] - '0');
        if (n > max_ms) return -1;
        ++i;
    }
    if (i == 0) return -1;
    std::string_view unit = text.substr(i);
    int64_t scale;
    if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1000;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else if (unit == "d" && allow_days) scale = 86'400'000;
    else return -1;
    if (n > max_ms / scale) return -1;
    return n * scale;
}

}  // namespace txscreen
