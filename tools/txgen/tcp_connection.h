// One TCP connection of a txgen conversation, both directions: handshake, the byte
// stream of each direction cut into MSS-sized segments (so small messages share a
// segment and others straddle two), pure ACKs from the receiver, FIN at the end, and
// the injected faults of a capture: a lost segment never appears in the capture (the
// endpoints got it: a tap dropped it, so ACKs cover it), a reordered one appears right
// after the next segment of its burst (or, the last of a burst, is cut in two pieces
// captured second first), a retransmitted one appears twice. Every fault stays within
// one burst, microseconds of capture time, as a tap's would: never past the other
// side's ACK or answer.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "tools/txgen/rng.h"
#include "tools/txgen/tcp_capture.h"

namespace txscreen::txgen {

struct tcp_fault_rates {
    double loss = 0, reorder = 0, retransmit = 0;  // per data segment, exclusive fates
};

struct tcp_segment_counts {
    uint64_t data_segments = 0;   // distinct data segments cut from the streams
    uint64_t lost = 0;            // never written
    uint64_t reordered = 0;       // written right after a later segment of the same direction
    uint64_t retransmitted = 0;   // written twice
    uint64_t bytes_lost[2] = {0, 0};  // [0] client to server, [1] server to client
};

// Told what happens to each message's bytes (ids are the caller's).
class message_listener {
public:
    virtual ~message_listener() = default;
    // A byte of the message lies in a lost segment (called once per message).
    virtual void message_lost(uint64_t id, bool from_server) = 0;
    // All the message's bytes are in segments now, the last cut at `t_us` (after
    // message_lost, if any).
    virtual void message_cut(uint64_t id, bool from_server, int64_t t_us) = 0;
};

class tcp_connection {
public:
    tcp_connection(uint16_t client_port, uint32_t client_isn, uint32_t server_isn, uint16_t mss,
                   const tcp_fault_rates& faults, tcp_capture& capture, rng& fate, tcp_segment_counts& counts,
                   message_listener& listener);

    // SYN, SYN-ACK, ACK from `t_us` on.
    void open(int64_t t_us);
    // Queues a framed message on a direction; full segments leave at once.
    void send(bool from_server, const uint8_t* bytes, std::size_t n, uint64_t id, int64_t t_us);
    // Sends what a direction has queued (the last segment may be short).
    void flush(bool from_server, int64_t t_us);
    // Flushes both directions, then FIN/ACK, FIN/ACK, ACK.
    void close(int64_t t_us);

    std::size_t queued(bool from_server) const noexcept { return _dir[from_server].pending.size(); }

private:
    struct queued_message {
        uint64_t end;  // stream offset just past the message
        uint64_t id;
        bool lost;
    };
    struct held_segment {
        uint64_t offset = 0;
        std::vector<uint8_t> bytes;
        bool present = false;
    };
    struct direction {
        uint32_t isn = 0;
        uint64_t cut = 0;                 // stream bytes already cut into segments
        std::vector<uint8_t> pending;     // stream bytes from offset `cut` on
        std::deque<queued_message> messages;  // messages not fully cut yet
        uint64_t first_start = 0;         // stream offset where messages.front() starts
        held_segment held;
        uint32_t last_pure_ack = 0;       // the receiver's last pure ACK of this direction
    };

    // `more_follow`: another segment of this burst (same send or flush) comes next.
    void emit(bool from_server, std::size_t len, bool more_follow, int64_t t_us);
    void end_burst(bool from_server, int64_t t_us);
    void mark_and_pop(bool from_server, uint64_t begin, uint64_t end, bool lost, int64_t t_us);
    int64_t write_data(bool from_server, uint64_t offset, const uint8_t* p, std::size_t n, int64_t t_us);
    void write_split_swapped(bool from_server, uint64_t offset, std::size_t len, int64_t t_us);
    void release_held(bool from_server, int64_t t_us);
    // The receiver's pure ACK, sent only when it acknowledges more than its last one
    // (so a reordered segment costs no duplicate ACKs: tshark then calls it
    // out-of-order, not a fast retransmission).
    void write_ack(bool from_server_acked, int64_t t_us);
    // What the receiver of a direction has in sequence, as the ACK number it sends.
    uint32_t ack_for(bool from_server) const noexcept;
    uint32_t next_seq(bool from_server) const noexcept;

    uint16_t _client_port;
    uint16_t _mss;
    tcp_fault_rates _faults;
    tcp_capture& _capture;
    rng& _fate;
    tcp_segment_counts& _counts;
    message_listener& _listener;
    direction _dir[2];  // [0] client to server, [1] server to client
};

}  // namespace txscreen::txgen
