// The rx stage's TCP feeds (docs/feeds.md, "TCP feeds"): a segment of a feed's
// connection goes to this lcore's tcp_tracker, which reassembles both directions and
// frames messages; requests are decoded into the batch and screened like any feed
// message, and recorded for pairing; responses are decoded apart, paired with their
// request on the same connection, and each pair leaves as an outcome Txn for the
// worker owning the card. No allocation, lock, syscall or exception here either.
#include <rte_cycles.h>

#include "dataplane/lcore_state.h"

namespace txscreen {

namespace {

// ISO 8583 MTI digits as the feed's dialect writes them: class (second digit) and
// function (third). An unreadable MTI reads as a request, which the decoder rejects.
struct mti_digits {
    unsigned cls, function;
};

mti_digits peek_mti(const uint8_t* msg, std::size_t len, const iso_wire* w) noexcept {
    uint16_t mti;
    if (!iso_read_mti(w ? *w : builtin_wire("binary"), msg, len, mti)) return {0, 0};
    return {mti / 100u % 10u, mti / 10u % 10u};
}

}  // namespace

void rx_tcp_events::message(unsigned feed, uint64_t flow_id, bool, const uint8_t* msg, std::size_t len) noexcept {
    // Requests and responses are told apart by their MTI (an odd function digit is a
    // response), not by direction: either side may originate (0420 from the issuer's
    // side, network management both ways).
    const mti_digits m = peek_mti(msg, len, _rx.ctx->cfg->feeds[feed].wire.get());
    if (m.cls == 8) [[unlikely]] {  // network management (0800 echo, sign-on): not a transaction
        count_add(_rx.c.feed_messages);
        count_add(_rx.c.network_messages);
        return;
    }
    if (m.function & 1u)
        _rx.on_response(feed, flow_id, msg, len);
    else
        _rx.on_request(feed, flow_id, msg, len);
}

void rx_tcp_events::flow_closed(unsigned feed, uint64_t flow_id) noexcept {
    _rx.route_batch();  // the flow's last requests and responses pair before it is dropped
    _rx.pairing[feed]->drop_flow(flow_id);
}

packet_drop rx_lcore::process_segment(const l4_view& v, uint64_t) {
    tcp_segment seg;
    if (packet_drop d = parse_tcp(v, seg); d != packet_drop::none) [[unlikely]]
        return d;
    bool to_server = true;
    const int f = tcp ? tcp->feed_of(seg, to_server) : -1;
    if (f < 0) return packet_drop::not_feed;
    const dp_feed_config& fc = ctx->cfg->feeds[static_cast<unsigned>(f)];
    if (fc.vlan != 0 && fc.vlan != seg.vlan) return packet_drop::not_feed;
    count_add(c.feed_packets);
    tcp->on_segment(seg, static_cast<unsigned>(f), to_server, static_cast<uint64_t>(clock_ns), tcp_events_sink);
    return packet_drop::none;
}

// Requests and responses are paired when the batch is routed (route_batch): the
// requests once tokenized, then the responses, their index slots and entries
// prefetched meanwhile (a pending table far larger than the cache costs two misses
// per lookup otherwise).
void rx_lcore::on_request(unsigned feed, uint64_t flow_id, const uint8_t* msg, std::size_t len) {
    if (!decode_to_batch(feed, 0, msg, len, packet_tsc)) return;
    batch_flow[batched] = flow_id;
    batch_feed[batched] = static_cast<uint16_t>(feed);
    batch_ns[batched] = clock_ns;
    pairing[feed]->prefetch_key(flow_id, batch[batched]);
    commit_batch_slot();
}

void rx_lcore::record_request(unsigned i) noexcept {
    pairing_table& p = *pairing[batch_feed[i]];
    p.set_token(p.add_request(batch_flow[i], batch[i], batch_ns[i]), batch[i].card_token);
}

void rx_lcore::on_response(unsigned feed, uint64_t flow_id, const uint8_t* msg, std::size_t len) {
    count_add(c.feed_messages);
    Txn& r = responses[queued_responses];
    iso_reject_detail where;
    const reject_reason why = decode_iso8583_deferred(msg, len, iso[feed], r, response_pan, &where);
    response_pan.wipe();  // an echoed PAN is never used: the token comes from the request
    if (why != reject_reason::none) [[unlikely]] {
        reject(feed, 0, len, why, packet_tsc, where.field);
        return;
    }
    count_add(c.responses);
    r.feed_id = static_cast<uint16_t>(feed);
    r.rx_tsc = packet_tsc;
    r.rx_clock_ms = clock_ms;
    response_flow[queued_responses] = flow_id;
    response_ns[queued_responses] = clock_ns;
    pairing[feed]->prefetch_key(flow_id, r);
    if (++queued_responses == response_capacity) route_batch();
}

void rx_lcore::pair_responses() noexcept {
    for (unsigned i = 0; i < queued_responses; ++i)
        pairing[responses[i].feed_id]->prefetch_entry(response_flow[i], responses[i]);
    for (unsigned i = 0; i < queued_responses; ++i) {
        Txn& r = responses[i];
        // Paired, the response becomes its outcome in place; its request was routed
        // already, so on the same ring the outcome reaches the worker after its verdict.
        if (pairing[r.feed_id]->match_response(response_flow[i], r, response_ns[i], r) != pair_result::paired)
            continue;
        // The text a worker would screen stays empty: an outcome is not screened.
        r.merchant_name.clear();
        r.city.clear();
        r.device_id.clear();
        r.ip.clear();
        r.email.clear();
        stage_for_worker(r);
        count_add(c.outcomes);
    }
    queued_responses = 0;
}

void rx_lcore::tcp_housekeeping(bool idle_flows) noexcept {
    for (std::size_t f = 0; f < pairing.size(); ++f)
        if (pairing[f]) pairing[f]->expire(clock_ns);
    if (!idle_flows) return;
    packet_tsc = rte_rdtsc();  // what expiry frames is stamped now, not with the last burst
    tcp->expire(static_cast<uint64_t>(clock_ns), tcp_events_sink);
}

void rx_lcore::close_tcp() noexcept {
    if (!tcp) return;
    packet_tsc = rte_rdtsc();
    tcp->close_all(tcp_events_sink);
    route_batch();
}

}  // namespace txscreen
