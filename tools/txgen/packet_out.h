// Where txgen's datagrams go: a classic libpcap file (Ethernet/IPv4/UDP frames built
// here, with correct lengths and checksums) or live UDP sockets, and the A/B fan-out
// that copies each datagram onto two lines with independent random drops.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/txgen/feed_writer.h"
#include "tools/txgen/pcap_file.h"
#include "tools/txgen/rng.h"

namespace txscreen::txgen {

// One UDP datagram leaving on a destination port (the A or the B line).
class packet_output {
public:
    virtual ~packet_output() = default;
    virtual void send(uint16_t dst_port, const uint8_t* payload, std::size_t n, int64_t time_ms) = 0;
    virtual void close() {}
};

inline constexpr std::size_t eth_header_len = 14;

struct udp_endpoints {
    uint32_t src_ip = 0x0a000001;  // 10.0.0.1
    uint32_t dst_ip = 0xef0a0001;  // 239.10.0.1 (multicast, as market-style feeds are)
    uint16_t src_port = 40000;
};

// Parses dotted-quad IPv4 text into host order; false when malformed.
bool parse_ipv4(const std::string& text, uint32_t& out) noexcept;

// Writes each datagram as an Ethernet/IPv4/UDP frame into a pcap_file.
class pcap_writer final : public packet_output {
public:
    // Creates/truncates `path`. Throws std::runtime_error naming the path and errno text.
    pcap_writer(const std::string& path, const udp_endpoints& ends);
    pcap_writer(const pcap_writer&) = delete;
    pcap_writer& operator=(const pcap_writer&) = delete;

    void send(uint16_t dst_port, const uint8_t* payload, std::size_t n, int64_t time_ms) override;
    // Flushes and closes; throws std::runtime_error on a write error (disk full...).
    void close() override;
    uint64_t packets() const noexcept { return _file.frames(); }

private:
    pcap_file _file;
    udp_endpoints _ends;
    uint16_t _ip_id = 0;
    std::vector<uint8_t> _frame;
};

// Sends datagrams over a UDP socket to host:port (the A line; B = port + 100), pacing
// to `rate` messages per second when > 0.
class udp_output final : public packet_output {
public:
    // Resolves host; throws std::runtime_error with the resolver's message.
    udp_output(const std::string& host, uint16_t port);
    ~udp_output() override;
    udp_output(const udp_output&) = delete;
    udp_output& operator=(const udp_output&) = delete;
    void send(uint16_t dst_port, const uint8_t* payload, std::size_t n, int64_t time_ms) override;
    uint64_t send_errors() const noexcept { return _errors; }

private:
    int _fd = -1;
    std::vector<uint8_t> _addr;  // sockaddr storage bytes of the resolved host
    uint64_t _errors = 0;
};

// The feed writer's sink: sends each datagram on the A port and, in A/B mode, on the B
// port too, each line dropping a datagram with probability drop_rate independently.
// Paces live output to `rate_msgs` messages per second of wall time when > 0.
class line_fanout final : public datagram_sink {
public:
    line_fanout(packet_output& out, uint16_t port_a, bool ab, double drop_rate, uint64_t seed, double rate_msgs = 0);
    void datagram(const uint8_t* p, std::size_t n, int64_t time_ms, unsigned messages) override;

    uint64_t sent_a() const noexcept { return _sent[0]; }
    uint64_t sent_b() const noexcept { return _sent[1]; }
    uint64_t dropped_a() const noexcept { return _dropped[0]; }
    uint64_t dropped_b() const noexcept { return _dropped[1]; }

private:
    packet_output& _out;
    uint16_t _port_a;
    bool _ab;
    double _drop;
    rng _rng_a, _rng_b;
    double _rate;
    uint64_t _paced_msgs = 0;
    int64_t _t0_ns = 0;
    uint64_t _sent[2] = {0, 0}, _dropped[2] = {0, 0};
};

}  // namespace txscreen::txgen
