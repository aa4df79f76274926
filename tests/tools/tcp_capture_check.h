// Test helper: reads a TCP capture back with libpcap (Ethernet, 802.1Q, IPv4/IPv6,
// checksums verified) and reassembles each direction of each connection as a correct
// passive reassembler must: first copy of a byte wins, a gap drops the message it cuts,
// and after a gap parsing resumes at the first offset where a length prefix frames a
// message that decodes. Independent of txgen's own bookkeeping on purpose.
#pragma once

#include <pcap/pcap.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "codec/iso8583.h"
#include "common/pan_token.h"
#include "flow/tcp_framing.h"
#include "tools/txgen/wire_bytes.h"

namespace txgen_test {

struct captured_direction {
    bool have_isn = false;
    uint32_t isn = 0;
    std::map<uint64_t, std::vector<uint8_t>> segments;  // stream offset -> first copy
    std::map<uint64_t, int64_t> segment_us;             // stream offset -> its capture time
    uint64_t max_end = 0;                               // highest byte seen + 1
    uint64_t duplicates = 0;     // a segment whose offset was seen before
    uint64_t out_of_order = 0;   // a new segment below max_end
    uint64_t fins = 0;
    uint32_t fin_seq = 0;        // sequence number of the FIN: the stream ends there

    // Stream bytes the FIN says were sent.
    uint64_t stream_length() const noexcept { return static_cast<uint32_t>(fin_seq - isn - 1); }
    // Distinct stream bytes captured.
    uint64_t bytes_captured() const {
        uint64_t n = 0, covered_to = 0;
        for (const auto& [off, b] : segments) {
            const uint64_t from = std::max(off, covered_to), to = off + b.size();
            if (to > from) n += to - from;
            covered_to = std::max(covered_to, to);
        }
        return n;
    }
};

struct captured_connection {
    captured_direction dir[2];  // [0] client to server, [1] server to client
};

struct capture_stats {
    uint64_t packets = 0, syn = 0, syn_ack = 0, rst = 0, pure_acks = 0, data_segments = 0;
    uint64_t vlan_tagged = 0, ipv6 = 0, bad_ip_checksum = 0, bad_tcp_checksum = 0;
    int64_t last_us = 0;
    bool time_monotonic = true;
};

struct tcp_capture_read {
    capture_stats stats;
    std::map<uint16_t, captured_connection> connections;  // by client port
};

namespace detail {

inline uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t get32(const uint8_t* p) { return uint32_t{get16(p)} << 16 | get16(p + 2); }

inline void add_segment(captured_direction& d, uint32_t seq, uint8_t flags, const uint8_t* data, std::size_t n,
                        int64_t us) {
    if (flags & 0x02) {
        d.have_isn = true;
        d.isn = seq;
        return;
    }
    if (flags & 0x01) {
        ++d.fins;
        d.fin_seq = seq + static_cast<uint32_t>(n);
    }
    if (n == 0 || !d.have_isn) return;
    const uint64_t offset = static_cast<uint32_t>(seq - d.isn - 1);  // wraps with the sequence space
    if (d.segments.count(offset)) {
        ++d.duplicates;
        return;
    }
    if (offset < d.max_end) ++d.out_of_order;
    d.segments.emplace(offset, std::vector<uint8_t>(data, data + n));
    d.segment_us.emplace(offset, us);
    d.max_end = std::max(d.max_end, offset + n);
}

// One frame: checksums, then the TCP segment into `out`.
inline void read_frame(const uint8_t* f, std::size_t n, int64_t us, uint16_t server_port, tcp_capture_read& out) {
    capture_stats& s = out.stats;
    std::size_t at = 12;
    uint16_t type = get16(f + at);
    if (type == 0x8100) {
        ++s.vlan_tagged;
        at += 4;
        type = get16(f + at);
    }
    at += 2;
    const uint8_t* ip = f + at;
    const uint8_t *tcp, *pseudo_addr;
    std::size_t tcp_len, addr_len;
    if (type == 0x86dd) {
        ++s.ipv6;
        tcp = ip + 40, tcp_len = get16(ip + 4), pseudo_addr = ip + 8, addr_len = 32;
    } else {
        if (txscreen::txgen::fold(txscreen::txgen::ones_sum(ip, 20, 0)) != 0) ++s.bad_ip_checksum;
        tcp = ip + 20, tcp_len = get16(ip + 2) - 20u, pseudo_addr = ip + 12, addr_len = 8;
    }
    if (tcp + tcp_len > f + n) throw std::runtime_error("frame shorter than its IP length");
    const uint32_t pseudo = txscreen::txgen::ones_sum(pseudo_addr, addr_len, 0) + static_cast<uint32_t>(tcp_len) + 6;
    if (txscreen::txgen::fold(txscreen::txgen::ones_sum(tcp, tcp_len, pseudo)) != 0) ++s.bad_tcp_checksum;
    const uint16_t sport = get16(tcp), dport = get16(tcp + 2);
    const bool from_server = sport == server_port;
    const uint8_t flags = tcp[13];
    const std::size_t hdr = (tcp[12] >> 4) * 4u;
    const std::size_t data_len = tcp_len - hdr;
    if ((flags & 0x02) && !(flags & 0x10)) ++s.syn;
    if ((flags & 0x12) == 0x12) ++s.syn_ack;
    if (flags & 0x04) ++s.rst;
    if (data_len == 0 && flags == 0x10) ++s.pure_acks;
    if (data_len > 0) ++s.data_segments;
    captured_connection& c = out.connections[from_server ? dport : sport];
    add_segment(c.dir[from_server], get32(tcp + 4), flags, tcp + hdr, data_len, us);
}

}  // namespace detail

inline tcp_capture_read read_tcp_pcap(const std::string& path, uint16_t server_port) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* pc = pcap_open_offline(path.c_str(), err);
    if (!pc) throw std::runtime_error(std::string("pcap_open_offline: ") + err);
    tcp_capture_read out;
    pcap_pkthdr* h;
    const u_char* data;
    while (pcap_next_ex(pc, &h, &data) == 1) {
        ++out.stats.packets;
        const int64_t us = int64_t{h->ts.tv_sec} * 1000000 + h->ts.tv_usec;
        if (us < out.stats.last_us) out.stats.time_monotonic = false;
        out.stats.last_us = us;
        detail::read_frame(data, h->caplen, us, server_port, out);
    }
    pcap_close(pc);
    return out;
}

struct decoded_message {
    uint64_t offset;  // stream offset of its length prefix
    std::size_t framed_len;
    int64_t complete_us;  // capture time of the segment that brought its last byte
    txscreen::Txn txn;
};

struct stream_result {
    std::vector<decoded_message> messages;
    uint64_t straddling = 0;  // decoded messages whose bytes came in two or more segments
    uint64_t resyncs = 0;     // runs after a gap where parsing resumed
};

// Reassembles one direction and decodes its messages (see the file comment).
inline stream_result decode_stream(const captured_direction& d, txscreen::tcp_framing_kind framing,
                                   std::size_t header_bytes, const txscreen::iso_wire* wire) {
    using namespace txscreen;
    static const pan_tokenizer tok(std::string("txgen-tcp-test-key-0123456789abc"));
    const iso_decode_context ctx{&tok, wire, 1793491200000};
    const std::size_t prefix = framing == tcp_framing_kind::len4ascii ? 4 : 2;
    stream_result res;
    // Contiguous runs of received bytes.
    std::vector<std::pair<uint64_t, std::vector<uint8_t>>> runs;
    std::vector<uint64_t> seg_starts;
    for (const auto& [off, bytes] : d.segments) {
        seg_starts.push_back(off);
        if (!runs.empty() && runs.back().first + runs.back().second.size() >= off) {
            auto& run = runs.back();
            const uint64_t have = run.first + run.second.size();
            if (off + bytes.size() > have) run.second.insert(run.second.end(), bytes.begin() + static_cast<std::ptrdiff_t>(have - off), bytes.end());
        } else {
            runs.push_back({off, bytes});
        }
    }
    auto length_at = [&](const std::vector<uint8_t>& b, std::size_t p) -> std::size_t {
        const uint8_t* q = b.data() + p;
        switch (framing) {
            case tcp_framing_kind::len2be: return std::size_t{q[0]} << 8 | q[1];
            case tcp_framing_kind::len2le: return std::size_t{q[1]} << 8 | q[0];
            case tcp_framing_kind::len4ascii:
                for (int i = 0; i < 4; ++i)
                    if (q[i] < '0' || q[i] > '9') return 0;
                return (q[0] - '0') * 1000u + (q[1] - '0') * 100u + (q[2] - '0') * 10u + (q[3] - '0');
        }
        return 0;
    };
    // A message decodes at p (whole inside the run): returns its framed length, else 0.
    auto try_at = [&](const std::vector<uint8_t>& b, std::size_t p, Txn& t) -> std::size_t {
        if (p + prefix > b.size()) return 0;
        const std::size_t len = length_at(b, p);
        if (len < header_bytes + 20 || len > 8192 || p + prefix + len > b.size()) return 0;
        const uint8_t* msg = b.data() + p + prefix + header_bytes;
        return decode_iso8583(msg, len - header_bytes, ctx, t) == reject_reason::none ? prefix + len : 0;
    };
    for (const auto& [start, b] : runs) {
        std::size_t p = 0;
        Txn t;
        if (start != 0) {
            ++res.resyncs;
            while (p < b.size() && try_at(b, p, t) == 0) ++p;
        }
        while (p < b.size()) {
            const std::size_t n = try_at(b, p, t);
            if (n == 0) break;  // cut by the run's end (a gap), or the stream ends mid-message
            const uint64_t off = start + p;
            auto first = std::upper_bound(seg_starts.begin(), seg_starts.end(), off);
            if (first != seg_starts.end() && *first < off + n) ++res.straddling;
            const auto last = std::prev(d.segment_us.upper_bound(off + n - 1));  // holds the last byte
            res.messages.push_back({off, n, last->second, t});
            p += n;
        }
    }
    return res;
}

}  // namespace txgen_test
