// Baselines (docs/alerts.md, "Spikes"): per (dimension, key) EWMAs (weight alpha for
// the newest window) of the window's transactions, alerts and alert rate, updated after
// the window was evaluated, and only by windows in which the key has a row: a key
// absent from a window keeps its baseline (sparse merchants would otherwise decay to
// zero and spike on every sale).
//
// volume:     baseline = EWMA of transactions.
// alert rate: baseline = EWMA(alerts) / EWMA(transactions), pooled over the recent
//             windows: steadier than an average of per-window rates of a small key.
// The standard deviation a z-score divides by is the largest of
//   - the EWMA standard deviation (of the volume, of the per-window rate),
//   - min_stddev_ratio * baseline (a very regular series),
//   - the noise of a count. Volume (and a feed's rejects and gaps): Poisson,
//     sqrt(max(baseline, observed, 1)). Alert rate: binomial, sqrt(p (1 - p) / n) with
//     n the window's transactions and p the mean of baseline and observed rate (at
//     least 1/n, at most 0.5). Taking the observation into the noise keeps small keys
//     quiet where counts are skewed (5 alerts in 60 transactions against 2% is chance,
//     z 2.2), and a key that never alerted needs min_alerts, not one alert. Measured
//     on seeded Poisson/binomial series (20 keys x 60 windows x 20 seeds, per size 30
//     to 10,000 transactions and rates 1 to 10%): at the defaults no volume and at most
//     2 alert-rate false spikes in 24,000 windows; a 3x volume is flagged from 30
//     transactions a window, a tripled alert rate from about 1,000 transactions at 1%
//     and 200 at 5%.
// Feeds: volume, rejects and gaps per window; a feed whose baseline volume reached
// min_transactions and that has no transactions nor rejects in a closed window is
// reported silent once, then not again until it sent traffic (its baseline is kept).
#include "controlplane/analytics/spike_detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <unordered_map>

namespace txscreen {

namespace {

constexpr std::size_t max_keys = 100'000;  // merchant, MCC and country baselines kept

struct ewma {
    double mean = 0, var = 0;
    uint32_t n = 0;

    void update(double x, double alpha) noexcept {
        if (n++ == 0) {
            mean = x;
            return;
        }
        const double diff = x - mean;
        const double incr = alpha * diff;
        mean += incr;
        var = (1 - alpha) * (var + diff * incr);
    }
};

struct key_state {
    ewma volume, rate, alert_count;
    uint32_t windows = 0;     // windows with a row of this key
    int64_t last_seen = 0;    // window start of its latest row (least recently seen goes first)
};

struct feed_state {
    ewma volume, rejects, gaps;
    uint32_t windows = 0;
    int64_t last_active = INT64_MIN;  // window start of its latest row with traffic
    bool silent = false;              // reported silent; quiet until traffic returns
};

// The noise of a count: sqrt of the larger of baseline and observation (at least 1).
double poisson_noise(const ewma& e, double observed) noexcept { return std::sqrt(std::max({e.mean, observed, 1.0})); }

uint64_t fnv1a(uint64_t h, const void* p, std::size_t n) noexcept {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

// Stable across runs and hosts: the webhook dedup key of a spike.
uint64_t spike_event_id(spike_event::spike_kind kind, agg_dimension d, std::string_view key, int64_t window_start_ms) {
    const unsigned char head[2] = {static_cast<unsigned char>(kind), static_cast<unsigned char>(d)};
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, head, sizeof head);
    h = fnv1a(h, key.data(), key.size());
    unsigned char start[8];
    for (int i = 0; i < 8; ++i) start[i] = static_cast<unsigned char>(static_cast<uint64_t>(window_start_ms) >> (8 * i));
    h = fnv1a(h, start, sizeof start);
    h ^= h >> 33;  // fnv's low bits are weak; finish with a murmur3 mix
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

}  // namespace

struct spike_detector::impl {
    spike_config conf;
    std::unordered_map<std::string, key_state> keys;  // dimension digit + key text
    std::map<std::string, feed_state> feeds;
    spike_counters c;
    std::string scratch;

    impl(const spike_config& cf, const std::vector<std::string>& feed_names) : conf(cf) {
        for (const auto& n : feed_names) feeds[n];
        keys.reserve(1024);
    }

    double floored(const ewma& e, double noise) const noexcept {
        return std::max({std::sqrt(std::max(e.var, 0.0)), conf.min_stddev_ratio * e.mean, noise});
    }

    spike_event make(spike_event::spike_kind kind, const aggregate_record& row, double observed, const ewma& e,
                     double sd) const {
        spike_event s;
        std::memset(static_cast<void*>(&s), 0, sizeof s);
        s.id = spike_event_id(kind, row.dimension, row.key, row.window_start_ms);
        s.window_start_ms = row.window_start_ms;
        s.window_end_ms = row.window_end_ms;
        s.kind = kind;
        s.dimension = row.dimension;
        std::memcpy(s.key, row.key, sizeof s.key);
        s.key[sizeof s.key - 1] = '\0';
        s.observed = observed;
        s.baseline = e.mean;
        s.stddev = sd;
        s.z = (observed - e.mean) / sd;
        s.threshold = conf.z_threshold;
        s.transactions = row.transactions;
        s.alerts = row.alerts;
        return s;
    }

    // Emits when `observed` is more than z_threshold deviations above the baseline.
    void test(spike_event::spike_kind kind, const aggregate_record& row, double observed, const ewma& e, double noise,
              const spike_emit& emit) {
        const double sd = floored(e, noise);
        if (!(sd > 0) || (observed - e.mean) / sd <= conf.z_threshold) return;
        ++c.spikes[static_cast<int>(kind)];
        emit(make(kind, row, observed, e, sd));
    }

    void observe_key(const aggregate_record& row, const spike_emit& emit) {
        scratch.assign(1, static_cast<char>('0' + static_cast<int>(row.dimension)));
        scratch += row.key;
        key_state& s = keys[scratch];
        const double n = static_cast<double>(row.transactions);
        const bool warm = s.windows >= conf.warmup_windows && row.transactions >= conf.min_transactions;
        if (warm) test(spike_event::spike_kind::volume, row, n, s.volume, poisson_noise(s.volume, n), emit);
        // Rows of outcomes only have no transactions: no rate to judge (0 / 0).
        if (warm && row.alerts >= conf.min_alerts && n > 0 && s.volume.mean > 0) {
            const double rate = static_cast<double>(row.alerts) / n;
            ewma base = s.rate;
            base.mean = s.alert_count.mean / s.volume.mean;  // pooled over the recent windows
            const double p = std::min(std::max((base.mean + rate) / 2, 1.0 / n), 0.5);
            test(spike_event::spike_kind::alert_rate, row, rate, base, std::sqrt(p * (1 - p) / n), emit);
        }
        s.volume.update(n, conf.alpha);
        s.alert_count.update(static_cast<double>(row.alerts), conf.alpha);
        if (n > 0) s.rate.update(static_cast<double>(row.alerts) / n, conf.alpha);
        ++s.windows;
        s.last_seen = row.window_start_ms;
    }

    void observe_feed(const aggregate_record& row, const spike_emit& emit) {
        feed_state& s = feeds[row.key];
        const bool warm = s.windows >= conf.warmup_windows;
        const auto rejects = static_cast<double>(row.rejects), gaps = static_cast<double>(row.gaps);
        if (warm && row.rejects >= conf.min_rejects)
            test(spike_event::spike_kind::reject_surge, row, rejects, s.rejects, poisson_noise(s.rejects, rejects), emit);
        if (warm && row.gaps >= conf.min_rejects)
            test(spike_event::spike_kind::gap_surge, row, gaps, s.gaps, poisson_noise(s.gaps, gaps), emit);
        s.volume.update(static_cast<double>(row.transactions), conf.alpha);
        s.rejects.update(rejects, conf.alpha);
        s.gaps.update(gaps, conf.alpha);
        ++s.windows;
        if (row.transactions + row.rejects > 0) {
            s.last_active = row.window_start_ms;
            s.silent = false;
        }
    }

    void report_silent(const std::string& name, feed_state& s, int64_t start, int64_t end, const spike_emit& emit) {
        aggregate_record row;
        std::memset(static_cast<void*>(&row), 0, sizeof row);
        row.window_start_ms = start;
        row.window_end_ms = end;
        row.dimension = agg_dimension::feed;
        std::memcpy(row.key, name.data(), std::min(name.size(), sizeof row.key - 1));
        const double sd = floored(s.volume, poisson_noise(s.volume, 0));
        s.silent = true;
        ++c.spikes[static_cast<int>(spike_event::spike_kind::feed_silent)];
        emit(make(spike_event::spike_kind::feed_silent, row, 0, s.volume, sd));
    }

    // Drops the least recently seen tenth once over the bound.
    void evict() {
        if (keys.size() <= max_keys) return;
        std::vector<int64_t> seen;
        seen.reserve(keys.size());
        for (const auto& [k, s] : keys) seen.push_back(s.last_seen);
        const std::size_t drop = keys.size() - max_keys * 9 / 10;
        std::nth_element(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(drop - 1), seen.end());
        const int64_t cutoff = seen[drop - 1];
        for (auto it = keys.begin(); it != keys.end() && keys.size() > max_keys * 9 / 10;)
            it = it->second.last_seen <= cutoff ? keys.erase(it) : std::next(it);
    }
};

spike_detector::spike_detector(const spike_config& conf, std::vector<std::string> feed_names)
    : _impl(std::make_unique<impl>(conf, feed_names)) {}

spike_detector::~spike_detector() = default;

void spike_detector::observe(const aggregate_record& row, const spike_emit& emit) {
    if (row.kind != aggregate_record::row_kind::window) return;
    switch (row.dimension) {
        case agg_dimension::feed: return _impl->observe_feed(row, emit);
        case agg_dimension::merchant:
            if (std::strcmp(row.key, "other") == 0) return;
            [[fallthrough]];
        case agg_dimension::mcc:
        case agg_dimension::country: return _impl->observe_key(row, emit);
        case agg_dimension::channel: return;
    }
}

void spike_detector::window_done(int64_t start_ms, int64_t end_ms, const spike_emit& emit) {
    ++_impl->c.windows;
    const spike_config& conf = _impl->conf;
    for (auto& [name, s] : _impl->feeds)
        if (s.last_active != start_ms && !s.silent && s.windows >= conf.warmup_windows &&
            s.volume.mean >= static_cast<double>(conf.min_transactions))
            _impl->report_silent(name, s, start_ms, end_ms, emit);
    _impl->evict();
}

void spike_detector::feed_idle(const std::string& feed, int64_t start_ms, int64_t end_ms, const spike_emit& emit) {
    auto it = _impl->feeds.find(feed);
    if (it == _impl->feeds.end()) return;
    feed_state& s = it->second;
    const spike_config& conf = _impl->conf;
    if (!s.silent && s.windows >= conf.warmup_windows && s.volume.mean >= static_cast<double>(conf.min_transactions))
        _impl->report_silent(feed, s, start_ms, end_ms, emit);
}

spike_counters spike_detector::counters() const noexcept {
    spike_counters out = _impl->c;
    out.keys = _impl->keys.size();
    return out;
}

}  // namespace txscreen
