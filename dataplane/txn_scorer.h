// The worker's view of the engine: score one Txn into a Verdict. The appliance passes
// the rules engine (src/rules) wrapped in this interface; the dataplane owns nothing
// about screening, velocity or rules.
#pragma once

#include "common/txn.h"
#include "common/verdict.h"

namespace txscreen {

class txn_scorer {
public:
    virtual ~txn_scorer() = default;
    // Called once on worker `worker`'s lcore before it polls, with that lcore's NUMA
    // socket, so per-worker state (velocity shard) is allocated there.
    virtual void attach_worker(unsigned worker, int socket) = 0;
    // Scores `txn` on worker `worker` (the owner of its card shard). Fills every Verdict
    // field except the timestamps and `worker`, which the dataplane sets.
    // An issuer outcome (txn.kind == txn_kind::outcome, TCP feeds) is not scored: the
    // scorer updates the card's state (a decline) and returns it passed through:
    // out.txn = the outcome, score 0, allow, no alert, no reasons. It must reach the
    // worker owning its card after its request (same ring), like any txn of the card.
    virtual void score(unsigned worker, const Txn& txn, Verdict& out) noexcept = 0;
    // Scores txns[0..n) into out[0..n) in order, with exactly the results of n score()
    // calls. Engines that overlap a burst's cache misses (prefetching the state of
    // txns a few places ahead) override it; the worker always calls this.
    virtual void score_burst(unsigned worker, const Txn* txns, unsigned n, Verdict* out) noexcept {
        for (unsigned i = 0; i < n; ++i) score(worker, txns[i], out[i]);
    }
    // A quiescent point of `worker` (every 1024 polls, and once as it stops): no
    // reference into the engine's published config is held across it, so a newer
    // ruleset or pattern database may be picked up here, and requests from control
    // threads (lcore_control.h) answered from the worker's own state.
    virtual void quiescent(unsigned worker) noexcept = 0;
};

}  // namespace txscreen
