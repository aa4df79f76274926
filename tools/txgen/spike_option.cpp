#include "tools/txgen/spike_option.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "tools/txgen/generator.h"

namespace txscreen::txgen {

namespace {

constexpr int64_t day_ms = 86'400'000;

bool parse_factor(std::string_view v, double& out) {
    const std::string s(v);
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return !s.empty() && end == s.c_str() + s.size() && std::isfinite(out) &&
           s.find_first_not_of("0123456789.") == std::string::npos;
}

std::string set_key(spike_spec& out, bool& have_key, std::string_view name, std::string value) {
    if (have_key) return "give exactly one of mcc=, merchant=, country=";
    have_key = true;
    if (name == "mcc") {
        if (value.empty() || value.size() > 4 || value.find_first_not_of("0123456789") != std::string::npos)
            return "mcc must be 1-4 digits (0000-9999), got '" + value + "'";
        out.kind = spike_spec::key_kind::mcc;
        out.key = std::string(4 - value.size(), '0') + value;
    } else if (name == "merchant") {
        if (value.empty() || value.size() > 24) return "merchant must be a merchant id of 1-24 characters";
        out.kind = spike_spec::key_kind::merchant;
        out.key = std::move(value);
    } else {
        if (value.size() != 2 || !std::isalpha(static_cast<unsigned char>(value[0])) ||
            !std::isalpha(static_cast<unsigned char>(value[1])))
            return "country must be an ISO 3166 alpha-2 code such as US, got '" + value + "'";
        for (char& ch : value) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        out.kind = spike_spec::key_kind::country;
        out.key = std::move(value);
    }
    return {};
}

// One "name=value" item of the spec into `out`.
std::string set_item(spike_spec& out, bool& have_key, bool& have_at, bool& have_x, std::string_view item) {
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return "'" + std::string(item) + "' is not name=value";
    const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
    if (name == "mcc" || name == "merchant" || name == "country") return set_key(out, have_key, name, std::string(value));
    if (name == "at") {
        have_at = true;
        if (!parse_duration_ms(value, out.at_ms))
            return "at must be a duration such as 90s, 10m or 1h, got '" + std::string(value) + "'";
    } else if (name == "for") {
        if (!parse_duration_ms(value, out.for_ms) || out.for_ms == 0)
            return "for must be a duration above 0 such as 1m, got '" + std::string(value) + "'";
    } else if (name == "x") {
        have_x = true;
        if (!parse_factor(value, out.factor) || out.factor < 1 || out.factor > 10000)
            return "x must be a number in [1, 10000] (times the normal rate), got '" + std::string(value) + "'";
    } else {
        return "unknown key '" + std::string(name) + "' (mcc, merchant, country, at, for, x)";
    }
    return {};
}

}  // namespace

// "250ms", "90s", "10m", "1h": a whole number with a unit; false otherwise.
bool parse_duration_ms(std::string_view v, int64_t& out) {
    std::size_t digits = 0;
    while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
    if (digits == 0 || digits > 9) return false;
    const int64_t n = std::strtoll(std::string(v.substr(0, digits)).c_str(), nullptr, 10);
    const std::string_view unit = v.substr(digits);
    const int64_t scale = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000 : 0;
    if (scale == 0) return false;
    out = n * scale;
    return true;
}

std::string parse_spike_spec(std::string_view text, spike_spec& out) {
    out = spike_spec{};
    bool have_key = false, have_at = false, have_x = false;
    for (std::size_t pos = 0; pos <= text.size();) {
        const std::size_t comma = std::min(text.find(',', pos), text.size());
        if (std::string e = set_item(out, have_key, have_at, have_x, text.substr(pos, comma - pos)); !e.empty())
            return e;
        pos = comma + 1;
    }
    if (!have_key) return "needs a key: mcc=MCC, merchant=ID or country=CC";
    if (!have_at) return "needs at=DURATION (event time after --start)";
    if (!have_x) return "needs x=FACTOR (times the normal rate, >= 1)";
    return {};
}

std::string spike_key_text(const spike_spec& s) {
    const char* name = s.kind == spike_spec::key_kind::mcc ? "mcc=" : s.kind == spike_spec::key_kind::merchant ? "merchant=" : "country=";
    return name + s.key;
}

int64_t expected_span_ms(const generator_config& c) {
    const double fraud = std::round(static_cast<double>(c.count) * c.fraud_rate);
    double left = static_cast<double>(c.count) - fraud;
    // The diurnal curve averages 1 over a whole day: whole days first, then minutes.
    const double per_day = c.event_rate * 86'400.0;
    const double days = std::floor(left / per_day);
    left -= days * per_day;
    int64_t t = c.start_ms + static_cast<int64_t>(days) * day_ms;
    constexpr int64_t step_ms = 60'000;
    while (left > 0) {
        const double in_step = c.event_rate * diurnal_rate_factor(t) * (step_ms / 1000.0);
        if (in_step >= left) return t - c.start_ms + static_cast<int64_t>(left / in_step * step_ms);
        left -= in_step;
        t += step_ms;
    }
    return t - c.start_ms;
}

std::string check_spike_in_feed(const spike_spec& s, const generator_config& c) {
    const int64_t span = expected_span_ms(c);
    if (s.at_ms < span) return {};
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", c.event_rate);
    return "at=" + duration_text(s.at_ms) + " is beyond the feed: " + std::to_string(c.count) +
           " transactions at --event-rate " + rate + " span about " + duration_text(span) +
           " of event time from --start";
}

std::string duration_text(int64_t ms) {
    if (ms < 1000) return std::to_string(ms) + "ms";
    const int64_t s = ms / 1000;
    std::string out;
    if (s >= 3600) out += std::to_string(s / 3600) + "h";
    if (s % 3600 >= 60) out += std::to_string(s % 3600 / 60) + "m";
    if (s % 60 || out.empty()) out += std::to_string(s % 60) + "s";
    return out;
}

}  // namespace txscreen::txgen
