// What a builtin detector is. Each one is a struct in its own header here, listed by
// one row of table.h (which gives it its rule id), and it holds everything about itself:
//
//   struct <name>_detector {
//       static constexpr std::string_view name = "<name>";  // rule name, [detector.<name>]
//       static constexpr std::string_view description = "...";
//       static constexpr uint8_t default_weight = N;
//       struct settings { ... };  // its fields, named <name>_..., and their defaults
//       // Its TOML keys besides enable and weight, as "unknown key" errors list them,
//       // and their reads (settings_node.h).
//       static constexpr std::array<std::string_view, K> keys = {...};
//       static bool parse(const settings_node& section, settings& s);
//       // Fires or not for one scored transaction (the packet path: no allocation).
//       static bool evaluate(const detector_input&, const settings&, detector_state&,
//                            detector_hit&) noexcept;
//       // Optional: the velocity history it reads back (ruleset::longest_window_ms).
//       static int64_t history_ms(const settings&) noexcept;
//   };
//
// The ruleset's detector_settings (table.h) derives from every detector's settings, so
// a detector's fields keep their names there (ruleset.det.rapid_repeat_window_ms: hence
// the prefix, which keeps them apart), and its settings are passed to evaluate without a
// copy. The engine calls evaluate
// directly: the rows are template arguments, so the compiler may inline each detector.
//
// What a detector counts: every hit is counted per rule id in engine_counters::fired
// by the engine; a detector that keeps a table (rapid_repeat, card_testing) has its
// table's stats in detector_state.
#pragma once

#include <array>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <string_view>

#include "common/txn.h"
#include "rules/detectors/settings_node.h"
#include "rules/state_table.h"
#include "velocity/velocity.h"

namespace txscreen {

class pattern_db;
struct screen_result;
struct detector_settings;  // rules/detectors/table.h

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
    // The ruleset's detector settings (the features read the high-risk MCC list).
    const detector_settings* settings = nullptr;
    // The model's probability for this txn (the model detector): NaN until the engine
    // has evaluated the burst's model step, and for a ruleset without a model.
    float model_probability = NAN;
};

// Tables detectors keep between transactions; one per engine (shard), single-threaded.
struct detector_state {
    state_table<repeat_entry> repeats;
    state_table<small_txn_entry> smalls;
};

// A detector's answer when it fires: the reason's measured value and the limit it
// crossed (a detector that returns true sets both). A detector that scores other than
// its configured weight (pattern_hit, new_device) sets `weight`, reading the configured
// one with configured_weight(); left at -1, the reason gets the configured weight.
// Either way the weight is read on a hit only (rare), not per transaction.
struct detector_hit {
    double value;
    double limit;
    int weight = -1;
    const uint8_t* configured;  // the ruleset's weight of this detector
    uint8_t configured_weight() const noexcept { return *configured; }
};

// Card-present: the card was at the terminal, so the transaction has a place.
inline bool card_present(const Txn& t) noexcept {
    return t.chan == channel::pos || t.chan == channel::atm;
}

// The contract above, checked for every row of table.h.
template <class D>
concept builtin_detector = requires(const detector_input& in, const typename D::settings& s,
                                    typename D::settings& loaded, const settings_node& section,
                                    detector_state& st, detector_hit& hit) {
    { D::name } -> std::convertible_to<std::string_view>;
    { D::description } -> std::convertible_to<std::string_view>;
    { D::default_weight } -> std::convertible_to<uint8_t>;
    { D::keys[0] } -> std::convertible_to<std::string_view>;
    { D::parse(section, loaded) } -> std::same_as<bool>;
    { D::evaluate(in, s, st, hit) } noexcept -> std::same_as<bool>;
};

}  // namespace txscreen
