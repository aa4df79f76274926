#include "rules/state_table.h"

#include <sys/mman.h>

#include <cstring>
#include <new>

namespace txscreen {

// Probe run length: beyond it a live entry is evicted rather than probing further, so a
// lookup touches a bounded number of cache lines even in a full table.
static constexpr std::size_t probe_limit = 8;

static inline uint64_t mix64(uint64_t x) noexcept {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

uint64_t hash_bytes(const void* data, std::size_t len, uint64_t seed) noexcept {
    const auto* p = static_cast<const unsigned char*>(data);
    uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (len + 1));
    while (len >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    if (len) std::memcpy(&tail, p, len);
    return mix64(h ^ tail ^ (static_cast<uint64_t>(len) << 56));
}

template <typename Entry>
state_table<Entry>::state_table(std::size_t capacity, int64_t ttl_ms) : _ttl_ms(ttl_ms) {
    std::size_t n = 64;
    while (n < capacity) n <<= 1;
    _mask = n - 1;
    std::size_t bytes = n * sizeof(Entry);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);  // best effort: fewer TLB misses on random cards
#endif
    // Fault every page in at construction: a first touch on the hot path costs
    // microseconds (and a huge page's zeroing even more).
    std::memset(p, 0, bytes);
    _slots = static_cast<Entry*>(p);  // anonymous memory is zero: every slot empty
}

template <typename Entry>
state_table<Entry>::~state_table() { munmap(_slots, bytes()); }

template <typename Entry>
void state_table<Entry>::prefetch(uint64_t key) const noexcept {
    const Entry* e = &_slots[mix64(key) & _mask];
    // The whole probe run (probe_limit entries): in a full table an insert reads all of it.
    const char* c = reinterpret_cast<const char*>(e);
    for (std::size_t b = 0; b < probe_limit * sizeof(Entry) + 63; b += 64) __builtin_prefetch(c + b);
}

template <typename Entry>
const Entry* state_table<Entry>::find(uint64_t key) const noexcept {
    if (key == 0) key = 1;
    std::size_t i = mix64(key) & _mask;
    for (std::size_t n = 0; n < probe_limit; ++n, i = (i + 1) & _mask) {
        const Entry& e = _slots[i];
        if (e.key == key) return &e;
        if (e.key == 0) return nullptr;
    }
    return nullptr;
}

template <typename Entry>
Entry& state_table<Entry>::find_or_insert(uint64_t key, int64_t now_ms, bool& created) noexcept {
    created = false;
    // Key 0 marks an empty slot; a token whose first 8 bytes are zero is folded onto 1.
    if (key == 0) key = 1;
    std::size_t i = mix64(key) & _mask;
    Entry* victim = nullptr;
    bool victim_expired = false;
    for (std::size_t n = 0; n < probe_limit; ++n, i = (i + 1) & _mask) {
        Entry& e = _slots[i];
        if (e.key == key) return e;
        if (e.key == 0) {
            if (!victim || !victim_expired) victim = &e, victim_expired = true;
            // An empty slot ends the run: the key cannot be further on.
            break;
        }
        bool expired = now_ms - e.last_time_ms > _ttl_ms;
        if (expired && !victim_expired) {
            victim = &e;
            victim_expired = true;
        } else if (!victim_expired && (!victim || e.last_time_ms < victim->last_time_ms)) {
            victim = &e;
        }
    }
    if (victim->key != 0) {
        // Reusing a slot inside a run may hide the key further on only if that key sits
        // past this slot; keys are never deleted otherwise, so a later find sees
        // either this new entry or continues past it (the run stays unbroken).
        if (victim_expired) ++_stats.expired;
        else [[unlikely]] ++_stats.evicted;
    }
    ++_stats.inserted;
    created = true;
    std::memset(static_cast<void*>(victim), 0, sizeof *victim);
    victim->key = key;
    victim->last_time_ms = now_ms;
    return *victim;
}

template class state_table<repeat_entry>;
template class state_table<small_txn_entry>;

}  // namespace txscreen
