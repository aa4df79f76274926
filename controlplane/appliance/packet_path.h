// The packet path as one component: the DPDK dataplane (ports, rx lcores, workers) and
// one rules engine per worker, whose velocity tables live in EAL memory on the
// worker's NUMA socket. Card lookups for the admin API go to the owning worker.
#pragma once

#include <memory>

#include "controlplane/appliance/appliance_counters.h"
#include "controlplane/appliance/card_lookup.h"
#include "controlplane/appliance/engine_scorer.h"
#include "controlplane/appliance/rule_sources.h"
#include "dataplane/dataplane.h"

namespace txscreen {

class packet_path {
public:
    // Initialises EAL, ports and rings; throws std::runtime_error naming the port/key.
    packet_path(const dp_config& dp, const engine_config& engines, rule_sources& rules);
    // Frees the engines' tables before the dataplane hands EAL memory back.
    ~packet_path();

    void start() { _dp.start(); }
    void stop_rx() noexcept { _dp.stop_rx(); }
    // Every received Txn has become a verdict on the ring.
    bool drained() const noexcept { return _dp.drained(); }
    // Waits for the lcores; card lookups then read the tables directly.
    void join();
    unsigned poll_verdicts(Verdict* out, unsigned n) noexcept { return _dp.poll_verdicts(out, n); }
    unsigned poll_rejects(reject_record* out, unsigned n) noexcept { return _dp.poll_rejects(out, n); }
    uint64_t tsc_hz() const noexcept { return _dp.tsc_hz(); }
    uint64_t rx_packets() const { return _dp.stats().rx.rx_packets; }
    // Missing sequence numbers so far, by feed id.
    std::vector<uint64_t> feed_missing() const;
    lookup_scorer& lookups() noexcept { return _lookups; }
    void collect(appliance_counters& c) const;

private:
    engine_scorer _scorer;
    lookup_scorer _lookups;
    dataplane _dp;
};

}  // namespace txscreen
