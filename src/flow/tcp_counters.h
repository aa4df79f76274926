// Per-feed TCP counters of one rx lcore's tcp_tracker (plain fields, written only by
// that lcore; the rx stage publishes them). Byte identity, exact at any moment between
// two tracker calls:
//   payload_bytes == duplicate_bytes + message_bytes + discarded_bytes + buffered_bytes
// Connections: open = connections_opened - connections_closed; reset, evicted and
// timed_out are parts of closed by cause.
#pragma once

#include <cstdint>

namespace txscreen {

#define TXSCREEN_TCP_COUNTERS(X)                                                                  \
    X(connections_opened)     /* flows started: SYN/SYN-ACK seen, or picked up mid-stream */     \
    X(connections_closed)     /* flows ended by any cause (FIN both ways, RST, evict, idle, stop) */ \
    X(connections_reset)      /* of closed: ended by an RST */                                  \
    X(connections_evicted)    /* of closed: live flows evicted for a new one (table full) */     \
    X(connections_timed_out)  /* of closed: idle past the timeout */                            \
    X(connections_refused)    /* new flows not tracked: table full (a SYN never evicts a live established flow) */ \
    X(segments_in_order)      /* payload segments that extended the in-order stream */          \
    X(segments_out_of_order)  /* payload segments held ahead of a hole */                       \
    X(segments_retransmitted) /* payload segments whose bytes had all been seen */             \
    X(overlap_conflicts)      /* segments overlapping held bytes with different bytes (first copy wins) */ \
    X(payload_bytes)          /* TCP payload bytes handed to the tracker */                     \
    X(duplicate_bytes)        /* payload bytes already seen (retransmits, overlaps) */          \
    X(message_bytes)          /* bytes of delivered frames: length prefix + header + message */ \
    X(discarded_bytes)        /* received, not delivered: hunting, partial at a gap, bad length, memcap, late */ \
    X(gap_bytes)              /* sequence space skipped that no stored segment covered */      \
    X(gaps)                   /* holes given up on (per-flow cap, peer ACK past it, FIN/RST/idle/stop) */ \
    X(resyncs)                /* boundaries found by hunting (after pickup, gap or bad length) */ \
    X(hunts_cut)              /* hunts that gave up a segment's bytes after 32 candidate walks (crafted streams) */ \
    X(messages)               /* messages delivered */                                         \
    X(partial_messages_dropped) /* messages cut by a gap, RST, memcap or end of flow */          \
    X(bad_length)             /* length prefixes of 0, beyond max_message or not digits */      \
    X(memcap_drops)           /* segments (or partial messages) not stored: global memcap full */ \
    X(buffered_bytes)         /* gauge: payload bytes held now (partial messages, out of order) */

struct tcp_counters {
#define TXSCREEN_TCP_COUNTER_FIELD(name) uint64_t name = 0;
    TXSCREEN_TCP_COUNTERS(TXSCREEN_TCP_COUNTER_FIELD)
#undef TXSCREEN_TCP_COUNTER_FIELD
};

}  // namespace txscreen
