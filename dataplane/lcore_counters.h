// Per-lcore counters (docs/dataplane.md, "Accounting"): one cache-line-aligned struct
// per lcore, written only by its lcore, added once per burst; the controlplane sums
// over lcores when it reads (dataplane: wo, ctlplane: ro; reads may be a burst behind).
//
// The fields are plain uint64_t, so a sum (dp_stats) is an ordinary value; while the
// lcores run, every access goes through count_add() / count_read(): std::atomic_ref
// with memory_order_relaxed. With one writer per field an increment is a relaxed load
// and store, not a read-modify-write: the same two moves as `++x` on x86, no lock
// prefix, and a reader on another thread sees whole values without a data race.
// Relaxed is enough: each value is read on its own; the identities that relate them
// hold only at a quiescent moment (after drain), which the lcores' exit orders.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "common/reject.h"
#include "feed/feed_sequencer.h"
#include "feed/packet.h"
#include "feed/sequence_suspect.h"

namespace txscreen {

// Lcore side: counter += n (the lcore is the counter's only writer).
inline void count_add(uint64_t& counter, uint64_t n = 1) noexcept {
    std::atomic_ref<uint64_t> c(counter);
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}
// Lcore side: counter = v (a copy the lcore publishes).
inline void count_set(uint64_t& counter, uint64_t v) noexcept {
    std::atomic_ref<uint64_t>(counter).store(v, std::memory_order_relaxed);
}
// Any thread: the counter's value.
inline uint64_t count_read(const uint64_t& counter) noexcept {
    return std::atomic_ref<uint64_t>(const_cast<uint64_t&>(counter)).load(std::memory_order_relaxed);
}

template <std::size_t N>
void count_read_add(std::array<uint64_t, N>& sum, const std::array<uint64_t, N>& lcore) noexcept {
    for (std::size_t i = 0; i < N; ++i) sum[i] += count_read(lcore[i]);
}

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

// sum += what one rx lcore has counted so far.
inline void count_read_add(rx_counters& sum, const rx_counters& c) noexcept {
    sum.rx_packets += count_read(c.rx_packets);
    sum.rx_bursts += count_read(c.rx_bursts);
    sum.feed_packets += count_read(c.feed_packets);
    sum.non_feed_packets += count_read(c.non_feed_packets);
    count_read_add(sum.drops, c.drops);
    sum.feed_messages += count_read(c.feed_messages);
    sum.framing_errors += count_read(c.framing_errors);
    sum.decoded += count_read(c.decoded);
    sum.rejected += count_read(c.rejected);
    count_read_add(sum.rejects, c.rejects);
    sum.duplicates += count_read(c.duplicates);
    sum.suspect_messages += count_read(c.suspect_messages);
    sum.heartbeats += count_read(c.heartbeats);
    sum.truncated_fields += count_read(c.truncated_fields);
    sum.pans_masked += count_read(c.pans_masked);
    sum.handoff_stalls += count_read(c.handoff_stalls);
}

// Engine config swaps are counted by the engine (engine_counters::ruleset_swaps,
// pattern_swaps) and acknowledged through the control channel (lcore_control.h).
struct alignas(64) worker_counters {
    uint64_t txns = 0;               // Txns taken from rx rings (or decoded in place)
    uint64_t verdicts = 0;           // verdicts put on the controlplane ring
    uint64_t alerts = 0;
    uint64_t verdict_stalls = 0;     // iterations waiting for room on the verdict ring
};

inline void count_read_add(worker_counters& sum, const worker_counters& c) noexcept {
    sum.txns += count_read(c.txns);
    sum.verdicts += count_read(c.verdicts);
    sum.alerts += count_read(c.alerts);
    sum.verdict_stalls += count_read(c.verdict_stalls);
}

// A feed's sequencing counters. The sequencer belongs to its rx lcore, which publishes
// them with publish_sequencer() every 1024 polls and once more when it stops.
struct feed_counters {
    uint64_t missing = 0;  // sequence gaps not filled by either line
    uint64_t gap_events = 0, late_accepted = 0, stale = 0, session_changes = 0, end_of_session = 0;
    // MoldUDP64 datagrams held back as suspect (implausible sequence range), and their
    // messages, by sequence_suspect reason; confirmed jumps that re-based a session.
    std::array<uint64_t, sequence_suspect_count> suspect_datagrams{}, suspect_messages{};
    uint64_t sequence_resets = 0;
    // Event time (counted by the workers): too late for the shard watermark, or dated
    // beyond the receive clock + velocity.max_future_skew (scored, never applied).
    uint64_t events_late = 0, events_ahead = 0;
};

// Rx lcore side: copies the sequencer's counters into `to`.
inline void publish_sequencer(feed_counters& to, const feed_sequencer& q) noexcept {
    const sequencer_counters& c = q.counters();
    count_set(to.missing, q.missing());
    count_set(to.gap_events, c.gap_events);
    count_set(to.late_accepted, c.late_accepted);
    count_set(to.stale, c.stale);
    count_set(to.session_changes, c.session_changes);
    count_set(to.end_of_session, c.end_of_session);
    count_set(to.sequence_resets, c.sequence_resets);
    for (std::size_t i = 0; i < sequence_suspect_count; ++i) {
        count_set(to.suspect_datagrams[i], c.suspect_datagrams[i]);
        count_set(to.suspect_messages[i], c.suspect_messages[i]);
    }
}

// sum += one rx lcore's published sequencing counters of a feed.
inline void count_read_add(feed_counters& sum, const feed_counters& c) noexcept {
    sum.missing += count_read(c.missing);
    sum.gap_events += count_read(c.gap_events);
    sum.late_accepted += count_read(c.late_accepted);
    sum.stale += count_read(c.stale);
    sum.session_changes += count_read(c.session_changes);
    sum.end_of_session += count_read(c.end_of_session);
    sum.sequence_resets += count_read(c.sequence_resets);
    count_read_add(sum.suspect_datagrams, c.suspect_datagrams);
    count_read_add(sum.suspect_messages, c.suspect_messages);
    sum.events_late += count_read(c.events_late);
    sum.events_ahead += count_read(c.events_ahead);
}

}  // namespace txscreen
