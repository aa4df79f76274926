// Burst enqueue/dequeue of large ring elements (Txn 576 B, Verdict 960 B) through
// DPDK's zero-copy ring API. The regular *_burst_elem calls copy elements whose size
// is not 8 or 16 bytes with a loop of 4-byte moves (240 of them per Verdict; ~9 % of a
// worker's time in `txscreen bench`); here the reserved slots are filled or read with
// memcpy, or used in place. The zero-copy API needs single-thread (SP/SC) or HTS sync
// on the side that uses it: the Txn rings are SP/SC, the verdict ring is created with
// RING_F_MP_HTS_ENQ (its producers, the workers, take turns for the copy).
#pragma once

#include <rte_ring.h>
#include <rte_ring_peek_zc.h>

#include <cstring>

namespace txscreen {

// Enqueues up to n elements of src; returns how many went in.
template <typename T>
inline unsigned ring_enqueue_copy(rte_ring* r, const T* src, unsigned n) noexcept {
    rte_ring_zc_data z;
    const unsigned k = rte_ring_enqueue_zc_burst_elem_start(r, sizeof(T), n, &z, nullptr);
    if (k == 0) return 0;
    // z.n1 slots before the ring's end, the rest (if any) from its start.
    std::memcpy(z.ptr1, src, std::size_t(z.n1) * sizeof(T));
    if (k > z.n1) std::memcpy(z.ptr2, src + z.n1, std::size_t(k - z.n1) * sizeof(T));
    rte_ring_enqueue_zc_elem_finish(r, k);
    return k;
}

// Dequeues up to n elements and hands them to fn(const T* elems, unsigned count,
// unsigned index_of_first) in place (one call, or two when the reserved run wraps
// around the ring's end), then releases the slots.
// Returns how many were handled. Single-consumer rings only.
template <typename T, typename Fn>
inline unsigned ring_dequeue_in_place(rte_ring* r, unsigned n, Fn&& fn) noexcept {
    rte_ring_zc_data z;
    const unsigned k = rte_ring_dequeue_zc_burst_elem_start(r, sizeof(T), n, &z, nullptr);
    if (k == 0) return 0;
    fn(static_cast<const T*>(z.ptr1), z.n1, 0u);
    if (k > z.n1) fn(static_cast<const T*>(z.ptr2), k - z.n1, z.n1);
    rte_ring_dequeue_zc_elem_finish(r, k);
    return k;
}

// Dequeues up to n elements into dst; returns how many.
template <typename T>
inline unsigned ring_dequeue_copy(rte_ring* r, T* dst, unsigned n) noexcept {
    return ring_dequeue_in_place<T>(r, n, [dst](const T* e, unsigned k, unsigned at) {
        std::memcpy(dst + at, e, std::size_t(k) * sizeof(T));
    });
}

}  // namespace txscreen
