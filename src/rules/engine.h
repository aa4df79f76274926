// The scoring engine of one worker shard: Txn -> velocity -> screen -> the builtin
// detectors (rules/detectors/table.h) and user rules -> reasons -> score/decision/alert
// -> Verdict. Single-threaded: each worker owns one engine (its card shard's state lives
// inside), so the hot path has no locks, atomics or allocation. Rulesets and pattern
// databases are immutable objects published by pointer; the engine caches the pointers
// and refreshes them only in quiescent(), which the worker calls between bursts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/txn.h"
#include "common/verdict.h"
#include "rules/engine_config.h"
#include "rules/state_table.h"
#include "rules/ruleset.h"
#include "rules/ruleset_store.h"
#include "screen/pattern_store.h"
#include "velocity/velocity.h"

namespace txscreen {

struct screen_result;

// engine_config (velocity tables, detector caches, pattern databases): engine_config.h.

// Per-engine counters: plain integers, written by the owning worker only, read by the
// controlplane at a quiescent moment (or summed with tolerance for torn reads).
struct engine_counters {
    uint64_t scored = 0;
    uint64_t duplicates = 0;
    uint64_t alerts = 0;
    uint64_t decisions[3] = {};                 // by decision
    uint64_t fired[detector_count + max_user_rules] = {};  // by rule id
    uint64_t no_ruleset = 0;                    // scored before any ruleset was published
    uint64_t ruleset_swaps = 0;
    uint64_t pattern_swaps = 0;
    uint64_t screened = 0;                      // txns scanned by a pattern database
    uint64_t screen_errors = 0;                 // scans that failed (bad worker index, scan error)
    // Field texts found in the worker's scan cache (not scanned again), and not found
    // (scanned); screen_cache.h.
    uint64_t screen_cache_hits = 0;
    uint64_t screen_cache_misses = 0;
    uint64_t outcomes = 0;                      // issuer outcomes passed through (not scored)
    uint64_t outcome_declines = 0;              // of which declined (velocity places them)
};

class engine {
public:
    // `rules` must outlive the engine. Registers as a reader of the store; the first
    // quiescent() (called here) picks up the published ruleset. Throws
    // std::runtime_error with velocity's message when the configuration is invalid or
    // the shard's tables cannot be allocated (init time only).
    engine(ruleset_store& rules, const engine_config& cfg = {});
    ~engine();
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;

    // Scores `txn` into `out` (every field except worker and timestamps, which the
    // dataplane sets). Updates this shard's state unless the txn is a duplicate.
    // An outcome (txn.kind == txn_kind::outcome) is not scored: a decline is placed on
    // its request in the card's velocity state (so the card's later transactions see
    // it), and `out` is the outcome passed through: out.txn = the outcome, score 0,
    // allow, no alert, no reasons, no patterns, versions 0. It counts in `outcomes`,
    // not in `scored` nor in `decisions`.
    void score(const Txn& txn, Verdict& out) noexcept;
    // Scores txns[0..n) into out[0..n) in order, with exactly the results of n score()
    // calls, while computing keys and prefetching the state of the txns a few places
    // ahead so the burst's cache misses overlap (the dataplane's burst loop should
    // call this rather than score() per txn).
    void score_burst(const Txn* txns, std::size_t n, Verdict* out) noexcept;

    // Quiescent point: drops references to older rulesets/pattern databases and picks
    // up the newest. Returns true when the ruleset or the pattern database changed.
    bool quiescent() noexcept;

    // Ruleset now in use (names for reason codes); nullptr before the first publish.
    const ruleset* current_rules() const noexcept { return _rules; }
    // Pattern database now in use; nullptr without screening.
    const pattern_db* current_patterns() const noexcept { return _patterns; }
    const engine_counters& counters() const noexcept { return _counters; }
    // Memory of this shard's state tables in bytes (velocity + detector caches), and
    // of one card's entry.
    std::size_t state_bytes() const noexcept;
    static constexpr std::size_t bytes_per_card() noexcept { return sizeof(velocity_entry); }
    const velocity_shard& velocity() const noexcept;
    const state_table_stats& repeat_stats() const noexcept;
    const state_table_stats& small_txn_stats() const noexcept;

private:
    struct state;
    struct prepared;   // keys and hashes of one txn (engine.cpp)
    void prepare(const Txn& txn, prepared& p) const noexcept;
    // `screened`: the txn's screening result when the caller screened a burst at once
    // (score_burst), else nullptr and it is screened here.
    void score_prepared(const Txn& txn, const prepared& p, Verdict& out, const screen_result* screened) noexcept;
    // An outcome: places a decline (the verdict is left as clear_verdict made it).
    void pass_outcome(const Txn& outcome, const prepared& p) noexcept;
    void count_scan_cache() noexcept;   // the scan cache's hits and misses into _counters
    ruleset_store& _store;
    int _slot;
    bool _track_all;
    const ruleset* _rules = nullptr;
    pattern_store* _pstore = nullptr;
    int _pslot = -1;
    unsigned _worker = 0;
    const pattern_db* _patterns = nullptr;
    unsigned _key_mask = 1u;   // velocity keys updated per txn (card always), see quiescent()
    std::unique_ptr<state> _state;
    engine_counters _counters;
};

}  // namespace txscreen
