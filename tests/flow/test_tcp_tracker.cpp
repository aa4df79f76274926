// Flow lifecycle, table pressure and feed lookup.
#include <catch2/catch.hpp>

#include "feed/packet.h"
#include "test_tcp_support.h"

using namespace txscreen;
using namespace txscreen::tcptest;

namespace {

// Sends one whole message from the client of `c` (after a handshake when `syn`).
void one_message(session& t, connection c, unsigned i, bool syn = true) {
    const framed_stream s = make_stream({}, i, 1);
    if (syn) {
        t.put(c.segment(true, c.client_isn, tcp_flag::syn), true);
        t.put(c.segment(false, c.server_isn, tcp_flag::syn | tcp_flag::ack, nullptr, 0, c.client_isn + 1), false);
    }
    t.put(c.segment(true, c.client_isn + 1, tcp_flag::ack | tcp_flag::psh, s.bytes.data(),
                    static_cast<uint32_t>(s.bytes.size()), c.server_isn + 1),
          true);
}

}  // namespace

TEST_CASE("FINs from both sides close the flow once; a new SYN starts a new incarnation", "[unit][tcp]") {
    session t;
    t.handshake();
    one_message(t, t.conn, 1, false);
    const uint32_t end = t.conn.client_isn + 1 + static_cast<uint32_t>(make_stream({}, 1, 1).bytes.size());
    t.put(t.conn.segment(true, end, tcp_flag::fin | tcp_flag::ack), true);
    CHECK(t.rec.closed.empty());
    t.put(t.conn.segment(false, t.conn.server_isn + 1, tcp_flag::fin | tcp_flag::ack), false);
    REQUIRE(t.rec.closed.size() == 1);
    CHECK(t.rec.closed[0] == t.rec.messages[0].flow_id);
    CHECK(t.c().connections_closed == 1);
    // A late retransmit is a duplicate, not a new flow.
    one_message(t, t.conn, 1, false);
    CHECK(t.rec.messages.size() == 1);
    CHECK(t.c().connections_opened == 1);
    // Port reuse: a new SYN with another ISN is a new connection with a new id.
    connection again = t.conn;
    again.client_isn = 77777;
    one_message(t, again, 2);
    REQUIRE(t.rec.messages.size() == 2);
    CHECK(t.rec.messages[1].flow_id != t.rec.messages[0].flow_id);
    CHECK(t.c().connections_opened == 2);
    CHECK(t.tracker.flows() == 1);
    check_identity(t.tracker);
}

TEST_CASE("idle flows expire with their partial message; lingering ones go quietly", "[unit][tcp]") {
    tcp_tracker_config cfg = config_for({}, 8);
    cfg.idle_timeout_ns = 1000;
    cfg.syn_timeout_ns = 100;
    cfg.closed_linger_ns = 50;
    session t(cfg);
    t.handshake();
    const framed_stream s = make_stream({}, 1, 2);
    t.send(true, s.bytes, 0, s.starts[1] + 4);
    connection half = t.conn;
    half.client_port = 40001;
    t.put(half.segment(true, 1, tcp_flag::syn), true);  // never answered
    CHECK(t.tracker.flows() == 2);
    t.now += 200;  // past the SYN timeout only
    t.tracker.expire(t.now, t.rec);
    CHECK(t.tracker.flows() == 1);
    CHECK(t.c().connections_timed_out == 1);
    t.now += 1000;
    t.tracker.expire(t.now, t.rec);
    CHECK(t.tracker.flows() == 0);
    CHECK(t.c().connections_timed_out == 2);
    CHECK(t.c().partial_messages_dropped == 1);
    CHECK(t.rec.closed.size() == 2);
    CHECK(t.c().connections_opened == t.c().connections_closed);
    check_identity(t.tracker);
}

TEST_CASE("a SYN flood into a full table does not evict established flows", "[unit][tcp]") {
    session t({}, 16);
    std::vector<connection> live;
    auto establish = [&](uint16_t i) {
        connection c;
        c.client_port = static_cast<uint16_t>(30000 + i);
        one_message(t, c, i);
        live.push_back(c);
    };
    uint32_t spoofed = 0;
    auto flood = [&](uint32_t n) {
        for (uint32_t end = spoofed + n; spoofed < end; ++spoofed) {  // spoofed SYNs, never answered
            connection c;
            c.client_addr[2] = static_cast<uint8_t>(spoofed >> 8), c.client_addr[3] = static_cast<uint8_t>(spoofed);
            c.client_port = static_cast<uint16_t>(1024 + spoofed % 60000);
            t.put(c.segment(true, spoofed, tcp_flag::syn), true);
        }
    };
    for (uint16_t i = 0; i < 12; ++i) establish(i);
    flood(5000);
    CHECK(t.tracker.flows() == 16);
    // The 4 free entries took SYNs; each later SYN evicted an older half-open flow.
    CHECK(t.c().connections_evicted == 5000 - 4);
    CHECK(t.c().connections_refused == 0);
    // New real connections still get in (they evict half-open flows), until every
    // entry holds an established flow: then SYNs are refused.
    for (uint16_t i = 12; i < 16; ++i) establish(i);
    CHECK(t.rec.messages.size() == 16);
    flood(1000);
    CHECK(t.c().connections_refused == 1000);
    CHECK(t.tracker.flows() == 16);
    // Every established connection is still followed: its next message decodes in place.
    for (std::size_t i = 0; i < live.size(); ++i) {
        const framed_stream first = make_stream({}, static_cast<unsigned>(i), 1);
        const framed_stream next = make_stream({}, 100, 1);
        t.put(live[i].segment(true, live[i].client_isn + 1 + static_cast<uint32_t>(first.bytes.size()), tcp_flag::ack,
                              next.bytes.data(), static_cast<uint32_t>(next.bytes.size())),
              true);
    }
    CHECK(t.rec.messages.size() == 32);
    CHECK(t.c().resyncs == 0);
    // A data segment of an unknown connection evicts the least recently seen flow.
    connection pickup;
    pickup.client_port = 29999;
    const uint64_t evicted = t.c().connections_evicted;
    one_message(t, pickup, 7, false);
    CHECK(t.rec.messages.size() == 33);
    CHECK(t.c().connections_evicted == evicted + 1);
    CHECK(t.c().connections_opened - t.c().connections_closed == 16);
    check_identity(t.tracker);
}

TEST_CASE("the global memcap refuses held bytes with a count, and the stream recovers", "[unit][tcp]") {
    tcp_tracker_config cfg = config_for({});
    cfg.memcap_bytes = 4 * segment_pool::chunk_bytes;
    session t(cfg);
    t.handshake();
    const framed_stream s = make_stream({}, 1, 60);
    const std::size_t hole = s.starts[1];
    // Out of order after a hole: the first 4 KiB fit, the rest are refused.
    for (std::size_t off = hole + 10; off < s.starts[40]; off += 512)
        t.send(true, s.bytes, off, std::min<std::size_t>(512, s.starts[40] - off));
    CHECK(t.c().memcap_drops > 0);
    t.send(true, s.bytes, 0, hole + 10);  // fill the hole: what was stored is framed
    const std::size_t framed_so_far = t.rec.messages.size();
    CHECK(framed_so_far >= 4);
    // What was refused is a hole now: the server's ACK shows it passed, so the next
    // segments resynchronise at once.
    t.put(t.conn.segment(false, t.conn.server_isn + 1, tcp_flag::ack, nullptr, 0,
                         t.conn.client_isn + 1 + static_cast<uint32_t>(s.bytes.size())),
          false);
    for (std::size_t off = s.starts[40]; off < s.bytes.size(); off += 512)
        t.send(true, s.bytes, off, std::min<std::size_t>(512, s.bytes.size() - off));
    CHECK(t.c().gaps == 1);
    CHECK(t.rec.messages.size() == framed_so_far + 20);
    CHECK(t.rec.messages.back().bytes == s.messages.back());
    t.tracker.close_all(t.rec);
    CHECK(t.c().buffered_bytes == 0);
    check_identity(t.tracker);
}

TEST_CASE("feed lookup by server port and address; IPv6 flows", "[unit][tcp]") {
    tcp_tracker_config cfg = config_for({});
    tcp_feed_config second;
    second.server_port = 9000;
    second.match_server_addr = true;
    const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    std::memcpy(second.server_addr.data(), v6, 16);
    cfg.feeds.push_back(second);
    tcp_tracker t(cfg);

    connection c;
    bool to_server = false;
    CHECK(t.feed_of(c.segment(true, 1, tcp_flag::syn), to_server) == 0);
    CHECK(to_server);
    CHECK(t.feed_of(c.segment(false, 1, tcp_flag::ack), to_server) == 0);
    CHECK_FALSE(to_server);

    const uint8_t client6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    tcp_segment s{};
    s.src_addr = client6, s.dst_addr = v6, s.addr_len = 16, s.src_port = 50000, s.dst_port = 9000;
    CHECK(t.feed_of(s, to_server) == 1);
    CHECK(to_server);
    s.dst_addr = client6;  // port 9000 on another host: not the feed's server
    CHECK(t.feed_of(s, to_server) == -1);

    // An IPv6 connection reassembles like an IPv4 one.
    s.dst_addr = v6;
    const framed_stream m = make_stream({}, 1, 2);
    recorder rec;
    s.seq = 100, s.flags = tcp_flag::ack, s.payload = m.bytes.data(), s.payload_len = 30;
    t.on_segment(s, 1, true, 1, rec);
    s.seq = 130, s.payload = m.bytes.data() + 30, s.payload_len = static_cast<uint32_t>(m.bytes.size() - 30);
    t.on_segment(s, 1, true, 2, rec);
    REQUIRE(rec.messages.size() == 2);
    CHECK(rec.messages[1].feed == 1);
    CHECK(rec.messages[1].bytes == m.messages[1]);

    cfg.feeds[1].server_port = 8583;
    CHECK_THROWS_AS(tcp_tracker(cfg), std::invalid_argument);
}

TEST_CASE("TCP frames parse to segments; malformed TCP headers get their reasons", "[unit][tcp][packet]") {
    // Ethernet + IPv4 + TCP (20-byte header + 4 bytes of options) + 3 bytes of payload.
    std::vector<uint8_t> f(12, 0xaa);
    f.insert(f.end(), {0x81, 0x00, 0x00, 0x2a, 0x08, 0x00});
    const uint16_t total = 20 + 24 + 3;
    f.insert(f.end(), {0x45, 0, 0, static_cast<uint8_t>(total), 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2});
    f.insert(f.end(), {0x9c, 0x40, 0x21, 0x87, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 9, 0x60, 0x18, 0xff, 0xff, 0, 0, 0, 0,
                       1, 1, 1, 1, 'a', 'b', 'c'});
    l4_view v;
    REQUIRE(parse_l4(f.data(), f.size(), v) == packet_drop::none);
    CHECK(v.proto == ip_proto_tcp);
    CHECK(v.vlan == 42);
    tcp_segment s;
    REQUIRE(parse_tcp(v, s) == packet_drop::none);
    CHECK(s.src_port == 40000);
    CHECK(s.dst_port == 8583);
    CHECK(s.seq == 0xfffffffeu);
    CHECK(s.ack == 9);
    CHECK(s.flags == (tcp_flag::ack | tcp_flag::psh));
    CHECK(s.payload_len == 3);
    CHECK(std::memcmp(s.payload, "abc", 3) == 0);
    CHECK(s.addr_len == 4);
    CHECK(s.dst_addr[3] == 2);
    udp_view u;
    CHECK(parse_udp(f.data(), f.size(), u) == packet_drop::not_udp);

    auto bad_offset = f;
    bad_offset[18 + 20 + 12] = 0x40;  // data offset 16 bytes
    REQUIRE(parse_l4(bad_offset.data(), bad_offset.size(), v) == packet_drop::none);
    CHECK(parse_tcp(v, s) == packet_drop::bad_tcp_header);
    bad_offset[18 + 20 + 12] = 0xf0;  // 60 bytes: past the segment
    REQUIRE(parse_l4(bad_offset.data(), bad_offset.size(), v) == packet_drop::none);
    CHECK(parse_tcp(v, s) == packet_drop::bad_tcp_header);
    auto short_tcp = f;
    short_tcp[18 + 3] = 20 + 12;  // IP total length leaves 12 bytes of TCP
    REQUIRE(parse_l4(short_tcp.data(), short_tcp.size(), v) == packet_drop::none);
    CHECK(parse_tcp(v, s) == packet_drop::truncated_tcp);
}
