// Helpers shared by the velocity tests: building Txn records and a counted allocator.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/txn.h"
#include "velocity/velocity.h"

namespace vt {

inline constexpr int64_t t0 = 1'704'067'200'000LL;   // 2024-01-01T00:00:00Z
inline constexpr int64_t sec = 1000;
inline constexpr int64_t minute = 60 * sec;
inline constexpr int64_t hour = 60 * minute;

inline void set_token(txscreen::Txn& t, uint32_t card) {
    // Token bytes from the card number through a mixer (tokens are HMAC output: uniform).
    uint64_t a = (card + 1) * 0x9e3779b97f4a7c15ULL, b = a ^ 0xabcdef;
    a ^= a >> 29;
    a *= 0xbf58476d1ce4e5b9ULL;
    a ^= a >> 31;
    std::memcpy(t.card_token, &a, 8);
    std::memcpy(t.card_token + 8, &b, 8);
}

inline txscreen::Txn make_txn(uint32_t card, int64_t time_ms, int64_t amount = 100,
                              const std::string& merchant = "m1", const char* country = "US") {
    txscreen::Txn t;
    t.reset();
    set_token(t, card);
    t.event_time_ms = time_ms;
    t.amount_minor = amount;
    t.merchant_id.assign(merchant);
    if (country && country[0]) {
        t.country[0] = country[0];
        t.country[1] = country[1];
    }
    return t;
}

struct counted_heap {
    std::size_t bytes = 0;
    std::size_t calls = 0;
    std::size_t bad_align = 0;
    std::size_t fail_above = SIZE_MAX;   // allocations larger than this fail
    txscreen::velocity_allocator allocator() {
        txscreen::velocity_allocator a;
        a.ctx = this;
        a.alloc = [](void* ctx, std::size_t size, std::size_t align) -> void* {
            auto* self = static_cast<counted_heap*>(ctx);
            if (size > self->fail_above) return nullptr;
            if (align < 64 || (align & (align - 1))) ++self->bad_align;
            self->bytes += size;
            ++self->calls;
            return std::aligned_alloc(align, (size + align - 1) / align * align);
        };
        a.release = [](void*, void* p) { std::free(p); };
        return a;
    }
};

inline txscreen::velocity_config small_config() {
    txscreen::velocity_config c;
    c.card_capacity = 1 << 12;
    c.merchant_capacity = 1 << 10;
    c.device_capacity = 1 << 10;
    c.ip_capacity = 1 << 10;
    c.dedup_capacity = 1 << 12;
    return c;
}

}  // namespace vt
