// Reassembly and framing of one connection's streams, through the tracker.
#include <catch2/catch.hpp>

#include "test_tcp_support.h"

using namespace txscreen;
using namespace txscreen::tcptest;

namespace {

// Messages `first`.. in the order received must equal the stream's messages.
void check_delivered(const recorder& r, const framed_stream& s, std::size_t first = 0) {
    REQUIRE(r.messages.size() == s.messages.size() - first);
    for (std::size_t i = 0; i < r.messages.size(); ++i) CHECK(r.messages[i].bytes == s.messages[first + i]);
}

}  // namespace

TEST_CASE("in-order messages are delivered in place, with both directions told apart", "[unit][tcp]") {
    session t;
    t.handshake();
    const framed_stream req = make_stream({}, 1, 3), resp = make_stream({}, 1, 3, 210);
    for (std::size_t i = 0; i < 3; ++i) {
        t.send(true, req.bytes, req.starts[i], req.starts[i + 1] - req.starts[i]);
        t.send(false, resp.bytes, resp.starts[i], resp.starts[i + 1] - resp.starts[i]);
    }
    REQUIRE(t.rec.messages.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        const recorded_message& m = t.rec.messages[i];
        const framed_stream& s = i % 2 ? resp : req;
        CHECK(m.to_server == (i % 2 == 0));
        CHECK(m.bytes == s.messages[i / 2]);
        CHECK(m.ptr == s.bytes.data() + s.starts[i / 2] + 2);  // zero copy
        CHECK(m.flow_id == t.rec.messages[0].flow_id);
    }
    CHECK(t.c().connections_opened == 1);
    CHECK(t.c().messages == 6);
    CHECK(t.c().segments_in_order == 6);
    CHECK(t.c().resyncs == 0);
    check_identity(t.tracker);
}

TEST_CASE("messages split across two and three segments, and seven packed in one", "[unit][tcp]") {
    session t;
    t.handshake();
    const framed_stream s = make_stream({}, 1, 9);
    // Frame 0 split in 2 (inside the length prefix too), frame 1 in 3, frames 2-8 in one segment.
    t.send(true, s.bytes, 0, 1);
    t.send(true, s.bytes, 1, s.starts[1] - 1);
    const std::size_t third = (s.starts[2] - s.starts[1]) / 3;
    t.send(true, s.bytes, s.starts[1], third);
    t.send(true, s.bytes, s.starts[1] + third, third);
    t.send(true, s.bytes, s.starts[1] + 2 * third, s.starts[2] - s.starts[1] - 2 * third);
    CHECK(t.c().buffered_bytes == 0);
    t.send(true, s.bytes, s.starts[2], s.bytes.size() - s.starts[2]);
    check_delivered(t.rec, s);
    CHECK(t.rec.messages[2].ptr == s.bytes.data() + s.starts[2] + 2);
    CHECK(t.c().message_bytes == s.bytes.size());
    check_identity(t.tracker);

    // MSS-sized segments straddling every other message.
    session u;
    u.handshake();
    const framed_stream big = make_stream({}, 1, 60);
    for (std::size_t off = 0; off < big.bytes.size(); off += 1448)
        u.send(true, big.bytes, off, std::min<std::size_t>(1448, big.bytes.size() - off));
    check_delivered(u.rec, big);
    check_identity(u.tracker);
}

TEST_CASE("every framing kind, with and without a header, in every dialect", "[unit][tcp]") {
    const auto kind = GENERATE(tcp_framing_kind::len2be, tcp_framing_kind::len2le, tcp_framing_kind::len4ascii);
    const uint16_t header = GENERATE(0, 5);
    const std::string dialect = GENERATE("binary", "hex", "bcd", "ebcdic", "iso93-ascii");
    tcp_framing f;
    f.kind = kind;
    f.header_bytes = header;
    f.wire = &builtin_wire(dialect);
    session t(f);
    t.handshake();
    const framed_stream s = make_stream(f, 1, 12);
    for (std::size_t off = 0; off < s.bytes.size(); off += 100)
        t.send(true, s.bytes, off, std::min<std::size_t>(100, s.bytes.size() - off));
    check_delivered(t.rec, s);
    check_identity(t.tracker);

    // Picked up mid-stream (no SYN, starting inside frame 0): hunting finds frame 1.
    session m(f);
    m.conn.client_port = 40001;
    for (std::size_t off = 7; off < s.bytes.size(); off += 100)
        m.send(true, s.bytes, off, std::min<std::size_t>(100, s.bytes.size() - off));
    check_delivered(m.rec, s, 1);
    CHECK(m.c().resyncs == 1);
    CHECK(m.c().discarded_bytes == s.starts[1] - 7);
    check_identity(m.tracker);
}

TEST_CASE("sequence numbers wrap around 2^32", "[unit][tcp]") {
    session t;
    t.conn.client_isn = 0xffffff00u;
    t.handshake();
    const framed_stream s = make_stream({}, 1, 30);
    std::size_t off = 0;
    // In order up to a point past the wrap, then two segments swapped.
    for (; off + 700 < 3000; off += 700) t.send(true, s.bytes, off, 700);
    t.send(true, s.bytes, off + 500, 500);
    t.send(true, s.bytes, off, 500);
    for (off += 1000; off < s.bytes.size(); off += 700)
        t.send(true, s.bytes, off, std::min<std::size_t>(700, s.bytes.size() - off));
    check_delivered(t.rec, s);
    CHECK(t.c().segments_out_of_order == 1);
    check_identity(t.tracker);
}

TEST_CASE("segments reordered within the cap are put back in order", "[unit][tcp]") {
    session t;
    t.handshake();
    const framed_stream s = make_stream({}, 1, 40);
    std::vector<std::pair<std::size_t, std::size_t>> segs;
    for (std::size_t off = 0; off < s.bytes.size(); off += 333)
        segs.emplace_back(off, std::min<std::size_t>(333, s.bytes.size() - off));
    // Reverse each group of four.
    for (std::size_t g = 0; g + 4 <= segs.size(); g += 4) std::reverse(segs.begin() + g, segs.begin() + g + 4);
    for (auto [off, len] : segs) t.send(true, s.bytes, off, len);
    check_delivered(t.rec, s);
    CHECK(t.c().segments_out_of_order > 0);
    CHECK(t.c().gaps == 0);
    CHECK(t.c().buffered_bytes == 0);
    check_identity(t.tracker);
}

TEST_CASE("retransmits are duplicates; a conflicting overlap is counted and the first copy wins", "[unit][tcp]") {
    session t;
    t.handshake();
    const framed_stream s = make_stream({}, 1, 6);
    const std::size_t mid = s.starts[3] + 10;
    t.send(true, s.bytes, 0, 50);
    t.send(true, s.bytes, 0, 50);  // whole retransmit
    CHECK(t.c().segments_retransmitted == 1);
    // A hole at [mid, mid+40): hold [mid+40, end), then overlap it with different bytes.
    t.send(true, s.bytes, 50, mid - 50);
    t.send(true, s.bytes, mid + 40, s.bytes.size() - mid - 40);
    std::vector<uint8_t> forged = s.bytes;
    for (std::size_t i = mid + 20; i < mid + 80; ++i) forged[i] ^= 0xff;
    t.send(true, forged, mid + 20, 60);  // fills [mid+20, mid+40), overlaps 40 held bytes
    CHECK(t.c().overlap_conflicts == 1);
    t.send(true, s.bytes, mid, 40);  // fills the rest of the hole; overlaps 20 bytes of the forgery
    CHECK(t.c().overlap_conflicts == 2);
    // Message 3 holds forged bytes [mid+20, mid+40) (first copy of those); the rest are intact.
    REQUIRE(t.rec.messages.size() == 6);
    for (std::size_t i : {0, 1, 2, 4, 5}) CHECK(t.rec.messages[i].bytes == s.messages[i]);
    CHECK(t.rec.messages[3].bytes != s.messages[3]);
    CHECK(t.c().duplicate_bytes == 50 + 40 + 20);
    check_identity(t.tracker);
}

TEST_CASE("a lost segment costs the messages it touched, never the connection", "[unit][tcp]") {
    const uint32_t mss = GENERATE(300u, 1448u);
    tcp_tracker_config cfg = config_for({});
    cfg.flow_buffer_bytes = 16 * 1024;
    session t(cfg);
    t.handshake();
    const framed_stream s = make_stream({}, 1, 200);
    std::vector<std::size_t> offs;
    for (std::size_t off = 0; off < s.bytes.size(); off += mss) offs.push_back(off);
    const std::size_t lost = offs.size() / 3;
    const std::size_t lost_from = offs[lost], lost_to = std::min<std::size_t>(lost_from + mss, s.bytes.size());
    for (std::size_t i = 0; i < offs.size(); ++i)
        if (i != lost) t.send(true, s.bytes, offs[i], std::min<std::size_t>(mss, s.bytes.size() - offs[i]));
    t.tracker.close_all(t.rec);

    // Exactly the messages with a byte in the lost segment are missing, plus at most
    // the one after them (its head sits in a segment the hole cut).
    std::vector<std::vector<uint8_t>> expected;
    std::size_t touched = 0;
    for (std::size_t i = 0; i < s.messages.size(); ++i) {
        if (s.starts[i + 1] > lost_from && s.starts[i] < lost_to)
            ++touched;
        else
            expected.push_back(s.messages[i]);
    }
    INFO("mss " << mss << " touched " << touched);
    REQUIRE(t.rec.messages.size() + touched <= s.messages.size());
    CHECK(t.rec.messages.size() + touched + 1 >= s.messages.size());
    std::size_t j = 0;
    for (const auto& m : t.rec.messages) {
        while (j < expected.size() && expected[j] != m.bytes) ++j;
        CHECK(j < expected.size());  // in order, each once, each one sent
        ++j;
    }
    CHECK(t.c().gaps == 1);
    CHECK(t.c().gap_bytes == lost_to - lost_from);
    CHECK(t.c().resyncs == 1);
    CHECK(t.c().partial_messages_dropped <= 1);
    CHECK(t.c().buffered_bytes == 0);
    check_identity(t.tracker);
}

TEST_CASE("the peer's ACK past a hole gives it up at once", "[unit][tcp]") {
    session t;
    t.handshake();
    const framed_stream s = make_stream({}, 1, 10);
    t.send(true, s.bytes, 0, s.starts[2] + 5);                                        // frames 0, 1 and a bit of 2
    t.send(true, s.bytes, s.starts[3] + 3, s.bytes.size() - s.starts[3] - 3);        // hole: rest of 2, head of 3
    CHECK(t.rec.messages.size() == 2);
    CHECK(t.c().gaps == 0);
    // The server acknowledges everything: the hole was on the wire, the tap missed it.
    t.put(t.conn.segment(false, t.conn.server_isn + 1, tcp_flag::ack, nullptr, 0,
                         t.conn.client_isn + 1 + static_cast<uint32_t>(s.bytes.size())),
          false);
    CHECK(t.c().gaps == 1);
    CHECK(t.c().partial_messages_dropped == 1);
    check_delivered(t.rec, [&] {
        framed_stream e = s;
        e.messages.erase(e.messages.begin() + 2, e.messages.begin() + 4);
        return e;
    }());
    check_identity(t.tracker);
}

TEST_CASE("a bad length is counted and framing resynchronises", "[unit][tcp]") {
    session t;
    t.handshake();
    framed_stream s = make_stream({}, 1, 6);
    // Frame 2's length says 0, frame 4's says more than max_message.
    s.bytes[s.starts[2]] = 0, s.bytes[s.starts[2] + 1] = 0;
    s.bytes[s.starts[4]] = 0xff;
    t.send(true, s.bytes, 0, s.bytes.size());
    REQUIRE(t.rec.messages.size() == 4);
    CHECK(t.rec.messages[2].bytes == s.messages[3]);
    CHECK(t.rec.messages[3].bytes == s.messages[5]);
    CHECK(t.c().bad_length == 2);
    CHECK(t.c().resyncs == 2);
    CHECK(t.c().discarded_bytes == (s.starts[3] - s.starts[2]) + (s.starts[5] - s.starts[4]));
    check_identity(t.tracker);
}

TEST_CASE("a stream crafted to look like message starts everywhere costs a bounded hunt", "[unit][tcp]") {
    session t;
    t.handshake();
    // A zero length starts a hunt; then 100 candidates 14 bytes apart, each a length of
    // 100, MTI "0200" and a bitmap naming field 2, whose LL prefix is the next
    // candidate's length bytes: every one needs a field walk, none fits.
    std::vector<uint8_t> stream = {0, 0};
    for (int i = 0; i < 100; ++i) {
        const uint8_t candidate[14] = {0, 100, '0', '2', '0', '0', 0x40, 0, 0, 0, 0, 0, 0, 0};
        stream.insert(stream.end(), candidate, candidate + 14);
    }
    const std::size_t crafted = stream.size();
    framed_stream valid = make_stream({}, 1, 3);
    stream.insert(stream.end(), valid.bytes.begin(), valid.bytes.end());
    t.send(true, stream, 0, crafted);
    CHECK(t.c().hunts_cut == 1);  // 32 walks, then the rest of the segment was given up
    CHECK(t.c().discarded_bytes == crafted);
    t.send(true, stream, crafted, stream.size() - crafted);
    REQUIRE(t.rec.messages.size() == 3);  // the next segment's messages are found again
    CHECK(t.rec.messages[0].bytes == valid.messages[0]);
    CHECK(t.c().resyncs == 1);
    check_identity(t.tracker);
}

TEST_CASE("an RST mid-message drops the partial message and ends the flow", "[unit][tcp]") {
    session t;
    t.handshake();
    const framed_stream s = make_stream({}, 1, 3);
    t.send(true, s.bytes, 0, s.starts[2] + 10);
    CHECK(t.c().buffered_bytes == 10);
    t.put(t.conn.segment(false, t.conn.server_isn + 1, tcp_flag::rst), false);
    CHECK(t.rec.messages.size() == 2);
    CHECK(t.rec.closed.size() == 1);
    CHECK(t.c().connections_reset == 1);
    CHECK(t.c().connections_closed == 1);
    CHECK(t.c().partial_messages_dropped == 1);
    CHECK(t.c().buffered_bytes == 0);
    // The rest arriving late is counted, not framed.
    t.send(true, s.bytes, s.starts[2] + 10, s.bytes.size() - s.starts[2] - 10);
    CHECK(t.rec.messages.size() == 2);
    check_identity(t.tracker);
}
