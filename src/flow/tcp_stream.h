// One direction of a TCP connection: reassembly and message framing.
//
// In-order data is framed straight from the segment (a message inside one segment is
// delivered as a pointer into it, no copy). The unfinished message at a segment's end
// is kept in segment_pool chunks; the next segment completes it (the message is
// gathered into the tracker's scratch buffer, the rest framed from the segment).
// Out-of-order bytes are kept in chunks too, sorted by seq with first-copy-wins
// overlap handling. A hole is given up on (a gap) when this direction holds more than
// its chunk cap, when the peer's ACK passes the hole, or when the flow ends: the
// partial message before it is dropped and framing resumes at the next plausible
// boundary after it (hunting; tcp_framing::check_boundary), so a lost segment costs
// the messages it carried plus at most the two it cut. A bad length prefix also
// starts a hunt. Sequence numbers use serial arithmetic throughout (wrap-around).
#pragma once

#include <cstddef>
#include <cstdint>

#include "flow/segment_pool.h"
#include "flow/tcp_counters.h"
#include "flow/tcp_framing.h"

namespace txscreen {

// What the tracker reports to the rx stage. `msg` is valid only during the call.
class tcp_events {
public:
    virtual void message(unsigned feed, uint64_t flow_id, bool to_server, const uint8_t* msg,
                         std::size_t len) noexcept = 0;
    // The connection ended (FIN both ways, RST, eviction, idle, stop): no more messages
    // carry this flow_id.
    virtual void flow_closed(unsigned feed, uint64_t flow_id) noexcept = 0;

protected:
    ~tcp_events() = default;
};

// Everything one call on a stream needs besides the stream's own state.
struct tcp_stream_env {
    segment_pool& pool;
    uint8_t* scratch;  // tracker-wide linearisation buffer
    const tcp_framing& framing;
    tcp_counters& c;
    tcp_events& ev;
    uint64_t flow_id;
    uint32_t cap_chunks;  // per-direction limit on held chunks
    unsigned feed;
    bool to_server;
};

class tcp_stream {
public:
    bool synced() const noexcept { return synced_; }
    uint32_t start_seq() const noexcept { return start_seq_; }
    uint32_t next_seq() const noexcept { return next_seq_; }
    uint32_t held_bytes() const noexcept { return held_bytes_; }

    // Begins the stream at `seq`: at a message boundary (after a SYN) or hunting for
    // one (mid-stream pickup).
    void start(uint32_t seq, bool at_boundary) noexcept;
    void on_data(const tcp_stream_env& env, uint32_t seq, const uint8_t* p, uint32_t n) noexcept;
    // The other direction acknowledged `ack` of this one. True when a hole may now be
    // given up on: then call enforce_limits.
    bool on_peer_ack(uint32_t ack) noexcept;
    // Gives up holes while this direction holds more than its cap or the peer's ACK
    // has passed the first hole.
    void enforce_limits(const tcp_stream_env& env) noexcept;
    // End of the flow: give up every hole, frame what is held, drop the partial message.
    void finish(const tcp_stream_env& env) noexcept;
    // Data arriving after finish(): duplicates before next_seq, discarded beyond.
    void on_late_data(const tcp_stream_env& env, uint32_t seq, uint32_t n) noexcept;

private:
    uint32_t frame(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept;
    uint32_t hunt(const tcp_framing& f, const uint8_t* p, uint32_t pos, uint32_t n, unsigned& walks,
                  tcp_counters& c) noexcept;
    void deliver(const tcp_stream_env& env, const uint8_t* frame_start, uint32_t total) noexcept;
    void in_order(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept;
    void frame_tail(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept;
    bool complete_partial(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept;
    void frame_held(const tcp_stream_env& env) noexcept;
    void give_up_hole(const tcp_stream_env& env) noexcept;
    void drop_in_order(const tcp_stream_env& env, uint32_t unstored) noexcept;
    uint32_t insert(const tcp_stream_env& env, uint32_t seq, const uint8_t* p, uint32_t n) noexcept;
    bool store_after(const tcp_stream_env& env, uint32_t& prev, uint32_t seq, const uint8_t* p, uint32_t n,
                     uint32_t next) noexcept;
    bool append(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept;
    void store_front(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept;
    void gather_front(const tcp_stream_env& env, uint32_t n, uint8_t* out) noexcept;
    void release_front(const tcp_stream_env& env, uint32_t n) noexcept;
    void copy_front(segment_pool& pool, uint8_t* out, uint32_t n) const noexcept;
    bool conflicts_with_held(segment_pool& pool, uint32_t seq, const uint8_t* p, uint32_t n) const noexcept;
    void extend_next(segment_pool& pool) noexcept;
    uint32_t first_out_of_order(segment_pool& pool) const noexcept;
    bool holds_out_of_order() const noexcept { return held_bytes_ != next_seq_ - base_seq_; }

    uint32_t base_seq_ = 0;   // first byte not yet framed: [base, next) is held in order
    uint32_t next_seq_ = 0;   // first byte not yet received in order
    uint32_t start_seq_ = 0;  // first byte of the stream as first seen
    uint32_t peer_ack_ = 0;
    uint32_t head_ = segment_pool::nil;  // chunks by seq: [base, next), then out of order
    uint32_t held_bytes_ = 0;
    uint32_t chunks_ = 0;
    bool synced_ = false;
    bool hunting_ = false;    // no known message boundary at base
    bool ack_valid_ = false;
};

}  // namespace txscreen
