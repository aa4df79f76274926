// Every reason a feed message can be rejected, declared once. The X-macro yields the
// enum and its stable snake_case name (used in metrics labels, the rejects topic and
// the spool), in the manner of VPP's foreach_*_error lists.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace txscreen {

#define TXSCREEN_FOREACH_REJECT(_)                                                         \
    _(none, "accepted")                                                                    \
    /* framing */                                                                          \
    _(frame_truncated, "datagram shorter than the framing header")                         \
    _(frame_bad_length, "message length runs past the end of the datagram")               \
    _(frame_count_mismatch, "MoldUDP64 count says more messages than the datagram holds")  \
    _(frame_trailing_bytes, "bytes left after the last message of the datagram")           \
    _(frame_empty_message, "zero-length message")                                          \
    /* ISO 8583 */                                                                         \
    _(iso_truncated, "ISO 8583 message ends inside a field")                               \
    _(iso_bad_mti, "ISO 8583 MTI is not 4 digits")                                         \
    _(iso_bad_bitmap, "ISO 8583 bitmap is not valid for the dialect")                      \
    _(iso_bad_length_prefix, "ISO 8583 LLVAR/LLLVAR length is not digits or exceeds max") \
    _(iso_bad_numeric, "ISO 8583 numeric field holds a non-digit")                         \
    _(iso_bad_date, "ISO 8583 date/time field is out of range")                            \
    _(iso_missing_field, "ISO 8583 message lacks a required field (2, 4, 7; a response 7, 11, 39)") \
    _(iso_trailing_bytes, "ISO 8583 message has bytes after its last field")               \
    _(iso_unsupported_field, "ISO 8583 bitmap names a field with no definition")          \
    /* JSON */                                                                             \
    _(json_syntax, "JSON message is not a valid object")                                   \
    _(json_too_large, "JSON message exceeds the maximum message size")                     \
    _(json_missing_key, "JSON message lacks a required key")                               \
    _(json_bad_type, "JSON key has the wrong type")                                        \
    _(json_bad_timestamp, "JSON ts is neither RFC 3339 nor epoch milliseconds")           \
    _(json_bad_amount, "JSON amount is not a non-negative decimal in range")              \
    _(json_bad_channel, "JSON channel is not pos, ecom or atm")                            \
    /* shared field checks */                                                              \
    _(bad_pan, "PAN is not 12-19 digits with a valid Luhn check digit")                    \
    _(unknown_currency, "currency is not an ISO 4217 code")                                \
    /* JSON numbers (RFC 8259) */                                                          \
    _(json_bad_number, "JSON number breaks RFC 8259 grammar (a leading zero: 00012)")      \
    _(json_numeric_string, "JSON number sent as a string (amount \"19.99\", ts \"17...\")")

enum class reject_reason : uint8_t {
#define TXSCREEN_REJECT_ENUM(name, text) name,
    TXSCREEN_FOREACH_REJECT(TXSCREEN_REJECT_ENUM)
#undef TXSCREEN_REJECT_ENUM
};

struct reject_info {
    std::string_view name;         // stable identifier: metrics label, spool and Kafka field
    std::string_view description;  // for people: logs, docs, check output
};

inline constexpr std::array reject_table = {
#define TXSCREEN_REJECT_INFO(name, text) reject_info{#name, text},
    TXSCREEN_FOREACH_REJECT(TXSCREEN_REJECT_INFO)
#undef TXSCREEN_REJECT_INFO
};

inline constexpr std::size_t reject_reason_count = reject_table.size();

// Returns the stable name of `r` ("iso_bad_bitmap"; "none" for reject_reason::none).
constexpr std::string_view reject_name(reject_reason r) noexcept {
    return reject_table[static_cast<std::size_t>(r)].name;
}
constexpr std::string_view reject_description(reject_reason r) noexcept {
    return reject_table[static_cast<std::size_t>(r)].description;
}

}  // namespace txscreen
