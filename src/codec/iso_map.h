// Which field or sub-field of an ISO 8583 message fills which Txn field, per feed
// ([feed.map] in txscreen.toml, docs/feeds.md "Mapping"). A map starts from the default
// map of its base standard (what txscreen always read: field 2 is the PAN, 43 is name,
// city, region and country, 48's DI/IP/EM sub-elements are device, IP and e-mail) and
// the feed's table replaces targets one by one. Read at start-up, off the packet path;
// compile_wire (iso_wire.h) resolves it against the feed's dialect.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "codec/iso_dialect.h"


namespace txscreen::iso {

// The Txn fields a map can fill. `local_time` with converter yymmddhhmmss fills
// local_date too (ISO 8583:1993 field 12).
#define TXSCREEN_MAP_TARGETS(X)                                                                  \
    X(pan) X(processing_code) X(amount) X(event_time) X(stan) X(local_time) X(local_date)         \
    X(expiry) X(mcc) X(pos_entry_mode) X(pos_condition) X(acquirer_id) X(rrn) X(auth_code)        \
    X(response_code) X(terminal_id) X(merchant_id) X(merchant_name) X(city) X(region) X(country)  \
    X(device_id) X(ip) X(email) X(currency) X(account_id) X(lat) X(lon)

enum class map_target : uint8_t {
#define TXSCREEN_X(name) name,
    TXSCREEN_MAP_TARGETS(TXSCREEN_X)
#undef TXSCREEN_X
    count
};

// How a value's decoded content (digits, text or bytes) becomes the target's value.
// `automatic` is the target's usual converter (docs/feeds.md lists them).
enum class converter : uint8_t {
    automatic, text, digits, number, mmddhhmmss, yymmddhhmmss, hhmmss, mmdd, yymm, currency,
    decimal, microdegrees, ipv4_binary, ipv4_hex
};

// "48.DI", "43[0:22]", "126.9.8[2:4]": a field, then sub-field ids (positional and
// bitmap layouts) or tags (tlv), outermost first, then an optional slice of the
// innermost value in its decoded units (digits, characters or bytes).
struct map_path {
    uint8_t field = 0;                 // 2..128
    std::vector<std::string> subs;
    uint16_t slice_from = 0, slice_to = 0;  // slice_to == 0: the whole value; 0xFFFF ("[8:]"): to its end
    std::string text;                  // as written, for messages and `decode`
};

struct map_entry {
    map_target target = map_target::count;
    std::vector<map_path> from;        // the first one present in a message wins
    converter conv = converter::automatic;
    uint32_t line = 0;                 // in the config file; 0 for the default maps
};

// Optional: the channel read from a field instead of derived (MCC 6011 is atm; entry
// mode 01x/81x with condition 59 is ecom; else pos). Values not listed derive as usual.
struct map_channel {
    map_path from;
    std::vector<std::string> ecom, atm, pos;
};

struct map_def {
    std::string base;                  // "iso8583-1987" | "iso8583-1993" | "none"
    std::vector<map_entry> entries;    // at most one per target
    // Fields a request (even MTI function digit) and a response (odd) must carry;
    // a message without one is iso_missing_field naming it.
    std::vector<uint8_t> required_request, required_response;
    std::vector<std::pair<uint8_t, layout_def>> layouts;  // [feed.map.layout.N]: a field's
                                                          // layout where the dialect has none
    std::vector<map_channel> channel;  // empty: derived
};

// The default map of "iso8583-1987" or "iso8583-1993"; nullptr for another name.
const map_def* default_map(std::string_view base) noexcept;

// Reads a feed's [feed.map] table onto `out`, which the caller starts as the default map
// of the dialect's base (or of the table's own `base` key). `key_prefix` is how messages
// name the table ("feed[1].map"); problems go to `errors` as
// "<source>:<line>: <key_prefix>.<key>: <what>", with the line given to errors.fail_at:
// `errors` is the config file's own and supplies <source>. Paths are checked against the
// dialect by compile_wire, not here.
bool read_map_toml(const toml::table& table, std::string_view source, std::string_view key_prefix, map_def& out,
                   config_errors& errors);

std::string_view target_name(map_target t) noexcept;

// Added by helper "map": the converter as [feed.map] spells it ("ipv4-binary"), and the
// path syntax above: "48.DI", "43[0:22]", "126.9.8[2:]" (field 2..128, at most 3
// sub-field ids or tags of letters, digits and '_', a slice [a:b], [a:] or [:b] with
// b > a). False with `why` ("field 1 is the secondary bitmap") for anything else.
std::string_view converter_name(converter c) noexcept;
bool parse_map_path(std::string_view text, map_path& out, std::string& why);

}  // namespace txscreen::iso
