#include "flow/flow_table.h"

#include <bit>
#include <cstring>
#include <stdexcept>

namespace txscreen {

void to_ipv6_form(const uint8_t* addr, uint8_t addr_len, uint8_t out[16]) noexcept {
    if (addr_len == 16) {
        std::memcpy(out, addr, 16);
        return;
    }
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, addr, 4);
}

flow_key make_flow_key(const tcp_segment& s) noexcept {
    flow_key k;
    uint8_t src[16], dst[16];
    to_ipv6_form(s.src_addr, s.addr_len, src);
    to_ipv6_form(s.dst_addr, s.addr_len, dst);
    const int order = std::memcmp(src, dst, 16);
    const bool src_first = order < 0 || (order == 0 && s.src_port <= s.dst_port);
    std::memcpy(k.addr[0], src_first ? src : dst, 16);
    std::memcpy(k.addr[1], src_first ? dst : src, 16);
    k.port[0] = src_first ? s.src_port : s.dst_port;
    k.port[1] = src_first ? s.dst_port : s.src_port;
    return k;
}

uint32_t flow_hash(const flow_key& k) noexcept {
    uint64_t w[4];
    std::memcpy(w, k.addr, 32);
    uint64_t h = (uint64_t{k.port[0]} << 16 | k.port[1]) * 0x9e3779b97f4a7c15ull;
    for (uint64_t x : w) h = (h ^ x) * 0xff51afd7ed558ccdull, h ^= h >> 32;
    return static_cast<uint32_t>(h);
}

flow_table::flow_table(uint32_t capacity)
    : capacity_(capacity),
      mask_(std::bit_ceil(uint64_t{capacity} * 2) - 1),
      slots_(std::make_unique<slot[]>(mask_ + 1)),
      entries_(std::make_unique<flow_entry[]>(capacity)),
      free_(std::make_unique<uint32_t[]>(capacity)),
      free_top_(capacity) {
    if (capacity == 0 || capacity > (1u << 30)) throw std::invalid_argument("flow table capacity must be 1..2^30");
    for (uint32_t i = 0; i <= mask_; ++i) slots_[i].entry = nil;
    for (uint32_t i = 0; i < capacity; ++i) {
        free_[i] = capacity - 1 - i;
        entries_[i].state = flow_state::free;
    }
}

uint32_t flow_table::find(const flow_key& k, uint32_t hash) const noexcept {
    for (uint32_t i = hash & mask_;; i = (i + 1) & mask_) {
        const slot& s = slots_[i];
        if (s.entry == nil) return nil;
        if (s.hash == hash && entries_[s.entry].key == k) return s.entry;
    }
}

uint32_t flow_table::insert(const flow_key& k, uint32_t hash) noexcept {
    if (free_top_ == 0) return nil;
    const uint32_t e = free_[--free_top_];
    uint32_t i = hash & mask_;
    while (slots_[i].entry != nil) i = (i + 1) & mask_;
    slots_[i] = {hash, e};
    flow_entry& f = entries_[e];
    f.key = k;
    f.hash = hash;
    f.state = flow_state::half_open;
    ++size_;
    return e;
}

void flow_table::erase(uint32_t idx) noexcept {
    uint32_t i = entries_[idx].hash & mask_;
    while (slots_[i].entry != idx) i = (i + 1) & mask_;
    // Backward shift: pull later members of the probe run into the hole so lookups
    // never meet an empty slot before their key.
    for (uint32_t j = (i + 1) & mask_; slots_[j].entry != nil; j = (j + 1) & mask_) {
        const uint32_t home = slots_[j].hash & mask_;
        const bool movable = i <= j ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            slots_[i] = slots_[j];
            i = j;
        }
    }
    slots_[i].entry = nil;
    entries_[idx].state = flow_state::free;
    free_[free_top_++] = idx;
    --size_;
}

}  // namespace txscreen
