// txgen's transaction generator: a seeded population, normal traffic at a diurnal rate
// over event time, and fraud scenarios injected with ground-truth labels. The same
// config (seed included) always yields the same stream, so a test can regenerate in
// process what a pcap holds and compare field by field.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codec/clear_txn.h"
#include "tools/txgen/population.h"
#include "tools/txgen/break_option.h"
#include "tools/txgen/rng.h"
#include "tools/txgen/spike_option.h"

namespace txscreen::txgen {

#define TXGEN_FOREACH_SCENARIO(_) \
    _(normal)                     \
    _(card_testing)               \
    _(impossible_travel)          \
    _(amount_velocity)            \
    _(account_takeover)           \
    _(blocklisted_merchant)       \
    _(high_amount)                \
    _(duplicate)                  \
    _(spike)

enum class scenario : uint8_t {
#define TXGEN_SCENARIO_ENUM(n) n,
    TXGEN_FOREACH_SCENARIO(TXGEN_SCENARIO_ENUM)
#undef TXGEN_SCENARIO_ENUM
};

inline constexpr std::array scenario_names = {
#define TXGEN_SCENARIO_NAME(n) std::string_view{#n},
    TXGEN_FOREACH_SCENARIO(TXGEN_SCENARIO_NAME)
#undef TXGEN_SCENARIO_NAME
};
inline constexpr std::size_t scenario_count = scenario_names.size();

// Fraud scenario types (what --fraud-rate and --scenarios inject): not normal traffic,
// not a --spike's extra transactions (label "spike", spike_injector.h).
constexpr bool is_fraud_scenario(scenario s) noexcept { return s != scenario::normal && s != scenario::spike; }

// Label written to the labels CSV ("normal", "card_testing", ...).
constexpr std::string_view scenario_name(scenario s) noexcept { return scenario_names[static_cast<std::size_t>(s)]; }
// Parses a label; false when unknown.
bool parse_scenario(std::string_view name, scenario& out) noexcept;

struct generator_config {
    uint64_t seed = 1;
    uint64_t count = 100000;                    // transactions to emit (copies included)
    int64_t start_ms = 1793491200000;           // 2026-11-01T00:00:00Z
    double event_rate = 20.0;                   // mean transactions per second of event time
    double fraud_rate = 0.01;                   // fraction of transactions in scenarios
    uint32_t cards = 0;                         // 0: count / 5 within [1000, 200000]
    uint32_t merchants = 0;                     // 0: cards / 10 within [500, 20000]
    // Merchants bill in their country's currency (EUR, GBP, JPY, ...) instead of USD.
    // Off by default: txscreen's amount/card-testing limits are in major units without
    // FX, so a JPY or INR card would look like amount velocity.
    bool local_currencies = false;
    // Which scenario types may be injected (index = scenario; [normal] and [spike] are
    // ignored).
    std::array<bool, scenario_count> enabled = {false, true, true, true, true, true, true, true, false};
    // --spike: extra transactions of a key on top of `count` (spike_injector.h).
    std::vector<spike_spec> spikes;
    // --break: a field written wrong for a stretch of event time (break_injector.h).
    std::vector<break_spec> breaks;
};

// The diurnal shape of normal traffic's rate over UTC hour of event time: peak 16:00,
// trough 04:00, mean 1 over a day.
double diurnal_rate_factor(int64_t t_ms) noexcept;

// Checks a config; returns an empty string when valid, else a message naming the field.
std::string validate(const generator_config& c);

struct generated_txn {
    clear_txn txn;            // txn_id == rrn (12 digits), unique except duplicate copies
    scenario label = scenario::normal;
    uint32_t scenario_id = 0; // 0 for normal traffic; instances count from 1 (spikes: the --spike's number)
    uint32_t card_index = 0;  // index into population().cards()
};

// Formats a scenario id for the labels CSV ("S000042"); empty for 0.
std::string format_scenario_id(uint32_t id);
// Formats the id of a labelled transaction: its scenario's "S000042", a spike's
// "P000001" (the n-th --spike); empty for normal traffic.
std::string format_label_id(scenario label, uint32_t id);

class spike_injector;
class break_injector;

class generator {
public:
    // Builds the population and the scenario schedule. Throws std::invalid_argument
    // with validate()'s message when the config is invalid.
    explicit generator(const generator_config& config);
    ~generator();
    generator(const generator&) = delete;
    generator& operator=(const generator&) = delete;

    // Fills `out` with the next transaction; returns false after total() of them.
    // Event times are non-decreasing except a duplicate's copy, which repeats the
    // original's time up to a minute later in the stream.
    bool next(generated_txn& out);

    uint64_t emitted() const noexcept { return _emitted; }
    // config.count plus the transactions --spike adds.
    uint64_t total() const noexcept { return _config.count + _planned[static_cast<std::size_t>(scenario::spike)]; }
    // Transactions planned per label (sums to total()).
    const std::array<uint64_t, scenario_count>& planned() const noexcept { return _planned; }
    const population& people() const noexcept { return *_pop; }
    const generator_config& config() const noexcept { return _config; }
    // Transactions emitted so far with a field a --break overwrote.
    uint64_t broken() const noexcept { return _broken; }

private:
    struct instance {
        int64_t start_ms;
        scenario kind;
        uint32_t size;
        uint32_t id;
    };
    struct pending {
        int64_t emit_ms;
        uint64_t order;  // tie-break: materialization order, so the heap is deterministic
        bool is_copy;    // a duplicate's copy keeps its original's stan/rrn
        generated_txn g;
    };
    struct pending_later {
        bool operator()(const std::unique_ptr<pending>& a, const std::unique_ptr<pending>& b) const noexcept {
            return a->emit_ms != b->emit_ms ? a->emit_ms > b->emit_ms : a->order > b->order;
        }
    };

    void plan_scenarios();
    void materialize(const instance& in);
    void materialize_spike();
    void push(int64_t emit_ms, generated_txn&& g, bool is_copy);
    void fill_normal(uint32_t card, int64_t t_ms, generated_txn& out);
    void fill_at(rng& r, uint32_t card, uint32_t merchant, const std::string& channel, int64_t usd_cents, int64_t t_ms,
                 generated_txn& out);
    void assign_ids(clear_txn& t);
    uint32_t far_merchant(uint32_t home_city);

    generator_config _config;
    std::unique_ptr<population> _pop;
    std::unique_ptr<spike_injector> _spikes;
    std::unique_ptr<break_injector> _breaks;
    rng _normal_rng, _scenario_rng;
    std::vector<instance> _instances;
    std::size_t _next_instance = 0;
    std::priority_queue<std::unique_ptr<pending>, std::vector<std::unique_ptr<pending>>, pending_later> _heap;
    uint64_t _order = 0;
    std::vector<int64_t> _card_last_ms;        // last normal use (or end of a scenario's quiet period)
    std::vector<uint8_t> _card_history;        // normal transactions so far, saturating at 255
    int64_t _next_normal_ms;
    // The part of the gaps drawn that whole-ms event times have not yet used: above a
    // few thousand transactions/s most gaps are under 1 ms, and rounding each one
    // alone would stop the clock.
    double _normal_carry_ms = 0;
    uint64_t _normal_left;
    uint64_t _emitted = 0;
    uint64_t _broken = 0;
    uint64_t _rrn = 0;
    uint32_t _stan = 0;
    std::array<uint64_t, scenario_count> _planned{};
};

}  // namespace txscreen::txgen
