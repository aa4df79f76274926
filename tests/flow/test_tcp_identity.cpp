// Randomised segmentations with loss, reordering and duplication (seeded): the byte
// identity holds after every segment, every delivered message is one that was sent,
// none is delivered twice, and without loss every message arrives.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "test_tcp_support.h"

using namespace txscreen;
using namespace txscreen::tcptest;

namespace {

struct wire_segment {
    bool to_server;
    std::size_t from, len;
    bool ack_only;  // a pure ACK from the other side, acknowledging `from`
    bool lost;      // the receiver got it; the tap did not
    bool retransmit;
};

// The segments of both directions' streams as a tap might see them: MSS-ish random
// sizes, some lost, some retransmitted over other boundaries, some swapped, and ACKs
// of what the receiver holds (which passes the tap's holes).
std::vector<wire_segment> tap_view(std::mt19937& rng, std::size_t client_len, std::size_t server_len, double loss,
                                   double reorder, double dup) {
    std::vector<wire_segment> data;
    std::size_t pos[2] = {0, 0};
    const std::size_t len[2] = {server_len, client_len};  // [to_server]
    std::uniform_real_distribution<double> u(0, 1);
    while (pos[0] < len[0] || pos[1] < len[1]) {
        const bool to_server = pos[1] < len[1] && (pos[0] >= len[0] || u(rng) < 0.6);
        std::size_t& p = pos[to_server];
        const std::size_t n = std::min<std::size_t>(len[to_server] - p, 1 + rng() % 1500);
        data.push_back({to_server, p, n, false, u(rng) < loss, false});
        if (u(rng) < dup) {  // a retransmit of a recent range, with other boundaries
            const std::size_t back = std::min<std::size_t>(p, rng() % 3000);
            const std::size_t n_re = std::min<std::size_t>(back + n, 1 + rng() % 2000);
            data.push_back({to_server, p - back, n_re, false, false, true});
        }
        p += n;
    }
    // Swaps move a segment at most 3 places (a segment moved once stays put).
    std::vector<bool> moved(data.size());
    for (std::size_t i = 1; i < data.size(); ++i) {
        const std::size_t j = i - 1 - rng() % std::min<std::size_t>(i, 3);
        if (u(rng) < reorder && !moved[i] && !moved[j]) std::swap(data[i], data[j]), moved[i] = moved[j] = true;
    }
    // The receiver of a direction holds everything before the first segment it has
    // not had yet (lost ones reached it: the loss is the tap's).
    std::vector<wire_segment> out;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (!data[i].lost) out.push_back(data[i]);
        if (u(rng) >= 0.3) continue;
        const bool dir = !data[i].to_server;  // acknowledges the other direction
        std::size_t acked = len[!dir];
        for (std::size_t j = i + 1; j < data.size(); ++j)
            if (data[j].to_server != dir && !data[j].retransmit) acked = std::min(acked, data[j].from);
        out.push_back({dir, acked, 0, true, false, false});
    }
    return out;
}

}  // namespace

TEST_CASE("byte identity and message integrity on random tap views", "[unit][tcp]") {
    const double loss = GENERATE(0.0, 0.02, 0.1);
    const uint32_t seed = GENERATE(1u, 2u, 3u, 4u, 5u);
    const tcp_framing_kind kind = GENERATE(tcp_framing_kind::len2be, tcp_framing_kind::len4ascii);
    std::mt19937 rng(seed);
    tcp_framing f;
    f.kind = kind;
    f.header_bytes = static_cast<uint16_t>(seed % 2 ? 0 : 5);
    tcp_tracker_config cfg = config_for(f);
    cfg.flow_buffer_bytes = 8 * 1024 + (seed * 4096);
    session t(cfg);
    t.conn.client_isn = 0xffffffffu - static_cast<uint32_t>(rng() % 50000);  // wraps on the way
    t.handshake();
    const framed_stream req = make_stream(f, 1, 400), resp = make_stream(f, 1001, 400, 210);
    std::map<std::string, int> sent;  // message bytes -> times delivered
    for (const auto& m : req.messages) sent[std::string(m.begin(), m.end())] = 0;
    for (const auto& m : resp.messages) sent[std::string(m.begin(), m.end())] = 0;

    const auto wire = tap_view(rng, req.bytes.size(), resp.bytes.size(), loss, 0.1, 0.05);
    for (const wire_segment& w : wire) {
        const bool to_server = w.to_server;
        if (w.ack_only) {
            const uint32_t peer_isn = to_server ? t.conn.server_isn : t.conn.client_isn;
            const uint32_t acked = peer_isn + 1 + static_cast<uint32_t>(w.from);
            const uint32_t own = (to_server ? t.conn.client_isn : t.conn.server_isn) + 1;
            t.put(t.conn.segment(to_server, own, tcp_flag::ack, nullptr, 0, acked), to_server);
        } else {
            t.send(to_server, to_server ? req.bytes : resp.bytes, w.from, w.len);
        }
        check_identity(t.tracker);
    }
    t.tracker.close_all(t.rec);
    check_identity(t.tracker);
    CHECK(t.c().buffered_bytes == 0);

    std::size_t unknown = 0, twice = 0, wrong_direction = 0;
    for (const auto& m : t.rec.messages) {
        auto it = sent.find(std::string(m.bytes.begin(), m.bytes.end()));
        if (it == sent.end()) {
            ++unknown;
            continue;
        }
        twice += it->second++ == 1;
        wrong_direction += m.to_server != (m.bytes[1] == '2' && m.bytes[2] == '0');
    }
    INFO("loss " << loss << " seed " << seed << " delivered " << t.rec.messages.size() << " gaps " << t.c().gaps
                 << " resyncs " << t.c().resyncs);
    CHECK(unknown == 0);
    CHECK(twice == 0);
    CHECK(wrong_direction == 0);
    if (loss == 0.0) {
        CHECK(t.rec.messages.size() == 800);
        CHECK(t.c().gaps == 0);
    } else {
        CHECK(t.rec.messages.size() > 800 * (1 - 12 * loss));
    }
}
