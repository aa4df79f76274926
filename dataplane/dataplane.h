// The DPDK dataplane: EAL, ports, rx lcores, card-sharded workers and the rings between
// them. Packet path, file by file:
//   rx_stage.cpp      rte_eth_rx_burst -> parse_udp (feed/packet.h) -> feed lookup ->
//                     framing (codec/framing.h) + sequencer (feed/feed_sequencer.h) ->
//                     decode (codec/iso8583.h, codec/json_decode.h) -> Txn -> ring of
//                     the worker owning the card
//   worker_stage.cpp  Txn ring -> txn_scorer (the engine) -> Verdict -> controlplane ring
//   dataplane.cpp     EAL/ports/pools/rings set-up, lcore launch, drain, stats
// Beside it: lcore_state.h (what each lcore owns, and the context it is handed),
// lcore_counters.h (per-lcore counters, read without data races) and lcore_control.h
// (typed request/answer rings from control threads to the worker lcores, which the
// scorer serves at each worker's quiescent point).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/reject_record.h"
#include "dataplane/dp_config.h"
#include "dataplane/lcore_counters.h"
#include "dataplane/txn_scorer.h"

struct rte_mempool;

namespace txscreen {

struct lcore_context;
struct rx_lcore;
struct worker_lcore;

struct dp_port_stats {
    std::string name;
    uint64_t ipackets = 0, ibytes = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
};

// A feed's counters summed over the rx lcores and workers, and its name.
struct dp_feed_stats : feed_counters {
    std::string name;
    bool tcp_feed = false;  // transport = "tcp": the `tcp` counters apply
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
    uint64_t tsc_hz() const noexcept;

private:
    void setup_ports();
    void setup_lcores();
    void setup_rings();
    static int lcore_main(void* arg);

    dp_config _cfg;
    unsigned _n_workers = 0;
    // What the lcores share (config, scorer, rings, clock, run flags): theirs to read,
    // handed to each lcore struct; the lcores see nothing else of this object.
    std::unique_ptr<lcore_context> _ctx;
    std::vector<uint16_t> _port_ids;
    std::vector<rte_mempool*> _pools;
    std::vector<std::unique_ptr<rx_lcore>> _rx;
    std::vector<std::unique_ptr<worker_lcore>> _work;
    std::vector<unsigned> _launched;
    uint64_t _verdicts_dequeued = 0;  // controlplane thread only
    uint64_t _rejects_dequeued = 0;
    bool _started = false;
    std::string _own_prefix;  // EAL --file-prefix chosen here, removed on exit
};

}  // namespace txscreen
