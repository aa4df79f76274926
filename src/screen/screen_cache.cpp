#include "screen/screen_cache.h"

#include <cstring>
#include <new>

#include "rules/state_table.h"   // hash_bytes
#include "screen/screen_types.h"

namespace txscreen {

screen_cache::screen_cache(std::size_t entries, void* (*alloc)(void*, std::size_t, std::size_t),
                           void (*release)(void*, void*), void* ctx)
    : _release(release), _ctx(ctx) {
    if (entries == 0) return;
    std::size_t n = 1;
    while (n * 2 <= entries) n *= 2;
    _entries = static_cast<entry*>(alloc(ctx, n * sizeof(entry), 64));
    if (!_entries) throw std::bad_alloc();
    std::memset(static_cast<void*>(_entries), 0, n * sizeof(entry));
    _mask = n - 1;
}

screen_cache::~screen_cache() {
    if (_entries) _release(_ctx, _entries);
}

bool screen_cache::keeps(unsigned field) noexcept {
    switch (static_cast<screen_field>(field)) {
    case screen_field::merchant_name:
    case screen_field::city:
    case screen_field::merchant_id:
    case screen_field::terminal_id: return true;
    default: return false;
    }
}

void screen_cache::new_generation() noexcept {
    if (++_generation != 0) return;
    // Wrapped after 2^32 swaps: entries of generation 1 could come back to life.
    if (_entries) std::memset(static_cast<void*>(_entries), 0, (_mask + 1) * sizeof(entry));
    _generation = 1;
}

screen_cache::entry* screen_cache::slot(unsigned field, std::string_view text) const noexcept {
    entry* e = &_entries[hash_bytes(text.data(), text.size(), field) & _mask];
    __builtin_prefetch(e);
    __builtin_prefetch(reinterpret_cast<const char*>(e) + 64);
    return e;
}

const screen_cache::entry* screen_cache::find(const entry* e, unsigned field, std::string_view text,
                                              uint32_t db_version) const noexcept {
    if (e->generation != _generation || e->db_version != db_version || e->field != field ||
        e->text_len != text.size())
        return nullptr;
    return std::memcmp(e->text, text.data(), text.size()) == 0 ? e : nullptr;
}

void screen_cache::keep(entry* e, unsigned field, std::string_view text, uint32_t db_version,
                        const uint32_t* hs_ids, unsigned n) noexcept {
    e->generation = _generation;
    e->db_version = db_version;
    e->field = static_cast<uint8_t>(field);
    e->text_len = static_cast<uint8_t>(text.size());
    e->n_ids = static_cast<uint8_t>(n);
    std::memcpy(e->hs_ids, hs_ids, n * sizeof(uint32_t));
    std::memcpy(e->text, text.data(), text.size());
}

}  // namespace txscreen
