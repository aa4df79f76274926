// The compiled tables of an iso_wire (iso_wire.h), private to the codec: what
// compile_wire (iso_wire.cpp) builds and the two decode paths read. Built once at
// start-up; immutable afterwards, so the decoders only read through const pointers.
#pragma once

#include <array>
#include <string_view>
#include <cstdint>
#include <vector>

#include "codec/ebcdic.h"
#include "codec/iso_dialect.h"
#include "codec/iso_map.h"
#include "codec/iso_wire.h"
#include "common/pan_token.h"
#include "common/txn.h"

namespace txscreen::iso_rt {

// How a content length L (in the field's units) maps to wire bytes.
enum packing : uint8_t {
    pk_bytes = 0,    // L bytes
    pk_nibbles = 1,  // (L + 1) / 2 bytes: packed BCD
    pk_hex = 2,      // 2L bytes: hex characters
};

// The fast path's pass-1 rule, 8 bytes as before dialect files: tests compare the
// tables the shipped binary/hex/bcd files compile to with the former constexpr ones.
struct wire_rule {
    uint16_t fixed_bytes;  // wire size of a fixed field (0 for LL/LLL)
    uint16_t max;          // largest allowed content length (LL/LLL)
    uint8_t prefix;        // 0 fixed, else the prefix's digits (2 LLVAR, 3 LLLVAR)
    uint8_t pack;          // packing of variable content
    uint8_t slot;          // the fast path's slot (0: not kept)
    uint8_t pad_;
};
static_assert(sizeof(wire_rule) == 8);

// The fast path's slots (index the per-message position record).
enum slot : uint8_t {
    s_none = 0, s_pan, s_proc, s_amount, s_xmit_time, s_stan, s_local_time, s_local_date,
    s_expiry, s_mcc, s_entry_mode, s_condition, s_acquirer, s_rrn, s_auth, s_response,
    s_terminal, s_merchant, s_name_loc, s_additional, s_currency, s_tertiary, s_account,
    slot_count
};
static_assert(slot_count <= 32, "slots are tracked in a 32-bit presence mask");

constexpr uint8_t slot_of(unsigned field) {
    switch (field) {
        case 2: return s_pan;
        case 3: return s_proc;
        case 4: return s_amount;
        case 7: return s_xmit_time;
        case 11: return s_stan;
        case 12: return s_local_time;
        case 13: return s_local_date;
        case 14: return s_expiry;
        case 18: return s_mcc;
        case 22: return s_entry_mode;
        case 25: return s_condition;
        case 32: return s_acquirer;
        case 37: return s_rrn;
        case 38: return s_auth;
        case 39: return s_response;
        case 41: return s_terminal;
        case 42: return s_merchant;
        case 43: return s_name_loc;
        case 48: return s_additional;
        case 49: return s_currency;
        case 65: return s_tertiary;
        case 102: return s_account;
        default: return s_none;
    }
}

// How one field (or sub-field) lies on the wire, for the generic walk.
struct field_rule {
    bool defined = false;
    uint8_t prefix_bytes = 0;   // 0: fixed
    uint8_t prefix_digits = 0;
    iso::prefix_enc prefix = iso::prefix_enc::none;
    bool counts_bytes = false;  // the prefix counts wire bytes (jPOS IFEB_*)
    uint8_t unit = pk_bytes;    // packing of the content (digits or hex)
    bool sign = false;          // xn: one C/D character before the digits
    bool identity = false;      // content is its own decoded form (ASCII, raw bytes): read in place
    uint16_t max = 0;           // units
    uint16_t fixed_bytes = 0;   // wire bytes of a fixed field
    const iso::field_def* def = nullptr;
    const iso::layout_def* layout = nullptr;  // the dialect's, else the map's; nullptr: none
};

constexpr std::array<uint8_t, 256> make_hex_values() {
    std::array<uint8_t, 256> t{};
    for (auto& v : t) v = 0xff;
    for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 6; ++i) t['A' + i] = t['a' + i] = static_cast<uint8_t>(10 + i);
    return t;
}
// ASCII hex character -> value; 0xff for a non-hex byte.
inline constexpr std::array<uint8_t, 256> hex_values = make_hex_values();

// Field 7 (MMDDhhmmss as five two-digit parts, no year) -> epoch ms, year chosen
// nearest to `ref_ms` (iso8583.cpp; both decoders use it). False when out of range.
bool infer_transmission_time(const unsigned (&part)[5], int64_t ref_ms, int64_t& out) noexcept;

// The walk rule of a field or sub-field definition (iso_wire.cpp).
field_rule rule_of(const iso::field_def& f, const iso::layout_def* layout);

// A tlv tag (up to 4 characters) as one number, first character highest.
inline uint32_t pack_tag(std::string_view tag) noexcept {
    uint32_t v = 0;
    for (char c : tag) v = v << 8 | static_cast<uint8_t>(c);
    return v;
}

constexpr uint16_t undeclared_sub = 0xffff;  // a tlv tag or delimited part no layout entry declares

// One step of a resolved map path: the layout to walk and the sub-field wanted in it.
struct path_step {
    const iso::layout_def* layout = nullptr;
    uint16_t sub_index = 0;      // index into layout->subs
    uint32_t tag = 0;            // tlv: the tag packed big-endian (up to 4 chars)
    uint8_t number = 0;          // positional, bitmap, delimited: the sub-field number
};

struct resolved_path {
    uint8_t field = 0;
    uint8_t depth = 0;            // steps used
    std::array<path_step, 3> steps{};
    uint16_t slice_from = 0, slice_to = 0;  // slice_to == 0: the whole value; slice_to_end: to its end
};

// map_path's "[from:]": the slice runs to the value's end (readers clamp to its length).
constexpr uint16_t slice_to_end = 0xFFFF;

struct map_op {
    iso::map_target target = iso::map_target::count;
    iso::converter conv = iso::converter::automatic;  // resolved: never automatic here
    std::vector<resolved_path> from;
};

struct channel_op {
    resolved_path from;
    std::vector<std::string> ecom, atm, pos;
};

}  // namespace txscreen::iso_rt

namespace txscreen {

struct iso_wire_tables {
    std::array<iso_rt::wire_rule, 129> rules{};    // fast pass 1
    std::array<iso_rt::field_rule, 129> fields{};  // generic pass 1 ([2..128])
    std::vector<iso_rt::map_op> program;           // in map_target order
    std::vector<iso_rt::channel_op> channel;       // empty: derived
    std::vector<uint8_t> required_request, required_response;
    std::array<bool, 129> read{};                  // fields the map reads
    const ebcdic::byte_table* cp = &ebcdic::cp1047_to_latin1;  // EBCDIC -> Latin-1
};

// The generic decoder (iso_generic.cpp): any dialect; the fast path hands messages to it
// when the wire has no fast family, and tests call it on fast wires to compare.
reject_reason decode_generic(const uint8_t* msg, std::size_t len, const iso_wire& w, int64_t reference_time_ms,
                             Txn& out, pan_stash& stash, iso_reject_detail* detail) noexcept;

}  // namespace txscreen
