// The velocity tables' cache lines (floor_velocity.h).
#include "tools/txscreen/floor_velocity.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "controlplane/appliance/rule_sources.h"
#include "rules/state_table.h"

namespace txscreen::floors {

unsigned tracked_keys(rule_sources& sources, const engine_config& ec) {
    if (ec.track_unused_keys) return 0xFu;
    unsigned mask = 1u;
    const int slot = sources.rules.register_reader();
    if (const ruleset* rs = sources.rules.quiescent(slot))
        for (int i = 0; i < rs->n_rules; ++i)
            if (rs->rules[i].weight != 0) mask |= 1u << static_cast<unsigned>(rs->rules[i].key);
    sources.rules.unregister_reader(slot);
    return mask;
}

velocity_probe probe_of(const Txn& t, unsigned mask) {
    velocity_probe p{};
    bool token = false;
    for (uint8_t b : t.card_token) token |= b != 0;
    if (token) p.key[0] = hash_bytes(t.card_token, sizeof t.card_token) | 1;
    const auto text_key = [&](unsigned k, const auto& text, uint32_t masked_bit) {
        if ((mask >> k & 1u) && !text.empty() && !(t.masked_fields & masked_bit))
            p.key[k] = hash_bytes(text.data, text.len, k) | 1;
    };
    text_key(1, t.merchant_id, tf_merchant_id);
    text_key(2, t.device_id, tf_device_id);
    text_key(3, t.ip, tf_ip);
    if (!t.txn_id.empty() && !(t.masked_fields & tf_txn_id)) {
        p.identity = hash_bytes(t.txn_id.data, t.txn_id.len, 0x7e1d) | 1;
    } else if (t.stan[0] || t.rrn[0]) {
        const uint64_t h = hash_bytes(t.terminal_id.data, t.terminal_id.len, 0x15087);
        p.identity = hash_bytes(t.stan, sizeof t.stan, hash_bytes(t.rrn, sizeof t.rrn, h)) | 1;
    }
    return p;
}

// Anonymous memory faulted in at once, in 2 MiB pages when the appliance's tables get
// hugepages, else in the pages EAL --no-huge gets (the host's default).
class page_memory {
public:
    page_memory(std::size_t bytes, bool huge) : _bytes((bytes + (2u << 20) - 1) / (2u << 20) * (2u << 20)) {
        void* p = mmap(nullptr, _bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            throw std::runtime_error("cannot map " + std::to_string(_bytes >> 20) + " MiB for the velocity floor's tables");
        if (huge) madvise(p, _bytes, MADV_HUGEPAGE);
        std::memset(p, 0, _bytes);
        _p = static_cast<uint8_t*>(p);
    }
    ~page_memory() { munmap(_p, _bytes); }
    page_memory(const page_memory&) = delete;
    page_memory& operator=(const page_memory&) = delete;
    uint8_t* data() const noexcept { return _p; }

private:
    std::size_t _bytes;
    uint8_t* _p = nullptr;
};

namespace {

inline uint32_t reduce(uint64_t h, uint32_t n) noexcept {
    return static_cast<uint32_t>((static_cast<unsigned __int128>(h) * n) >> 64);
}

}  // namespace

// One transaction's lines while in flight: per key its group's tag line and its entry
// (two lines), and its identity's two dedup lines; nullptr where there is none.
struct line_set {
    const uint8_t* tags[velocity_key_count];
    uint8_t* entry[velocity_key_count];
    uint8_t* dedup[2];
};

velocity_floor::velocity_floor(const velocity_config& c, unsigned mask, bool huge) : _huge(huge) {
    const uint32_t caps[velocity_key_count] = {c.card_capacity, c.merchant_capacity, c.device_capacity,
                                               c.ip_capacity};
    for (unsigned k = 0; k < velocity_key_count; ++k) {
        if (!(mask >> k & 1u)) continue;
        _groups[k] = static_cast<uint32_t>((std::max<uint64_t>(caps[k], 64) + group_slots - 1) / group_slots);
        _tables[k] = std::make_unique<page_memory>(std::size_t{_groups[k]} * group_bytes, huge);
    }
    _dedup_lines = static_cast<uint32_t>((std::max<uint64_t>(c.dedup_capacity, 64) + 3) / 4);
    _dedup = std::make_unique<page_memory>(std::size_t{_dedup_lines} * 64, huge);
}

velocity_floor::~velocity_floor() = default;  // here, where page_memory is complete

uint64_t velocity_floor::pass(const std::vector<velocity_probe>& probes) noexcept {
    constexpr std::size_t worker_burst = 64;
    for (std::size_t at = 0; at < probes.size(); at += worker_burst)
        burst(probes.data() + at, std::min(worker_burst, probes.size() - at));
    return _sink;
}

// engine::score_burst's pipeline: tag and dedup lines prefetched 6 transactions
// ahead, entries (once their tag line is in) 3 ahead, then the update.
void velocity_floor::burst(const velocity_probe* p, std::size_t n) noexcept {
    constexpr std::size_t ahead = 6, ring = 8;
    line_set s[ring];
    const std::size_t first = std::min(n, ahead);
    for (std::size_t j = 0; j < first; ++j) locate(p[j], s[j % ring]);
    for (std::size_t j = 0; j < first && j < ahead / 2; ++j) find_entries(p[j], s[j % ring]);
    for (std::size_t i = 0; i < n; ++i) {
        if (i + ahead < n) locate(p[i + ahead], s[(i + ahead) % ring]);
        if (i + ahead / 2 < n) find_entries(p[i + ahead / 2], s[(i + ahead / 2) % ring]);
        update(s[i % ring]);
    }
}

// velocity_shard::prepare: each key's tag line, and the identity's two dedup lines.
void velocity_floor::locate(const velocity_probe& p, line_set& s) const noexcept {
    for (unsigned k = 0; k < velocity_key_count; ++k) {
        s.tags[k] = nullptr;
        s.entry[k] = nullptr;
        if (!p.key[k] || !_tables[k]) continue;
        s.tags[k] = _tables[k]->data() + std::size_t{reduce(p.key[k], _groups[k])} * group_bytes;
        __builtin_prefetch(s.tags[k]);
    }
    s.dedup[0] = s.dedup[1] = nullptr;
    if (!p.identity) return;
    constexpr uint32_t per_page = group_bytes / 64;
    const uint32_t l1 = reduce(p.identity, _dedup_lines);
    uint32_t l2 = (l1 & ~(per_page - 1)) | static_cast<uint32_t>((p.identity >> 40) & (per_page - 1));
    if (l2 >= _dedup_lines || l2 == l1) l2 = (l1 ^ 1u) < _dedup_lines ? l1 ^ 1u : l1 - 1;
    s.dedup[0] = _dedup->data() + std::size_t{l1} * 64;
    s.dedup[1] = _dedup->data() + std::size_t{l2} * 64;
    __builtin_prefetch(s.dedup[0]);
    __builtin_prefetch(s.dedup[1]);
}

// velocity_shard::prefetch_entries: the entry's address comes from reading the tag
// line (here a word that stays 0, so the load cannot be skipped), then its two lines
// are prefetched (read prefetches, as the shard's).
void velocity_floor::find_entries(const velocity_probe& p, line_set& s) const noexcept {
    for (unsigned k = 0; k < velocity_key_count; ++k) {
        if (!s.tags[k]) continue;
        uint32_t word;
        std::memcpy(&word, s.tags[k], sizeof word);
        const uint32_t slot = (static_cast<uint32_t>(p.key[k] >> 24) + word) % group_slots;
        s.entry[k] = const_cast<uint8_t*>(s.tags[k]) + 64 + std::size_t{slot} * sizeof(velocity_entry);
        __builtin_prefetch(s.entry[k]);
        __builtin_prefetch(s.entry[k] + 64);
    }
}

// velocity_shard::observe: the dedup lines read and one slot written, and each
// entry's two lines read and written (ring on the first, buckets on the second).
void velocity_floor::update(const line_set& s) noexcept {
    if (s.dedup[0]) {
        uint64_t a, b;
        std::memcpy(&a, s.dedup[0], sizeof a);
        std::memcpy(&b, s.dedup[1], sizeof b);
        const uint64_t v = a + b + 1;
        std::memcpy(s.dedup[0] + 8, &v, sizeof v);
    }
    for (unsigned k = 0; k < velocity_key_count; ++k) {
        uint8_t* e = s.entry[k];
        if (!e) continue;
        int64_t last;
        std::memcpy(&last, e + 16, sizeof last);
        ++last;
        std::memcpy(e + 16, &last, sizeof last);
        uint16_t bucket;
        std::memcpy(&bucket, e + 64 + 32, sizeof bucket);
        ++bucket;
        std::memcpy(e + 64 + 32, &bucket, sizeof bucket);
        _sink += static_cast<uint64_t>(last) + bucket;
    }
}

std::string describe_lines(const std::vector<velocity_probe>& probes, unsigned mask, const velocity_config& c,
                           bool huge) {
    uint64_t lines = 0;
    for (const velocity_probe& p : probes) {
        for (unsigned k = 0; k < velocity_key_count; ++k) lines += (p.key[k] && (mask >> k & 1u)) ? 3 : 0;
        lines += p.identity ? 2 : 0;
    }
    std::string keys;
    for (unsigned k = 0; k < velocity_key_count; ++k)
        if (mask >> k & 1u) keys += (keys.empty() ? "" : ", ") + std::string(velocity_key_name(static_cast<velocity_key>(k)));
    char text[160];
    std::snprintf(text, sizeof text, "%s + dedup: %.1f lines/txn, %u cards, %s", keys.c_str(),
                  static_cast<double>(lines) / static_cast<double>(probes.size()), c.card_capacity,
                  huge ? "2 MiB pages" : "pages as EAL --no-huge");
    return text;
}

}  // namespace txscreen::floors
