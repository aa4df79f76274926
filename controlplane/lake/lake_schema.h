// The lake's tables as columns: one tree per spool table, built from the same .avsc
// files the Avro writer embeds in every file header (avro_schema_json), so the Parquet
// writer, the warehouse DDL (lake_ddl.h) and the data-quality checks (dq_report.h)
// cannot drift from the Avro spool.
//
// Avro -> lake types: int -> int32, long -> int64, long with logicalType
// timestamp-millis -> timestamp_ms, float -> float32, double -> float64, boolean ->
// boolean, string -> string, array<T> -> list of T, record -> record. Every field is
// required (the spool's schemas have no unions); a list may be empty.
//
// One derived column, in the lake only (never in Avro): a record holding both
// `amount_minor` and `currency_exponent` gets `amount`, decimal(18,4), right after
// `amount_minor` = amount_minor * 10^(4 - currency_exponent) as an unscaled integer
// (exponents are 0..4 in ISO 4217, so the value is exact).
//
// Parquet layout of a list field `x` (the three-level LIST form of the format spec):
//   required group x (LIST) { repeated group list { required <T> element; } }
// so a leaf under a list has max_rep = 1 and max_def = 1; flat leaves have 0 and 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/avro_records.h"

namespace txscreen {

enum class lake_type : uint8_t {
    boolean, int32, int64, float32, float64, string, timestamp_ms, decimal18_4,
    list,    // children[0] is the element
    record,  // children are its fields
};

struct lake_field {
    std::string name;
    lake_type type = lake_type::int64;
    std::string doc;
    bool derived = false;              // not in the Avro record: computed by the reader
    std::string default_json;          // the .avsc "default", as JSON text ("" = none)
    std::vector<lake_field> children;  // list: one element; record: its fields
};

// One Parquet column (a primitive leaf of the tree), in depth-first field order.
struct lake_leaf {
    std::vector<std::string> path;  // Parquet path_in_schema: {"reasons","list","element","rule"}
    std::string dotted;             // analysts' name: "reasons.rule", "pattern_ids", "amount"
    lake_type type = lake_type::int64;
    int max_rep = 0;
    int max_def = 0;
};

struct lake_table_schema {
    std::string table;        // "scored"; "" when built from a schema of no spool table
    std::string record_name;  // the .avsc record name
    std::string doc;
    std::vector<lake_field> fields;
    std::vector<lake_leaf> leaves;
};

// Builds the tree from an .avsc document. Throws std::runtime_error naming the field
// ("lake schema: field reasons.rule: type \"map\" is not supported") on anything outside
// the mapping above.
lake_table_schema lake_schema_from_avsc(std::string_view avsc_json, std::string table = {});

// The shipped schema of spool table `t` (built once, on first use).
const lake_table_schema& lake_schema(spool_table t);

// "int32", "timestamp_ms", ... (docs, errors).
std::string_view lake_type_name(lake_type t) noexcept;

}  // namespace txscreen
