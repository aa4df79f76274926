// libFuzzer target: TCP reassembly and framing. The input drives one tcp_tracker:
// byte 0 picks the framing (kind, header bytes, dialect); then 5-byte records
//   op  (bits 0-1: 0 data, 1 ACK, 2 SYN/FIN/RST, 3 time passes; bit 2: direction;
//        bit 3: second connection; bits 4-7: flags or extra)
//   d   (2 bytes, signed: sequence offset from where the direction's stream is up to)
//   len (2 bytes: payload length, taken from the bytes that follow)
// After every record the byte identity must hold; delivered messages must be
// non-empty and within max_message; close_all must leave nothing buffered.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "codec/iso_wire.h"
#include "flow/tcp_tracker.h"

using namespace txscreen;

namespace {

struct checker final : tcp_events {
    uint32_t max_message = 0;
    void message(unsigned feed, uint64_t, bool, const uint8_t* msg, std::size_t len) noexcept override {
        if (feed != 0 || msg == nullptr || len == 0 || len > max_message) std::abort();
        volatile uint8_t touch = msg[0] ^ msg[len - 1];  // ASan: the bytes must be readable
        (void)touch;
    }
    void flow_closed(unsigned feed, uint64_t) noexcept override {
        if (feed != 0) std::abort();
    }
};

void check_identity(const tcp_tracker& t) {
    const tcp_counters& c = t.counters(0);
    if (c.payload_bytes != c.duplicate_bytes + c.message_bytes + c.discarded_bytes + c.buffered_bytes) std::abort();
    if (c.connections_closed > c.connections_opened) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    tcp_tracker_config cfg;
    cfg.max_flows = 2;
    cfg.flow_buffer_bytes = 4096;
    cfg.memcap_bytes = 12 * segment_pool::chunk_bytes;
    cfg.idle_timeout_ns = 1000;
    cfg.syn_timeout_ns = 300;
    cfg.closed_linger_ns = 100;
    tcp_feed_config feed;
    feed.server_port = 8583;
    feed.framing.kind = static_cast<tcp_framing_kind>(data[0] % 3);
    feed.framing.header_bytes = static_cast<uint16_t>((data[0] >> 2) % 3 == 2 ? 5 : 0);
    static const char* const dialects[] = {"binary", "hex", "bcd", "ebcdic", "iso93-ascii"};
    feed.framing.wire = &builtin_wire(dialects[(data[0] >> 4) % 5]);
    feed.framing.max_message = 2048;
    cfg.feeds.push_back(feed);
    tcp_tracker t(cfg);
    checker ev;
    ev.max_message = feed.framing.max_message;

    uint8_t client[4] = {10, 0, 0, 1}, server[4] = {10, 0, 0, 2};
    uint32_t cursor[2][2] = {{0xfffff000u, 7}, {100, 0x7ffffff0u}};  // [connection][to_server]
    uint64_t now = 1;
    std::size_t off = 1;
    while (off + 5 <= size) {
        const uint8_t op = data[off];
        const int16_t delta = static_cast<int16_t>(data[off + 1] | data[off + 2] << 8);
        uint32_t len = data[off + 3] | data[off + 4] << 8;
        off += 5;
        len = static_cast<uint32_t>(std::min<std::size_t>(len, size - off));
        const bool to_server = op & 4;
        const unsigned conn = (op >> 3) & 1;
        tcp_segment s{};
        s.src_addr = to_server ? client : server;
        s.dst_addr = to_server ? server : client;
        s.addr_len = 4;
        s.src_port = to_server ? static_cast<uint16_t>(40000 + conn) : 8583;
        s.dst_port = to_server ? 8583 : static_cast<uint16_t>(40000 + conn);
        uint32_t& cur = cursor[conn][to_server];
        s.seq = cur + static_cast<uint32_t>(static_cast<int32_t>(delta));
        s.ack = cursor[conn][!to_server] + static_cast<uint32_t>(static_cast<int32_t>(delta));
        switch (op & 3) {
            case 0:
                s.flags = static_cast<uint8_t>(tcp_flag::psh | ((op & 0x10) ? tcp_flag::ack : 0));
                s.payload = data + off;
                s.payload_len = len;
                off += len;
                cur = s.seq + len;
                break;
            case 1: s.flags = tcp_flag::ack; break;
            case 2: {
                static constexpr uint8_t control[4] = {tcp_flag::syn, tcp_flag::syn | tcp_flag::ack, tcp_flag::fin,
                                                       tcp_flag::rst};
                s.flags = control[(op >> 4) & 3];
                if (s.flags & tcp_flag::syn) cur = s.seq + 1;
                break;
            }
            default:
                now += static_cast<uint64_t>(op >> 4) * 64;
                t.expire(now, ev, op >> 4);
                check_identity(t);
                continue;
        }
        t.on_segment(s, 0, to_server, now, ev);
        check_identity(t);
    }
    t.close_all(ev);
    check_identity(t);
    if (t.buffered_bytes() != 0 || t.flows() != 0) std::abort();
    return 0;
}
