#include <catch2/catch.hpp>

#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codec/json_decode.h"
#include "common/currency.h"
#include "../common/luhn_complete.h"

using namespace txscreen;
using txscreen::test::luhn_complete;

namespace {

const std::string test_key = "0123456789abcdef0123456789abcdef";

const pan_tokenizer& tokenizer() {
    static const pan_tokenizer tok(test_key);
    return tok;
}

// Expected token computed with OpenSSL's one-shot HMAC, independently of pan_tokenizer.
std::string hmac_hex16(const std::string& msg) {
    unsigned char md[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), test_key.data(), static_cast<int>(test_key.size()),
         reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
    return token_hex(md);
}

struct decoded {
    reject_reason r;
    Txn t;
};

decoded decode(const std::string& s) {
    static json_decoder dec(tokenizer());
    decoded d;
    d.r = dec.decode(s.data(), s.size(), d.t);
    return d;
}

reject_reason reason(const std::string& s) { return decode(s).r; }

// A minimal valid message with `extra` appended inside the object.
std::string minimal(const std::string& amount = "19.99", const std::string& currency = "USD",
                    const std::string& extra = "") {
    return R"({"txn_id":"t1","ts":"2026-11-23T10:00:00Z","card":"4111111111111111","amount":)" + amount +
           R"(,"currency":")" + currency + R"(","merchant_id":"M1")" + extra + "}";
}

bool contains(const void* hay, std::size_t n, const std::string& needle) {
    const char* h = static_cast<const char*>(hay);
    for (std::size_t i = 0; i + needle.size() <= n; ++i)
        if (std::memcmp(h + i, needle.data(), needle.size()) == 0) return true;
    return false;
}

}  // namespace

TEST_CASE("full message: every Txn field", "[unit][json]") {
    const std::string msg = R"({
        "txn_id": "tx-000123",
        "ts": "2026-11-23T10:00:00.123Z",
        "card": "4111111111111111",
        "account_id": "ACC-9",
        "amount": 19.99,
        "currency": "USD",
        "merchant_id": "M-778899",
        "merchant_name": "CORNER \"GROCERY\" \u00e9",
        "mcc": 5411,
        "country": "us",
        "city": "NEW YORK",
        "lat": 40.7128,
        "lon": -74.006,
        "channel": "ecom",
        "device_id": "dev-42",
        "ip": "2001:db8::1",
        "email": "a@example.com"
    })";
    decoded d = decode(msg);
    INFO(reject_name(d.r));
    REQUIRE(d.r == reject_reason::none);
    const Txn& t = d.t;
    CHECK(t.format == payload_format::json);
    CHECK(t.txn_id == "tx-000123");
    CHECK(t.event_time_ms == 1795428000123);
    CHECK(token_hex(t.card_token) == hmac_hex16("4111111111111111"));
    CHECK(std::string(t.card_bin) == "41111111");  // 16-digit PAN: 8-digit BIN
    CHECK(std::string(t.card_last4) == "1111");
    CHECK(t.pan_len == 16);
    CHECK(t.card_id.empty());
    CHECK(t.account_id == "ACC-9");
    CHECK(t.amount_minor == 1999);
    CHECK(t.currency == 840);
    CHECK(t.currency_exponent == 2);
    CHECK(t.merchant_id == "M-778899");
    CHECK(t.merchant_name == "CORNER \"GROCERY\" \xc3\xa9");
    CHECK(t.mcc == 5411);
    CHECK(std::string(t.country) == "US");
    CHECK(t.city == "NEW YORK");
    CHECK(t.lat == Approx(40.7128f));
    CHECK(t.lon == Approx(-74.006f));
    CHECK(t.has_coords());
    CHECK(t.chan == channel::ecom);
    CHECK(t.device_id == "dev-42");
    CHECK(t.ip == "2001:db8::1");
    CHECK(t.email == "a@example.com");
    CHECK(t.truncated == 0);
    CHECK(t.mti == 0);
    CHECK(t.feed_seq == 0);
}

TEST_CASE("card_id instead of PAN: domain-separated token, no BIN", "[unit][json]") {
    decoded d = decode(R"({"txn_id":"t","ts":0,"card_id":"cust-7781","amount":5,"currency":"JPY","merchant_id":"m"})");
    REQUIRE(d.r == reject_reason::none);
    CHECK(token_hex(d.t.card_token) == hmac_hex16("id:cust-7781"));
    CHECK(d.t.card_id == "cust-7781");
    CHECK(d.t.pan_len == 0);
    CHECK(std::string(d.t.card_bin).empty());
    CHECK(d.t.event_time_ms == 0);
    CHECK(d.t.amount_minor == 5);
    CHECK_FALSE(d.t.has_coords());
    CHECK(d.t.chan == channel::unknown);

    // A card_id longer than its 32-byte field: stored cut, token of the whole id.
    const std::string long_id(50, 'k');
    d = decode(R"({"txn_id":"t","ts":0,"card_id":")" + long_id +
               R"(","amount":1,"currency":"USD","merchant_id":"m"})");
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.card_id.size() == 32);
    CHECK(d.t.truncated == tf_card_id);
    CHECK(token_hex(d.t.card_token) == hmac_hex16("id:" + long_id));
}

TEST_CASE("15-digit PAN: 6-digit BIN", "[unit][json]") {
    decoded d = decode(R"({"txn_id":"t","ts":0,"card":"340000000000009","amount":1,"currency":"USD","merchant_id":"m"})");
    REQUIRE(d.r == reject_reason::none);
    CHECK(std::string(d.t.card_bin) == "340000");
    CHECK(std::string(d.t.card_last4) == "0009");
    CHECK(d.t.pan_len == 15);
    CHECK(token_hex(d.t.card_token) == hmac_hex16("340000000000009"));
}

TEST_CASE("ts: RFC 3339 with Z or offsets and fractions, or epoch ms", "[unit][json]") {
    auto ts = [](const std::string& v) {
        decoded d = decode(R"({"txn_id":"t","ts":)" + v +
                           R"(,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"m"})");
        INFO(v << " -> " << reject_name(d.r));
        REQUIRE(d.r == reject_reason::none);
        return d.t.event_time_ms;
    };
    CHECK(ts("\"2026-11-23T10:00:00Z\"") == 1795428000000);
    CHECK(ts("\"2026-11-23T10:00:00.123Z\"") == 1795428000123);
    CHECK(ts("\"2026-11-23T10:00:00.1Z\"") == 1795428000100);
    CHECK(ts("\"2026-11-23T10:00:00.123999Z\"") == 1795428000123);  // truncated to ms
    CHECK(ts("\"2026-11-23T10:00:00+05:30\"") == 1795408200000);
    CHECK(ts("\"2026-11-23T10:00:00-08:00\"") == 1795456800000);
    CHECK(ts("\"2026-11-23T10:00:00.123+00:00\"") == 1795428000123);
    CHECK(ts("\"2026-11-23t10:00:00z\"") == 1795428000000);
    CHECK(ts("\"2026-11-23 10:00:00Z\"") == 1795428000000);
    CHECK(ts("\"2024-02-29T23:59:59.999Z\"") == 1709251199999);
    CHECK(ts("\"1970-01-01T00:00:00Z\"") == 0);
    CHECK(ts("\"2016-12-31T23:59:60Z\"") == 1483228800000);  // leap second = next second
    CHECK(ts("1795428000123") == 1795428000123);
    CHECK(ts("0") == 0);
}

TEST_CASE("ts: malformed values are json_bad_timestamp or json_bad_type", "[unit][json]") {
    auto r = [](const std::string& v) {
        return reason(R"({"txn_id":"t","ts":)" + v +
                      R"(,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"m"})");
    };
    for (const char* bad : {"\"2026-11-23T10:00:00\"", "\"2026-11-23\"", "\"2026-13-01T00:00:00Z\"",
                            "\"2026-02-29T00:00:00Z\"", "\"2026-11-23T24:00:00Z\"", "\"2026-11-23T10:60:00Z\"",
                            "\"2026-11-23T10:00:00.Z\"", "\"2026-11-23T10:00:00+0530\"",
                            "\"2026-11-23T10:00:00+24:00\"", "\"2026-11-23T10:00:00Zjunk\"", "\"yesterday\"",
                            "\"\"", "-5", "1.7e12", "17954280001.5", "99999999999999999999",
                            "\"1969-12-31T23:59:59Z\""}) {
        INFO(bad);
        CHECK(r(bad) == reject_reason::json_bad_timestamp);
    }
    CHECK(r("true") == reject_reason::json_bad_type);
    CHECK(r("[1]") == reject_reason::json_bad_type);
}

TEST_CASE("amount: exact minor units per currency exponent", "[unit][json]") {
    auto amt = [](const std::string& a, const std::string& cur) {
        decoded d = decode(minimal(a, cur));
        INFO(a << " " << cur << " -> " << reject_name(d.r));
        REQUIRE(d.r == reject_reason::none);
        return d.t.amount_minor;
    };
    CHECK(amt("19.99", "USD") == 1999);
    CHECK(amt("0.29", "USD") == 29);  // 0.29 is 0.28999... as a double
    CHECK(amt("1.1", "EUR") == 110);
    CHECK(amt("7", "USD") == 700);
    CHECK(amt("1.230", "USD") == 123);  // extra zero digits are fine
    CHECK(amt("0", "USD") == 0);
    CHECK(amt("1000", "JPY") == 1000);
    CHECK(amt("1000.00", "JPY") == 1000);
    CHECK(amt("1.234", "KWD") == 1234);
    CHECK(amt("0.005", "BHD") == 5);
    CHECK(amt("1.2345", "CLF") == 12345);
    CHECK(amt("1e3", "USD") == 100000);
    CHECK(amt("1.5E-1", "USD") == 15);
    CHECK(amt("25E+0", "USD") == 2500);
    CHECK(amt("92233720368547.75", "USD") == 9223372036854775);
    CHECK(decode(minimal("1000", "JPY")).t.currency_exponent == 0);
    CHECK(decode(minimal("1.234", "KWD")).t.currency == 414);
}

TEST_CASE("amount: rejects", "[unit][json]") {
    for (auto [a, cur] : std::vector<std::pair<std::string, std::string>>{
             {"1.234", "USD"}, {"12.5", "JPY"}, {"1.2345", "KWD"}, {"-1", "USD"}, {"-0.01", "USD"}, {"-0", "USD"},
             {"1e-3", "USD"}, {"1e400", "USD"}, {"99999999999999999999", "USD"}, {"1000000000000000.01", "USD"}}) {
        INFO(a << " " << cur);
        CHECK(reason(minimal(a, cur)) == reject_reason::json_bad_amount);
    }
    CHECK(reason(minimal("true")) == reject_reason::json_bad_type);
    CHECK(reason(minimal("{\"v\":1}")) == reject_reason::json_bad_type);
    // Strings are not numbers (RFC 8259): one that holds a number names the quoting,
    // any other string is the wrong type.
    for (const char* a : {"\"19.99\"", "\"1e2\"", "\"-5\"", "\"1.\"", "\".5\"", "\"+5\"", "\"00012\""}) {
        INFO(a);
        CHECK(reason(minimal(a)) == reject_reason::json_numeric_string);
    }
    for (const char* a : {"\"\"", "\"abc\"", "\"1,5\"", "\" 5\"", "\"5 USD\""}) {
        INFO(a);
        CHECK(reason(minimal(a)) == reject_reason::json_bad_type);
    }
}

TEST_CASE("JSON numbers follow RFC 8259: no leading zeros, no quoted numbers", "[unit][json]") {
    // Leading zeros and other non-JSON number text, on every key that takes a number.
    for (const char* a : {"00012", "012.5", "-012", "01e2", "1.", "1.e2", "1e", "1e+"}) {
        INFO("amount " << a);
        CHECK(reason(minimal(a)) == reject_reason::json_bad_number);
    }
    auto with_ts = [](const std::string& ts) {
        return reason(R"({"txn_id":"t","ts":)" + ts +
                      R"(,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"m"})");
    };
    CHECK(with_ts("01795428000123") == reject_reason::json_bad_number);
    CHECK(with_ts("\"1795428000123\"") == reject_reason::json_numeric_string);
    CHECK(with_ts("1795428000123") == reject_reason::none);
    CHECK(reason(minimal("1", "USD", R"(,"mcc":05411)")) == reject_reason::json_bad_number);
    CHECK(reason(minimal("1", "USD", R"(,"lat":040.7)")) == reject_reason::json_bad_number);
    CHECK(reason(minimal("1", "USD", R"(,"lon":-074.0)")) == reject_reason::json_bad_number);
    CHECK(reason(minimal("1", "USD", R"(,"lat":"40.7")")) == reject_reason::json_numeric_string);
    // What RFC 8259 allows is accepted: zero itself, a zero before the point, exponents.
    for (const char* a : {"0", "0.5", "0e0", "10", "1E+2", "100.00"}) {
        INFO("amount " << a);
        CHECK(reason(minimal(a)) == reject_reason::none);
    }
    CHECK(reason(minimal("1", "USD", R"(,"lat":0.5,"lon":-0.25)")) == reject_reason::none);
    // mcc is a code (ISO 18245; "0742" keeps its zero), documented as number or 4-digit string.
    CHECK(decode(minimal("1", "USD", R"(,"mcc":"0742")")).t.mcc == 742);
}

TEST_CASE("each reject reason for a specific input", "[unit][json]") {
    const std::string base_tail = R"("card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"m"})";
    SECTION("json_syntax") {
        for (std::string bad : std::vector<std::string>{"", "   ", "[1,2]", "\"str\"", "42", "null", "{", R"({"txn_id":)",
                                R"({"txn_id":"t",})", R"({"txn_id" "t"})", minimal() + " x", minimal() + "{}",
                                R"({"txn_id":"t","ts":0,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"m)"}) {
            INFO(bad);
            CHECK(reason(bad) == reject_reason::json_syntax);
        }
        // Trailing whitespace and a CR are not errors.
        CHECK(reason(minimal() + " \r\n") == reject_reason::none);
    }
    SECTION("json_too_large") {
        std::string big = minimal("1", "USD", R"(,"pad":")" + std::string(json_max_message, 'x') + "\"");
        CHECK(reason(big) == reject_reason::json_too_large);
        // Exactly at the limit is accepted.
        std::string fit = minimal("1", "USD", R"(,"pad":"")");
        fit.insert(fit.size() - 2, json_max_message - fit.size(), 'y');
        REQUIRE(fit.size() == json_max_message);
        CHECK(reason(fit) == reject_reason::none);
    }
    SECTION("json_missing_key for each required key") {
        const char* keys[] = {"txn_id", "ts", "card", "amount", "currency", "merchant_id"};
        for (const char* k : keys) {
            std::string m = minimal();
            const std::string needle = std::string("\"") + k + "\":";
            std::size_t at = m.find(needle);
            REQUIRE(at != std::string::npos);
            m.replace(at, needle.size(), std::string("\"x_") + k + "\":");  // rename: unknown key
            INFO(k);
            CHECK(reason(m) == reject_reason::json_missing_key);
        }
        // Empty strings and null count as absent for required keys.
        CHECK(reason(R"({"txn_id":"","ts":0,)" + base_tail) == reject_reason::json_missing_key);
        CHECK(reason(R"({"txn_id":null,"ts":0,)" + base_tail) == reject_reason::json_missing_key);
        CHECK(reason(R"({"txn_id":"t","ts":0,"card":"","amount":1,"currency":"USD","merchant_id":"m"})") ==
              reject_reason::json_missing_key);
        CHECK(reason("{}") == reject_reason::json_missing_key);
    }
    SECTION("json_bad_type") {
        CHECK(reason(R"({"txn_id":5,"ts":0,)" + base_tail) == reject_reason::json_bad_type);
        CHECK(reason(R"({"txn_id":"t","ts":0,"card":4111111111111111,"amount":1,"currency":"USD","merchant_id":"m"})") ==
              reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"lat":"north")")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"lat":91)")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"lon":-180.5)")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"mcc":"54a1")")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"mcc":10000)")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"mcc":-1)")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"country":"USA")")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"country":"U1")")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"email":["a"])")) == reject_reason::json_bad_type);
        CHECK(reason(minimal("1", "USD", R"(,"channel":1)")) == reject_reason::json_bad_type);
        CHECK(reason(R"({"txn_id":"t","ts":0,"card":"4111111111111111","amount":1,"currency":840,"merchant_id":"m"})") ==
              reject_reason::json_bad_type);
    }
    SECTION("json_bad_channel") {
        CHECK(reason(minimal("1", "USD", R"(,"channel":"moto")")) == reject_reason::json_bad_channel);
        CHECK(reason(minimal("1", "USD", R"(,"channel":"")")) == reject_reason::json_bad_channel);
        decoded d = decode(minimal("1", "USD", R"(,"channel":"ATM")"));
        CHECK(d.r == reject_reason::none);
        CHECK(d.t.chan == channel::atm);
        CHECK(decode(minimal("1", "USD", R"(,"channel":"pos")")).t.chan == channel::pos);
    }
    SECTION("bad_pan") {
        for (const char* pan : {"4111111111111112", "41111111111", "41111111111111111111", "4111-1111-1111-1111",
                                "411111111111111a", "\\u0034111111111111111"}) {
            INFO(pan);
            CHECK(reason(std::string(R"({"txn_id":"t","ts":0,"card":")") + pan +
                         R"(","amount":1,"currency":"USD","merchant_id":"m"})") == reject_reason::bad_pan);
        }
    }
    SECTION("unknown_currency") {
        CHECK(reason(minimal("1", "XYZ")) == reject_reason::unknown_currency);
        CHECK(reason(minimal("1", "usd")) == reject_reason::unknown_currency);
        CHECK(reason(minimal("1", "US")) == reject_reason::unknown_currency);
    }
}

TEST_CASE("unknown keys are ignored, including nested objects and arrays", "[unit][json]") {
    decoded d = decode(R"({"schema":3,"meta":{"txn_id":"nested","amount":999,"deep":[{"card":"x"}]},)"
                       R"("tags":["a",{"b":[1,2,{"c":null}]}],"flag":true,"none":null,"txn_id":"outer","ts":1000,)"
                       R"("card":"4111111111111111","amount":2.5,"currency":"EUR","merchant_id":"m","x\"y":1,)"
                       R"("merchant_name_long_unknown":"z"})");
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.txn_id == "outer");
    CHECK(d.t.amount_minor == 250);
    CHECK(d.t.currency == 978);
    CHECK(d.t.merchant_name.empty());
    // Optional keys given as null stay absent.
    d = decode(minimal("1", "USD", R"(,"lat":null,"lon":null,"mcc":null,"email":null)"));
    REQUIRE(d.r == reject_reason::none);
    CHECK_FALSE(d.t.has_coords());
    CHECK(d.t.mcc == 0);
    CHECK(d.t.email.empty());
    // mcc as a 4-digit string.
    CHECK(decode(minimal("1", "USD", R"(,"mcc":"0742")")).t.mcc == 742);
}

TEST_CASE("text longer than its field is cut and flagged in Txn::truncated", "[unit][json]") {
    const std::string name(60, 'N'), email(100, 'e'), city(30, 'C');
    decoded d = decode(minimal("1", "USD",
                       R"(,"merchant_name":")" + name + R"(","email":")" + email + R"(","city":")" + city +
                           R"(","device_id":"short")"));
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.merchant_name == std::string(40, 'N'));
    CHECK(d.t.email == std::string(64, 'e'));
    CHECK(d.t.city == std::string(24, 'C'));
    CHECK(d.t.device_id == "short");
    CHECK(d.t.truncated == (tf_merchant_name | tf_email | tf_city));
    const std::string id(41, 'i');
    d = decode(R"({"txn_id":")" + id + R"(","ts":0,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":")" +
               std::string(25, 'm') + "\"}");
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.truncated == (tf_txn_id | tf_merchant_id));
    CHECK(d.t.txn_id.size() == 40);
}

TEST_CASE("the clear PAN never appears in the Txn bytes", "[unit][json]") {
    const std::string pan = "5500005555555559";
    decoded d = decode(R"({"txn_id":"t","ts":0,"card":")" + pan +
                       R"(","amount":1,"currency":"USD","merchant_id":"m","merchant_name":"shop"})");
    REQUIRE(d.r == reject_reason::none);
    CHECK_FALSE(contains(&d.t, sizeof d.t, pan));
    // Nor the middle digits that BIN and last4 leave out.
    CHECK_FALSE(contains(&d.t, sizeof d.t, pan.substr(6, 6)));
    CHECK(masked_pan(d.t) == "55000055****5559");
}

TEST_CASE("decoding an invalid message after a valid one leaves no stale fields", "[unit][json]") {
    json_decoder dec(tokenizer());
    Txn t;
    std::string good = minimal("1", "USD", R"(,"email":"x@y")");
    REQUIRE(dec.decode(good.data(), good.size(), t) == reject_reason::none);
    std::string bad = "{\"txn_id\":";
    CHECK(dec.decode(bad.data(), bad.size(), t) == reject_reason::json_syntax);
    CHECK(t.email.empty());
    CHECK(t.amount_minor == 0);
    CHECK(t.format == payload_format::json);
}

namespace {

std::string random_text(std::mt19937_64& rng, std::size_t max_len) {
    // Printable ASCII plus the characters JSON must escape, and some UTF-8.
    static const std::string alphabet =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.@:/\"\\\t\n";
    std::string s;
    const std::size_t n = rng() % (max_len + 1);
    for (std::size_t i = 0; i < n; ++i) {
        if (rng() % 40 == 0) {
            s += "\xc3\xa9";  // é
        } else {
            s += alphabet[rng() % alphabet.size()];
        }
    }
    return s;
}

std::string fixed_cut(const std::string& s, std::size_t cap) { return s.substr(0, std::min(s.size(), cap)); }

}  // namespace

TEST_CASE("round trip encode_json -> decode over random transactions", "[unit][json]") {
    std::mt19937_64 rng(20261123);
    const char* currencies[] = {"USD", "EUR", "JPY", "KWD", "BHD", "CLF", "ISK", "GBP"};
    const char* channels[] = {"pos", "ecom", "atm"};
    json_decoder dec(tokenizer());
    int with_pan = 0, with_coords = 0, truncated = 0;
    for (int i = 0; i < 5000; ++i) {
        clear_txn c;
        c.txn_id = "tx-" + std::to_string(i) + random_text(rng, 40);
        c.event_time_ms = static_cast<int64_t>(rng() % 4'102'444'800'000ULL);  // 1970..2100
        if (rng() % 4) {
            std::string body = std::to_string(3 + rng() % 4);
            const std::size_t len = 12 + rng() % 8;
            while (body.size() < len - 1) body += static_cast<char>('0' + rng() % 10);
            c.pan = luhn_complete(body);
            ++with_pan;
        } else {
            c.card_id = "cid-" + std::to_string(rng());
        }
        c.account_id = random_text(rng, 36);
        c.currency = currencies[rng() % 8];
        c.amount_minor = static_cast<int64_t>(rng() % 1'000'000'000'000ULL);
        c.merchant_id = "m" + random_text(rng, 30);
        c.merchant_name = random_text(rng, 50);
        c.city = random_text(rng, 30);
        c.country = rng() % 5 ? std::string{static_cast<char>('A' + rng() % 26), static_cast<char>('A' + rng() % 26)}
                              : std::string();
        c.mcc = static_cast<uint16_t>(rng() % 10000);
        if (rng() % 3) {
            c.lat = std::uniform_real_distribution<double>(-90, 90)(rng);
            c.lon = std::uniform_real_distribution<double>(-180, 180)(rng);
            ++with_coords;
        }
        c.channel = channels[rng() % 3];
        c.device_id = random_text(rng, 45);
        c.ip = random_text(rng, 50);
        c.email = random_text(rng, 70);

        std::string js;
        encode_json(c, js);
        Txn t;
        reject_reason r = dec.decode(js.data(), js.size(), t);
        INFO(js);
        INFO(reject_name(r));
        REQUIRE(r == reject_reason::none);
        CHECK(t.txn_id.view() == fixed_cut(c.txn_id, 40));
        CHECK(t.event_time_ms == c.event_time_ms);
        CHECK(t.amount_minor == c.amount_minor);
        CHECK(t.currency == currency_by_alpha(c.currency)->numeric);
        CHECK(t.account_id.view() == fixed_cut(c.account_id, 32));
        CHECK(t.merchant_id.view() == fixed_cut(c.merchant_id, 24));
        CHECK(t.merchant_name.view() == fixed_cut(c.merchant_name, 40));
        CHECK(t.city.view() == fixed_cut(c.city, 24));
        CHECK(std::string(t.country) == c.country);
        CHECK(t.mcc == c.mcc);
        CHECK(t.device_id.view() == fixed_cut(c.device_id, 40));
        CHECK(t.ip.view() == fixed_cut(c.ip, 45));
        CHECK(t.email.view() == fixed_cut(c.email, 64));
        CHECK(t.chan == (c.channel == "pos" ? channel::pos : c.channel == "ecom" ? channel::ecom : channel::atm));
        if (std::isnan(c.lat)) {
            CHECK_FALSE(t.has_coords());
        } else {
            CHECK(t.lat == static_cast<float>(c.lat));
            CHECK(t.lon == static_cast<float>(c.lon));
        }
        auto bit = [](std::size_t len, std::size_t cap, uint32_t b) { return len > cap ? b : 0u; };
        const uint32_t want_trunc = bit(c.txn_id.size(), 40, tf_txn_id) | bit(c.account_id.size(), 32, tf_account_id) |
                                    bit(c.merchant_id.size(), 24, tf_merchant_id) |
                                    bit(c.merchant_name.size(), 40, tf_merchant_name) | bit(c.city.size(), 24, tf_city) |
                                    bit(c.device_id.size(), 40, tf_device_id) | bit(c.ip.size(), 45, tf_ip) |
                                    bit(c.email.size(), 64, tf_email);
        CHECK(t.truncated == want_trunc);
        truncated += t.truncated != 0;
        if (!c.pan.empty()) {
            CHECK(token_hex(t.card_token) == hmac_hex16(c.pan));
            CHECK(t.pan_len == c.pan.size());
            CHECK(std::string(t.card_last4) == c.pan.substr(c.pan.size() - 4));
            CHECK(std::string(t.card_bin) == c.pan.substr(0, c.pan.size() >= 16 ? 8 : 6));
            CHECK_FALSE(contains(&t, sizeof t, c.pan));
        } else {
            CHECK(token_hex(t.card_token) == hmac_hex16("id:" + c.card_id));
        }
    }
    // The generator really exercised both card forms, coordinates and truncation.
    CHECK(with_pan > 3000);
    CHECK(with_coords > 2500);
    CHECK(truncated > 1000);
}

TEST_CASE("encode_json: ts with milliseconds, amount with exponent digits", "[unit][json]") {
    clear_txn c;
    c.txn_id = "a\"b";
    c.event_time_ms = 1795428000123;
    c.pan = "4111111111111111";
    c.amount_minor = 1999;
    c.currency = "USD";
    c.merchant_id = "m";
    std::string js;
    encode_json(c, js);
    CHECK(js.find(R"("ts":"2026-11-23T10:00:00.123Z")") != std::string::npos);
    CHECK(js.find(R"("amount":19.99,)") != std::string::npos);
    CHECK(js.find(R"("txn_id":"a\"b")") != std::string::npos);
    CHECK(js.find(R"("card":"4111111111111111")") != std::string::npos);
    CHECK(js.find("\"lat\"") == std::string::npos);
    CHECK(js.find("card_id") == std::string::npos);
    c.currency = "JPY";
    c.amount_minor = 1000;
    js.clear();
    encode_json(c, js);
    CHECK(js.find(R"("amount":1000,)") != std::string::npos);
    c.currency = "KWD";
    c.amount_minor = 5;
    js.clear();
    encode_json(c, js);
    CHECK(js.find(R"("amount":0.005,)") != std::string::npos);
}

TEST_CASE("decode cost per ~200-byte message including tokenization", "[json][perf][.]") {
    // Hidden from the default run ([.]): prints a figure, never fails on time.
    std::mt19937_64 rng(1);
    std::vector<std::string> msgs;
    std::size_t bytes = 0;
    for (int i = 0; i < 4096; ++i) {
        clear_txn c;
        c.txn_id = "tx-" + std::to_string(1000000 + i);
        c.event_time_ms = 1'795'000'000'000 + i * 1000LL;
        // append() rather than "lit" + to_string(): GCC 12 flags the latter with a false -Wrestrict.
        c.pan = luhn_complete(std::string("4").append(std::to_string(10000000000000ULL + rng() % 89999999999999ULL)));
        c.amount_minor = static_cast<int64_t>(rng() % 100000);
        c.merchant_id = std::string("M").append(std::to_string(100000000000000ULL + rng() % 1000000));
        c.merchant_name = "CORNER GROCERY MARKET";
        c.city = "NEW YORK";
        c.country = "US";
        c.mcc = 5411;
        c.lat = 40.7;
        c.lon = -74.0;
        c.device_id = "dev-" + std::to_string(rng() % 1000000);
        c.email = "user" + std::to_string(rng() % 100000) + "@example.com";
        std::string js;
        encode_json(c, js);
        bytes += js.size();
        msgs.push_back(js);
    }
    json_decoder dec(tokenizer());
    Txn t;
    std::vector<double> runs;
    std::size_t rejected = 0;
    for (int r = 0; r < 9; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        for (int p = 0; p < 20; ++p)
            for (auto& m : msgs) rejected += dec.decode(m.data(), m.size(), t) != reject_reason::none;
        auto t1 = std::chrono::steady_clock::now();
        runs.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (20.0 * msgs.size()));
    }
    CHECK(rejected == 0);
    std::sort(runs.begin(), runs.end());
    std::printf("json decode: %.0f bytes/msg, median %.1f ns/msg (min %.1f)\n",
                static_cast<double>(bytes) / msgs.size(), runs[runs.size() / 2], runs[0]);
}

TEST_CASE("deferred decode and batch tokenization give the one-shot Txn", "[unit][json]") {
    json_decoder dec(tokenizer());
    const std::string long_id(60, 'L');  // "id:" + 60 bytes: more than one hash block
    const std::vector<std::string> msgs = {
        minimal(),
        R"({"txn_id":"t2","ts":1795000000000,"card_id":"cust-42","amount":5,"currency":"JPY","merchant_id":"M2"})",
        R"({"txn_id":"t3","ts":1795000000000,"card_id":")" + long_id + R"(","amount":1,"currency":"USD","merchant_id":"M3"})",
        R"({"txn_id":"t4","ts":1795000000000,"card":"4111111111111112","amount":1,"currency":"USD","merchant_id":"M4"})",
        minimal("1.00", "EUR", R"(,"city":"Paris","lat":48.85,"lon":2.35,"email":"a@b.c","device_id":"d-1")"),
    };
    const std::size_t n = msgs.size();
    std::vector<Txn> batch(n);
    std::vector<pan_stash> stash(n);
    const pan_stash::kind want_kind[] = {pan_stash::kind::pan, pan_stash::kind::card_id, pan_stash::kind::none,
                                         pan_stash::kind::none, pan_stash::kind::pan};
    for (std::size_t i = 0; i < n; ++i) {
        INFO("message " << i);
        const reject_reason r = dec.decode_deferred(msgs[i].data(), msgs[i].size(), batch[i], stash[i]);
        REQUIRE(r == (i == 3 ? reject_reason::bad_pan : reject_reason::none));
        CHECK(stash[i].what == want_kind[i]);
    }
    CHECK(std::string_view(stash[0].text, stash[0].len) == "4111111111111111");
    CHECK(std::string_view(stash[1].text, stash[1].len) == "id:cust-42");
    CHECK(token_hex(batch[2].card_token) == hmac_hex16("id:" + long_id));  // tokenized at once
    tokenizer().tokenize_stashed(stash.data(), batch.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
        INFO("message " << i);
        CHECK(stash[i].what == pan_stash::kind::none);
        CHECK_FALSE(contains(stash[i].text, pan_stash::capacity, "4111111111111111"));
        if (i == 3) continue;
        const decoded one = decode(msgs[i]);
        REQUIRE(one.r == reject_reason::none);
        CHECK(std::memcmp(&one.t, &batch[i], sizeof(Txn)) == 0);
        CHECK_FALSE(contains(&batch[i], sizeof(Txn), "4111111111111111"));
    }
    CHECK(token_hex(batch[0].card_token) == hmac_hex16("4111111111111111"));
    CHECK(token_hex(batch[1].card_token) == hmac_hex16("id:cust-42"));
}

TEST_CASE("a Txn reused for a sparse message keeps nothing of the rich one before it", "[unit][json]") {
    json_decoder dec(tokenizer());
    const std::string rich = minimal("12.34", "EUR",
                                     R"(,"account_id":"ACCT-77","merchant_name":"RICH MERCHANT NAME","mcc":5411,)"
                                     R"("country":"FR","city":"Paris","lat":48.85,"lon":2.35,"channel":"ecom",)"
                                     R"("device_id":"DDDDDDDDDDDDDDDDDDDD","ip":"203.0.113.7",)"
                                     R"("email":"eeeeeeeeeeeeeeeeeeee@example.com")");
    const std::string sparse =
        R"({"txn_id":"s","ts":1795000000000,"card_id":"c","amount":1,"currency":"USD","merchant_id":"M"})";
    Txn reused, fresh;
    REQUIRE(dec.decode(rich.data(), rich.size(), reused) == reject_reason::none);
    REQUIRE(reused.email.size() == 32);
    std::memset(static_cast<void*>(&fresh), 0xA5, sizeof fresh);
    REQUIRE(dec.decode(sparse.data(), sparse.size(), reused) == reject_reason::none);
    REQUIRE(dec.decode(sparse.data(), sparse.size(), fresh) == reject_reason::none);
    CHECK(std::memcmp(&reused, &fresh, sizeof fresh) == 0);
    CHECK(reused.email.empty());
    CHECK(reused.city.empty());
    CHECK(reused.merchant_name.empty());
    CHECK(reused.pan_len == 0);
    CHECK(reused.card_bin[0] == '\0');
    CHECK(std::isnan(reused.lat));
    CHECK(reused.chan == channel::unknown);
    CHECK_FALSE(contains(&reused, sizeof reused, "DDDD"));
    CHECK_FALSE(contains(&reused, sizeof reused, "eeee"));
}

TEST_CASE("string values with escapes, quotes and more than 64 bytes decode exactly", "[unit][json]") {
    // Short escape-free values are read in place; escaped or long ones are unescaped.
    const std::string long_name(70, 'N');
    const std::string msg = minimal("1", "USD",
                                    R"(,"merchant_name":")" + long_name + R"(","city":"San \"Jose\"","email":"a\\b@x.io",)"
                                    R"("device_id":"d\u00e9v","ip":"","channel":"ECOM")");
    const decoded d = decode(msg);
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.merchant_name == long_name.substr(0, 40));
    CHECK((d.t.truncated & tf_merchant_name) != 0);
    CHECK(d.t.city == "San \"Jose\"");
    CHECK(d.t.email == "a\\b@x.io");
    CHECK(d.t.device_id == "d\xc3\xa9v");
    CHECK(d.t.ip.empty());
    CHECK(d.t.chan == channel::ecom);
    CHECK(d.t.txn_id == "t1");
    CHECK(d.t.merchant_id == "M1");
}

TEST_CASE("PANs in text values are masked in the Txn and counted", "[unit][json][pan_scrub]") {
    decoded d = decode(minimal("1", "USD",
                               R"(,"merchant_name":"SHOP ;4111111111111111=29","city":"5555 5555 5555 4444",)"
                               R"("email":"4111111111111111@example.com","device_id":"d-4111-1111-1111-1111",)"
                               R"("account_id":"378282246310005","ip":"4111111111111111","txn_id":"tx 5105105105105100")"));
    REQUIRE(d.r == reject_reason::none);
    const Txn& t = d.t;
    CHECK(t.merchant_name == "SHOP ;411111******1111=**");
    CHECK(t.city == "5555 55** **** 4444");
    CHECK(t.email == "411111******1111@example.com");
    CHECK(t.device_id == "d-4111-11**-****-1111");
    CHECK(t.account_id == "378282*****0005");
    CHECK(t.ip == "411111******1111");
    CHECK(t.txn_id == "tx 510510******5100");  // the last txn_id key wins
    CHECK(t.pans_masked == 7);
    CHECK(t.masked_fields == (tf_merchant_name | tf_city | tf_email | tf_device_id | tf_account_id | tf_ip | tf_txn_id));
    for (const char* clear : {"4111111111111111", "5555555555554444", "378282246310005", "5105105105105100",
                              "1111 1111", "1111-1111", "5555 5555"})
        CHECK_FALSE(contains(&t, sizeof t, clear));
    // The card's own "card" value is not text: tokenized, never counted.
    CHECK(token_hex(t.card_token) == hmac_hex16("4111111111111111"));
    CHECK(decode(minimal()).t.pans_masked == 0);
}

TEST_CASE("a card_id that is a PAN is tokenized as that PAN and stored masked", "[unit][json][pan_scrub]") {
    const std::string tail = R"(","amount":1,"currency":"USD","merchant_id":"m"})";
    for (const char* id : {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111"}) {
        INFO(id);
        decoded d = decode(R"({"txn_id":"t","ts":0,"card_id":")" + std::string(id) + tail);
        REQUIRE(d.r == reject_reason::none);
        // The same token, BIN and last 4 as when the producer sends it as "card".
        CHECK(token_hex(d.t.card_token) == hmac_hex16("4111111111111111"));
        CHECK(std::string(d.t.card_bin) == "41111111");
        CHECK(std::string(d.t.card_last4) == "1111");
        CHECK(d.t.pan_len == 16);
        const std::string want = std::string(id).size() == 16 ? "411111******1111" : "4111 11** **** 1111";
        CHECK(d.t.card_id == (id[4] == '-' ? "4111-11**-****-1111" : want));
        CHECK(d.t.pans_masked == 1);
        CHECK_FALSE(contains(&d.t, sizeof d.t, "4111111111111111"));
    }
    // A PAN inside a longer id: the id stays the identity (token of the clear id), the
    // stored copy is masked.
    decoded d = decode(R"({"txn_id":"t","ts":0,"card_id":"cust-4111111111111111)" + tail);
    REQUIRE(d.r == reject_reason::none);
    CHECK(token_hex(d.t.card_token) == hmac_hex16("id:cust-4111111111111111"));
    CHECK(d.t.card_id == "cust-411111******1111");
    CHECK(d.t.pan_len == 0);
    CHECK(d.t.pans_masked == 1);
    // Both "card" and a PAN card_id: the token is the card's, the card_id is masked.
    d = decode(R"({"txn_id":"t","ts":0,"card_id":"5555555555554444","card":"4111111111111111)" + tail);
    REQUIRE(d.r == reject_reason::none);
    CHECK(token_hex(d.t.card_token) == hmac_hex16("4111111111111111"));
    CHECK(std::string(d.t.card_last4) == "1111");
    CHECK(d.t.card_id == "555555******4444");
    // A numeric card_id that fails Luhn is an ordinary id.
    d = decode(R"({"txn_id":"t","ts":0,"card_id":"4111111111111112)" + tail);
    REQUIRE(d.r == reject_reason::none);
    CHECK(token_hex(d.t.card_token) == hmac_hex16("id:4111111111111112"));
    CHECK(d.t.card_id == "4111111111111112");
    CHECK(d.t.pans_masked == 0);
}

TEST_CASE("a PAN cut by its field's size or written with escapes is masked", "[unit][json][pan_scrub]") {
    // merchant_name keeps 40 bytes: the PAN starts at byte 30, so the field holds 10 of
    // its 16 digits; they were masked before the cut.
    const std::string name = std::string(30, 'n') + "4111111111111111";
    decoded d = decode(minimal("1", "USD", R"(,"merchant_name":")" + name + "\""));
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.merchant_name == std::string(30, 'n') + "411111****");
    CHECK(d.t.truncated == tf_merchant_name);
    CHECK(d.t.pans_masked == 1);
    // "\u0034" is '4': the value is scanned as the producer meant it.
    d = decode(minimal("1", "USD", R"(,"city":"\u0034111111111111111")"));
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.city == "411111******1111");
    // More than 64 bytes (simdjson's unescape path) with the PAN at the end.
    const std::string email = std::string(70, 'e') + "4111111111111111@x.io";
    d = decode(minimal("1", "USD", R"(,"email":")" + email + "\""));
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.email == std::string(64, 'e'));
    CHECK(d.t.pans_masked == 1);
}

TEST_CASE("a reject after a card_id leaves nothing in the stash", "[unit][json][pan_scrub]") {
    json_decoder dec(tokenizer());
    Txn t;
    pan_stash stash;
    for (const std::string& msg : {std::string(R"({"txn_id":"t","ts":0,"card_id":"4111111111111111","amount":"1",)"
                                              R"("currency":"USD","merchant_id":"m"})"),
                                  std::string(R"({"txn_id":"t","ts":0,"card_id":"4111111111111111","amount":1,)"
                                              R"("currency":"USD"})")}) {
        INFO(msg);
        std::memset(stash.text, 'Q', pan_stash::capacity);
        CHECK(dec.decode_deferred(msg.data(), msg.size(), t, stash) != reject_reason::none);
        CHECK(stash.what == pan_stash::kind::none);
        CHECK_FALSE(contains(stash.text, pan_stash::capacity, "4111111111111111"));
        CHECK_FALSE(contains(&t, sizeof t, "4111111111111111"));
    }
}
