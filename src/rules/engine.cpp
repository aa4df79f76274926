// Hot path: score() runs once per transaction on its worker. No allocation, no locks,
// no exceptions; every table was sized at construction.
#include "rules/engine.h"

#include "screen/screen.h"
#include "geo/txn_location.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "geo/geo.h"

namespace txscreen {

namespace {

constexpr double pow10_table[] = {1, 10, 100, 1000, 10000, 100000, 1e6, 1e7, 1e8, 1e9};

inline double major_scale(uint8_t exponent) noexcept {
    return exponent < 10 ? pow10_table[exponent] : 100.0;
}

// Candidate reason before ranking.
struct fired_rule {
    uint16_t id;
    uint8_t weight;
    double value;
    double limit;
};

struct reason_list {
    fired_rule r[detector_count + max_user_rules];
    int n = 0;
    void add(int id, uint8_t weight, double value, double limit) noexcept {
        r[n++] = fired_rule{static_cast<uint16_t>(id), weight, value, limit};
    }
};

// Resolved location of a card-present transaction.
inline bool card_present(const Txn& t) noexcept {
    return t.chan == channel::pos || t.chan == channel::atm;
}

}  // namespace

struct engine::state {
    velocity_shard vel;
    state_table<repeat_entry> repeats;
    state_table<small_txn_entry> smalls;

    explicit state(const engine_config& c)
        : repeats(c.repeat_entries, max_window_ms), smalls(c.small_txn_entries, max_window_ms) {
        if (const char* err = vel.init(c.velocity, c.memory)) throw std::runtime_error(err);
    }
};

engine::engine(ruleset_store& rules, const engine_config& cfg)
    : _store(rules), _slot(rules.register_reader()), _track_all(cfg.track_unused_keys),
      _pstore(cfg.patterns), _worker(cfg.worker), _state(std::make_unique<state>(cfg)) {
    if (_slot < 0) throw std::runtime_error("rules: more engines than reader slots");
    if (_pstore) {
        if (_worker >= _pstore->workers())
            throw std::runtime_error("screening: engine worker " + std::to_string(_worker) +
                                     " has no scratch (pattern store sized for " +
                                     std::to_string(_pstore->workers()) + " workers)");
        _pslot = _pstore->register_reader();
        if (_pslot < 0) throw std::runtime_error("screening: more engines than reader slots");
    }
    quiescent();
}

engine::~engine() {
    if (_pstore) _pstore->unregister_reader(_pslot);
    _store.unregister_reader(_slot);
}

bool engine::quiescent() noexcept {
    bool changed = false;
    if (_pstore) {
        const pattern_db* p = _pstore->quiescent(_pslot);
        if (p != _patterns) {
            _patterns = p;
            ++_counters.pattern_swaps;
            changed = true;
        }
    }
    const ruleset* r = _store.quiescent(_slot);
    if (r == _rules) return changed;
    _rules = r;
    ++_counters.ruleset_swaps;
    unsigned mask = _track_all ? 0xFu : 1u;   // card: builtin detectors
    if (r)
        for (int i = 0; i < r->n_rules; ++i)
            if (r->rules[i].weight != 0) mask |= 1u << static_cast<unsigned>(r->rules[i].key);
    _key_mask = mask;
    return true;
}

std::size_t engine::state_bytes() const noexcept {
    return velocity_shard::bytes_needed(_state->vel.config()) + _state->repeats.bytes() +
           _state->smalls.bytes();
}
const velocity_shard& engine::velocity() const noexcept { return _state->vel; }
const state_table_stats& engine::repeat_stats() const noexcept { return _state->repeats.stats(); }
const state_table_stats& engine::small_txn_stats() const noexcept { return _state->smalls.stats(); }

struct engine::prepared {
    velocity_prepared vel;
    uint64_t card_key;       // small-txn table key
    uint64_t merchant_hash;  // merchant part of the repeat key and card-testing tag
    uint64_t repeat_key;
};

void engine::prepare(const Txn& t, prepared& p) const noexcept {
    _state->vel.prepare(t, p.vel, _key_mask);
    p.card_key = t.card_key() | 1;
    // velocity already fingerprinted the merchant id; reuse it rather than hash again.
    uint64_t m = 0x3e;
    if (!t.merchant_id.empty())   // fingerprinted whether or not its table is tracked
        std::memcpy(&m, p.vel.key[static_cast<int>(velocity_key::merchant)], sizeof m);
    p.merchant_hash = m;
    p.repeat_key = hash_bytes(&t.amount_minor, sizeof t.amount_minor, p.card_key ^ m) | 1;
    _state->repeats.prefetch(p.repeat_key);
    _state->smalls.prefetch(p.card_key);
}

void engine::score(const Txn& t, Verdict& out) noexcept {
    prepared p;
    prepare(t, p);
    _state->vel.prefetch_entries(p.vel);
    score_prepared(t, p, out, nullptr);
}

void engine::score_burst(const Txn* txns, std::size_t n, Verdict* out) noexcept {
    // Three-stage software pipeline: keys + tag-line prefetch `ahead` txns before
    // scoring, entry prefetch (tags have arrived by then) `ahead / 2` before.
    constexpr std::size_t ahead = 6, ring = 8;
    prepared p[ring];
    const std::size_t first = n < ahead ? n : ahead;
    for (std::size_t j = 0; j < first; ++j) prepare(txns[j], p[j % ring]);
    for (std::size_t j = 0; j < first && j < ahead / 2; ++j) _state->vel.prefetch_entries(p[j % ring].vel);
    // Screening runs a chunk at a time, field-major (screen_burst), so each field's
    // Hyperscan database stays cached across the chunk.
    constexpr std::size_t chunk = 16;
    screen_result screened[chunk];
    const pattern_db* db = _patterns;
    for (std::size_t i = 0; i < n; ++i) {
        if (db && i % chunk == 0) screen_burst(*db, _worker, txns + i, n - i < chunk ? n - i : chunk, screened);
        if (i + ahead < n) prepare(txns[i + ahead], p[(i + ahead) % ring]);
        if (i + ahead / 2 < n) _state->vel.prefetch_entries(p[(i + ahead / 2) % ring].vel);
        score_prepared(txns[i], p[i % ring], out[i], db ? &screened[i % chunk] : nullptr);
    }
}

void engine::score_prepared(const Txn& t, const prepared& prep, Verdict& out,
                            const screen_result* screened) noexcept {
    std::memcpy(static_cast<void*>(&out.txn), &t, sizeof t);
    out.ruleset_version = 0;
    out.patterns_version = 0;
    out.score = 0;
    out.dec = decision::allow;
    out.alert = false;
    out.duplicate = false;
    out.late = false;
    out.ahead = false;
    out.n_reasons = 0;
    out.n_patterns = 0;
    out.pattern_categories = 0;
    ++_counters.scored;

    const ruleset* rs = _rules;
    if (!rs) [[unlikely]] {
        ++_counters.no_ruleset;
        return;
    }
    out.ruleset_version = rs->version;
    const detector_settings& d = rs->det;
    auto on = [&](detector x) { return d.enable[static_cast<int>(x)]; };
    auto weight = [&](detector x) { return d.weight[static_cast<int>(x)]; };
    reason_list fired;
    const int64_t now = t.event_time_ms;
    const double scale = major_scale(t.currency_exponent);
    const double amount_major = static_cast<double>(t.amount_minor) / scale;

    // ---- velocity: dedup, then every key's windows (a duplicate is not counted again
    // and its entries are returned as they were, i.e. holding its first copy).
    const observe_result obs = _state->vel.observe(t, prep.vel);
    const bool duplicate = obs.status == observe_status::duplicate;
    const bool applied = obs.status == observe_status::applied;
    out.duplicate = duplicate;
    out.late = obs.status == observe_status::too_late;
    out.ahead = obs.status == observe_status::ahead;
    // Windows are measured at the event's own time, so for a late or forged-ahead event
    // they would describe another moment than the card's real history: skip them.
    const bool measured = !out.late && !out.ahead;
    if (out.ahead && on(detector::event_time_ahead))
        fired.add(static_cast<int>(detector::event_time_ahead), weight(detector::event_time_ahead),
                  static_cast<double>(t.event_time_ms - t.rx_clock_ms) / 1000.0,
                  static_cast<double>(_state->vel.config().max_future_skew_ms) / 1000.0);
    if (duplicate && on(detector::duplicate))
        fired.add(static_cast<int>(detector::duplicate), weight(detector::duplicate), 1,
                  static_cast<double>(_state->vel.config().dedup_window_ms) / 1000.0);
    const velocity_entry* card = obs.entry[static_cast<int>(velocity_key::card)];

    // ---- screening: one Hyperscan scan per text field with patterns (screen.h)
    if (const pattern_db* db = _patterns) {
        const screen_result sr = screened ? *screened : screen_txn(*db, _worker, t);
        ++_counters.screened;
        _counters.screen_errors += sr.error;
        apply_screen_result(sr, out);
        const uint16_t counted = sr.categories & d.pattern_categories;
        if (counted && on(detector::pattern_hit)) {
            // The matched patterns' summed weight (of the categories that count), capped
            // at the detector's weight.
            unsigned w = sr.weight;
            if (counted != sr.categories) {
                w = 0;
                for (int i = 0; i < sr.n_ids; ++i)
                    if (const pattern_def* pd = db->find(sr.ids[i]); pd && (category_bit(pd->category) & counted))
                        w += pd->weight;
            }
            const unsigned cap = weight(detector::pattern_hit);
            if (w > 0)
                fired.add(static_cast<int>(detector::pattern_hit), static_cast<uint8_t>(std::min(w, cap)), w, cap);
        }
    }

    // ---- stateless detectors
    if (on(detector::high_amount)) {
        int64_t limit = rs->high_amount_limit(t.currency, t.mcc, t.currency_exponent);
        if (limit > 0 && t.amount_minor > limit)
            fired.add(static_cast<int>(detector::high_amount), weight(detector::high_amount),
                      amount_major, static_cast<double>(limit) / scale);
    }
    if (on(detector::high_risk_mcc) && t.mcc != 0 && rs->is_high_risk_mcc(t.mcc))
        fired.add(static_cast<int>(detector::high_risk_mcc), weight(detector::high_risk_mcc), t.mcc, 0);

    // ---- card detectors (only for applied transactions: a duplicate, a too-late or an
    // ahead event must not add to repeats or card testing)
    const uint64_t card_key = prep.card_key;
    const uint64_t merchant_hash = prep.merchant_hash;
    if (applied) {
        if (on(detector::rapid_repeat)) {
            const uint64_t key = prep.repeat_key;
            bool created;
            repeat_entry& e = _state->repeats.find_or_insert(key, now, created);
            uint32_t same = 1;
            if (!created) {
                for (int64_t h : {e.last_time_ms, e.older_ms[0], e.older_ms[1]})
                    if (h != 0 && h <= now && now - h <= d.rapid_repeat_window_ms) ++same;
                e.older_ms[1] = e.older_ms[0];
                e.older_ms[0] = e.last_time_ms;
                e.last_time_ms = now;
            }
            if (same >= d.rapid_repeat_min_count)
                fired.add(static_cast<int>(detector::rapid_repeat), weight(detector::rapid_repeat), same,
                          d.rapid_repeat_min_count);
        }
        if (on(detector::card_testing)) {
            const int64_t small = std::llround(d.card_testing_max_amount_major * scale);
            if (t.amount_minor <= small) {
                bool created;
                small_txn_entry& e = _state->smalls.find_or_insert(card_key, now, created);
                const uint16_t m16 = static_cast<uint16_t>(merchant_hash);
                uint16_t merchants[small_txn_slots + 1];
                uint32_t n_small = 1, n_merchants = 1;
                merchants[0] = m16;
                for (int i = 0; i < small_txn_slots; ++i) {
                    int64_t h = e.time_ms[i];
                    if (h == 0 || h > now || now - h > d.card_testing_window_ms) continue;
                    ++n_small;
                    bool seen = false;
                    for (uint32_t j = 0; j < n_merchants; ++j) seen |= merchants[j] == e.merchant[i];
                    if (!seen) merchants[n_merchants++] = e.merchant[i];
                }
                e.time_ms[e.next] = now;
                e.merchant[e.next] = m16;
                e.next = (e.next + 1) % small_txn_slots;
                if (now > e.last_time_ms) e.last_time_ms = now;
                if (n_small >= d.card_testing_min_count && n_merchants >= d.card_testing_min_merchants)
                    fired.add(static_cast<int>(detector::card_testing), weight(detector::card_testing),
                              n_small, d.card_testing_min_count);
            }
        }

        // Card history before this txn: its events in the last 24 h (velocity has
        // already counted this one, hence the - 1).
        const uint32_t in_day = card ? velocity_count_within(*card, now, max_window_ms) : 0;
        const uint32_t history = in_day > 0 ? in_day - 1 : 0;
        const bool present = card_present(t);
        if (present && on(detector::impossible_travel) && obs.prior.last_cp.valid) {
            const velocity_location& prev = obs.prior.last_cp;
            double lat, lon;
            if (txn_location(t, lat, lon) && now >= prev.time_ms && now - prev.time_ms <= d.travel_max_gap_ms) {
                double km = great_circle_km(prev.lat, prev.lon, lat, lon);
                if (km >= d.travel_min_distance_km) {
                    // Gaps under a minute count as a minute: two acquirers' clocks (and
                    // velocity's second resolution) disagree by seconds.
                    double hours = static_cast<double>(std::max<int64_t>(now - prev.time_ms, 60'000)) / 3.6e6;
                    double kmh = km / hours;
                    if (kmh > d.travel_max_speed_kmh)
                        fired.add(static_cast<int>(detector::impossible_travel),
                                  weight(detector::impossible_travel), kmh, d.travel_max_speed_kmh);
                }
            }
        }
        if (on(detector::country_mismatch) && t.country[0] != 0 && obs.prior.last_country[0] != 0 &&
            history >= d.country_mismatch_min_history && (present || !d.country_mismatch_card_present_only) &&
            std::memcmp(obs.prior.last_country, t.country, 2) != 0) {
            const country_info* home = find_country(std::string_view(obs.prior.last_country, 2));
            const country_info* here = find_country(std::string_view(t.country, 2));
            double km = home && here ? great_circle_km(home->lat, home->lon, here->lat, here->lon) : 0;
            fired.add(static_cast<int>(detector::country_mismatch), weight(detector::country_mismatch), km, 0);
        }
        // A large payment from a device the card never used is the account-takeover
        // pattern: it needs only one earlier transaction of the card (the device is new
        // to an existing card), and its reason carries the amount and that threshold.
        const bool large = d.new_device_large_amount_major > 0 && amount_major >= d.new_device_large_amount_major;
        if (on(detector::new_device) && !t.device_id.empty() && !obs.prior.device_known &&
            (history >= d.new_device_min_history || (large && history >= 1)) &&
            (t.chan == channel::ecom || !d.new_device_ecom_only)) {
            if (large)
                fired.add(static_cast<int>(detector::new_device),
                          std::max(weight(detector::new_device), d.new_device_large_weight), amount_major,
                          d.new_device_large_amount_major);
            else
                fired.add(static_cast<int>(detector::new_device), weight(detector::new_device), history,
                          d.new_device_min_history);
        }
    }

    // ---- windowed metrics: card velocity detectors and user rules. For a duplicate the
    // entries hold its first copy, so it is measured, not counted twice.
    if (card && measured) {
        if (on(detector::count_velocity)) {
            double c = velocity_count_within(*card, now, d.count_velocity_window_ms);
            if (c > d.count_velocity_limit)
                fired.add(static_cast<int>(detector::count_velocity), weight(detector::count_velocity), c,
                          d.count_velocity_limit);
        }
        if (on(detector::amount_velocity)) {
            double sum = static_cast<double>(velocity_sum_within(*card, now, d.amount_velocity_window_ms)) / scale;
            if (sum > d.amount_velocity_limit_major)
                fired.add(static_cast<int>(detector::amount_velocity), weight(detector::amount_velocity), sum,
                          d.amount_velocity_limit_major);
        }
    }
    if (measured) {
        for (int i = 0; i < rs->n_rules; ++i) {
            const user_rule& r = rs->rules[i];
            const velocity_entry* e = obs.entry[static_cast<int>(r.key)];
            if (!e || r.weight == 0) continue;
            double v = static_cast<double>(
                velocity_metric_within(*e, static_cast<velocity_metric>(r.metric), now, r.window_ms));
            if (r.metric == rule_metric::sum_amount) v /= scale;
            if (rule_op_holds(r.op, v, r.limit)) fired.add(user_rule_base + i, r.weight, v, r.limit);
        }
    }

    // ---- score, decision, reasons (highest weight first, ties by rule id)
    unsigned total = 0;
    for (int i = 0; i < fired.n; ++i) {
        total += fired.r[i].weight;
        ++_counters.fired[fired.r[i].id];
    }
    std::sort(fired.r, fired.r + fired.n, [](const fired_rule& a, const fired_rule& b) {
        return a.weight != b.weight ? a.weight > b.weight : a.id < b.id;
    });
    int n = std::min(fired.n, max_verdict_reasons);
    for (int i = 0; i < n; ++i) {
        verdict_reason& vr = out.reasons[i];
        vr = verdict_reason{};
        vr.rule_id = fired.r[i].id;
        vr.weight = fired.r[i].weight;
        vr.value = fired.r[i].value;
        vr.limit = fired.r[i].limit;
    }
    out.n_reasons = static_cast<uint8_t>(n);
    out.score = static_cast<uint8_t>(std::min(total, 100u));
    const scoring_settings& s = rs->scoring;
    out.dec = out.score >= s.block ? decision::block : out.score >= s.review ? decision::review : decision::allow;
    out.alert = out.score >= s.alert;
    ++_counters.decisions[static_cast<int>(out.dec)];
    _counters.alerts += out.alert;
    _counters.duplicates += duplicate;
}

}  // namespace txscreen
