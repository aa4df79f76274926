// Detector state that src/velocity's per-key windows do not answer: recent repeats of
// the same (card, merchant, amount) and a card's recent small-amount transactions.
// Both live in fixed-capacity tables sized by traffic over the detector's window (an
// entry idle longer than the window is free), not by the card population, so the
// per-card memory stays velocity's 128-byte entry. Owned by one worker: no locks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace txscreen {

// Rapid repeats: one entry per (card, merchant, amount) seen within the repeat window,
// holding the times of its newest three occurrences. Sized by traffic, not by cards.
struct repeat_entry {
    uint64_t key;           // hash(card, merchant, amount); 0 = empty
    int64_t last_time_ms;   // newest occurrence (TTL, LRU)
    int64_t older_ms[2];    // the two before it; 0 = none
};
static_assert(sizeof(repeat_entry) == 32);

// Card testing: one entry per card with a recent small-amount transaction, holding the
// newest four small transactions (time and merchant hash).
inline constexpr int small_txn_slots = 4;
struct alignas(64) small_txn_entry {
    uint64_t key;            // card key; 0 = empty
    int64_t last_time_ms;
    int64_t time_ms[small_txn_slots];      // 0 = unused
    uint16_t merchant[small_txn_slots];
    uint32_t next;           // ring position
};
static_assert(sizeof(small_txn_entry) == 64);

struct state_table_stats {
    uint64_t inserted = 0;
    uint64_t evicted = 0;    // live entries displaced because the probe run was full
    uint64_t expired = 0;    // idle entries reused after the TTL
};

// Fixed-capacity open-addressing table of Entry (which has uint64_t key, 0 = empty,
// and int64_t last_time_ms). Linear probing over at most 8 slots; beyond that the
// least recently used live entry is evicted (counted), so a lookup touches a bounded
// number of cache lines. Entries are never deleted, only reused, so runs stay intact.
template <typename Entry>
class state_table {
public:
    // capacity is rounded up to a power of two; ttl_ms is the idle time after which an
    // entry may be reused. Allocates once (transparent huge pages when available);
    // throws std::bad_alloc when memory is short.
    state_table(std::size_t capacity, int64_t ttl_ms);
    ~state_table();
    state_table(const state_table&) = delete;
    state_table& operator=(const state_table&) = delete;

    // Returns the entry of `key`, never nullptr. When absent it is created (possibly by
    // evicting) zeroed with key and last_time_ms = now_ms, and `created` is set.
    Entry& find_or_insert(uint64_t key, int64_t now_ms, bool& created) noexcept;
    // Returns the entry of `key` or nullptr (no insertion).
    const Entry* find(uint64_t key) const noexcept;
    // Hints the CPU to fetch the entry's first cache lines (call a few txns ahead).
    void prefetch(uint64_t key) const noexcept;

    std::size_t capacity() const noexcept { return _mask + 1; }
    std::size_t bytes() const noexcept { return (_mask + 1) * sizeof(Entry); }
    const state_table_stats& stats() const noexcept { return _stats; }

private:
    Entry* _slots;
    std::size_t _mask;
    int64_t _ttl_ms;
    state_table_stats _stats;
};


// 64-bit hash of a byte string (allocation-free, for ids in fixed_text fields).
uint64_t hash_bytes(const void* data, std::size_t len, uint64_t seed = 0) noexcept;

}  // namespace txscreen
