// JSON of the records the controlplane derives (controlplane/analytics/
// analytics_records.h) for Kafka (docs/kafka.md, docs/schemas.md): an aggregate row to
// txscreen.aggregates, a spike event to txscreen.alerts with "type":"spike" beside the
// verdicts there ("type":"verdict"). Keys always present, in the documented order;
// written into a caller-supplied buffer without allocating, like verdict_json.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "controlplane/analytics/analytics_records.h"

namespace txscreen {

// Large enough for any record even when every byte of its key is escaped as \u00XX.
inline constexpr std::size_t aggregate_json_max_bytes = 4096;
inline constexpr std::size_t spike_json_max_bytes = 1024;
// "<dimension>:<key>": the longest dimension name, ':' and the key.
inline constexpr std::size_t analytics_key_max_bytes = 16 + agg_key_bytes;

// Writes the row's JSON object into out[0..cap). Returns bytes written, 0 if too small.
std::size_t write_aggregate_json(const aggregate_record& r, char* out, std::size_t cap) noexcept;

// Writes the spike's JSON object into out[0..cap). Returns bytes written, 0 if too small.
std::size_t write_spike_json(const spike_event& s, char* out, std::size_t cap) noexcept;

// The Kafka key of an aggregate row or a spike, "<dimension>:<key>" ("mcc:7995"), so
// one key's rows stay in order on one partition. out: analytics_key_max_bytes of room.
// Returns the bytes written.
std::size_t write_analytics_key(agg_dimension d, const char (&key)[agg_key_bytes], char* out) noexcept;

// True when `value` is a spike's JSON (the alert outbox holds spikes beside alerts and
// reads both back: this tells which topic's counters a replayed record belongs to).
bool is_spike_json(std::string_view value) noexcept;

}  // namespace txscreen
