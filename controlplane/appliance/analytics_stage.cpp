#include "controlplane/appliance/analytics_stage.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace txscreen {

namespace {

constexpr std::size_t history_windows = 60;  // the dashboard's hour of 1-minute windows
constexpr std::size_t recent_spike_count = 20;
constexpr std::size_t dashboard_cases = 20;
constexpr std::size_t dashboard_merchants = 10;
constexpr uint64_t dashboard_min_transactions = 20;  // no "100% alert rate" on one transaction

std::vector<std::string> feed_names(const appliance_config& conf) {
    std::vector<std::string> names;
    for (const auto& f : conf.dataplane.feeds) names.push_back(f.name);
    return names;
}

std::string state_path(const appliance_config& conf) {
    return conf.spool.dir.empty() ? std::string() : conf.spool.dir + "/aggregates.state";
}

}  // namespace

analytics_stage::analytics_stage(const appliance_config& conf, sink_set& sinks)
    : _sinks(sinks), _feed_names(feed_names(conf)), _feeds(_feed_names.size()),
      _window_ms(conf.analytics.aggregates.window_ms) {
    const analytics_config& a = conf.analytics;
    if (a.cases.enabled) _cases = std::make_unique<case_tracker>(a.cases);
    if (a.aggregates.enabled)
        _aggregates = std::make_unique<minute_aggregator>(a.aggregates, _feed_names, state_path(conf));
    if (a.aggregates.enabled && a.spikes.enabled) _spikes = std::make_unique<spike_detector>(a.spikes, _feed_names);
}

analytics_stage::~analytics_stage() = default;

void analytics_stage::on_verdict(Verdict& v) noexcept {
    if (v.txn.feed_id < _feeds.size()) ++_feeds[v.txn.feed_id].records;
    if (v.txn.kind == txn_kind::outcome) {
        if (_aggregates) _aggregates->add_outcome(v);
        return;
    }
    if (_cases) _cases->stamp(v);
    if (_aggregates) _aggregates->add(v);
}

void analytics_stage::on_reject(const reject_record& r) noexcept {
    if (r.feed_id < _feeds.size()) ++_feeds[r.feed_id].records;
    if (_aggregates) _aggregates->add_reject(r);
}

void analytics_stage::tick(const std::vector<uint64_t>& missing_by_feed) {
    if (!_aggregates) return;
    _missing_seen.resize(missing_by_feed.size(), 0);
    for (std::size_t f = 0; f < missing_by_feed.size(); ++f) {
        if (missing_by_feed[f] > _missing_seen[f])
            _aggregates->add_gaps(static_cast<uint16_t>(f), missing_by_feed[f] - _missing_seen[f]);
        _missing_seen[f] = std::max(_missing_seen[f], missing_by_feed[f]);
    }
    _aggregates->advance([this](const aggregate_record& row) { emit_row(row); });
    window_finished();
    check_idle_feeds();
}

// A feed with traffic before that took nothing for a whole window of wall-clock time
// (the spike detector reports it once, if its baseline says it should be busy).
void analytics_stage::check_idle_feeds() {
    if (!_spikes) return;
    const auto now = std::chrono::steady_clock::now();
    const int64_t next_start = _history.empty() ? 0 : _history.back().start_ms + _window_ms;
    for (std::size_t f = 0; f < _feeds.size(); ++f) {
        feed_activity& a = _feeds[f];
        if (a.records != a.records_seen || a.records == 0) {
            a.records_seen = a.records;
            a.quiet_since = now;
            continue;
        }
        if (now - a.quiet_since >= std::chrono::milliseconds(_window_ms) && next_start > 0)
            _spikes->feed_idle(_feed_names[f], next_start, next_start + _window_ms,
                               [this](const spike_event& s) { emit_spike(s); });
    }
}

void analytics_stage::flush() {
    if (!_aggregates) return;
    _aggregates->flush([this](const aggregate_record& row) { emit_row(row); });
    window_finished();
}

// Rows of one window come together, in order: a new start means the previous window
// is complete for the spike detector and the dashboard.
void analytics_stage::emit_row(const aggregate_record& row) {
    _sinks.deliver(row);
    if (row.kind != aggregate_record::row_kind::window) return;
    if (row.window_start_ms != _open_window_ms) {
        window_finished();
        _open_window_ms = row.window_start_ms;
        _history.push_back({row.window_start_ms, 0, 0, 0, 0});
        _merchant_history.emplace_back();
    }
    if (row.dimension == agg_dimension::feed) {
        analytics_view::window_total& w = _history.back();
        w.transactions += row.transactions, w.alerts += row.alerts, w.reviews += row.reviews, w.blocks += row.blocks;
    }
    if (row.dimension == agg_dimension::merchant)
        _merchant_history.back().push_back({row.key, row.transactions, row.alerts});
    if (_spikes) _spikes->observe(row, [this](const spike_event& s) { emit_spike(s); });
}

void analytics_stage::window_finished() {
    if (_open_window_ms < 0) return;
    if (_spikes)
        _spikes->window_done(_open_window_ms, _open_window_ms + _window_ms,
                             [this](const spike_event& s) { emit_spike(s); });
    _open_window_ms = -1;
    while (_history.size() > history_windows) _history.pop_front(), _merchant_history.pop_front();
    _ranks_stale = true;
}

void analytics_stage::emit_spike(const spike_event& s) {
    _sinks.deliver(s);
    _recent_spikes.push_front(s);
    if (_recent_spikes.size() > recent_spike_count) _recent_spikes.pop_back();
}

void analytics_stage::collect(appliance_counters& c) const {
    if (_cases) c.cases = _cases->counters();
    if (_aggregates) c.aggregates = _aggregates->counters();
    if (_spikes) c.spikes = _spikes->counters();
}

analytics_view analytics_stage::view() const {
    analytics_view v;
    v.window_ms = _window_ms;
    v.windows.assign(_history.begin(), _history.end());
    if (_ranks_stale) rank_merchants();
    v.top_merchants = _top_merchants;
    if (_cases) v.cases = _cases->recent(dashboard_cases);
    v.spikes.assign(_recent_spikes.begin(), _recent_spikes.end());
    return v;
}

// The history's merchants by alert rate (at most once per snapshot, and only after a
// window closed): an hour of merchant rows is up to 60 x top_merchants entries.
void analytics_stage::rank_merchants() const {
    std::unordered_map<std::string_view, analytics_view::merchant_rate> by_merchant;
    for (const auto& window : _merchant_history)
        for (const auto& m : window) {
            analytics_view::merchant_rate& sum = by_merchant[m.merchant];
            sum.transactions += m.transactions, sum.alerts += m.alerts;
        }
    std::vector<analytics_view::merchant_rate> ranked;
    for (auto& [name, m] : by_merchant)
        if (m.transactions >= dashboard_min_transactions && m.alerts > 0) {
            m.merchant = std::string(name);
            ranked.push_back(std::move(m));
        }
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        const auto lhs = a.alerts * b.transactions, rhs = b.alerts * a.transactions;
        return lhs != rhs ? lhs > rhs : a.merchant < b.merchant;  // ties by name: the same list every time
    });
    if (ranked.size() > dashboard_merchants) ranked.resize(dashboard_merchants);
    _top_merchants = std::move(ranked);
    _ranks_stale = false;
}

}  // namespace txscreen
