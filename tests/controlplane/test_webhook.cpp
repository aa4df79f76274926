// Unit tests for the webhook sink's parts (controlplane/webhook/): the [[webhook]]
// config and its errors, the signature against a vector computed with Python's hmac,
// the idempotency keys, and the payload shapes of each format (Slack incoming
// webhooks, Teams Adaptive Card messages, PagerDuty Events API v2).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_explain.h"
#include "config/toml_section.h"
#include "controlplane/analytics/case_tracker.h"
#include "controlplane/analytics_json.h"
#include "controlplane/verdict_json.h"
#include "controlplane/webhook/webhook_config.h"
#include "controlplane/webhook/webhook_keys.h"
#include "controlplane/webhook/webhook_render.h"
#include "controlplane/webhook/webhook_sign.h"
#include "kafka_verdicts.h"

using namespace txscreen;
using json = nlohmann::json;

namespace {

struct read_result {
    std::vector<webhook_config> hooks;
    std::vector<std::string> errors;
};

read_result read_config(const std::string& text) {
    read_result r;
    std::string syntax;
    std::optional<toml::table> doc = parse_toml(text, "t.toml", syntax);
    REQUIRE(syntax.empty());
    config_errors e("t.toml");
    read_webhook_tables(toml_section(*doc, "", e), r.hooks);
    validate(r.hooks, e);
    r.errors = e.take();
    return r;
}

bool has_error(const read_result& r, const std::string& needle) {
    for (const auto& e : r.errors)
        if (e.find(needle) != std::string::npos) return true;
    return false;
}

Verdict case_alert(uint32_t i, uint64_t case_id, uint32_t seq) {
    Verdict v = test::make_verdict(i, true);
    v.case_id = case_id;
    v.case_seq = seq;
    v.notice = seq == 1 ? case_notice::opened : case_notice::updated;
    return v;
}

spike_event make_spike() {
    spike_event s{};
    s.id = 0x00c0ffee12345678ull;
    s.window_start_ms = 1709296440000;
    s.window_end_ms = 1709296500000;
    s.kind = spike_event::spike_kind::alert_rate;
    s.dimension = agg_dimension::mcc;
    std::snprintf(s.key, sizeof s.key, "7995");
    s.observed = 0.25;
    s.baseline = 0.01;
    s.stddev = 0.02;
    s.z = 12;
    s.threshold = 4;
    s.transactions = 400;
    s.alerts = 100;
    return s;
}

std::string verdict_text(const Verdict& v) {
    std::string text(verdict_json_max_bytes, '\0');
    text.resize(write_verdict_json(v, {}, text.data(), text.size()));
    return text;
}

}  // namespace

TEST_CASE("webhook config: defaults, name from the URL host, every key read", "[webhook]") {
    read_result r = read_config(R"(
[[webhook]]
url = "https://hooks.example.com/services/T0/B0/secretpath"
[[webhook]]
name = "oncall"
url = "https://events.pagerduty.com/v2/enqueue"
format = "pagerduty"
notify = "alert"
routing_key = "0123456789abcdef0123456789abcdef"
secret = "s3cret-s3cret"
timeout = "2s"
retries = 3
backoff_initial = "100ms"
backoff_max = "10s"
max_rate = 2.5
tls_verify = false
)");
    REQUIRE(r.errors.empty());
    REQUIRE(r.hooks.size() == 2);
    const webhook_config& a = r.hooks[0];
    CHECK(a.name == "hooks.example.com");
    CHECK(a.format == webhook_format::json);
    CHECK(a.notify == webhook_notify::case_notice);
    CHECK(a.timeout_ms == 5000);
    CHECK(a.retries == 8);
    CHECK(a.backoff_initial_ms == 500);
    CHECK(a.backoff_max_ms == 60000);
    CHECK(a.batch == 1);
    CHECK(a.max_rate == 0);
    CHECK(a.tls_verify);
    const webhook_config& b = r.hooks[1];
    CHECK(b.name == "oncall");
    CHECK(b.format == webhook_format::pagerduty);
    CHECK(b.notify == webhook_notify::alert);
    CHECK(b.timeout_ms == 2000);
    CHECK(b.retries == 3);
    CHECK(b.backoff_initial_ms == 100);
    CHECK(b.backoff_max_ms == 10000);
    CHECK(b.max_rate == 2.5);
    CHECK_FALSE(b.tls_verify);
}

TEST_CASE("webhook config: errors name the table and key", "[webhook]") {
    SECTION("a URL that is not http(s)") {
        read_result r = read_config("[[webhook]]\nurl = \"ftp://example.com/x\"\n");
        CHECK(has_error(r, "t.toml:2: webhook[0].url: \"ftp://example.com/x\" is not an http:// or https:// URL"));
    }
    SECTION("no URL") {
        read_result r = read_config("[[webhook]]\nformat = \"slack\"\n");
        CHECK(has_error(r, "webhook[0].url: missing"));
    }
    SECTION("pagerduty without a routing key, and batched") {
        read_result r = read_config("[[webhook]]\nurl = \"https://a.example\"\n[[webhook]]\n"
                                    "url = \"https://events.pagerduty.com/v2/enqueue\"\nformat = \"pagerduty\"\nbatch = 5\n");
        CHECK(has_error(r, "webhook[1].routing_key: missing"));
        CHECK(has_error(r, "webhook[1].batch: must be 1 with format \"pagerduty\""));
        CHECK_FALSE(has_error(r, "webhook[0]"));
    }
    SECTION("a routing key for another format") {
        read_result r = read_config("[[webhook]]\nurl = \"https://a.example\"\nrouting_key = \"x\"\n");
        CHECK(has_error(r, "webhook[0].routing_key: only for format \"pagerduty\""));
    }
    SECTION("an unknown format or notify, an unknown key") {
        read_result r = read_config("[[webhook]]\nurl = \"https://a.example\"\nformat = \"xml\"\nnotify = \"all\"\nretry = 3\n");
        CHECK(has_error(r, "webhook[0].format"));
        CHECK(has_error(r, "webhook[0].notify"));
        CHECK(has_error(r, "webhook[0].retry"));
    }
    SECTION("a secret from an unset environment variable") {
        ::unsetenv("TXSCREEN_TEST_NO_SUCH_SECRET");
        read_result r = read_config("[[webhook]]\nurl = \"https://a.example\"\nsecret = \"env:TXSCREEN_TEST_NO_SUCH_SECRET\"\n");
        CHECK(has_error(r, "webhook[0].secret"));
        ::setenv("TXSCREEN_TEST_NO_SUCH_SECRET", "from-the-environment", 1);
        CHECK(read_config("[[webhook]]\nurl = \"https://a.example\"\nsecret = \"env:TXSCREEN_TEST_NO_SUCH_SECRET\"\n")
                  .errors.empty());
        ::unsetenv("TXSCREEN_TEST_NO_SUCH_SECRET");
    }
    SECTION("backoff_max below backoff_initial, two endpoints with one name, batch over Slack's limit") {
        read_result r = read_config("[[webhook]]\nurl = \"https://a.example\"\nbackoff_initial = \"10s\"\nbackoff_max = \"1s\"\n"
                                    "[[webhook]]\nurl = \"https://a.example/other\"\nformat = \"slack\"\nbatch = 51\n");
        CHECK(has_error(r, "webhook[0].backoff_max: must be >= backoff_initial"));
        CHECK(has_error(r, "webhook[1].name: \"a.example\" is already the name"));
        CHECK(has_error(r, "webhook[1].batch: must be 1..50 with format \"slack\""));
    }
    SECTION("a config built in code names the key without an index") {
        webhook_config c;
        c.url = "gopher://x";
        CHECK(validate_webhook_config(c).rfind("webhook.url: ", 0) == 0);
    }
}

TEST_CASE("webhook explain masks secrets and URL paths", "[webhook]") {
    webhook_config c;
    c.name = "slack";
    c.url = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";
    c.secret = "very-secret-value";
    c.format = webhook_format::slack;
    explanation out;
    explain({c}, out);
    const std::string text = out.text();
    CHECK(text.find("webhook slack: https://hooks.slack.com/...") != std::string::npos);
    CHECK(text.find("XXXXSECRETXXXX") == std::string::npos);
    CHECK(text.find("very-secret-value") == std::string::npos);
    CHECK(text.find("(set, 17 characters)") != std::string::npos);
}

TEST_CASE("webhook URLs: scheme and host, shown without path or credentials", "[webhook]") {
    std::string scheme, host;
    CHECK(split_webhook_url("HTTPS://user:pw@[::1]:8443/hook?x=1", scheme, host));
    CHECK(scheme == "https");
    CHECK(host == "::1");
    CHECK(split_webhook_url("http://hooks.example:80", scheme, host));
    CHECK(host == "hooks.example");
    CHECK_FALSE(split_webhook_url("https:///nohost", scheme, host));
    CHECK_FALSE(split_webhook_url("https://host/a b", scheme, host));
    CHECK_FALSE(split_webhook_url("hooks.example/x", scheme, host));
    CHECK(webhook_url_shown("https://user:pw@hooks.example:8443/services/T/B/X") == "https://hooks.example:8443/...");
    CHECK(webhook_url_shown("http://127.0.0.1:9000") == "http://127.0.0.1:9000");
}

TEST_CASE("webhook signature matches an independently computed HMAC-SHA256", "[webhook]") {
    // /usr/bin/python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_test_0123456789',
    //   b'1709296496.{\"type\":\"verdict\",\"txn_id\":\"tx-1\"}', hashlib.sha256).hexdigest())"
    const std::string body = R"({"type":"verdict","txn_id":"tx-1"})";
    CHECK(webhook_signature("whsec_test_0123456789", 1709296496, body) ==
          "t=1709296496,v1=fab3302573c4e118e0e77ce64eaa529116659d5e5ddad9d904767883e5672d3d");
    // RFC 4231 test case 2.
    CHECK(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("webhook idempotency keys are derived from the notification", "[webhook]") {
    Verdict v = test::make_verdict(7, true);
    char token[32];
    write_token_hex(v.txn.card_token, token);
    CHECK(alert_idempotency_key(v) == std::string(token, 32) + "-tx-00000007-" + std::to_string(v.txn.event_time_ms));
    CHECK(alert_idempotency_key(v) == alert_idempotency_key(test::make_verdict(7, true)));
    CHECK(alert_idempotency_key(v) != alert_idempotency_key(test::make_verdict(8, true)));
    v.txn.txn_id.assign("a b\n\"c");  // never a control character in a header
    CHECK(alert_idempotency_key(v).find("-a%20b%0A%22c-") != std::string::npos);
    Verdict iso = test::make_verdict(9, true);
    iso.txn.txn_id.clear();
    std::snprintf(iso.txn.stan, sizeof iso.txn.stan, "000123");
    std::snprintf(iso.txn.rrn, sizeof iso.txn.rrn, "401234567890");
    iso.txn.terminal_id.assign("TERM0001");
    CHECK(alert_idempotency_key(iso).find("-000123.401234567890.TERM0001-") != std::string::npos);
    CHECK(case_idempotency_key(case_alert(1, 0xabcdef0012345678ull, 3)) == "case-abcdef0012345678-3");
    CHECK(spike_idempotency_key(make_spike()) == "spike-00c0ffee12345678");
    CHECK(batch_idempotency_key({"a", "b"}) != batch_idempotency_key({"b", "a"}));
    CHECK(batch_idempotency_key({"a", "b"}).size() == 6 + 32);
}

TEST_CASE("webhook json format: an alert is exactly its Kafka JSON, a spike its Kafka spike JSON", "[webhook]") {
    const Verdict v = case_alert(3, 0x1122334455667788ull, 1);
    webhook_render_context ctx;
    const std::string body = render_alert(ctx, v, {});
    CHECK(body == verdict_text(v));
    const json j = json::parse(body);
    CHECK(j["case_id"] == case_id_text(v.case_id));
    CHECK(j["case_seq"] == 1);
    char spike[spike_json_max_bytes];
    const spike_event s = make_spike();
    CHECK(render_spike(ctx, s) == std::string(spike, write_spike_json(s, spike, sizeof spike)));
    CHECK(json::parse(render_spike(ctx, s))["type"] == "spike");
    CHECK(render_batch(webhook_format::json, {body, body}) == "[" + body + "," + body + "]");
}

TEST_CASE("webhook slack format: text plus mrkdwn section blocks", "[webhook]") {
    webhook_render_context ctx;
    ctx.format = webhook_format::slack;
    const Verdict v = case_alert(4, 0x42, 2);
    const json j = json::parse(render_alert(ctx, v, {}));
    REQUIRE(j["text"].is_string());
    CHECK(j["text"].get<std::string>().find("block (score 90)") != std::string::npos);
    CHECK(j["text"].get<std::string>().find("case " + case_id_text(0x42) + " #2") != std::string::npos);
    REQUIRE(j["blocks"].is_array());
    REQUIRE(j["blocks"].size() == 1);
    CHECK(j["blocks"][0]["type"] == "section");
    CHECK(j["blocks"][0]["text"]["type"] == "mrkdwn");
    CHECK(j["blocks"][0]["text"]["text"].get<std::string>().size() <= 3000);
    const json spike = json::parse(render_spike(ctx, make_spike()));
    CHECK(spike["text"].get<std::string>().find("spike alert_rate of mcc 7995") != std::string::npos);
    const json batch = json::parse(render_batch(webhook_format::slack, {j.dump(), spike.dump(), j.dump()}));
    CHECK(batch["text"] == "3 txscreen notifications");
    CHECK(batch["blocks"].size() == 3);
}

TEST_CASE("webhook teams format: a message with one Adaptive Card", "[webhook]") {
    webhook_render_context ctx;
    ctx.format = webhook_format::teams;
    const json j = json::parse(render_alert(ctx, case_alert(5, 0x43, 1), {}));
    CHECK(j["type"] == "message");
    REQUIRE(j["attachments"].size() == 1);
    CHECK(j["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive");
    const json& card = j["attachments"][0]["content"];
    CHECK(card["type"] == "AdaptiveCard");
    CHECK(card["version"].is_string());
    REQUIRE(card["body"].size() == 1);
    CHECK(card["body"][0]["type"] == "Container");
    const json batch = json::parse(render_batch(webhook_format::teams, {j.dump(), j.dump()}));
    CHECK(batch["attachments"][0]["content"]["body"].size() == 2);
}

TEST_CASE("webhook pagerduty format: an Events API v2 trigger, dedup_key = case id", "[webhook]") {
    webhook_render_context ctx;
    ctx.format = webhook_format::pagerduty;
    ctx.routing_key = "0123456789abcdef0123456789abcdef";
    ctx.source = "screen-01";
    Verdict v = case_alert(6, 0xfeedface00000001ull, 1);
    v.txn.merchant_name.assign(std::string(40, 'M'));
    const json j = json::parse(render_alert(ctx, v, {}));
    CHECK(j["routing_key"] == ctx.routing_key);
    CHECK(j["event_action"] == "trigger");
    CHECK(j["dedup_key"] == case_id_text(v.case_id));
    const json& p = j["payload"];
    for (const char* field : {"summary", "source", "severity", "timestamp", "component", "group", "class"}) {
        INFO(field);
        REQUIRE(p[field].is_string());
        CHECK_FALSE(p[field].get<std::string>().empty());
    }
    CHECK(p["summary"].get<std::string>().size() <= pagerduty_summary_max);
    CHECK(p["source"] == "screen-01");
    const std::string severity = p["severity"];
    CHECK((severity == "critical" || severity == "error" || severity == "warning" || severity == "info"));
    CHECK(p["timestamp"] == "2024-03-01T12:34:56.006Z");
    CHECK(p["custom_details"] == json::parse(verdict_text(v)));
    const json spike = json::parse(render_spike(ctx, make_spike()));
    CHECK(spike["dedup_key"] == "00c0ffee12345678");
    CHECK(spike["payload"]["class"] == "spike");
}

