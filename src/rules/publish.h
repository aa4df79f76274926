// Publishing immutable objects (rulesets, pattern databases) to workers by pointer,
// with an epoch-based grace period before an old object is freed.
//
// This is the protocol of DPDK's rte_rcu_qsbr (quiescent-state-based reclamation) in
// plain C++, and the only one the appliance uses: nothing calls rte_rcu_qsbr. It stays
// here because src/ builds and is tested without DPDK (the engine library, the fuzz
// targets and the hot-swap tests, which run it under ThreadSanitizer, link no EAL),
// and because the reader slots already are rte_rcu_qsbr's registered threads:
// register_reader() is thread_register + thread_online, quiescent() is quiescent,
// reclaim() is a non-blocking check. The dataplane adds nothing of its own: its
// lcores reach it through txn_scorer::quiescent() (dataplane/txn_scorer.h).
// Who calls what:
//   - Readers: each engine registers one slot in the ruleset store and one in the
//     pattern store (rules/engine.cpp); its worker lcore calls engine::quiescent()
//     every 1024 polls and once more when it drains (dataplane/dataplane.cpp).
//     The controlplane loop (controlplane/appliance/) holds a ruleset slot of its own
//     for rule names and passes its quiescent point at each admin snapshot.
//   - Old objects are freed inside publish(), unregister_reader() and reclaim(), on
//     the thread that calls them (the controlplane, or an admin thread reloading),
//     never on a worker lcore: a retired object stays until the first such call after
//     every reader has passed a quiescent point.
// The protocol:
//   - The controlplane builds an object off the dataplane and publish()es it: the
//     current pointer is swapped, the old object is retired with the epoch that the
//     swap started (global epoch, incremented after the swap).
//   - A worker reads the current pointer only at its quiescent point (between bursts),
//     via quiescent(slot): it first reads the global epoch E, then the current pointer,
//     and then records E in its slot. Because the swap happens before the epoch
//     increment (both sequentially consistent), a worker that saw E also sees the
//     object published with E or a newer one, so it no longer holds anything retired
//     at epochs <= E.
//   - An object retired at epoch R is freed once every online worker has recorded an
//     epoch >= R (reclaim(), called by publish and by anyone off the hot path).
//     Offline workers (slot released or never registered) do not hold anything.
// Between quiescent points a worker uses its cached pointer with no atomics at all.
// publish()/reclaim() take a mutex (controlplane only); quiescent() is two atomic loads
// and one store, no lock, no allocation.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace txscreen {

inline constexpr int max_publish_readers = 128;

template <typename T>
class versioned_publisher {
public:
    // Slot value of a worker that holds no reference.
    static constexpr uint64_t offline = UINT64_MAX;

    versioned_publisher() {
        for (auto& s : _slots) s.epoch.store(offline, std::memory_order_relaxed);
    }
    ~versioned_publisher() {
        delete _current.load(std::memory_order_relaxed);
        for (auto& r : _retired) delete r.obj;
    }
    versioned_publisher(const versioned_publisher&) = delete;
    versioned_publisher& operator=(const versioned_publisher&) = delete;

    // Makes `obj` the current object. `stamp(obj, version)` is called first with the
    // next version (monotonic from 1) so the object knows its own version. Returns that
    // version. Thread-safe among publishers; never blocks workers.
    template <typename Stamp>
    uint32_t publish(std::unique_ptr<T> obj, Stamp&& stamp) {
        std::lock_guard<std::mutex> g(_mu);
        uint32_t v = ++_version;
        stamp(*obj, v);
        T* old = _current.exchange(obj.release(), std::memory_order_seq_cst);
        uint64_t e = _epoch.fetch_add(1, std::memory_order_seq_cst) + 1;
        if (old) _retired.push_back({old, e});
        reclaim_locked();
        return v;
    }

    // Registers a reader; returns its slot (0..max_publish_readers-1) or -1 when full.
    // The reader starts online at the current epoch.
    int register_reader() {
        std::lock_guard<std::mutex> g(_mu);
        for (int i = 0; i < max_publish_readers; ++i) {
            if (!_used[i]) {
                _used[i] = true;
                _slots[i].epoch.store(_epoch.load(std::memory_order_seq_cst), std::memory_order_seq_cst);
                return i;
            }
        }
        return -1;
    }
    // The reader promises to hold no pointer from this publisher any more.
    void unregister_reader(int slot) {
        std::lock_guard<std::mutex> g(_mu);
        _slots[slot].epoch.store(offline, std::memory_order_seq_cst);
        _used[slot] = false;
        reclaim_locked();
    }

    // Worker quiescent point: returns the newest object (nullptr before any publish)
    // and declares that the worker holds nothing older. Lock-free, allocation-free.
    const T* quiescent(int slot) noexcept {
        uint64_t e = _epoch.load(std::memory_order_seq_cst);
        const T* cur = _current.load(std::memory_order_seq_cst);
        _slots[slot].epoch.store(e, std::memory_order_seq_cst);
        return cur;
    }

    // Newest object for readers that do not score (admin API); valid only while the
    // caller also holds a reader slot or no publish can happen concurrently.
    const T* current() const noexcept { return _current.load(std::memory_order_acquire); }
    uint32_t version() const noexcept {
        std::lock_guard<std::mutex> g(_mu);
        return _version;
    }

    // Frees retired objects every online reader has moved past. Returns how many are
    // still waiting for a grace period.
    std::size_t reclaim() {
        std::lock_guard<std::mutex> g(_mu);
        return reclaim_locked();
    }

private:
    struct retired {
        T* obj;
        uint64_t epoch;
    };
    struct alignas(64) slot {
        std::atomic<uint64_t> epoch;  // written by its worker, read by reclaim()
    };

    std::size_t reclaim_locked() {
        uint64_t min_seen = offline;
        for (auto& s : _slots) {
            uint64_t e = s.epoch.load(std::memory_order_seq_cst);
            if (e < min_seen) min_seen = e;
        }
        std::size_t kept = 0;
        for (auto& r : _retired) {
            if (r.epoch <= min_seen) delete r.obj;
            else _retired[kept++] = r;
        }
        _retired.resize(kept);
        return kept;
    }

    std::atomic<T*> _current{nullptr};
    std::atomic<uint64_t> _epoch{0};
    slot _slots[max_publish_readers];
    bool _used[max_publish_readers] = {};
    mutable std::mutex _mu;
    uint32_t _version = 0;
    std::vector<retired> _retired;
};

}  // namespace txscreen
