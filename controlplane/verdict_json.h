// JSON encoding of verdicts, issuer outcomes and rejects for Kafka (schema:
// docs/kafka.md, docs/schemas.md). An alert with a case (Verdict::case_id != 0) also
// carries "case_id" and "case_seq", its last keys. Aggregates and spikes:
// analytics_json.h.
//
// The encoders write into a caller-supplied buffer and never allocate, so the
// publisher can serialize on its own thread without touching the heap per message.
// A clear PAN cannot appear in the output: the Verdict carries only the token, BIN,
// last four digits and PAN length, and a reject record carries no message bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "common/reject.h"
#include "common/reject_record.h"  // reject_record: what a reject publishes
#include "common/verdict.h"

namespace txscreen {

inline constexpr int verdict_json_schema_version = 1;

// Large enough for any Verdict even when every text field is escaped as \u00XX and
// every reason names a 64-byte rule; encoders report overflow instead of cutting JSON.
inline constexpr std::size_t verdict_json_max_bytes = 8192;
inline constexpr std::size_t reject_json_max_bytes = 512;
inline constexpr std::size_t outcome_json_max_bytes = 1024;
// Rule and category names longer than this are cut (they come from user config).
inline constexpr std::size_t json_name_max = 64;

// Names for ids the Verdict stores as numbers. Either resolver may be empty or return
// an empty view for an unknown id; the encoder then prints "rule_<id>" /
// "category_<bit>". Resolvers are called on the publisher thread and must not block.
struct verdict_json_names {
    // Name of rule `rule_id` in ruleset `ruleset_version` (the one that scored it).
    std::function<std::string_view(uint32_t ruleset_version, uint16_t rule_id)> rule;
    // Name of pattern category bit `bit` (0..15) of Verdict::pattern_categories.
    std::function<std::string_view(unsigned bit)> category;
};

// Writes the verdict's JSON object (no trailing newline) into out[0..cap).
// Returns the number of bytes written, or 0 when it does not fit in `cap`.
std::size_t write_verdict_json(const Verdict& v, const verdict_json_names& names, char* out,
                               std::size_t cap) noexcept;

// Writes the issuer outcome `v` (v.txn.kind == txn_kind::outcome) as its JSON object
// into out[0..cap). Returns bytes written, 0 if too small.
std::size_t write_outcome_json(const Verdict& v, char* out, std::size_t cap) noexcept;

// Writes the reject's JSON object into out[0..cap). Returns bytes written, 0 if too small.
std::size_t write_reject_json(const reject_record& r, char* out, std::size_t cap) noexcept;

// Writes the 32 lower-case hex digits of a card token (the Kafka key) into out[0..32).
void write_token_hex(const uint8_t token[card_token_bytes], char out[2 * card_token_bytes]) noexcept;

// Writes a 64-bit id (case ids, spike ids) as 16 lower-case hex digits into out[0..16):
// the text case_id_text() gives (controlplane/analytics/case_tracker.h), without allocating.
void write_id_hex(uint64_t id, char out[16]) noexcept;

// Writes `ms` since the Unix epoch as RFC 3339 UTC with milliseconds
// ("2024-03-01T12:34:56.789Z", 24 bytes) into out. Returns the length written.
std::size_t write_rfc3339_ms(int64_t ms, char out[32]) noexcept;

}  // namespace txscreen
