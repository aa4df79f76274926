// Request/response pairing on TCP feeds (docs/feeds.md, "TCP feeds"). Requests are
// screened at once; the rx lcore also records each one here, and when the response
// comes back on the same connection, the pair becomes an outcome: the request's card
// identity (token, BIN, last four: never the PAN) with the issuer's response code,
// approval code and response time.
//
// A response pairs with the pending request that has the same
//   flow (the reassembler's connection id), MTI pair class (0100<->0110, 0200<->0210,
//   0220<->0230, 0420/0421<->0430: common/response_code.h), STAN (field 11),
//   transmission date and time (field 7, as decoded) and terminal (field 41),
// and, when both carry field 37 (RRN), the same RRN, within the timeout.
//
// Decisions:
// - A request with the key of a pending one (a repeat, 0421 after 0420, or a reused
//   STAN) is counted in duplicate_requests and not recorded: the first stays, so the
//   issuer's response time runs from the first transmission.
// - A response whose request is pending but older than the timeout is not paired:
//   the request counts as timed_out and the response as unpaired (late_responses), the
//   same whether expire() got to the request first or not.
// - drop_flow (the connection closed or was reset) frees that flow's pending requests
//   as `abandoned`, apart from `timed_out`: a response can no longer come for them.
// - A full table evicts its oldest pending request (table_full) to record the new one:
//   the oldest is the likeliest to have lost its response. Never a stall.
//
// The rx stage tokenizes requests in batches after decoding them, so add_request
// returns a handle and set_token() fills the token later. A response that finds its
// request still without a token gets pair_result::token_pending and nothing changes:
// the rx stage finishes its batch (set_token) and calls match_response again.
//
// One table per TCP feed on each rx lcore. Preallocated at construction (about 160
// bytes per pending request); no allocation, lock or throw afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/txn.h"
#include "flow/pairing_counters.h"
#include "flow/pairing_index.h"

namespace txscreen {

struct pairing_config {
    uint32_t capacity = 65536;           // pending requests
    int64_t timeout_ns = 30'000'000'000;  // a response later than this does not pair
    uint32_t expire_batch = 64;          // pending requests expire() looks at per call
};

// Which pending request add_request recorded; stays valid (and set_token harmless)
// after the request is paired, expired, evicted or dropped.
struct pending_handle {
    uint32_t index = UINT32_MAX;
    uint32_t generation = 0;
    explicit operator bool() const noexcept { return index != UINT32_MAX; }
};

enum class pair_result : uint8_t {
    paired,         // `outcome` filled; the request is freed
    unpaired,       // counted (unpaired_responses); `outcome` untouched
    token_pending,  // the request's token is not filled yet: set_token, then ask again
};

// One pending request: the pairing key and what the outcome takes from the request.
// Internal to pairing_table; 128 bytes, two cache lines.
struct pending_request {
    uint64_t flow_id;
    int64_t request_rx_ns;
    int64_t event_time_ms;  // field 7 as decoded: part of the key
    int64_t amount_minor;
    uint8_t card_token[card_token_bytes];
    uint32_t age_prev, age_next;    // arrival order, oldest first (age_next: free list)
    uint32_t flow_prev, flow_next;  // pending requests of the same flow
    uint32_t generation;            // bumped when freed: older handles no longer match
    uint32_t stan;                  // field 11 as a number
    char rrn[12];                   // field 37, NUL-padded ("" when absent)
    char terminal[8];               // field 41, NUL-padded
    char merchant_id[15];           // field 42, NUL-padded
    char card_bin[8];
    char card_last4[4];
    uint8_t pan_len;
    uint8_t currency_exponent;
    bool token_ready;
    uint16_t currency;
    uint16_t mti;
    uint16_t feed_id;
};
static_assert(sizeof(pending_request) == 128);

class pairing_table {
public:
    // Throws std::invalid_argument naming the setting when capacity is 0 or above
    // 2^24, timeout_ns is not positive or expire_batch is 0.
    explicit pairing_table(const pairing_config& cfg);

    // Records a decoded request received at rx_ns (ns since the epoch, the clock
    // expire() is given). Returns an empty handle when it is not recorded: no STAN
    // (unkeyed_requests) or a duplicate key (duplicate_requests).
    pending_handle add_request(uint64_t flow_id, const Txn& request, int64_t rx_ns) noexcept;
    // The request's token, once tokenized; nothing when the handle is stale.
    void set_token(pending_handle h, const uint8_t token[card_token_bytes]) noexcept;

    // Pairs a decoded response received at rx_ns. On `paired`, `outcome` is the
    // response with kind = outcome, the request's card identity, event time and
    // MTI (request_mti), its amount and currency when the response has none, its
    // merchant id and RRN when the response has none, and issuer_response_us.
    // `outcome` may be `response` itself.
    pair_result match_response(uint64_t flow_id, const Txn& response, int64_t rx_ns, Txn& outcome) noexcept;

    // Cache warming for a burst of messages (the rx stage decodes a burst, then pairs
    // it): prefetch_key starts loading the index slot of the message's key;
    // prefetch_entry, called later, the pending request that slot names.
    void prefetch_key(uint64_t flow_id, const Txn& message) const noexcept;
    void prefetch_entry(uint64_t flow_id, const Txn& message) const noexcept;

    // Frees pending requests older than the timeout, oldest first, at most
    // expire_batch of them (call it every poll); returns how many. Requests are
    // looked at in arrival order: one received out of time order waits for those
    // recorded before it.
    unsigned expire(int64_t now_ns) noexcept;
    // The connection is gone: frees its pending requests (abandoned); returns how many.
    unsigned drop_flow(uint64_t flow_id) noexcept;

    const pairing_counters& counters() const noexcept { return _c; }
    uint32_t pending() const noexcept { return _pending; }
    uint32_t capacity() const noexcept { return static_cast<uint32_t>(_entries.size()); }

private:
    struct key;
    static uint32_t hash_of(const key& k) noexcept;
    uint32_t find_key(const key& k, uint32_t hash) const noexcept;
    uint32_t find_flow(uint64_t flow_id) const noexcept;
    uint32_t take_entry() noexcept;
    void link(uint32_t e, uint32_t hash) noexcept;
    void free_entry(uint32_t e, uint32_t key_pos) noexcept;
    void fill_outcome(const pending_request& req, const Txn& response, int64_t rx_ns, Txn& outcome) const noexcept;

    pairing_config _cfg;
    std::vector<pending_request> _entries;
    slot_index _by_key;   // pairing key -> entry
    slot_index _by_flow;  // flow id -> newest pending entry of the flow
    uint32_t _free = UINT32_MAX;    // free list through age_next
    uint32_t _oldest = UINT32_MAX;  // arrival list ends
    uint32_t _newest = UINT32_MAX;
    uint32_t _pending = 0;
    pairing_counters _c;
};

}  // namespace txscreen
