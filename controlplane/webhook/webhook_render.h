// The body of a webhook request in the endpoint's format (docs/alerts.md, "Formats"):
//   json       an alert is exactly its Kafka alert JSON (controlplane/verdict_json.h),
//              a spike its spike JSON ("type":"spike"); a batch is a JSON array of them.
//   slack      an incoming-webhook message: "text" (the notification and push text) and
//              "blocks" (one mrkdwn section per notification); Mattermost takes it too.
//              A batch is one message: text "<n> txscreen notifications", the blocks of
//              each notification in turn (Slack shows at most 50 blocks: batch <= 50).
//   teams      a "message" with one Adaptive Card attachment (body: one Container per
//              notification); a batch is one card with one Container per notification.
//   pagerduty  an Events API v2 trigger event: routing_key, event_action "trigger",
//              dedup_key (the case id, or the spike id), payload {summary <= 1024 chars,
//              source, severity, timestamp, component, group, class, custom_details =
//              the alert JSON}. One event per request: never batched.
// No body holds a clear PAN: every format is built from the verdict JSON, which holds
// only the token, BIN, last four digits and the masked PAN.
#pragma once

#include "controlplane/record_sink.h"

#include <string>
#include <vector>

#include "common/verdict.h"
#include "controlplane/analytics/analytics_records.h"
#include "controlplane/verdict_json.h"
#include "controlplane/webhook/webhook_config.h"

namespace txscreen {

inline constexpr std::size_t pagerduty_summary_max = 1024;

struct webhook_render_context {
    webhook_format format = webhook_format::json;
    std::string routing_key;  // pagerduty: the resolved integration key
    std::string source;       // pagerduty payload.source: this host's name
};

// One alert's body; "" when the verdict cannot be rendered (the caller counts it).
std::string render_alert(const webhook_render_context& ctx, const Verdict& v, const verdict_json_names& names);
// One spike's body.
std::string render_spike(const webhook_render_context& ctx, const spike_event& s);
// A data-quality alert: json = the alert record; chat formats its summary line.
std::string render_dq(const webhook_render_context& ctx, const dq_alert& a);
// The spike as JSON ("type":"spike"), the json format's body: exactly its Kafka JSON
// (controlplane/analytics_json.h).
std::string spike_json(const spike_event& s);
// Several bodies of one format as one request body (see above); `bodies` not empty.
std::string render_batch(webhook_format format, const std::vector<std::string>& bodies);

}  // namespace txscreen
