// Keys (docs/alerts.md, "Aggregates"): feed name by Txn::feed_id ("feed-<id>" beyond
// the names given); merchant_id as received; MCC as 4 digits; country alpha-2;
// channel unknown/pos/ecom/atm. An absent merchant, MCC (0) or country reads "none";
// merchants beyond top_merchants in a window read "other": half of the rows are kept
// for the busiest merchants of the latest closed window (heavy_merchants.h), the rest
// go to the first comers.
//
// Event time: a verdict flagged `ahead` (dated beyond its receive clock + the
// velocity's max_future_skew) is not aggregated, only counted (`ahead`), as velocity
// does not count it either: one mis-dated message must neither close every open window
// nor, through the restart state, turn a year of events into corrections. Issuer outcomes count approved/declined by the request's event
// time, under the keys the outcome carries (the merchant is the request's when the
// response has none; MCC and country are the response's, often "none").
#include "controlplane/analytics/minute_aggregator.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "common/log.h"
#include "common/response_code.h"
#include "controlplane/analytics/aggregate_state.h"
#include "controlplane/analytics/heavy_merchants.h"
#include "controlplane/analytics/window_table.h"

namespace txscreen {

namespace {

constexpr int64_t no_time = INT64_MIN;
// Closed tables kept for reuse (with their capacity); a steady stream needs 3 or 4 (the
// open window, the one in its lateness, corrections), a burst's extra ones are freed.
constexpr std::size_t max_spare_tables = 8;

int64_t floor_to(int64_t t, int64_t step) noexcept {
    const int64_t q = t / step;
    return (t % step < 0 ? q - 1 : q) * step;
}

std::string_view channel_key(channel c) noexcept {
    switch (c) {
        case channel::pos: return "pos";
        case channel::ecom: return "ecom";
        case channel::atm: return "atm";
        case channel::unknown: break;
    }
    return "unknown";
}

std::string_view text_or_none(std::string_view s) noexcept { return s.empty() ? std::string_view("none") : s; }

using table_ptr = std::unique_ptr<window_table>;

}  // namespace

struct minute_aggregator::impl {
    aggregates_config conf;
    std::vector<agg_key> feed_keys;
    std::string state_path;
    int64_t closed_through = no_time;  // end of the newest window emitted (or loaded)
    int64_t newest = no_time;          // newest event time seen
    std::vector<table_ptr> open;       // by start, oldest first
    std::vector<table_ptr> ready;      // closed, rows not yet emitted
    std::vector<table_ptr> corrections;
    std::chrono::steady_clock::time_point corrections_since;  // when the oldest pending one began

    // Corrections go out with the next window that closes, or after one window length
    // of wall-clock time: a steady trickle of late events (or a looped replay, all of
    // it late) gives at most one correction row per key per window length, not one
    // per advance().
    bool corrections_due(bool window_closed) const {
        if (corrections.empty()) return false;
        return window_closed ||
               std::chrono::steady_clock::now() - corrections_since >= std::chrono::milliseconds(conf.window_ms);
    }
    std::vector<table_ptr> spare;
    window_table* last_open = nullptr; // most events hit the window of the previous one
    std::vector<uint64_t> pending_rejects, pending_gaps;  // by feed id, before any window
    std::vector<uint32_t> order;
    heavy_merchants busiest;           // merchants admitted first (of the latest closed window)
    agg_key other_merchant, scratch;  // scratch: a feed key outside event_rows()
    aggregate_counters c;
    log_limiter state_log;

    impl(const aggregates_config& cf, const std::vector<std::string>& names, std::string path)
        : conf(cf), state_path(std::move(path)) {
        if (conf.window_ms <= 0 || conf.max_open_windows == 0)
            throw std::invalid_argument("aggregates: window and max_open_windows must be positive");
        for (const auto& n : names) feed_keys.emplace_back().set(agg_dimension::feed, n);
        other_merchant.set(agg_dimension::merchant, "other");
        if (!state_path.empty())
            if (auto saved = load_aggregate_state(state_path)) closed_through = *saved;
        order.reserve(4096);
        spare.reserve(max_spare_tables);
    }

    int64_t watermark() const noexcept { return newest == no_time ? no_time : newest - conf.allowed_lateness_ms; }
    bool is_closed(int64_t start) const noexcept {
        return closed_through != no_time && start + conf.window_ms <= closed_through;
    }

    table_ptr take_table(int64_t start) {
        table_ptr t;
        if (spare.empty()) t = std::make_unique<window_table>();
        else t = std::move(spare.back()), spare.pop_back();
        t->recycle(start, start + conf.window_ms);
        return t;
    }

    void close_oldest_early() {
        closed_through = std::max(closed_through, open.front()->end);
        if (last_open == open.front().get()) last_open = nullptr;
        ready.push_back(std::move(open.front()));
        open.erase(open.begin());
        ++c.closed_early;
    }

    std::vector<table_ptr>::iterator first_open_from(int64_t start) {
        return std::lower_bound(open.begin(), open.end(), start,
                                [](const table_ptr& t, int64_t s) { return t->start < s; });
    }

    // The open window starting at `start`, opened when needed; nullptr when it is closed.
    window_table* open_window(int64_t start) {
        if (last_open && last_open->start == start) return last_open;
        auto at = first_open_from(start);
        if (at != open.end() && (*at)->start == start) return last_open = at->get();
        if (open.size() >= conf.max_open_windows) {
            close_oldest_early();
            if (is_closed(start)) return nullptr;
            at = first_open_from(start);
        }
        last_open = open.insert(at, take_table(start))->get();
        settle_pending(*last_open);
        return last_open;
    }

    // The correction table of a closed window; nullptr when too old or too many pending.
    window_table* correction_window(int64_t t, int64_t start) {
        const int64_t reference = newest == no_time ? closed_through : watermark();
        if (reference - t > conf.max_correction_age_ms) return nullptr;
        for (auto& w : corrections)
            if (w->start == start) return w.get();
        // Pending corrections share the open-window bound (they wait for the next close).
        if (corrections.size() >= conf.max_open_windows) return nullptr;
        if (corrections.empty()) corrections_since = std::chrono::steady_clock::now();
        corrections.push_back(take_table(start));
        return corrections.back().get();
    }

    // Where an event of time `t` is counted; nullptr: too late (counted).
    window_table* window_for(int64_t t) {
        const int64_t start = floor_to(t, conf.window_ms);
        if (!is_closed(start))
            if (window_table* w = open_window(start)) return w;
        window_table* w = correction_window(t, start);
        if (w) ++c.late_events;
        else ++c.too_late;
        return w;
    }

    void set_feed_key(agg_key& k, uint16_t feed_id) const noexcept {
        if (feed_id < feed_keys.size()) {
            k = feed_keys[feed_id];
            return;
        }
        char name[16];
        std::snprintf(name, sizeof name, "feed-%u", static_cast<unsigned>(feed_id));
        k.set(agg_dimension::feed, name);
    }
    const agg_key& feed_key(uint16_t feed_id) {
        set_feed_key(scratch, feed_id);
        return scratch;
    }

    static void set_mcc_key(agg_key& k, uint16_t mcc) noexcept {
        if (mcc == 0) return k.set(agg_dimension::mcc, "none");
        char digits[5];  // at least 4 digits, zero-padded (5 for 10000..65535)
        const int n = mcc > 9999 ? 5 : 4;
        for (int i = n - 1; i >= 0; --i, mcc /= 10) digits[i] = static_cast<char>('0' + mcc % 10);
        k.set(agg_dimension::mcc, {digits, static_cast<std::size_t>(n)});
    }

    // The keys of an event, by dimension (agg_dimension order).
    void event_keys(const Txn& t, agg_key (&keys)[agg_dimension_count]) const noexcept {
        set_feed_key(keys[0], t.feed_id);
        keys[1].set(agg_dimension::merchant, text_or_none(t.merchant_id.view()));
        set_mcc_key(keys[2], t.mcc);
        const std::size_t country_len = t.country[0] ? (t.country[1] ? 2 : 1) : 0;  // alpha-2, NUL-terminated
        keys[3].set(agg_dimension::country, text_or_none({t.country, country_len}));
        keys[4].set(agg_dimension::channel, channel_key(t.chan));
    }

    // A merchant beyond top_merchants of the window counts under "other".
    // (controlplane/analytics/heavy_merchants.h: the busiest of the last window first).
    uint32_t merchant_index(window_table& w, const agg_key& k, uint64_t h) {
        const uint32_t found = w.find_index(k, h);
        if (found != window_table::no_row) return found;
        const bool heavy = busiest.size() > 0 && busiest.contains(k);
        const uint32_t for_others = conf.top_merchants - std::min(busiest.size(), conf.top_merchants);
        // The heavy set may change while the window is open (an older window closed):
        // the total bound holds regardless.
        if (w.merchant_rows >= conf.top_merchants || (!heavy && w.merchant_rows - w.heavy_rows >= for_others)) {
            ++c.merchants_folded;
            return w.index_of(other_merchant, other_merchant.hash());
        }
        ++w.merchant_rows;
        w.heavy_rows += heavy;
        return w.index_of(k, h);
    }

    // The rows of an event's five keys, found or added. The slots, then the rows, are
    // prefetched for all five first, so their cache misses overlap.
    void event_rows(window_table& w, const Txn& t, agg_row* (&rows)[agg_dimension_count]) {
        agg_key keys[agg_dimension_count];
        uint64_t hashes[agg_dimension_count];
        uint32_t index[agg_dimension_count];
        event_keys(t, keys);
        for (int d = 0; d < agg_dimension_count; ++d) w.prefetch_slot(hashes[d] = keys[d].hash());
        for (int d = 0; d < agg_dimension_count; ++d)
            w.prefetch_row(index[d] = d == 1 ? merchant_index(w, keys[d], hashes[d]) : w.index_of(keys[d], hashes[d]));
        for (int d = 0; d < agg_dimension_count; ++d) rows[d] = &w.row(index[d]);
    }

    // A window is closed the moment the watermark passes its end, not at the next
    // advance(): whether an event is late must not depend on when the loop ticks.
    // (Its rows still go out at advance().)
    void see_time(const Verdict& v) {
        if (v.ahead || v.txn.event_time_ms <= newest) return;
        newest = v.txn.event_time_ms;
        if (!open.empty() && open.front()->end <= watermark()) close_by_watermark();
    }

    void add_request(const Verdict& v) {
        if (v.ahead) {
            ++c.ahead;
            return;
        }
        see_time(v);
        window_table* w = window_for(v.txn.event_time_ms);
        if (!w) return;
        ++c.events;
        const Txn& t = v.txn;
        const bool latency_known = v.rx_ns > 0 && v.verdict_ns >= v.rx_ns;
        const uint64_t latency = latency_known ? static_cast<uint64_t>(v.verdict_ns - v.rx_ns) : 0;
        const uint64_t card = hyperloglog::mix(t.card_key());
        agg_row* rows[agg_dimension_count];
        event_rows(*w, t, rows);
        for (agg_row* r : rows) w->prefetch_sketches(*r, card, latency);
        for (agg_row* r : rows) {
            ++r->transactions;
            r->alerts += v.alert;
            r->reviews += v.dec == decision::review;
            r->blocks += v.dec == decision::block;
            r->add_amount(t.currency, t.currency_exponent, t.amount_minor);
            if (latency_known) w->add_latency(*r, latency);
            w->add_card(*r, card);
        }
    }

    void add_outcome(const Verdict& v) {
        see_time(v);
        window_table* w = window_for(v.txn.event_time_ms);
        if (!w) return;
        ++c.events;
        const bool declined = response_declined(v.txn.response_code);
        agg_row* rows[agg_dimension_count];
        event_rows(*w, v.txn, rows);
        for (agg_row* r : rows) {
            r->declined += declined;
            r->approved += !declined;
        }
    }

    // Rejects and gaps carry no event time: they go to the newest open window.
    void add_feed_count(uint16_t feed_id, uint64_t rejects, uint64_t gaps) {
        window_table* w = newest == no_time || is_closed(floor_to(newest, conf.window_ms))
                              ? nullptr
                              : open_window(floor_to(newest, conf.window_ms));
        if (!w) {
            if (feed_id >= pending_rejects.size()) pending_rejects.resize(feed_id + 1), pending_gaps.resize(feed_id + 1);
            pending_rejects[feed_id] += rejects;
            pending_gaps[feed_id] += gaps;
            return;
        }
        agg_row& r = w->get(feed_key(feed_id));
        r.rejects += rejects;
        r.gaps += gaps;
    }

    void settle_pending(window_table& w) {
        for (std::size_t f = 0; f < pending_rejects.size(); ++f) {
            if (!pending_rejects[f] && !pending_gaps[f]) continue;
            agg_row& r = w.get(feed_key(static_cast<uint16_t>(f)));
            r.rejects += std::exchange(pending_rejects[f], 0);
            r.gaps += std::exchange(pending_gaps[f], 0);
        }
    }

    void close_by_watermark() {
        const int64_t wm = watermark();
        while (!open.empty() && wm != no_time && open.front()->end <= wm) {
            closed_through = std::max(closed_through, open.front()->end);
            if (last_open == open.front().get()) last_open = nullptr;
            ready.push_back(std::move(open.front()));
            open.erase(open.begin());
        }
    }

    void close_all() {
        while (!open.empty()) {
            closed_through = std::max(closed_through, open.front()->end);
            ready.push_back(std::move(open.front()));
            open.erase(open.begin());
        }
        last_open = nullptr;
    }

    void save_state() {
        if (state_path.empty()) return;
        const std::string err = save_aggregate_state(state_path, closed_through);
        if (err.empty()) return;
        ++c.state_errors;
        uint64_t held = 0;
        if (state_log.allow(held))
            log_line(log_level::error, "aggregates: state not saved (%s): a restart may emit these windows again%s",
                     err.c_str(), held ? " (more such lines held back)" : "");
    }

    void emit_rows(window_table& w, aggregate_record::row_kind kind, const aggregate_emit& emit);
    void emit_tables(std::vector<table_ptr>& tables, aggregate_record::row_kind kind, const aggregate_emit& emit);
    void emit_ready(const aggregate_emit& emit) {
        if (ready.empty()) return;
        save_state();  // before the rows: a crash after this never emits them twice
        c.windows_closed += ready.size();
        emit_tables(ready, aggregate_record::row_kind::window, emit);
    }
};

namespace {

aggregate_record to_record(const window_table& w, const agg_row& r, aggregate_record::row_kind kind) {
    aggregate_record rec;
    std::memset(static_cast<void*>(&rec), 0, sizeof rec);
    rec.window_start_ms = w.start;
    rec.window_end_ms = w.end;
    rec.dimension = static_cast<agg_dimension>(r.key.dimension);
    rec.kind = kind;
    std::memcpy(rec.key, r.key.text, r.key.len);
    rec.transactions = r.transactions;
    rec.alerts = r.alerts;
    rec.reviews = r.reviews;
    rec.blocks = r.blocks;
    rec.approved = r.approved;
    rec.declined = r.declined;
    rec.rejects = r.rejects;
    rec.gaps = r.gaps;
    rec.distinct_cards = w.distinct_cards(r);
    rec.latency_p50_ns = w.latency_quantile(r, 0.5);
    rec.latency_p99_ns = w.latency_quantile(r, 0.99);
    rec.amounts_other = r.amounts_other;
    // By currency code (insertion: at most agg_max_currencies).
    for (int i = 0; i < r.n_amounts && i < agg_max_currencies; ++i) {
        int at = rec.n_amounts++;
        for (; at > 0 && rec.amounts[at - 1].currency > r.amounts[i].currency; --at) rec.amounts[at] = rec.amounts[at - 1];
        rec.amounts[at] = r.amounts[i];
    }
    return rec;
}

}  // namespace

// Rows in (dimension, key) order, so two runs over the same input emit the same sequence.
void minute_aggregator::impl::emit_rows(window_table& w, aggregate_record::row_kind kind, const aggregate_emit& emit) {
    const std::vector<agg_row>& rows = w.rows();
    order.resize(rows.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        const agg_key &ka = rows[a].key, &kb = rows[b].key;
        return ka.dimension != kb.dimension ? ka.dimension < kb.dimension : ka.view() < kb.view();
    });
    for (uint32_t i : order) emit(to_record(w, rows[i], kind));
    (kind == aggregate_record::row_kind::window ? c.rows : c.corrections) += rows.size();
    if (kind == aggregate_record::row_kind::window) busiest.learn(rows, conf.top_merchants / 2);
}

void minute_aggregator::impl::emit_tables(std::vector<table_ptr>& tables, aggregate_record::row_kind kind,
                                          const aggregate_emit& emit) {
    std::sort(tables.begin(), tables.end(), [](const table_ptr& a, const table_ptr& b) { return a->start < b->start; });
    // The tables return to the spare list (and `tables` keeps its capacity) even when emit throws.
    struct recycle {
        std::vector<table_ptr>& from;
        std::vector<table_ptr>& to;
        ~recycle() {
            for (auto& t : from)
                if (to.size() < max_spare_tables) to.push_back(std::move(t));  // reserved: no allocation
            from.clear();
        }
    } back{tables, spare};
    for (const table_ptr& t : tables) emit_rows(*t, kind, emit);
}

minute_aggregator::minute_aggregator(const aggregates_config& conf, std::vector<std::string> feed_names,
                                     std::string state_path)
    : _impl(std::make_unique<impl>(conf, feed_names, std::move(state_path))) {}

minute_aggregator::~minute_aggregator() = default;

void minute_aggregator::add(const Verdict& v) noexcept {
    try {
        if (v.txn.kind == txn_kind::outcome) _impl->add_outcome(v);
        else _impl->add_request(v);
    } catch (const std::bad_alloc&) {
        ++_impl->c.too_late;  // no memory for a new row or window: not aggregated, counted with the too late
    }
}

void minute_aggregator::add_outcome(const Verdict& v) noexcept {
    try {
        _impl->add_outcome(v);
    } catch (const std::bad_alloc&) {
        ++_impl->c.too_late;
    }
}

void minute_aggregator::add_reject(const reject_record& r) noexcept {
    try {
        ++_impl->c.events;
        _impl->add_feed_count(r.feed_id, 1, 0);
    } catch (const std::bad_alloc&) {
    }
}

void minute_aggregator::add_gaps(uint16_t feed_id, uint64_t missing) noexcept {
    if (missing == 0) return;
    try {
        _impl->add_feed_count(feed_id, 0, missing);
    } catch (const std::bad_alloc&) {
    }
}

void minute_aggregator::advance(const aggregate_emit& emit) {
    _impl->close_by_watermark();
    const bool window_closed = !_impl->ready.empty();
    _impl->emit_ready(emit);
    if (_impl->corrections_due(window_closed))
        _impl->emit_tables(_impl->corrections, aggregate_record::row_kind::correction, emit);
}

void minute_aggregator::flush(const aggregate_emit& emit) {
    _impl->close_all();
    _impl->emit_ready(emit);
    _impl->emit_tables(_impl->corrections, aggregate_record::row_kind::correction, emit);
}

aggregate_counters minute_aggregator::counters() const noexcept {
    aggregate_counters out = _impl->c;
    out.open_windows = _impl->open.size();
    out.watermark_ms = _impl->newest == no_time ? 0 : _impl->watermark();
    return out;
}

}  // namespace txscreen
