#include "tools/txgen/packet_out.h"

#include "codec/feed_defaults.h"
#include "tools/txgen/wire_bytes.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace txscreen::txgen {

namespace {

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

bool parse_ipv4(const std::string& text, uint32_t& out) noexcept {
    in_addr a;
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) return false;
    out = ntohl(a.s_addr);
    return true;
}

// ---- pcap

pcap_writer::pcap_writer(const std::string& path, const udp_endpoints& ends) : _file(path), _ends(ends) {
    _frame.reserve(9100);
}

void pcap_writer::send(uint16_t dst_port, const uint8_t* payload, std::size_t n, int64_t time_ms) {
    const std::size_t ip_len = ipv4_udp_overhead + n;
    _frame.resize(eth_header_len + ip_len);
    uint8_t* e = _frame.data();
    // Destination MAC: the IPv4 multicast mapping (01:00:5e + low 23 bits) for a
    // multicast group, else a locally administered unicast address.
    if ((_ends.dst_ip >> 28) == 0xe) {
        const uint8_t m[6] = {0x01, 0x00, 0x5e, static_cast<uint8_t>((_ends.dst_ip >> 16) & 0x7f),
                              static_cast<uint8_t>(_ends.dst_ip >> 8), static_cast<uint8_t>(_ends.dst_ip)};
        std::memcpy(e, m, 6);
    } else {
        const uint8_t m[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
        std::memcpy(e, m, 6);
    }
    const uint8_t src_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    std::memcpy(e + 6, src_mac, 6);
    put16(e + 12, 0x0800);

    uint8_t* ip = e + eth_header_len;
    ip[0] = 0x45;  // IPv4, 20-byte header
    ip[1] = 0;
    put16(ip + 2, static_cast<uint16_t>(ip_len));
    put16(ip + 4, _ip_id++);
    put16(ip + 6, 0);  // no fragmentation flags
    ip[8] = 64;        // TTL
    ip[9] = 17;        // UDP
    put16(ip + 10, 0);
    put32(ip + 12, _ends.src_ip);
    put32(ip + 16, _ends.dst_ip);
    put16(ip + 10, fold(ones_sum(ip, 20, 0)));

    uint8_t* udp = ip + 20;
    const uint16_t udp_len = static_cast<uint16_t>(8 + n);
    put16(udp, _ends.src_port);
    put16(udp + 2, dst_port);
    put16(udp + 4, udp_len);
    put16(udp + 6, 0);
    std::memcpy(udp + 8, payload, n);
    // UDP checksum over the pseudo-header, header and payload; 0 means "none", so a
    // computed 0 is sent as 0xffff (RFC 768).
    uint32_t sum = ones_sum(ip + 12, 8, 0);
    sum += 17 + udp_len;
    uint16_t ck = fold(ones_sum(udp, udp_len, sum));
    put16(udp + 6, ck == 0 ? 0xffff : ck);

    // Capture timestamps never go backwards (a duplicate's copy repeats an older event
    // time; pcap_file clamps it).
    _file.write(_frame.data(), _frame.size(), time_ms * 1000);
}

void pcap_writer::close() { _file.close(); }

// ---- live UDP

udp_output::udp_output(const std::string& host, uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    const std::string port_text = std::to_string(port);
    if (int rc = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res); rc != 0)
        throw std::runtime_error("txgen: cannot resolve --udp host '" + host + "': " + gai_strerror(rc));
    _fd = ::socket(res->ai_family, SOCK_DGRAM, 0);
    if (_fd < 0) {
        freeaddrinfo(res);
        throw std::runtime_error(std::string("txgen: socket: ") + std::strerror(errno));
    }
    const auto* a = reinterpret_cast<const uint8_t*>(res->ai_addr);
    _addr.assign(a, a + res->ai_addrlen);
    freeaddrinfo(res);
    int sndbuf = 4 << 20;
    ::setsockopt(_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
}

udp_output::~udp_output() {
    if (_fd >= 0) ::close(_fd);
}

void udp_output::send(uint16_t dst_port, const uint8_t* payload, std::size_t n, int64_t) {
    // Both families keep the port at the same offset (sin_port / sin6_port).
    auto* sa = reinterpret_cast<sockaddr_in*>(_addr.data());
    sa->sin_port = htons(dst_port);
    if (::sendto(_fd, payload, n, 0, reinterpret_cast<const sockaddr*>(_addr.data()),
                 static_cast<socklen_t>(_addr.size())) < 0)
        ++_errors;  // counted and reported at the end; a live feed keeps going
}

// ---- A/B fan-out

line_fanout::line_fanout(packet_output& out, uint16_t port_a, bool ab, double drop_rate, uint64_t seed,
                         double rate_msgs)
    : _out(out), _port_a(port_a), _ab(ab), _drop(drop_rate), _rng_a(rng::derive(seed, 10)),
      _rng_b(rng::derive(seed, 11)), _rate(rate_msgs) {}

void line_fanout::datagram(const uint8_t* p, std::size_t n, int64_t time_ms, unsigned messages) {
    if (_rate > 0) {
        // Wall-clock pacing: datagram k leaves when the messages before it are due.
        if (_t0_ns == 0) _t0_ns = now_ns();
        const int64_t due = _t0_ns + static_cast<int64_t>(static_cast<double>(_paced_msgs) / _rate * 1e9);
        const int64_t wait = due - now_ns();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
        _paced_msgs += messages;
    }
    if (!_ab) {
        _out.send(_port_a, p, n, time_ms);
        ++_sent[0];
        return;
    }
    // One draw per line per datagram, from separate streams: the lines drop independently.
    const bool drop_a = _rng_a.uniform() < _drop, drop_b = _rng_b.uniform() < _drop;
    if (drop_a) ++_dropped[0];
    else {
        _out.send(_port_a, p, n, time_ms);
        ++_sent[0];
    }
    if (drop_b) ++_dropped[1];
    else {
        _out.send(static_cast<uint16_t>(_port_a + default_b_line_offset), p, n, time_ms);
        ++_sent[1];
    }
}

}  // namespace txscreen::txgen
