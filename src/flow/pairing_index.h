// slot_index: an open-addressing hash index from a 32-bit hash to entry numbers, sized
// once at construction (no allocation afterwards). Linear probing; deletion shifts the
// following slots back instead of leaving tombstones, so a lookup never walks more
// than the run its hash lands in, however many inserts and deletes came before.
// Used by pairing_table (flow/pairing.h) for its key index and its per-flow heads.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace txscreen {

class slot_index {
public:
    static constexpr uint32_t npos = UINT32_MAX;

    // Room for `entries` entries at most half full (a short probe run).
    explicit slot_index(uint32_t entries)
        : _slots(std::bit_ceil(uint64_t{entries} * 2 < 16 ? 16 : uint64_t{entries} * 2)),
          _mask(static_cast<uint32_t>(_slots.size() - 1)) {}

    // The position of the first slot with this hash whose entry satisfies `match`, or npos.
    template <class Match>
    uint32_t find(uint32_t hash, Match&& match) const noexcept {
        for (uint32_t i = hash & _mask;; i = (i + 1) & _mask) {
            const slot& s = _slots[i];
            if (s.entry == npos) return npos;
            if (s.hash == hash && match(s.entry)) return i;
        }
    }
    uint32_t entry_at(uint32_t pos) const noexcept { return _slots[pos].entry; }

    // Starts loading the slot `hash` lands in (a lookup soon after finds it in cache).
    void prefetch(uint32_t hash) const noexcept { __builtin_prefetch(&_slots[hash & _mask]); }
    // Calls fn(entry) for each entry in the run `hash` lands in that has this hash.
    template <class Fn>
    void for_each_candidate(uint32_t hash, Fn&& fn) const noexcept {
        for (uint32_t i = hash & _mask; _slots[i].entry != npos; i = (i + 1) & _mask)
            if (_slots[i].hash == hash) fn(_slots[i].entry);
    }
    void set_entry(uint32_t pos, uint32_t entry) noexcept { _slots[pos].entry = entry; }

    // The caller keeps at most `entries` (the constructor's) in the index.
    void insert(uint32_t hash, uint32_t entry) noexcept {
        uint32_t i = hash & _mask;
        while (_slots[i].entry != npos) i = (i + 1) & _mask;
        _slots[i] = {entry, hash};
    }

    // Empties slot `pos`: each later slot of the run moves back into the hole when its
    // home lies at or before the hole (cyclically), which keeps every run unbroken.
    void erase_at(uint32_t pos) noexcept {
        uint32_t hole = pos;
        for (uint32_t j = (pos + 1) & _mask; _slots[j].entry != npos; j = (j + 1) & _mask) {
            const uint32_t home = _slots[j].hash & _mask;
            if (((j - home) & _mask) >= ((j - hole) & _mask)) {
                _slots[hole] = _slots[j];
                hole = j;
            }
        }
        _slots[hole] = slot{};
    }

private:
    struct slot {
        uint32_t entry = npos;
        uint32_t hash = 0;
    };
    std::vector<slot> _slots;
    uint32_t _mask;
};

}  // namespace txscreen
