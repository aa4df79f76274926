// The worker stage: Txns from the rx rings of this worker's card shard -> engine ->
// Verdicts onto the controlplane ring. When that ring is full the worker stops taking
// Txns (its rx rings fill, then rx stops polling, then the NIC counts imissed).
#include <rte_cycles.h>
#include <rte_lcore.h>

#include "dataplane/lcore_state.h"
#include "dataplane/ring_copy.h"

namespace txscreen {

namespace {
constexpr unsigned worker_burst = 64;
}

void worker_lcore::attach() {
    out = std::make_unique<Verdict[]>(worker_burst);
    ctx->scorer->attach_worker(index, static_cast<int>(rte_socket_id()));
}

bool worker_lcore::inputs_empty() const noexcept {
    for (rte_ring* r : from_rx)
        if (rte_ring_count(r) != 0) return false;
    return pending == 0;
}

unsigned worker_lcore::poll() noexcept {
    if (pending) {
        unsigned n = ring_enqueue_copy(ctx->verdict_ring, &out[pending_off], pending);
        pending -= n;
        pending_off += n;
        count_add(c.verdicts, n);
        if (pending) {
            count_add(c.verdict_stalls);
            return 0;
        }
    }
    unsigned scored = 0;
    for (rte_ring* r : from_rx) {
        // Scored where they lie in the ring: the slots are released once scored.
        unsigned n = ring_dequeue_in_place<Txn>(r, worker_burst, [&](const Txn* t, unsigned k, unsigned at) {
            ctx->scorer->score_burst(index, t, k, out.get() + at);
        });
        if (!n) continue;
        count_add(c.txns, n);
        // One timestamp per burst: the verdicts reach the ring together.
        const uint64_t done_tsc = rte_rdtsc();
        uint64_t alerts = 0, outcomes = 0;
        for (unsigned i = 0; i < n; ++i) {
            Verdict& v = out[i];
            outcomes += v.txn.kind == txn_kind::outcome;
            v.verdict_tsc = done_tsc;
            v.rx_ns = ctx->clock.to_ns(v.txn.rx_tsc);
            v.verdict_ns = ctx->clock.to_ns(v.verdict_tsc);
            v.worker = static_cast<uint16_t>(index);
            alerts += v.alert;
            if ((v.late | v.ahead) && v.txn.feed_id < late_by_feed.size()) [[unlikely]] {
                count_add(late_by_feed[v.txn.feed_id], v.late);
                count_add(ahead_by_feed[v.txn.feed_id], v.ahead);
            }
        }
        count_add(c.alerts, alerts);
        if (outcomes) [[unlikely]]
            count_add(c.outcomes, outcomes);
        unsigned q = ring_enqueue_copy(ctx->verdict_ring, out.get(), n);
        count_add(c.verdicts, q);
        scored += n;
        if (q < n) {
            pending = n - q;
            pending_off = q;
            count_add(c.verdict_stalls);
            return scored;
        }
    }
    return scored;
}

}  // namespace txscreen
