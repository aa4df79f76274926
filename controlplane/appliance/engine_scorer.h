// Adapts the rules engine (one per worker shard) to the dataplane's txn_scorer. Each
// worker's velocity tables come from rte_malloc_socket on that worker's NUMA socket
// (hugepages when reserved).
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include <rte_malloc.h>

#include "dataplane/txn_scorer.h"
#include "rules/engine.h"

namespace txscreen {

class engine_scorer final : public txn_scorer {
public:
    // `patterns`: the published pattern databases (sized for `workers`), or nullptr for
    // no screening.
    engine_scorer(ruleset_store& rules, const engine_config& cfg, unsigned workers, pattern_store* patterns = nullptr)
        : _rules(rules), _cfg(cfg), _engines(workers), _sockets(workers) {
        _cfg.patterns = patterns;
    }

    // Runs on the worker's own lcore, so `socket` is where its shard belongs.
    void attach_worker(unsigned worker, int socket) override {
        _sockets[worker] = socket;
        engine_config cfg = _cfg;
        cfg.worker = worker;  // its scratch in every pattern database
        cfg.memory.alloc = [](void* ctx, std::size_t size, std::size_t align) -> void* {
            // Written here, on the worker's own lcore: every page is faulted in (and with
            // --no-huge placed on this NUMA node by first touch) at start-up instead of on
            // the packet path, where a fault per new card cost ~27 us each (~5 us per txn
            // while the tables fill). rte_zmalloc would not do: EAL knows fresh memory is
            // zero and skips the clearing, so nothing is touched.
            void* p = rte_malloc_socket("velocity", size, static_cast<unsigned>(align),
                                        static_cast<int>(reinterpret_cast<intptr_t>(ctx)));
            if (p) std::memset(p, 0, size);
            return p;
        };
        cfg.memory.release = [](void*, void* p) { rte_free(p); };
        cfg.memory.ctx = reinterpret_cast<void*>(static_cast<intptr_t>(socket));
        _engines[worker] = std::make_unique<engine>(_rules, cfg);
    }
    void score(unsigned worker, const Txn& txn, Verdict& out) noexcept override { _engines[worker]->score(txn, out); }
    // The burst path prefetches the state of txns a few places ahead (engine.h).
    void score_burst(unsigned worker, const Txn* txns, unsigned n, Verdict* out) noexcept override {
        _engines[worker]->score_burst(txns, n, out);
    }
    void quiescent(unsigned worker) noexcept override { _engines[worker]->quiescent(); }

    // Frees every engine (their tables are rte_malloc memory: call before EAL cleanup).
    void release_all() noexcept {
        for (auto& e : _engines) e.reset();
    }

    const engine* worker_engine(unsigned worker) const noexcept { return _engines[worker].get(); }
    unsigned workers() const noexcept { return static_cast<unsigned>(_engines.size()); }

private:
    ruleset_store& _rules;
    engine_config _cfg;
    std::vector<std::unique_ptr<engine>> _engines;
    std::vector<int> _sockets;
};

}  // namespace txscreen
