// The rx stage: burst receive, L2-L4 parse, feed lookup, framing, sequencing, decode,
// and handoff of each Txn to the worker that owns its card. No allocation, lock,
// syscall or exception on this path; every packet and message that goes nowhere is
// counted by reason.
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "dataplane/lcore_state.h"
#include "dataplane/ring_copy.h"

namespace txscreen {

namespace {
constexpr unsigned max_burst = 64;
}

void rx_lcore::reject(unsigned feed, uint64_t seq, std::size_t len, reject_reason r, uint64_t tsc, uint8_t field) {
    count_add(c.rejected);
    count_add(c.rejects[static_cast<std::size_t>(r)]);
    reject_record rec{};
    rec.rx_ns = ctx->clock.to_ns(tsc);
    rec.feed_seq = seq;
    rec.feed_id = static_cast<uint16_t>(feed);
    rec.length = static_cast<uint32_t>(len);
    rec.reason = r;
    rec.field = field;
    if (reject_stage.size() == reject_stage.capacity()) [[unlikely]] {
        while (!flush()) stalled();  // never grow the vector on this path
    }
    reject_stage.push_back(rec);
}

bool rx_lcore::decode_to_batch(unsigned feed, uint64_t seq, const uint8_t* msg, std::size_t len, uint64_t tsc) {
    const dp_feed_config& f = ctx->cfg->feeds[feed];
    count_add(c.feed_messages);
    Txn& t = batch[batched];
    pan_stash& pan = batch_pan[batched];
    iso_reject_detail where;
    reject_reason r = f.format == payload_format::iso8583 ? decode_iso8583_deferred(msg, len, iso[feed], t, pan, &where)
                                                          : json->decode_deferred(feed, reinterpret_cast<const char*>(msg), len, t, pan);
    if (r != reject_reason::none) [[unlikely]] {
        // the decoder left `pan` empty
        reject(feed, seq, len, r, tsc, f.format == payload_format::iso8583 ? where.field : uint8_t{0});
        return false;
    }
    count_add(c.decoded);
    if (t.truncated) [[unlikely]]
        count_add(c.truncated_fields);
    count_add(c.pans_masked, t.pans_masked);  // already masked: the count says a producer sends PANs in text
    t.feed_id = static_cast<uint16_t>(feed);
    t.feed_seq = seq;
    t.rx_tsc = tsc;
    t.rx_clock_ms = clock_ms;
    batch_flow[batched] = 0;  // not a TCP request (on_request says otherwise)
    return true;
}

void rx_lcore::stalled() noexcept {
    count_add(c.handoff_stalls);
    if (inline_worker) inline_worker->poll();  // run to completion: no other lcore drains the ring
}

void rx_lcore::commit_batch_slot() noexcept {
    if (++batched == batch_capacity) route_batch();
}

void rx_lcore::deliver(unsigned feed, uint64_t seq, const uint8_t* msg, std::size_t len, uint64_t tsc) {
    if (decode_to_batch(feed, seq, msg, len, tsc)) commit_batch_slot();
}

void rx_lcore::route_batch() noexcept {
    if (batched) route_requests();
    if (queued_responses) [[unlikely]]
        pair_responses();  // after the requests: an outcome follows its request to the worker
}

void rx_lcore::route_requests() noexcept {
    tokenizer->tokenize_stashed(batch_pan, batch, batched);  // wipes the stashes
    for (unsigned i = 0; i < batched; ++i) {
        if (batch_flow[i]) [[unlikely]]
            record_request(i);  // a TCP request: its response will pair with it
        stage_for_worker(batch[i]);
    }
    batched = 0;
}

void rx_lcore::stage_for_worker(const Txn& t) noexcept {
    // The token is uniform: its high word picks the shard owning the card.
    const unsigned w = static_cast<unsigned>((t.card_key() >> 32) % to_worker.size());
    if (staged[w] == stage_capacity) [[unlikely]] {
        // More messages for one worker than the stage holds: push to the ring now,
        // waiting for the worker if needed (backpressure, nothing dropped).
        while (!flush()) stalled();
    }
    stage[w][staged[w]++] = t;
}

void rx_lcore::process_datagram(unsigned feed, unsigned line, const uint8_t* p, uint16_t n, uint64_t tsc) {
    const dp_feed_config& f = ctx->cfg->feeds[feed];
    if (f.frame == framing::raw) {
        reject_reason r = for_each_raw_message(p, n, f.format, [&](uint64_t, const uint8_t* m, std::size_t len) {
            deliver(feed, 0, m, len, tsc);
        });
        if (r != reject_reason::none) [[unlikely]] {
            count_add(c.framing_errors);
            count_add(c.feed_messages);
            reject(feed, 0, n, r, tsc);
        }
        return;
    }
    mold_header h;
    reject_reason r = parse_mold_header(p, n, h);
    if (r != reject_reason::none) [[unlikely]] {
        count_add(c.framing_errors);
        count_add(c.feed_messages);
        reject(feed, 0, n, r, tsc);
        return;
    }
    feed_sequencer& seq = *sequencers[feed];
    if (h.count == 0) {
        count_add(c.heartbeats);
        seq.on_heartbeat(h.session, h.first_seq);
        return;
    }
    if (h.count == mold_end_of_session) {
        seq.on_end_of_session(h.session);
        return;
    }
    // A datagram whose numbers are implausible (a far jump, far behind, past 2^64-1) is
    // held back whole until its range is confirmed: its messages are framed only to be
    // counted, so one forged or corrupt datagram never moves the stream.
    const sequence_suspect why = seq.on_datagram(h.session, h.first_seq, h.count, line);
    const bool held = why != sequence_suspect::none;
    uint64_t next = h.first_seq;
    r = for_each_mold_message(p, n, h, [&](uint64_t s, const uint8_t* m, std::size_t len) {
        next = s + 1;
        if (held) [[unlikely]] {
            count_add(c.feed_messages);
            count_add(c.suspect_messages);
            return;
        }
        if (seq.on_message(h.session, s) == feed_sequencer::result::duplicate) {
            count_add(c.feed_messages);
            count_add(c.duplicates);
            return;
        }
        deliver(feed, s, m, len, tsc);
    });
    if (held) [[unlikely]]
        seq.on_suspect_messages(why, next - h.first_seq);  // messages framed (mod 2^64: `wraps` too)
    if (r != reject_reason::none) [[unlikely]] {
        // The rest of the datagram is unreadable: one reject stands for it, and the
        // sequence numbers it held surface as gaps unless the other line fills them.
        count_add(c.framing_errors);
        count_add(c.feed_messages);
        reject(feed, next, n, r, tsc);
    }
}

void rx_lcore::process_packet(const uint8_t* data, uint32_t len, uint64_t tsc) {
    l4_view v;
    udp_view u;
    packet_drop d = parse_l4(data, len, v);
    if (d == packet_drop::none && v.proto == ip_proto_tcp) [[unlikely]] {
        d = process_segment(v, tsc);
        if (d == packet_drop::none) return;
    } else if (d == packet_drop::none) {
        d = udp_of(v, u);
    }
    if (d == packet_drop::none) {
        uint16_t f = ctx->feeds.by_port[u.dst_port];
        if (f != 0) [[likely]] {
            const dp_feed_config& fc = ctx->cfg->feeds[f - 1];
            if (fc.vlan == 0 || fc.vlan == u.vlan) {
                count_add(c.feed_packets);
                const unsigned line = fc.udp_port_b != 0 && u.dst_port == fc.udp_port_b;  // 0 = A, 1 = B
                process_datagram(f - 1, line, u.payload, u.payload_len, tsc);
                return;
            }
        }
        d = packet_drop::not_feed;
    }
    count_add(c.non_feed_packets);
    count_add(c.drops[static_cast<std::size_t>(d)]);
}

bool rx_lcore::flush() noexcept {
    bool all = true;
    for (std::size_t w = 0; w < to_worker.size(); ++w) {
        unsigned n = staged[w];
        if (!n) continue;
        unsigned done_n = ring_enqueue_copy(to_worker[w], stage[w].get(), n);
        if (done_n < n) {
            std::memmove(&stage[w][0], &stage[w][done_n], (n - done_n) * sizeof(Txn));
            all = false;
        }
        staged[w] = n - done_n;
    }
    if (!reject_stage.empty()) {
        unsigned n = static_cast<unsigned>(reject_stage.size());
        unsigned done_n = rte_ring_mp_enqueue_burst_elem(ctx->reject_ring, reject_stage.data(), sizeof(reject_record),
                                                          n, nullptr);
        reject_stage.erase(reject_stage.begin(), reject_stage.begin() + done_n);
        if (done_n < n) all = false;
    }
    return all;
}

int64_t rx_lcore::receive_clock_ns(const rte_mbuf* m, bool capture_clock, int64_t host_ns) const noexcept {
    // A replay is bounded by the clock of its capture, not by today's. DPDK 22.11's
    // net_pcap stamps microseconds since the epoch.
    // A stamp before 2000 is no wall clock (a capture rebased to zero, relative times):
    // bounding by it would hold every event "ahead", so the host clock stands in.
    constexpr uint64_t year_2000_us = 946'684'800'000'000;
    if (capture_clock && (m->ol_flags & rx_timestamp_flag)) {
        const uint64_t us = *RTE_MBUF_DYNFIELD(m, rx_timestamp_offset, const rte_mbuf_timestamp_t*);
        if (us >= year_2000_us) return static_cast<int64_t>(us * 1000);
    }
    return host_ns;
}

unsigned rx_lcore::poll_once() noexcept {
    // Backpressure: while a worker ring is full, do not take more from the NIC
    // (its queue fills and the NIC counts imissed) -- nothing accepted is dropped.
    if (!flush()) {
        count_add(c.handoff_stalls);
        return 0;
    }
    rte_mbuf* mbufs[max_burst];
    const uint16_t burst = ctx->cfg->burst > max_burst ? max_burst : ctx->cfg->burst;
    unsigned total = 0;
    for (const rx_queue_ref& q : queues) {
        uint16_t n = rte_eth_rx_burst(q.port, q.queue, mbufs, burst);
        if (n == 0) continue;
        const uint64_t tsc = rte_rdtsc();
        const int64_t host_ns = ctx->clock.to_ns(tsc);
        packet_tsc = tsc;
        count_add(c.rx_bursts);
        count_add(c.rx_packets, n);
        total += n;
        for (uint16_t i = 0; i < n; ++i) {
            if (i + 3 < n) rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 3], void*));
            rte_mbuf* m = mbufs[i];
            clock_ns = receive_clock_ns(m, q.capture_clock, host_ns);
            clock_ms = clock_ns / 1'000'000;
            if (m->nb_segs == 1) [[likely]] {
                process_packet(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, tsc);
            } else {
                // Chained mbufs (jumbo frames): linearise into a stack buffer. A frame
                // larger than the buffer is dropped whole as `oversized`, never parsed
                // cut short (it would read as truncated).
                uint8_t buf[9216];
                if (m->pkt_len > sizeof buf) [[unlikely]] {
                    count_add(c.non_feed_packets);
                    count_add(c.drops[static_cast<std::size_t>(packet_drop::oversized)]);
                    continue;
                }
                const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
                process_packet(static_cast<const uint8_t*>(p), m->pkt_len, tsc);
            }
        }
        route_batch();  // the burst's last messages (the batch holds copies, not mbuf data)
        rte_pktmbuf_free_bulk(mbufs, n);
        flush();
    }
    return total;
}

void rx_lcore::publish_counters() noexcept {
    for (std::size_t f = 0; f < sequencers.size(); ++f) {
        publish_sequencer(published[f], *sequencers[f]);
        if (pairing[f]) publish_tcp(published[f].tcp, tcp->counters(static_cast<unsigned>(f)), pairing[f]->counters());
    }
}

void rx_lcore::run() {
    for (uint64_t iter = 1; !ctx->stop_rx.load(std::memory_order_relaxed); ++iter) {
        if ((iter & 1023) == 0) publish_counters();
        if (tcp) [[unlikely]]
            tcp_housekeeping((iter & 1023) == 0);
        if (poll_once() == 0) rte_pause();
    }
    close_tcp();
    while (!flush()) rte_pause();
    publish_counters();
}

}  // namespace txscreen
