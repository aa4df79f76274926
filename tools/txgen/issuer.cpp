#include "tools/txgen/issuer.h"

#include <algorithm>

namespace txscreen::txgen {

issuer_outcome issuer::decide(bool card_testing) {
    issuer_outcome o;
    o.latency_us = _rng.between(_config.response_us_min, _config.response_us_max);
    if (_rng.chance(_config.no_response_rate)) {
        o.responds = false;
        return o;
    }
    const double decline = card_testing ? std::max(_config.decline_rate, _config.card_testing_decline_rate)
                                        : _config.decline_rate;
    if (_rng.chance(decline)) {
        uint64_t pick = _rng.below(100);
        std::size_t i = 0;
        while (pick >= decline_weights[i]) pick -= decline_weights[i++];
        o.response_code = decline_codes[i];
        return o;
    }
    o.response_code = "00";
    static constexpr char alnum[] = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    for (int k = 0; k < 6; ++k) o.auth_code.push_back(alnum[_rng.below(sizeof alnum - 1)]);
    return o;
}

clear_txn build_response(const clear_txn& request, const issuer_outcome& outcome) {
    clear_txn r;
    r.mti = static_cast<uint16_t>(request.mti + 10);
    r.event_time_ms = request.event_time_ms;  // fields 7, 12 and 13 echo the request's
    r.pan = request.pan;
    r.processing_code = request.processing_code;
    r.amount_minor = request.amount_minor;
    r.currency = request.currency;
    r.stan = request.stan;
    r.rrn = request.rrn;
    r.terminal_id = request.terminal_id;
    r.merchant_id = request.merchant_id;
    r.acquirer_id = request.acquirer_id;
    r.mcc = request.mcc;
    r.channel = request.channel;
    r.pos_entry_mode = request.pos_entry_mode;
    r.pos_condition = request.pos_condition;
    r.auth_code = outcome.auth_code;
    r.response_code = outcome.response_code;
    return r;
}

}  // namespace txscreen::txgen
