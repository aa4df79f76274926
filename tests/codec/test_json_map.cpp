// JSON field maps (issue #20, [feed.json_map]): the reader and its checks, and the
// translator from a producer's JSON to txscreen's, judged by what json_decoder makes of
// the result.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "codec/json_decode.h"
#include "codec/json_map.h"
#include "common/currency.h"
#include "config/config_errors.h"
#include "config/toml_section.h"

using namespace txscreen;

namespace {

const pan_tokenizer& tokenizer() {
    static const pan_tokenizer tok("0123456789abcdef0123456789abcdef");
    return tok;
}

json_decoder& decoder() {
    static json_decoder dec(tokenizer());
    return dec;
}

// The producer of the issue: its own names, a nested location, epoch seconds.
json_map producer_map() {
    json_map m;
    m.txn_id.pointer = "/transaction_id";
    m.card.pointer = "/card_number";
    m.amount.pointer = "/amount";
    m.currency.pointer = "/currency";
    m.ts.pointer = "/timestamp";
    m.ts_unit = json_time_unit::s;
    m.merchant_id.pointer = "/merchant_id";
    m.merchant_name.pointer = "/merchant";
    m.mcc.pointer = "/category_code";
    m.country.pointer = "/location/country";
    m.city.pointer = "/location/city";
    m.lat.pointer = "/location/lat";
    m.lon.pointer = "/location/lon";
    m.channel.pointer = "/channel";
    m.device_id.pointer = "/device_id";
    m.ip.pointer = "/ip_address";
    m.email.pointer = "/email";
    return m;
}

const std::string producer_message =
    R"({"transaction_id":"T1","card_number":"4111111111111111","amount":12.5,"currency":"USD","timestamp":1700000000,)"
    R"( "merchant_id":"M1","merchant":"CORNER SHOP","category_code":5411,)"
    R"( "location":{"country":"US","city":"NEW YORK","lat":40.7,"lon":-74.0},)"
    R"( "channel":"pos","device_id":"d1","ip_address":"10.0.0.1","email":"a@b.com"})";

const std::string canonical_message =
    R"({"txn_id":"T1","ts":1700000000000,"card":"4111111111111111","amount":12.5,"currency":"USD",)"
    R"("merchant_id":"M1","merchant_name":"CORNER SHOP","mcc":5411,"country":"US","city":"NEW YORK",)"
    R"("lat":40.7,"lon":-74.0,"channel":"pos","device_id":"d1","ip":"10.0.0.1","email":"a@b.com"})";

struct result {
    reject_reason r = reject_reason::none;  // the translator's, else the decoder's
    bool translated = false;
    std::string canonical;
    Txn t;
};

result run(const json_map& m, const std::string& msg) {
    json_map_translator tr(m);
    std::vector<char> out(json_max_message);
    std::size_t n = 12345;
    result res;
    res.r = tr.translate(msg.data(), msg.size(), out.data(), n);
    if (res.r != reject_reason::none) {
        CHECK(n == 0);
        return res;
    }
    res.translated = true;
    res.canonical.assign(out.data(), n);
    res.r = decoder().decode(out.data(), n, res.t);
    return res;
}

reject_reason reason(const json_map& m, const std::string& msg) { return run(m, msg).r; }

Txn decode_canonical(const std::string& msg) {
    Txn t;
    const reject_reason r = decoder().decode(msg.data(), msg.size(), t);
    INFO(reject_name(r));
    REQUIRE(r == reject_reason::none);
    return t;
}

// Every field json decoding fills, one by one (a failure names the field), then the
// record as bytes (lat/lon NaN compare equal there).
void same_txn(const Txn& a, const Txn& b) {
    CHECK(a.format == b.format);
    CHECK(a.event_time_ms == b.event_time_ms);
    CHECK(a.amount_minor == b.amount_minor);
    CHECK(std::memcmp(a.card_token, b.card_token, card_token_bytes) == 0);
    CHECK(token_hex(a.card_token) == token_hex(b.card_token));
    CHECK(std::string(a.card_bin) == std::string(b.card_bin));
    CHECK(std::string(a.card_last4) == std::string(b.card_last4));
    CHECK(a.pan_len == b.pan_len);
    CHECK(a.card_id.view() == b.card_id.view());
    CHECK(a.account_id.view() == b.account_id.view());
    CHECK(a.txn_id.view() == b.txn_id.view());
    CHECK(a.currency == b.currency);
    CHECK(a.currency_exponent == b.currency_exponent);
    CHECK(a.merchant_id.view() == b.merchant_id.view());
    CHECK(a.merchant_name.view() == b.merchant_name.view());
    CHECK(a.mcc == b.mcc);
    CHECK(std::string(a.country) == std::string(b.country));
    CHECK(a.city.view() == b.city.view());
    CHECK(std::memcmp(&a.lat, &b.lat, sizeof a.lat) == 0);
    CHECK(std::memcmp(&a.lon, &b.lon, sizeof a.lon) == 0);
    CHECK(a.chan == b.chan);
    CHECK(a.device_id.view() == b.device_id.view());
    CHECK(a.ip.view() == b.ip.view());
    CHECK(a.email.view() == b.email.view());
    CHECK(a.truncated == b.truncated);
    CHECK(a.pans_masked == b.pans_masked);
    CHECK(a.masked_fields == b.masked_fields);
    CHECK(a.mti == b.mti);
    CHECK(std::memcmp(&a, &b, sizeof a) == 0);
}

// A message of the producer with `fields` after the required ones (each starting ",").
std::string with(const std::string& amount = "19.99", const std::string& currency = R"("USD")",
                 const std::string& ts = "1700000000", const std::string& fields = "") {
    return R"({"transaction_id":"T1","card_number":"4111111111111111","amount":)" + amount +
           (currency.empty() ? "" : R"(,"currency":)" + currency) + R"(,"timestamp":)" + ts +
           R"(,"merchant_id":"M1")" + fields + "}";
}

bool contains(const char* hay, std::size_t n, const std::string& needle) {
    for (std::size_t i = 0; i + needle.size() <= n; ++i)
        if (std::memcmp(hay + i, needle.data(), needle.size()) == 0) return true;
    return false;
}

// ---- config

struct read_result {
    json_map m;
    std::vector<std::string> errors;
};

// `body`: the [feed.json_map] table of txscreen.toml's first feed (line 3 onwards).
read_result read(const std::string& body) {
    const std::string text = "[[feed]]\n[feed.json_map]\n" + body;
    config_errors errors("txscreen.toml");
    const toml::table doc = toml::parse(text, std::string_view("txscreen.toml"));
    const toml_section root(doc, "", errors);
    std::vector<toml_section> feeds = root.table_array("feed");
    REQUIRE(feeds.size() == 1);
    read_result r;
    if (auto s = feeds[0].table("json_map")) read_json_map(*s, r.m);
    validate(r.m, "feed[0].json_map", errors);
    r.errors = errors.take();
    return r;
}

const std::string valid_body = R"(txn_id = "/transaction_id"
card = "/card_number"
amount = "/amount"
currency = "/currency"
ts = { pointer = "/timestamp", unit = "s" }
merchant_id = "/merchant_id"
)";

std::string only_error(const std::string& body) {
    read_result r = read(body);
    INFO(body);
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
}

}  // namespace

// ---- translation

TEST_CASE("json_map: the producer's message decodes as the same transaction in txscreen's keys", "[unit][json_map]") {
    const result res = run(producer_map(), producer_message);
    INFO(res.canonical);
    REQUIRE(res.r == reject_reason::none);
    const Txn want = decode_canonical(canonical_message);
    same_txn(res.t, want);
    CHECK(res.t.txn_id == "T1");
    CHECK(res.t.event_time_ms == 1700000000000);
    CHECK(res.t.amount_minor == 1250);
    CHECK(res.t.currency == 840);
    CHECK(res.t.pan_len == 16);
    CHECK(res.t.mcc == 5411);
    CHECK(std::string(res.t.country) == "US");
    CHECK(res.t.chan == channel::pos);
    CHECK(res.t.has_coords());
    CHECK(res.canonical ==
          R"({"txn_id":"T1","ts":1700000000000,"card":"4111111111111111","amount":12.5,"currency":"USD",)"
          R"("merchant_id":"M1","merchant_name":"CORNER SHOP","mcc":5411,"country":"US","city":"NEW YORK",)"
          R"("lat":40.7,"lon":-74.0,"channel":"pos","device_id":"d1","ip":"10.0.0.1","email":"a@b.com"})");
}

TEST_CASE("json_map: card_id and account_id, and the identity map", "[unit][json_map]") {
    json_map m = producer_map();
    m.card.pointer.clear();
    m.card_id.pointer = "/customer/card_ref";
    m.account_id.pointer = "/customer/account";
    const std::string msg =
        R"({"transaction_id":"T2","customer":{"card_ref":"cust-7781","account":"ACC-9"},"amount":5,)"
        R"("currency":"JPY","timestamp":1700000000,"merchant_id":"M1"})";
    const result res = run(m, msg);
    REQUIRE(res.r == reject_reason::none);
    same_txn(res.t, decode_canonical(R"({"txn_id":"T2","ts":1700000000000,"card_id":"cust-7781","account_id":"ACC-9",)"
                                     R"("amount":5,"currency":"JPY","merchant_id":"M1"})"));
    CHECK(res.t.card_id == "cust-7781");
    CHECK(res.t.account_id == "ACC-9");

    // Every key mapped to itself: a canonical message decodes as it is.
    json_map id;
    for (const auto& k : json_map_keys) (id.*k.field).pointer = std::string("/").append(k.name);
    const std::string canon =
        R"({"txn_id":"tx-000123","ts":"2026-11-23T10:00:00.123Z","card":"4111111111111111","card_id":"c9",)"
        R"("account_id":"ACC-9","amount":19.99,"currency":"USD","merchant_id":"M-778899",)"
        R"("merchant_name":"CORNER \"GROCERY\" \u00e9","mcc":"0742","country":"us","city":"NEW YORK",)"
        R"("lat":40.7128,"lon":-74.006,"channel":"ECOM","device_id":"dev-42","ip":"2001:db8::1","email":"a@example.com"})";
    const result same = run(id, canon);
    REQUIRE(same.r == reject_reason::none);
    same_txn(same.t, decode_canonical(canon));
}

TEST_CASE("json_map: ts in seconds, milliseconds or RFC 3339", "[unit][json_map]") {
    json_map m = producer_map();
    auto ts = [&](const std::string& v) {
        const result res = run(m, with("1", R"("USD")", v));
        INFO(v << " -> " << reject_name(res.r) << " " << res.canonical);
        REQUIRE(res.r == reject_reason::none);
        return res.t.event_time_ms;
    };
    auto r = [&](const std::string& v) { return reason(m, with("1", R"("USD")", v)); };

    m.ts_unit = json_time_unit::s;
    CHECK(ts("1700000000") == 1700000000000);
    CHECK(ts("0") == 0);
    CHECK(ts("1700000000.5") == 1700000000500);
    CHECK(ts("1700000000.123") == 1700000000123);
    CHECK(ts("1700000000.1234") == 1700000000123);
    CHECK(ts("1700000000.1235") == 1700000000124);  // half away from zero
    CHECK(ts("1700000000.0005") == 1700000000001);
    CHECK(ts("1700000000.00049999") == 1700000000000);
    CHECK(ts("1.7e9") == 1700000000000);
    CHECK(ts("17000000001E-1") == 1700000000100);
    CHECK(ts("0.0004") == 0);
    CHECK(ts("-0.0004") == 0);  // rounds to 0: in range
    CHECK(ts("253402300799.999") == 253402300799999);  // 9999-12-31T23:59:59.999Z
    for (const char* bad : {"-1", "-0.0005", "253402300800", "253402300799.9995", "1e300", "99999999999999999999",
                            "\"1700000000\"", "\"2026-11-23T10:00:00Z\"", "true"}) {
        INFO(bad);
        CHECK(r(bad) == reject_reason::json_bad_type);
    }
    CHECK(r("0123") == reject_reason::json_bad_number);  // carried over for the decoder to name
    CHECK(r("{\"s\":1}") == reject_reason::json_bad_type);
    CHECK(r("null") == reject_reason::json_missing_key);

    m.ts_unit = json_time_unit::ms;
    CHECK(ts("1700000000123") == 1700000000123);
    CHECK(ts("\"2026-11-23T10:00:00.123Z\"") == 1795428000123);  // the canonical key takes both
    CHECK(r("1.7e12") == reject_reason::json_bad_timestamp);
    CHECK(r("\"1700000000123\"") == reject_reason::json_numeric_string);
    CHECK(r("[1]") == reject_reason::json_bad_type);

    m.ts_unit = json_time_unit::rfc3339;
    CHECK(ts("\"2026-11-23T10:00:00.123Z\"") == 1795428000123);
    CHECK(ts("\"2026-11-23T10:00:00+05:30\"") == 1795408200000);
    CHECK(r("\"2026-11-23T10:00:00\"") == reject_reason::json_bad_timestamp);
    CHECK(r("1700000000123") == reject_reason::json_bad_type);
}

TEST_CASE("json_map: amounts in major and minor units", "[unit][json_map]") {
    json_map m = producer_map();
    auto amt = [&](const std::string& a, const std::string& cur) {
        const result res = run(m, with(a, cur));
        INFO(a << " " << cur << " -> " << reject_name(res.r) << " " << res.canonical);
        REQUIRE(res.r == reject_reason::none);
        return res.t.amount_minor;
    };
    auto r = [&](const std::string& a, const std::string& cur = R"("USD")") { return reason(m, with(a, cur)); };

    // major: the number as written, or a string holding one.
    CHECK(amt("19.99", R"("USD")") == 1999);
    CHECK(amt("0.29", R"("USD")") == 29);
    CHECK(amt("1e3", R"("USD")") == 100000);
    CHECK(amt("1000", R"("JPY")") == 1000);
    CHECK(amt("1.234", R"("KWD")") == 1234);
    CHECK(amt(R"("19.99")", R"("USD")") == 1999);
    CHECK(amt(R"("1\u0039.99")", R"("USD")") == 1999);  // unescaped first
    CHECK(run(m, with(R"("19.99")")).canonical.find(R"("amount":19.99,)") != std::string::npos);
    CHECK(r(R"("abc")") == reject_reason::json_bad_type);
    CHECK(r(R"("+5")") == reject_reason::json_bad_type);
    CHECK(r(R"("")") == reject_reason::json_bad_type);
    CHECK(r(R"("19.99 ")") == reject_reason::json_bad_type);
    CHECK(r("1.234") == reject_reason::json_bad_amount);  // the decoder's checks, as ever
    CHECK(r("-1") == reject_reason::json_bad_amount);
    CHECK(r(R"("-1")") == reject_reason::json_bad_amount);
    CHECK(r("00012") == reject_reason::json_bad_number);
    CHECK(r("true") == reject_reason::json_bad_type);
    CHECK(r(R"({"v":1})") == reject_reason::json_bad_type);

    // minor: an integer of minor units, by the message's currency.
    m.amount_unit = json_amount_unit::minor;
    CHECK(amt("1999", R"("USD")") == 1999);
    CHECK(run(m, with("1999")).canonical.find(R"("amount":19.99,)") != std::string::npos);
    CHECK(amt("500", R"("JPY")") == 500);
    CHECK(run(m, with("500", R"("JPY")")).canonical.find(R"("amount":500,)") != std::string::npos);
    CHECK(amt("5", R"("USD")") == 5);
    CHECK(run(m, with("5")).canonical.find(R"("amount":0.05,)") != std::string::npos);
    CHECK(amt("0", R"("USD")") == 0);
    CHECK(amt("1234", R"("KWD")") == 1234);
    CHECK(amt("12345", R"("CLF")") == 12345);
    CHECK(amt("1999", R"("U\u0053D")") == 1999);  // an escaped code is read unescaped
    CHECK(amt("100000000000000000", R"("USD")") == 100000000000000000);
    // The currency after the amount in the message: the same.
    {
        const std::string msg = R"({"transaction_id":"T1","card_number":"4111111111111111","amount":250,)"
                                R"("timestamp":1,"merchant_id":"M1","currency":"EUR"})";
        const result res = run(m, msg);
        REQUIRE(res.r == reject_reason::none);
        CHECK(res.t.amount_minor == 250);
        CHECK(res.t.currency == 978);
    }
    CHECK(r("19.99") == reject_reason::json_bad_type);
    CHECK(r("1e3") == reject_reason::json_bad_type);
    CHECK(r(R"("1999")") == reject_reason::json_bad_type);
    CHECK(r("-5") == reject_reason::json_bad_amount);  // -0.05: the decoder refuses the sign
    CHECK(r("100000000000000001") == reject_reason::json_bad_amount);
    CHECK(r("0012") == reject_reason::json_bad_number);
    CHECK(r("1999", R"("XYZ")") == reject_reason::unknown_currency);
    CHECK(r("1999", "") == reject_reason::json_missing_key);  // no currency at all
    CHECK(r("1999", "null") == reject_reason::json_missing_key);
    CHECK(r("1999", "5") == reject_reason::json_bad_type);

    // A fixed currency: every message's, whatever the message says.
    m.currency.pointer.clear();
    m.fixed_currency = "EUR";
    CHECK(amt("250", "") == 250);
    CHECK(amt("250", R"("JPY")") == 250);
    {
        const result res = run(m, with("250", ""));
        REQUIRE(res.r == reject_reason::none);
        CHECK(res.t.currency == 978);
        CHECK(res.t.currency_exponent == 2);
        CHECK(res.canonical.find(R"("amount":2.50,"currency":"EUR")") != std::string::npos);
    }
    m.fixed_currency = "JPY";
    CHECK(amt("250", "") == 250);
    m.amount_unit = json_amount_unit::major;
    m.fixed_currency = "KWD";
    CHECK(amt("1.5", "") == 1500);
}

TEST_CASE("json_map: nested pointers, array indices, ~0 and ~1", "[unit][json_map]") {
    json_map m = producer_map();
    m.txn_id.pointer = "/ids/a~1b/c~0d";
    m.merchant_id.pointer = "/items/1/merchant";
    m.device_id.pointer = "/deep/x/y/z/w";
    m.email.pointer = "/";  // the key ""
    m.city.pointer = "/items/01/merchant";  // not an array index: never resolves in an array
    const std::string msg =
        R"({"ids":{"a/b":{"c~d":"T77","c":"no"},"a":{"b":"no"}},"card_number":"4111111111111111","amount":1,)"
        R"("currency":"USD","timestamp":1,"items":[{"merchant":"first"},{"merchant":"second"},3],)"
        R"("deep":{"x":{"y":{"z":{"w":"dev"}}}},"":"e@x"})";
    const result res = run(m, msg);
    INFO(res.canonical);
    REQUIRE(res.r == reject_reason::none);
    CHECK(res.t.txn_id == "T77");
    CHECK(res.t.merchant_id == "second");
    CHECK(res.t.device_id == "dev");
    CHECK(res.t.email == "e@x");
    CHECK(res.t.city.empty());

    // A key written with escapes in the message matches the pointer's token.
    CHECK(run(m, R"({"ids":{"a\/b":{"c\u007ed":"T78"}},"card_number":"4111111111111111","amount":1,)"
                 R"("currency":"USD","timestamp":1,"items":[0,{"merchant":"m"}]})")
              .t.txn_id == "T78");
    // A pointer through a scalar, or past the end of an array, does not resolve.
    CHECK(reason(m, R"({"ids":"T1","card_number":"4111111111111111","amount":1,"currency":"USD","timestamp":1,)"
                    R"("items":[{"merchant":"m"}]})") == reject_reason::json_missing_key);
    // A repeated key: the last one counts, as in the canonical decoder.
    m = producer_map();
    CHECK(run(m, with("1", R"("USD")", "1", R"(,"merchant_id":"M2")")).t.merchant_id == "M2");
    // Two keys from one value.
    m.device_id.pointer = "/merchant_id";
    const result two = run(m, with());
    REQUIRE(two.r == reject_reason::none);
    CHECK(two.t.merchant_id == "M1");
    CHECK(two.t.device_id == "M1");
}

TEST_CASE("json_map: strings keep their escapes and UTF-8", "[unit][json_map]") {
    const json_map m = producer_map();
    // Quotes, backslash, a slash, control characters, é both ways, a surrogate pair.
    const std::string text = R"(A \"B\" C\\D\/ \u0001\t\n \u00e9 é \ud83d\ude00)";
    const result res = run(m, with("1", R"("USD")", "1700000000", R"(,"merchant":")" + text + R"(")"));
    INFO(res.canonical);
    REQUIRE(res.r == reject_reason::none);
    CHECK(res.t.merchant_name == "A \"B\" C\\D/ \x01\t\n \xc3\xa9 \xc3\xa9 \xf0\x9f\x98\x80");
    const Txn want = decode_canonical(R"({"txn_id":"T1","ts":1700000000000,"card":"4111111111111111","amount":1,)"
                                      R"("currency":"USD","merchant_id":"M1","merchant_name":")" + text + R"("})");
    same_txn(res.t, want);

    // Not JSON strings: refused as the canonical decoder refuses them.
    CHECK(reason(m, with("1", R"("USD")", "1", ",\"merchant\":\"a\x01" "b\"")) == reject_reason::json_syntax);
    CHECK(reason(m, with("1", R"("USD")", "1", R"(,"merchant":"bad \x escape")")) == reject_reason::json_syntax);
    CHECK(reason(m, with("1", R"("USD")", "1", ",\"merchant\":\"\xff\"")) == reject_reason::json_syntax);
    // A PAN in free text is masked by the decoder as on the canonical path.
    const result pan = run(m, with("1", R"("USD")", "1", R"(,"merchant":"card 4111111111111111")"));
    REQUIRE(pan.r == reject_reason::none);
    CHECK(pan.t.pans_masked == 1);
    CHECK(pan.t.merchant_name.view().find("4111111111111111") == std::string_view::npos);
}

TEST_CASE("json_map: missing keys and nulls", "[unit][json_map]") {
    const json_map m = producer_map();
    // Each required key left out of the message: the decoder's json_missing_key.
    for (const char* drop : {"transaction_id", "card_number", "amount", "currency", "timestamp", "merchant_id"}) {
        std::string msg = R"({"transaction_id":"T1","card_number":"4111111111111111","amount":1,"currency":"USD",)"
                          R"("timestamp":1,"merchant_id":"M1"})";
        const std::string key = std::string("\"") + drop + "\":";
        const std::size_t at = msg.find(key);
        std::size_t end = msg.find_first_of(",}", at + key.size());
        if (msg[end] == ',') ++end;
        msg.erase(at, end - at);
        if (msg[msg.size() - 2] == ',') msg.erase(msg.size() - 2, 1);
        INFO(msg);
        const result res = run(m, msg);
        CHECK(res.translated);
        CHECK(res.r == reject_reason::json_missing_key);
    }
    // null: the key is left out.
    CHECK(reason(m, with("1", R"("USD")", "1", "").replace(1, 21, R"("transaction_id":null)")) ==
          reject_reason::json_missing_key);
    const result opt = run(m, with("1", R"("USD")", "1", R"(,"merchant":null,"location":{"city":null,"lat":null},"email":null)"));
    REQUIRE(opt.r == reject_reason::none);
    CHECK(opt.t.merchant_name.empty());
    CHECK(opt.t.city.empty());
    CHECK_FALSE(opt.t.has_coords());
    CHECK(opt.canonical.find("merchant_name") == std::string::npos);
    CHECK(opt.canonical.find("null") == std::string::npos);
    // location itself null, or not an object: its keys are absent.
    CHECK(reason(m, with("1", R"("USD")", "1", R"(,"location":null)")) == reject_reason::none);
    CHECK(reason(m, with("1", R"("USD")", "1", R"(,"location":"NYC")")) == reject_reason::none);
    // A later null does not erase an earlier value (the canonical decoder's rule).
    CHECK(run(m, with("1", R"("USD")", "1", R"(,"merchant_id":null)")).t.merchant_id == "M1");
}

TEST_CASE("json_map: wrong types are json_bad_type", "[unit][json_map]") {
    const json_map m = producer_map();
    for (const char* extra : {R"(,"card_number":{"x":1})", R"(,"transaction_id":5)", R"(,"transaction_id":["T1"])",
                              R"(,"merchant_id":true)", R"(,"category_code":false)", R"(,"location":{"country":{}})",
                              R"(,"location":{"lat":[40]})", R"(,"email":12)", R"(,"channel":1)"}) {
        INFO(extra);
        CHECK(reason(m, with("1", R"("USD")", "1", extra)) == reject_reason::json_bad_type);
    }
    // The issue's malformed producer messages (tests/dataplane/json_map_udp.py).
    CHECK(reason(m, R"({"transaction_id":"BAD1","card_number":{"x":1},"amount":1,"currency":"USD","timestamp":1,"merchant_id":"M"})") ==
          reject_reason::json_bad_type);
    CHECK(reason(m, R"({"transaction_id":"BAD2","card_number":"4111111111111111","amount":"x","currency":"USD","timestamp":"noon","merchant_id":"M"})") ==
          reject_reason::json_bad_type);
    // mcc, lat and lon: numbers as written, strings as strings (the decoder judges them).
    CHECK(run(m, with("1", R"("USD")", "1", R"(,"category_code":"0742")")).t.mcc == 742);
    CHECK(reason(m, with("1", R"("USD")", "1", R"(,"category_code":10000)")) == reject_reason::json_bad_type);
    CHECK(reason(m, with("1", R"("USD")", "1", R"(,"location":{"lat":"40.7"})")) == reject_reason::json_numeric_string);
    CHECK(reason(m, with("1", R"("USD")", "1", R"(,"location":{"lat":91})")) == reject_reason::json_bad_type);
    CHECK(reason(m, with("1", R"("USD")", "1", R"(,"location":{"lat":040})")) == reject_reason::json_bad_number);
    CHECK(reason(m, with("1", R"("USD")", "1", R"(,"channel":"moto")")) == reject_reason::json_bad_channel);
    CHECK(reason(m, R"({"transaction_id":"T1","card_number":"4111111111111112","amount":1,"currency":"USD","timestamp":1,"merchant_id":"M"})") ==
          reject_reason::bad_pan);
}

TEST_CASE("json_map: not JSON, not an object", "[unit][json_map]") {
    const json_map m = producer_map();
    for (const std::string bad : {"not json at all", "[1,2]", "5", "\"T1\"", "null", "", "   ", "{",
                                  R"({"transaction_id":"T1")", R"({"transaction_id":"T1",})",
                                  R"({"transaction_id" "T1"})", R"({"location":{"city":"A",}})",
                                  R"({"transaction_id":"T1"} x)", R"({"a":1}{"b":2})"}) {
        INFO(bad);
        CHECK(reason(m, bad) == reject_reason::json_syntax);
    }
}

TEST_CASE("json_map: too large in or out", "[unit][json_map]") {
    const json_map m = producer_map();
    // In: json_max_message bytes are fine, one more is not.
    std::string msg = with();
    msg.insert(msg.size() - 1, R"(,"pad":")" + std::string(json_max_message, 'x') + "\"");
    msg.resize(json_max_message);
    msg.back() = '}';
    msg[msg.size() - 2] = '"';
    REQUIRE(msg.size() == json_max_message);
    CHECK(reason(m, msg) == reject_reason::none);
    msg.insert(msg.size() - 2, "x");
    CHECK(reason(m, msg) == reject_reason::json_too_large);

    // Out: one 1000-byte value copied into eight keys does not fit; the partial output,
    // which held the PAN, is wiped.
    json_map wide = producer_map();
    for (auto* f : {&wide.merchant_name, &wide.city, &wide.device_id, &wide.ip, &wide.email, &wide.account_id,
                    &wide.card_id, &wide.txn_id})
        f->pointer = "/long";
    const std::string big = with("1", R"("USD")", "1", R"(,"long":")" + std::string(1000, 'y') + "\"");
    REQUIRE(big.size() < json_max_message);
    json_map_translator tr(wide);
    std::vector<char> out(json_max_message, 'Z');
    std::size_t n = 7;
    CHECK(tr.translate(big.data(), big.size(), out.data(), n) == reject_reason::json_too_large);
    CHECK(n == 0);
    CHECK_FALSE(contains(out.data(), out.size(), "4111111111111111"));
    // Fewer copies fit.
    wide.account_id.pointer = wide.card_id.pointer = wide.txn_id.pointer = wide.email.pointer = wide.ip.pointer = "";
    wide.txn_id.pointer = "/transaction_id";
    CHECK(reason(wide, big) == reject_reason::none);
}

TEST_CASE("json_map: one translator, many messages", "[unit][json_map]") {
    // State of one message (slots, the copy) never leaks into the next.
    json_map_translator tr(producer_map());
    std::vector<char> out(json_max_message);
    std::size_t n = 0;
    REQUIRE(tr.translate(producer_message.data(), producer_message.size(), out.data(), n) == reject_reason::none);
    const std::string first(out.data(), n);
    const std::string small = R"({"transaction_id":"T9","card_id":"x","timestamp":2,"merchant_id":"M"})";
    REQUIRE(tr.translate(small.data(), small.size(), out.data(), n) == reject_reason::none);
    CHECK(std::string(out.data(), n) == R"({"txn_id":"T9","ts":2000,"merchant_id":"M"})");
    REQUIRE(tr.translate(producer_message.data(), producer_message.size(), out.data(), n) == reject_reason::none);
    CHECK(std::string(out.data(), n) == first);
}

// ---- config

TEST_CASE("json_map config: the issue's table reads and validates", "[unit][json_map]") {
    const read_result r = read(valid_body + R"(merchant_name = "/merchant"
mcc = "/category_code"
country = "/location/country"
city = "/location/city"
lat = "/location/lat"
lon = "/location/lon"
channel = "/channel"
device_id = "/device_id"
ip = "/ip_address"
email = "/email"
)");
    CHECK(r.errors.empty());
    const json_map want = producer_map();
    for (const auto& k : json_map_keys) {
        INFO(k.name);
        CHECK((r.m.*k.field).pointer == (want.*k.field).pointer);
    }
    CHECK(r.m.ts_unit == json_time_unit::s);
    CHECK(r.m.amount_unit == json_amount_unit::major);
    CHECK(r.m.fixed_currency.empty());
    CHECK_FALSE(r.m.empty());
    CHECK(json_map{}.empty());

    // The other forms.
    const read_result t = read(R"(txn_id = { pointer = "/id" }
card_id = "/card"
amount = { pointer = "/cents", unit = "minor" }
currency = { value = "EUR" }
ts = "/t"
merchant_id = "/m"
)");
    CHECK(t.errors.empty());
    CHECK(t.m.txn_id.pointer == "/id");
    CHECK(t.m.amount.pointer == "/cents");
    CHECK(t.m.amount_unit == json_amount_unit::minor);
    CHECK(t.m.fixed_currency == "EUR");
    CHECK(t.m.currency.pointer.empty());
    CHECK(t.m.ts_unit == json_time_unit::ms);
    CHECK(read(valid_body + "ip = { pointer = \"/a/b\" }\n").errors.empty());
    CHECK(read(R"(txn_id = "/i"
card = "/c"
amount = { pointer = "/a", unit = "major" }
currency = { pointer = "/cur" }
ts = { pointer = "/t", unit = "rfc3339" }
merchant_id = "/m"
)").m.ts_unit == json_time_unit::rfc3339);
}

TEST_CASE("json_map config: every problem names its key", "[unit][json_map]") {
    // Units.
    CHECK(only_error(R"(txn_id = "/transaction_id"
card = "/card_number"
amount = "/amount"
currency = "/currency"
ts = { pointer = "/timestamp", unit = "h" }
merchant_id = "/merchant_id"
)") == R"(txscreen.toml:7: feed[0].json_map.ts.unit: must be one of "s", "ms", "rfc3339", got "h")");
    CHECK(only_error(R"(txn_id = "/transaction_id"
card = "/card_number"
amount = { pointer = "/amount", unit = "cents" }
currency = "/currency"
ts = "/timestamp"
merchant_id = "/merchant_id"
)") == R"(txscreen.toml:5: feed[0].json_map.amount.unit: must be one of "major", "minor", got "cents")");
    CHECK(only_error(valid_body + "mcc = { pointer = \"/m\", unit = \"s\" }\n") ==
          "txscreen.toml:9: feed[0].json_map.mcc.unit: unknown key (allowed: pointer)");

    // Pointers.
    CHECK(only_error(valid_body + "city = \"location/city\"\n") ==
          R"(txscreen.toml:9: feed[0].json_map.city: "location/city": must start with '/' (RFC 6901: "/transaction_id", "/location/city"))");
    CHECK(only_error(valid_body + "city = \"/loc~2ation\"\n") ==
          R"(txscreen.toml:9: feed[0].json_map.city: "/loc~2ation": '~' must be followed by 0 or 1 (RFC 6901: ~0 is '~', ~1 is '/'))");
    CHECK(only_error(valid_body + "city = \"/loc~\"\n").find("feed[0].json_map.city: \"/loc~\": '~' must be") !=
          std::string::npos);
    CHECK(only_error(valid_body + "city = \"#/city\"\n").find("feed[0].json_map.city: \"#/city\": must start with '/'") !=
          std::string::npos);
    CHECK(only_error(R"(txn_id = "/transaction_id"
card = "/card_number"
amount = "/amount"
currency = "/currency"
ts = { pointer = "timestamp", unit = "s" }
merchant_id = "/merchant_id"
)").find("txscreen.toml:7: feed[0].json_map.ts: \"timestamp\": must start with '/'") != std::string::npos);
    CHECK(read(valid_body + "city = \"/a~0b~1c\"\ndevice_id = \"/\"\n").errors.empty());

    // Required mappings.
    for (const char* key : {"txn_id", "amount", "merchant_id", "ts"}) {
        std::string body;
        for (const std::string line : {"txn_id = \"/i\"\n", "card = \"/c\"\n", "amount = \"/a\"\n",
                                       "currency = \"/cur\"\n", "ts = \"/t\"\n", "merchant_id = \"/m\"\n"})
            if (line.rfind(std::string(key) + " =", 0) != 0) body += line;
        INFO(key);
        const std::string e = only_error(body);
        CHECK(e.find(std::string("txscreen.toml:2: feed[0].json_map.") + key + ": missing: where the producer's message holds " +
                     key) == 0);
    }
    CHECK(only_error("txn_id = \"/i\"\namount = \"/a\"\ncurrency = \"/cur\"\nts = \"/t\"\nmerchant_id = \"/m\"\n") ==
          "txscreen.toml:2: feed[0].json_map.card: missing: map card (the PAN) or card_id (a JSON pointer, \"/p\"); one is required");
    CHECK(read("txn_id = \"/i\"\ncard_id = \"/c\"\namount = \"/a\"\ncurrency = \"/cur\"\nts = \"/t\"\nmerchant_id = \"/m\"\n")
              .errors.empty());
    CHECK(only_error("txn_id = \"/i\"\ncard = \"/c\"\namount = \"/a\"\nts = \"/t\"\nmerchant_id = \"/m\"\n") ==
          "txscreen.toml:2: feed[0].json_map.currency: missing: a JSON pointer (\"/currency\") or a fixed currency "
          "({ value = \"EUR\" }); required");
    CHECK(only_error("txn_id = \"\"\ncard = \"/c\"\namount = \"/a\"\ncurrency = \"/cur\"\nts = \"/t\"\nmerchant_id = \"/m\"\n")
              .find("txscreen.toml:3: feed[0].json_map.txn_id: missing") == 0);
    // An empty table: every required key.
    CHECK(read("").errors.size() == 6);

    // Fixed currencies.
    const std::string no_currency = "txn_id = \"/i\"\ncard = \"/c\"\namount = \"/a\"\nts = \"/t\"\nmerchant_id = \"/m\"\n";
    for (const char* bad : {"EU", "eur", "XTS", "EURO", ""}) {
        INFO(bad);
        const std::string e = only_error(no_currency + "currency = { value = \"" + bad + "\" }\n");
        if (*bad)
            CHECK(e == std::string("txscreen.toml:8: feed[0].json_map.currency.value: must be an ISO 4217 alpha code "
                                   "(\"EUR\"), got \"") + bad + "\"");
        else
            CHECK(e.find("feed[0].json_map.currency: missing") != std::string::npos);
    }
    CHECK(only_error(no_currency + "currency = { value = \"EUR\", pointer = \"/c\" }\n") ==
          "txscreen.toml:8: feed[0].json_map.currency: either a pointer or a fixed value, not both");
    CHECK(only_error(no_currency + "currency = { value = 978 }\n") ==
          "txscreen.toml:8: feed[0].json_map.currency.value: expected an ISO 4217 code (\"EUR\"), got an integer");
    CHECK(only_error(no_currency + "currency = { }\n") ==
          "txscreen.toml:8: feed[0].json_map.currency: expected { value = \"EUR\" } or { pointer = \"/p\" }, got a table "
          "without pointer or value");

    // Unknown keys, wrong types, tables without a pointer.
    CHECK(only_error(valid_body + "txnid = \"/x\"\n") ==
          "txscreen.toml:9: feed[0].json_map.txnid: unknown key (did you mean 'txn_id'?)");
    CHECK(only_error(valid_body + "region = \"/x\"\n").find("feed[0].json_map.region: unknown key (allowed: txn_id, ts, card,") !=
          std::string::npos);
    CHECK(only_error(R"(txn_id = "/transaction_id"
card = "/card_number"
amount = "/amount"
currency = "/currency"
ts = { pointer = "/timestamp", units = "s" }
merchant_id = "/merchant_id"
)") == "txscreen.toml:7: feed[0].json_map.ts.units: unknown key (did you mean 'unit'?)");
    CHECK(only_error(valid_body + "city = 5\n") ==
          "txscreen.toml:9: feed[0].json_map.city: expected a JSON pointer string (\"/p\") or { pointer = \"/p\" }, got an integer");
    CHECK(only_error(valid_body + "city = { pointer = 5 }\n") ==
          "txscreen.toml:9: feed[0].json_map.city.pointer: expected a JSON pointer string (\"/p\"), got an integer");
    CHECK(only_error(R"(txn_id = "/transaction_id"
card = "/card_number"
amount = "/amount"
currency = "/currency"
ts = { unit = "s" }
merchant_id = "/merchant_id"
)") == "txscreen.toml:7: feed[0].json_map.ts: expected { pointer = \"/p\", unit = \"s\" }, got a table without pointer");
}

TEST_CASE("json_map config: validate on a map built in code", "[unit][json_map]") {
    config_errors e;
    json_map m = producer_map();
    validate(m, "feed[2].json_map", e);
    CHECK(e.empty());
    m.lat.pointer = "lat";
    m.fixed_currency = "USD";
    validate(m, "feed[2].json_map", e);
    const std::vector<std::string> lines = e.take();
    REQUIRE(lines.size() == 2);
    CHECK(lines[0] == "feed[2].json_map.lat: \"lat\": must start with '/' (RFC 6901: \"/transaction_id\", \"/location/city\")");
    CHECK(lines[1] == "feed[2].json_map.currency: either a pointer or a fixed value, not both");
    CHECK_THROWS_AS(json_map_translator(m), std::invalid_argument);
}
