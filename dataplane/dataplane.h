// The DPDK dataplane: EAL, ports, rx lcores, card-sharded workers and the rings between
// them. Packet path, file by file:
//   rx_stage.cpp      rte_eth_rx_burst -> parse_udp (feed/packet.h) -> feed lookup ->
//                     framing (codec/framing.h) + sequencer (feed/feed_sequencer.h) ->
//                     decode (codec/iso8583.h, codec/json_decode.h) -> Txn -> ring of
//                     the worker owning the card
//   worker_stage.cpp  Txn ring -> txn_scorer (the engine) -> Verdict -> controlplane ring
//   dataplane.cpp     EAL/ports/pools/rings set-up, lcore launch, drain, stats
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/reject_record.h"
#include "dataplane/dp_config.h"
#include "dataplane/lcore_counters.h"
#include "dataplane/txn_scorer.h"
#include "feed/sequence_suspect.h"

struct rte_ring;
struct rte_mempool;

namespace txscreen {

struct dp_port_stats {
    std::string name;
    uint64_t ipackets = 0, ibytes = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
};

struct dp_feed_stats {
    std::string name;
    uint64_t missing = 0;  // sequence gaps not filled by either line
    uint64_t gap_events = 0, late_accepted = 0, stale = 0, session_changes = 0, end_of_session = 0;
    // MoldUDP64 datagrams held back as suspect (implausible sequence range), and their
    // messages, by sequence_suspect reason; confirmed jumps that re-based a session.
    std::array<uint64_t, sequence_suspect_count> suspect_datagrams{}, suspect_messages{};
    uint64_t sequence_resets = 0;
    // Event time: too late for the shard watermark, or dated beyond the receive clock +
    // velocity.max_future_skew (scored, never applied to velocity).
    uint64_t events_late = 0, events_ahead = 0;
};

// Sums over lcores, read by the controlplane at any time (a burst behind at worst).
struct dp_stats {
    rx_counters rx;
    worker_counters work;
    std::vector<worker_counters> per_worker;
    std::vector<dp_port_stats> ports;
    std::vector<dp_feed_stats> feeds;
    uint64_t verdicts_dequeued = 0;  // taken off the verdict ring by the controlplane
    uint64_t rejects_dequeued = 0;
    // The dataplane's accounting identities (docs/architecture.md, "Accounting
    // identities"); true when they hold for this snapshot (only guaranteed at a
    // quiescent moment: after drain, or with no traffic).
    bool identities_hold() const noexcept;
};

class dataplane {
public:
    // Initialises EAL (once per process), ports, pools and rings. Throws
    // std::runtime_error with a message naming the port/key on failure.
    dataplane(const dp_config& cfg, txn_scorer& scorer);
    ~dataplane();
    dataplane(const dataplane&) = delete;
    dataplane& operator=(const dataplane&) = delete;

    // Launches the lcores; returns when all of them are set up and polling.
    void start();
    // Stop taking packets from the NIC; everything already received is still scored.
    void stop_rx() noexcept;
    // True once rx has stopped and every Txn has become a verdict on the ring.
    bool drained() const noexcept;
    // Waits for every lcore to return (call after drained() and an empty verdict ring).
    void join();

    // Controlplane side (one consumer thread): take up to n verdicts / rejects.
    unsigned poll_verdicts(Verdict* out, unsigned n) noexcept;
    unsigned poll_rejects(reject_record* out, unsigned n) noexcept;

    dp_stats stats() const;
    unsigned workers() const noexcept { return _n_workers; }
    // Converts a TSC reading to Unix-epoch nanoseconds.
    int64_t tsc_to_ns(uint64_t tsc) const noexcept;
    uint64_t tsc_hz() const noexcept { return _tsc_hz; }

    struct rx_lcore;
    struct worker_lcore;

private:
    void setup_ports();
    void setup_rings();
    static int lcore_main(void* arg);

    dp_config _cfg;
    txn_scorer& _scorer;
    unsigned _n_workers = 0;
    uint64_t _tsc_hz = 0;
    uint64_t _tsc0 = 0;
    int64_t _ns0 = 0;
    std::vector<uint16_t> _port_ids;
    std::vector<rte_mempool*> _pools;
    rte_ring* _verdict_ring = nullptr;
    rte_ring* _reject_ring = nullptr;
    std::vector<std::unique_ptr<rx_lcore>> _rx;
    std::vector<std::unique_ptr<worker_lcore>> _work;
    std::vector<unsigned> _launched;
    std::atomic<bool> _stop_rx{false};
    std::atomic<unsigned> _rx_running{0};
    std::atomic<unsigned> _workers_running{0};
    std::atomic<unsigned> _lcores_polling{0};  // lcores past their set-up
    uint64_t _verdicts_dequeued = 0;  // controlplane thread only
    uint64_t _rejects_dequeued = 0;
    bool _started = false;
    std::string _own_prefix;  // EAL --file-prefix chosen here, removed on exit

    friend struct rx_lcore;
    friend struct worker_lcore;
};

}  // namespace txscreen
