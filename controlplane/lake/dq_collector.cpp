// dq_collector: one pass over each column a check reads, per batch; the counts it
// keeps are a few numbers per column and a fixed histogram, never rows.
#include <cmath>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

#include "controlplane/lake/dq_checks.h"
#include "controlplane/lake/dq_report.h"

namespace txscreen {

namespace {

constexpr int64_t no_time = std::numeric_limits<int64_t>::min();
// Feed ids are config indices: a flat table up to here, a map beyond (never in practice).
constexpr int32_t feeds_in_table = 1024;

// The flat column named `dotted` in `b`, or nullptr when its schema lacks it or it holds
// fewer values than rows (a batch the reader filled inconsistently is not trusted).
const column_batch* column(const row_batch& b, std::string_view dotted) {
    if (!b.schema) return nullptr;
    const std::vector<lake_leaf>& leaves = b.schema->leaves;
    for (std::size_t i = 0; i < leaves.size() && i < b.columns.size(); ++i) {
        if (leaves[i].dotted != dotted || leaves[i].max_rep != 0) continue;
        const column_batch& c = b.columns[i];
        return c.values() >= b.rows ? &c : nullptr;
    }
    return nullptr;
}

bool integer_typed(const column_batch& c) {
    return c.type == lake_type::int32 || c.type == lake_type::int64 || c.type == lake_type::timestamp_ms ||
           c.type == lake_type::decimal18_4;
}

int64_t int_at(const column_batch& c, std::size_t k) {
    return c.type == lake_type::int32 ? c.i32[k] : c.i64[k];
}

// Empty strings, zero numbers (NaN too): what a missing field decodes to.
uint64_t empties(const column_batch& c, std::size_t rows) {
    uint64_t n = 0;
    switch (c.type) {
        case lake_type::string:
            if (rows) n += c.str_end[0] == 0;
            for (std::size_t k = 1; k < rows; ++k) n += c.str_end[k] == c.str_end[k - 1];  // vectorizes
            break;
        case lake_type::int32:
            for (std::size_t k = 0; k < rows; ++k) n += c.i32[k] == 0;
            break;
        case lake_type::int64:
        case lake_type::timestamp_ms:
        case lake_type::decimal18_4:
            for (std::size_t k = 0; k < rows; ++k) n += c.i64[k] == 0;
            break;
        case lake_type::float32:
            for (std::size_t k = 0; k < rows; ++k) n += !(c.f32[k] != 0);  // NaN too
            break;
        case lake_type::float64:
            for (std::size_t k = 0; k < rows; ++k) n += !(c.f64[k] != 0);
            break;
        default: break;
    }
    return n;
}

}  // namespace

void few_counts::add(std::string_view v, uint64_t n) {
    if (_last < _items.size() && _items[_last].first == v) {
        _items[_last].second += n;
        return;
    }
    for (std::size_t i = 0; i < _items.size(); ++i)
        if (_items[i].first == v) {
            _items[_last = i].second += n;
            return;
        }
    if (_items.size() < cap) {
        _last = _items.size();
        _items.emplace_back(std::string(v), n);
    } else {
        _other += n;
    }
}

std::map<std::string, uint64_t> few_counts::as_map(const std::string& other_name) const {
    std::map<std::string, uint64_t> out(_items.begin(), _items.end());
    if (_other) out[other_name] += _other;
    return out;
}

struct dq_collector::stats : dq_stats {
    // Each feed's previous row's event time (the previous row, not the newest: one row
    // dated far ahead must not make every later row look late).
    std::vector<int64_t> feed_last = std::vector<int64_t>(feeds_in_table, no_time);
    std::map<int32_t, int64_t> feed_last_other;

    int64_t& last_of_feed(int32_t feed) {
        if (feed >= 0 && feed < feeds_in_table) return feed_last[static_cast<std::size_t>(feed)];
        return feed_last_other.try_emplace(feed, no_time).first->second;
    }

    void add_empties(const row_batch& b);
    void add_amounts(const row_batch& b);
    void add_codes(const row_batch& b);
    void add_times(const row_batch& b);
    void add_versions(const row_batch& b);
};

void dq_collector::stats::add_empties(const row_batch& b) {
    const std::vector<lake_leaf>& leaves = b.schema->leaves;
    for (std::size_t i = 0; i < leaves.size() && i < b.columns.size(); ++i) {
        const column_batch& c = b.columns[i];
        if (leaves[i].max_rep != 0 || c.type == lake_type::boolean || c.values() < b.rows) continue;
        column_counts& cc = columns[leaves[i].dotted];
        cc.rows += b.rows;
        cc.empty += empties(c, b.rows);
    }
}

void dq_collector::stats::add_amounts(const row_batch& b) {
    const column_batch* c = column(b, "amount_minor");
    if (!c || !integer_typed(*c)) return note_missing("amount_minor");
    for (std::size_t k = 0; k < b.rows; ++k) {
        const int64_t v = int_at(*c, k);
        if (amount_rows == 0 || v < amount_min) amount_min = v;
        if (amount_rows == 0 || v > amount_max) amount_max = v;
        ++amount_rows;
        amount_zero += v == 0;
        amount_negative += v < 0;
    }
}

void dq_collector::stats::add_codes(const row_batch& b) {
    if (const column_batch* c = column(b, "currency"); c && c->type == lake_type::string) {
        for (std::size_t k = 0; k < b.rows; ++k) currencies.add(c->str(k));
        currency_rows += b.rows;
    } else {
        note_missing("currency");
    }
    if (const column_batch* c = column(b, "mcc"); c && integer_typed(*c)) {
        for (std::size_t k = 0; k < b.rows; ++k) {
            const int64_t v = int_at(*c, k);
            mcc_invalid += v < 1 || v > 9999;
        }
        mcc_rows += b.rows;
    } else {
        note_missing("mcc");
    }
}

void dq_collector::stats::add_times(const row_batch& b) {
    const column_batch* event = column(b, "event_time_ms");
    if (!event || !integer_typed(*event)) return note_missing("event_time_ms");
    if (const column_batch* rx = column(b, "rx_ns"); rx && integer_typed(*rx)) {
        for (std::size_t k = 0; k < b.rows; ++k) {
            const int64_t lag = int_at(*rx, k) / 1'000'000 - int_at(*event, k);
            lags.add(lag);
            lag_ahead += lag < 0;
        }
    } else {
        note_missing("rx_ns");
    }
    const column_batch* feed = column(b, "feed_id");
    if (!feed || !integer_typed(*feed)) return note_missing("feed_id");
    for (std::size_t k = 0; k < b.rows; ++k) {
        const int64_t t = int_at(*event, k);
        int64_t& previous = last_of_feed(static_cast<int32_t>(int_at(*feed, k)));
        out_of_order += t < previous;
        previous = t;
    }
    order_rows += b.rows;
}

void dq_collector::stats::add_versions(const row_batch& b) {
    const column_batch* c = column(b, "schema_version");
    if (!c || !integer_typed(*c)) return note_missing("schema_version");
    int64_t run_version = 0;
    uint64_t run = 0;
    for (std::size_t k = 0; k < b.rows; ++k) {
        const int64_t v = int_at(*c, k);
        if (run && v != run_version) versions[static_cast<int>(run_version)] += std::exchange(run, 0);
        run_version = v;
        ++run;
    }
    if (run) versions[static_cast<int>(run_version)] += run;
}

dq_collector::dq_collector(dq_thresholds t) : _t(std::move(t)), _s(std::make_shared<stats>()) {}

void dq_collector::add_scored(const row_batch& batch) {
    if (!batch.schema || batch.rows == 0) return;
    stats& s = *_s;
    s.rows += batch.rows;
    s.add_empties(batch);
    s.add_amounts(batch);
    s.add_codes(batch);
    s.add_times(batch);
    s.add_versions(batch);
}

void dq_collector::add_rejects(const row_batch& batch) {
    if (!batch.schema || batch.rows == 0) return;
    stats& s = *_s;
    s.rejects += batch.rows;
    if (const column_batch* c = column(batch, "reason"); c && c->type == lake_type::string) {
        for (std::size_t k = 0; k < batch.rows; ++k) s.reasons.add(c->str(k));
    } else {
        s.reasons.add("(no reason column)", batch.rows);
    }
    s.add_versions(batch);
}

dq_report dq_collector::finish(const std::string& partition, const std::string& host, int64_t hour_start_ms,
                               dq_baseline* baseline) {
    dq_report r = evaluate_dq(*_s, _t, hour_start_ms, baseline);
    r.partition = partition;
    r.host = host;
    r.hour_start_ms = hour_start_ms;
    return r;
}

}  // namespace txscreen
