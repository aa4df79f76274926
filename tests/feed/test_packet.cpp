#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "feed/packet.h"

using namespace txscreen;

namespace {

// Builds Ethernet [+ VLAN tags] + IPv4 + UDP around `payload`.
std::vector<uint8_t> ipv4_udp(uint16_t dport, std::vector<uint8_t> payload, int vlans = 0, uint16_t frag = 0,
                              uint8_t proto = 17) {
    std::vector<uint8_t> f(12, 0xaa);
    for (int i = 0; i < vlans; ++i) {
        f.insert(f.end(), {0x81, 0x00, 0x00, static_cast<uint8_t>(100 + i)});
    }
    f.insert(f.end(), {0x08, 0x00});
    uint16_t total = static_cast<uint16_t>(20 + 8 + payload.size());
    f.insert(f.end(), {0x45, 0, static_cast<uint8_t>(total >> 8), static_cast<uint8_t>(total), 0, 1,
                       static_cast<uint8_t>(frag >> 8), static_cast<uint8_t>(frag), 64, proto, 0, 0, 10, 0, 0, 1,
                       10, 0, 0, 2});
    uint16_t ulen = static_cast<uint16_t>(8 + payload.size());
    f.insert(f.end(), {0x30, 0x39, static_cast<uint8_t>(dport >> 8), static_cast<uint8_t>(dport),
                       static_cast<uint8_t>(ulen >> 8), static_cast<uint8_t>(ulen), 0, 0});
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

}  // namespace

TEST_CASE("IPv4/UDP frames yield their payload, port and VLAN", "[unit][packet]") {
    udp_view v{};
    auto f = ipv4_udp(7001, {1, 2, 3, 4, 5});
    REQUIRE(parse_udp(f.data(), f.size(), v) == packet_drop::none);
    CHECK(v.dst_port == 7001);
    CHECK(v.src_port == 12345);
    CHECK(v.vlan == 0);
    CHECK(v.payload_len == 5);
    CHECK(std::memcmp(v.payload, "\x01\x02\x03\x04\x05", 5) == 0);

    auto q = ipv4_udp(7002, {9}, 2);
    REQUIRE(parse_udp(q.data(), q.size(), v) == packet_drop::none);
    CHECK(v.vlan == 101);  // innermost tag
    CHECK(v.dst_port == 7002);

    // Ethernet padding after a short datagram is ignored.
    auto padded = ipv4_udp(7001, {7});
    padded.resize(60, 0);
    REQUIRE(parse_udp(padded.data(), padded.size(), v) == packet_drop::none);
    CHECK(v.payload_len == 1);
}

TEST_CASE("IPv6/UDP frames are parsed", "[unit][packet]") {
    std::vector<uint8_t> f(12, 0xbb);
    f.insert(f.end(), {0x86, 0xdd, 0x60, 0, 0, 0, 0, 11, 17, 64});
    f.insert(f.end(), 32, 0);  // addresses
    f.insert(f.end(), {0, 1, 0x1b, 0x59, 0, 11, 0, 0, 'a', 'b', 'c'});
    udp_view v{};
    REQUIRE(parse_udp(f.data(), f.size(), v) == packet_drop::none);
    CHECK(v.dst_port == 7001);
    CHECK(v.payload_len == 3);
    f[20] = 44;  // next header: fragment
    CHECK(parse_udp(f.data(), f.size(), v) == packet_drop::ip_fragment);
}

TEST_CASE("every malformed frame gets its drop reason", "[unit][packet]") {
    udp_view v{};
    auto good = ipv4_udp(7001, {1, 2, 3});
    CHECK(parse_udp(good.data(), 10, v) == packet_drop::truncated_l2);
    CHECK(parse_udp(good.data(), 20, v) == packet_drop::truncated_l3);
    CHECK(parse_udp(good.data(), good.size() - 1, v) == packet_drop::truncated_l3);

    auto arp = good;
    arp[12] = 0x08, arp[13] = 0x06;
    CHECK(parse_udp(arp.data(), arp.size(), v) == packet_drop::not_ip);

    auto badver = good;
    badver[14] = 0x65;
    CHECK(parse_udp(badver.data(), badver.size(), v) == packet_drop::bad_ip_header);
    auto badihl = good;
    badihl[14] = 0x44;
    CHECK(parse_udp(badihl.data(), badihl.size(), v) == packet_drop::bad_ip_header);

    auto mf = ipv4_udp(7001, {1}, 0, 0x2000);
    CHECK(parse_udp(mf.data(), mf.size(), v) == packet_drop::ip_fragment);
    auto off = ipv4_udp(7001, {1}, 0, 0x0010);
    CHECK(parse_udp(off.data(), off.size(), v) == packet_drop::ip_fragment);

    auto tcp = ipv4_udp(7001, {1}, 0, 0, 6);
    CHECK(parse_udp(tcp.data(), tcp.size(), v) == packet_drop::not_udp);

    auto longudp = good;
    longudp[14 + 20 + 5] = 200;  // UDP length beyond the IP payload
    CHECK(parse_udp(longudp.data(), longudp.size(), v) == packet_drop::bad_udp_length);

    // IP total length too short for a UDP header.
    auto short4 = good;
    short4[14 + 2] = 0, short4[14 + 3] = 24;
    CHECK(parse_udp(short4.data(), short4.size(), v) == packet_drop::truncated_l4);

    CHECK(packet_drop_name(packet_drop::ip_fragment) == "ip_fragment");
}

TEST_CASE("parse_l4 gives UDP and TCP alike their addresses, protocol and VLAN", "[unit][packet]") {
    l4_view v{};
    auto udp = ipv4_udp(7001, {1, 2}, 1);
    REQUIRE(parse_l4(udp.data(), udp.size(), v) == packet_drop::none);
    CHECK(v.proto == ip_proto_udp);
    CHECK(v.ip_version == 4);
    CHECK(v.vlan == 100);
    CHECK(v.src_addr[3] == 1);
    CHECK(v.dst_addr[3] == 2);
    CHECK(v.l4_len == 8 + 2);

    auto tcp = ipv4_udp(7001, {1}, 0, 0, 6);  // IPv4 protocol 6: parse_l4 passes it on
    REQUIRE(parse_l4(tcp.data(), tcp.size(), v) == packet_drop::none);
    CHECK(v.proto == ip_proto_tcp);
    auto icmp = ipv4_udp(7001, {1}, 0, 0, 1);
    CHECK(parse_l4(icmp.data(), icmp.size(), v) == packet_drop::not_udp);
    udp_view u{};
    CHECK(parse_udp(tcp.data(), tcp.size(), u) == packet_drop::not_udp);

    std::vector<uint8_t> f6(12, 0xbb);
    f6.insert(f6.end(), {0x86, 0xdd, 0x60, 0, 0, 0, 0, 20, 6, 64});
    for (uint8_t i = 0; i < 32; ++i) f6.push_back(i);  // source 0..15, destination 16..31
    f6.insert(f6.end(), 20, 0);
    REQUIRE(parse_l4(f6.data(), f6.size(), v) == packet_drop::none);
    CHECK(v.ip_version == 6);
    CHECK(v.proto == ip_proto_tcp);
    CHECK(v.src_addr[15] == 15);
    CHECK(v.dst_addr[0] == 16);
    CHECK(v.l4_len == 20);
}
