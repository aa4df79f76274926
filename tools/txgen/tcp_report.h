// What txgen --transport tcp wrote and what its injected faults cost, as counts a
// test compares with what a reassembler decoded (--tcp-report FILE, docs/feeds.md
// "txgen --transport tcp" defines each).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "tools/txgen/issuer.h"
#include "tools/txgen/tcp_connection.h"

namespace txscreen::txgen {

struct tcp_report {
    uint64_t connections = 0;
    uint64_t requests = 0;             // requests written to the client streams
    uint64_t responses = 0;            // responses written to the server streams
    uint64_t unanswered_by_issuer = 0; // requests the issuer never answered
    uint64_t approved = 0, declined = 0;  // over responses
    std::array<uint64_t, decline_codes.size()> declines_by_code{};
    uint64_t requests_lost = 0;        // requests with a byte in a lost segment
    uint64_t responses_lost = 0;       // responses likewise
    uint64_t paired = 0;               // request and its response both intact in the capture
    uint64_t paired_declined = 0;      // of those, declines
    uint64_t unpaired_responses = 0;   // response intact, its request lost
    uint64_t unanswered = 0;           // request intact, its response lost or never sent
    tcp_segment_counts segments;
    uint64_t packets = 0;              // frames in the pcap

    uint64_t requests_intact() const noexcept { return requests - requests_lost; }
    uint64_t responses_intact() const noexcept { return responses - responses_lost; }
};

// The report as one JSON object (no trailing newline).
std::string to_json(const tcp_report& r);
// Writes to_json(r) + "\n" to `path`; throws std::runtime_error naming the path.
void write_report(const tcp_report& r, const std::string& path);

}  // namespace txscreen::txgen
