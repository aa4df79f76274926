// L2-L4 parsing for the rx stage: Ethernet, up to two 802.1Q/802.1ad tags, IPv4 or IPv6,
// then UDP or TCP. Works on plain bytes (an mbuf's data) so it is unit-testable without
// EAL. parse_l4 does the one L2/L3 walk both transports share; parse_udp and parse_tcp
// (flow/tcp_segment.h) finish it. Every packet that yields no UDP payload or TCP segment
// gets a reason from one declared list, and the rx stage counts it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace txscreen {

// Names are metric labels: `not_udp` keeps its name although TCP now passes too.
#define TXSCREEN_FOREACH_PACKET_DROP(_)                                   \
    _(none, "UDP payload or TCP segment found")                           \
    _(truncated_l2, "shorter than an Ethernet header (with its tags)")    \
    _(not_ip, "EtherType is neither IPv4 nor IPv6 (ARP, LLDP, ...)")      \
    _(truncated_l3, "shorter than its IP header")                         \
    _(bad_ip_header, "IP version, header length or total length invalid") \
    _(ip_fragment, "IPv4 fragment or IPv6 fragment header")               \
    _(not_udp, "IP protocol is neither UDP nor TCP")                      \
    _(truncated_l4, "shorter than its UDP header")                        \
    _(bad_udp_length, "UDP length disagrees with the IP payload")         \
    _(truncated_tcp, "shorter than its TCP header")                       \
    _(bad_tcp_header, "TCP data offset below 20 bytes or past the IP payload") \
    _(oversized, "frame larger than the 9216-byte linearisation buffer")  \
    _(not_feed, "destination port/VLAN names no configured feed")

enum class packet_drop : uint8_t {
#define TXSCREEN_PACKET_DROP_ENUM(name, text) name,
    TXSCREEN_FOREACH_PACKET_DROP(TXSCREEN_PACKET_DROP_ENUM)
#undef TXSCREEN_PACKET_DROP_ENUM
};

inline constexpr std::array packet_drop_names = {
#define TXSCREEN_PACKET_DROP_NAME(name, text) std::string_view{#name},
    TXSCREEN_FOREACH_PACKET_DROP(TXSCREEN_PACKET_DROP_NAME)
#undef TXSCREEN_PACKET_DROP_NAME
};
inline constexpr std::size_t packet_drop_count = packet_drop_names.size();

constexpr std::string_view packet_drop_name(packet_drop d) noexcept {
    return packet_drop_names[static_cast<std::size_t>(d)];
}

inline constexpr uint8_t ip_proto_tcp = 6;
inline constexpr uint8_t ip_proto_udp = 17;

// One frame's layer 3/4: where the transport header starts and what it belongs to.
struct l4_view {
    const uint8_t* l4;        // transport header (UDP or TCP)
    const uint8_t* src_addr;  // 4 bytes (IPv4) or 16 (IPv6), inside the frame
    const uint8_t* dst_addr;
    uint16_t l4_len;          // bytes from l4 to the end of the IP payload
    uint16_t vlan;            // innermost VLAN id, 0 when untagged
    uint8_t ip_version;       // 4 or 6
    uint8_t proto;            // ip_proto_udp or ip_proto_tcp
};

struct udp_view {
    const uint8_t* payload;
    uint16_t payload_len;
    uint16_t dst_port;
    uint16_t src_port;
    uint16_t vlan;  // innermost VLAN id, 0 when untagged
};

inline uint16_t load_be16(const uint8_t* q) noexcept { return static_cast<uint16_t>(q[0] << 8 | q[1]); }

// Walks L2 and L3 of one frame. On success returns none and fills `out` (proto is UDP
// or TCP); otherwise returns why. Trailing Ethernet padding after the IP datagram is
// ignored (IP total length rules).
inline packet_drop parse_l4(const uint8_t* p, std::size_t n, l4_view& out) noexcept {
    if (n < 14) [[unlikely]]
        return packet_drop::truncated_l2;
    std::size_t off = 12;
    uint16_t type = load_be16(p + off);
    out.vlan = 0;
    for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; ++tags) {
        if (n < off + 6) [[unlikely]]
            return packet_drop::truncated_l2;
        out.vlan = load_be16(p + off + 2) & 0x0fff;
        off += 4;
        type = load_be16(p + off);
    }
    off += 2;
    uint8_t proto;
    if (type == 0x0800) {
        if (n < off + 20) [[unlikely]]
            return packet_drop::truncated_l3;
        const uint8_t* ip = p + off;
        std::size_t ihl = (ip[0] & 0x0f) * 4u;
        std::size_t total = load_be16(ip + 2);
        if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl) [[unlikely]]
            return packet_drop::bad_ip_header;
        if (n < off + total) [[unlikely]]
            return packet_drop::truncated_l3;
        // More-fragments flag or a non-zero offset: reassembly is not done on this path.
        if ((load_be16(ip + 6) & 0x3fff) != 0) [[unlikely]]
            return packet_drop::ip_fragment;
        proto = ip[9];
        out.ip_version = 4;
        out.src_addr = ip + 12;
        out.dst_addr = ip + 16;
        out.l4 = ip + ihl;
        out.l4_len = static_cast<uint16_t>(total - ihl);
    } else if (type == 0x86dd) {
        if (n < off + 40) [[unlikely]]
            return packet_drop::truncated_l3;
        const uint8_t* ip = p + off;
        if ((ip[0] >> 4) != 6) [[unlikely]]
            return packet_drop::bad_ip_header;
        std::size_t plen = load_be16(ip + 4);
        if (n < off + 40 + plen) [[unlikely]]
            return packet_drop::truncated_l3;
        proto = ip[6];
        if (proto == 44) [[unlikely]]
            return packet_drop::ip_fragment;
        // Extension headers other than fragments are rare on feed links: not parsed.
        out.ip_version = 6;
        out.src_addr = ip + 8;
        out.dst_addr = ip + 24;
        out.l4 = ip + 40;
        out.l4_len = static_cast<uint16_t>(plen);
    } else {
        return packet_drop::not_ip;
    }
    if (proto != ip_proto_udp && proto != ip_proto_tcp) [[unlikely]]
        return packet_drop::not_udp;
    out.proto = proto;
    return packet_drop::none;
}

// The UDP datagram of an l4_view with proto == ip_proto_udp.
inline packet_drop udp_of(const l4_view& v, udp_view& out) noexcept {
    if (v.l4_len < 8) [[unlikely]]
        return packet_drop::truncated_l4;
    std::size_t ulen = load_be16(v.l4 + 4);
    if (ulen < 8 || ulen > v.l4_len) [[unlikely]]
        return packet_drop::bad_udp_length;
    out.src_port = load_be16(v.l4);
    out.dst_port = load_be16(v.l4 + 2);
    out.payload = v.l4 + 8;
    out.payload_len = static_cast<uint16_t>(ulen - 8);
    out.vlan = v.vlan;
    return packet_drop::none;
}

// Parses one frame as UDP. On success returns none and fills `out`; otherwise returns
// why (a TCP frame is not_udp here).
inline packet_drop parse_udp(const uint8_t* p, std::size_t n, udp_view& out) noexcept {
    l4_view v;
    packet_drop d = parse_l4(p, n, v);
    if (d != packet_drop::none) [[unlikely]]
        return d;
    if (v.proto != ip_proto_udp) [[unlikely]]
        return packet_drop::not_udp;
    return udp_of(v, out);
}

}  // namespace txscreen
