// What txgen --spike adds to a feed (spike_option.h parses the option): during each
// spike, extra transactions whose key (MCC, merchant or country) is forced, so that
// the key's traffic runs at x times its normal rate. Half of the extra volume is drawn
// like normal traffic (a merchant with the key, a random card, local for a store, a
// typical amount); the other half comes as card-testing bursts (a random card runs 3-6
// small payments a few seconds apart at the key's merchants, from a new device and IP
// when online), so the key's alert rate rises with its volume.
//
// Everything is planned at construction from its own random stream, so a feed with
// spikes holds exactly the transactions of the same feed without them, plus the spike's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/txgen/population.h"
#include "tools/txgen/rng.h"
#include "tools/txgen/spike_option.h"

namespace txscreen::txgen {

// One extra transaction to build (the generator fills it like its own).
struct spike_draw {
    int64_t t_ms;
    uint32_t card;
    uint32_t merchant;
    int64_t usd_cents;
    uint32_t spike_id;          // 1-based index of the --spike it belongs to
    std::string device, ip;     // a burst's fresh device and IP; empty: the card's own
};

class spike_injector {
public:
    // Throws std::invalid_argument naming the spike when no merchant of the population
    // matches its key.
    spike_injector(const std::vector<spike_spec>& specs, const population& pop, double event_rate,
                   int64_t start_ms, uint64_t seed);

    uint64_t planned() const noexcept { return _planned; }
    // True when a unit (a single or a burst) starting at or before `t_ms` is left.
    bool due(int64_t t_ms) const noexcept { return _next < _units.size() && _units[_next].start_ms <= t_ms; }
    // Draws the next unit's transactions (in event-time order) into `out`.
    void take(std::vector<spike_draw>& out);
    rng& random() noexcept { return _rng; }

private:
    struct key_traffic {
        std::vector<uint32_t> merchants;  // the population's merchants matching the key
        double share = 0;                 // of normal traffic that matches (or the fallback)
    };
    struct unit {
        int64_t start_ms;
        uint32_t spec;   // index into _keys / specs
        uint32_t size;   // 1: drawn like normal traffic; 3-6: a card-testing burst
    };
    key_traffic match(const spike_spec& s) const;
    void plan(const spike_spec& s, uint32_t index, double event_rate, int64_t start_ms);
    int64_t small_usd_cents(uint32_t merchant, int64_t local_cents) const;

    const population& _pop;
    rng _rng;
    std::vector<key_traffic> _keys;
    // Cards by home city: a spike's card-present payment comes from a local card, as
    // normal traffic does (a random card would look like impossible travel).
    std::vector<std::vector<uint32_t>> _cards_by_city;
    std::vector<unit> _units;  // by start time
    std::size_t _next = 0;
    uint64_t _planned = 0;
};

}  // namespace txscreen::txgen
