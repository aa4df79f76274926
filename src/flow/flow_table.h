// The TCP connections one rx lcore follows: a fixed pool of flow entries and an
// open-addressing index (linear probing, backward-shift deletion, at most half full)
// on the canonical 5-tuple: endpoints sorted, so both directions find one entry.
// Everything is allocated at construction. Which entry to evict when full is the
// tracker's policy (tcp_tracker.cpp); this file only maps keys to entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "flow/tcp_segment.h"
#include "flow/tcp_stream.h"

namespace txscreen {

struct flow_key {
    uint8_t addr[2][16];  // IPv6, or IPv4-mapped (::ffff:a.b.c.d); endpoint 0 sorts first
    uint16_t port[2];
    bool operator==(const flow_key&) const noexcept = default;
};

// The segment's address in IPv6 form (IPv4-mapped for IPv4).
void to_ipv6_form(const uint8_t* addr, uint8_t addr_len, uint8_t out[16]) noexcept;
flow_key make_flow_key(const tcp_segment& s) noexcept;
uint32_t flow_hash(const flow_key& k) noexcept;

enum class flow_state : uint8_t {
    free,         // not in use
    half_open,    // SYN (or SYN-ACK) only: no payload, handshake not completed
    established,  // payload seen or handshake completed
    closed,       // ended and reported; kept a while so late retransmits are recognised
};

struct flow_entry {
    flow_key key;
    uint32_t hash;
    uint16_t feed;
    flow_state state;
    uint8_t fin_seen;  // bit 0: client->server FIN, bit 1: server->client
    uint64_t id;
    uint64_t last_ns;
    tcp_stream dir[2];  // [0] client->server (to_server), [1] server->client
};

class flow_table {
public:
    static constexpr uint32_t nil = UINT32_MAX;

    explicit flow_table(uint32_t capacity);

    uint32_t find(const flow_key& k, uint32_t hash) const noexcept;  // entry index or nil
    // Takes a free entry for k (absent), state half_open; nil when every entry is used.
    uint32_t insert(const flow_key& k, uint32_t hash) noexcept;
    void erase(uint32_t idx) noexcept;

    flow_entry& at(uint32_t idx) noexcept { return entries_[idx]; }
    uint32_t capacity() const noexcept { return capacity_; }
    uint32_t size() const noexcept { return size_; }

private:
    struct slot {
        uint32_t hash;
        uint32_t entry;  // nil = empty
    };
    uint32_t capacity_;
    uint32_t size_ = 0;
    uint32_t mask_;
    std::unique_ptr<slot[]> slots_;
    std::unique_ptr<flow_entry[]> entries_;
    std::unique_ptr<uint32_t[]> free_;  // stack of free entry indexes
    uint32_t free_top_;
};

}  // namespace txscreen
