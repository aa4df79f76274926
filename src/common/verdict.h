// The scored result of one Txn: what workers put on the ring to the controlplane and
// what Kafka, the spool and the admin API see. Carries the Txn (already PAN-free).
#pragma once

#include <cstdint>

#include "common/txn.h"
#include "rules/features.h"

namespace txscreen {

enum class decision : uint8_t { allow = 0, review = 1, block = 2 };

inline constexpr const char* decision_name(decision d) noexcept {
    switch (d) {
        case decision::allow: return "allow";
        case decision::review: return "review";
        case decision::block: return "block";
    }
    return "allow";
}

// Whether an alert's case is news for people (webhooks with notify = "case"):
// its first alert, a later one after notify_interval, or neither.
enum class case_notice : uint8_t { none = 0, opened = 1, updated = 2 };

// One rule that fired: which, with what weight, the value it measured and its limit.
// rule_id indexes the ruleset that scored the verdict (names via that ruleset).
struct verdict_reason {
    uint16_t rule_id;
    uint8_t weight;
    uint8_t _pad[5];
    double value;
    double limit;
};

inline constexpr int max_verdict_reasons = 8;
inline constexpr int max_verdict_patterns = 8;

struct alignas(64) Verdict {
    Txn txn;
    uint64_t verdict_tsc;      // TSC when the worker finished scoring
    int64_t rx_ns;             // rx_tsc converted to ns since the Unix epoch
    int64_t verdict_ns;        // verdict_tsc converted likewise
    uint32_t ruleset_version;  // version of the rules that scored it
    uint32_t patterns_version; // version of the pattern database that screened it
    uint8_t score;             // 0..100
    decision dec;
    bool alert;                // score >= alert threshold
    bool duplicate;            // same txn seen within the duplicate window: not counted twice
    bool late;                 // older than the shard watermark - allowed_lateness: not counted
    bool ahead;                // dated beyond its receive clock + max_future_skew: not counted
    uint8_t n_reasons;
    uint8_t n_patterns;
    uint16_t worker;           // lcore index of the worker that scored it
    verdict_reason reasons[max_verdict_reasons];  // highest weight first
    uint32_t pattern_ids[max_verdict_patterns];   // matched pattern ids (see patterns file)
    uint16_t pattern_categories;                  // bit per matched category
    // Filled by the controlplane (controlplane/analytics/case_tracker.h) on alerts
    // before any sink sees the verdict; zero on the rings and for non-alerts.
    uint32_t case_seq;         // 1 for the alert that opened the case, then 2, 3, ...
    uint64_t case_id;          // 0: no case (not an alert)
    case_notice notice;        // what a notify = "case" webhook sends for this alert
    // The engine's feature vector of the txn (rules/features.h: names, order, NaN =
    // missing), valid only when features_version != 0: it is feature_version for a
    // scored request, 0 for an outcome or a txn scored before any ruleset.
    uint8_t features_version;
    float features[feature_count];
};

static_assert(sizeof(Verdict) % 64 == 0);
static_assert(sizeof(Verdict) == 960, "the verdict ring slot stays 15 cache lines");

}  // namespace txscreen
