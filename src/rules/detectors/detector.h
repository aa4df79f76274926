// What a builtin detector is: a function that reads one scored transaction (its
// detector_input) and the shard's detector tables, and answers whether it fires and
// with what value, limit and weight. The engine runs them from detector_table
// (table.h) in rule-id order; each detector lives in its own header here so the engine
// inlines it (no indirect call per detector and transaction).
//
// What a detector counts: every hit is counted per rule id in engine_counters::fired
// by the engine; a detector that keeps a table (rapid_repeat, card_testing) has its
// table's stats in detector_state. Its settings are its fields of detector_settings
// (rules/ruleset.h), loaded from its [detector.<name>] TOML section.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/txn.h"
#include "rules/ruleset.h"
#include "rules/state_table.h"
#include "velocity/velocity.h"

namespace txscreen {

class pattern_db;
struct screen_result;

// Keys of one txn that detector tables use, computed ahead of scoring (see
// engine::prepare) so their lines can be prefetched.
struct detector_keys {
    uint64_t card_key;       // small-txn table key
    uint64_t merchant_hash;  // merchant part of the repeat key and card-testing tag
    uint64_t repeat_key;     // (card, merchant, amount)
};

// One transaction as every detector sees it, built once per txn by the engine after
// velocity has observed it (and screening has run, when configured).
struct detector_input {
    const Txn& txn;
    const ruleset& rules;
    const detector_settings& det;
    const velocity_config& velocity;
    const observe_result& obs;
    const velocity_entry* card;     // the card's entry (after this txn when applied)
    const screen_result* screen;    // nullptr without screening
    const pattern_db* patterns;     // the database that produced `screen`
    const detector_keys& keys;
    int64_t now_ms;                 // the event's time
    double scale;                   // minor units per major unit of the txn's currency
    double amount_major;
    // The card's transactions in the 24 h before this one (applied txns only, else 0).
    uint32_t history;
    // Velocity counted this txn: a duplicate, a too-late or an ahead event must not add
    // to repeats or card testing.
    bool applied;
    // Windows describe the event's own moment (not late, not ahead): only then may a
    // windowed metric be compared.
    bool measured;
};

// Tables detectors keep between transactions; one per engine (shard), single-threaded.
struct detector_state {
    state_table<repeat_entry> repeats;
    state_table<small_txn_entry> smalls;
};

// A detector's answer when it fires: the reason's measured value and the limit it
// crossed (a detector that returns true sets both). A detector that scores other than
// its configured weight (pattern_hit, new_device) sets `weight`; left at -1 the reason
// gets the configured weight, read only on a hit (rare) rather than per transaction.
struct detector_hit {
    double value;
    double limit;
    int weight = -1;
};

inline uint8_t configured_weight(const detector_input& in, detector d) noexcept {
    return in.det.weight[static_cast<int>(d)];
}

// Card-present: the card was at the terminal, so the transaction has a place.
inline bool card_present(const Txn& t) noexcept {
    return t.chan == channel::pos || t.chan == channel::atm;
}

using detector_evaluate = bool (*)(const detector_input&, detector_state&, detector_hit&) noexcept;

// One row of detector_table.
struct detector_row {
    detector id;                  // rule id of its reasons (enum detector)
    std::string_view name;        // its TOML section and reason name (detector_names[id])
    detector_evaluate evaluate;   // runs only when the ruleset enables it
};

}  // namespace txscreen
