#include "tools/txgen/jsonl_reader.h"

#include <simdjson.h>

#include <iostream>
#include <stdexcept>

#include "common/currency.h"
#include "tools/txgen/time_text.h"

namespace txscreen::txgen {

namespace od = simdjson::ondemand;

namespace {

// "\"key\" what" (built by appends: GCC 12 warns falsely on operator+ chains here).
std::string key_problem(std::string_view key, std::string_view what) {
    std::string s;
    s.reserve(key.size() + what.size() + 3);
    s.append(1, '"').append(key).append("\" ").append(what);
    return s;
}

}  // namespace

struct jsonl_reader::impl {
    std::ifstream file;
    std::istream* in = nullptr;
    od::parser parser;
    std::string line;
};

bool parse_amount_minor(std::string_view s, int exponent, int64_t& out) noexcept {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    if (s.empty()) return false;
    std::size_t i = 0;
    int64_t v = 0;
    int int_digits = 0, frac_digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++int_digits) {
        if (v > 100'000'000'000'000) return false;
        v = v * 10 + (s[i] - '0');
    }
    if (int_digits == 0) return false;
    if (i < s.size() && s[i] == '.') {
        ++i;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
            // Trailing zeros beyond the exponent are harmless ("1.500" in USD).
            if (frac_digits >= exponent) {
                if (s[i] != '0') return false;
                continue;
            }
            v = v * 10 + (s[i] - '0');
            ++frac_digits;
        }
    }
    if (i != s.size()) return false;
    for (; frac_digits < exponent; ++frac_digits) v *= 10;
    out = v;
    return true;
}

jsonl_reader::jsonl_reader(const std::string& path) : _impl(std::make_unique<impl>()), _path(path) {
    if (path == "-") {
        _impl->in = &std::cin;
        _path = "<stdin>";
    } else {
        _impl->file.open(path);
        if (!_impl->file) throw std::runtime_error("txgen: cannot open --from-jsonl file " + path);
        _impl->in = &_impl->file;
    }
}

jsonl_reader::~jsonl_reader() = default;

bool jsonl_reader::next(jsonl_record& out) {
    std::string& line = _impl->line;
    for (;;) {
        if (!std::getline(*_impl->in, line)) return false;
        ++_line;
        if (line.find_first_not_of(" \t\r") != std::string::npos) break;
    }
    auto fail = [&](const std::string& what) -> bool {
        throw std::runtime_error(_path + ":" + std::to_string(_line) + ": " + what);
    };

    out = jsonl_record{};
    out.label = "normal";
    clear_txn& t = out.txn;
    t.currency.clear();
    t.channel.clear();
    simdjson::padded_string padded(line);
    od::document doc;
    od::object obj;
    if (_impl->parser.iterate(padded).get(doc) || doc.get_object().get(obj))
        return fail("not a JSON object");

    bool have_ts = false, have_amount = false;
    std::string_view amount_text;
    std::string amount_copy;
    auto get_text = [&](od::value& v, std::string_view key, std::string& dst) {
        std::string_view sv;
        if (v.get_string().get(sv)) fail(key_problem(key, "must be a string"));
        dst.assign(sv.begin(), sv.end());
    };
    for (auto field_result : obj) {
        od::field field;
        if (std::move(field_result).get(field)) return fail("malformed JSON");
        std::string_view key;
        if (field.unescaped_key().get(key)) return fail("malformed key");
        od::value v = field.value();
        od::json_type type;
        if (v.type().get(type)) return fail("malformed value of \"" + std::string(key) + "\"");
        if (key == "txn_id") get_text(v, key, t.txn_id);
        else if (key == "ts") {
            if (type == od::json_type::number) {
                int64_t ms;
                if (v.get_int64().get(ms)) fail("\"ts\" number must be integer epoch milliseconds");
                t.event_time_ms = ms;
            } else {
                std::string_view sv;
                if (v.get_string().get(sv)) fail("\"ts\" must be RFC 3339 text or epoch milliseconds");
                int64_t ms;
                if (!parse_rfc3339_ms(sv, ms)) fail("\"ts\" is not RFC 3339: " + std::string(sv));
                t.event_time_ms = ms;
            }
            have_ts = true;
        } else if (key == "card") get_text(v, key, t.pan);
        else if (key == "card_id") get_text(v, key, t.card_id);
        else if (key == "account_id") get_text(v, key, t.account_id);
        else if (key == "amount") {
            if (type == od::json_type::number) {
                amount_text = v.raw_json_token();
                amount_copy.assign(amount_text);  // the raw token view dies with the iterator
            } else if (type == od::json_type::string) {
                get_text(v, key, amount_copy);
                amount_text = amount_copy;
            } else {
                fail("\"amount\" must be a decimal number");
            }
            have_amount = true;
        } else if (key == "currency") get_text(v, key, t.currency);
        else if (key == "merchant_id") get_text(v, key, t.merchant_id);
        else if (key == "merchant_name") get_text(v, key, t.merchant_name);
        else if (key == "mcc") {
            uint64_t m;
            if (type == od::json_type::string) {
                std::string s;
                get_text(v, key, s);
                if (s.empty() || s.size() > 4 || s.find_first_not_of("0123456789") != std::string::npos)
                    fail("\"mcc\" must be 1-4 digits");
                t.mcc = static_cast<uint16_t>(std::stoi(s));
            } else if (v.get_uint64().get(m) || m > 9999) {
                fail("\"mcc\" must be an integer 0-9999");
            } else {
                t.mcc = static_cast<uint16_t>(m);
            }
        } else if (key == "country") get_text(v, key, t.country);
        else if (key == "city") get_text(v, key, t.city);
        else if (key == "lat" || key == "lon") {
            double d;
            if (type == od::json_type::null) continue;
            if (v.get_double().get(d)) fail(key_problem(key, "must be a number"));
            if (key == "lat" ? (d < -90 || d > 90) : (d < -180 || d > 180)) fail(key_problem(key, "is out of range"));
            (key == "lat" ? t.lat : t.lon) = d;
        } else if (key == "channel") get_text(v, key, t.channel);
        else if (key == "device_id") get_text(v, key, t.device_id);
        else if (key == "ip") get_text(v, key, t.ip);
        else if (key == "email") get_text(v, key, t.email);
        else if (key == "label") get_text(v, key, out.label);
        else if (key == "scenario_id") get_text(v, key, out.scenario_id);
        else if (key == "terminal_id") get_text(v, key, t.terminal_id);
        // anything else: ignored, as the appliance's decoder does
    }

    if (t.txn_id.empty()) return fail("missing key \"txn_id\"");
    if (!have_ts) return fail("missing key \"ts\"");
    if (t.pan.empty() && t.card_id.empty()) return fail("missing key \"card\" or \"card_id\"");
    if (!t.pan.empty() && (t.pan.size() < 12 || t.pan.size() > 19 || t.pan.find_first_not_of("0123456789") != std::string::npos))
        return fail("\"card\" must be 12-19 digits");
    if (!have_amount) return fail("missing key \"amount\"");
    if (t.currency.empty()) return fail("missing key \"currency\"");
    const currency_info* cur = currency_by_alpha(t.currency);
    if (!cur) return fail("\"currency\" is not an ISO 4217 code: " + t.currency);
    if (!parse_amount_minor(amount_copy, cur->exponent, t.amount_minor))
        return fail("\"amount\" is not a non-negative decimal with at most " + std::to_string(cur->exponent) +
                    " fraction digits for " + t.currency + ": " + amount_copy);
    if (t.merchant_id.empty()) return fail("missing key \"merchant_id\"");
    if (t.channel.empty()) t.channel = "pos";
    if (t.channel != "pos" && t.channel != "ecom" && t.channel != "atm")
        return fail("\"channel\" must be pos, ecom or atm, not " + t.channel);
    return true;
}

}  // namespace txscreen::txgen
