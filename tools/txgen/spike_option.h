// txgen --spike: one injected traffic spike ("mcc=7995,at=10m,x=20[,for=1m]"), its
// parsing and its check against the feed's event-time span. What the spike generates
// is spike_injector.h's business.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace txscreen::txgen {

struct generator_config;

struct spike_spec {
    enum class key_kind : uint8_t { mcc, merchant, country };
    key_kind kind = key_kind::mcc;
    std::string key;            // MCC as 4 digits, merchant id, or country alpha-2 (upper case)
    int64_t at_ms = 0;          // offset from --start (event time)
    int64_t for_ms = 60'000;    // how long the spike lasts (event time)
    double factor = 1;          // x: matching traffic runs at x times its normal rate
};

// Parses one --spike value. Returns an empty string on success, else what is wrong
// (the caller prefixes the option name).
std::string parse_spike_spec(std::string_view text, spike_spec& out);

// "mcc=7995", "merchant=TXG000000000012", "country=US": the spike's key as written.
std::string spike_key_text(const spike_spec& s);

// Event time the normal traffic of `c` spans from its start, in ms: the diurnal rate
// curve integrated until count x (1 - fraud_rate) transactions are expected.
int64_t expected_span_ms(const generator_config& c);

// Checks the spike against the feed: empty when its start lies within the span.
std::string check_spike_in_feed(const spike_spec& s, const generator_config& c);

// "250ms", "90s", "10m", "1h": a whole number (up to 9 digits) with a unit; false otherwise.
bool parse_duration_ms(std::string_view text, int64_t& out);

// "12m", "90s", "1h30m" style text for messages (whole seconds, or ms below one).
std::string duration_text(int64_t ms);

}  // namespace txscreen::txgen
