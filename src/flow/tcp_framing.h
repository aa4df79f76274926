// Message framing on a TCP stream: each ISO 8583 message travels behind a length
// prefix (`len2be` 2-byte big-endian, the default; `len2le`; `len4ascii` 4 ASCII
// digits), optionally followed by `header_bytes` of TPDU/network header. The length
// counts header + message; the message delivered excludes prefix and header. A length
// of 0 (nothing after the header) or one whose message exceeds max_message is bad.
//
// check_boundary is the resync test after a gap or a mid-stream pickup: a plausible
// length, then a valid MTI in the feed dialect's encoding (after its header bytes, if
// any: version 0-2, class 1-8, function 0-5, origin 0-5) and a non-empty bitmap valid
// for the dialect (8 binary bytes, or 16 hex characters); then the message's fields
// must fill the frame exactly (the decoder's field walk: it needs the whole frame, so
// a candidate is undecided until then). Payload is ISO 8583 only (JSON over TCP has
// no length-prefix convention to hunt for).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "codec/iso8583.h"
#include "codec/iso_wire.h"

namespace txscreen {

enum class tcp_framing_kind : uint8_t { len2be = 0, len2le = 1, len4ascii = 2 };

// Parses "len2be" / "len2le" / "len4ascii"; false when unknown.
bool parse_tcp_framing(std::string_view name, tcp_framing_kind& out) noexcept;
std::string_view tcp_framing_name(tcp_framing_kind k) noexcept;

enum class boundary_check : uint8_t { no, yes, need_more };

struct tcp_framing {
    tcp_framing_kind kind = tcp_framing_kind::len2be;
    uint16_t header_bytes = 0;
    uint32_t max_message = 8192;
    const iso_wire* wire = nullptr;  // the feed's compiled dialect (never null once configured)

    uint32_t prefix_bytes() const noexcept { return kind == tcp_framing_kind::len4ascii ? 4 : 2; }
    uint32_t max_frame() const noexcept { return prefix_bytes() + header_bytes + max_message; }
    // The length (header + message) announced by the prefix at p (prefix_bytes() long);
    // 0 when a len4ascii prefix holds a non-digit.
    uint32_t read_length(const uint8_t* p) const noexcept;
    bool length_ok(uint32_t len) const noexcept { return len > header_bytes && len - header_bytes <= max_message; }
    // Whether a frame plausibly starts at p, given the `avail` bytes from p on.
    // `walks` counts the candidates that needed the field-structure walk (the costly
    // part: hunting bounds it per segment).
    boundary_check check_boundary(const uint8_t* p, std::size_t avail, unsigned& walks) const noexcept;
    boundary_check check_boundary(const uint8_t* p, std::size_t avail) const noexcept {
        unsigned walks = 0;
        return check_boundary(p, avail, walks);
    }
    // nullptr when usable, else what is wrong (the prefix cannot express the lengths).
    const char* invalid_reason() const noexcept;

private:
    boundary_check check_one(const uint8_t* p, std::size_t avail, uint32_t& len) const noexcept;
};

// ---- builder (txgen, tests)

// Appends length prefix + header + message for `f` to `out`: the length counts header
// and message; the header is 0x60 then zeros (a TPDU's ID byte, so it never reads as
// a length). Throws std::length_error when the prefix cannot express the length.
void append_tcp_frame(std::vector<uint8_t>& out, const uint8_t* msg, std::size_t len, const tcp_framing& f);

// ISO 8583 MTI / primary bitmap plausibility for the feed's dialect: `msg` is the
// message start (the dialect's own header bytes included, `avail` bytes readable), `p`
// the primary bitmap (8 bytes binary or 16 hex characters). Whether a message's fields
// fill it exactly is iso_structure_fits (codec/iso_wire.h).
bool iso_mti_plausible(const uint8_t* msg, std::size_t avail, const iso_wire& w) noexcept;
bool iso_bitmap_plausible(const uint8_t* p, const iso_wire& w) noexcept;
inline uint32_t iso_mti_bytes(const iso_wire& w) noexcept { return w.mti_bytes; }
inline uint32_t iso_bitmap_bytes(const iso_wire& w) noexcept { return w.bitmap_bytes; }

}  // namespace txscreen
