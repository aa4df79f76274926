// Passive TCP for one rx lcore: follows both directions of every connection to the
// configured TCP feeds' servers and hands each framed ISO 8583 message to tcp_events.
// Built off the hot path (every table, chunk and buffer is allocated here; a bad
// config throws std::invalid_argument naming the feed); afterwards on_segment,
// expire and close_all never allocate, lock, throw or make a syscall.
//
// Lifecycle: a flow starts on a SYN or SYN-ACK, or on the first payload segment seen
// (mid-stream pickup: framing hunts for a boundary first). It ends on an RST, on FINs
// from both sides, after idle_timeout_ns without segments (syn_timeout_ns while
// half-open), by eviction, or at close_all; each end is reported once by flow_closed.
// Ended flows linger for closed_linger_ns so late retransmits count as duplicates; a
// new SYN on one starts a new incarnation with a new flow_id. When the table is full
// a new flow takes the best of a sample of entries: a lingering one, then the oldest
// half-open one, then one idle past its timeout, then (not for a SYN, so a SYN flood
// cannot push out live connections) the least recently seen; otherwise it is refused.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "flow/flow_table.h"
#include "flow/segment_pool.h"
#include "flow/tcp_counters.h"
#include "flow/tcp_framing.h"
#include "flow/tcp_segment.h"
#include "flow/tcp_stream.h"

namespace txscreen {

struct tcp_feed_config {
    uint16_t server_port = 0;             // 0: not a TCP feed (an unused index)
    bool match_server_addr = false;      // when set, only server_addr is the server
    std::array<uint8_t, 16> server_addr{};  // IPv6 form (to_ipv6_form: IPv4-mapped)
    tcp_framing framing;                  // len2be, header 0, max_message 8192, binary
};

struct tcp_tracker_config {
    uint32_t max_flows = 16384;                    // flow table entries
    uint32_t flow_buffer_bytes = 64 * 1024;        // held bytes per direction (at least one frame)
    uint64_t memcap_bytes = 64ull << 20;           // all held bytes of this tracker
    uint64_t idle_timeout_ns = 300'000'000'000;    // established flow without segments
    uint64_t syn_timeout_ns = 30'000'000'000;      // half-open flow without segments
    uint64_t closed_linger_ns = 10'000'000'000;    // ended flow kept for late segments
    uint64_t flow_id_base = 0;                     // flow ids are base + 1, base + 2, ...
    std::vector<tcp_feed_config> feeds;            // index = the `feed` of on_segment
};

class tcp_tracker {
public:
    explicit tcp_tracker(const tcp_tracker_config& cfg);

    // The feed whose server this segment talks to (dst port/address: to_server; src:
    // from the server), or -1.
    int feed_of(const tcp_segment& s, bool& to_server) const noexcept;
    void on_segment(const tcp_segment& s, unsigned feed, bool to_server, uint64_t now_ns,
                    tcp_events& ev) noexcept;
    // Ends flows idle past their timeout, checking at most max_checks entries from
    // where the last call stopped (call it every poll loop or so).
    void expire(uint64_t now_ns, tcp_events& ev, uint32_t max_checks = 64) noexcept;
    void close_all(tcp_events& ev) noexcept;

    const tcp_counters& counters(unsigned feed) const noexcept { return counters_[feed]; }
    unsigned feed_count() const noexcept { return static_cast<unsigned>(feeds_.size()); }
    uint64_t buffered_bytes() const noexcept;  // all feeds
    uint32_t flows() const noexcept { return table_.size(); }

private:
    tcp_stream_env env(flow_entry& f, unsigned dir, tcp_events& ev) noexcept;
    uint32_t open_flow(const flow_key& k, uint32_t hash, unsigned feed, bool syn, uint64_t now,
                       tcp_events& ev) noexcept;
    void start_incarnation(flow_entry& f, unsigned feed) noexcept;
    uint32_t pick_victim(bool for_syn, uint64_t now) noexcept;
    void end_flow(flow_entry& f, tcp_events& ev, uint64_t tcp_counters::*cause) noexcept;
    void on_live_segment(flow_entry& f, const tcp_segment& s, unsigned dir, tcp_events& ev) noexcept;
    uint64_t timeout_of(const flow_entry& f) const noexcept;

    std::vector<tcp_feed_config> feeds_;
    std::vector<tcp_counters> counters_;
    std::unique_ptr<uint16_t[]> feed_by_port_;  // 65536 entries: feed + 1, 0 = none
    flow_table table_;
    segment_pool pool_;
    std::unique_ptr<uint8_t[]> scratch_;
    uint64_t idle_timeout_ns_, syn_timeout_ns_, closed_linger_ns_;
    uint64_t next_flow_id_;
    uint32_t cap_chunks_;
    uint32_t victim_cursor_ = 0;
    uint32_t expire_cursor_ = 0;
};

}  // namespace txscreen
