// How ISO 8583 messages are delimited on a TCP byte stream: a length prefix (2 bytes
// big-endian, 2 bytes little-endian or 4 ASCII digits) counting what follows it, then
// `header_bytes` of network header (a TPDU...) and the message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace txscreen::txgen {

enum class stream_framing : uint8_t { len2be, len2le, len4ascii };

// Parses "len2be" / "len2le" / "len4ascii"; false when unknown.
bool parse_stream_framing(std::string_view name, stream_framing& out) noexcept;
std::string_view stream_framing_name(stream_framing f) noexcept;
// Bytes of the length prefix.
std::size_t length_prefix_bytes(stream_framing f) noexcept;
// Largest value the prefix can hold (65535 or 9999).
std::size_t max_framed_length(stream_framing f) noexcept;

// Appends prefix + header + message to `out`. The length counts header and message.
// The header is 0x60 then zeros (a TPDU's ID byte), so it never looks like a length.
// Throws std::runtime_error when header + message exceed max_framed_length().
void append_framed(std::vector<uint8_t>& out, const uint8_t* msg, std::size_t len, stream_framing f,
                   std::size_t header_bytes);

}  // namespace txscreen::txgen
