// Unit tests for the Kafka JSON encoders (controlplane/verdict_json.h,
// analytics_json.h): the exact bytes consumers of txscreen.alerts / txscreen.rejects /
// txscreen.outcomes / txscreen.aggregates parse, per docs/kafka.md and docs/schemas.md.
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/analytics/case_tracker.h"
#include "controlplane/analytics_json.h"
#include "controlplane/verdict_json.h"
#include "outcome_records.h"

using namespace txscreen;

namespace {

Verdict sample_verdict() {
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    Txn& t = v.txn;
    t.reset();
    t.event_time_ms = 1709296496789;  // 2024-03-01T12:34:56.789Z
    t.amount_minor = 123456;
    for (std::size_t i = 0; i < card_token_bytes; ++i) t.card_token[i] = static_cast<uint8_t>(0xa0 + i);
    t.feed_seq = 42;
    t.currency = 840;
    t.currency_exponent = 2;
    t.mcc = 5411;
    t.feed_id = 3;
    t.chan = channel::ecom;
    t.format = payload_format::json;
    t.pan_len = 16;
    std::memcpy(t.card_bin, "41111111", 8);
    std::memcpy(t.card_last4, "1111", 4);
    t.txn_id.assign("tx-0001");
    t.merchant_id.assign("M123");
    t.merchant_name.assign("ACME \"Best\" Shop\\1");
    t.city.assign("Paris");
    std::memcpy(t.country, "FR", 2);
    v.rx_ns = 1709296496789000123;
    v.verdict_ns = 1709296496789004567;
    v.ruleset_version = 7;
    v.patterns_version = 2;
    v.score = 85;
    v.dec = decision::block;
    v.alert = true;
    v.duplicate = false;
    v.n_reasons = 2;
    v.reasons[0] = verdict_reason{3, 40, {}, 5.0, 3.0};
    v.reasons[1] = verdict_reason{9, 25, {}, 1234.5, 1000.0};
    v.n_patterns = 1;
    v.pattern_ids[0] = 17;
    v.pattern_categories = (1u << 1) | (1u << 4);
    v.worker = 1;
    return v;
}

std::string encode(const Verdict& v, const verdict_json_names& names = {}) {
    char buf[verdict_json_max_bytes];
    std::size_t n = write_verdict_json(v, names, buf, sizeof buf);
    return std::string(buf, n);
}

}  // namespace

TEST_CASE("verdict JSON matches the documented schema byte for byte", "[unit][kafka][json]") {
    Verdict v = sample_verdict();
    verdict_json_names names;
    names.rule = [](uint32_t version, uint16_t id) -> std::string_view {
        if (version == 7 && id == 3) return "burst";
        return {};
    };
    names.category = [](unsigned bit) -> std::string_view { return bit == 4 ? "gambling" : ""; };

    const std::string expected =
        R"({"schema_version":1,"type":"verdict","format":"json","txn_id":"tx-0001","mti":null,)"
        R"("stan":"","rrn":"","terminal_id":"","acquirer_id":"",)"
        R"("card_token":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","card_id":"","account_id":"",)"
        R"("bin":"41111111","last4":"1111","masked_pan":"41111111****1111",)"
        R"("amount":"1234.56","amount_minor":123456,"currency":"USD","currency_numeric":840,)"
        R"("currency_exponent":2,"merchant_id":"M123","merchant_name":"ACME \"Best\" Shop\\1",)"
        R"("mcc":5411,"country":"FR","city":"Paris","channel":"ecom",)"
        R"("event_time":"2024-03-01T12:34:56.789Z","event_time_ms":1709296496789,)"
        R"("score":85,"decision":"block","alert":true,"duplicate":false,)"
        R"("reasons":[{"rule":"burst","rule_id":3,"weight":40,"value":5,"limit":3},)"
        R"({"rule":"rule_9","rule_id":9,"weight":25,"value":1234.5,"limit":1000}],)"
        R"("pattern_ids":[17],"pattern_categories":["category_1","gambling"],)"
        R"("ruleset_version":7,"patterns_version":2,"feed_id":3,"feed_seq":42,"worker":1,)"
        R"("rx_ns":1709296496789000123,"verdict_ns":1709296496789004567})";
    CHECK(encode(v, names) == expected);
}

TEST_CASE("ISO 8583 verdicts carry MTI, STAN, RRN and terminal", "[unit][kafka][json]") {
    Verdict v = sample_verdict();
    Txn& t = v.txn;
    t.format = payload_format::iso8583;
    t.txn_id.clear();
    t.mti = 200;
    std::memcpy(t.stan, "000123", 6);
    std::memcpy(t.rrn, "401234567890", 12);
    t.terminal_id.assign("TERM0001");
    t.currency = 392;  // JPY: no minor unit
    t.currency_exponent = 0;
    t.amount_minor = 5000;
    std::string js = encode(v);
    CHECK(js.find(R"("format":"iso8583","txn_id":"","mti":"0200","stan":"000123",)"
                  R"("rrn":"401234567890","terminal_id":"TERM0001")") != std::string::npos);
    CHECK(js.find(R"("amount":"5000","amount_minor":5000,"currency":"JPY","currency_numeric":392,)"
                  R"("currency_exponent":0)") != std::string::npos);
    // Without a resolver rule names fall back to rule_<id>.
    CHECK(js.find(R"({"rule":"rule_3","rule_id":3)") != std::string::npos);
}

TEST_CASE("verdict JSON never holds a clear PAN", "[unit][kafka][json]") {
    Verdict v = sample_verdict();
    std::string js = encode(v);
    CHECK(js.find("4111111111111111") == std::string::npos);
    // A card given by card_id has no PAN: masked_pan is null, card_id is published.
    v.txn.pan_len = 0;
    std::memset(v.txn.card_bin, 0, sizeof v.txn.card_bin);
    std::memset(v.txn.card_last4, 0, sizeof v.txn.card_last4);
    v.txn.card_id.assign("card-77");
    js = encode(v);
    CHECK(js.find(R"("card_id":"card-77")") != std::string::npos);
    CHECK(js.find(R"("bin":"","last4":"","masked_pan":null)") != std::string::npos);
}

TEST_CASE("text with control bytes or broken UTF-8 still gives valid JSON", "[unit][kafka][json]") {
    Verdict v = sample_verdict();
    v.txn.merchant_name.assign(std::string_view("A\x01" "B\n\xc3\xa9\xff" "C\xe2\x82", 10));
    v.txn.city.assign("Z\xc3\xbcrich");
    std::string js = encode(v);
    CHECK(js.find(R"("merchant_name":"A\u0001B\u000a)"
                  "\xc3\xa9"
                  R"(\ufffdC\ufffd\ufffd")") != std::string::npos);
    CHECK(js.find("\"city\":\"Z\xc3\xbcrich\"") != std::string::npos);
}

TEST_CASE("non-finite values and unknown currencies are null", "[unit][kafka][json]") {
    Verdict v = sample_verdict();
    v.reasons[0].value = std::numeric_limits<double>::quiet_NaN();
    v.reasons[0].limit = std::numeric_limits<double>::infinity();
    v.txn.currency = 999;  // not in ISO 4217: exponent falls back to the decoder's
    v.txn.currency_exponent = 3;
    v.txn.amount_minor = -1005;
    std::string js = encode(v);
    CHECK(js.find(R"("value":null,"limit":null)") != std::string::npos);
    CHECK(js.find(R"("amount":"-1.005","amount_minor":-1005,"currency":null,"currency_numeric":999,)"
                  R"("currency_exponent":3)") != std::string::npos);
}

TEST_CASE("an output buffer that is too small gives 0, not a cut object", "[unit][kafka][json]") {
    Verdict v = sample_verdict();
    const std::string full = encode(v);
    REQUIRE(!full.empty());
    char buf[verdict_json_max_bytes];
    CHECK(write_verdict_json(v, {}, buf, full.size() - 1) == 0);
    CHECK(write_verdict_json(v, {}, buf, full.size()) == full.size());
    CHECK(write_verdict_json(v, {}, buf, 0) == 0);
}

TEST_CASE("worst-case verdict fits in verdict_json_max_bytes", "[unit][kafka][json]") {
    Verdict v = sample_verdict();
    Txn& t = v.txn;
    std::string ctl(64, '\x01');
    t.txn_id.assign(ctl);
    t.card_id.assign(ctl);
    t.account_id.assign(ctl);
    t.merchant_id.assign(ctl);
    t.merchant_name.assign(ctl);
    t.city.assign(ctl);
    t.terminal_id.assign(ctl);
    t.acquirer_id.assign(ctl);
    v.n_reasons = max_verdict_reasons;
    v.n_patterns = max_verdict_patterns;
    v.pattern_categories = 0xffff;
    for (auto& r : v.reasons) r = verdict_reason{65535, 255, {}, -1.2345678901234567e-300, 1.7976931348623157e308};
    for (auto& p : v.pattern_ids) p = 4294967295u;
    static const std::string long_name(200, '"');
    verdict_json_names names;
    names.rule = [](uint32_t, uint16_t) -> std::string_view { return long_name; };
    names.category = [](unsigned) -> std::string_view { return long_name; };
    char buf[verdict_json_max_bytes];
    std::size_t n = write_verdict_json(v, names, buf, sizeof buf);
    CHECK(n > 0);
    // Names are cut to json_name_max bytes (each '"' is then escaped as \").
    std::string cut_name = "\"rule\":\"";
    for (std::size_t i = 0; i < json_name_max; ++i) cut_name += "\\\"";
    cut_name += "\",";
    CHECK(std::string(buf, n).find(cut_name) != std::string::npos);
}

TEST_CASE("reject JSON names the reason and carries no message bytes", "[unit][kafka][json]") {
    reject_record r{1709296496789123456, 77, 131, 2, reject_reason::iso_bad_bitmap};
    char buf[reject_json_max_bytes];
    std::size_t n = write_reject_json(r, buf, sizeof buf);
    CHECK(std::string(buf, n) ==
          R"({"schema_version":1,"type":"reject","feed_id":2,"feed_seq":77,"reason":"iso_bad_bitmap",)"
          R"("description":"ISO 8583 bitmap is not valid for the dialect","length":131,)"
          R"("rx_time":"2024-03-01T12:34:56.789Z","rx_ns":1709296496789123456,"field":0})");
    // The ISO 8583 field where the message stopped fitting its dialect (issue #16).
    r.reason = reject_reason::iso_bad_length_prefix;
    r.field = 48;
    n = write_reject_json(r, buf, sizeof buf);
    CHECK(std::string(buf, n).find(R"("reason":"iso_bad_length_prefix",)") != std::string::npos);
    CHECK(std::string(buf, n).ends_with(R"("rx_ns":1709296496789123456,"field":48})"));
    r.field = 128;
    n = write_reject_json(r, buf, sizeof buf);
    CHECK(std::string(buf, n).ends_with(R"("field":128})"));
    r.reason = static_cast<reject_reason>(250);
    n = write_reject_json(r, buf, sizeof buf);
    CHECK(std::string(buf, n).find(R"("reason":"unknown")") != std::string::npos);
}

TEST_CASE("RFC 3339 times handle leap days, epoch and pre-epoch", "[unit][kafka][json]") {
    char buf[32];
    CHECK(std::string(buf, write_rfc3339_ms(0, buf)) == "1970-01-01T00:00:00.000Z");
    CHECK(std::string(buf, write_rfc3339_ms(951782400000, buf)) == "2000-02-29T00:00:00.000Z");
    CHECK(std::string(buf, write_rfc3339_ms(-1, buf)) == "1969-12-31T23:59:59.999Z");
    CHECK(std::string(buf, write_rfc3339_ms(4102444799999, buf)) == "2099-12-31T23:59:59.999Z");
    // Outside the years RFC 3339 can spell: the nearest end, still a valid timestamp.
    CHECK(std::string(buf, write_rfc3339_ms(std::numeric_limits<int64_t>::max(), buf)) == "9999-12-31T23:59:59.999Z");
    CHECK(std::string(buf, write_rfc3339_ms(std::numeric_limits<int64_t>::min(), buf)) == "0000-01-01T00:00:00.000Z");
}

TEST_CASE("token hex is the lower-case key used on every topic", "[unit][kafka][json]") {
    uint8_t tok[card_token_bytes];
    for (std::size_t i = 0; i < card_token_bytes; ++i) tok[i] = static_cast<uint8_t>(i * 17);
    char out[2 * card_token_bytes];
    write_token_hex(tok, out);
    CHECK(std::string(out, sizeof out) == "00112233445566778899aabbccddeeff");
}

TEST_CASE("outcome JSON matches the documented schema byte for byte", "[unit][kafka][json]") {
    const Verdict v = test::make_outcome(1);  // declined, no approval code
    char buf[outcome_json_max_bytes];
    const std::size_t n = write_outcome_json(v, buf, sizeof buf);
    CHECK(std::string(buf, n) ==
          R"({"schema_version":1,"type":"outcome","feed_id":2,"request_mti":"0200","response_mti":"0210",)"
          R"("stan":"000001","rrn":"406112345678","terminal_id":"TERM0001","merchant_id":"MERCHANT0000042",)"
          R"("card_token":"01000000c4c5c6c7c8c9cacbcccdcecf","bin":"45320151","last4":"0366",)"
          R"("amount":"25.99","amount_minor":2599,"currency":"USD","currency_numeric":840,"currency_exponent":2,)"
          R"("event_time":"2024-03-01T12:34:55.605Z","event_time_ms":1709296495605,)"
          R"("response_code":"05","auth_code":"","declined":true,"issuer_response_us":183456,)"
          R"("request_rx_ns":1709296497605544123,"response_rx_ns":1709296497789000123})");
    const Verdict approved = test::make_outcome(2);
    const std::string js(buf, write_outcome_json(approved, buf, sizeof buf));
    CHECK(js.find(R"("response_code":"00","auth_code":"A1B2C3","declined":false,)") != std::string::npos);
    CHECK(js.find("4532015112830366") == std::string::npos);  // never a PAN, only BIN and last 4
}

TEST_CASE("worst-case outcome fits in outcome_json_max_bytes; too small a buffer gives 0", "[unit][kafka][json]") {
    Verdict v = test::make_outcome(7);
    Txn& t = v.txn;
    const std::string ctl(64, '\x01');
    t.terminal_id.assign(ctl);
    t.merchant_id.assign(ctl);
    // The decoders' text fields are NUL-terminated: full of bytes that need \u00XX.
    std::memset(t.stan, 1, sizeof t.stan - 1);
    std::memset(t.rrn, 1, sizeof t.rrn - 1);
    std::memset(t.auth_code, 1, sizeof t.auth_code - 1);
    std::memset(t.response_code, 1, sizeof t.response_code - 1);
    std::memset(t.card_bin, 1, sizeof t.card_bin - 1);
    std::memset(t.card_last4, 1, sizeof t.card_last4 - 1);
    t.request_mti = t.mti = 65535;
    t.amount_minor = INT64_MIN;
    t.currency = 999;
    t.currency_exponent = 255;
    t.issuer_response_us = UINT32_MAX;
    t.request_rx_ns = t.event_time_ms = INT64_MIN;
    v.rx_ns = INT64_MIN;
    char buf[outcome_json_max_bytes];
    const std::size_t n = write_outcome_json(v, buf, sizeof buf);
    REQUIRE(n > 0);
    CHECK(write_outcome_json(v, buf, n - 1) == 0);
}

// ---- case fields (issue #17): only an alert the case tracker stamped carries them

TEST_CASE("an alert with a case ends in case_id (16 hex digits) and case_seq; others carry neither",
          "[unit][kafka][json]") {
    Verdict v = sample_verdict();
    v.case_id = 0x00000000deadbeefull;
    v.case_seq = 3;
    const std::string js = encode(v);
    CHECK(js.ends_with(R"("verdict_ns":1709296496789004567,"case_id":"00000000deadbeef","case_seq":3})"));
    const nlohmann::json doc = nlohmann::json::parse(js);
    CHECK(doc.at("case_id") == "00000000deadbeef");
    CHECK(doc.at("case_seq") == 3);
    CHECK(doc.at("case_id").get<std::string>() == case_id_text(v.case_id));  // the text every sink uses

    // Not an alert (or cases off): no case, and no case keys at all.
    Verdict plain = sample_verdict();
    plain.alert = false;
    const nlohmann::json none = nlohmann::json::parse(encode(plain));
    CHECK(!none.contains("case_id"));
    CHECK(!none.contains("case_seq"));
}

TEST_CASE("ids are 16 lower-case hex digits, as case_id_text() writes them", "[unit][kafka][json]") {
    char out[16];
    for (const uint64_t id : {0ull, 1ull, 0xabcdef0123456789ull, ~0ull}) {
        write_id_hex(id, out);
        CHECK(std::string(out, 16) == case_id_text(id));
    }
    write_id_hex(0xabcdef0123456789ull, out);
    CHECK(std::string(out, 16) == "abcdef0123456789");
}

// ---- aggregate rows (txscreen.aggregates) and spikes (txscreen.alerts, "type":"spike")

namespace {

aggregate_record sample_aggregate() {
    aggregate_record r{};
    r.window_start_ms = 1709296440000;  // 2024-03-01T12:34:00.000Z
    r.window_end_ms = 1709296500000;
    r.dimension = agg_dimension::mcc;
    r.kind = aggregate_record::row_kind::window;
    std::memcpy(r.key, "5411", 4);
    r.transactions = 120;
    r.alerts = 7;
    r.reviews = 3;
    r.blocks = 4;
    r.approved = 50;
    r.declined = 9;
    r.distinct_cards = 101;
    r.latency_p50_ns = 21503;
    r.latency_p99_ns = 81919;
    r.n_amounts = 3;
    r.amounts[0] = {840, 2, 100, 1234567};  // USD
    r.amounts[1] = {392, 0, 19, 500000};    // JPY: no minor unit
    r.amounts[2] = {999, 3, 1, -1005};      // not in ISO 4217
    return r;
}

spike_event sample_spike() {
    spike_event s{};
    s.id = 0x1234abcd5678ef00ull;
    s.window_start_ms = 1709296440000;
    s.window_end_ms = 1709296500000;
    s.kind = spike_event::spike_kind::alert_rate;
    s.dimension = agg_dimension::mcc;
    std::memcpy(s.key, "7995", 4);
    s.observed = 0.35;
    s.baseline = 0.05;
    s.stddev = 0.02;
    s.z = 15;
    s.threshold = 4;
    s.transactions = 200;
    s.alerts = 70;
    return s;
}

std::string aggregate_json(const aggregate_record& r) {
    char buf[aggregate_json_max_bytes];
    return {buf, write_aggregate_json(r, buf, sizeof buf)};
}

std::string spike_json(const spike_event& s) {
    char buf[spike_json_max_bytes];
    return {buf, write_spike_json(s, buf, sizeof buf)};
}

}  // namespace

TEST_CASE("aggregate JSON matches the documented schema byte for byte", "[unit][kafka][json]") {
    const std::string js = aggregate_json(sample_aggregate());
    CHECK(js ==
          R"({"schema_version":1,"type":"aggregate","window_start":"2024-03-01T12:34:00.000Z",)"
          R"("window_start_ms":1709296440000,"window_end_ms":1709296500000,"dimension":"mcc","key":"5411",)"
          R"("kind":"window","transactions":120,"alerts":7,"reviews":3,"blocks":4,"approved":50,"declined":9,)"
          R"("rejects":0,"gaps":0,"distinct_cards":101,"latency_p50_ns":21503,"latency_p99_ns":81919,)"
          R"("amounts":[{"currency":"USD","currency_numeric":840,"currency_exponent":2,"transactions":100,)"
          R"("amount_minor":1234567,"amount":"12345.67"},)"
          R"({"currency":"JPY","currency_numeric":392,"currency_exponent":0,"transactions":19,)"
          R"("amount_minor":500000,"amount":"500000"},)"
          R"({"currency":null,"currency_numeric":999,"currency_exponent":3,"transactions":1,)"
          R"("amount_minor":-1005,"amount":"-1.005"}],"amounts_other":0})");
}

TEST_CASE("aggregate JSON parses with the documented types; corrections and feed rows say so",
          "[unit][kafka][json]") {
    aggregate_record r = sample_aggregate();
    r.kind = aggregate_record::row_kind::correction;
    r.dimension = agg_dimension::feed;
    std::memset(r.key, 0, sizeof r.key);
    std::memcpy(r.key, "acq \"east\"", 10);
    r.rejects = 12;
    r.gaps = 30;
    r.n_amounts = 0;
    r.amounts_other = 5;
    const nlohmann::json doc = nlohmann::json::parse(aggregate_json(r));
    CHECK(doc.at("type") == "aggregate");
    CHECK(doc.at("kind") == "correction");
    CHECK(doc.at("dimension") == "feed");
    CHECK(doc.at("key") == "acq \"east\"");
    CHECK(doc.at("rejects") == 12);
    CHECK(doc.at("gaps") == 30);
    CHECK(doc.at("amounts").is_array());
    CHECK(doc.at("amounts").empty());
    CHECK(doc.at("amounts_other") == 5);
    CHECK(doc.at("window_end_ms").get<int64_t>() - doc.at("window_start_ms").get<int64_t>() == 60000);
    char key[analytics_key_max_bytes];
    CHECK(std::string(key, write_analytics_key(r.dimension, r.key, key)) == "feed:acq \"east\"");
}

TEST_CASE("spike JSON matches the documented schema byte for byte and is told from an alert",
          "[unit][kafka][json]") {
    const std::string js = spike_json(sample_spike());
    CHECK(js ==
          R"({"schema_version":1,"type":"spike","id":"1234abcd5678ef00","kind":"alert_rate","dimension":"mcc",)"
          R"("key":"7995","window_start":"2024-03-01T12:34:00.000Z","window_start_ms":1709296440000,)"
          R"("window_end_ms":1709296500000,"observed":0.35,"baseline":0.05,"stddev":0.02,"z":15,"threshold":4,)"
          R"("transactions":200,"alerts":70})");
    CHECK(is_spike_json(js));
    CHECK(!is_spike_json(encode(sample_verdict())));  // an alert on the same topic
    char key[analytics_key_max_bytes];
    const spike_event s = sample_spike();
    CHECK(std::string(key, write_analytics_key(s.dimension, s.key, key)) == "mcc:7995");
}

TEST_CASE("every spike kind parses; a non-finite value is null", "[unit][kafka][json]") {
    spike_event s = sample_spike();
    const std::pair<spike_event::spike_kind, const char*> kinds[] = {
        {spike_event::spike_kind::alert_rate, "alert_rate"},    {spike_event::spike_kind::volume, "volume"},
        {spike_event::spike_kind::feed_silent, "feed_silent"},  {spike_event::spike_kind::reject_surge, "reject_surge"},
        {spike_event::spike_kind::gap_surge, "gap_surge"},
    };
    for (const auto& [kind, name] : kinds) {
        s.kind = kind;
        const nlohmann::json doc = nlohmann::json::parse(spike_json(s));
        CHECK(doc.at("kind") == name);
        CHECK(doc.at("id") == "1234abcd5678ef00");
        CHECK(doc.at("observed").get<double>() == 0.35);
    }
    s.z = std::numeric_limits<double>::infinity();  // a zero stddev that slipped through
    const nlohmann::json doc = nlohmann::json::parse(spike_json(s));
    CHECK(doc.at("z").is_null());
}

TEST_CASE("worst-case aggregate and spike fit their maximum; too small a buffer gives 0", "[unit][kafka][json]") {
    aggregate_record r = sample_aggregate();
    std::memset(r.key, 1, sizeof r.key);  // no NUL, every byte escaped as \u0001
    r.window_start_ms = r.window_end_ms = INT64_MIN;
    r.transactions = r.alerts = r.reviews = r.blocks = r.approved = r.declined = r.rejects = r.gaps = UINT64_MAX;
    r.distinct_cards = r.latency_p50_ns = r.latency_p99_ns = r.amounts_other = UINT64_MAX;
    r.n_amounts = 255;  // more than it holds: clamped to agg_max_currencies
    for (auto& a : r.amounts) a = {999, 255, UINT64_MAX, INT64_MIN};
    char buf[aggregate_json_max_bytes];
    const std::size_t n = write_aggregate_json(r, buf, sizeof buf);
    REQUIRE(n > 0);
    CHECK(nlohmann::json::parse(std::string(buf, n)).at("amounts").size() == agg_max_currencies);
    CHECK(write_aggregate_json(r, buf, n - 1) == 0);

    spike_event s = sample_spike();
    std::memset(s.key, 1, sizeof s.key);
    s.id = ~0ull;
    s.window_start_ms = s.window_end_ms = INT64_MIN;
    s.observed = s.baseline = s.stddev = s.z = s.threshold = -1.2345678901234567e-300;
    s.transactions = s.alerts = UINT64_MAX;
    char sbuf[spike_json_max_bytes];
    const std::size_t m = write_spike_json(s, sbuf, sizeof sbuf);
    REQUIRE(m > 0);
    CHECK(write_spike_json(s, sbuf, m - 1) == 0);
}
