#include "tools/txgen/tcp_frame.h"

#include <cstring>

#include "tools/txgen/wire_bytes.h"

namespace txscreen::txgen {

namespace {

constexpr uint8_t client_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr uint8_t server_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
constexpr uint8_t ip_proto_tcp = 6;
constexpr uint16_t tcp_window = 64240;

// Ethernet header (+ 802.1Q tag); returns the bytes written.
std::size_t put_ethernet(uint8_t* e, const tcp_endpoints& ends, bool from_client) {
    std::memcpy(e, from_client ? server_mac : client_mac, 6);
    std::memcpy(e + 6, from_client ? client_mac : server_mac, 6);
    std::size_t at = 12;
    if (ends.vlan != 0) {
        put16(e + at, 0x8100);
        put16(e + at + 2, ends.vlan);  // PCP 0, DEI 0
        at += 4;
    }
    put16(e + at, ends.ipv6 ? 0x86dd : 0x0800);
    return at + 2;
}

// IP header for `l4_len` bytes of TCP; returns the one's-complement sum of the TCP
// pseudo-header.
uint32_t put_ip(uint8_t* ip, const tcp_endpoints& ends, bool from_client, std::size_t l4_len, uint16_t ip_id) {
    if (ends.ipv6) {
        put32(ip, 0x60000000);  // version 6, traffic class 0, flow label 0
        put16(ip + 4, static_cast<uint16_t>(l4_len));
        ip[6] = ip_proto_tcp;
        ip[7] = 64;
        std::memcpy(ip + 8, (from_client ? ends.client_ip6 : ends.server_ip6).data(), 16);
        std::memcpy(ip + 24, (from_client ? ends.server_ip6 : ends.client_ip6).data(), 16);
        return ones_sum(ip + 8, 32, 0) + static_cast<uint32_t>(l4_len) + ip_proto_tcp;
    }
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, static_cast<uint16_t>(20 + l4_len));
    put16(ip + 4, ip_id);
    put16(ip + 6, 0x4000);  // don't fragment, as TCP stacks send
    ip[8] = 64;
    ip[9] = ip_proto_tcp;
    put16(ip + 10, 0);
    put32(ip + 12, from_client ? ends.client_ip4 : ends.server_ip4);
    put32(ip + 16, from_client ? ends.server_ip4 : ends.client_ip4);
    put16(ip + 10, fold(ones_sum(ip, 20, 0)));
    return ones_sum(ip + 12, 8, 0) + static_cast<uint32_t>(l4_len) + ip_proto_tcp;
}

}  // namespace

void build_tcp_frame(std::vector<uint8_t>& out, const tcp_endpoints& ends, const tcp_header_fields& h,
                     const uint8_t* payload, std::size_t n, uint16_t ip_id) {
    const std::size_t tcp_hdr = h.mss_option ? 24 : 20;
    const std::size_t ip_hdr = ends.ipv6 ? 40 : 20;
    const std::size_t eth_hdr = ends.vlan ? 18 : 14;
    out.assign(eth_hdr + ip_hdr + tcp_hdr + n, 0);
    uint8_t* p = out.data();
    p += put_ethernet(p, ends, h.from_client);
    const uint32_t pseudo = put_ip(p, ends, h.from_client, tcp_hdr + n, ip_id);
    uint8_t* tcp = p + ip_hdr;
    put16(tcp, h.from_client ? h.client_port : ends.server_port);
    put16(tcp + 2, h.from_client ? ends.server_port : h.client_port);
    put32(tcp + 4, h.seq);
    put32(tcp + 8, h.ack);
    tcp[12] = static_cast<uint8_t>((tcp_hdr / 4) << 4);
    tcp[13] = h.flags;
    put16(tcp + 14, tcp_window);
    if (h.mss_option) {
        tcp[20] = 2;  // kind MSS
        tcp[21] = 4;
        put16(tcp + 22, h.mss_option);
    }
    if (n) std::memcpy(tcp + tcp_hdr, payload, n);
    put16(tcp + 16, fold(ones_sum(tcp, tcp_hdr + n, pseudo)));
}

}  // namespace txscreen::txgen
