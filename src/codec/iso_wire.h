// A feed's ISO 8583 dialect and map compiled into what the decoder reads: immutable,
// built at start-up, shared by every rx lcore of the feed through iso_decode_context.
//
// Two decode paths (docs/feeds.md "Dialects", docs/dataplane.md "Where the time goes"):
// - fast: the dialect is one of the three families txscreen compiled before dialect
//   files (ASCII + binary bitmap, ASCII + hex bitmap, packed BCD + binary bitmap), the
//   fields the default map keeps have their 1987 definitions and the map is the default
//   one. Pass 1 walks this wire's own rule table, so other fields may differ freely;
//   pass 2 is the compiled conversion of that family. Built-in `binary`, `hex` and `bcd`
//   are shipped files that land here.
// - generic: anything else (EBCDIC, ISO 8583:1993, header bytes, mixed prefix kinds,
//   sub-field maps): a runtime walk of the dialect's definitions and the map's entries.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/iso_dialect.h"
#include "codec/iso_map.h"
#include "common/reject.h"

namespace txscreen {

class config_errors;

// Where a message stopped fitting its dialect: the field (0: the MTI, 1: the bitmap, 2..128)
// and the byte offset in the message. Filled on a reject when the caller asks for it.
struct iso_reject_detail {
    uint8_t field = 0;
    uint32_t offset = 0;
};

struct iso_wire_tables;  // the compiled rule and map tables (iso_wire.cpp); opaque here

struct iso_wire {
    std::string name;              // the dialect's name ("binary", "acme-link")
    iso::dialect_def dialect;
    iso::map_def map;
    int8_t fast_family = -1;       // 0 ascii/binary, 1 ascii/hex, 2 bcd/binary; -1 generic
    uint8_t mti_bytes = 4;         // wire bytes before the first bitmap, header excluded
    uint8_t bitmap_bytes = 8;      // wire bytes of one bitmap
    std::shared_ptr<const iso_wire_tables> tables;
    // One line for check-config explain and `decode`: the family or "generic", the
    // encodings and what the map reads.
    std::string summary() const;
};

// Loads a dialect by built-in name ("binary", "hex", "bcd", "ebcdic", "iso93-ascii") or
// by path (.toml or .xml; relative paths from `base_dir`, the config file's folder).
bool load_dialect(std::string_view name_or_path, const std::filesystem::path& base_dir, iso::dialect_def& out,
                  config_errors& errors);

// Checks the map's paths, converters and layouts against the dialect and compiles both.
// Messages name the map entry's config line; nullptr when something is wrong.
std::shared_ptr<const iso_wire> compile_wire(const iso::dialect_def& dialect, const iso::map_def& map,
                                             std::string_view source, config_errors& errors);

// load_dialect, then compile_wire with the default map of the dialect's standard: a
// dialect as a feed naming it without [feed.map] reads it (check-config --dialect, txgen).
std::shared_ptr<const iso_wire> compile_dialect(std::string_view name_or_path, const std::filesystem::path& base_dir,
                                                config_errors& errors);

// A built-in dialect with its base's default map, compiled once (tests, bench, txgen).
// Throws std::invalid_argument for an unknown name.
const iso_wire& builtin_wire(std::string_view name);

// Off the packet path (tcp framing's boundary checks, `decode`): the MTI as a number,
// and whether the fields from the bitmaps on fill `len` exactly.
bool iso_read_mti(const iso_wire& w, const uint8_t* msg, std::size_t len, uint16_t& mti) noexcept;
bool iso_structure_fits(const iso_wire& w, const uint8_t* msg, std::size_t len) noexcept;

// `txscreen decode`: every field of one message as the dialect reads it. Values are the
// decoded content (digits, text in Latin-1, binary as hex); a PAN is masked, fields
// 35, 36, 45, 52 and 55 show "<N bytes, not shown>". Sub-fields of a field with a
// layout (dialect or map) are listed under it.
struct iso_field_view {
    uint8_t field = 0;
    uint32_t offset = 0, wire_bytes = 0;
    std::string name, value;
    std::vector<std::pair<std::string, std::string>> subs;  // id or tag, value
};
reject_reason iso_describe(const iso_wire& w, const uint8_t* msg, std::size_t len, std::vector<iso_field_view>& out,
                           iso_reject_detail* detail);

}  // namespace txscreen
