// One worker's memo of field scans. The same text comes back again and again on a
// payment feed (a merchant's name on every one of its transactions, a card's e-mail and
// IP on every one of the card's), and one Hyperscan scan of a short field costs
// 100-250 ns on the dev VM where a hit here costs a line compare. An entry keeps the
// field, the whole text (compared byte for byte: no false hit) and the Hyperscan ids
// the scan reported, in report order, so that replaying them gives exactly the result
// of scanning (screen.cpp). Direct-mapped; entries of an earlier pattern set never
// match (the engine starts a new generation at each swap, and an entry also names the
// version of the set that scanned it). Single-threaded: the owning
// worker is the only reader and writer; no allocation after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace txscreen {

class screen_cache {
public:
    // Ids of one field's scan that fit an entry: a scan reporting more is not kept.
    static constexpr unsigned max_ids = 7;
    // Longest text kept (bytes): more than any field the cache keeps can hold (Txn's
    // merchant_name, city, merchant_id and terminal_id; static_assert in screen.cpp).
    static constexpr std::size_t max_text = 83;

    struct alignas(64) entry {
        uint32_t generation;    // 0 = empty
        uint32_t db_version;    // pattern_db::version() of the scan
        uint8_t field;
        uint8_t text_len;
        uint8_t n_ids;
        uint8_t _pad;
        uint32_t hs_ids[max_ids];
        char text[max_text + 1];
    };
    static_assert(sizeof(entry) == 128, "an entry is two cache lines");

    // `entries` is rounded down to a power of two; 0 makes a cache that keeps nothing.
    // `alloc`/`release` as velocity_allocator's (64-byte alignment).
    screen_cache(std::size_t entries, void* (*alloc)(void*, std::size_t, std::size_t),
                 void (*release)(void*, void*), void* ctx);
    ~screen_cache();
    screen_cache(const screen_cache&) = delete;
    screen_cache& operator=(const screen_cache&) = delete;

    bool enabled() const noexcept { return _mask != SIZE_MAX; }
    // Whether texts of `field` (a screen_field) are kept: the merchant's fields (name,
    // city, merchant and terminal ids) repeat across every card that pays there. A
    // card's e-mail, device and IP repeat only on that card's own transactions, too far
    // apart among a million active cards for a cache of this size, so they are scanned.
    static bool keeps(unsigned field) noexcept;
    // Forgets every entry (O(1)): call when the pattern set changes.
    void new_generation() noexcept;

    // The slot `field`/`text` maps to (prefetched); find() and keep() take it.
    entry* slot(unsigned field, std::string_view text) const noexcept;
    // The slot's entry when it holds `field`/`text` scanned by pattern set `db_version` in
    // this generation, else nullptr.
    const entry* find(const entry* slot, unsigned field, std::string_view text, uint32_t db_version) const noexcept;
    // Stores a scan's ids in the slot (text no longer than max_text, n <= max_ids).
    void keep(entry* slot, unsigned field, std::string_view text, uint32_t db_version, const uint32_t* hs_ids,
              unsigned n) noexcept;

    std::size_t capacity() const noexcept { return enabled() ? _mask + 1 : 0; }
    std::size_t bytes() const noexcept { return capacity() * sizeof(entry); }
    uint64_t hits = 0, misses = 0;

private:
    entry* _entries = nullptr;
    std::size_t _mask = SIZE_MAX;
    uint32_t _generation = 1;
    void (*_release)(void*, void*);
    void* _ctx;
};

}  // namespace txscreen
