// One parsed TCP segment, as the flow tracker takes it: endpoints, sequence and
// acknowledgement numbers, flags and the payload (pointing into the frame, no copy).
// parse_tcp finishes feed/packet.h's parse_l4 for proto == ip_proto_tcp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "feed/packet.h"

namespace txscreen {

namespace tcp_flag {
inline constexpr uint8_t fin = 0x01;
inline constexpr uint8_t syn = 0x02;
inline constexpr uint8_t rst = 0x04;
inline constexpr uint8_t psh = 0x08;
inline constexpr uint8_t ack = 0x10;
}  // namespace tcp_flag

struct tcp_segment {
    const uint8_t* src_addr;  // 4 bytes when addr_len == 4, else 16
    const uint8_t* dst_addr;
    const uint8_t* payload;
    uint32_t payload_len;
    uint32_t seq;
    uint32_t ack;
    uint16_t src_port;
    uint16_t dst_port;
    uint16_t vlan;
    uint8_t flags;     // tcp_flag bits
    uint8_t addr_len;  // 4 (IPv4) or 16 (IPv6)
};

inline uint32_t load_be32(const uint8_t* q) noexcept {
    return uint32_t{q[0]} << 24 | uint32_t{q[1]} << 16 | uint32_t{q[2]} << 8 | q[3];
}

// The TCP segment of an l4_view with proto == ip_proto_tcp. Options are skipped.
inline packet_drop parse_tcp(const l4_view& v, tcp_segment& out) noexcept {
    if (v.l4_len < 20) [[unlikely]]
        return packet_drop::truncated_tcp;
    const std::size_t header = (v.l4[12] >> 4) * 4u;
    if (header < 20 || header > v.l4_len) [[unlikely]]
        return packet_drop::bad_tcp_header;
    out.src_addr = v.src_addr;
    out.dst_addr = v.dst_addr;
    out.addr_len = v.ip_version == 4 ? 4 : 16;
    out.vlan = v.vlan;
    out.src_port = load_be16(v.l4);
    out.dst_port = load_be16(v.l4 + 2);
    out.seq = load_be32(v.l4 + 4);
    out.ack = load_be32(v.l4 + 8);
    out.flags = v.l4[13] & 0x3f;
    out.payload = v.l4 + header;
    out.payload_len = v.l4_len - static_cast<uint32_t>(header);
    return packet_drop::none;
}

// Serial-number arithmetic (RFC 1982) on 32-bit sequence numbers: a is before b.
constexpr bool seq_lt(uint32_t a, uint32_t b) noexcept { return static_cast<int32_t>(a - b) < 0; }
constexpr bool seq_le(uint32_t a, uint32_t b) noexcept { return static_cast<int32_t>(a - b) <= 0; }

}  // namespace txscreen
