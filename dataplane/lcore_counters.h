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
#include "flow/pairing_counters.h"
#include "flow/tcp_counters.h"

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

// Each scalar counter once: its field and its line in the lcore sum below come from
// one list (the arrays by reason are added apart).
#define TXSCREEN_RX_COUNTERS(X)                                                        \
    X(rx_packets)                                                                      \
    X(rx_bursts)                                                                       \
    X(feed_packets)     /* UDP datagrams and TCP segments that matched a feed */      \
    X(non_feed_packets) /* sum of drops[] */                                           \
    X(feed_messages)    /* messages framed out of feed datagrams and TCP streams */    \
    X(framing_errors)   /* datagrams whose framing broke (remaining bytes lost) */     \
    X(decoded)          /* requests decoded: screened */                               \
    X(responses)        /* TCP responses decoded and offered to pairing (not scored) */ \
    X(outcomes)         /* paired requests sent to the card's worker as outcomes */    \
    X(network_messages) /* TCP network management messages (08xx): not transactions */ \
    X(rejected)         /* sum of rejects[] */                                         \
    X(duplicates)       /* A/B second copies and retransmits */                        \
    X(suspect_messages) /* held back: their datagram's sequence range is implausible */ \
    X(heartbeats)                                                                      \
    X(truncated_fields) /* Txns with at least one text field cut to size */            \
    X(pans_masked)      /* PANs the decoders masked in text fields (pan_scrub.h) */    \
    X(handoff_stalls)   /* polls skipped because a worker ring was full */

#define TXSCREEN_COUNTER_FIELD(name) uint64_t name = 0;
#define TXSCREEN_COUNTER_SUM(name) sum.name += count_read(c.name);
#define TXSCREEN_COUNTER_SUM_STREAM(name) sum.stream.name += count_read(c.stream.name);
#define TXSCREEN_COUNTER_SUM_PAIRING(name) sum.pairing.name += count_read(c.pairing.name);

struct alignas(64) rx_counters {
    TXSCREEN_RX_COUNTERS(TXSCREEN_COUNTER_FIELD)
    std::array<uint64_t, packet_drop_count> drops{};     // by packet_drop reason
    std::array<uint64_t, reject_reason_count> rejects{};  // by reject reason
};

// sum += what one rx lcore has counted so far.
inline void count_read_add(rx_counters& sum, const rx_counters& c) noexcept {
    TXSCREEN_RX_COUNTERS(TXSCREEN_COUNTER_SUM)
    count_read_add(sum.drops, c.drops);
    count_read_add(sum.rejects, c.rejects);
}

// Engine config swaps are counted by the engine (engine_counters::ruleset_swaps,
// pattern_swaps) and acknowledged through the control channel (lcore_control.h).
#define TXSCREEN_WORKER_COUNTERS(X)                                                 \
    X(txns)           /* Txns taken from rx rings (or decoded in place), outcomes too */ \
    X(outcomes)       /* of txns: issuer outcomes (applied to card state, not scored) */ \
    X(verdicts)       /* verdicts put on the controlplane ring */                    \
    X(alerts)                                                                        \
    X(verdict_stalls) /* iterations waiting for room on the verdict ring */

struct alignas(64) worker_counters {
    TXSCREEN_WORKER_COUNTERS(TXSCREEN_COUNTER_FIELD)
};

inline void count_read_add(worker_counters& sum, const worker_counters& c) noexcept {
    TXSCREEN_WORKER_COUNTERS(TXSCREEN_COUNTER_SUM)
}

// A TCP feed's counters on one rx lcore: its reassembler's (flow/tcp_counters.h) and
// its pairing table's (flow/pairing_counters.h), published like the sequencers'.
struct feed_tcp_counters {
    tcp_counters stream;
    pairing_counters pairing;
};

#define TXSCREEN_COUNTER_PUBLISH(name) count_set(to.name, from.name);
inline void publish_tcp(feed_tcp_counters& published, const tcp_counters& stream,
                        const pairing_counters& pairing) noexcept {
    {
        tcp_counters& to = published.stream;
        const tcp_counters& from = stream;
        TXSCREEN_TCP_COUNTERS(TXSCREEN_COUNTER_PUBLISH)
    }
    pairing_counters& to = published.pairing;
    const pairing_counters& from = pairing;
    TXSCREEN_PAIRING_COUNTERS(TXSCREEN_COUNTER_PUBLISH)
}
#undef TXSCREEN_COUNTER_PUBLISH

inline void count_read_add(feed_tcp_counters& sum, const feed_tcp_counters& c) noexcept {
    TXSCREEN_TCP_COUNTERS(TXSCREEN_COUNTER_SUM_STREAM)
    TXSCREEN_PAIRING_COUNTERS(TXSCREEN_COUNTER_SUM_PAIRING)
}

// A feed's sequencing counters. The sequencer belongs to its rx lcore, which publishes
// them with publish_sequencer() every 1024 polls and once more when it stops.
// Event time (counted by the workers): too late for the shard watermark, or dated
// beyond the receive clock + velocity.max_future_skew (scored, never applied).
#define TXSCREEN_FEED_COUNTERS(X)                                         \
    X(missing) /* sequence gaps not filled by either line */              \
    X(gap_events)                                                         \
    X(late_accepted)                                                      \
    X(stale)                                                              \
    X(session_changes)                                                    \
    X(end_of_session)                                                     \
    X(sequence_resets) /* confirmed jumps that re-based a session */      \
    X(events_late)                                                        \
    X(events_ahead)

struct feed_counters {
    TXSCREEN_FEED_COUNTERS(TXSCREEN_COUNTER_FIELD)
    feed_tcp_counters tcp;  // TCP feeds only
    // MoldUDP64 datagrams held back as suspect (implausible sequence range), and their
    // messages, by sequence_suspect reason.
    std::array<uint64_t, sequence_suspect_count> suspect_datagrams{}, suspect_messages{};
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
    TXSCREEN_FEED_COUNTERS(TXSCREEN_COUNTER_SUM)
    count_read_add(sum.tcp, c.tcp);
    count_read_add(sum.suspect_datagrams, c.suspect_datagrams);
    count_read_add(sum.suspect_messages, c.suspect_messages);
}

}  // namespace txscreen
