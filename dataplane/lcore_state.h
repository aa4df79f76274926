// Private to dataplane/: what each lcore owns and mutates (one struct per lcore, like
// l3fwd's lcore_conf), and the context the dataplane hands them. Fields the
// controlplane reads are marked; it reads counters through count_read().
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include <rte_ring.h>

struct rte_mbuf;

#include "codec/iso8583.h"
#include "codec/json_feeds.h"
#include "dataplane/dataplane.h"
#include "feed/feed_sequencer.h"
#include "flow/pairing.h"
#include "flow/tcp_tracker.h"

namespace txscreen {

struct rx_queue_ref {
    uint16_t port;
    uint16_t queue;
    // net_pcap stamps packets with their capture time: the receive clock of a replay.
    // Other PMDs' stamps (NIC clock ticks) are not epoch time and are not used.
    bool capture_clock;
};

// Which feed a UDP port belongs to: 65536 entries, 0 = none, else feed index + 1.
// (TCP feeds: each rx lcore's tcp_tracker knows their servers.)
struct feed_lookup {
    std::vector<uint16_t> by_port = std::vector<uint16_t>(65536, 0);
};

// The TSC as an epoch clock: CLOCK_REALTIME and the TSC read once at start-up, then
// nanoseconds from the TSC alone (no syscall on the packet path).
struct tsc_clock {
    uint64_t hz = 0;
    uint64_t tsc0 = 0;
    int64_t ns0 = 0;
    int64_t to_ns(uint64_t tsc) const noexcept {
        const unsigned __int128 ns = static_cast<unsigned __int128>(tsc - tsc0) * 1'000'000'000u / hz;
        return ns0 + static_cast<int64_t>(ns);
    }
};

// Everything the lcores share, owned by the dataplane object: filled before launch
// and read-only after, except the atomics (owners marked). Cache-line aligned: no
// neighbour on the heap that another thread writes shares a line the lcores poll.
struct alignas(64) lcore_context {
    const dp_config* cfg = nullptr;
    txn_scorer* scorer = nullptr;
    rte_ring* verdict_ring = nullptr;  // workers -> controlplane (MP/HTS enqueue)
    rte_ring* reject_ring = nullptr;   // rx lcores -> controlplane (MP enqueue)
    feed_lookup feeds;
    tsc_clock clock;
    std::atomic<bool> stop_rx{false};             // ctlplane: wo; dataplane: ro
    std::atomic<unsigned> rx_running{0};          // rx lcores still receiving (each: -1 at exit)
    std::atomic<unsigned> workers_running{0};     // workers still scoring (each: -1 at exit)
    std::atomic<unsigned> lcores_polling{0};      // lcores past their set-up (each: +1)
};

struct rx_lcore;
struct worker_lcore;

// The rx lcore's answer to what its TCP tracker finds (tcp_stage.cpp).
class rx_tcp_events final : public tcp_events {
public:
    explicit rx_tcp_events(rx_lcore& rx) : _rx(rx) {}
    void message(unsigned feed, uint64_t flow_id, bool to_server, const uint8_t* msg,
                 std::size_t len) noexcept override;
    void flow_closed(unsigned feed, uint64_t flow_id) noexcept override;

private:
    rx_lcore& _rx;
};

struct alignas(64) rx_lcore {
    rx_counters c;  // dataplane: wo; ctlplane: ro
    unsigned index = 0;
    unsigned lcore = 0;
    lcore_context* ctx = nullptr;
    std::vector<rx_queue_ref> queues;
    std::vector<std::unique_ptr<feed_sequencer>> sequencers;  // per feed, this lcore's alone
    // The sequencers' counters as last published (dataplane: wo; ctlplane: ro).
    std::vector<feed_counters> published;  // per feed
    std::vector<iso_decode_context> iso;                      // per feed
    std::unique_ptr<pan_tokenizer> tokenizer;
    std::unique_ptr<json_feeds> json;   // JSON feeds, with their [feed.json_map]s
    std::vector<rte_ring*> to_worker;                          // per worker, SP/SC
    // Txns decoded in the current burst, per worker, waiting for their ring.
    static constexpr unsigned stage_capacity = 256;
    std::vector<std::unique_ptr<Txn[]>> stage;
    std::vector<unsigned> staged;
    std::vector<reject_record> reject_stage;
    // Messages of the current burst decoded but not yet tokenized: the PANs of a batch
    // are hashed together (interleaved SHA-NI streams, about twice the throughput of
    // one at a time), then each Txn goes to the worker its token picks. The stashes
    // hold clear PANs only between decode and route_batch(), which wipes them.
    static constexpr unsigned batch_capacity = 16;
    unsigned batched = 0;
    Txn batch[batch_capacity];
    pan_stash batch_pan[batch_capacity];
    // Where net_pcap's capture timestamp lives in the mbuf and the flag saying a packet
    // carries it (registered at probe; -1 / 0 when no port registered one).
    int rx_timestamp_offset = -1;
    uint64_t rx_timestamp_flag = 0;
    int64_t clock_ms = 0;  // receive clock of the packet being processed (Txn::rx_clock_ms)
    int64_t clock_ns = 0;  // the same in ns (TCP: idle and response timeouts, issuer response time)
    uint64_t packet_tsc = 0;

    // ---- TCP feeds (docs/feeds.md, "TCP feeds"); none of it exists without one
    std::unique_ptr<tcp_tracker> tcp;
    std::vector<std::unique_ptr<pairing_table>> pairing;  // per feed: null for UDP feeds
    rx_tcp_events tcp_events_sink{*this};
    // Per batch slot: the TCP connection of a request (0: not a TCP request), its feed
    // and receive time, for pairing once the batch is tokenized.
    uint64_t batch_flow[batch_capacity] = {};
    uint16_t batch_feed[batch_capacity] = {};
    int64_t batch_ns[batch_capacity] = {};
    // Responses decoded since the batch was last routed, each becoming its outcome in
    // place when paired (never scored).
    static constexpr unsigned response_capacity = 16;
    unsigned queued_responses = 0;
    Txn responses[response_capacity];
    uint64_t response_flow[response_capacity] = {};
    int64_t response_ns[response_capacity] = {};
    pan_stash response_pan;  // a response's echoed PAN: wiped, never tokenized

    void run();
    // One pass over this lcore's queues; returns the packets received.
    unsigned poll_once() noexcept;
    void process_packet(const uint8_t* data, uint32_t len, uint64_t tsc);
    // TCP (tcp_stage.cpp): a segment of a TCP feed, the messages the tracker frames.
    packet_drop process_segment(const l4_view& v, uint64_t tsc);
    void on_request(unsigned feed, uint64_t flow_id, const uint8_t* msg, std::size_t len);
    void on_response(unsigned feed, uint64_t flow_id, const uint8_t* msg, std::size_t len);
    void record_request(unsigned batch_slot) noexcept;
    void pair_responses() noexcept;
    // Expires pending requests past the response timeout (a bounded number per call),
    // and with `idle_flows` connections past the idle timeout.
    void tcp_housekeeping(bool idle_flows) noexcept;
    // `line`: 0 for the feed's A port, 1 for its B port (feed_sequencer confirms a jump
    // when the other line reports the same range).
    void process_datagram(unsigned feed, unsigned line, const uint8_t* p, uint16_t n, uint64_t tsc);
    void deliver(unsigned feed, uint64_t seq, const uint8_t* msg, std::size_t len, uint64_t tsc);
    // deliver() in two steps: decode into the next batch slot (false: rejected, counted),
    // then take the slot (routing the batch when it is full).
    bool decode_to_batch(unsigned feed, uint64_t seq, const uint8_t* msg, std::size_t len, uint64_t tsc);
    void commit_batch_slot() noexcept;
    // `field`: the ISO 8583 field the decoder named (reject_record::field; 0 = unknown).
    void reject(unsigned feed, uint64_t seq, std::size_t len, reject_reason r, uint64_t tsc, uint8_t field = 0);
    // The receive clock of `m` in epoch ns: its capture time when `capture_clock`,
    // else `host_ns`.
    int64_t receive_clock_ns(const rte_mbuf* m, bool capture_clock, int64_t host_ns) const noexcept;
    // Tokenizes the batch and stages each Txn for the worker owning its card, then
    // pairs the responses decoded meanwhile and stages their outcomes.
    void route_batch() noexcept;
    void route_requests() noexcept;
    void stage_for_worker(const Txn& t) noexcept;
    // Moves staged Txns to worker rings; returns false while some could not be moved.
    bool flush() noexcept;
    // One wait for room on a worker ring (counted); in run to completion it scores.
    void stalled() noexcept;
    worker_lcore* inline_worker = nullptr;  // run to completion: the worker on this lcore
    // Copies each sequencer's (and TCP feed's) counters into `published` (every 1024
    // polls, and at exit).
    void publish_counters() noexcept;
    // At exit: ends every TCP flow (partial messages counted, pending requests abandoned).
    void close_tcp() noexcept;
};

struct alignas(64) worker_lcore {
    worker_counters c;  // dataplane: wo; ctlplane: ro
    unsigned index = 0;
    unsigned lcore = 0;
    lcore_context* ctx = nullptr;
    std::vector<rte_ring*> from_rx;  // one per rx lcore
    std::unique_ptr<Verdict[]> out;
    unsigned pending = 0;     // verdicts in `out` not yet on the controlplane ring
    unsigned pending_off = 0;
    // Per feed: events too late for the watermark, events dated ahead of their receive
    // clock (dataplane: wo; ctlplane: ro, summed into dp_feed_stats).
    std::vector<uint64_t> late_by_feed;
    std::vector<uint64_t> ahead_by_feed;

    void attach();
    // One pass: returns the number of Txns scored.
    unsigned poll() noexcept;
    bool inputs_empty() const noexcept;
};

}  // namespace txscreen
