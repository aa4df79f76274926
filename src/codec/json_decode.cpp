#include "codec/json_decode.h"
#include "codec/json_number.h"
#include "codec/record_write.h"

#include <simdjson.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <charconv>
#include <cstring>
#include <limits>
#include <new>
#include <string_view>
#include <utility>

#include "common/civil_time.h"
#include "common/currency.h"
#include "common/pan_scrub.h"

namespace txscreen {
namespace {

namespace od = simdjson::ondemand;

using codec::clear_record;
using codec::put_text;

// Amounts above 10^17 minor units are no real payment and would leave no headroom for
// the sums velocity keeps; refuse them instead of risking overflow downstream.
constexpr int64_t max_amount_minor = 100'000'000'000'000'000;

// Parses exactly `n` ASCII digits at s; returns -1 when any is not a digit.
inline int digits_at(const char* s, int n) noexcept {
    int v = 0;
    for (int i = 0; i < n; ++i) {
        unsigned d = static_cast<unsigned char>(s[i]) - '0';
        if (d > 9) return -1;
        v = v * 10 + static_cast<int>(d);
    }
    return v;
}

// RFC 3339 date-time: YYYY-MM-DD('T'|'t'|' ')hh:mm:ss[.frac]('Z'|'z'|(+|-)hh:mm).
// Fractions beyond milliseconds are truncated; a leap second (:60) is kept as the
// next second, which is the instant it shares with POSIX time. Returns false when the
// text is not that or a field is out of range.
bool parse_rfc3339(std::string_view s, int64_t& out_ms) noexcept {
    if (s.size() < 20) return false;
    const char* p = s.data();
    // All fourteen digits at once, with one combined validity test: a digit loop with an
    // early exit is a serial chain of compares and branches.
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    unsigned bad = 0;
    auto dg = [&](int i) {
        const unsigned v = static_cast<unsigned>(u[i]) - '0';
        bad |= v > 9;
        return static_cast<int>(v);
    };
    const int y = dg(0) * 1000 + dg(1) * 100 + dg(2) * 10 + dg(3);
    const int mo = dg(5) * 10 + dg(6), d = dg(8) * 10 + dg(9);
    const int h = dg(11) * 10 + dg(12), mi = dg(14) * 10 + dg(15), se = dg(17) * 10 + dg(18);
    bad |= (p[4] != '-') | (p[7] != '-') | ((p[10] | 0x20) != 't' && p[10] != ' ') | (p[13] != ':') | (p[16] != ':');
    bad |= (mo < 1) | (mo > 12) | (d < 1) | (h > 23) | (mi > 59) | (se > 60);
    if (bad) return false;
    if (!valid_date(y, mo, d)) return false;

    std::size_t i = 19;
    int ms = 0;
    if (s[i] == '.') {
        ++i;
        const std::size_t frac_start = i;
        int scale = 100;
        while (i < s.size() && json_digit(s[i])) {
            ms += (s[i] - '0') * scale;
            scale /= 10;
            ++i;
        }
        if (i == frac_start) return false;  // "." with no digits
    }
    if (i >= s.size()) return false;
    int64_t offset_min = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
    } else if (s[i] == '+' || s[i] == '-') {
        if (s.size() - i != 6 || s[i + 3] != ':') return false;
        const int oh = digits_at(p + i + 1, 2), om = digits_at(p + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return false;
        offset_min = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return false;
    }
    if (i != s.size()) return false;

    const int64_t days = days_from_civil(y, mo, d);
    const int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
    out_ms = secs * 1000 + ms;
    return out_ms >= 0 && out_ms <= max_event_time_ms;
}

// True when s is a number as RFC 8259 section 6 spells it: an optional minus, an
// integer part that is 0 or starts with 1-9 (no leading zeros: "00012" is not JSON), an
// optional fraction with at least one digit, an optional exponent with at least one.

// True when a string value holds what should have been sent as a JSON number: a
// decimal as strtod reads one ("19.99", "1e2", "-5", "+.5", "00012"), so that the
// reject names the quoting rather than the value. "2026-11-23" or "1,5" are not.
bool numeric_string(std::string_view s) noexcept {
    std::size_t i = 0;
    const std::size_t n = s.size();
    auto digits = [&] {
        const std::size_t start = i;
        while (i < n && json_digit(s[i])) ++i;
        return i - start;
    };
    if (i < n && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t mantissa = digits();
    if (i < n && s[i] == '.') {
        ++i;
        mantissa += digits();
    }
    if (mantissa == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
        if (digits() == 0) return false;
    }
    return i == n;
}

enum class amount_parse : uint8_t { ok, bad_number, bad_value };

// A JSON number's text to exact minor units: the digits are shifted by `exponent`
// places without any binary floating point, so 19.99 USD is 1999 and never
// 1998.9999. Digits that fall below the minor unit must be zeros (1.230 USD is fine,
// 1.234 is not). bad_number: not RFC 8259 (00012, 1., .5); bad_value: a sign,
// overflow, a non-zero digit below the minor unit, or a value above max_amount_minor.
amount_parse parse_amount(std::string_view s, int exponent, int64_t& out) noexcept {
    if (!rfc8259_number(s)) return amount_parse::bad_number;
    const json_number_parts p = split_json_number(s);
    if (p.negative) return amount_parse::bad_value;  // refunds are their own message types
    // An exponent whose digits before its last already passed 1000: no amount.
    if (p.exp10 > 10'009 || p.exp10 < -10'009) return amount_parse::bad_value;

    // The minor-unit point sits `keep` digits into the mantissa digit sequence.
    const int64_t total = p.digits();
    const int64_t keep = static_cast<int64_t>(p.int_digits.size()) + p.exp10 + exponent;
    int64_t v = 0;
    for (int64_t k = 0; k < total; ++k) {
        const unsigned d = p.digit(k);
        if (k < keep) {
            if (v > (max_amount_minor - d) / 10) return amount_parse::bad_value;
            v = v * 10 + d;
        } else if (d != 0) {
            return amount_parse::bad_value;  // a non-zero digit below the minor unit
        }
    }
    for (int64_t k = total; k < keep; ++k) {
        if (v > max_amount_minor / 10) return amount_parse::bad_value;
        v *= 10;
    }
    out = v;
    return amount_parse::ok;
}

// Keys of the JSON payload (docs/feeds.md, "JSON payload"). Dispatch is by length and
// then a short compare.
enum class key_id : uint8_t {
    unknown, txn_id, ts, card, card_id, account_id, amount, currency, merchant_id, merchant_name,
    mcc, country, city, lat, lon, channel, device_id, ip, email,
};

inline key_id classify_key(const char* k, std::size_t n) noexcept {
    auto is = [&](const char* lit) { return std::memcmp(k, lit, n) == 0; };
    switch (n) {
        case 2: return is("ts") ? key_id::ts : is("ip") ? key_id::ip : key_id::unknown;
        case 3: return is("mcc") ? key_id::mcc : is("lat") ? key_id::lat : is("lon") ? key_id::lon : key_id::unknown;
        case 4: return is("card") ? key_id::card : is("city") ? key_id::city : key_id::unknown;
        case 5: return is("email") ? key_id::email : key_id::unknown;
        case 6: return is("txn_id") ? key_id::txn_id : is("amount") ? key_id::amount : key_id::unknown;
        case 7:
            return is("card_id") ? key_id::card_id
                 : is("country") ? key_id::country
                 : is("channel") ? key_id::channel
                                 : key_id::unknown;
        case 8: return is("currency") ? key_id::currency : key_id::unknown;
        case 9: return is("device_id") ? key_id::device_id : key_id::unknown;
        case 10: return is("account_id") ? key_id::account_id : key_id::unknown;
        case 11: return is("merchant_id") ? key_id::merchant_id : key_id::unknown;
        case 13: return is("merchant_name") ? key_id::merchant_name : key_id::unknown;
        default: return key_id::unknown;
    }
}

// Length of a raw (still escaped) key: the bytes up to the closing quote. A key with
// an escape or longer than any known key is reported as 0 (unknown): none of ours
// needs escaping, and a producer spelling "txn\u005fid" gets json_missing_key.
inline std::size_t raw_key_length(const char* k) noexcept {
    for (std::size_t i = 0; i < 14; ++i) {
        if (k[i] == '"') return i;
        if (k[i] == '\\') return 0;
    }
    return 0;
}

// Maps a simdjson error on a value read: a type mismatch is the producer's schema
// error, anything else means the text is not valid JSON.
inline reject_reason value_error(simdjson::error_code e) noexcept {
    return e == simdjson::INCORRECT_TYPE ? reject_reason::json_bad_type : reject_reason::json_syntax;
}

inline char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline bool iequals(std::string_view a, std::string_view lower) noexcept {
    if (a.size() != lower.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (ascii_lower(a[i]) != lower[i]) return false;
    return true;
}

inline std::string_view trim_right(std::string_view s) noexcept {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// Where string values that need unescaping go (simdjson's own string buffer is not
// used: see string_of).
struct unescape_area {
    simdjson::ondemand::parser* parser;
    uint8_t* next;
};

// The content of a string value (the caller checked its type). Consuming it as a raw
// string and finding the closing quote ourselves (one 64-byte compare) is cheaper than
// get_string(), which copies every string through simdjson's unescaper. Only a string
// with a backslash before its closing quote, or longer than 64 bytes, is unescaped (into
// `area`). `v` lies in the decoder's padded buffer: 64 bytes past any value are readable.
// Unescaped control characters and bad UTF-8 were refused by simdjson's first stage.
// Always inlined: the walk calls it for every string key, and once the walk grew (PAN
// scrubbing, issue #13) GCC stopped inlining it: +30 ns per JSON message (bench_decode).
[[gnu::always_inline]] inline simdjson::error_code string_of(od::value& v, unescape_area& area,
                                                             std::string_view& out) noexcept {
    od::raw_json_string raw;
    if (auto e = v.get_raw_json_string().get(raw)) [[unlikely]]
        return e;
    const char* p = reinterpret_cast<const char*>(raw.raw());
#if defined(__AVX512BW__)
    const __m512i x = _mm512_loadu_si512(p);
    const uint64_t quote = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('"'));
    const uint64_t escape = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\\'));
    // No backslash before the first quote: the bytes up to it are the value as is.
    if (quote && (escape & (quote ^ (quote - 1))) == 0) [[likely]] {
        out = std::string_view(p, static_cast<std::size_t>(__builtin_ctzll(quote)));
        return simdjson::SUCCESS;
    }
#endif
    return area.parser->unescape(raw, area.next).get(out);
}

// What reading a number key that simdjson refused means: text that is not an RFC 8259
// number is json_bad_number; a valid number of the wrong kind or range gets `otherwise`.
// This and string_for_number are rare paths but always inlined: out of line, the value
// they take by reference cannot live in registers in the walk (+10 ns per message).
[[gnu::always_inline]] inline reject_reason number_error(od::value& v, reject_reason otherwise) noexcept {
    return rfc8259_number(trim_right(v.raw_json_token())) ? otherwise : reject_reason::json_bad_number;
}

// A string where a number is expected: json_numeric_string when it holds a number
// (RFC 8259 has numbers; a quoted one is the producer's schema error), else json_bad_type.
[[gnu::always_inline]] inline reject_reason string_for_number(od::value& v, unescape_area& area) noexcept {
    std::string_view s;
    if (auto e = string_of(v, area, s)) [[unlikely]]
        return value_error(e);
    return numeric_string(s) ? reject_reason::json_numeric_string : reject_reason::json_bad_type;
}

// Masks the PANs in a string value before it is copied (and maybe cut) into its Txn
// field; returns how many. string_of's views lie in the decoder's own copy buffer or
// unescape area, both writable and owned by this decoder, hence the const_cast.
inline unsigned scrub_value(std::string_view s) noexcept {
    return scrub_pans(const_cast<char*>(s.data()), s.size());
}

// Takes the card identity of a card_id value into the stash before its text is masked.
// A card_id that is itself a PAN (whole, digits with or without single separators,
// Luhn-valid; pan_scrub.h) is held as that PAN: its token is the PAN's, as if the
// producer had sent it as "card", and the stored card_id is the masked form. Any other
// id is held as "id:" + card_id, or tokenized now when that exceeds one hash block.
// A repeated card_id key replaces the earlier one; a "card" key later wins over both.
inline void hold_card_id(std::string_view id, const pan_tokenizer& tok, Txn& out, pan_stash& stash) noexcept {
    if (stash.what != pan_stash::kind::none) stash.wipe();
    static_assert(pan_stash::capacity >= pan_max_digits);
    if (const std::size_t n = whole_text_pan(id.data(), id.size(), stash.text)) {
        stash.len = static_cast<uint8_t>(n);
        stash.what = pan_stash::kind::pan;
    } else if (id.size() + 3 <= pan_stash::capacity) [[likely]] {
        std::memcpy(stash.text, "id:", 3);
        std::memcpy(stash.text + 3, id.data(), id.size());
        stash.len = static_cast<uint8_t>(id.size() + 3);
        stash.what = pan_stash::kind::card_id;
    } else {
        tok.tokenize_card_id(id, out.card_token);  // longer than one block: now
    }
}

// Overwrites the clear PAN in the decoder's copy buffer however the function exits, so
// the PAN does not outlive the decode call in memory this decoder owns.
struct pan_wiper {
    char* p = nullptr;
    std::size_t n = 0;
    void clear() noexcept {
        // volatile stores: the compiler may not drop them as dead writes.
        volatile char* v = p;
        for (std::size_t i = 0; i < n; ++i) v[i] = 0;
        p = nullptr;
        n = 0;
    }
    ~pan_wiper() { clear(); }
};

}  // namespace

struct json_decoder::impl {
    explicit impl(const pan_tokenizer& t) : tok(t) {}
    const pan_tokenizer& tok;
    od::parser parser;
    alignas(64) char buf[json_max_message + simdjson::SIMDJSON_PADDING];
    alignas(64) uint8_t unescaped[json_max_message + simdjson::SIMDJSON_PADDING];  // see string_of
};

json_decoder::json_decoder(const pan_tokenizer& tokenizer) : _impl(std::make_unique<impl>(tokenizer)) {
    // Size the parser once so decode() never allocates. Failure here is an init-time
    // out-of-memory, reported the way the rest of init reports it.
    if (_impl->parser.allocate(json_max_message) != simdjson::SUCCESS) throw std::bad_alloc();
}

json_decoder::~json_decoder() = default;

reject_reason json_decoder::decode(const char* msg, std::size_t len, Txn& out) noexcept {
    pan_stash pan;
    const reject_reason r = decode_deferred(msg, len, out, pan);
    if (r == reject_reason::none) _impl->tok.tokenize_stashed(&pan, &out, 1);  // wipes `pan`
    return r;
}

reject_reason json_decoder::decode_deferred(const char* msg, std::size_t len, Txn& out, pan_stash& stash) noexcept {
    const reject_reason r = decode_walk(msg, len, out, stash);
    // A card_id read before the reject sits in the stash: a rejected message leaves
    // nothing to tokenize and no clear identity behind.
    if (r != reject_reason::none) [[unlikely]]
        stash.wipe();
    return r;
}

reject_reason json_decoder::decode_walk(const char* msg, std::size_t len, Txn& out, pan_stash& stash) noexcept {
    stash.what = pan_stash::kind::none;
    stash.len = 0;
    clear_record(out);
    out.format = payload_format::json;
    if (len > json_max_message) [[unlikely]]
        return reject_reason::json_too_large;
    impl& im = *_impl;
    std::memcpy(im.buf, msg, len);
    pan_wiper wipe;
    unescape_area area{&im.parser, im.unescaped};

    od::document doc;
    if (im.parser.iterate(im.buf, len, len + simdjson::SIMDJSON_PADDING).get(doc)) [[unlikely]]
        return reject_reason::json_syntax;
    od::object obj;
    if (doc.get_object().get(obj)) [[unlikely]]
        return reject_reason::json_syntax;

    uint32_t seen = 0;  // bit per key_id
    std::string_view amount_text;
    const currency_info* cur = nullptr;
    uint32_t trunc = 0;
    unsigned masked = 0;  // PANs masked in text values
    uint32_t masked_bits = 0;  // txn_field_bit of each value they were in

    // Copies a string value into a fixed_text field, PANs masked first (over the whole
    // value: a PAN cut in two by the field's size would leave most of its digits);
    // `present` turns false for "" so a required key given as an empty string counts
    // as missing.
    std::string_view last_text;
    auto text = [&](od::value& v, od::json_type t, auto& dst, uint32_t bit, bool& present) -> reject_reason {
        if (t != od::json_type::string) [[unlikely]]
            return reject_reason::json_bad_type;
        if (auto e = string_of(v, area, last_text)) [[unlikely]]
            return value_error(e);
        if (const unsigned k = scrub_value(last_text)) {
            masked += k;
            masked_bits |= bit;
        }
        if (put_text(dst, last_text)) trunc |= bit;
        present = !last_text.empty();
        return reject_reason::none;
    };

    for (auto field_result : obj) {
        // Used in place: get(field) copies the field into another pair, and GCC may
        // reload its iterator with one 16-byte load right after two 8-byte stores, a
        // store-forwarding stall per key (it did when the walk grew: +110 ns per message).
        if (field_result.error()) [[unlikely]]
            return reject_reason::json_syntax;
        od::field& field = field_result.value_unsafe();
        const char* k = field.key().raw();
        const key_id id = classify_key(k, raw_key_length(k));
        if (id == key_id::unknown) continue;  // skipped (whole subtree) by the iterator
        od::value& v = field.value();
        od::json_type t;
        if (v.type().get(t)) [[unlikely]]
            return reject_reason::json_syntax;
        // Producers write null for "no value" (pandas, Avro unions); treat as absent.
        if (t == od::json_type::null) continue;

        reject_reason r = reject_reason::none;
        bool present = true;
        switch (id) {
            case key_id::txn_id:
                r = text(v, t, out.txn_id, tf_txn_id, present);
                break;
            case key_id::account_id:
                r = text(v, t, out.account_id, tf_account_id, present);
                break;
            case key_id::merchant_id:
                r = text(v, t, out.merchant_id, tf_merchant_id, present);
                break;
            case key_id::merchant_name:
                r = text(v, t, out.merchant_name, tf_merchant_name, present);
                break;
            case key_id::city:
                r = text(v, t, out.city, tf_city, present);
                break;
            case key_id::device_id:
                r = text(v, t, out.device_id, tf_device_id, present);
                break;
            case key_id::ip:
                r = text(v, t, out.ip, tf_ip, present);
                break;
            case key_id::email:
                r = text(v, t, out.email, tf_email, present);
                break;
            case key_id::card_id: {
                if (t != od::json_type::string) [[unlikely]]
                    return reject_reason::json_bad_type;
                std::string_view s;
                if (auto e = string_of(v, area, s)) [[unlikely]]
                    return value_error(e);
                // The identity is taken from the clear id (the token covers the whole id,
                // even when the copy is cut); only then is the stored copy masked.
                hold_card_id(s, im.tok, out, stash);
                if (const unsigned k = scrub_value(s)) {
                    masked += k;
                    masked_bits |= tf_card_id;
                }
                if (put_text(out.card_id, s)) trunc |= tf_card_id;
                present = !s.empty();
                break;
            }
            case key_id::card: {
                if (t != od::json_type::string) [[unlikely]]
                    return reject_reason::json_bad_type;
                // Read the PAN from the raw token, in our own buffer, rather than
                // get_string(): that would leave a second clear copy in the parser's
                // string buffer that outlives this call.
                const std::string_view raw = trim_right(v.raw_json_token());
                if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') [[unlikely]]
                    return reject_reason::json_syntax;
                wipe.clear();  // a repeated "card" key: the last one counts, the earlier is wiped now
                wipe.p = im.buf + (raw.data() + 1 - im.buf);
                wipe.n = raw.size() - 2;
                if (wipe.n == 0) present = false;
                break;
            }
            case key_id::ts:
                if (t == od::json_type::number) {
                    int64_t ms;
                    if (v.get_int64().get(ms)) [[unlikely]]
                        return number_error(v, reject_reason::json_bad_timestamp);
                    if (ms < 0 || ms > max_event_time_ms) [[unlikely]]
                        return reject_reason::json_bad_timestamp;
                    out.event_time_ms = ms;
                } else if (t == od::json_type::string) {
                    std::string_view s;
                    if (auto e = string_of(v, area, s)) [[unlikely]]
                        return value_error(e);
                    if (!parse_rfc3339(s, out.event_time_ms)) [[unlikely]]
                        return numeric_string(s) ? reject_reason::json_numeric_string
                                                 : reject_reason::json_bad_timestamp;
                } else [[unlikely]] {
                    return reject_reason::json_bad_type;
                }
                break;
            case key_id::amount:
                if (t == od::json_type::number) {
                    amount_text = trim_right(v.raw_json_token());
                } else [[unlikely]] {
                    return t == od::json_type::string ? string_for_number(v, area) : reject_reason::json_bad_type;
                }
                break;
            case key_id::currency: {
                if (t != od::json_type::string) [[unlikely]]
                    return reject_reason::json_bad_type;
                std::string_view s;
                if (auto e = string_of(v, area, s)) [[unlikely]]
                    return value_error(e);
                cur = currency_by_alpha(s);
                if (!cur) [[unlikely]]
                    return reject_reason::unknown_currency;
                break;
            }
            case key_id::mcc:
                if (t == od::json_type::number) {
                    uint64_t m;
                    if (v.get_uint64().get(m)) [[unlikely]]
                        return number_error(v, reject_reason::json_bad_type);
                    if (m > 9999) [[unlikely]]
                        return reject_reason::json_bad_type;
                    out.mcc = static_cast<uint16_t>(m);
                } else if (t == od::json_type::string) {
                    std::string_view s;
                    if (auto e = string_of(v, area, s)) [[unlikely]]
                        return value_error(e);
                    const int m = s.size() == 4 ? digits_at(s.data(), 4) : -1;
                    if (m < 0) [[unlikely]]
                        return reject_reason::json_bad_type;
                    out.mcc = static_cast<uint16_t>(m);
                } else [[unlikely]] {
                    return reject_reason::json_bad_type;
                }
                break;
            case key_id::country: {
                if (t != od::json_type::string) [[unlikely]]
                    return reject_reason::json_bad_type;
                std::string_view s;
                if (auto e = string_of(v, area, s)) [[unlikely]]
                    return value_error(e);
                if (s.empty()) break;
                if (s.size() != 2) [[unlikely]]
                    return reject_reason::json_bad_type;
                for (int i = 0; i < 2; ++i) {
                    const char c = static_cast<char>(s[i] & ~0x20);  // ASCII upper case
                    if (c < 'A' || c > 'Z') [[unlikely]]
                        return reject_reason::json_bad_type;
                    out.country[i] = c;
                }
                break;
            }
            case key_id::lat:
            case key_id::lon: {
                double d;
                if (t == od::json_type::string) [[unlikely]]
                    return string_for_number(v, area);
                if (t != od::json_type::number) [[unlikely]]
                    return reject_reason::json_bad_type;
                if (auto e = v.get_double().get(d)) [[unlikely]]
                    return e == simdjson::INCORRECT_TYPE ? reject_reason::json_bad_type
                                                         : number_error(v, reject_reason::json_syntax);
                const double lim = id == key_id::lat ? 90.0 : 180.0;
                if (!(d >= -lim && d <= lim)) [[unlikely]]
                    return reject_reason::json_bad_type;
                (id == key_id::lat ? out.lat : out.lon) = static_cast<float>(d);
                break;
            }
            case key_id::channel: {
                if (t != od::json_type::string) [[unlikely]]
                    return reject_reason::json_bad_type;
                std::string_view s;
                if (auto e = string_of(v, area, s)) [[unlikely]]
                    return value_error(e);
                if (iequals(s, "pos")) out.chan = channel::pos;
                else if (iequals(s, "ecom")) out.chan = channel::ecom;
                else if (iequals(s, "atm")) out.chan = channel::atm;
                else [[unlikely]] return reject_reason::json_bad_channel;
                break;
            }
            case key_id::unknown:
                break;
        }
        if (r != reject_reason::none) [[unlikely]]
            return r;
        if (present) seen |= 1u << static_cast<unsigned>(id);
        else seen &= ~(1u << static_cast<unsigned>(id));
    }
    // Anything after the root object ("{...} x", "{...}{...}") makes the message invalid.
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) [[unlikely]]
        return reject_reason::json_syntax;

    auto has = [&](key_id id) { return (seen >> static_cast<unsigned>(id)) & 1u; };
    if (!has(key_id::txn_id) || !has(key_id::ts) || !(has(key_id::card) || has(key_id::card_id)) ||
        !has(key_id::amount) || !has(key_id::currency) || !has(key_id::merchant_id)) [[unlikely]]
        return reject_reason::json_missing_key;

    out.currency = cur->numeric;
    out.currency_exponent = cur->exponent;
    switch (parse_amount(amount_text, cur->exponent, out.amount_minor)) {
        case amount_parse::ok: break;
        case amount_parse::bad_number: [[unlikely]] return reject_reason::json_bad_number;
        case amount_parse::bad_value: [[unlikely]] return reject_reason::json_bad_amount;
    }

    // The token is computed later, several messages at once (tokenize_stashed); the
    // stash holds the exact MAC message. The PAN's copy in `buf` is wiped on return.
    if (has(key_id::card)) {
        if (!pan_valid(wipe.p, wipe.n)) [[unlikely]]
            return reject_reason::bad_pan;
        apply_pan_fields(wipe.p, wipe.n, out);
        if (stash.what != pan_stash::kind::none) stash.wipe();  // a card_id's: the PAN wins
        stash.hold(pan_stash::kind::pan, wipe.p, wipe.n);
    } else if (stash.what == pan_stash::kind::pan) {
        apply_pan_fields(stash.text, stash.len, out);  // the card_id was a PAN
    }
    out.truncated = trunc;
    out.pans_masked = static_cast<uint8_t>(masked < 255 ? masked : 255);
    out.masked_fields = masked_bits;
    return reject_reason::none;
}

// ---- encoder (txgen, tests; off the packet path)

namespace {

void append_escaped(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (char c : s) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += hex[u >> 4];
            out += hex[u & 15];
        } else {
            out += c;
        }
    }
    out += '"';
}

void append_key(std::string& out, std::string_view key) {
    if (out.back() != '{') out += ',';
    out += '"';
    out += key;
    out += "\":";
}

void append_text(std::string& out, std::string_view key, std::string_view value, bool always) {
    if (value.empty() && !always) return;
    append_key(out, key);
    append_escaped(out, value);
}

void append_int(std::string& out, int64_t v) {
    char b[24];
    auto r = std::to_chars(b, b + sizeof b, v);
    out.append(b, r.ptr);
}

void append_pad(std::string& out, int64_t v, int width) {
    char b[24];
    auto r = std::to_chars(b, b + sizeof b, v);
    for (int n = static_cast<int>(r.ptr - b); n < width; ++n) out += '0';
    out.append(b, r.ptr);
}

}  // namespace

void encode_json(const clear_txn& t, std::string& out) {
    out += '{';
    append_text(out, "txn_id", t.txn_id, true);

    // ts: RFC 3339 UTC with milliseconds.
    {
        const civil_time ct = civil_from_ms(t.event_time_ms);
        const civil_date c = ct.date;
        const int64_t rem = ct.ms_of_day;
        append_key(out, "ts");
        out += '"';
        append_pad(out, c.year, 4);
        out += '-';
        append_pad(out, c.month, 2);
        out += '-';
        append_pad(out, c.day, 2);
        out += 'T';
        append_pad(out, rem / 3'600'000, 2);
        out += ':';
        append_pad(out, rem / 60'000 % 60, 2);
        out += ':';
        append_pad(out, rem / 1000 % 60, 2);
        out += '.';
        append_pad(out, rem % 1000, 3);
        out += "Z\"";
    }

    if (!t.pan.empty()) append_text(out, "card", t.pan, true);
    else append_text(out, "card_id", t.card_id, true);
    append_text(out, "account_id", t.account_id, false);

    // amount: a JSON number with exactly `exponent` fraction digits.
    {
        const currency_info* cur = currency_by_alpha(t.currency);
        const int e = cur ? cur->exponent : 2;
        int64_t scale = 1;
        for (int i = 0; i < e; ++i) scale *= 10;
        append_key(out, "amount");
        int64_t a = t.amount_minor;
        if (a < 0) {
            out += '-';
            a = -a;
        }
        append_int(out, a / scale);
        if (e > 0) {
            out += '.';
            append_pad(out, a % scale, e);
        }
    }
    append_text(out, "currency", t.currency, true);
    append_text(out, "merchant_id", t.merchant_id, true);
    append_text(out, "merchant_name", t.merchant_name, false);
    if (t.mcc) {
        append_key(out, "mcc");
        append_int(out, t.mcc);
    }
    append_text(out, "country", t.country, false);
    append_text(out, "city", t.city, false);
    for (auto [key, v] : {std::pair<std::string_view, double>{"lat", t.lat}, {"lon", t.lon}}) {
        if (std::isnan(v)) continue;
        char b[32];
        auto r = std::to_chars(b, b + sizeof b, v);
        append_key(out, key);
        out.append(b, r.ptr);
    }
    append_text(out, "channel", t.channel, false);
    append_text(out, "device_id", t.device_id, false);
    append_text(out, "ip", t.ip, false);
    append_text(out, "email", t.email, false);
    out += '}';
}

}  // namespace txscreen
