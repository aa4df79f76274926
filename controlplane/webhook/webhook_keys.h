// Idempotency-Key of a webhook request (docs/alerts.md, "Delivery"): the receiver
// drops a request whose key it has seen, since delivery is at least once (retries,
// restarts). The key is derived from the notification itself, so the same alert
// carries the same key on every try, after a restart, and when screened again:
//   alert (notify = "alert"):  "<card token, 32 hex>-<txn identity>-<event_time_ms>"
//       txn identity: txn_id, or "<stan>.<rrn>.<terminal_id>" for ISO 8583 feeds;
//       characters outside [A-Za-z0-9._~:-] percent-encoded. A consumer of Kafka
//       computes the same key from an alert's card_token, txn_id (or stan, rrn,
//       terminal_id) and event_time_ms.
//   case notice (notify = "case"): "case-<case id, 16 hex>-<case_seq>"
//   spike: "spike-<spike id, 16 hex>"
//   a batch (batch > 1): "batch-" + the first 32 hex digits of SHA-256 over its keys
//       joined by "\n" (the key of each notification is also in its body).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/verdict.h"
#include "controlplane/analytics/analytics_records.h"

namespace txscreen {

std::string alert_idempotency_key(const Verdict& v);
std::string case_idempotency_key(const Verdict& v);
std::string spike_idempotency_key(const spike_event& s);
std::string batch_idempotency_key(const std::vector<std::string>& keys);
// 16 lowercase hex digits, as case and spike ids are rendered everywhere.
std::string hex16(uint64_t id);

}  // namespace txscreen
