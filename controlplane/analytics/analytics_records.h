// The records the controlplane derives from the verdict stream (docs/alerts.md,
// docs/schemas.md): one closed 1-minute window of one dimension's key, and a spike
// event. Fixed-size and self-contained, like Verdict, so every sink (Kafka, spool,
// webhooks) renders them without asking anyone.
#pragma once

#include <cstdint>
#include <string_view>

namespace txscreen {

// What an aggregate row is grouped by.
enum class agg_dimension : uint8_t { feed = 0, merchant = 1, mcc = 2, country = 3, channel = 4 };
inline constexpr int agg_dimension_count = 5;

constexpr std::string_view agg_dimension_name(agg_dimension d) noexcept {
    switch (d) {
        case agg_dimension::feed: return "feed";
        case agg_dimension::merchant: return "merchant";
        case agg_dimension::mcc: return "mcc";
        case agg_dimension::country: return "country";
        case agg_dimension::channel: return "channel";
    }
    return "feed";
}

// Currencies one row keeps apart; transactions in further currencies are counted in
// `amounts_other` without an amount (a row of one merchant rarely sees more).
inline constexpr int agg_max_currencies = 8;
inline constexpr int agg_key_bytes = 40;  // NUL-terminated; merchant ids are <= 24

struct agg_amount {
    uint16_t currency;          // ISO 4217 numeric
    uint8_t exponent;           // minor-unit digits
    uint64_t transactions;
    int64_t amount_minor;       // sum in minor units of `currency`
};

// One (window, dimension, key). kind == window: the window's totals when it closed
// (emitted once). kind == correction: only the events that arrived after it closed
// (a window's true totals = its window row + its corrections; distinct_cards and the
// latency quantiles of a correction describe its late events alone).
struct aggregate_record {
    enum class row_kind : uint8_t { window = 0, correction = 1 };
    int64_t window_start_ms;    // UTC, a whole minute (window length divides the day)
    int64_t window_end_ms;      // exclusive
    agg_dimension dimension;
    row_kind kind;
    char key[agg_key_bytes];    // feed name, merchant id, MCC (4 digits), country, channel; "other"
    uint64_t transactions;      // screened requests (duplicates included, each counted once as received)
    uint64_t alerts, reviews, blocks;
    uint64_t approved, declined;  // issuer outcomes (TCP feeds), by the request's event time
    uint64_t rejects;           // dimension feed only: messages the decoder refused while this
                                // window was the newest (rejects carry no event time)
    uint64_t gaps;              // dimension feed only: missing sequence numbers, likewise
    uint64_t distinct_cards;    // HyperLogLog estimate (exact below a few hundred)
    uint64_t latency_p50_ns, latency_p99_ns;  // rx -> verdict of the window's transactions
    uint64_t amounts_other;     // transactions in currencies beyond agg_max_currencies
    uint8_t n_amounts;
    agg_amount amounts[agg_max_currencies];
};

// A window that stands out against its key's baseline, or a feed's ingestion anomaly.
// Goes to txscreen.alerts (with "type":"spike") and the webhooks.
struct spike_event {
    enum class spike_kind : uint8_t {
        alert_rate = 0,   // alerts / transactions of the key's window
        volume = 1,       // transactions of the key's window
        feed_silent = 2,  // a feed that had traffic sent nothing for a whole window
        reject_surge = 3, // a feed's rejects per window
        gap_surge = 4,    // a feed's missing sequence numbers per window
    };
    uint64_t id;              // stable for (kind, dimension, key, window): webhook dedup key
    int64_t window_start_ms, window_end_ms;
    spike_kind kind;
    agg_dimension dimension;
    char key[agg_key_bytes];
    double observed;          // the window's value
    double baseline;          // EWMA of earlier windows
    double stddev;            // EWMA standard deviation (floored)
    double z;                 // (observed - baseline) / stddev
    double threshold;         // the z-score it had to exceed
    uint64_t transactions, alerts;  // of the window, for context
};

constexpr std::string_view spike_kind_name(spike_event::spike_kind k) noexcept {
    switch (k) {
        case spike_event::spike_kind::alert_rate: return "alert_rate";
        case spike_event::spike_kind::volume: return "volume";
        case spike_event::spike_kind::feed_silent: return "feed_silent";
        case spike_event::spike_kind::reject_surge: return "reject_surge";
        case spike_event::spike_kind::gap_surge: return "gap_surge";
    }
    return "alert_rate";
}

}  // namespace txscreen
