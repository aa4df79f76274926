// The rows of one aggregate window (or of one window's pending corrections): a flat
// vector of rows, an open-addressing index from a fixed-size (dimension, key) to the
// row, and pools of sketch blocks for the rows that outgrow their inline ones. All keep
// their capacity when the window is recycled, so once the busiest window has been seen
// an event allocates nothing. Controlplane thread only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "controlplane/analytics/analytics_records.h"
#include "controlplane/analytics/hyperloglog.h"
#include "controlplane/analytics/latency_sketch.h"

namespace txscreen {

// A row's identity: dimension and key text, zero-padded so two keys compare as 40 bytes.
struct agg_key {
    static constexpr std::size_t max_text = 38;  // agg_key_bytes less the NUL
    uint8_t dimension;
    uint8_t len;
    char text[max_text];

    void set(agg_dimension d, std::string_view s) noexcept {
        std::memset(this, 0, sizeof *this);
        dimension = static_cast<uint8_t>(d);
        len = static_cast<uint8_t>(s.size() < max_text ? s.size() : max_text);
        std::memcpy(text, s.data(), len);
    }
    std::string_view view() const noexcept { return {text, len}; }
    bool operator==(const agg_key& o) const noexcept { return std::memcmp(this, &o, sizeof *this) == 0; }
    uint64_t hash() const noexcept {
        uint64_t w[5];
        std::memcpy(w, this, sizeof w);
        uint64_t h = 0x9e3779b97f4a7c15ULL;
        for (uint64_t x : w) h = (h ^ x) * 0xff51afd7ed558ccdULL, h ^= h >> 32;
        return h;
    }
};
static_assert(sizeof(agg_key) == 40 && agg_key::max_text < agg_key_bytes);

// Distinct cards and latencies of one row. Most rows see a handful of events per
// window (a merchant's minute), so both start inline and move to a block of the
// window's pool (a hyperloglog, a latency_sketch) only when they outgrow it: a row
// stays a few cache lines, which keeps 10K merchant rows in cache.
struct row_sketches {
    static constexpr uint32_t none = UINT32_MAX;
    static constexpr int inline_cards = 6;
    static constexpr int inline_latencies = 4;

    uint64_t card_hash[inline_cards];    // mixed card keys (hyperloglog::mix), distinct
    uint64_t latency_ns[inline_latencies];
    uint32_t cards_block, latency_block;  // index in the window's pools, or none
    uint8_t n_cards, n_latencies;

    void reset() noexcept {
        cards_block = latency_block = none;
        n_cards = n_latencies = 0;
    }
};

// One (window, dimension, key) being counted.
struct agg_row {
    agg_key key;
    uint64_t transactions, alerts, reviews, blocks, approved, declined, rejects, gaps, amounts_other;
    row_sketches sketch;
    uint8_t n_amounts;
    agg_amount amounts[agg_max_currencies];

    void reset(const agg_key& k) noexcept {
        key = k;
        transactions = alerts = reviews = blocks = approved = declined = rejects = gaps = amounts_other = 0;
        n_amounts = 0;
        sketch.reset();
    }
    void add_amount(uint16_t currency, uint8_t exponent, int64_t amount_minor) noexcept {
        for (uint8_t i = 0; i < n_amounts; ++i)
            if (amounts[i].currency == currency) {
                ++amounts[i].transactions;
                amounts[i].amount_minor += amount_minor;
                return;
            }
        if (n_amounts == agg_max_currencies) {
            ++amounts_other;
            return;
        }
        amounts[n_amounts++] = agg_amount{currency, exponent, 1, amount_minor};
    }
};

class window_table {
public:
    window_table() { _slots.assign(initial_slots, empty_slot); }

    // Empties the table for another window; capacity stays.
    void recycle(int64_t start_ms, int64_t end_ms) noexcept {
        start = start_ms;
        end = end_ms;
        merchant_rows = heavy_rows = 0;
        _cards_used = _latencies_used = 0;
        std::fill(_slots.begin(), _slots.end(), empty_slot);  // once per window: a few KiB
        _rows.clear();
    }

    static constexpr uint32_t no_row = UINT32_MAX;

    // The index of the row of `k` (h = k.hash()), or no_row.
    uint32_t find_index(const agg_key& k, uint64_t h) const noexcept {
        const uint64_t slot = _slots[find_slot(k, h)];
        return slot == empty_slot ? no_row : row_of(slot);
    }
    // The index of the row of `k`, added (zeroed) when absent. Moves rows: take
    // references to rows only after the last index_of() of an event.
    uint32_t index_of(const agg_key& k, uint64_t h) {
        uint32_t at = find_slot(k, h);
        if (_slots[at] != empty_slot) return row_of(_slots[at]);
        if ((_rows.size() + 1) * 2 > _slots.size()) {  // at most half full: short probes
            grow();
            at = find_slot(k, h);
        }
        const auto index = static_cast<uint32_t>(_rows.size());
        _slots[at] = slot_of(h, index);
        _rows.emplace_back().reset(k);
        return index;
    }
    agg_row& get(const agg_key& k) { return _rows[index_of(k, k.hash())]; }
    agg_row& row(uint32_t index) noexcept { return _rows[index]; }

    // Prefetches, so that the five rows of one event miss the cache in parallel.
    void prefetch_slot(uint64_t h) const noexcept { __builtin_prefetch(&_slots[h & (_slots.size() - 1)]); }
    void prefetch_row(uint32_t index) const noexcept {
        const char* r = reinterpret_cast<const char*>(&_rows[index]);
        __builtin_prefetch(r);
        __builtin_prefetch(r + offsetof(agg_row, amounts));
    }
    void prefetch_sketches(const agg_row& r, uint64_t card_hash, uint64_t latency_ns) const noexcept {
        if (r.sketch.cards_block != row_sketches::none)
            __builtin_prefetch(_cards[r.sketch.cards_block].address_of(card_hash), 1);
        if (r.sketch.latency_block != row_sketches::none)
            __builtin_prefetch(_latencies[r.sketch.latency_block].address_of(latency_ns), 1);
    }

    // `card_hash` from hyperloglog::mix().
    void add_card(agg_row& r, uint64_t card_hash) {
        row_sketches& k = r.sketch;
        if (k.cards_block != row_sketches::none) return _cards[k.cards_block].add_hash(card_hash);
        for (uint8_t i = 0; i < k.n_cards; ++i)
            if (k.card_hash[i] == card_hash) return;
        if (k.n_cards < row_sketches::inline_cards) {
            k.card_hash[k.n_cards++] = card_hash;
            return;
        }
        k.cards_block = take_block(_cards, _cards_used);
        for (uint64_t h : k.card_hash) _cards[k.cards_block].add_hash(h);
        _cards[k.cards_block].add_hash(card_hash);
    }
    void add_latency(agg_row& r, uint64_t ns) {
        row_sketches& k = r.sketch;
        if (k.latency_block != row_sketches::none) return _latencies[k.latency_block].record(ns);
        if (k.n_latencies < row_sketches::inline_latencies) {
            k.latency_ns[k.n_latencies++] = ns;
            return;
        }
        k.latency_block = take_block(_latencies, _latencies_used);
        for (uint64_t v : k.latency_ns) _latencies[k.latency_block].record(v);
        _latencies[k.latency_block].record(ns);
    }
    uint64_t distinct_cards(const agg_row& r) const noexcept {
        return r.sketch.cards_block == row_sketches::none ? r.sketch.n_cards : _cards[r.sketch.cards_block].estimate();
    }
    // Nearest-rank quantile: exact while inline, else the sketch's bucket bound.
    uint64_t latency_quantile(const agg_row& r, double q) const noexcept {
        const row_sketches& k = r.sketch;
        if (k.latency_block != row_sketches::none) return _latencies[k.latency_block].quantile(q);
        if (k.n_latencies == 0) return 0;
        const int n = std::min<int>(k.n_latencies, row_sketches::inline_latencies);
        uint64_t v[row_sketches::inline_latencies];
        for (int i = 0; i < n; ++i) {  // insertion sort of at most 4
            int at = i;
            for (; at > 0 && v[at - 1] > k.latency_ns[i]; --at) v[at] = v[at - 1];
            v[at] = k.latency_ns[i];
        }
        const double want = q * n;
        int rank = static_cast<int>(want);
        if (static_cast<double>(rank) < want || rank == 0) ++rank;
        return v[std::min(rank, n) - 1];
    }

    std::vector<agg_row>& rows() noexcept { return _rows; }
    std::size_t size() const noexcept { return _rows.size(); }

    int64_t start = 0, end = 0;
    uint32_t merchant_rows = 0;  // rows of dimension merchant, "other" excluded
    uint32_t heavy_rows = 0;     // of which admitted as heavy (heavy_merchants.h)

private:
    static constexpr std::size_t initial_slots = 4096;

    // A slot holds the key's hash in its upper half and the row index in its lower:
    // a probe compares hashes and reads a row only when they match.
    static constexpr uint64_t empty_slot = UINT64_MAX;
    static uint64_t slot_of(uint64_t hash, uint32_t row) noexcept { return (hash & ~uint64_t(UINT32_MAX)) | row; }
    static uint32_t row_of(uint64_t slot) noexcept { return static_cast<uint32_t>(slot); }

    uint32_t find_slot(const agg_key& k, uint64_t h) const noexcept {
        const std::size_t mask = _slots.size() - 1;
        const uint64_t tag = h & ~uint64_t(UINT32_MAX);
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const uint64_t s = _slots[i];
            if (s == empty_slot || ((s & ~uint64_t(UINT32_MAX)) == tag && _rows[row_of(s)].key == k))
                return static_cast<uint32_t>(i);
        }
    }
    // A cleared block of `pool`, reusing those of earlier windows.
    template <class Block>
    static uint32_t take_block(std::vector<Block>& pool, uint32_t& used) {
        if (used == pool.size()) pool.emplace_back();
        pool[used].clear();
        return used++;
    }
    void grow() {
        _slots.assign(_slots.size() * 2, empty_slot);
        for (uint32_t r = 0; r < _rows.size(); ++r) {
            const uint64_t h = _rows[r].key.hash();
            _slots[find_slot(_rows[r].key, h)] = slot_of(h, r);
        }
    }

    std::vector<uint64_t> _slots;  // hash tag | row index, by hash; a power of two
    std::vector<agg_row> _rows;
    std::vector<hyperloglog> _cards;           // blocks of rows past inline_cards
    std::vector<latency_sketch> _latencies;    // blocks of rows past inline_latencies
    uint32_t _cards_used = 0, _latencies_used = 0;
};

}  // namespace txscreen
