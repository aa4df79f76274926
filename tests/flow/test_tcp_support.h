// Fixtures for the TCP tracker tests: a recording tcp_events, a two-endpoint
// connection that writes segments, ISO 8583 messages framed for a tcp_framing, and
// the byte identity check.
#pragma once

#include <catch2/catch.hpp>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "codec/iso8583.h"
#include "codec/iso8583_encode.h"
#include "codec/iso_wire.h"
#include "flow/tcp_tracker.h"

namespace txscreen::tcptest {

struct recorded_message {
    unsigned feed;
    uint64_t flow_id;
    bool to_server;
    std::vector<uint8_t> bytes;
    const uint8_t* ptr;  // where the tracker pointed (zero copy: into the segment)
};

struct recorder final : tcp_events {
    std::vector<recorded_message> messages;
    std::vector<uint64_t> closed;
    void message(unsigned feed, uint64_t flow_id, bool to_server, const uint8_t* msg,
                 std::size_t len) noexcept override {
        messages.push_back({feed, flow_id, to_server, std::vector<uint8_t>(msg, msg + len), msg});
    }
    void flow_closed(unsigned, uint64_t flow_id) noexcept override { closed.push_back(flow_id); }
};

// An ISO 8583 message in dialect `w` whose STAN and amount come from i.
inline std::vector<uint8_t> iso_message(unsigned i, const iso_wire& w = builtin_wire("binary"), uint16_t mti = 200) {
    clear_txn t;
    t.mti = mti;
    t.txn_id = "t-" + std::to_string(i);
    t.pan = "4111111111111111";
    t.amount_minor = 100 + i;
    t.currency = "USD";
    t.merchant_id = "MERCH" + std::to_string(1000 + i % 50);
    t.merchant_name = "SHOP " + std::string(i % 40, 'X');
    t.country = "US";
    t.mcc = 5411;
    char stan[7];
    std::snprintf(stan, sizeof stan, "%06u", i % 1000000);
    t.stan = stan;
    t.terminal_id = "TERM0001";
    std::vector<uint8_t> out;
    encode_iso8583(t, w, out);
    return out;
}

// Prefix + header + message for framing f.
inline std::vector<uint8_t> framed(const tcp_framing& f, const std::vector<uint8_t>& msg) {
    std::vector<uint8_t> out;
    append_tcp_frame(out, msg.data(), msg.size(), f);
    return out;
}

// One TCP connection between a client and a feed's server, writing segments.
struct connection {
    uint8_t client_addr[4] = {10, 0, 0, 1};
    uint8_t server_addr[4] = {10, 0, 0, 2};
    uint16_t client_port = 40000;
    uint16_t server_port = 8583;
    uint32_t client_isn = 1000;  // first payload byte is isn + 1
    uint32_t server_isn = 5000;

    tcp_segment segment(bool to_server, uint32_t seq, uint8_t flags, const uint8_t* p = nullptr, uint32_t n = 0,
                        uint32_t ack = 0) const {
        tcp_segment s{};
        s.src_addr = to_server ? client_addr : server_addr;
        s.dst_addr = to_server ? server_addr : client_addr;
        s.addr_len = 4;
        s.src_port = to_server ? client_port : server_port;
        s.dst_port = to_server ? server_port : client_port;
        s.seq = seq;
        s.ack = ack;
        s.flags = flags;
        s.payload = p;
        s.payload_len = n;
        return s;
    }
};

// The byte stream of messages first..first+count-1, framed, with the offset of each frame.
struct framed_stream {
    std::vector<uint8_t> bytes;
    std::vector<std::size_t> starts;  // frame i starts at starts[i]; starts.back() == bytes.size()
    std::vector<std::vector<uint8_t>> messages;
};
inline framed_stream make_stream(const tcp_framing& f, unsigned first, unsigned count, uint16_t mti = 200) {
    framed_stream s;
    for (unsigned i = first; i < first + count; ++i) {
        s.starts.push_back(s.bytes.size());
        s.messages.push_back(iso_message(i, f.wire ? *f.wire : builtin_wire("binary"), mti));
        const auto fr = framed(f, s.messages.back());
        s.bytes.insert(s.bytes.end(), fr.begin(), fr.end());
    }
    s.starts.push_back(s.bytes.size());
    return s;
}

inline tcp_tracker_config config_for(const tcp_framing& f, uint32_t max_flows = 64) {
    tcp_tracker_config cfg;
    cfg.max_flows = max_flows;
    cfg.memcap_bytes = 8u << 20;
    tcp_feed_config feed;
    feed.server_port = 8583;
    feed.framing = f;
    cfg.feeds.push_back(feed);
    return cfg;
}

// A tracker with one feed, one connection on it and a recorder.
struct session {
    tcp_tracker tracker;
    recorder rec;
    connection conn;
    uint64_t now = 1'000'000'000;

    explicit session(const tcp_framing& f = {}, uint32_t max_flows = 64) : tracker(config_for(f, max_flows)) {}
    explicit session(const tcp_tracker_config& cfg) : tracker(cfg) {}

    void put(const tcp_segment& s, bool to_server) { tracker.on_segment(s, 0, to_server, now, rec); }
    void handshake() {
        put(conn.segment(true, conn.client_isn, tcp_flag::syn), true);
        const uint8_t syn_ack = tcp_flag::syn | tcp_flag::ack;
        put(conn.segment(false, conn.server_isn, syn_ack, nullptr, 0, conn.client_isn + 1), false);
        put(conn.segment(true, conn.client_isn + 1, tcp_flag::ack, nullptr, 0, conn.server_isn + 1), true);
    }
    // Bytes [from, from + len) of a direction's stream (stream offset 0 = isn + 1). No
    // ACK flag by default: acknowledgements are sent on their own where a test wants them.
    void send(bool to_server, const std::vector<uint8_t>& stream, std::size_t from, std::size_t len,
              uint8_t flags = tcp_flag::psh) {
        const uint32_t isn = to_server ? conn.client_isn : conn.server_isn;
        put(conn.segment(to_server, isn + 1 + static_cast<uint32_t>(from), flags, stream.data() + from,
                         static_cast<uint32_t>(len)),
            to_server);
    }
    const tcp_counters& c() const { return tracker.counters(0); }
};

inline void check_identity(const tcp_tracker& t, unsigned feed = 0) {
    const tcp_counters& c = t.counters(feed);
    INFO("payload " << c.payload_bytes << " dup " << c.duplicate_bytes << " msg " << c.message_bytes << " disc "
                    << c.discarded_bytes << " buffered " << c.buffered_bytes);
    CHECK(c.payload_bytes == c.duplicate_bytes + c.message_bytes + c.discarded_bytes + c.buffered_bytes);
}

}  // namespace txscreen::tcptest
