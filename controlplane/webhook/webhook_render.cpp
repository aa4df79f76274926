#include "controlplane/webhook/webhook_render.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "controlplane/analytics_json.h"
#include "controlplane/analytics/case_tracker.h"
#include "controlplane/webhook/webhook_keys.h"

namespace txscreen {

namespace {

using json = nlohmann::ordered_json;

// Feed text (merchant names) may hold bytes that are not UTF-8: replaced, never thrown on.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string text_of(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "";
    return it->is_string() ? it->get<std::string>() : dump(*it);
}

std::string rules_of(const json& alert) {
    std::string rules;
    auto it = alert.find("reasons");
    if (it == alert.end() || !it->is_array()) return rules;
    for (const json& r : *it) rules += (rules.empty() ? "" : ", ") + text_of(r, "rule");
    return rules;
}

// "block (score 90): card 41111111****0001, 10.00 EUR at Test Merchant (m-1), MCC 5999, DE;
//  rules: velocity, geo; case 0123456789abcdef #2"
std::string alert_summary(const json& a, const Verdict& v) {
    std::string card = text_of(a, "masked_pan");
    if (card.empty()) card = text_of(a, "bin") + "..." + text_of(a, "last4");
    std::string s = text_of(a, "decision") + " (score " + text_of(a, "score") + "): card " + card + ", " +
                    text_of(a, "amount") + " " + text_of(a, "currency") + " at " + text_of(a, "merchant_name");
    if (std::string id = text_of(a, "merchant_id"); !id.empty()) s += " (" + id + ")";
    s += ", MCC " + text_of(a, "mcc");
    if (std::string c = text_of(a, "country"); !c.empty()) s += ", " + c;
    if (std::string r = rules_of(a); !r.empty()) s += "; rules: " + r;
    if (v.case_id != 0) s += "; case " + case_id_text(v.case_id) + " #" + std::to_string(v.case_seq);
    return s;
}

std::string spike_summary(const spike_event& s) {
    char nums[160];
    std::snprintf(nums, sizeof nums, ": observed %.6g vs baseline %.6g (z %.2f > %.2f), %llu transactions, %llu alerts",
                  s.observed, s.baseline, s.z, s.threshold, static_cast<unsigned long long>(s.transactions),
                  static_cast<unsigned long long>(s.alerts));
    char start[32];
    const std::size_t n = write_rfc3339_ms(s.window_start_ms, start);
    return "spike " + std::string(spike_kind_name(s.kind)) + " of " + std::string(agg_dimension_name(s.dimension)) +
           " " + std::string(s.key, strnlen(s.key, sizeof s.key)) + " in the window from " + std::string(start, n) +
           nums;
}

// Slack mrkdwn: &, < and > are control characters (api.slack.com, "Formatting text").
std::string slack_escaped(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '&') out += "&amp;";
        else if (ch == '<') out += "&lt;";
        else if (ch == '>') out += "&gt;";
        else out += ch;
    }
    return out.size() > 2900 ? out.substr(0, 2900) + "..." : out;  // a section's text is <= 3000
}

std::string slack_body(const std::string& title, const std::string& summary) {
    const std::string text = slack_escaped("txscreen " + title + ": " + summary);
    json section = {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", "*txscreen " + title + "*\n" +
                                                                                  slack_escaped(summary)}}}};
    return dump(json{{"text", text}, {"blocks", json::array({section})}});
}

json teams_container(const std::string& title, const std::string& summary, const json& facts) {
    json items = json::array({{{"type", "TextBlock"}, {"text", "txscreen " + title}, {"weight", "Bolder"},
                               {"size", "Medium"}, {"wrap", true}},
                              {{"type", "TextBlock"}, {"text", summary}, {"wrap", true}}});
    if (!facts.empty()) items.push_back({{"type", "FactSet"}, {"facts", facts}});
    return {{"type", "Container"}, {"separator", true}, {"items", items}};
}

std::string teams_message(json containers) {
    json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                 {"type", "AdaptiveCard"},
                 {"version", "1.4"},
                 {"body", std::move(containers)}};
    json attachment = {{"contentType", "application/vnd.microsoft.card.adaptive"}, {"contentUrl", nullptr},
                       {"content", std::move(card)}};
    return dump(json{{"type", "message"}, {"attachments", json::array({std::move(attachment)})}});
}

json alert_facts(const json& a, const Verdict& v) {
    json facts = json::array();
    auto fact = [&](const char* title, const std::string& value) {
        if (!value.empty()) facts.push_back({{"title", title}, {"value", value}});
    };
    fact("Decision", text_of(a, "decision") + " (score " + text_of(a, "score") + ")");
    fact("Card", text_of(a, "masked_pan").empty() ? text_of(a, "bin") + "..." + text_of(a, "last4")
                                                  : text_of(a, "masked_pan"));
    fact("Amount", text_of(a, "amount") + " " + text_of(a, "currency"));
    fact("Merchant", text_of(a, "merchant_name") + " " + text_of(a, "merchant_id"));
    fact("Rules", rules_of(a));
    fact("Event time", text_of(a, "event_time"));
    if (v.case_id != 0) fact("Case", case_id_text(v.case_id) + " #" + std::to_string(v.case_seq));
    return facts;
}

const char* alert_severity(const Verdict& v) {
    switch (v.dec) {
        case decision::block: return "critical";
        case decision::review: return "error";
        case decision::allow: return "warning";
    }
    return "warning";
}

std::string pagerduty_body(const webhook_render_context& ctx, const std::string& dedup_key, std::string summary,
                           const char* severity, const std::string& timestamp, const std::string& group,
                           const char* event_class, json details) {
    if (summary.size() > pagerduty_summary_max) summary = summary.substr(0, pagerduty_summary_max - 3) + "...";
    json payload = {{"summary", summary},   {"source", ctx.source.empty() ? "txscreen" : ctx.source},
                    {"severity", severity}, {"timestamp", timestamp},
                    {"component", "txscreen"}, {"group", group},
                    {"class", event_class}, {"custom_details", std::move(details)}};
    return dump(json{{"routing_key", ctx.routing_key}, {"event_action", "trigger"}, {"dedup_key", dedup_key},
                     {"payload", std::move(payload)}});
}

std::string render_alert_as(const webhook_render_context& ctx, const Verdict& v, std::string alert_text) {
    if (ctx.format == webhook_format::json) return alert_text;  // the common case: no parse
    const json a = json::parse(alert_text, nullptr, false);
    if (a.is_discarded()) return "";
    const std::string summary = alert_summary(a, v);
    switch (ctx.format) {
        case webhook_format::json: return alert_text;
        case webhook_format::slack: return slack_body("alert", summary);
        case webhook_format::teams: return teams_message(json::array({teams_container("alert", summary, alert_facts(a, v))}));
        case webhook_format::pagerduty: {
            // One incident per case: later alerts of the case update it. No case: one per card.
            const std::string dedup = v.case_id ? case_id_text(v.case_id) : text_of(a, "card_token");
            return pagerduty_body(ctx, dedup, "txscreen alert: " + summary, alert_severity(v),
                                  text_of(a, "event_time"), "feed-" + text_of(a, "feed_id"), "fraud_alert", a);
        }
    }
    return "";
}

}  // namespace

std::string render_alert(const webhook_render_context& ctx, const Verdict& v, const verdict_json_names& names) {
    char text[verdict_json_max_bytes];
    const std::size_t n = write_verdict_json(v, names, text, sizeof text);
    if (n == 0) return "";
    return render_alert_as(ctx, v, std::string(text, n));
}

std::string spike_json(const spike_event& s) {
    char text[spike_json_max_bytes];
    return std::string(text, write_spike_json(s, text, sizeof text));
}

std::string render_spike(const webhook_render_context& ctx, const spike_event& s) {
    const std::string summary = spike_summary(s);
    switch (ctx.format) {
        case webhook_format::json: return spike_json(s);
        case webhook_format::slack: return slack_body("spike", summary);
        case webhook_format::teams: return teams_message(json::array({teams_container("spike", summary, json::array())}));
        case webhook_format::pagerduty: {
            const bool ingestion = s.kind == spike_event::spike_kind::feed_silent ||
                                   s.kind == spike_event::spike_kind::reject_surge ||
                                   s.kind == spike_event::spike_kind::gap_surge;
            char end[32];
            return pagerduty_body(ctx, hex16(s.id), "txscreen " + summary, ingestion ? "warning" : "error",
                                  std::string(end, write_rfc3339_ms(s.window_end_ms, end)),
                                  std::string(agg_dimension_name(s.dimension)), "spike",
                                  json::parse(spike_json(s)));
        }
    }
    return "";
}

std::string render_dq(const webhook_render_context& ctx, const dq_alert& a) {
    const std::string summary(a.summary);
    switch (ctx.format) {
        case webhook_format::json: return std::string(a.json);
        case webhook_format::slack: return slack_body("data quality", summary);
        case webhook_format::teams: return teams_message(json::array({teams_container("data quality", summary, json::array())}));
        case webhook_format::pagerduty: {
            char end[32];
            return pagerduty_body(ctx, std::string(a.id), "txscreen " + summary, "warning",
                                  std::string(end, write_rfc3339_ms(a.hour_end_ms, end)), "lake", "dq",
                                  json::parse(a.json, nullptr, false));
        }
    }
    return "";
}

std::string render_batch(webhook_format format, const std::vector<std::string>& bodies) {
    if (bodies.size() == 1) return bodies.front();
    if (format == webhook_format::json || format == webhook_format::pagerduty) {
        std::string out = "[";
        for (std::size_t i = 0; i < bodies.size(); ++i) out += (i ? "," : "") + bodies[i];
        return out + "]";
    }
    json blocks = json::array();
    for (const std::string& b : bodies) {
        const json one = json::parse(b, nullptr, false);
        if (one.is_discarded()) continue;
        const json::json_pointer where(format == webhook_format::slack ? "/blocks" : "/attachments/0/content/body");
        if (!one.contains(where) || !one.at(where).is_array()) continue;
        for (const json& item : one.at(where)) blocks.push_back(item);
    }
    if (format == webhook_format::teams) return teams_message(std::move(blocks));
    const std::string text = std::to_string(bodies.size()) + " txscreen notifications";
    return dump(json{{"text", text}, {"blocks", std::move(blocks)}});
}

}  // namespace txscreen
