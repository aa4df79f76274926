#include "tools/txgen/break_option.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "tools/txgen/generator.h"
#include "tools/txgen/spike_option.h"

namespace txscreen::txgen {

namespace {

bool all_digits(std::string_view v) {
    return !v.empty() && v.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string set_field(break_spec& out, bool& have_field, std::string_view name, std::string value) {
    if (have_field) return "give exactly one of amount=, currency=, mcc=, merchant=";
    have_field = true;
    if (name == "amount") {
        const std::string_view digits = std::string_view(value).substr(!value.empty() && value[0] == '-');
        if (!all_digits(digits) || digits.size() > 15)
            return "amount must be a whole number of minor units (up to 15 digits) such as 0 or -100, got '" + value + "'";
        out.field = break_spec::field_kind::amount;
        out.number = std::strtoll(value.c_str(), nullptr, 10);
    } else if (name == "currency") {
        const bool letters = value.size() == 3 && std::isalpha(static_cast<unsigned char>(value[0])) &&
                             std::isalpha(static_cast<unsigned char>(value[1])) &&
                             std::isalpha(static_cast<unsigned char>(value[2]));
        if (!value.empty() && !letters)
            return "currency must be empty (none sent) or 3 letters such as EUR or QQQ, got '" + value + "'";
        for (char& ch : value) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        out.field = break_spec::field_kind::currency;
        out.text = std::move(value);
    } else if (name == "mcc") {
        if (!all_digits(value) || value.size() > 4) return "mcc must be 1-4 digits (0-9999), got '" + value + "'";
        out.field = break_spec::field_kind::mcc;
        out.number = std::strtoll(value.c_str(), nullptr, 10);
    } else {
        if (value.size() > 24) return "merchant must be empty or a merchant id of up to 24 characters";
        out.field = break_spec::field_kind::merchant;
        out.text = std::move(value);
    }
    return {};
}

// One "name=value" item of the spec into `out`.
std::string set_item(break_spec& out, bool& have_field, std::string_view item) {
    const std::size_t eq = item.find('=');
    // Built by append: GCC 12 warns (-Wrestrict, a false positive) on "'" + std::string(...).
    if (eq == std::string_view::npos) return std::string(1, '\'').append(item).append("' is not name=value");
    const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
    if (name == "amount" || name == "currency" || name == "mcc" || name == "merchant")
        return set_field(out, have_field, name, std::string(value));
    if (name == "from") {
        if (!parse_duration_ms(value, out.from_ms))
            return "from must be a duration such as 90s, 10m or 1h, got '" + std::string(value) + "'";
    } else if (name == "for") {
        if (!parse_duration_ms(value, out.for_ms) || out.for_ms == 0)
            return "for must be a duration above 0 such as 1h, got '" + std::string(value) + "'";
    } else {
        return "unknown key '" + std::string(name) + "' (amount, currency, mcc, merchant, from, for)";
    }
    return {};
}

}  // namespace

std::string parse_break_spec(std::string_view text, break_spec& out) {
    out = break_spec{};
    bool have_field = false;
    for (std::size_t pos = 0; pos <= text.size();) {
        const std::size_t comma = std::min(text.find(',', pos), text.size());
        if (std::string e = set_item(out, have_field, text.substr(pos, comma - pos)); !e.empty()) return e;
        pos = comma + 1;
    }
    if (!have_field) return "needs a field: amount=N, currency=CODE, mcc=N or merchant=ID";
    return {};
}

std::string break_field_text(const break_spec& b) {
    switch (b.field) {
        case break_spec::field_kind::amount: return "amount=" + std::to_string(b.number);
        case break_spec::field_kind::currency: return "currency=" + b.text;
        case break_spec::field_kind::mcc: return "mcc=" + std::to_string(b.number);
        case break_spec::field_kind::merchant: return "merchant=" + b.text;
    }
    return {};
}

std::string check_break_in_feed(const break_spec& b, const generator_config& c) {
    const int64_t span = expected_span_ms(c);
    if (b.from_ms < span) return {};
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g", c.event_rate);
    return "from=" + duration_text(b.from_ms) + " is beyond the feed: " + std::to_string(c.count) +
           " transactions at --event-rate " + rate + " span about " + duration_text(span) +
           " of event time from --start";
}

}  // namespace txscreen::txgen
