// Options of txgen --transport tcp (docs/feeds.md, "txgen --transport tcp").
#pragma once

#include <cstdint>
#include <string>

#include "tools/txgen/issuer.h"
#include "flow/tcp_framing.h"
#include "tools/txgen/tcp_connection.h"
#include "tools/txgen/tcp_frame.h"

namespace txscreen::txgen {

struct tcp_options {
    tcp_endpoints ends;                 // addresses, --tcp-port, --ipv6, --vlan
    unsigned connections = 4;
    tcp_framing_kind framing = tcp_framing_kind::len2be;
    unsigned header_bytes = 0;          // network header after the length prefix
    unsigned mss = 0;                   // 0: 1460 over IPv4, 1440 over IPv6
    int64_t coalesce_us = 10'000;       // a direction's bytes wait at most this long to fill a segment
    issuer_config issuer;
    tcp_fault_rates faults;
    bool isn_given = false;             // --isn: every direction starts at `isn`
    uint32_t isn = 0;
    std::string report_path;            // --tcp-report FILE, empty = none

    unsigned effective_mss() const noexcept { return mss ? mss : ends.ipv6 ? 1440 : 1460; }
};

// Returns an empty string when valid, else a message naming the option.
std::string validate(const tcp_options& o);

}  // namespace txscreen::txgen
