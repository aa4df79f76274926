// Builds one captured TCP segment as an Ethernet frame: optional 802.1Q tag, IPv4 or
// IPv6, TCP (with an MSS option on SYNs), correct lengths and checksums.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace txscreen::txgen {

enum tcp_flag : uint8_t { tcp_fin = 0x01, tcp_syn = 0x02, tcp_rst = 0x04, tcp_psh = 0x08, tcp_ack = 0x10 };

struct tcp_endpoints {
    bool ipv6 = false;
    uint16_t vlan = 0;                 // 802.1Q VLAN id, 0 = untagged
    uint32_t client_ip4 = 0x0a000001;  // 10.0.0.1
    uint32_t server_ip4 = 0x0a000002;  // 10.0.0.2
    std::array<uint8_t, 16> client_ip6 = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};  // fd00::1
    std::array<uint8_t, 16> server_ip6 = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};  // fd00::2
    uint16_t server_port = 8583;
};

struct tcp_header_fields {
    bool from_client;
    uint16_t client_port;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t mss_option = 0;  // > 0: carry the MSS option (SYN, SYN-ACK)
};

// Replaces `out` with the frame. `ip_id` is the IPv4 identification (unused for IPv6).
void build_tcp_frame(std::vector<uint8_t>& out, const tcp_endpoints& ends, const tcp_header_fields& h,
                     const uint8_t* payload, std::size_t n, uint16_t ip_id);

}  // namespace txscreen::txgen
