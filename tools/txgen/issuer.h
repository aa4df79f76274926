// The simulated issuer behind a TCP feed: decides each request's outcome (approval
// with an authorization code, or a decline with a realistic response code, or no
// answer at all) and its response time, and builds the response message.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/clear_txn.h"
#include "tools/txgen/rng.h"

namespace txscreen::txgen {

// Decline codes and their shares of declines (field 39): 05 do not honour, 51
// insufficient funds, 54 expired card, 14 invalid card number, 61 exceeds withdrawal
// limit, 65 exceeds frequency limit, 91 issuer unavailable, 57 not permitted to
// cardholder, 12 invalid transaction, 43 stolen card.
inline constexpr std::array<std::string_view, 10> decline_codes = {"05", "51", "54", "14", "61",
                                                                   "65", "91", "57", "12", "43"};
inline constexpr std::array<unsigned, 10> decline_weights = {34, 24, 6, 7, 6, 4, 5, 6, 4, 4};  // sum 100

struct issuer_config {
    double decline_rate = 0.05;      // share of requests declined
    double no_response_rate = 0;     // share of requests never answered (timeouts)
    int64_t response_us_min = 20'000, response_us_max = 300'000;
    // Card testing gets mostly declined (invalid numbers, stolen cards...), which is
    // what decline-burst detection looks for.
    double card_testing_decline_rate = 0.7;
};

struct issuer_outcome {
    bool responds = true;
    std::string response_code;  // "00" or one of decline_codes
    std::string auth_code;      // 6 characters on approvals, empty on declines
    int64_t latency_us = 0;     // response time, from the request's last segment to the response's queueing
};

class issuer {
public:
    issuer(const issuer_config& config, uint64_t seed) : _config(config), _rng(seed) {}
    issuer_outcome decide(bool card_testing);

private:
    issuer_config _config;
    rng _rng;
};

// The response to `request`: MTI + 10, echoing the PAN, processing code, amount,
// transmission time, STAN, RRN, terminal, merchant, acquirer, currency and POS fields,
// with fields 38 (approvals) and 39.
clear_txn build_response(const clear_txn& request, const issuer_outcome& outcome);

}  // namespace txscreen::txgen
