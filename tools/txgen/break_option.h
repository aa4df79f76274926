// txgen --break: one field written wrong for a stretch of event time
// ("amount=0,from=1h,for=1h"), so a test can prove the lake's data-quality report
// flags it (docs/lake.md). Parsing and the check against the feed's span here; what a
// break does to the transactions is break_injector.h's business.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace txscreen::txgen {

struct generator_config;

struct break_spec {
    enum class field_kind : uint8_t { amount, currency, mcc, merchant };
    field_kind field = field_kind::amount;
    int64_t number = 0;        // amount (minor units) or MCC
    std::string text;          // currency (upper case; "" = none sent) or merchant id ("" = none)
    int64_t from_ms = 0;       // offset from --start (event time)
    int64_t for_ms = std::numeric_limits<int64_t>::max();  // default: to the end of the feed
};

// Parses one --break value. Returns an empty string on success, else what is wrong
// (the caller prefixes the option name).
std::string parse_break_spec(std::string_view text, break_spec& out);

// "amount=0", "currency=", "mcc=0", "merchant=X": the broken field as written.
std::string break_field_text(const break_spec& b);

// Checks the break against the feed: empty when its start lies within the feed's span.
std::string check_break_in_feed(const break_spec& b, const generator_config& c);

}  // namespace txscreen::txgen
