#include "flow/tcp_stream.h"

#include <algorithm>
#include <cstring>

#include "flow/tcp_segment.h"

namespace txscreen {

namespace {
constexpr uint32_t nil = segment_pool::nil;
constexpr uint32_t chunk_bytes = segment_pool::chunk_bytes;
uint32_t chunk_end(const segment_pool::chunk& m) noexcept { return m.seq + m.len; }
}  // namespace

void tcp_stream::start(uint32_t seq, bool at_boundary) noexcept {
    base_seq_ = next_seq_ = start_seq_ = seq;
    synced_ = true;
    hunting_ = !at_boundary;
}

void tcp_stream::on_data(const tcp_stream_env& env, uint32_t seq, const uint8_t* p, uint32_t n) noexcept {
    env.c.payload_bytes += n;
    if (!synced_) [[unlikely]]
        start(seq, false);
    if (seq_lt(seq, next_seq_)) [[unlikely]] {
        const uint32_t dup = std::min(n, next_seq_ - seq);
        if (conflicts_with_held(env.pool, seq, p, dup)) ++env.c.overlap_conflicts;
        env.c.duplicate_bytes += dup;
        if (dup == n) {
            ++env.c.segments_retransmitted;
            return;
        }
        seq += dup, p += dup, n -= dup;
    }
    if (seq == next_seq_ && !holds_out_of_order()) [[likely]] {
        ++env.c.segments_in_order;
        in_order(env, p, n);
        return;
    }
    if (seq == next_seq_) {
        // Frame what precedes the held bytes straight from the segment (it needs no
        // chunks: the memcap may be full of out-of-order data), hold the rest.
        ++env.c.segments_in_order;
        const uint32_t before_held = std::min(n, first_out_of_order(env.pool) - seq);
        in_order(env, p, before_held);
        if (before_held < n) insert(env, seq + before_held, p + before_held, n - before_held);
        extend_next(env.pool);
        frame_held(env);
    } else {
        const uint64_t dup_before = env.c.duplicate_bytes;
        insert(env, seq, p, n);
        if (env.c.duplicate_bytes - dup_before == n)
            ++env.c.segments_retransmitted;
        else
            ++env.c.segments_out_of_order;
    }
    enforce_limits(env);
}

bool tcp_stream::on_peer_ack(uint32_t ack) noexcept {
    if (!synced_) return false;
    if (!ack_valid_ || seq_lt(peer_ack_, ack)) peer_ack_ = ack, ack_valid_ = true;
    return holds_out_of_order();
}

void tcp_stream::finish(const tcp_stream_env& env) noexcept {
    while (holds_out_of_order()) give_up_hole(env);
    drop_in_order(env, 0);
}

void tcp_stream::on_late_data(const tcp_stream_env& env, uint32_t seq, uint32_t n) noexcept {
    env.c.payload_bytes += n;
    const uint32_t dup = seq_lt(seq, next_seq_) ? std::min(n, next_seq_ - seq) : 0;
    env.c.duplicate_bytes += dup;
    env.c.discarded_bytes += n - dup;
    if (dup == n) ++env.c.segments_retransmitted;
}

// ---- framing

// Frames [p, p + n), which starts at base_seq_; returns the bytes consumed (delivered
// or discarded). The rest is an unfinished frame, or too little to judge a boundary.
uint32_t tcp_stream::frame(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept {
    const tcp_framing& f = env.framing;
    const uint32_t prefix = f.prefix_bytes();
    uint32_t pos = 0;
    unsigned walks = 0;  // one budget for every hunt in these bytes
    for (;;) {
        if (hunting_) [[unlikely]] {
            const uint32_t from = pos;
            pos = hunt(f, p, pos, n, walks, env.c);
            env.c.discarded_bytes += pos - from;
            if (hunting_) return pos;
            ++env.c.resyncs;
        }
        if (n - pos < prefix) return pos;
        const uint32_t len = f.read_length(p + pos);
        if (!f.length_ok(len)) [[unlikely]] {
            ++env.c.bad_length;
            hunting_ = true;
            continue;
        }
        if (n - pos < prefix + len) return pos;
        deliver(env, p + pos, prefix + len);
        pos += prefix + len;
    }
}

// The first boundary in [p + pos, p + n) that check_boundary confirms (hunting ends),
// else where the undecided bytes start: the first candidate whose frame is not all
// here yet. Candidates after an undecided one are still tried, so a false candidate
// announcing a long frame does not hold up the true boundary behind it.
// A stream crafted to look like a message start at every few bytes would cost a field
// walk of up to max_message bytes at each: after max_hunt_walks walks in one call the
// bytes at hand are given up (counted) and hunting resumes with the next segment.
uint32_t tcp_stream::hunt(const tcp_framing& f, const uint8_t* p, uint32_t pos, uint32_t n, unsigned& walks,
                          tcp_counters& c) noexcept {
    constexpr unsigned max_hunt_walks = 32;
    uint32_t undecided = n;
    for (; pos < n; ++pos) {
        if (walks >= max_hunt_walks) [[unlikely]] {
            ++c.hunts_cut;
            return n;
        }
        const boundary_check r = f.check_boundary(p + pos, n - pos, walks);
        if (r == boundary_check::yes) {
            hunting_ = false;
            return pos;
        }
        if (r == boundary_check::need_more && undecided == n) undecided = pos;
    }
    return undecided;
}

void tcp_stream::deliver(const tcp_stream_env& env, const uint8_t* frame_start, uint32_t total) noexcept {
    const uint32_t skip = env.framing.prefix_bytes() + env.framing.header_bytes;
    ++env.c.messages;
    env.c.message_bytes += total;
    env.ev.message(env.feed, env.flow_id, env.to_server, frame_start + skip, total - skip);
}

// In-order bytes at next_seq_ (anything held out of order lies beyond them).
void tcp_stream::in_order(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept {
    const uint32_t held = next_seq_ - base_seq_;
    next_seq_ += n;
    if (held == 0) [[likely]] {
        frame_tail(env, p, n);
        return;
    }
    if (!hunting_ && complete_partial(env, p, n)) return;
    // Hunting across the held bytes, or a bad length: frame a linear copy.
    gather_front(env, held, env.scratch);
    std::memcpy(env.scratch + held, p, n);
    const uint32_t used = frame(env, env.scratch, held + n);
    base_seq_ += used;
    if (!append(env, env.scratch + used, held + n - used)) drop_in_order(env, held + n - used);
}

// Frames [p, p + n) ending at next_seq_ with nothing held; keeps the unfinished rest.
void tcp_stream::frame_tail(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept {
    const uint32_t used = frame(env, p, n);
    base_seq_ = next_seq_ - (n - used);
    if (used != n && !append(env, p + used, n - used)) [[unlikely]]
        drop_in_order(env, n - used);
}

// The held bytes start a frame whose length is (or becomes) known: completes it from
// p when p holds the rest, else stores p too. False when the length is bad.
bool tcp_stream::complete_partial(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept {
    const uint32_t prefix = env.framing.prefix_bytes();
    const uint32_t held = next_seq_ - n - base_seq_;
    if (held + n >= prefix) {
        uint8_t pre[4];
        copy_front(env.pool, pre, std::min(held, prefix));
        if (held < prefix) std::memcpy(pre + held, p, prefix - held);
        const uint32_t len = env.framing.read_length(pre);
        if (!env.framing.length_ok(len)) return false;
        const uint32_t need = prefix + len - held;
        if (n >= need) {
            gather_front(env, held, env.scratch);
            std::memcpy(env.scratch + held, p, need);
            deliver(env, env.scratch, prefix + len);
            base_seq_ += prefix + len;
            frame_tail(env, p + need, n - need);
            return true;
        }
    }
    if (!append(env, p, n)) drop_in_order(env, n);
    return true;
}

// Frames the held in-order bytes [base, next) from a linear copy and keeps the rest.
void tcp_stream::frame_held(const tcp_stream_env& env) noexcept {
    const uint32_t len = next_seq_ - base_seq_;
    if (len == 0) return;
    gather_front(env, len, env.scratch);
    const uint32_t used = frame(env, env.scratch, len);
    base_seq_ += used;
    store_front(env, env.scratch + used, len - used);
}

// ---- gaps

void tcp_stream::enforce_limits(const tcp_stream_env& env) noexcept {
    while (holds_out_of_order() &&
           (chunks_ > env.cap_chunks || (ack_valid_ && seq_le(first_out_of_order(env.pool), peer_ack_))))
        give_up_hole(env);
}

// The hole between next_seq_ and the first out-of-order chunk will not fill: drop the
// partial message before it and hunt from the bytes after it.
void tcp_stream::give_up_hole(const tcp_stream_env& env) noexcept {
    drop_in_order(env, 0);
    const uint32_t resume = env.pool.meta(head_).seq;
    env.c.gap_bytes += resume - next_seq_;
    ++env.c.gaps;
    base_seq_ = next_seq_ = resume;
    hunting_ = true;
    extend_next(env.pool);
    frame_held(env);
}

// Drops the held in-order bytes plus `unstored` bytes that never made it into a chunk
// (counted discarded; a message cut short if framing was at a boundary) and hunts
// from next_seq_.
void tcp_stream::drop_in_order(const tcp_stream_env& env, uint32_t unstored) noexcept {
    const uint32_t held = next_seq_ - base_seq_ - unstored;
    if (held + unstored == 0) return;
    release_front(env, held);
    env.c.discarded_bytes += held + unstored;
    if (!hunting_) ++env.c.partial_messages_dropped;
    if (unstored) ++env.c.memcap_drops;
    base_seq_ = next_seq_;
    hunting_ = true;
}

// ---- chunk list

// Stores the bytes of [seq, seq + n) not held yet, sorted in; overlaps with held
// bytes are compared (first copy wins). Bytes the memcap refuses are discarded.
uint32_t tcp_stream::insert(const tcp_stream_env& env, uint32_t seq, const uint8_t* p, uint32_t n) noexcept {
    segment_pool& pool = env.pool;
    uint32_t prev = nil, cur = head_, stored = 0, refused = 0;
    bool conflict = false;
    while (n > 0) {
        while (cur != nil && seq_le(chunk_end(pool.meta(cur)), seq)) prev = cur, cur = pool.meta(cur).next;
        uint32_t k;
        if (cur != nil && seq_le(pool.meta(cur).seq, seq)) {
            const segment_pool::chunk& m = pool.meta(cur);
            k = std::min(n, chunk_end(m) - seq);
            conflict |= std::memcmp(pool.data(cur) + (seq - m.seq), p, k) != 0;
            env.c.duplicate_bytes += k;
        } else {
            k = cur == nil ? n : std::min(n, pool.meta(cur).seq - seq);
            if (store_after(env, prev, seq, p, k, cur))
                stored += k;
            else
                refused += k;
        }
        seq += k, p += k, n -= k;
    }
    if (conflict) ++env.c.overlap_conflicts;
    if (refused) ++env.c.memcap_drops, env.c.discarded_bytes += refused;
    return stored;
}

// Stores [seq, seq + n) between chunk `prev` (nil: the head) and chunk `next`, filling
// prev first when it ends at seq. All or nothing; prev becomes the last chunk stored.
bool tcp_stream::store_after(const tcp_stream_env& env, uint32_t& prev, uint32_t seq, const uint8_t* p, uint32_t n,
                             uint32_t next) noexcept {
    segment_pool& pool = env.pool;
    uint32_t room = 0;
    if (prev != nil && chunk_end(pool.meta(prev)) == seq) room = std::min(n, chunk_bytes - pool.meta(prev).len);
    if ((n - room + chunk_bytes - 1) / chunk_bytes > pool.available()) [[unlikely]]
        return false;
    if (room) {
        std::memcpy(pool.data(prev) + pool.meta(prev).len, p, room);
        pool.meta(prev).len += room;
    }
    for (uint32_t off = room; off < n;) {
        const uint32_t c = pool.alloc();
        const uint32_t k = std::min(n - off, chunk_bytes);
        std::memcpy(pool.data(c), p + off, k);
        pool.meta(c) = {seq + off, next, k};
        (prev == nil ? head_ : pool.meta(prev).next) = c;
        prev = c;
        ++chunks_;
        off += k;
    }
    held_bytes_ += n;
    env.c.buffered_bytes += n;
    return true;
}

// Appends in-order bytes ending at next_seq_, after the held in-order chunks and
// before any out-of-order ones.
bool tcp_stream::append(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept {
    if (n == 0) return true;
    const uint32_t seq = next_seq_ - n;
    uint32_t last = nil;
    for (uint32_t c = head_; c != nil && seq_lt(env.pool.meta(c).seq, seq); c = env.pool.meta(c).next) last = c;
    return store_after(env, last, seq, p, n, last == nil ? head_ : env.pool.meta(last).next);
}

// Stores the unfinished frame [base, base + n) before the out-of-order chunks. The
// caller has just released at least as many chunks, so this cannot fail.
void tcp_stream::store_front(const tcp_stream_env& env, const uint8_t* p, uint32_t n) noexcept {
    if (n == 0) return;
    uint32_t prev = nil;
    store_after(env, prev, base_seq_, p, n, head_);
}

// Copies the first n held bytes (whole chunks) to out and releases them.
void tcp_stream::gather_front(const tcp_stream_env& env, uint32_t n, uint8_t* out) noexcept {
    copy_front(env.pool, out, n);
    release_front(env, n);
}

void tcp_stream::release_front(const tcp_stream_env& env, uint32_t n) noexcept {
    held_bytes_ -= n;
    env.c.buffered_bytes -= n;
    while (n > 0) {
        const uint32_t c = head_;
        const segment_pool::chunk& m = env.pool.meta(c);
        n -= m.len;  // callers release whole chunks
        head_ = m.next;
        env.pool.release(c);
        --chunks_;
    }
}

void tcp_stream::copy_front(segment_pool& pool, uint8_t* out, uint32_t n) const noexcept {
    for (uint32_t c = head_; n > 0; c = pool.meta(c).next) {
        const uint32_t k = std::min(n, pool.meta(c).len);
        std::memcpy(out, pool.data(c), k);
        out += k, n -= k;
    }
}

// Whether [seq, seq + n) differs from held bytes it overlaps (bytes already framed
// are gone and cannot be compared).
bool tcp_stream::conflicts_with_held(segment_pool& pool, uint32_t seq, const uint8_t* p, uint32_t n) const noexcept {
    const uint32_t end = seq + n;
    for (uint32_t c = head_; c != nil && seq_lt(pool.meta(c).seq, end); c = pool.meta(c).next) {
        const segment_pool::chunk& m = pool.meta(c);
        const uint32_t from = seq_lt(seq, m.seq) ? m.seq : seq;
        const uint32_t to = seq_lt(chunk_end(m), end) ? chunk_end(m) : end;
        if (seq_lt(from, to) && std::memcmp(pool.data(c) + (from - m.seq), p + (from - seq), to - from) != 0)
            return true;
    }
    return false;
}

// Moves next_seq_ over held chunks that now continue the in-order bytes.
void tcp_stream::extend_next(segment_pool& pool) noexcept {
    for (uint32_t c = head_; c != nil; c = pool.meta(c).next) {
        const segment_pool::chunk& m = pool.meta(c);
        if (seq_lt(next_seq_, m.seq)) break;
        if (seq_lt(next_seq_, chunk_end(m))) next_seq_ = chunk_end(m);
    }
}

uint32_t tcp_stream::first_out_of_order(segment_pool& pool) const noexcept {
    uint32_t c = head_;
    while (seq_lt(pool.meta(c).seq, next_seq_)) c = pool.meta(c).next;  // skip [base, next)
    return pool.meta(c).seq;
}

}  // namespace txscreen
