#include "controlplane/verdict_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "common/civil_time.h"
#include "common/currency.h"
#include "common/response_code.h"
#include "controlplane/json_writer.h"

namespace txscreen {

namespace {

using json::json_writer;
using json::write_decimal_amount;

const char* channel_name(channel c) noexcept {
    switch (c) {
        case channel::pos: return "pos";
        case channel::ecom: return "ecom";
        case channel::atm: return "atm";
        case channel::unknown: break;
    }
    return "unknown";
}

// MTIs are written as 4 digits ("0200").
void write_mti(json_writer& w, uint16_t mti) noexcept {
    char buf[8];
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<unsigned>(mti));
    const std::size_t n = static_cast<std::size_t>(r.ptr - buf);
    char text[5] = {'0', '0', '0', '0', '0'};
    std::memcpy(text + (n <= 4 ? 4 - n : 0), buf, n);
    w.str({text, n <= 4 ? 4 : n});
}

// "amount" .. "currency_exponent", as in the verdict.
void write_amount(json_writer& w, const Txn& t) noexcept {
    const currency_info* cur = t.currency != 0 ? currency_by_numeric(t.currency) : nullptr;
    const unsigned exponent = cur ? cur->exponent : t.currency_exponent;
    w.key("amount");
    write_decimal_amount(w, t.amount_minor, exponent);
    w.key("amount_minor");
    w.i64(t.amount_minor);
    w.key("currency");
    if (cur)
        w.cstr(cur->alpha, sizeof cur->alpha);
    else
        w.raw("null");
    w.key("currency_numeric");
    w.u64(t.currency);
    w.key("currency_exponent");
    w.u64(exponent);
}

void write_rule_name(json_writer& w, const verdict_json_names& names, uint32_t version,
                     uint16_t id) noexcept {
    std::string_view name;
    if (names.rule) name = names.rule(version, id);
    if (name.empty()) {
        char buf[16] = "rule_";
        auto r = std::to_chars(buf + 5, buf + sizeof buf, id);
        w.str({buf, static_cast<std::size_t>(r.ptr - buf)});
        return;
    }
    w.str(name.substr(0, json_name_max));
}

void write_category_name(json_writer& w, const verdict_json_names& names, unsigned bit) noexcept {
    std::string_view name;
    if (names.category) name = names.category(bit);
    if (name.empty()) {
        char buf[16] = "category_";
        auto r = std::to_chars(buf + 9, buf + sizeof buf, bit);
        w.str({buf, static_cast<std::size_t>(r.ptr - buf)});
        return;
    }
    w.str(name.substr(0, json_name_max));
}

}  // namespace

std::size_t write_rfc3339_ms(int64_t ms, char out[32]) noexcept {
    // Years outside 0000..9999 cannot be written in RFC 3339: such a timestamp (a decoder
    // bug or a hostile one, not a real transaction) is written as the nearest end.
    constexpr int64_t ms_per_day = 86'400'000;
    constexpr int64_t first_ms = days_from_civil(0, 1, 1) * ms_per_day;
    constexpr int64_t last_ms = days_from_civil(10000, 1, 1) * ms_per_day - 1;
    const civil_time t = civil_from_ms(std::clamp(ms, first_ms, last_ms));
    const int64_t rem = t.ms_of_day, y = t.date.year;
    const unsigned mo = t.date.month, d = t.date.day;
    auto two = [](char* p, unsigned v) {
        p[0] = static_cast<char>('0' + v / 10);
        p[1] = static_cast<char>('0' + v % 10);
    };
    const auto msd = static_cast<unsigned>(rem);
    const unsigned hh = msd / 3'600'000, mi = msd / 60'000 % 60, ss = msd / 1000 % 60, frac = msd % 1000;
    const auto yy = static_cast<unsigned>(y);
    two(out, yy / 100);
    two(out + 2, yy % 100);
    out[4] = '-';
    two(out + 5, mo);
    out[7] = '-';
    two(out + 8, d);
    out[10] = 'T';
    two(out + 11, hh);
    out[13] = ':';
    two(out + 14, mi);
    out[16] = ':';
    two(out + 17, ss);
    out[19] = '.';
    out[20] = static_cast<char>('0' + frac / 100);
    out[21] = static_cast<char>('0' + frac / 10 % 10);
    out[22] = static_cast<char>('0' + frac % 10);
    out[23] = 'Z';
    return 24;
}

void write_token_hex(const uint8_t token[card_token_bytes], char out[2 * card_token_bytes]) noexcept {
    static constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < card_token_bytes; ++i) {
        out[2 * i] = digits[token[i] >> 4];
        out[2 * i + 1] = digits[token[i] & 15];
    }
}

void write_id_hex(uint64_t id, char out[16]) noexcept {
    static constexpr char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i, id >>= 4) out[i] = digits[id & 15];
}

std::size_t write_verdict_json(const Verdict& v, const verdict_json_names& names, char* out,
                               std::size_t cap) noexcept {
    const Txn& t = v.txn;
    json_writer w(out, cap);
    char buf[64];

    w.open_object();
    w.key("schema_version");
    w.u64(verdict_json_schema_version);
    w.key("type");
    w.str("verdict");

    // ---- identity: JSON feeds carry txn_id; ISO 8583 is identified by STAN+RRN+terminal
    w.key("format");
    w.str(t.format == payload_format::iso8583 ? "iso8583" : "json");
    w.key("txn_id");
    w.str(t.txn_id.view());
    w.key("mti");
    if (t.mti != 0 || t.format == payload_format::iso8583)
        write_mti(w, t.mti);
    else
        w.raw("null");
    w.key("stan");
    w.cstr(t.stan, sizeof t.stan);
    w.key("rrn");
    w.cstr(t.rrn, sizeof t.rrn);
    w.key("terminal_id");
    w.str(t.terminal_id.view());
    w.key("acquirer_id");
    w.str(t.acquirer_id.view());

    // ---- card: token, BIN, last four; never the PAN
    w.key("card_token");
    write_token_hex(t.card_token, buf);
    w.str({buf, 2 * card_token_bytes});
    w.key("card_id");
    w.str(t.card_id.view());
    w.key("account_id");
    w.str(t.account_id.view());
    w.key("bin");
    w.cstr(t.card_bin, sizeof t.card_bin);
    w.key("last4");
    w.cstr(t.card_last4, sizeof t.card_last4);
    w.key("masked_pan");
    {
        std::size_t bin_len = strnlen(t.card_bin, sizeof t.card_bin);
        std::size_t last_len = strnlen(t.card_last4, sizeof t.card_last4);
        if (t.pan_len == 0 || t.pan_len > 19 || bin_len + last_len > t.pan_len) {
            w.raw("null");
        } else {
            char m[20];
            std::size_t hidden = t.pan_len - bin_len - last_len;
            std::memcpy(m, t.card_bin, bin_len);
            std::memset(m + bin_len, '*', hidden);
            std::memcpy(m + bin_len + hidden, t.card_last4, last_len);
            w.str({m, t.pan_len});
        }
    }

    // ---- amount
    write_amount(w, t);

    // ---- merchant and place
    w.key("merchant_id");
    w.str(t.merchant_id.view());
    w.key("merchant_name");
    w.str(t.merchant_name.view());
    w.key("mcc");
    w.u64(t.mcc);
    w.key("country");
    w.cstr(t.country, sizeof t.country);
    w.key("city");
    w.str(t.city.view());
    w.key("channel");
    w.str(channel_name(t.chan));

    w.key("event_time");
    w.str({buf, write_rfc3339_ms(t.event_time_ms, buf)});
    w.key("event_time_ms");
    w.i64(t.event_time_ms);

    // ---- the verdict
    w.key("score");
    w.u64(v.score);
    w.key("decision");
    w.str(decision_name(v.dec));
    w.key("alert");
    w.boolean(v.alert);
    w.key("duplicate");
    w.boolean(v.duplicate);
    w.key("reasons");
    w.open_array();
    const int n_reasons = v.n_reasons < max_verdict_reasons ? v.n_reasons : max_verdict_reasons;
    for (int i = 0; i < n_reasons; ++i) {
        const verdict_reason& r = v.reasons[i];
        w.element();
        w.open_object();
        w.key("rule");
        write_rule_name(w, names, v.ruleset_version, r.rule_id);
        w.key("rule_id");
        w.u64(r.rule_id);
        w.key("weight");
        w.u64(r.weight);
        w.key("value");
        w.dbl(r.value);
        w.key("limit");
        w.dbl(r.limit);
        w.close_object();
    }
    w.close_array();
    w.key("pattern_ids");
    w.open_array();
    const int n_patterns = v.n_patterns < max_verdict_patterns ? v.n_patterns : max_verdict_patterns;
    for (int i = 0; i < n_patterns; ++i) {
        w.element();
        w.u64(v.pattern_ids[i]);
    }
    w.close_array();
    w.key("pattern_categories");
    w.open_array();
    for (unsigned bit = 0; bit < 16; ++bit) {
        if (!(v.pattern_categories & (1u << bit))) continue;
        w.element();
        write_category_name(w, names, bit);
    }
    w.close_array();
    w.key("ruleset_version");
    w.u64(v.ruleset_version);
    w.key("patterns_version");
    w.u64(v.patterns_version);

    // ---- provenance and timing
    w.key("feed_id");
    w.u64(t.feed_id);
    w.key("feed_seq");
    w.u64(t.feed_seq);
    w.key("worker");
    w.u64(v.worker);
    w.key("rx_ns");
    w.i64(v.rx_ns);
    w.key("verdict_ns");
    w.i64(v.verdict_ns);
    // Added last (docs/schemas.md, "Compatibility"), and only on an alert the case
    // tracker stamped: a consumer groups a card's alerts by case_id.
    if (v.case_id != 0) {
        w.key("case_id");
        write_id_hex(v.case_id, buf);
        w.str({buf, 16});
        w.key("case_seq");
        w.u64(v.case_seq);
    }
    w.close_object();
    return w.finish();
}

std::size_t write_outcome_json(const Verdict& v, char* out, std::size_t cap) noexcept {
    const Txn& t = v.txn;
    json_writer w(out, cap);
    char buf[32];
    w.open_object();
    w.key("schema_version");
    w.u64(verdict_json_schema_version);
    w.key("type");
    w.str("outcome");
    w.key("feed_id");
    w.u64(t.feed_id);
    w.key("request_mti");
    write_mti(w, t.request_mti);
    w.key("response_mti");
    write_mti(w, t.mti);
    w.key("stan");
    w.cstr(t.stan, sizeof t.stan);
    w.key("rrn");
    w.cstr(t.rrn, sizeof t.rrn);
    w.key("terminal_id");
    w.str(t.terminal_id.view());
    w.key("merchant_id");
    w.str(t.merchant_id.view());
    w.key("card_token");
    write_token_hex(t.card_token, buf);
    w.str({buf, 2 * card_token_bytes});
    w.key("bin");
    w.cstr(t.card_bin, sizeof t.card_bin);
    w.key("last4");
    w.cstr(t.card_last4, sizeof t.card_last4);
    write_amount(w, t);
    w.key("event_time");
    w.str({buf, write_rfc3339_ms(t.event_time_ms, buf)});
    w.key("event_time_ms");
    w.i64(t.event_time_ms);
    w.key("response_code");
    w.cstr(t.response_code, sizeof t.response_code);
    w.key("auth_code");
    w.cstr(t.auth_code, sizeof t.auth_code);
    w.key("declined");
    w.boolean(response_declined(t.response_code));
    w.key("issuer_response_us");
    w.u64(t.issuer_response_us);
    w.key("request_rx_ns");
    w.i64(t.request_rx_ns);
    w.key("response_rx_ns");
    w.i64(v.rx_ns);
    w.close_object();
    return w.finish();
}

std::size_t write_reject_json(const reject_record& r, char* out, std::size_t cap) noexcept {
    json_writer w(out, cap);
    char buf[32];
    const bool known = static_cast<std::size_t>(r.reason) < reject_reason_count;
    w.open_object();
    w.key("schema_version");
    w.u64(verdict_json_schema_version);
    w.key("type");
    w.str("reject");
    w.key("feed_id");
    w.u64(r.feed_id);
    w.key("feed_seq");
    w.u64(r.feed_seq);
    w.key("reason");
    w.str(known ? reject_name(r.reason) : std::string_view("unknown"));
    w.key("description");
    w.str(known ? reject_description(r.reason) : std::string_view("unknown reject reason"));
    w.key("length");
    w.u64(r.length);
    w.key("rx_time");
    // Floor to ms so times before 1970 still land on the right millisecond.
    int64_t ms = r.rx_ns / 1'000'000 - (r.rx_ns % 1'000'000 < 0 ? 1 : 0);
    w.str({buf, write_rfc3339_ms(ms, buf)});
    w.key("rx_ns");
    w.i64(r.rx_ns);
    w.key("field");  // added last (docs/schemas.md, "Compatibility")
    w.u64(r.field);
    w.close_object();
    return w.finish();
}

}  // namespace txscreen
