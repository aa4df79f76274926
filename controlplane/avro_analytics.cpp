#include "controlplane/avro_analytics.h"

#include <algorithm>
#include <string_view>

#include "common/currency.h"
#include "controlplane/avro_encode.h"
#include "controlplane/avro_records.h"
#include "controlplane/verdict_json.h"

namespace txscreen {

namespace {

using namespace avro;

uint8_t* put_lit(uint8_t* p, std::string_view s) noexcept { return put_bytes(p, s.data(), s.size()); }

uint8_t* put_key(uint8_t* p, const char (&key)[agg_key_bytes]) noexcept {
    return put_string(p, key, cstr_len(key, agg_key_bytes));
}

// One element of `amounts`: {currency, currency_numeric, currency_exponent, transactions, amount_minor}.
uint8_t* put_amount(uint8_t* p, const agg_amount& a) noexcept {
    const currency_info* ci = a.currency ? currency_by_numeric(a.currency) : nullptr;
    p = ci ? put_bytes(p, ci->alpha, cstr_len(ci->alpha, sizeof ci->alpha)) : put_long(p, 0);
    p = put_long(p, a.currency);
    p = put_long(p, a.exponent);
    p = put_long(p, static_cast<int64_t>(a.transactions));
    return put_long(p, a.amount_minor);
}

}  // namespace

std::size_t encode_aggregate_avro(const aggregate_record& r, uint8_t* out) noexcept {
    uint8_t* p = out;
    p = put_long(p, avro_schema_version);
    p = put_long(p, r.window_start_ms);
    p = put_long(p, r.window_end_ms);
    p = put_lit(p, agg_dimension_name(r.dimension));
    p = put_key(p, r.key);
    p = put_lit(p, r.kind == aggregate_record::row_kind::correction ? "correction" : "window");
    for (const uint64_t n : {r.transactions, r.alerts, r.reviews, r.blocks, r.approved, r.declined, r.rejects, r.gaps,
                             r.distinct_cards, r.latency_p50_ns, r.latency_p99_ns})
        p = put_long(p, static_cast<int64_t>(n));
    const int n_amounts = std::min<int>(r.n_amounts, agg_max_currencies);
    if (n_amounts > 0) {
        p = put_long(p, n_amounts);
        for (int i = 0; i < n_amounts; ++i) p = put_amount(p, r.amounts[i]);
    }
    p = put_long(p, 0);  // end of the amounts array
    p = put_long(p, static_cast<int64_t>(r.amounts_other));
    return static_cast<std::size_t>(p - out);
}

std::size_t encode_spike_avro(const spike_event& s, uint8_t* out) noexcept {
    char id[16];
    write_id_hex(s.id, id);
    uint8_t* p = out;
    p = put_long(p, avro_schema_version);
    p = put_bytes(p, id, sizeof id);
    p = put_lit(p, spike_kind_name(s.kind));
    p = put_lit(p, agg_dimension_name(s.dimension));
    p = put_key(p, s.key);
    p = put_long(p, s.window_start_ms);
    p = put_long(p, s.window_end_ms);
    for (const double x : {s.observed, s.baseline, s.stddev, s.z, s.threshold}) p = put_double(p, x);
    p = put_long(p, static_cast<int64_t>(s.transactions));
    p = put_long(p, static_cast<int64_t>(s.alerts));
    return static_cast<std::size_t>(p - out);
}

}  // namespace txscreen
