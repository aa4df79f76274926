#include "controlplane/analytics_json.h"

#include <algorithm>
#include <cstring>

#include "common/currency.h"
#include "controlplane/json_writer.h"
#include "controlplane/verdict_json.h"

namespace txscreen {

namespace {

using json::json_writer;

// Every record of the Kafka topics starts with the schema version and its type; a
// spike is told from an alert on txscreen.alerts by this prefix.
constexpr std::string_view spike_prefix = R"({"schema_version":1,"type":"spike")";

std::string_view key_text(const char (&key)[agg_key_bytes]) noexcept { return {key, strnlen(key, agg_key_bytes)}; }

// "window_start" .. "window_end_ms"
void write_window(json_writer& w, int64_t start_ms, int64_t end_ms) noexcept {
    char buf[32];
    w.key("window_start");
    w.str({buf, write_rfc3339_ms(start_ms, buf)});
    w.key("window_start_ms");
    w.i64(start_ms);
    w.key("window_end_ms");
    w.i64(end_ms);
}

void write_amount(json_writer& w, const agg_amount& a) noexcept {
    const currency_info* cur = a.currency != 0 ? currency_by_numeric(a.currency) : nullptr;
    w.element();
    w.open_object();
    w.key("currency");
    if (cur)
        w.str({cur->alpha, strnlen(cur->alpha, sizeof cur->alpha)});
    else
        w.raw("null");
    w.key("currency_numeric");
    w.u64(a.currency);
    w.key("currency_exponent");
    w.u64(a.exponent);
    w.key("transactions");
    w.u64(a.transactions);
    w.key("amount_minor");
    w.i64(a.amount_minor);
    w.key("amount");
    json::write_decimal_amount(w, a.amount_minor, a.exponent);
    w.close_object();
}

void write_counts(json_writer& w, const aggregate_record& r) noexcept {
    const std::pair<std::string_view, uint64_t> counts[] = {
        {"transactions", r.transactions}, {"alerts", r.alerts},
        {"reviews", r.reviews},           {"blocks", r.blocks},
        {"approved", r.approved},         {"declined", r.declined},
        {"rejects", r.rejects},           {"gaps", r.gaps},
        {"distinct_cards", r.distinct_cards}, {"latency_p50_ns", r.latency_p50_ns},
        {"latency_p99_ns", r.latency_p99_ns},
    };
    for (const auto& [name, n] : counts) {
        w.key(name);
        w.u64(n);
    }
}

}  // namespace

std::size_t write_aggregate_json(const aggregate_record& r, char* out, std::size_t cap) noexcept {
    json_writer w(out, cap);
    w.open_object();
    w.key("schema_version");
    w.u64(verdict_json_schema_version);
    w.key("type");
    w.str("aggregate");
    write_window(w, r.window_start_ms, r.window_end_ms);
    w.key("dimension");
    w.str(agg_dimension_name(r.dimension));
    w.key("key");
    w.str(key_text(r.key));
    w.key("kind");
    w.str(r.kind == aggregate_record::row_kind::correction ? "correction" : "window");
    write_counts(w, r);
    w.key("amounts");
    w.open_array();
    const int n = std::min<int>(r.n_amounts, agg_max_currencies);
    for (int i = 0; i < n; ++i) write_amount(w, r.amounts[i]);
    w.close_array();
    w.key("amounts_other");
    w.u64(r.amounts_other);
    w.close_object();
    return w.finish();
}

std::size_t write_spike_json(const spike_event& s, char* out, std::size_t cap) noexcept {
    json_writer w(out, cap);
    char id[16];
    write_id_hex(s.id, id);
    w.open_object();
    w.key("schema_version");
    w.u64(verdict_json_schema_version);
    w.key("type");
    w.str("spike");
    w.key("id");
    w.str({id, sizeof id});
    w.key("kind");
    w.str(spike_kind_name(s.kind));
    w.key("dimension");
    w.str(agg_dimension_name(s.dimension));
    w.key("key");
    w.str(key_text(s.key));
    write_window(w, s.window_start_ms, s.window_end_ms);
    const std::pair<std::string_view, double> values[] = {
        {"observed", s.observed}, {"baseline", s.baseline}, {"stddev", s.stddev},
        {"z", s.z},               {"threshold", s.threshold},
    };
    for (const auto& [name, x] : values) {
        w.key(name);
        w.dbl(x);
    }
    w.key("transactions");
    w.u64(s.transactions);
    w.key("alerts");
    w.u64(s.alerts);
    w.close_object();
    return w.finish();
}

std::size_t write_analytics_key(agg_dimension d, const char (&key)[agg_key_bytes], char* out) noexcept {
    const std::string_view dim = agg_dimension_name(d);
    const std::string_view k = key_text(key);
    std::memcpy(out, dim.data(), dim.size());
    out[dim.size()] = ':';
    std::memcpy(out + dim.size() + 1, k.data(), k.size());
    return dim.size() + 1 + k.size();
}

// Data-quality alerts travel with the spikes (kafka_publisher::offer(dq_alert)).
bool is_spike_json(std::string_view value) noexcept {
    return value.starts_with(spike_prefix) || value.starts_with(R"({"schema_version":1,"type":"dq")");
}

}  // namespace txscreen
