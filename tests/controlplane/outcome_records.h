// Synthetic issuer outcomes for the sink tests (test_kafka_json, test_spool,
// test_sink_set): what the worker makes of a request paired with its response on a
// TCP feed (src/common/txn.h, txn_kind::outcome). Outcome i: STAN "%06u" of i, a
// distinct card token, declined ("05") when i is odd, approved ("00") with an
// approval code otherwise.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "common/verdict.h"

namespace txscreen::test {

// The response of outcome i arrives at 2024-03-01T12:34:56.789Z + i seconds.
inline constexpr int64_t outcome_response_ns = 1709296496789000123;

inline Verdict make_outcome(uint32_t i) {
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    Txn& t = v.txn;
    t.reset();
    t.kind = txn_kind::outcome;
    t.format = payload_format::iso8583;
    t.feed_id = 2;
    t.request_mti = 200;
    t.mti = 210;
    std::snprintf(t.stan, sizeof t.stan, "%06u", i % 1000000);
    std::memcpy(t.rrn, "406112345678", 12);
    t.terminal_id.assign("TERM0001");
    t.merchant_id.assign("MERCHANT0000042");
    for (std::size_t b = 0; b < card_token_bytes; ++b) t.card_token[b] = static_cast<uint8_t>(0xc0 + b);
    std::memcpy(t.card_token, &i, sizeof i);  // distinct token per outcome
    std::memcpy(t.card_bin, "45320151", 8);
    std::memcpy(t.card_last4, "0366", 4);
    t.pan_len = 16;
    t.amount_minor = 2599;
    t.currency = 840;
    t.currency_exponent = 2;
    const bool declined = i % 2 == 1;
    std::memcpy(t.response_code, declined ? "05" : "00", 2);
    if (!declined) std::memcpy(t.auth_code, "A1B2C3", 6);
    v.rx_ns = outcome_response_ns + static_cast<int64_t>(i) * 1'000'000'000;
    t.issuer_response_us = 183'456;
    t.request_rx_ns = v.rx_ns - 183'456'000;
    t.event_time_ms = t.request_rx_ns / 1'000'000 - 2000;  // the request's own clock, 2 s behind
    return v;
}

}  // namespace txscreen::test
