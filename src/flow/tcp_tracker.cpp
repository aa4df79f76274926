#include "flow/tcp_tracker.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace txscreen {

namespace {
constexpr uint32_t nil = flow_table::nil;
constexpr uint32_t max_payload = 65535;  // IP total length bounds a segment
constexpr uint32_t victim_samples = 32;

uint32_t chunks_for(uint64_t bytes) noexcept {
    return static_cast<uint32_t>((bytes + segment_pool::chunk_bytes - 1) / segment_pool::chunk_bytes);
}

std::vector<tcp_feed_config> checked_feeds(const tcp_tracker_config& cfg) {
    if (cfg.feeds.size() > 65534) throw std::invalid_argument("tcp tracker: too many feeds");
    for (std::size_t i = 0; i < cfg.feeds.size(); ++i) {
        const tcp_feed_config& f = cfg.feeds[i];
        const std::string which = "tcp feed " + std::to_string(i) + " (port " + std::to_string(f.server_port) + "): ";
        if (const char* why = f.framing.invalid_reason()) throw std::invalid_argument(which + why);
        if (f.server_port == 0) continue;  // an index the caller uses for a feed of another transport
        for (std::size_t j = 0; j < i; ++j)
            if (cfg.feeds[j].server_port == f.server_port)
                throw std::invalid_argument(which + "port already used by tcp feed " + std::to_string(j));
    }
    return cfg.feeds;
}
}  // namespace

tcp_tracker::tcp_tracker(const tcp_tracker_config& cfg)
    : feeds_(checked_feeds(cfg)),
      counters_(cfg.feeds.size()),
      feed_by_port_(std::make_unique<uint16_t[]>(65536)),
      table_(cfg.max_flows),
      pool_(cfg.memcap_bytes),
      idle_timeout_ns_(cfg.idle_timeout_ns),
      syn_timeout_ns_(cfg.syn_timeout_ns),
      closed_linger_ns_(cfg.closed_linger_ns),
      next_flow_id_(cfg.flow_id_base) {
    uint32_t max_frame = 0;
    for (std::size_t i = 0; i < feeds_.size(); ++i) {
        if (feeds_[i].server_port == 0) continue;
        feed_by_port_[feeds_[i].server_port] = static_cast<uint16_t>(i + 1);
        max_frame = std::max(max_frame, feeds_[i].framing.max_frame());
    }
    // A direction must be able to hold one whole unfinished frame.
    cap_chunks_ = std::max(chunks_for(cfg.flow_buffer_bytes), chunks_for(max_frame) + 1);
    // Largest linear copy: everything a direction holds (its cap plus one segment
    // inserted before the cap is enforced), or a held frame plus one segment.
    scratch_ = std::make_unique<uint8_t[]>(std::size_t{cap_chunks_} * segment_pool::chunk_bytes + 2 * max_payload);
}

int tcp_tracker::feed_of(const tcp_segment& s, bool& to_server) const noexcept {
    auto server_is = [&](unsigned f, const uint8_t* addr) {
        if (!feeds_[f].match_server_addr) return true;
        uint8_t a[16];
        to_ipv6_form(addr, s.addr_len, a);
        return std::memcmp(a, feeds_[f].server_addr.data(), 16) == 0;
    };
    if (const unsigned f = feed_by_port_[s.dst_port]; f != 0 && server_is(f - 1, s.dst_addr)) {
        to_server = true;
        return static_cast<int>(f - 1);
    }
    if (const unsigned f = feed_by_port_[s.src_port]; f != 0 && server_is(f - 1, s.src_addr)) {
        to_server = false;
        return static_cast<int>(f - 1);
    }
    return -1;
}

tcp_stream_env tcp_tracker::env(flow_entry& f, unsigned dir, tcp_events& ev) noexcept {
    return {pool_, scratch_.get(), feeds_[f.feed].framing, counters_[f.feed], ev, f.id, cap_chunks_, f.feed, dir == 0};
}

void tcp_tracker::on_segment(const tcp_segment& s, unsigned feed, bool to_server, uint64_t now_ns,
                             tcp_events& ev) noexcept {
    const uint32_t n = s.payload_len;
    const bool syn = s.flags & tcp_flag::syn;
    const flow_key k = make_flow_key(s);
    const uint32_t hash = flow_hash(k);
    uint32_t idx = table_.find(k, hash);
    if (idx == nil || n > max_payload) [[unlikely]] {
        tcp_counters& c = counters_[feed];
        // Nothing to follow in a stray RST, ACK or FIN; a segment no IP packet can carry is refused.
        const bool nothing = (s.flags & tcp_flag::rst) || (!syn && n == 0) || n > max_payload;
        if (nothing || (idx = open_flow(k, hash, feed, syn && n == 0, now_ns, ev)) == nil) {
            if (!nothing) ++c.connections_refused;
            c.payload_bytes += n;
            c.discarded_bytes += n;
            return;
        }
    }
    flow_entry& f = table_.at(idx);
    f.last_ns = now_ns;
    const unsigned dir = to_server ? 0 : 1;
    if (syn && !(s.flags & tcp_flag::ack)) [[unlikely]] {
        // A SYN that is not a retransmission of this flow's own starts a new incarnation;
        // after the flow ended, any SYN does (a closed connection's SYN was answered long
        // ago; a capture replayed in a loop reuses its ISNs).
        const tcp_stream& st = f.dir[dir];
        const bool same = st.synced() && st.start_seq() == s.seq + 1;
        if (f.state == flow_state::closed || (!same && st.synced())) {
            if (f.state != flow_state::closed) end_flow(f, ev, nullptr);
            start_incarnation(f, feed);
        }
    }
    if (f.state == flow_state::closed) [[unlikely]] {
        if (n) f.dir[dir].on_late_data(env(f, dir, ev), s.seq + syn, n);
        return;
    }
    on_live_segment(f, s, dir, ev);
}

void tcp_tracker::on_live_segment(flow_entry& f, const tcp_segment& s, unsigned dir, tcp_events& ev) noexcept {
    const uint8_t flags = s.flags;
    tcp_stream& st = f.dir[dir];
    if (flags & tcp_flag::rst) [[unlikely]] {
        tcp_counters& c = counters_[f.feed];
        c.payload_bytes += s.payload_len;  // RST payload is diagnostic text, not stream data
        c.discarded_bytes += s.payload_len;
        end_flow(f, ev, &tcp_counters::connections_reset);
        return;
    }
    uint32_t seq = s.seq;
    if (flags & tcp_flag::syn) [[unlikely]] {
        if (!st.synced()) st.start(seq + 1, true);
        seq += 1;
    }
    if (flags & tcp_flag::ack) {
        if (f.dir[dir ^ 1].on_peer_ack(s.ack)) [[unlikely]]
            f.dir[dir ^ 1].enforce_limits(env(f, dir ^ 1, ev));
        if (dir == 0 && !(flags & tcp_flag::syn) && f.state == flow_state::half_open) f.state = flow_state::established;
    }
    if (s.payload_len) {
        f.state = flow_state::established;
        st.on_data(env(f, dir, ev), seq, s.payload, s.payload_len);
    }
    if (flags & tcp_flag::fin) [[unlikely]] {
        f.fin_seen |= static_cast<uint8_t>(1u << dir);
        if (f.fin_seen == 3) end_flow(f, ev, nullptr);
    }
}

uint32_t tcp_tracker::open_flow(const flow_key& k, uint32_t hash, unsigned feed, bool syn, uint64_t now,
                                tcp_events& ev) noexcept {
    if (table_.size() == table_.capacity()) {
        const uint32_t victim = pick_victim(syn, now);
        if (victim == nil) return nil;
        flow_entry& old = table_.at(victim);
        if (old.state != flow_state::closed) {
            const bool idle = now >= old.last_ns && now - old.last_ns >= timeout_of(old);
            end_flow(old, ev, idle ? &tcp_counters::connections_timed_out : &tcp_counters::connections_evicted);
        }
        table_.erase(victim);
    }
    const uint32_t idx = table_.insert(k, hash);
    flow_entry& f = table_.at(idx);
    f.last_ns = now;
    start_incarnation(f, feed);
    return idx;
}

// Resets an entry whose streams hold nothing (new, or ended) for a new connection.
void tcp_tracker::start_incarnation(flow_entry& f, unsigned feed) noexcept {
    f.feed = static_cast<uint16_t>(feed);
    f.id = ++next_flow_id_;
    f.state = flow_state::half_open;
    f.fin_seen = 0;
    f.dir[0] = tcp_stream{};
    f.dir[1] = tcp_stream{};
    ++counters_[feed].connections_opened;
}

// The best of a sample of entries (the table is full): lingering, then half-open, then
// idle past its timeout, then (not for a SYN) the least recently seen.
uint32_t tcp_tracker::pick_victim(bool for_syn, uint64_t now) noexcept {
    const uint32_t cap = table_.capacity();
    uint32_t best = nil;
    unsigned best_rank = 4;
    uint64_t best_last = UINT64_MAX;
    for (uint32_t i = 0; i < std::min(cap, victim_samples); ++i) {
        const uint32_t e = victim_cursor_;
        victim_cursor_ = victim_cursor_ + 1 == cap ? 0 : victim_cursor_ + 1;
        const flow_entry& f = table_.at(e);
        const bool idle = now >= f.last_ns && now - f.last_ns >= timeout_of(f);
        const unsigned rank = f.state == flow_state::closed      ? 0
                              : f.state == flow_state::half_open ? 1
                              : idle                             ? 2
                                                                 : 3;
        if (rank < best_rank || (rank == best_rank && f.last_ns < best_last))
            best = e, best_rank = rank, best_last = f.last_ns;
    }
    return for_syn && best_rank == 3 ? nil : best;
}

void tcp_tracker::end_flow(flow_entry& f, tcp_events& ev, uint64_t tcp_counters::*cause) noexcept {
    f.dir[0].finish(env(f, 0, ev));
    f.dir[1].finish(env(f, 1, ev));
    ev.flow_closed(f.feed, f.id);
    tcp_counters& c = counters_[f.feed];
    ++c.connections_closed;
    if (cause) ++(c.*cause);
    f.state = flow_state::closed;
}

uint64_t tcp_tracker::timeout_of(const flow_entry& f) const noexcept {
    switch (f.state) {
        case flow_state::closed: return closed_linger_ns_;
        case flow_state::half_open: return syn_timeout_ns_;
        default: return idle_timeout_ns_;
    }
}

void tcp_tracker::expire(uint64_t now_ns, tcp_events& ev, uint32_t max_checks) noexcept {
    const uint32_t cap = table_.capacity();
    for (uint32_t i = 0; i < std::min(cap, max_checks); ++i) {
        const uint32_t e = expire_cursor_;
        expire_cursor_ = expire_cursor_ + 1 == cap ? 0 : expire_cursor_ + 1;
        flow_entry& f = table_.at(e);
        if (f.state == flow_state::free || now_ns < f.last_ns || now_ns - f.last_ns < timeout_of(f)) continue;
        if (f.state != flow_state::closed) end_flow(f, ev, &tcp_counters::connections_timed_out);
        table_.erase(e);
    }
}

void tcp_tracker::close_all(tcp_events& ev) noexcept {
    for (uint32_t e = 0; e < table_.capacity(); ++e) {
        flow_entry& f = table_.at(e);
        if (f.state == flow_state::free) continue;
        if (f.state != flow_state::closed) end_flow(f, ev, nullptr);
        table_.erase(e);
    }
}

uint64_t tcp_tracker::buffered_bytes() const noexcept {
    uint64_t sum = 0;
    for (const tcp_counters& c : counters_) sum += c.buffered_bytes;
    return sum;
}

}  // namespace txscreen
