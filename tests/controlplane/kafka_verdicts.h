// Synthetic verdicts for the Kafka tests (shared by test_kafka_publisher and
// test_sink_set): one distinct card per i, txn_id "tx-%08u", an alert or not.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/verdict.h"

namespace txscreen::test {

// The PAN each synthetic card was "decoded" from: BIN 41111111, last4 from i. The
// tests check that no payload ever contains it.
inline std::string pan_of(uint32_t i) {
    char buf[20];
    std::snprintf(buf, sizeof buf, "41111111%04u%04u", (i / 10000) % 10000, i % 10000);
    return buf;
}

inline Verdict make_verdict(uint32_t i, bool alert) {
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    Txn& t = v.txn;
    t.reset();
    t.event_time_ms = 1709296496000 + i;
    t.amount_minor = 1000 + i;
    for (std::size_t b = 0; b < card_token_bytes; ++b) t.card_token[b] = static_cast<uint8_t>(0x5a ^ b);
    std::memcpy(t.card_token, &i, sizeof i);  // distinct token per card
    t.currency = 978;
    t.currency_exponent = 2;
    t.mcc = 5999;
    t.chan = channel::ecom;
    t.format = payload_format::json;
    t.feed_seq = i;
    std::string pan = pan_of(i);
    t.pan_len = static_cast<uint8_t>(pan.size());
    std::memcpy(t.card_bin, pan.data(), 8);
    std::memcpy(t.card_last4, pan.data() + pan.size() - 4, 4);
    char id[24];
    std::snprintf(id, sizeof id, "tx-%08u", i);
    t.txn_id.assign(id);
    t.merchant_name.assign("Test Merchant");
    std::memcpy(t.country, "DE", 2);
    v.score = alert ? 90 : 10;
    v.dec = alert ? decision::block : decision::allow;
    v.alert = alert;
    v.ruleset_version = 1;
    if (alert) {
        v.n_reasons = 1;
        v.reasons[0] = verdict_reason{2, 50, {}, 7, 3};
    }
    return v;
}

}  // namespace txscreen::test
