// L2-L4 parsing for the rx stage: Ethernet, up to two 802.1Q/802.1ad tags, IPv4 or IPv6,
// UDP. Works on plain bytes (an mbuf's data) so it is unit-testable without EAL. Every
// packet that does not yield a UDP payload gets a reason from one declared list, and
// the rx stage counts it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace txscreen {

#define TXSCREEN_FOREACH_PACKET_DROP(_)                                   \
    _(none, "UDP payload found")                                          \
    _(truncated_l2, "shorter than an Ethernet header (with its tags)")    \
    _(not_ip, "EtherType is neither IPv4 nor IPv6 (ARP, LLDP, ...)")      \
    _(truncated_l3, "shorter than its IP header")                         \
    _(bad_ip_header, "IP version, header length or total length invalid") \
    _(ip_fragment, "IPv4 fragment or IPv6 fragment header")               \
    _(not_udp, "IP protocol is not UDP")                                  \
    _(truncated_l4, "shorter than its UDP header")                        \
    _(bad_udp_length, "UDP length disagrees with the IP payload")         \
    _(oversized, "frame larger than the 9216-byte linearisation buffer")  \
    _(not_feed, "UDP destination port/VLAN names no configured feed")

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

struct udp_view {
    const uint8_t* payload;
    uint16_t payload_len;
    uint16_t dst_port;
    uint16_t src_port;
    uint16_t vlan;  // innermost VLAN id, 0 when untagged
};

// Parses one frame. On success returns none and fills `out`; otherwise returns why.
// Trailing Ethernet padding after the IP datagram is ignored (IP total length rules).
inline packet_drop parse_udp(const uint8_t* p, std::size_t n, udp_view& out) noexcept {
    auto be16 = [](const uint8_t* q) { return static_cast<uint16_t>(q[0] << 8 | q[1]); };
    if (n < 14) [[unlikely]]
        return packet_drop::truncated_l2;
    std::size_t off = 12;
    uint16_t type = be16(p + off);
    out.vlan = 0;
    for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; ++tags) {
        if (n < off + 6) [[unlikely]]
            return packet_drop::truncated_l2;
        out.vlan = be16(p + off + 2) & 0x0fff;
        off += 4;
        type = be16(p + off);
    }
    off += 2;
    const uint8_t* l4;
    std::size_t l4_len;
    if (type == 0x0800) {
        if (n < off + 20) [[unlikely]]
            return packet_drop::truncated_l3;
        const uint8_t* ip = p + off;
        std::size_t ihl = (ip[0] & 0x0f) * 4u;
        std::size_t total = be16(ip + 2);
        if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl) [[unlikely]]
            return packet_drop::bad_ip_header;
        if (n < off + total) [[unlikely]]
            return packet_drop::truncated_l3;
        // More-fragments flag or a non-zero offset: reassembly is not done on this path.
        if ((be16(ip + 6) & 0x3fff) != 0) [[unlikely]]
            return packet_drop::ip_fragment;
        if (ip[9] != 17) [[unlikely]]
            return packet_drop::not_udp;
        l4 = ip + ihl;
        l4_len = total - ihl;
    } else if (type == 0x86dd) {
        if (n < off + 40) [[unlikely]]
            return packet_drop::truncated_l3;
        const uint8_t* ip = p + off;
        if ((ip[0] >> 4) != 6) [[unlikely]]
            return packet_drop::bad_ip_header;
        std::size_t plen = be16(ip + 4);
        if (n < off + 40 + plen) [[unlikely]]
            return packet_drop::truncated_l3;
        uint8_t next = ip[6];
        if (next == 44) [[unlikely]]
            return packet_drop::ip_fragment;
        // Extension headers other than fragments are rare on feed links: not parsed.
        if (next != 17) [[unlikely]]
            return packet_drop::not_udp;
        l4 = ip + 40;
        l4_len = plen;
    } else {
        return packet_drop::not_ip;
    }
    if (l4_len < 8) [[unlikely]]
        return packet_drop::truncated_l4;
    std::size_t ulen = be16(l4 + 4);
    if (ulen < 8 || ulen > l4_len) [[unlikely]]
        return packet_drop::bad_udp_length;
    out.src_port = be16(l4);
    out.dst_port = be16(l4 + 2);
    out.payload = l4 + 8;
    out.payload_len = static_cast<uint16_t>(ulen - 8);
    return packet_drop::none;
}

}  // namespace txscreen
