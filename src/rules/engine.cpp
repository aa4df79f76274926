// Hot path: score() runs once per transaction on its worker. No allocation, no locks,
// no exceptions; every table was sized at construction.
#include "rules/engine.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "common/response_code.h"
#include "model/xgb_model.h"
#include "rules/detectors/table.h"
#include "rules/features.h"
#include "screen/screen.h"
#include "screen/screen_cache.h"

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

// The verdict before any stage: the txn, nothing fired, allow.
inline void clear_verdict(const Txn& t, Verdict& out) noexcept {
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
    out.features_version = 0;
}

// An unscored verdict (outcome, no ruleset) carries no features; zeroed so that equal
// inputs give equal bytes.
inline void no_features(Verdict& out) noexcept {
    std::memset(out.features, 0, sizeof out.features);
}

// One Hyperscan scan per text field with patterns (screen.h), unless the burst already
// screened `t`; the matches go into the verdict whether or not pattern_hit counts them.
inline const screen_result* screen_stage(const pattern_db& db, unsigned worker, screen_cache& cache, const Txn& t,
                                         const screen_result* screened, screen_result& own_scan, Verdict& out,
                                         engine_counters& counters) noexcept {
    if (!screened) {
        own_scan = screen_txn(db, worker, t, &cache);
        screened = &own_scan;
    }
    ++counters.screened;
    counters.screen_errors += screened->error;
    apply_screen_result(*screened, out);
    return screened;
}

// What the detectors read about `t`, once velocity has observed it.
inline detector_input detector_input_of(const Txn& t, const observe_result& obs,
                                        const velocity_config& vel, const screen_result* screen,
                                        const pattern_db* patterns, const detector_keys& keys,
                                        const detector_settings& det) noexcept {
    const int64_t now = t.event_time_ms;
    const double scale = major_scale(t.currency_exponent);
    const bool applied = obs.status == observe_status::applied;
    const velocity_entry* card = obs.entry[static_cast<int>(velocity_key::card)];
    // Card history before this txn: its events in the last 24 h (velocity has already
    // counted this one, hence the - 1).
    const uint32_t in_day = applied && card ? velocity_count_within(*card, now, max_window_ms) : 0;
    // Windows are measured at the event's own time, so for a late or forged-ahead event
    // they would describe another moment than the card's real history: skip them.
    const bool measured = obs.status != observe_status::too_late && obs.status != observe_status::ahead;
    return detector_input{.txn = t,
                          .velocity = vel,
                          .obs = obs,
                          .card = card,
                          .screen = screen,
                          .patterns = patterns,
                          .keys = keys,
                          .now_ms = now,
                          .scale = scale,
                          .amount_major = static_cast<double>(t.amount_minor) / scale,
                          .history = in_day > 0 ? in_day - 1 : 0,
                          .applied = applied,
                          .measured = measured,
                          .settings = &det};
}

// Detector D (rule id `id`), when the ruleset enables it. The row is a template
// argument so the call is direct and the compiler may inline the detector; it reads
// its own settings (a base of detector_settings, no copy).
template <class D, std::size_t id>
inline void run_detector(const detector_input& in, const detector_settings& det, detector_state& st,
                         reason_list& fired) noexcept {
    if (!det.enable[id]) return;
    detector_hit hit;
    hit.configured = &det.weight[id];
    if (!D::evaluate(in, det, st, hit)) return;
    fired.add(static_cast<int>(id), hit.weight < 0 ? det.weight[id] : static_cast<uint8_t>(hit.weight), hit.value,
              hit.limit);
}

// Runs every detector of the table (rules/detectors/table.h) in rule-id order.
template <std::size_t... id>
inline void run_detectors(const detector_input& in, const detector_settings& det, detector_state& st,
                          reason_list& fired, std::index_sequence<id...>) noexcept {
    (run_detector<detector_type<id>, id>(in, det, st, fired), ...);
}

// User rules compare their key's window at the event's time. For a duplicate the
// entries hold its first copy, so it is measured, not counted twice.
inline void run_user_rules(const ruleset& rs, const detector_input& in, reason_list& fired) noexcept {
    for (int i = 0; i < rs.n_rules; ++i) {
        const user_rule& r = rs.rules[i];
        const velocity_entry* e = in.obs.entry[static_cast<int>(r.key)];
        if (!e || r.weight == 0) continue;
        double v = static_cast<double>(
            velocity_metric_within(*e, static_cast<velocity_metric>(r.metric), in.now_ms, r.window_ms));
        if (r.metric == rule_metric::sum_amount) v /= in.scale;
        if (rule_op_holds(r.op, v, r.limit)) fired.add(user_rule_base + i, r.weight, v, r.limit);
    }
}

// Score (capped weighted sum), decision, alert and reasons (highest weight first, ties
// by rule id); counts every fired rule.
inline void decide(const ruleset& rs, reason_list& fired, Verdict& out, engine_counters& counters) noexcept {
    unsigned total = 0;
    for (int i = 0; i < fired.n; ++i) {
        total += fired.r[i].weight;
        ++counters.fired[fired.r[i].id];
    }
    std::sort(fired.r, fired.r + fired.n, [](const fired_rule& a, const fired_rule& b) {
        return a.weight != b.weight ? a.weight > b.weight : a.id < b.id;
    });
    const int n = std::min(fired.n, max_verdict_reasons);
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
    const scoring_settings& s = rs.scoring;
    out.dec = out.score >= s.block ? decision::block : out.score >= s.review ? decision::review : decision::allow;
    out.alert = out.score >= s.alert;
    ++counters.decisions[static_cast<int>(out.dec)];
    counters.alerts += out.alert;
}

// Scored txns waiting for the burst's model step, then decide(): their fired reasons,
// their feature rows (contiguous, as predict_burst reads them) and where their verdicts
// go. At most `capacity` wait; score_burst decides them a chunk at a time.
struct decide_queue {
    static constexpr std::size_t capacity = 32;
    alignas(64) float rows[capacity][feature_count];
    float probability[capacity];
    reason_list fired[capacity];
    Verdict* out[capacity];
    std::size_t n = 0;
};

// The model step of `q` (when the ruleset has a model and its detector is on): one
// predict_burst over the rows, the model's reason where it fires.
inline void model_step(const ruleset& rs, decide_queue& q) noexcept {
    constexpr std::size_t id = static_cast<std::size_t>(detector::model);
    if (!rs.model || !rs.det.enable[id]) return;
    rs.model->predict_burst(&q.rows[0][0], q.n, q.probability);
    for (std::size_t i = 0; i < q.n; ++i) {
        detector_hit hit;
        hit.configured = &rs.det.weight[id];
        if (!model_detector::judge(q.probability[i], rs.det, hit)) continue;
        q.fired[i].add(static_cast<int>(id), hit.weight < 0 ? rs.det.weight[id] : static_cast<uint8_t>(hit.weight),
                       hit.value, hit.limit);
    }
}

// score_prepared leaves each scored txn waiting (features, fired reasons); this runs
// the model once for them and decides their verdicts. Only scored txns wait, and only
// with a ruleset: `rs` is the one that scored them (it changes only in quiescent()).
inline void decide_waiting(decide_queue& q, const ruleset* rs, engine_counters& counters) noexcept {
    if (q.n == 0) return;
    model_step(*rs, q);
    for (std::size_t i = 0; i < q.n; ++i) decide(*rs, q.fired[i], *q.out[i], counters);
    q.n = 0;
}

}  // namespace

struct engine::state {
    velocity_shard vel;
    detector_state detectors;
    decide_queue waiting;
    screen_cache scans;   // this worker's memo of field scans (none without screening)

    explicit state(const engine_config& c)
        : detectors{{c.repeat_entries, max_window_ms}, {c.small_txn_entries, max_window_ms}},
          scans(c.patterns ? c.screen_cache_entries : 0, c.memory.alloc, c.memory.release, c.memory.ctx) {
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
            _state->scans.new_generation();
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
    return velocity_shard::bytes_needed(_state->vel.config()) + _state->detectors.repeats.bytes() +
           _state->detectors.smalls.bytes() + _state->scans.bytes();
}
const velocity_shard& engine::velocity() const noexcept { return _state->vel; }
const state_table_stats& engine::repeat_stats() const noexcept { return _state->detectors.repeats.stats(); }
const state_table_stats& engine::small_txn_stats() const noexcept { return _state->detectors.smalls.stats(); }

struct engine::prepared {
    velocity_prepared vel;
    detector_keys keys;
};

void engine::prepare(const Txn& t, prepared& p) const noexcept {
    // An outcome reads only its card's entry (observe_decline).
    _state->vel.prepare(t, p.vel, t.kind == txn_kind::request ? _key_mask : 1u);
    detector_keys& k = p.keys;
    k.card_key = t.card_key() | 1;
    // velocity already fingerprinted the merchant id; reuse it rather than hash again.
    uint64_t m = 0x3e;
    if (!t.merchant_id.empty())   // fingerprinted whether or not its table is tracked
        std::memcpy(&m, p.vel.key[static_cast<int>(velocity_key::merchant)], sizeof m);
    k.merchant_hash = m;
    k.repeat_key = hash_bytes(&t.amount_minor, sizeof t.amount_minor, k.card_key ^ m) | 1;
    _state->detectors.repeats.prefetch(k.repeat_key);
    _state->detectors.smalls.prefetch(k.card_key);
}

void engine::score(const Txn& t, Verdict& out) noexcept {
    prepared p;
    prepare(t, p);
    _state->vel.prefetch_entries(p.vel);
    score_prepared(t, p, out, nullptr);
    decide_waiting(_state->waiting, _rules, _counters);
    count_scan_cache();
}

void engine::count_scan_cache() noexcept {
    _counters.screen_cache_hits = _state->scans.hits;
    _counters.screen_cache_misses = _state->scans.misses;
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
        if (db && i % chunk == 0)
            screen_burst(*db, _worker, txns + i, n - i < chunk ? n - i : chunk, screened, &_state->scans);
        if (i + ahead < n) prepare(txns[i + ahead], p[(i + ahead) % ring]);
        if (i + ahead / 2 < n) _state->vel.prefetch_entries(p[(i + ahead / 2) % ring].vel);
        score_prepared(txns[i], p[i % ring], out[i], db ? &screened[i % chunk] : nullptr);
        if (_state->waiting.n == decide_queue::capacity) decide_waiting(_state->waiting, _rules, _counters);
    }
    decide_waiting(_state->waiting, _rules, _counters);
    count_scan_cache();
}

void engine::pass_outcome(const Txn& t, const prepared& prep) noexcept {
    ++_counters.outcomes;
    if (!response_declined(t.response_code)) return;
    ++_counters.outcome_declines;
    _state->vel.observe_decline(t, prep.vel);
}

void engine::score_prepared(const Txn& t, const prepared& prep, Verdict& out,
                            const screen_result* screened) noexcept {
    clear_verdict(t, out);
    if (t.kind == txn_kind::outcome) [[unlikely]] {
        no_features(out);
        pass_outcome(t, prep);
        return;
    }
    ++_counters.scored;
    const ruleset* rs = _rules;
    if (!rs) [[unlikely]] {
        no_features(out);
        ++_counters.no_ruleset;
        return;
    }
    out.ruleset_version = rs->version;
    // Velocity first: dedup, then every key's windows (a duplicate is not counted again
    // and its entries are returned as they were, i.e. holding its first copy).
    const observe_result obs = _state->vel.observe(t, prep.vel);
    out.duplicate = obs.status == observe_status::duplicate;
    out.late = obs.status == observe_status::too_late;
    out.ahead = obs.status == observe_status::ahead;
    screen_result own_scan;
    const screen_result* screen =
        _patterns ? screen_stage(*_patterns, _worker, _state->scans, t, screened, own_scan, out, _counters) : nullptr;
    const detector_input in =
        detector_input_of(t, obs, _state->vel.config(), screen, _patterns, prep.keys, rs->det);
    // The txn waits for the burst's model step (decide_waiting): its features are the
    // model's row, its reasons so far the detectors' and rules'.
    decide_queue& q = _state->waiting;
    const std::size_t w = q.n++;
    float* row = q.rows[w];
    compute_features(in, row);
    std::memcpy(out.features, row, sizeof out.features);
    out.features_version = feature_version;
    reason_list& fired = q.fired[w];
    fired.n = 0;
    q.out[w] = &out;
    run_detectors(in, rs->det, _state->detectors, fired, std::make_index_sequence<detector_count>());
    if (in.measured) run_user_rules(*rs, in, fired);
    _counters.duplicates += out.duplicate;
}

}  // namespace txscreen
