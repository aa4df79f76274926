// Screening one transaction: one Hyperscan block-mode scan per non-empty text field
// that has patterns, against the worker's own scratch. The hot path allocates nothing,
// takes no lock and throws nothing.
//
// Packet-path order: decode -> screen_txn (here) -> velocity -> rules. The worker
// holds a `const pattern_db*` picked up at its last quiescent point and passes its own
// index, so every result names the version of the patterns that produced it.
#pragma once

#include <cstdint>

#include "common/txn.h"
#include "common/verdict.h"
#include "screen/pattern_db.h"

namespace txscreen {

class screen_cache;

inline constexpr int max_screen_ids = max_verdict_patterns;  // 8

struct screen_result {
    uint32_t ids[max_screen_ids];  // user ids of matched patterns, in match order, no repeats
    uint8_t n_ids;                 // valid entries in ids
    uint8_t weight;                // sum of the distinct matched patterns' weights, capped at 100
    uint16_t categories;           // category_bit() of every matched pattern
    uint8_t fields;                // field_bit() of every field that matched something
    bool full;                     // stopped early: max_screen_ids ids collected
    bool error;                    // worker index out of range or a scan failed (counted by caller)
    uint8_t _pad;
    uint32_t version;              // pattern_db::version() that screened the txn
};

// Screens the text fields of `t` with `db` using worker `worker`'s scratch.
// Returns the matches. Fields are scanned in screen_field order (merchant_name first);
// a pattern matching in several fields is reported once; scanning stops as soon as
// max_screen_ids distinct ids are collected. With worker >= db.workers() nothing is
// scanned and `error` is set.
// With `cache` (the worker's own; see screen_cache.h) a text it holds is not scanned
// again; the result is the same.
screen_result screen_txn(const pattern_db& db, unsigned worker, const Txn& t,
                         screen_cache* cache = nullptr) noexcept;

// Screens txns[0..n) into out[0..n), exactly as n screen_txn calls would, field by
// field across the txns (all merchant names, then all e-mails, ...): one field's
// database stays in cache for the whole run instead of the three taking turns per txn.
void screen_burst(const pattern_db& db, unsigned worker, const Txn* txns, std::size_t n,
                  screen_result* out, screen_cache* cache = nullptr) noexcept;

// Copies a result's ids, categories and version into a Verdict.
inline void apply_screen_result(const screen_result& r, Verdict& v) noexcept {
    for (int i = 0; i < r.n_ids; ++i) v.pattern_ids[i] = r.ids[i];
    v.n_patterns = r.n_ids;
    v.pattern_categories = r.categories;
    v.patterns_version = r.version;
}

}  // namespace txscreen
