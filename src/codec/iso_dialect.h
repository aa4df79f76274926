// ISO 8583 dialects as data (issue #16, in progress): the model a dialect file (TOML,
// iso_dialect_toml.cpp) or a jPOS GenericPackager XML file (jpos_xml.cpp) is read
// into, at start-up, off the packet path. A dialect is a base standard (ISO 8583:1987
// or :1993, iso_standards.cpp) plus what a link does differently: the MTI and bitmap
// encodings, each field's content type, length kind, prefix and content encodings,
// maximum length, and sub-field layouts for private fields.
//
// Not yet wired into the decoder: the compiled per-feed table the decoder walks comes
// next (docs/feeds.md keeps describing the three built-in dialects until then).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace txscreen {
class config_errors;
}

namespace txscreen::iso {

// Content types as ISO 8583 names them; xn: a C/D sign then digits (amounts).
enum class content : uint8_t { n, a, an, ans, ns, as, s, b, z, xn };
// Numeric digits on the wire: ASCII, EBCDIC (F0-F9), or packed BCD; an odd count is
// padded with a leading 0 nibble (bcd_left, jPOS pad="true"), a trailing 0 nibble
// (bcd_right, jPOS pad="false") or a trailing F (bcd_right_f).
enum class num_enc : uint8_t { ascii, ebcdic, bcd_left, bcd_right, bcd_right_f };
enum class text_enc : uint8_t { ascii, ebcdic };
// Binary content: raw bytes, or two hex characters per byte in ASCII or EBCDIC.
enum class bin_enc : uint8_t { raw, hex_ascii, hex_ebcdic };
// A variable field's length prefix.
enum class prefix_enc : uint8_t { none, ascii, ebcdic, bcd, binary };
enum class code_page : uint8_t { cp1047, cp037, cp500 };
enum class layout_kind : uint8_t { none, positional, tlv, bitmap, delimited };

// Where a definition came from: an index into dialect_def::files and a 1-based line.
struct source_loc {
    uint16_t file = 0;
    uint32_t line = 0;
};

// One data element or sub-field, as the file says it.
struct field_def {
    bool defined = false;          // a set bit naming an undefined field is iso_unsupported_field
    content type = content::ans;
    uint8_t prefix_digits = 0;     // 0: fixed; 1..4: L..LLLL (binary prefix: 1 or 2 bytes)
    prefix_enc prefix = prefix_enc::none;
    bool prefix_counts_bytes = false;  // the prefix counts wire bytes, not digits (jPOS IFEB_*)
    bool enc_explicit = false;     // `enc` was set by the file (not derived from [encoding])
    uint16_t max = 0;              // fixed length or maximum: digits (n, z; xn: after the sign),
                                   // characters (a .. s) or bytes (b)
    uint8_t enc = 0;               // num_enc for n/z/xn, text_enc for text, bin_enc for b
    text_enc sign = text_enc::ascii;  // xn: the C/D character
    layout_kind layout = layout_kind::none;
    uint32_t layout_index = 0;     // into dialect_def::layouts
    std::string name;
    source_loc where;
};

// Sub-fields of one field, laid over its decoded content.
struct layout_def {
    layout_kind kind = layout_kind::none;
    // tlv: a tag of tag_chars characters, then a length of len_digits digits (or
    // len_digits binary bytes when len_binary), after lead_bytes of lead-in.
    uint8_t tag_chars = 2, len_digits = 2, lead_bytes = 0;
    bool len_binary = false;
    // bitmap: a sub-bitmap of bitmap_bytes (1..16) in bitmap_form; `extends`: bit 1
    // chains a second one; sub-field numbers start at first_field.
    uint8_t bitmap_bytes = 8;
    bin_enc bitmap_form = bin_enc::raw;
    bool extends = false;
    uint8_t first_field = 1, header_bytes = 0;
    char delimiter = '\\';  // delimited
    std::vector<std::pair<std::string, field_def>> subs;  // id ("1".."64") or tag ("DI")
};

struct dialect_def {
    std::string name, description, base;
    // The standard at the root of the base chain, "iso8583-1987" or "iso8583-1993":
    // the default map a feed starts from (iso_map.h). jPOS XML: by its field table.
    std::string standard;
    std::vector<std::string> files;   // the files of the base chain, for messages
    uint8_t header_bytes = 0;         // bytes before the MTI (jPOS headerLength)
    num_enc mti = num_enc::ascii;     // ascii, ebcdic or bcd_left
    bin_enc bitmap = bin_enc::raw;
    uint8_t bitmap_bytes = 16;        // 8: primary only; 16: a secondary bitmap via bit 1
    code_page cp = code_page::cp1047;
    std::array<field_def, 129> fields{};  // [2..128]; 0 (MTI) and 1 (bitmap) unused
    std::vector<layout_def> layouts;
    std::vector<std::string> warnings;    // shown by check-config
};

// The standards a dialect file names as its base: "iso8583-1987", "iso8583-1993".
// Types and lengths only, every encoding ASCII; nullptr for another name.
const dialect_def* standard(std::string_view base) noexcept;

// Loaders. Problems go to `errors` as "<file>:<line>: <key or element>: <what>"; the
// return value says whether `out` is usable. `source` names the text in messages.
bool parse_dialect_toml(std::string_view text, std::string_view source, dialect_def& out, config_errors& errors);
bool parse_jpos_xml(std::string_view text, std::string_view source, dialect_def& out, config_errors& errors);

// "n", "ans", ... and "ascii", "bcd-right", ... as files spell them.
std::string_view content_name(content c) noexcept;

}  // namespace txscreen::iso
