// Per-lcore counters (docs/dataplane.md, "Accounting"): one cache-line-aligned struct
// per lcore, plain uint64_t written only by its lcore, added once per burst; the
// controlplane sums over lcores when it reads (dataplane: wo, ctlplane: ro; reads may
// be a burst behind).
#pragma once

#include <array>
#include <cstdint>

#include "common/reject.h"
#include "feed/packet.h"

namespace txscreen {

struct alignas(64) rx_counters {
    uint64_t rx_packets = 0;
    uint64_t rx_bursts = 0;
    uint64_t feed_packets = 0;       // UDP datagrams that matched a feed
    uint64_t non_feed_packets = 0;   // sum of drops[]
    std::array<uint64_t, packet_drop_count> drops{};  // by packet_drop reason
    uint64_t feed_messages = 0;      // messages framed out of feed datagrams
    uint64_t framing_errors = 0;     // datagrams whose framing broke (remaining bytes lost)
    uint64_t decoded = 0;
    uint64_t rejected = 0;           // sum of rejects[]
    std::array<uint64_t, reject_reason_count> rejects{};
    uint64_t duplicates = 0;         // A/B second copies and retransmits
    uint64_t suspect_messages = 0;   // held back: their datagram's sequence range is implausible
    uint64_t heartbeats = 0;
    uint64_t truncated_fields = 0;   // Txns with at least one text field cut to size
    uint64_t pans_masked = 0;        // PANs the decoders masked in text fields (pan_scrub.h)
    uint64_t handoff_stalls = 0;     // polls skipped because a worker ring was full
};

struct alignas(64) worker_counters {
    uint64_t txns = 0;               // Txns taken from rx rings (or decoded in place)
    uint64_t verdicts = 0;           // verdicts put on the controlplane ring
    uint64_t alerts = 0;
    uint64_t verdict_stalls = 0;     // iterations waiting for room on the verdict ring
    uint64_t reloads = 0;            // engine config swaps picked up
};

}  // namespace txscreen
