#include "flow/pairing.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/response_code.h"

namespace txscreen {

namespace {

constexpr uint32_t none = UINT32_MAX;

// dst[0..n) = src[0..len) then NULs (len <= n).
void copy_padded(char* dst, std::size_t n, const char* src, std::size_t len) noexcept {
    std::memcpy(dst, src, len);
    std::memset(dst + len, 0, n - len);
}

// Field 11 as a number; false when absent or not digits (never a key).
bool parse_stan(const char (&text)[7], uint32_t& out) noexcept {
    uint32_t v = 0;
    std::size_t i = 0;
    for (; i < 6 && text[i]; ++i) {
        const unsigned d = static_cast<unsigned char>(text[i]) - '0';
        if (d > 9) return false;
        v = v * 10 + d;
    }
    out = v;
    return i > 0;
}

uint64_t mix(uint64_t h, uint64_t word) noexcept {
    h = (h ^ word) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
}

uint32_t hash_flow(uint64_t flow_id) noexcept { return static_cast<uint32_t>(mix(0x9e3779b97f4a7c15ull, flow_id)); }

}  // namespace

struct pairing_table::key {
    uint64_t flow_id;
    int64_t event_time_ms;
    uint32_t stan;
    uint16_t pair_class;
    char terminal[8];

    // False when the message has no STAN: it cannot be paired.
    bool from_txn(uint64_t flow, const Txn& t) noexcept {
        flow_id = flow;
        event_time_ms = t.event_time_ms;
        pair_class = mti_pair_class(t.mti);
        copy_padded(terminal, sizeof terminal, t.terminal_id.data, t.terminal_id.len);
        return parse_stan(t.stan, stan);
    }
    void from_entry(const pending_request& r) noexcept {
        flow_id = r.flow_id;
        event_time_ms = r.event_time_ms;
        stan = r.stan;
        pair_class = mti_pair_class(r.mti);
        std::memcpy(terminal, r.terminal, sizeof terminal);
    }
    bool matches(const pending_request& r) const noexcept {
        return r.flow_id == flow_id && r.stan == stan && r.event_time_ms == event_time_ms &&
               mti_pair_class(r.mti) == pair_class && std::memcmp(r.terminal, terminal, sizeof terminal) == 0;
    }
};

namespace {

const pairing_config& validated(const pairing_config& cfg) {
    if (cfg.capacity == 0 || cfg.capacity > (1u << 24))
        throw std::invalid_argument("pairing capacity must be 1 to 16777216 pending requests, got " +
                                    std::to_string(cfg.capacity));
    if (cfg.timeout_ns <= 0)
        throw std::invalid_argument("pairing timeout must be positive, got " + std::to_string(cfg.timeout_ns) + " ns");
    if (cfg.expire_batch == 0) throw std::invalid_argument("pairing expire_batch must be at least 1");
    return cfg;
}

// True when both carry field 37 and it differs: not the same exchange.
bool rrn_differs(const pending_request& req, const Txn& response) noexcept {
    char rrn[sizeof req.rrn];
    copy_padded(rrn, sizeof rrn, response.rrn, strnlen(response.rrn, sizeof rrn));
    return rrn[0] && req.rrn[0] && std::memcmp(rrn, req.rrn, sizeof rrn) != 0;
}

}  // namespace

pairing_table::pairing_table(const pairing_config& cfg)
    : _cfg(validated(cfg)), _entries(cfg.capacity), _by_key(cfg.capacity), _by_flow(cfg.capacity) {
    for (uint32_t i = cfg.capacity; i-- > 0;) {
        _entries[i].generation = 1;
        _entries[i].age_next = _free;
        _free = i;
    }
}

uint32_t pairing_table::hash_of(const key& k) noexcept {
    // Four independent multiplies (they issue together) and one mix, instead of a
    // chain of four mixes: the hash is on every lookup's critical path.
    uint64_t terminal;
    std::memcpy(&terminal, k.terminal, sizeof terminal);
    const uint64_t sum = k.flow_id * 0x9e3779b97f4a7c15ull +
                         static_cast<uint64_t>(k.event_time_ms) * 0xc2b2ae3d27d4eb4full +
                         (uint64_t{k.stan} | uint64_t{k.pair_class} << 32) * 0x165667b19e3779f9ull +
                         terminal * 0xd6e8feb86659fd93ull;
    return static_cast<uint32_t>(mix(sum, sum >> 29));
}

void pairing_table::prefetch_key(uint64_t flow_id, const Txn& message) const noexcept {
    key k;
    if (k.from_txn(flow_id, message)) _by_key.prefetch(hash_of(k));
}

void pairing_table::prefetch_entry(uint64_t flow_id, const Txn& message) const noexcept {
    key k;
    if (k.from_txn(flow_id, message))
        _by_key.for_each_candidate(hash_of(k), [&](uint32_t e) { __builtin_prefetch(&_entries[e]); });
}

uint32_t pairing_table::find_key(const key& k, uint32_t hash) const noexcept {
    return _by_key.find(hash, [&](uint32_t e) { return k.matches(_entries[e]); });
}

uint32_t pairing_table::find_flow(uint64_t flow_id) const noexcept {
    return _by_flow.find(hash_flow(flow_id), [&](uint32_t e) { return _entries[e].flow_id == flow_id; });
}

uint32_t pairing_table::take_entry() noexcept {
    if (_free == none) {
        ++_c.table_full;
        free_entry(_oldest, slot_index::npos);
    }
    const uint32_t e = _free;
    _free = _entries[e].age_next;
    return e;
}

// Puts entry e (its fields written, `hash` its key's) into the indexes and at the end
// of the arrival list.
void pairing_table::link(uint32_t e, uint32_t hash) noexcept {
    pending_request& r = _entries[e];
    _by_key.insert(hash, e);

    r.age_prev = _newest;
    r.age_next = none;
    (_newest == none ? _oldest : _entries[_newest].age_next) = e;
    _newest = e;

    // The flow's head is its newest entry.
    r.flow_prev = none;
    const uint32_t pos = find_flow(r.flow_id);
    if (pos == slot_index::npos) {
        r.flow_next = none;
        _by_flow.insert(hash_flow(r.flow_id), e);
    } else {
        r.flow_next = _by_flow.entry_at(pos);
        _entries[r.flow_next].flow_prev = e;
        _by_flow.set_entry(pos, e);
    }
    ++_pending;
}

// key_pos: where e is in the key index, npos when the caller does not know.
void pairing_table::free_entry(uint32_t e, uint32_t key_pos) noexcept {
    pending_request& r = _entries[e];
    if (key_pos == slot_index::npos) {
        key k;
        k.from_entry(r);
        key_pos = _by_key.find(hash_of(k), [&](uint32_t x) { return x == e; });
    }
    _by_key.erase_at(key_pos);

    (r.age_prev == none ? _oldest : _entries[r.age_prev].age_next) = r.age_next;
    (r.age_next == none ? _newest : _entries[r.age_next].age_prev) = r.age_prev;

    if (r.flow_prev == none) {
        const uint32_t pos = find_flow(r.flow_id);
        if (r.flow_next == none)
            _by_flow.erase_at(pos);
        else
            _by_flow.set_entry(pos, r.flow_next);
    } else {
        _entries[r.flow_prev].flow_next = r.flow_next;
    }
    if (r.flow_next != none) _entries[r.flow_next].flow_prev = r.flow_prev;

    ++r.generation;
    r.token_ready = false;
    r.age_next = _free;
    _free = e;
    --_pending;
}

pending_handle pairing_table::add_request(uint64_t flow_id, const Txn& request, int64_t rx_ns) noexcept {
    ++_c.requests;
    key k;
    if (!k.from_txn(flow_id, request)) {
        ++_c.unkeyed_requests;
        return {};
    }
    const uint32_t hash = hash_of(k);
    if (find_key(k, hash) != slot_index::npos) {
        ++_c.duplicate_requests;
        return {};
    }
    const uint32_t e = take_entry();
    pending_request& r = _entries[e];
    r.flow_id = flow_id;
    r.request_rx_ns = rx_ns;
    r.event_time_ms = request.event_time_ms;
    r.amount_minor = request.amount_minor;
    r.stan = k.stan;
    std::memcpy(r.terminal, k.terminal, sizeof r.terminal);
    copy_padded(r.rrn, sizeof r.rrn, request.rrn, strnlen(request.rrn, sizeof r.rrn));
    copy_padded(r.merchant_id, sizeof r.merchant_id, request.merchant_id.data,
                std::min<std::size_t>(request.merchant_id.len, sizeof r.merchant_id));
    std::memcpy(r.card_bin, request.card_bin, sizeof r.card_bin);
    std::memcpy(r.card_last4, request.card_last4, sizeof r.card_last4);
    r.pan_len = request.pan_len;
    r.currency_exponent = request.currency_exponent;
    r.currency = request.currency;
    r.mti = request.mti;
    r.feed_id = request.feed_id;
    r.token_ready = false;
    link(e, hash);
    return {e, r.generation};
}

void pairing_table::set_token(pending_handle h, const uint8_t token[card_token_bytes]) noexcept {
    if (!h || h.index >= _entries.size()) return;
    pending_request& r = _entries[h.index];
    if (r.generation != h.generation) return;  // paired, expired, evicted or dropped since
    std::memcpy(r.card_token, token, card_token_bytes);
    r.token_ready = true;
}

pair_result pairing_table::match_response(uint64_t flow_id, const Txn& response, int64_t rx_ns,
                                          Txn& outcome) noexcept {
    key k;
    const uint32_t pos = k.from_txn(flow_id, response) ? find_key(k, hash_of(k)) : slot_index::npos;
    const uint32_t e = pos == slot_index::npos ? none : _by_key.entry_at(pos);
    pair_result result = pair_result::unpaired;
    if (e == none) {
        ++_c.unpaired_responses;
    } else if (rx_ns - _entries[e].request_rx_ns > _cfg.timeout_ns) {
        ++_c.unpaired_responses;
        ++_c.late_responses;
        ++_c.timed_out;
        free_entry(e, pos);
    } else if (rrn_differs(_entries[e], response)) {
        ++_c.unpaired_responses;  // not this request's answer: it stays pending
        ++_c.rrn_mismatches;
    } else if (!_entries[e].token_ready) {
        return pair_result::token_pending;  // counted when asked again
    } else {
        fill_outcome(_entries[e], response, rx_ns, outcome);
        ++_c.paired;
        if (response_declined(response.response_code)) ++_c.declined;
        free_entry(e, pos);
        result = pair_result::paired;
    }
    ++_c.responses;
    return result;
}

void pairing_table::fill_outcome(const pending_request& req, const Txn& response, int64_t rx_ns,
                                 Txn& outcome) const noexcept {
    if (&outcome != &response) outcome = response;  // the response's codes and rx fields
    outcome.kind = txn_kind::outcome;
    outcome.request_mti = req.mti;
    outcome.request_rx_ns = req.request_rx_ns;
    const int64_t us = std::clamp<int64_t>((rx_ns - req.request_rx_ns) / 1000, 0, UINT32_MAX);
    outcome.issuer_response_us = static_cast<uint32_t>(us);
    outcome.event_time_ms = req.event_time_ms;
    std::memcpy(outcome.card_token, req.card_token, card_token_bytes);
    copy_padded(outcome.card_bin, sizeof outcome.card_bin, req.card_bin, sizeof req.card_bin);
    std::memcpy(outcome.card_last4, req.card_last4, sizeof req.card_last4);
    outcome.card_last4[4] = '\0';
    outcome.pan_len = req.pan_len;
    if (response.amount_minor == 0) {  // field 4 absent (or zero): the request's amount
        outcome.amount_minor = req.amount_minor;
        outcome.currency = req.currency;
        outcome.currency_exponent = req.currency_exponent;
    } else if (response.currency == 0) {
        outcome.currency = req.currency;
        outcome.currency_exponent = req.currency_exponent;
    }
    if (outcome.merchant_id.empty())
        outcome.merchant_id.assign({req.merchant_id, strnlen(req.merchant_id, sizeof req.merchant_id)});
    if (!outcome.rrn[0]) copy_padded(outcome.rrn, sizeof outcome.rrn, req.rrn, strnlen(req.rrn, sizeof req.rrn));
}

unsigned pairing_table::expire(int64_t now_ns) noexcept {
    unsigned n = 0;
    while (n < _cfg.expire_batch && _oldest != none && now_ns - _entries[_oldest].request_rx_ns > _cfg.timeout_ns) {
        free_entry(_oldest, slot_index::npos);
        ++_c.timed_out;
        ++n;
    }
    return n;
}

unsigned pairing_table::drop_flow(uint64_t flow_id) noexcept {
    const uint32_t pos = find_flow(flow_id);
    unsigned n = 0;
    for (uint32_t e = pos == slot_index::npos ? none : _by_flow.entry_at(pos); e != none; ++n) {
        const uint32_t next = _entries[e].flow_next;
        free_entry(e, slot_index::npos);
        ++_c.abandoned;
        e = next;
    }
    return n;
}

}  // namespace txscreen
