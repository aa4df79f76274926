// Avro encoding of the spool's records: verdicts (tables `scored` and `alerts`),
// rejects (table `rejects`) and issuer outcomes (table `outcomes`); the derived
// aggregate rows and spikes (tables `aggregates`, `spikes`) in avro_analytics.h. Schemas: controlplane/schemas/*.avsc (docs/spool.md); the
// build embeds those files, so the schema written into each Avro file header is the
// shipped file. Field order here must match the .avsc files: test_spool checks it by
// reading spool files back with libavro and python3-avro.
//
// No clear PAN can be encoded: a Verdict (an outcome too) holds only the token, BIN,
// last four and PAN length, and a reject record holds no message bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

#include "common/reject_record.h"
#include "common/verdict.h"

namespace txscreen {

enum class spool_table : uint8_t { scored = 0, alerts = 1, rejects = 2, outcomes = 3, aggregates = 4, spikes = 5 };
inline constexpr int spool_table_count = 6;

// Returns "scored", "alerts", "rejects", "outcomes", "aggregates" or "spikes" (the
// partition directory is table=<name>, the schema controlplane/schemas/<name>.avsc).
constexpr std::string_view spool_table_name(spool_table t) noexcept {
    switch (t) {
        case spool_table::scored: return "scored";
        case spool_table::alerts: return "alerts";
        case spool_table::rejects: return "rejects";
        case spool_table::outcomes: return "outcomes";
        case spool_table::aggregates: return "aggregates";
        case spool_table::spikes: return "spikes";
    }
    return "scored";
}

inline constexpr int avro_schema_version = 1;

// Returns the table's schema JSON (compact form of controlplane/schemas/<table>.avsc).
std::string_view avro_schema_json(spool_table t) noexcept;

// Rule names longer than this are cut (they come from user config).
inline constexpr std::size_t avro_rule_name_max = 64;
// Upper bound of one encoded verdict / reject, even with every text byte invalid UTF-8
// (each becomes a 3-byte U+FFFD) and every reason naming a 64-byte rule.
inline constexpr std::size_t avro_verdict_max_bytes = 4096;
inline constexpr std::size_t avro_reject_max_bytes = 256;
inline constexpr std::size_t avro_outcome_max_bytes = 512;

// Name of rule `rule_id` of ruleset `ruleset_version`; may be empty or return an empty
// view, and the encoder then writes "rule_<id>". Called on the spool thread.
using avro_rule_namer = std::function<std::string_view(uint32_t ruleset_version, uint16_t rule_id)>;

// Encodes `v` as one record of the scored/alerts schema at `out`, which must have
// avro_verdict_max_bytes of room. Returns the number of bytes written.
std::size_t encode_verdict_avro(const Verdict& v, const avro_rule_namer& names, uint8_t* out) noexcept;

// Encodes `r` as one record of the rejects schema (out: avro_reject_max_bytes of room).
// Returns the number of bytes written.
std::size_t encode_reject_avro(const reject_record& r, uint8_t* out) noexcept;

// Encodes the issuer outcome `v` (v.txn.kind == txn_kind::outcome) as one record of
// the outcomes schema (out: avro_outcome_max_bytes of room). Returns the bytes written.
std::size_t encode_outcome_avro(const Verdict& v, uint8_t* out) noexcept;

// Walks one encoded record of table `t` starting at p (recovery validates torn files
// with it). Returns true and advances p past it when the record is well formed and lies
// within [p, end); false otherwise.
bool skip_avro_record(spool_table t, const uint8_t*& p, const uint8_t* end) noexcept;

}  // namespace txscreen
