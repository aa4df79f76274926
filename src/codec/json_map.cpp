// JSON field maps (json_map.h): the [feed.json_map] reader, its checks, and the
// translator from a producer's JSON to txscreen's own (docs/feeds.md "JSON field maps").
//
// The translator walks the producer's message once with simdjson On Demand, guided by a
// tree compiled from the map's pointers (one node per reference token): a field whose
// key no pointer names is skipped unparsed, as json_decoder skips unknown keys. Mapped
// values are kept as their raw JSON tokens (views into the translator's copy of the
// message) and written out at the end, in the canonical keys' order: strings with their
// escapes as the producer wrote them, numbers as written (never through binary floating
// point), converted only where a unit says so (ts in seconds, amounts in minor units).
// json_decoder then applies every check of the canonical path to the result.
#include "codec/json_map.h"
#include "codec/json_number.h"

#include <simdjson.h>
#include <string.h>  // explicit_bzero

#include <charconv>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <vector>

#include "common/currency.h"
#include "config/config_errors.h"
#include "config/toml_section.h"

namespace txscreen {
namespace {

namespace od = simdjson::ondemand;

// Index of each canonical key in json_map_keys.
enum key_index : unsigned {
    k_txn_id, k_ts, k_card, k_card_id, k_account_id, k_amount, k_currency, k_merchant_id, k_merchant_name,
    k_mcc, k_country, k_city, k_lat, k_lon, k_channel, k_device_id, k_ip, k_email, k_count,
};
static_assert(k_count == json_map_keys.size());
static_assert(json_map_keys[k_ts].name == "ts" && json_map_keys[k_amount].name == "amount" &&
              json_map_keys[k_currency].name == "currency" && json_map_keys[k_email].name == "email");

inline std::string_view trim_right(std::string_view s) noexcept {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// Epoch seconds written as an RFC 8259 number (`s` is one) to epoch milliseconds, in
// integer arithmetic on the digits, rounded half away from zero. False when the result
// is outside json_decoder's range.
bool seconds_to_ms(std::string_view s, int64_t& out) noexcept {
    const json_number_parts p = split_json_number(s);
    const bool neg = p.negative;
    // The millisecond point sits `keep` digits into the mantissa's digit sequence.
    const int64_t total = p.digits();
    const int64_t keep = static_cast<int64_t>(p.int_digits.size()) + p.exp10 + 3;
    auto digit = [&](int64_t k) -> int64_t { return p.digit(k); };
    int64_t v = 0;
    for (int64_t k = 0; k < total && k < keep; ++k) {
        const int64_t d = digit(k);
        if (v > (max_event_time_ms - d) / 10) return false;
        v = v * 10 + d;
    }
    for (int64_t k = total; k < keep; ++k) {
        if (v > max_event_time_ms / 10) return false;
        v *= 10;
    }
    if (keep >= 0 && keep < total && digit(keep) >= 5) ++v;  // half away from zero (on the magnitude)
    if (v > max_event_time_ms || (neg && v != 0)) return false;
    out = v;
    return true;
}

// Maximal index text RFC 6901 allows for arrays ("0", or no leading zero); larger values
// than any array json_max_message can hold are no index.
constexpr uint32_t no_index = std::numeric_limits<uint32_t>::max();
uint32_t array_index(std::string_view seg) {
    if (seg.empty() || seg.size() > 4 || (seg.size() > 1 && seg[0] == '0')) return no_index;
    uint32_t v = 0;
    for (char c : seg) {
        if (!json_digit(c)) return no_index;
        v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    return v;
}

// The reference tokens of a valid pointer, unescaped (~1 is '/', ~0 is '~').
std::vector<std::string> pointer_tokens(std::string_view p) {
    std::vector<std::string> out;
    std::string cur;
    for (std::size_t i = 1; i <= p.size(); ++i) {
        if (i == p.size() || p[i] == '/') {
            out.push_back(std::move(cur));
            cur.clear();
        } else if (p[i] == '~') {
            cur += p[++i] == '1' ? '/' : '~';
        } else {
            cur += p[i];
        }
    }
    return out;
}

// What a canonical key takes from the producer (anything else is json_bad_type): the
// text keys strings; mcc, lat and lon numbers or strings (json_decoder then judges
// them); ts and amount by their unit.
bool takes(unsigned k, od::json_type t, json_time_unit ts_unit, json_amount_unit amount_unit) noexcept {
    const bool str = t == od::json_type::string, num = t == od::json_type::number;
    switch (k) {
        case k_mcc:
        case k_lat:
        case k_lon: return str || num;
        case k_ts:
            return ts_unit == json_time_unit::ms ? (str || num) : ts_unit == json_time_unit::s ? num : str;
        case k_amount: return amount_unit == json_amount_unit::major ? (str || num) : num;
        default: return str;
    }
}

// The first 8 bytes of an object key, zero-padded: one compare rejects nearly every
// other key of the object.
inline uint64_t head_of(std::string_view s) noexcept {
    uint64_t h = 0;
    std::memcpy(&h, s.data(), s.size() < 8 ? s.size() : 8);
    return h;
}

// The output: bounded appends into the caller's buffer, remembering an overflow.
struct writer {
    char* p;
    std::size_t n = 0;
    std::size_t cap;
    bool over = false;
    void put(std::string_view s) noexcept {
        if (s.size() > cap - n) {
            over = true;
            return;
        }
        std::memcpy(p + n, s.data(), s.size());
        n += s.size();
    }
    void put(char c) noexcept { put(std::string_view(&c, 1)); }
};

}  // namespace

// ---- The map

bool json_map::empty() const noexcept {
    for (const auto& k : json_map_keys)
        if (!(this->*k.field).pointer.empty()) return false;
    return fixed_currency.empty();
}

std::string json_pointer_problem(std::string_view p) {
    if (p.empty()) return {};
    if (p[0] != '/') return "must start with '/' (RFC 6901: \"/transaction_id\", \"/location/city\")";
    for (std::size_t i = 0; i < p.size(); ++i)
        if (p[i] == '~' && (i + 1 == p.size() || (p[i + 1] != '0' && p[i + 1] != '1')))
            return "'~' must be followed by 0 or 1 (RFC 6901: ~0 is '~', ~1 is '/')";
    return {};
}

void read_json_map(const toml_section& s, json_map& m) {
    std::vector<std::string_view> names;
    for (const auto& k : json_map_keys) names.push_back(k.name);
    s.only_keys(names);
    for (unsigned i = 0; i < k_count; ++i) {
        const std::string_view name = json_map_keys[i].name;
        json_map_field& f = m.*json_map_keys[i].field;
        const toml::node* n = s.node(name);
        if (!n) continue;
        if (const auto* str = n->as_string()) {
            f.pointer = str->get();
            if (i == k_ts) m.ts_unit = json_time_unit::ms;
            if (i == k_currency) m.fixed_currency.clear();
            continue;
        }
        const char* shape = i == k_ts       ? "{ pointer = \"/p\", unit = \"s\" }"
                            : i == k_amount ? "{ pointer = \"/p\", unit = \"minor\" }"
                            : i == k_currency ? "{ value = \"EUR\" } or { pointer = \"/p\" }"
                                              : "{ pointer = \"/p\" }";
        if (!n->is_table()) {
            s.wrong_type(*n, s.key(name), std::string("a JSON pointer string (\"/p\") or ") + shape);
            continue;
        }
        const toml_section t(*n->as_table(), s.key(name), s.errors());
        bool has_value = false;
        if (i == k_ts) {
            t.only_keys({"pointer", "unit"});
            t.get_enum("unit", m.ts_unit,
                       {{"s", json_time_unit::s}, {"ms", json_time_unit::ms}, {"rfc3339", json_time_unit::rfc3339}});
        } else if (i == k_amount) {
            t.only_keys({"pointer", "unit"});
            t.get_enum("unit", m.amount_unit, {{"major", json_amount_unit::major}, {"minor", json_amount_unit::minor}});
        } else if (i == k_currency) {
            t.only_keys({"pointer", "value"});
            has_value = t.get_string("value", m.fixed_currency, "an ISO 4217 code (\"EUR\")");
        } else {
            t.only_keys({"pointer"});
        }
        const bool has_pointer = t.get_string("pointer", f.pointer, "a JSON pointer string (\"/p\")");
        if (has_pointer && has_value)
            s.fail(name, "either a pointer or a fixed value, not both");
        else if (!has_pointer && !has_value && !t.node("pointer") && !t.node("value"))
            s.fail(name, std::string("expected ") + shape + ", got a table without " +
                             (i == k_currency ? "pointer or value" : "pointer"));
    }
}

void validate(const json_map& m, const std::string& key_prefix, config_errors& e) {
    auto key = [&](std::string_view name) { return key_prefix + "." + std::string(name); };
    for (const auto& k : json_map_keys) {
        const std::string& p = (m.*k.field).pointer;
        if (std::string why = json_pointer_problem(p); !why.empty()) e.fail(key(k.name), "\"" + p + "\": " + why);
    }
    // A key already refused (a wrong type, a table without a pointer) is not "missing" too.
    for (unsigned i : {k_txn_id, k_ts, k_amount, k_merchant_id})
        if ((m.*json_map_keys[i].field).pointer.empty() && e.clean(key(json_map_keys[i].name)))
            e.fail(key(json_map_keys[i].name), "missing: where the producer's message holds " +
                                                   std::string(json_map_keys[i].name) +
                                                   " (a JSON pointer, \"/p\"); required");
    if (m.card.pointer.empty() && m.card_id.pointer.empty() && e.clean(key("card")) && e.clean(key("card_id")))
        e.fail(key("card"), "missing: map card (the PAN) or card_id (a JSON pointer, \"/p\"); one is required");
    if (!m.fixed_currency.empty()) {
        if (!m.currency.pointer.empty())
            e.fail(key("currency"), "either a pointer or a fixed value, not both");
        else if (!currency_by_alpha(m.fixed_currency))
            e.fail(key("currency") + ".value",
                   "must be an ISO 4217 alpha code (\"EUR\"), got \"" + m.fixed_currency + "\"");
    } else if (m.currency.pointer.empty() && e.clean(key("currency"))) {
        e.fail(key("currency"), "missing: a JSON pointer (\"/currency\") or a fixed currency ({ value = \"EUR\" }); required");
    }
}

// ---- The translator

struct json_map_translator::impl {
    // One reference token of the pointers; nodes[0] is the document's root.
    struct node {
        std::string name;            // the token, unescaped: an object key
        uint64_t head = 0;           // head_of(name): most keys differ in it
        uint32_t index = no_index;   // the token as an array index, if it is one
        uint32_t targets = 0;        // bit per key_index whose pointer ends here
        std::vector<uint32_t> children;
    };
    // What one canonical key got from this message.
    struct slot {
        std::string_view raw;   // the value's token as written (strings with their quotes)
        std::string_view text;  // amount and currency strings: the unescaped text
        bool is_string = false;
        bool set = false;
    };

    json_time_unit ts_unit;
    json_amount_unit amount_unit;
    std::string fixed_currency;
    const currency_info* fixed = nullptr;
    std::vector<node> nodes;
    od::parser parser;
    slot slots[k_count];
    alignas(64) char buf[json_max_message + simdjson::SIMDJSON_PADDING] = {};

    explicit impl(const json_map& m) : ts_unit(m.ts_unit), amount_unit(m.amount_unit), fixed_currency(m.fixed_currency) {
        nodes.emplace_back();
        if (!fixed_currency.empty()) {
            fixed = currency_by_alpha(fixed_currency);
            if (!fixed) throw std::invalid_argument("json_map: fixed currency \"" + fixed_currency + "\" is not ISO 4217");
        }
        for (unsigned k = 0; k < k_count; ++k) {
            const std::string& p = (m.*json_map_keys[k].field).pointer;
            if (p.empty() || (k == k_currency && fixed)) continue;
            if (!json_pointer_problem(p).empty())
                throw std::invalid_argument("json_map: " + std::string(json_map_keys[k].name) + " = \"" + p +
                                            "\" is not an RFC 6901 pointer");
            uint32_t at = 0;
            for (std::string& token : pointer_tokens(p)) {
                uint32_t next = no_index;
                for (uint32_t c : nodes[at].children)
                    if (nodes[c].name == token) next = c;
                if (next == no_index) {
                    next = static_cast<uint32_t>(nodes.size());
                    node child;
                    child.index = array_index(token);
                    child.head = head_of(token);
                    child.name = std::move(token);
                    nodes.push_back(std::move(child));
                    nodes[at].children.push_back(next);
                }
                at = next;
            }
            nodes[at].targets |= 1u << k;
        }
    }

    reject_reason walk_object(od::object& obj, uint32_t at) noexcept;
    reject_reason walk_array(od::array& arr, uint32_t at) noexcept;
    reject_reason at_value(od::value& v, uint32_t at) noexcept;
    reject_reason emit(writer& w) noexcept;
};

// The fields of one object: those a child of `at` names are followed, the rest skipped.
reject_reason json_map_translator::impl::walk_object(od::object& obj, uint32_t at) noexcept {
    for (auto field_result : obj) {
        if (field_result.error()) [[unlikely]]
            return reject_reason::json_syntax;
        od::field& field = field_result.value_unsafe();
        // The raw key is the key unless it holds an escape (stage 1 checked its quotes).
        const char* k = field.key().raw();
        std::size_t len = 0;
        while (k[len] != '"' && k[len] != '\\') ++len;
        std::string_view key(k, len);
        if (k[len] == '\\') [[unlikely]] {
            if (field.unescaped_key().get(key)) return reject_reason::json_syntax;
        }
        uint32_t child = no_index;
        const uint64_t head = head_of(key);
        for (uint32_t c : nodes[at].children) {
            const node& n = nodes[c];
            if (n.head == head && n.name.size() == key.size() &&
                (key.size() <= 8 || std::memcmp(n.name.data() + 8, key.data() + 8, key.size() - 8) == 0)) {
                child = c;
                break;
            }
        }
        if (child == no_index) continue;
        if (reject_reason r = at_value(field.value(), child); r != reject_reason::none) return r;
    }
    return reject_reason::none;
}

reject_reason json_map_translator::impl::walk_array(od::array& arr, uint32_t at) noexcept {
    uint32_t i = 0;
    for (auto element : arr) {
        od::value v;
        if (element.get(v)) [[unlikely]]
            return reject_reason::json_syntax;
        for (uint32_t c : nodes[at].children)
            if (nodes[c].index == i) {
                if (reject_reason r = at_value(v, c); r != reject_reason::none) return r;
                break;
            }
        ++i;
    }
    return reject_reason::none;
}

// The value a pointer prefix reached: descend into it, or take it for the keys whose
// pointers end here.
reject_reason json_map_translator::impl::at_value(od::value& v, uint32_t at) noexcept {
    const node& nd = nodes[at];
    od::json_type t;
    if (v.type().get(t)) [[unlikely]]
        return reject_reason::json_syntax;
    if (t == od::json_type::object || t == od::json_type::array) {
        if (nd.targets) [[unlikely]]
            return reject_reason::json_bad_type;  // no canonical key takes an object or array
        if (t == od::json_type::object) {
            od::object o;
            if (v.get_object().get(o)) [[unlikely]]
                return reject_reason::json_syntax;
            return walk_object(o, at);
        }
        od::array a;
        if (v.get_array().get(a)) [[unlikely]]
            return reject_reason::json_syntax;
        return walk_array(a, at);
    }
    // A scalar where the pointer goes on does not resolve; null leaves the key out.
    if (nd.targets == 0 || t == od::json_type::null) return reject_reason::none;
    const std::string_view raw = trim_right(v.raw_json_token());
    const bool str = t == od::json_type::string;
    if (str && (raw.size() < 2 || raw.front() != '"' || raw.back() != '"')) [[unlikely]]
        return reject_reason::json_syntax;
    std::string_view text;
    bool unescaped = false;
    for (uint32_t bits = nd.targets; bits; bits &= bits - 1) {
        const unsigned k = static_cast<unsigned>(__builtin_ctz(bits));
        if (!takes(k, t, ts_unit, amount_unit)) [[unlikely]]
            return reject_reason::json_bad_type;
        slot& s = slots[k];
        s.raw = raw;
        s.is_string = str;
        s.set = true;
        // The currency (for minor units) and a quoted amount are read as text: never the
        // card, whose clear PAN stays out of simdjson's string buffer.
        if (str && (k == k_currency || k == k_amount)) {
            if (!unescaped) {
                if (v.get_string().get(text)) [[unlikely]]
                    return reject_reason::json_syntax;
                unescaped = true;
            }
            s.text = text;
        }
    }
    return reject_reason::none;
}

// The canonical object, keys in json_map_keys order.
reject_reason json_map_translator::impl::emit(writer& w) noexcept {
    w.put('{');
    bool first = true;
    auto key = [&](unsigned k) {
        if (!first) w.put(',');
        first = false;
        w.put('"');
        w.put(json_map_keys[k].name);
        w.put("\":");
    };
    for (unsigned k = 0; k < k_count; ++k) {
        if (k == k_currency && fixed) {
            key(k);
            w.put('"');
            w.put(fixed_currency);
            w.put('"');
            continue;
        }
        const slot& s = slots[k];
        if (!s.set) continue;
        key(k);
        if (k == k_ts && ts_unit == json_time_unit::s) {
            if (!rfc8259_number(s.raw)) {
                w.put(s.raw);  // json_decoder names it: json_bad_number
                continue;
            }
            int64_t ms;
            if (!seconds_to_ms(s.raw, ms)) return reject_reason::json_bad_type;
            char b[24];
            const auto r = std::to_chars(b, b + sizeof b, ms);
            w.put(std::string_view(b, static_cast<std::size_t>(r.ptr - b)));
        } else if (k == k_amount && s.is_string) {
            // A quoted amount (major units): the number it holds, written as one.
            if (!rfc8259_number(s.text)) return reject_reason::json_bad_type;
            w.put(s.text);
        } else if (k == k_amount && amount_unit == json_amount_unit::minor) {
            const std::string_view n = s.raw;
            if (!rfc8259_number(n)) {
                w.put(n);  // json_decoder names it: json_bad_number
                continue;
            }
            if (n.find_first_of(".eE") != std::string_view::npos) return reject_reason::json_bad_type;
            const currency_info* cur = fixed;
            if (!cur && slots[k_currency].set && slots[k_currency].is_string)
                cur = currency_by_alpha(slots[k_currency].text);
            const std::size_t e = cur ? cur->exponent : 0;  // unknown: json_decoder refuses the currency
            const bool neg = n[0] == '-';
            const std::string_view d = neg ? n.substr(1) : n;
            if (neg) w.put('-');
            if (e == 0) {
                w.put(d);
            } else if (d.size() > e) {
                w.put(d.substr(0, d.size() - e));
                w.put('.');
                w.put(d.substr(d.size() - e));
            } else {
                w.put("0.");
                for (std::size_t i = d.size(); i < e; ++i) w.put('0');
                w.put(d);
            }
        } else {
            w.put(s.raw);
        }
    }
    w.put('}');
    return w.over ? reject_reason::json_too_large : reject_reason::none;
}

json_map_translator::json_map_translator(const json_map& m) : _impl(std::make_unique<impl>(m)) {
    if (_impl->parser.allocate(json_max_message) != simdjson::SUCCESS) throw std::bad_alloc();
}

json_map_translator::~json_map_translator() = default;

reject_reason json_map_translator::translate(const char* msg, std::size_t len, char* out, std::size_t& out_len) noexcept {
    out_len = 0;
    if (len > json_max_message) [[unlikely]]
        return reject_reason::json_too_large;
    impl& im = *_impl;
    if (len) std::memcpy(im.buf, msg, len);
    // The copy holds the clear PAN: wiped however this returns.
    struct wiper {
        char* p;
        std::size_t n;
        ~wiper() { explicit_bzero(p, n); }
    } wipe_copy{im.buf, len};
    for (auto& s : im.slots) s = impl::slot{};

    od::document doc;
    if (im.parser.iterate(im.buf, len, len + simdjson::SIMDJSON_PADDING).get(doc)) [[unlikely]]
        return reject_reason::json_syntax;
    od::object obj;
    if (doc.get_object().get(obj)) [[unlikely]]
        return reject_reason::json_syntax;
    if (reject_reason r = im.walk_object(obj, 0); r != reject_reason::none) [[unlikely]]
        return r;
    // Anything after the root object makes the message invalid (as json_decoder says).
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) [[unlikely]]
        return reject_reason::json_syntax;

    writer w{out, 0, json_max_message};
    const reject_reason r = im.emit(w);
    if (r != reject_reason::none) [[unlikely]] {
        explicit_bzero(out, w.n);  // a partial output may hold the PAN; the caller wipes only successes
        return r;
    }
    out_len = w.n;
    return reject_reason::none;
}

}  // namespace txscreen
