#include "tools/txgen/spike_injector.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "tools/txgen/generator.h"

namespace txscreen::txgen {

namespace {

// Normal traffic's mix (generator.cpp fill_normal): 3 % ATM, the card's e-commerce
// share online, the rest at a store of the home city.
constexpr double atm_share = 0.03;
// Share of a spike's units that are card-testing bursts: with 3-6 transactions each,
// bursts carry about half of the extra volume.
constexpr double burst_unit_share = 1.0 / 5.5;
constexpr double mean_unit_size = (1 - burst_unit_share) + burst_unit_share * 4.5;

std::string key_of(const population& pop, spike_spec::key_kind kind, uint32_t merchant) {
    const merchant_profile& m = pop.merchants()[merchant];
    switch (kind) {
        case spike_spec::key_kind::mcc: {
            std::string k = std::to_string(m.mcc);
            return std::string(4 - std::min<std::size_t>(4, k.size()), '0') + k;
        }
        case spike_spec::key_kind::merchant: return m.merchant_id;
        case spike_spec::key_kind::country: return std::string(pop.cities()[m.city].info->country);
    }
    return {};
}

double fraction_matching(const std::vector<bool>& matches, std::span<const uint32_t> merchants) {
    if (merchants.empty()) return 0;
    std::size_t n = 0;
    for (uint32_t m : merchants) n += matches[m];
    return static_cast<double>(n) / static_cast<double>(merchants.size());
}

}  // namespace

spike_injector::spike_injector(const std::vector<spike_spec>& specs, const population& pop, double event_rate,
                               int64_t start_ms, uint64_t seed)
    : _pop(pop), _rng(seed) {
    if (!specs.empty()) {
        _cards_by_city.resize(pop.cities().size());
        for (uint32_t c = 0; c < pop.cards().size(); ++c) _cards_by_city[pop.cards()[c].home_city].push_back(c);
    }
    for (uint32_t i = 0; i < specs.size(); ++i) {
        _keys.push_back(match(specs[i]));
        plan(specs[i], i, event_rate, start_ms);
    }
    std::stable_sort(_units.begin(), _units.end(), [](const unit& a, const unit& b) { return a.start_ms < b.start_ms; });
}

spike_injector::key_traffic spike_injector::match(const spike_spec& s) const {
    const auto merchants = _pop.merchants();
    std::vector<bool> matches(merchants.size());
    key_traffic out;
    std::set<std::string> normal_keys;  // keys normal traffic can carry (not blocklisted merchants)
    for (uint32_t m = 0; m < merchants.size(); ++m) {
        const std::string k = key_of(_pop, s.kind, m);
        matches[m] = k == s.key;
        if (matches[m]) out.merchants.push_back(m);
        if (!merchants[m].blocklisted) normal_keys.insert(k);
    }
    if (out.merchants.empty())
        throw std::invalid_argument("txgen: --spike " + spike_key_text(s) + ": no merchant of the population has it" +
                                    (s.kind == spike_spec::key_kind::merchant ? " (ids are TXG + 12 digits)" : ""));
    // The expected share of normal traffic that matches: card by card, as fill_normal draws.
    const double online = fraction_matching(matches, _pop.online_merchants());
    std::vector<double> home(_pop.cities().size());
    for (std::size_t c = 0; c < home.size(); ++c) home[c] = fraction_matching(matches, _pop.cities()[c].merchants);
    double sum = 0;
    for (const card_profile& c : _pop.cards()) {
        const double ecom = c.ecom_share;
        sum += atm_share * matches[_pop.cities()[c.home_city].atm] + ecom * online +
               (1 - atm_share - ecom) * home[c.home_city];
    }
    out.share = sum / static_cast<double>(_pop.cards().size());
    // A key normal traffic never carries (MCC 7995 is only on blocklisted merchants)
    // spikes from the mean share of a key of its dimension.
    if (out.share <= 0) out.share = 1.0 / static_cast<double>(std::max<std::size_t>(1, normal_keys.size()));
    return out;
}

void spike_injector::plan(const spike_spec& s, uint32_t index, double event_rate, int64_t start_ms) {
    const double extra_per_s = (s.factor - 1) * _keys[index].share * event_rate;
    if (extra_per_s <= 0) return;
    const int64_t end_ms = start_ms + s.at_ms + s.for_ms;
    double t = static_cast<double>(start_ms + s.at_ms);
    for (;;) {
        const double units_per_ms = extra_per_s * diurnal_rate_factor(static_cast<int64_t>(t)) / mean_unit_size / 1000.0;
        t += _rng.exponential() / units_per_ms;
        if (t >= static_cast<double>(end_ms)) break;
        const uint32_t size = _rng.chance(burst_unit_share) ? static_cast<uint32_t>(_rng.between(3, 6)) : 1;
        _units.push_back({static_cast<int64_t>(t), index, size});
        _planned += size;
    }
}

int64_t spike_injector::small_usd_cents(uint32_t merchant, int64_t local_cents) const {
    // Small in the merchant's own currency (card-testing limits are major units, no FX).
    return std::max<int64_t>(1, std::llround(static_cast<double>(local_cents) / _pop.merchants()[merchant].per_usd));
}

void spike_injector::take(std::vector<spike_draw>& out) {
    out.clear();
    if (_next >= _units.size()) return;
    const unit u = _units[_next++];
    const std::vector<uint32_t>& ms = _keys[u.spec].merchants;
    uint32_t card = static_cast<uint32_t>(_rng.below(_pop.cards().size()));
    if (u.size == 1) {
        const uint32_t m = ms[_rng.below(ms.size())];
        const std::vector<uint32_t>& locals = _cards_by_city[_pop.merchants()[m].city];
        if (!_pop.merchants()[m].online && !locals.empty()) card = locals[_rng.below(locals.size())];
        const int64_t typical = _pop.cards()[card].typical_usd_cents;
        const bool atm = _pop.cities()[_pop.merchants()[m].city].atm == m;
        const double cap = std::min(5.0 * static_cast<double>(typical), 250000.0);
        const int64_t usd = atm ? _rng.between(1, 15) * 2000
                                : static_cast<int64_t>(std::clamp(static_cast<double>(typical) * std::exp(0.5 * _rng.normal()), 250.0, cap));
        out.push_back({u.start_ms, card, m, usd, u.spec + 1, {}, {}});
        return;
    }
    // A card-testing burst: distinct merchants of the key while there are enough (the
    // same merchant and amount again otherwise: rapid repeats), one small amount.
    const std::string device = random_device(_rng), ip = random_ip(_rng);
    const int64_t local_cents = _rng.between(100, 400);
    std::vector<uint32_t> pool(ms.begin(), ms.end());
    int64_t t = u.start_ms;
    for (uint32_t i = 0; i < u.size; ++i) {
        if (pool.empty()) pool.assign(ms.begin(), ms.end());
        const std::size_t k = _rng.below(pool.size());
        const uint32_t m = pool[k];
        if (ms.size() >= u.size) {
            pool[k] = pool.back();
            pool.pop_back();
        }
        out.push_back({t, card, m, small_usd_cents(m, local_cents), u.spec + 1, device, ip});
        t += _rng.between(2, 8) * 1000;
    }
}

}  // namespace txscreen::txgen
