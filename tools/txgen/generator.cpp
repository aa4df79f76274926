#include "tools/txgen/generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "common/currency.h"
#include "tools/txgen/break_injector.h"
#include "tools/txgen/spike_injector.h"

namespace txscreen::txgen {

namespace {

constexpr int64_t minute_ms = 60'000;
// A card's normal transactions are at least this far apart, so that normal traffic
// does not look like rapid repeats or a card-testing burst.
constexpr int64_t normal_min_gap_ms = 10 * minute_ms;
constexpr double far_km = 3000.0;  // impossible travel: at least this far
// After a scenario the victim card has no normal traffic for this long (the issuer
// would have blocked it), so alerts that the scenario's state causes later land on
// labelled transactions, not on normal ones.
// Impossible travel waits a day: the card "coming home" from the far city sooner would
// itself be an impossible trip.
constexpr int64_t scenario_quiet_ms = 2 * 60 * minute_ms;
constexpr int64_t travel_quiet_ms = 24 * 60 * minute_ms;

struct size_range {
    uint32_t lo, hi;
};
// Transactions per scenario instance (index = scenario); trimming to the planned
// fraud count never goes below lo.
constexpr size_range scenario_sizes[scenario_count] = {
    {0, 0},   // normal
    {6, 15},  // card_testing (>= 3 when trimmed)
    {2, 2},   // impossible_travel
    {3, 6},   // amount_velocity
    {1, 3},   // account_takeover
    {1, 2},   // blocklisted_merchant
    {1, 1},   // high_amount
    {2, 2},   // duplicate: the original and its copy
};
constexpr uint32_t min_trimmed(scenario s) { return s == scenario::card_testing ? 3 : scenario_sizes[static_cast<int>(s)].lo; }

// Zero-padded decimal (hand-rolled: snprintf showed up in profiles at 1M txns).
std::string digits_padded(uint64_t v, int width) {
    std::string s(static_cast<std::size_t>(width), '0');
    for (int i = width - 1; i >= 0 && v; --i, v /= 10) s[static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
    return s;
}

double round4(double x) { return std::round(x * 1e4) / 1e4; }

}  // namespace

bool parse_scenario(std::string_view name, scenario& out) noexcept {
    for (std::size_t i = 0; i < scenario_count; ++i)
        if (scenario_names[i] == name) {
            out = static_cast<scenario>(i);
            return true;
        }
    return false;
}

std::string format_scenario_id(uint32_t id) {
    if (id == 0) return {};
    std::string s = digits_padded(id, 6);
    s.insert(s.begin(), 'S');
    return s;
}

std::string format_label_id(scenario label, uint32_t id) {
    if (label != scenario::spike) return format_scenario_id(id);
    std::string s = digits_padded(id, 6);
    s.insert(s.begin(), 'P');
    return s;
}

std::string validate(const generator_config& c) {
    if (c.count == 0) return "count must be at least 1";
    if (c.count > 10'000'000'000ull) return "count must be at most 10000000000";
    if (!(c.event_rate > 0) || c.event_rate > 1e7) return "event rate must be in (0, 10000000] transactions/s";
    if (!(c.fraud_rate >= 0) || c.fraud_rate > 0.5) return "fraud rate must be in [0, 0.5]";
    if (c.start_ms < 0) return "start time must be at or after 1970-01-01";
    for (const spike_spec& sp : c.spikes)
        if (!(sp.factor >= 1) || sp.for_ms <= 0 || sp.at_ms < 0 || sp.key.empty())
            return "spike " + spike_key_text(sp) + ": needs x >= 1, at >= 0, for > 0";
    for (const break_spec& b : c.breaks)
        if (b.from_ms < 0 || b.for_ms <= 0) return "break " + break_field_text(b) + ": needs from >= 0, for > 0";
    return {};
}

generator::generator(const generator_config& config)
    : _config(config), _normal_rng(rng::derive(config.seed, 2)), _scenario_rng(rng::derive(config.seed, 3)) {
    if (std::string e = validate(config); !e.empty()) throw std::invalid_argument("txgen: " + e);
    if (_config.cards == 0)
        _config.cards = static_cast<uint32_t>(std::clamp<uint64_t>(_config.count / 5, 1000, 200000));
    if (_config.merchants == 0) _config.merchants = std::clamp<uint32_t>(_config.cards / 10, 500, 20000);
    _pop = std::make_unique<population>(_config.seed, _config.cards, _config.merchants, _config.local_currencies);
    _card_last_ms.assign(_pop->cards().size(), std::numeric_limits<int64_t>::min() / 2);
    _card_history.assign(_pop->cards().size(), 0);
    plan_scenarios();
    _spikes = std::make_unique<spike_injector>(_config.spikes, *_pop, _config.event_rate, _config.start_ms,
                                               rng::derive(_config.seed, 4));
    _planned[static_cast<std::size_t>(scenario::spike)] = _spikes->planned();
    _breaks = std::make_unique<break_injector>(_config.breaks, _config.start_ms);
    _next_normal_ms = _config.start_ms;
}

generator::~generator() = default;

double diurnal_rate_factor(int64_t t_ms) noexcept {
    // Diurnal shape over UTC hour of event time: peak 16:00, trough 04:00, mean 1.
    const double hour = static_cast<double>(t_ms % 86'400'000) / 3'600'000.0;
    return 1.0 + 0.6 * std::sin(6.283185307179586 * (hour - 10.0) / 24.0);
}

void generator::plan_scenarios() {
    rng& r = _scenario_rng;
    uint64_t fraud = static_cast<uint64_t>(std::llround(static_cast<double>(_config.count) * _config.fraud_rate));
    uint64_t left = fraud;
    std::vector<scenario> kinds;
    for (std::size_t i = 1; i < scenario_count; ++i)
        if (_config.enabled[i] && is_fraud_scenario(static_cast<scenario>(i))) kinds.push_back(static_cast<scenario>(i));
    const double span_ms = static_cast<double>(_config.count - fraud) / _config.event_rate * 1000.0;
    std::vector<scenario> fits;
    while (left > 0) {
        fits.clear();
        for (scenario s : kinds)
            if (min_trimmed(s) <= left) fits.push_back(s);
        if (fits.empty()) break;  // what cannot form an instance stays normal traffic
        const scenario s = fits[r.below(fits.size())];
        const size_range sz = scenario_sizes[static_cast<int>(s)];
        uint32_t n = static_cast<uint32_t>(r.between(sz.lo, sz.hi));
        if (n > left) n = static_cast<uint32_t>(left);
        int64_t start = _config.start_ms + static_cast<int64_t>(r.uniform() * span_ms);
        // A takeover hijacks an account in use: not before the cards have some history
        // (the first hour of event time, or the first quarter of a shorter feed).
        if (s == scenario::account_takeover)
            start = std::max(start, _config.start_ms + static_cast<int64_t>(std::min(3.6e6, span_ms / 4)));
        _instances.push_back({start, s, n, 0});
        _planned[static_cast<int>(s)] += n;
        left -= n;
    }
    std::stable_sort(_instances.begin(), _instances.end(),
                     [](const instance& a, const instance& b) { return a.start_ms < b.start_ms; });
    uint32_t id = 0;
    for (instance& in : _instances) in.id = ++id;
    _normal_left = _config.count - (fraud - left);
    _planned[0] = _normal_left;
}

void generator::assign_ids(clear_txn& t) {
    t.rrn = digits_padded(++_rrn, 12);
    t.txn_id = t.rrn;
    _stan = _stan % 999999 + 1;  // 000001..999999, then wraps
    t.stan = digits_padded(_stan, 6);
}

void generator::fill_at(rng& r, uint32_t card_ix, uint32_t merchant_ix, const std::string& chan, int64_t usd_cents,
                        int64_t t_ms, generated_txn& out) {
    const card_profile& c = _pop->cards()[card_ix];
    const merchant_profile& m = _pop->merchants()[merchant_ix];
    const city_info& city = *_pop->cities()[m.city].info;
    clear_txn& t = out.txn;
    out.card_index = card_ix;
    t.event_time_ms = t_ms;
    t.pan = c.pan;
    t.card_id.clear();
    t.account_id.clear();
    t.currency.assign(m.currency);
    const currency_info* cur = currency_by_alpha(m.currency);
    double scale = 1.0;
    for (int i = 0, e = cur ? cur->exponent : 2; i < e; ++i) scale *= 10.0;
    t.amount_minor = std::max<int64_t>(1, std::llround(static_cast<double>(usd_cents) / 100.0 * m.per_usd * scale));
    t.merchant_id = m.merchant_id;
    t.merchant_name = m.name;
    t.city = city.name;
    t.region.clear();
    t.country = city.country;
    t.channel = chan;
    const bool atm = chan == "atm", ecom = chan == "ecom";
    t.mcc = atm ? 6011 : m.mcc;
    t.processing_code = atm ? "010000" : "000000";
    if (ecom) {
        t.lat = t.lon = std::nan("");
        t.device_id = c.devices[c.device_count > 1 ? r.below(c.device_count) : 0];
        t.ip = c.ip;
        t.email = c.email;
    } else {
        // Card present: the merchant's city with a few km of jitter.
        t.lat = round4(city.lat + r.uniform(-0.03, 0.03));
        t.lon = round4(city.lon + r.uniform(-0.03, 0.03));
        t.device_id.clear();
        t.ip.clear();
        t.email.clear();
    }
    t.mti = 200;
    t.terminal_id = population::terminal_id(m, static_cast<unsigned>(r.below(m.terminal_count)));
    t.acquirer_id = m.acquirer_id;
    t.pos_entry_mode.clear();
    t.pos_condition.clear();
    t.auth_code.clear();
    t.response_code.clear();
    t.expiry_yymm = c.expiry_yymm;
    t.track2.clear();
    t.pin_block.clear();
    t.icc.clear();
}

void generator::fill_normal(uint32_t card_ix, int64_t t_ms, generated_txn& out) {
    rng& r = _normal_rng;
    const card_profile& c = _pop->cards()[card_ix];
    const city_entry& home = _pop->cities()[c.home_city];
    static const std::string pos = "pos", ecom = "ecom", atm = "atm";
    const double u = r.uniform();
    if (u < 0.03) {
        fill_at(r, card_ix, home.atm, atm, r.between(1, 15) * 2000, t_ms, out);
        return;
    }
    const double typical = static_cast<double>(c.typical_usd_cents);
    const double cap = std::min(5.0 * typical, 250000.0);
    const int64_t usd = static_cast<int64_t>(std::clamp(typical * std::exp(0.5 * r.normal()), 250.0, cap));
    if (u < 0.03 + c.ecom_share) {
        const auto online = _pop->online_merchants();
        fill_at(r, card_ix, online[r.below(online.size())], ecom, usd, t_ms, out);
    } else {
        fill_at(r, card_ix, home.merchants[r.below(home.merchants.size())], pos, usd, t_ms, out);
    }
}

uint32_t generator::far_merchant(uint32_t home_city) {
    rng& r = _scenario_rng;
    const auto cities = _pop->cities();
    const city_info& h = *cities[home_city].info;
    uint32_t best = home_city;
    double best_km = -1;
    for (int tries = 0; tries < 64; ++tries) {
        const uint32_t c = static_cast<uint32_t>(r.below(cities.size()));
        const double km = great_circle_km(h.lat, h.lon, cities[c].info->lat, cities[c].info->lon);
        if (km > best_km) {
            best_km = km;
            best = c;
        }
        if (km >= far_km) break;
    }
    const auto& ms = cities[best].merchants;
    return ms[r.below(ms.size())];
}

void generator::push(int64_t emit_ms, generated_txn&& g, bool is_copy) {
    auto p = std::make_unique<pending>();
    p->emit_ms = emit_ms;
    p->order = _order++;
    p->is_copy = is_copy;
    p->g = std::move(g);
    _heap.push(std::move(p));
}

void generator::materialize(const instance& in) {
    rng& r = _scenario_rng;
    const auto cards = _pop->cards();
    uint32_t card_ix = static_cast<uint32_t>(r.below(cards.size()));
    // An account takeover is "new" device/e-mail only against a history: prefer a card
    // with a few normal transactions already.
    // (the one with the most history of 64 draws when none has 3 yet).
    for (int tries = 0; in.kind == scenario::account_takeover && tries < 64 && _card_history[card_ix] < 3; ++tries) {
        const uint32_t other = static_cast<uint32_t>(r.below(cards.size()));
        if (_card_history[other] > _card_history[card_ix]) card_ix = other;
    }
    const card_profile& c = cards[card_ix];
    const city_entry& home = _pop->cities()[c.home_city];
    static const std::string pos = "pos", ecom = "ecom";
    int64_t t = in.start_ms;
    auto emit = [&](generated_txn& g) {
        g.label = in.kind;
        g.scenario_id = in.id;
        push(g.txn.event_time_ms, std::move(g), false);
    };
    auto home_store = [&] { return home.merchants[r.below(home.merchants.size())]; };

    switch (in.kind) {
    case scenario::card_testing: {
        // A stolen card checked with tiny ecom amounts at distinct merchants from the
        // fraudster's own device and IP, seconds apart.
        const std::string device = random_device(r), ip = random_ip(r);
        auto online = _pop->online_usd_merchants();
        std::vector<uint32_t> pool(online.begin(), online.end());
        for (uint32_t i = 0; i < in.size; ++i) {
            if (pool.empty()) pool.assign(online.begin(), online.end());
            const std::size_t k = r.below(pool.size());
            const uint32_t m = pool[k];
            pool[k] = pool.back();
            pool.pop_back();
            generated_txn g;
            fill_at(r, card_ix, m, ecom, r.between(50, 200), t, g);
            g.txn.device_id = device;
            g.txn.ip = ip;
            g.txn.email.clear();
            emit(g);
            t += r.between(3, 25) * 1000;
        }
        break;
    }
    case scenario::impossible_travel: {
        generated_txn a;
        fill_at(r, card_ix, home_store(), pos, r.between(1500, 15000), t, a);
        emit(a);
        generated_txn b;
        t += r.between(10, 55) * minute_ms;
        fill_at(r, card_ix, far_merchant(c.home_city), pos, r.between(2000, 30000), t, b);
        emit(b);
        break;
    }
    case scenario::amount_velocity: {
        // Large tickets whose sum passes USD 5,000 within minutes, each below the
        // single-transaction high-amount limit.
        const int64_t lo = std::max<int64_t>(60000, 520000 / in.size + 1);
        for (uint32_t i = 0; i < in.size; ++i) {
            generated_txn g;
            fill_at(r, card_ix, home_store(), pos, r.between(lo, 290000), t, g);
            emit(g);
            t += r.between(30, 240) * 1000;
        }
        break;
    }
    case scenario::account_takeover: {
        const std::string device = random_device(r), ip = random_ip(r);
        const std::string email = "acct" + std::to_string(r.below(1000000)) + "@takeover.example";
        const auto online = _pop->online_merchants();
        for (uint32_t i = 0; i < in.size; ++i) {
            generated_txn g;
            fill_at(r, card_ix, online[r.below(online.size())], ecom, r.between(120000, 290000), t, g);
            g.txn.device_id = device;
            g.txn.ip = ip;
            g.txn.email = email;
            emit(g);
            t += r.between(60, 300) * 1000;
        }
        break;
    }
    case scenario::blocklisted_merchant: {
        const auto bl = _pop->blocklisted_merchants();
        for (uint32_t i = 0; i < in.size; ++i) {
            generated_txn g;
            fill_at(r, card_ix, bl[r.below(bl.size())], ecom, r.between(4000, 90000), t, g);
            emit(g);
            t += r.between(5, 30) * minute_ms;
        }
        break;
    }
    case scenario::high_amount: {
        const double base = std::max(500000.0, 10.0 * static_cast<double>(c.typical_usd_cents));
        const int64_t usd = static_cast<int64_t>(base * r.uniform(1.0, 2.5));
        generated_txn g;
        if (r.chance(0.6)) {
            fill_at(r, card_ix, home_store(), pos, usd, t, g);
        } else {
            const auto online = _pop->online_merchants();
            fill_at(r, card_ix, online[r.below(online.size())], ecom, usd, t, g);
        }
        emit(g);
        break;
    }
    case scenario::duplicate: {
        // The original looks normal; its copy is pushed when the original is emitted.
        generated_txn g;
        fill_at(r, card_ix, home_store(), pos, std::max<int64_t>(250, c.typical_usd_cents), t, g);
        emit(g);
        break;
    }
    case scenario::normal:
    case scenario::spike:
        break;
    }
    const int64_t quiet = in.kind == scenario::impossible_travel ? travel_quiet_ms : scenario_quiet_ms;
    _card_last_ms[card_ix] = std::max(_card_last_ms[card_ix], t + quiet - normal_min_gap_ms);
}

void generator::materialize_spike() {
    static const std::string pos = "pos", ecom = "ecom", atm = "atm";
    std::vector<spike_draw> draws;
    _spikes->take(draws);
    for (spike_draw& d : draws) {
        const merchant_profile& m = _pop->merchants()[d.merchant];
        const bool is_atm = _pop->cities()[m.city].atm == d.merchant;
        generated_txn g;
        fill_at(_spikes->random(), d.card, d.merchant, m.online ? ecom : is_atm ? atm : pos, d.usd_cents, d.t_ms, g);
        if (m.online && !d.device.empty()) {
            g.txn.device_id = d.device;
            g.txn.ip = d.ip;
            g.txn.email.clear();
        }
        g.label = scenario::spike;
        g.scenario_id = d.spike_id;
        push(d.t_ms, std::move(g), false);
    }
}

bool generator::next(generated_txn& out) {
    if (_emitted >= total()) return false;
    const int64_t tn = _normal_left > 0 ? _next_normal_ms : std::numeric_limits<int64_t>::max();
    while (_next_instance < _instances.size() && _instances[_next_instance].start_ms <= tn)
        materialize(_instances[_next_instance++]);
    while (_spikes->due(tn)) materialize_spike();

    if (!_heap.empty() && _heap.top()->emit_ms <= tn) {
        // priority_queue::top is const; the element is popped right after the move.
        std::unique_ptr<pending> p = std::move(const_cast<std::unique_ptr<pending>&>(_heap.top()));
        _heap.pop();
        if (!p->is_copy) assign_ids(p->g.txn);
        if (p->g.label == scenario::duplicate && !p->is_copy) {
            generated_txn copy = p->g;
            push(p->g.txn.event_time_ms + _scenario_rng.between(1000, 60000), std::move(copy), true);
        }
        out = std::move(p->g);
    } else if (_normal_left > 0) {
        rng& r = _normal_rng;
        const auto n_cards = static_cast<uint32_t>(_card_last_ms.size());
        uint32_t card = 0;
        for (int tries = 0; tries < 8; ++tries) {
            card = static_cast<uint32_t>(r.below(n_cards));
            if (_card_last_ms[card] + normal_min_gap_ms <= tn) break;
        }
        _card_last_ms[card] = std::max(_card_last_ms[card], tn);
        if (_card_history[card] < 255) ++_card_history[card];
        fill_normal(card, tn, out);
        out.label = scenario::normal;
        out.scenario_id = 0;
        assign_ids(out.txn);
        --_normal_left;
        const double dt = r.exponential() / (_config.event_rate * diurnal_rate_factor(tn)) * 1000.0;
        const double due_ms = dt + _normal_carry_ms;
        const auto whole_ms = static_cast<int64_t>(due_ms);  // due_ms >= 0: truncation is floor
        _normal_carry_ms = due_ms - static_cast<double>(whole_ms);
        _next_normal_ms = tn + whole_ms;
    } else {
        return false;  // unreachable while the plan's counts add up
    }
    // After everything is drawn, so a break changes no other value of the feed.
    _broken += _breaks->apply(out.txn);
    ++_emitted;
    return true;
}

}  // namespace txscreen::txgen
