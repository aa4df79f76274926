// txgen's options and top-level run, as a library so tests and `txscreen demo` run
// exactly what the binary runs, in process (txgen_cli.h parses the command line).
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/txgen/feed_writer.h"
#include "tools/txgen/generator.h"
#include "tools/txgen/packet_out.h"
#include "tools/txgen/tcp_options.h"
#include "tools/txgen/tcp_report.h"

namespace txscreen::txgen {

enum class transport : uint8_t { udp, tcp };

struct txgen_options {
    generator_config gen;
    transport carrier = transport::udp;
    feed_options feed;           // UDP feeds (and the ISO 8583 dialect of TCP ones)
    tcp_options tcp;             // --transport tcp
    std::string out_path;        // pcap file; empty with --udp
    std::string labels_path;     // labels CSV; empty = none
    std::string udp_host;        // --udp HOST:PORT (live mode when not empty)
    uint16_t udp_port = 0;
    double rate = 0;             // --rate: live messages per second, 0 = unpaced
    std::string from_jsonl;      // read transactions from this JSON-lines file instead
    uint16_t port = 0;           // --port: UDP destination (pcap), 0 = default for format/framing
    double ab_drop_rate = -1;    // >= 0: also write the B line (port + 100) with drops
    udp_endpoints ends;
    bool quiet = false;
    bool help = false;
    bool version = false;  // --version: print the version and exit
};

struct txgen_result {
    uint64_t messages = 0;     // transactions written (copies of duplicates included)
    uint64_t datagrams = 0;    // datagrams built (before A/B drops)
    uint64_t heartbeats = 0;
    uint64_t packets = 0;      // packets written to the pcap / sent (both lines)
    uint64_t dropped_a = 0, dropped_b = 0;
    uint64_t send_errors = 0;  // live UDP sendto failures
    uint64_t first_seq = 0, next_seq = 0;
    uint16_t port_a = 0;
    std::array<uint64_t, scenario_count> labels{};  // rows per label (generator mode)
    uint64_t broken = 0;       // transactions with a field a --break overwrote
    tcp_report tcp;            // --transport tcp
    double seconds = 0;
};

// Generates (or reads --from-jsonl) and writes the feed and the labels. Progress lines
// go to `progress` about once a second when not null. Throws std::runtime_error with a
// message a person can act on (file errors, a bad --from-jsonl line, MTU too small).
txgen_result run_txgen(const txgen_options& o, std::FILE* progress);

}  // namespace txscreen::txgen
