#include "controlplane/avro_records.h"

#include <cmath>
#include <span>

#include "common/currency.h"
#include "common/response_code.h"
#include "controlplane/avro_encode.h"
#include "controlplane/verdict_json.h"

namespace txscreen {

// Defined in the source generated from controlplane/schemas/*.avsc (embed_schemas.py).
extern const char avro_schema_scored_json[];
extern const char avro_schema_alerts_json[];
extern const char avro_schema_rejects_json[];
extern const char avro_schema_outcomes_json[];
extern const char avro_schema_aggregates_json[];
extern const char avro_schema_spikes_json[];

std::string_view avro_schema_json(spool_table t) noexcept {
    switch (t) {
        case spool_table::scored: return avro_schema_scored_json;
        case spool_table::alerts: return avro_schema_alerts_json;
        case spool_table::rejects: return avro_schema_rejects_json;
        case spool_table::outcomes: return avro_schema_outcomes_json;
        case spool_table::aggregates: return avro_schema_aggregates_json;
        case spool_table::spikes: return avro_schema_spikes_json;
    }
    return avro_schema_scored_json;
}

namespace avro {

uint8_t* put_string_slow(uint8_t* p, const char* s, std::size_t n) noexcept {
    // Encode into a scratch area right after the longest possible length prefix, then
    // move it down behind the real prefix (lengths are only known at the end).
    uint8_t* body = p + max_varint_bytes;
    uint8_t* w = body;
    const auto* u = reinterpret_cast<const uint8_t*>(s);
    std::size_t i = 0;
    while (i < n) {
        uint8_t c = u[i];
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        bool ok = len != 0 && i + len <= n;
        for (std::size_t k = 1; ok && k < len; ++k) ok = (u[i + k] & 0xc0) == 0x80;
        if (ok && len >= 2) {
            // Overlong forms, surrogates and code points past U+10FFFF are invalid too.
            uint32_t cp = len == 2 ? (c & 0x1fu) : len == 3 ? (c & 0x0fu) : (c & 0x07u);
            for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (u[i + k] & 0x3fu);
            ok = (len == 2 && cp >= 0x80) || (len == 3 && cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)) ||
                 (len == 4 && cp >= 0x10000 && cp <= 0x10ffff);
        }
        if (ok) {
            std::memcpy(w, u + i, len);
            w += len;
            i += len;
        } else {
            *w++ = 0xef; *w++ = 0xbf; *w++ = 0xbd;
            ++i;
        }
    }
    std::size_t out_len = static_cast<std::size_t>(w - body);
    uint8_t* q = put_long(p, static_cast<int64_t>(out_len));
    std::memmove(q, body, out_len);
    return q + out_len;
}

}  // namespace avro

namespace {

using namespace avro;

template <std::size_t N>
uint8_t* put_text(uint8_t* p, const fixed_text<N>& t) noexcept {
    return put_string(p, t.data, t.len < N ? t.len : N);
}

template <std::size_t N>
uint8_t* put_cstr(uint8_t* p, const char (&s)[N]) noexcept {
    return put_string(p, s, cstr_len(s, N));
}

uint8_t* put_lit(uint8_t* p, std::string_view s) noexcept { return put_bytes(p, s.data(), s.size()); }

constexpr std::string_view channel_name(channel c) noexcept {
    switch (c) {
        case channel::pos: return "pos";
        case channel::ecom: return "ecom";
        case channel::atm: return "atm";
        case channel::unknown: break;
    }
    return "unknown";
}

// Token as 32 lower-case hex digits: the same key Kafka uses.
uint8_t* put_token_hex(uint8_t* p, const uint8_t (&token)[card_token_bytes]) noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    *p++ = static_cast<uint8_t>(2 * card_token_bytes * 2);  // zig-zag of 32 = 64, one byte
    for (std::size_t i = 0; i < card_token_bytes; ++i) {
        *p++ = static_cast<uint8_t>(hex[token[i] >> 4]);
        *p++ = static_cast<uint8_t>(hex[token[i] & 0xf]);
    }
    return p;
}

uint8_t* put_currency_alpha(uint8_t* p, uint16_t numeric) noexcept {
    const currency_info* ci = numeric ? currency_by_numeric(numeric) : nullptr;
    return ci ? put_bytes(p, ci->alpha, cstr_len(ci->alpha, 4)) : put_long(p, 0);
}

// Avro float: 4 bytes, little-endian IEEE 754 (x86 is little-endian already).
uint8_t* put_float(uint8_t* p, float f) noexcept {
    std::memcpy(p, &f, 4);
    return p + 4;
}

// The feature vector (rules/features.h) as an array of floats, empty when the verdict
// has none (features_version 0: an outcome, or scored before any ruleset).
uint8_t* put_features(uint8_t* p, const Verdict& v) noexcept {
    if (v.features_version != 0) {
        p = put_long(p, feature_count);
        for (int i = 0; i < feature_count; ++i) p = put_float(p, v.features[i]);
    }
    return put_long(p, 0);  // end of the array
}

uint8_t* put_rule_name(uint8_t* p, const Verdict& v, uint16_t rule_id, const avro_rule_namer& names) noexcept {
    std::string_view n;
    if (names) n = names(v.ruleset_version, rule_id);
    if (!n.empty()) {
        if (n.size() > avro_rule_name_max) n = n.substr(0, avro_rule_name_max);
        return put_string(p, n.data(), n.size());
    }
    char buf[16] = {'r', 'u', 'l', 'e', '_'};
    std::size_t len = 5;
    char digits[6];
    int nd = 0;
    unsigned id = rule_id;
    do { digits[nd++] = static_cast<char>('0' + id % 10); id /= 10; } while (id);
    while (nd) buf[len++] = digits[--nd];
    return put_bytes(p, buf, len);
}

}  // namespace

std::size_t encode_verdict_avro(const Verdict& v, const avro_rule_namer& names, uint8_t* out) noexcept {
    const Txn& t = v.txn;
    uint8_t* p = out;
    p = put_long(p, avro_schema_version);
    p = put_lit(p, t.format == payload_format::iso8583 ? "iso8583" : "json");
    p = put_text(p, t.txn_id);
    p = put_long(p, t.mti);
    p = put_cstr(p, t.stan);
    p = put_cstr(p, t.rrn);
    p = put_text(p, t.terminal_id);
    p = put_text(p, t.acquirer_id);
    p = put_token_hex(p, t.card_token);
    p = put_text(p, t.card_id);
    p = put_text(p, t.account_id);
    p = put_cstr(p, t.card_bin);
    p = put_cstr(p, t.card_last4);
    p = put_long(p, t.pan_len);
    p = put_long(p, t.amount_minor);
    p = put_currency_alpha(p, t.currency);
    p = put_long(p, t.currency);
    p = put_long(p, t.currency_exponent);
    p = put_text(p, t.merchant_id);
    p = put_text(p, t.merchant_name);
    p = put_long(p, t.mcc);
    p = put_cstr(p, t.country);
    p = put_text(p, t.city);
    p = put_lit(p, channel_name(t.chan));
    p = put_long(p, t.event_time_ms);

    p = put_long(p, v.score);
    p = put_lit(p, decision_name(v.dec));
    p = put_bool(p, v.alert);
    p = put_bool(p, v.duplicate);
    const int n_reasons = v.n_reasons < max_verdict_reasons ? v.n_reasons : max_verdict_reasons;
    if (n_reasons > 0) {
        p = put_long(p, n_reasons);
        for (int i = 0; i < n_reasons; ++i) {
            const verdict_reason& r = v.reasons[i];
            p = put_rule_name(p, v, r.rule_id, names);
            p = put_long(p, r.rule_id);
            p = put_long(p, r.weight);
            p = put_double(p, r.value);
            p = put_double(p, r.limit);
        }
    }
    p = put_long(p, 0);  // end of the reasons array
    const int n_patterns = v.n_patterns < max_verdict_patterns ? v.n_patterns : max_verdict_patterns;
    if (n_patterns > 0) {
        p = put_long(p, n_patterns);
        for (int i = 0; i < n_patterns; ++i) p = put_long(p, v.pattern_ids[i]);
    }
    p = put_long(p, 0);
    p = put_long(p, v.pattern_categories);
    p = put_long(p, v.ruleset_version);
    p = put_long(p, v.patterns_version);
    p = put_long(p, t.feed_id);
    p = put_long(p, static_cast<int64_t>(t.feed_seq));
    p = put_long(p, v.worker);
    p = put_long(p, v.rx_ns);
    p = put_long(p, v.verdict_ns);
    // Added last, with defaults (docs/schemas.md, "Compatibility"): "" and 0 when no case.
    if (v.case_id != 0) {
        char id[16];
        write_id_hex(v.case_id, id);
        p = put_bytes(p, id, sizeof id);
    } else {
        p = put_long(p, 0);
    }
    p = put_long(p, v.case_seq);
    p = put_features(p, v);
    p = put_long(p, v.features_version);
    return static_cast<std::size_t>(p - out);
}

std::size_t encode_reject_avro(const reject_record& r, uint8_t* out) noexcept {
    uint8_t* p = out;
    p = put_long(p, avro_schema_version);
    p = put_long(p, r.feed_id);
    p = put_long(p, static_cast<int64_t>(r.feed_seq));
    std::string_view name = static_cast<std::size_t>(r.reason) < reject_reason_count ? reject_name(r.reason)
                                                                                       : std::string_view("unknown");
    p = put_lit(p, name);
    p = put_long(p, r.length);
    p = put_long(p, r.rx_ns);
    p = put_long(p, r.field);
    return static_cast<std::size_t>(p - out);
}

// Field order of controlplane/schemas/outcomes.avsc.
std::size_t encode_outcome_avro(const Verdict& v, uint8_t* out) noexcept {
    const Txn& t = v.txn;
    uint8_t* p = out;
    p = put_long(p, avro_schema_version);
    p = put_long(p, t.feed_id);
    p = put_long(p, t.request_mti);
    p = put_long(p, t.mti);
    p = put_cstr(p, t.stan);
    p = put_cstr(p, t.rrn);
    p = put_text(p, t.terminal_id);
    p = put_text(p, t.merchant_id);
    p = put_token_hex(p, t.card_token);
    p = put_cstr(p, t.card_bin);
    p = put_cstr(p, t.card_last4);
    p = put_long(p, t.amount_minor);
    p = put_currency_alpha(p, t.currency);
    p = put_long(p, t.currency);
    p = put_long(p, t.currency_exponent);
    p = put_long(p, t.event_time_ms);
    p = put_cstr(p, t.response_code);
    p = put_cstr(p, t.auth_code);
    p = put_bool(p, response_declined(t.response_code));
    p = put_long(p, t.issuer_response_us);
    p = put_long(p, t.request_rx_ns);
    p = put_long(p, v.rx_ns);
    return static_cast<std::size_t>(p - out);
}

namespace {

// Field kinds of the schemas, in order, for the structural walker.
enum class kind : uint8_t { l, s, b, d, reasons, longs, amounts, floats };

constexpr kind verdict_fields[] = {
    kind::l, kind::s, kind::s, kind::l, kind::s, kind::s, kind::s, kind::s,  // .. acquirer_id
    kind::s, kind::s, kind::s, kind::s, kind::s, kind::l, kind::l,           // card_token .. amount_minor
    kind::s, kind::l, kind::l, kind::s, kind::s, kind::l, kind::s, kind::s,  // currency .. city
    kind::s, kind::l, kind::l, kind::s, kind::b, kind::b,                    // channel .. duplicate
    kind::reasons, kind::longs, kind::l, kind::l, kind::l, kind::l, kind::l, kind::l, kind::l, kind::l,
    kind::s, kind::l,                                                        // case_id, case_seq
    kind::floats, kind::l,                                                   // features, features_version
};
// avro_analytics.cpp's encoders, in the order of aggregates.avsc and spikes.avsc.
constexpr kind aggregate_fields[] = {
    kind::l, kind::l, kind::l, kind::s, kind::s, kind::s,                    // .. kind
    kind::l, kind::l, kind::l, kind::l, kind::l, kind::l, kind::l, kind::l,  // transactions .. gaps
    kind::l, kind::l, kind::l, kind::amounts, kind::l,                       // distinct_cards .. amounts_other
};
constexpr kind spike_fields[] = {
    kind::l, kind::s, kind::s, kind::s, kind::s, kind::l, kind::l,  // .. window_end_ms
    kind::d, kind::d, kind::d, kind::d, kind::d, kind::l, kind::l,  // observed .. alerts
};
constexpr kind reject_fields[] = {kind::l, kind::l, kind::l, kind::s, kind::l, kind::l, kind::l};
constexpr kind outcome_fields[] = {
    kind::l, kind::l, kind::l, kind::l, kind::s, kind::s, kind::s, kind::s,  // .. merchant_id
    kind::s, kind::s, kind::s, kind::l, kind::s, kind::l, kind::l, kind::l,  // card_token .. event_time_ms
    kind::s, kind::s, kind::b, kind::l, kind::l, kind::l,                    // response_code .. response_rx_ns
};

// One element of an array field: a reason {rule, rule_id, weight, value, limit}, an
// amount {currency, currency_numeric, currency_exponent, transactions, amount_minor},
// or a long.
bool skip_element(const uint8_t*& p, const uint8_t* end, kind items) noexcept {
    int64_t x;
    switch (items) {
        case kind::reasons:
            if (!skip_bytes(p, end) || !get_long(p, end, x) || !get_long(p, end, x) || end - p < 16) return false;
            p += 16;
            return true;
        case kind::amounts:
            if (!skip_bytes(p, end)) return false;
            for (int i = 0; i < 4; ++i)
                if (!get_long(p, end, x)) return false;
            return true;
        case kind::floats:
            if (end - p < 4) return false;
            p += 4;
            return true;
        default:
            return get_long(p, end, x);
    }
}

bool skip_array(const uint8_t*& p, const uint8_t* end, kind items) noexcept {
    for (;;) {
        int64_t n;
        if (!get_long(p, end, n)) return false;
        if (n == 0) return true;
        if (n < 0) {  // a negative count is followed by the block's byte size
            int64_t bytes;
            if (!get_long(p, end, bytes)) return false;
            n = -n;
        }
        if (n > end - p) return false;
        for (int64_t i = 0; i < n; ++i)
            if (!skip_element(p, end, items)) return false;
    }
}

std::span<const kind> fields_of(spool_table t) noexcept {
    switch (t) {
        case spool_table::rejects: return reject_fields;
        case spool_table::outcomes: return outcome_fields;
        case spool_table::aggregates: return aggregate_fields;
        case spool_table::spikes: return spike_fields;
        case spool_table::scored:
        case spool_table::alerts: break;
    }
    return verdict_fields;
}

}  // namespace

bool skip_avro_record(spool_table t, const uint8_t*& p, const uint8_t* end) noexcept {
    for (const kind k : fields_of(t)) {
        int64_t x;
        switch (k) {
            case kind::l:
                if (!get_long(p, end, x)) return false;
                break;
            case kind::s:
                if (!skip_bytes(p, end)) return false;
                break;
            case kind::b:
                if (p >= end || *p > 1) return false;
                ++p;
                break;
            case kind::d:
                if (end - p < 8) return false;
                p += 8;
                break;
            case kind::reasons:
            case kind::longs:
            case kind::amounts:
            case kind::floats:
                if (!skip_array(p, end, k)) return false;
                break;
        }
    }
    return true;
}

}  // namespace txscreen
