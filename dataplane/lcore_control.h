// Typed request/answer rings between control threads and the worker lcores, as DPDK's
// examples/ip_pipeline/thread.c passes messages between its control and data threads.
// Each worker has a request ring (control threads -> lcore) and an answer ring
// (lcore -> control threads); the worker serves them at its quiescent point, where it
// holds nothing of its engine's published config, so a request may read any of its
// state. The lcore only copies raw state into an answer slot it reserves in place on
// the answer ring: nothing on the lcore allocates, locks, blocks or formats. Control
// threads pair answers to requests by ticket, so one that stops waiting (a timeout)
// leaves nothing behind: its late answer is dropped by whoever next drains the ring.
//
// The rings live in ordinary memory (rte_ring_init): the channel exists before EAL
// starts and after it stops, and is no entry in EAL's ring list.
#pragma once

#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_ring_peek_zc.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace txscreen {

struct local_ring_free {
    void operator()(rte_ring* r) const noexcept { std::free(r); }
};
using local_ring = std::unique_ptr<rte_ring, local_ring_free>;

// A single-producer, single-consumer ring of `count` (a power of two) elements of
// `elem_size` bytes (a multiple of 8), cache-line aligned, in heap memory. Throws
// std::runtime_error naming `name` when the size is refused.
local_ring make_local_ring(const std::string& name, std::size_t elem_size, unsigned count);

template <typename Request, typename Answer>
class lcore_channel {
    static_assert(std::is_trivially_copyable_v<Request> && std::is_trivially_copyable_v<Answer>,
                  "messages cross the rings by memcpy");

public:
    using ticket = uint64_t;  // 0: none

    // `depth` (a power of two): requests that may wait on one worker at a time.
    lcore_channel(unsigned workers, unsigned depth) : _workers(workers) {
        for (unsigned w = 0; w < workers; ++w) {
            const std::string n = std::to_string(w);
            _workers[w].requests = make_local_ring("ctl_req_w" + n, sizeof(request_slot), depth);
            _workers[w].answers = make_local_ring("ctl_ans_w" + n, sizeof(answer_slot), depth);
        }
    }

    // ---- worker lcore, at its quiescent point --------------------------------------
    // Answers the requests waiting for `worker`, as long as its answer ring has room
    // (the rest wait for the next quiescent point). answer(const Request&, Answer&)
    // fills the answer in place and must not allocate, lock or block. Returns how many.
    template <typename Fn>
    unsigned serve(unsigned worker, Fn&& answer) noexcept {
        rte_ring* in = _workers[worker].requests.get();
        rte_ring* out = _workers[worker].answers.get();
        unsigned served = 0;
        request_slot q;
        rte_ring_zc_data z{};
        while (rte_ring_free_count(out) != 0 && rte_ring_sc_dequeue_elem(in, &q, sizeof q) == 0) {
            // One slot, the ring's sole producer, room checked: the reservation holds.
            rte_ring_enqueue_zc_burst_elem_start(out, sizeof(answer_slot), 1, &z, nullptr);
            auto* a = static_cast<answer_slot*>(z.ptr1);
            a->id = q.id;
            answer(q.body, a->body);
            rte_ring_enqueue_zc_elem_finish(out, 1);
            ++served;
        }
        return served;
    }

    // ---- control threads (any number) ----------------------------------------------
    // Queues `r` for `worker`; returns its ticket, or 0 when `depth` requests already
    // wait there (the worker is not reaching its quiescent point).
    ticket post(unsigned worker, const Request& r) {
        std::lock_guard g(_mutex);
        request_slot q{++_last_id, r};
        if (rte_ring_sp_enqueue_elem(_workers[worker].requests.get(), &q, sizeof q) != 0) return 0;
        _workers[worker].waiting.push_back(q.id);
        return q.id;
    }
    // True, with the answer in `out`, once `t` was answered; the ticket is then spent.
    bool take(unsigned worker, ticket t, Answer& out) {
        std::lock_guard g(_mutex);
        per_worker& w = _workers[worker];
        drain(w);
        for (auto it = w.arrived.begin(); it != w.arrived.end(); ++it) {
            if (it->id != t) continue;
            out = it->body;
            w.arrived.erase(it);
            return true;
        }
        return false;
    }
    // The caller no longer waits for `t`: its answer, arrived or late, is dropped.
    void forget(unsigned worker, ticket t) {
        std::lock_guard g(_mutex);
        per_worker& w = _workers[worker];
        std::erase(w.waiting, t);
        std::erase_if(w.arrived, [t](const answer_slot& a) { return a.id == t; });
    }

private:
    struct request_slot {
        ticket id;
        Request body;
    };
    struct answer_slot {
        ticket id;
        Answer body;
    };
    struct per_worker {
        local_ring requests;  // control threads (under _mutex) -> lcore
        local_ring answers;   // lcore -> control threads (under _mutex)
        std::vector<ticket> waiting;      // posted, not yet answered or forgotten
        std::vector<answer_slot> arrived;  // answered, not yet taken
    };
    // Moves the answers off the ring; those nobody waits for any more are dropped.
    void drain(per_worker& w) {
        answer_slot a;
        while (rte_ring_sc_dequeue_elem(w.answers.get(), &a, sizeof a) == 0) {
            auto it = std::find(w.waiting.begin(), w.waiting.end(), a.id);
            if (it == w.waiting.end()) continue;
            w.waiting.erase(it);
            w.arrived.push_back(a);
        }
    }

    std::mutex _mutex;  // control threads only: the lcores never take it
    ticket _last_id = 0;
    std::vector<per_worker> _workers;
};

}  // namespace txscreen
