// The rx stage's work minus the NIC (floor_decode.h).
#include "tools/txscreen/floor_decode.h"

#include <ctime>

#include "codec/framing.h"
#include "codec/iso_wire.h"
#include "feed/packet.h"

namespace txscreen::floors {

rx_decoder::rx_decoder(const dp_config& dp)
    : _dp(dp), _tokenizer(pan_tokenizer::from_config(dp.tokenization_key, dp.tokenizer)),
      _json(_tokenizer, json_maps_of(dp)) {
    const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
    for (std::size_t f = 0; f < dp.feeds.size(); ++f) {
        const dp_feed_config& fc = dp.feeds[f];
        _iso.push_back({&_tokenizer, fc.wire ? fc.wire.get() : &builtin_wire("binary"),
                        dp.reference_time_ms ? dp.reference_time_ms : now_ms});
        _sequencers.emplace_back();
        if (fc.transport == feed_transport::tcp) continue;
        _by_port[fc.udp_port] = static_cast<uint16_t>(f + 1);
        if (fc.udp_port_b) _by_port[fc.udp_port_b] = static_cast<uint16_t>(f + 1);
    }
}

decode_tally rx_decoder::pass(const capture_frames& cap, unsigned burst, const batch_sink& sink) {
    _sink = &sink;
    _tally = {};
    // Each pass meets the capture's sequence numbers afresh, as a first replay does.
    for (std::size_t f = 0; f < _dp.feeds.size(); ++f)
        if (_dp.feeds[f].frame == framing::moldudp64) _sequencers[f] = std::make_unique<feed_sequencer>();
    unsigned left_in_burst = burst;
    for (const frame_ref& fr : cap.frames) {
        _clock_ms = fr.capture_ms;
        packet(cap.bytes.data() + fr.offset, fr.length);
        if (--left_in_burst == 0) {
            route();  // the end of a burst tokenizes what it holds
            left_in_burst = burst;
        }
    }
    route();
    return _tally;
}

void rx_decoder::packet(const uint8_t* data, uint32_t len) {
    l4_view v;
    udp_view u;
    if (parse_l4(data, len, v) != packet_drop::none || v.proto != ip_proto_udp) return;
    if (udp_of(v, u) != packet_drop::none) return;
    const uint16_t f = _by_port[u.dst_port];
    if (f == 0) return;
    const dp_feed_config& fc = _dp.feeds[f - 1];
    if (fc.vlan != 0 && fc.vlan != u.vlan) return;
    ++_tally.feed_packets;
    const unsigned line = fc.udp_port_b != 0 && u.dst_port == fc.udp_port_b;  // 0 = A, 1 = B
    datagram(f - 1, line, u.payload, u.payload_len);
}

void rx_decoder::datagram(unsigned feed, unsigned line, const uint8_t* p, uint16_t n) {
    const dp_feed_config& fc = _dp.feeds[feed];
    auto deliver_one = [&](uint64_t seq, const uint8_t* m, std::size_t len) { deliver(feed, seq, m, len); };
    if (fc.frame == framing::raw) {
        (void)for_each_raw_message(p, n, fc.format, deliver_one);  // a framing error ends the datagram
        return;
    }
    mold_header h;
    if (parse_mold_header(p, n, h) != reject_reason::none) return;
    feed_sequencer& seq = *_sequencers[feed];
    if (h.count == 0) return seq.on_heartbeat(h.session, h.first_seq);
    if (h.count == mold_end_of_session) return seq.on_end_of_session(h.session);
    if (seq.on_datagram(h.session, h.first_seq, h.count, line) != sequence_suspect::none) return;  // held
    (void)for_each_mold_message(p, n, h, [&](uint64_t s, const uint8_t* m, std::size_t len) {
        if (seq.on_message(h.session, s) == feed_sequencer::result::accept) deliver(feed, s, m, len);
    });
}

void rx_decoder::deliver(unsigned feed, uint64_t seq, const uint8_t* msg, std::size_t len) {
    ++_tally.framed;
    Txn& t = _batch[_batched];
    pan_stash& pan = _pan[_batched];
    const reject_reason r = _dp.feeds[feed].format == payload_format::iso8583
                                ? decode_iso8583_deferred(msg, len, _iso[feed], t, pan)
                                : _json.decode_deferred(feed, reinterpret_cast<const char*>(msg), len, t, pan);
    if (r != reject_reason::none) return;  // the decoder left `pan` empty
    ++_tally.decoded;
    t.feed_id = static_cast<uint16_t>(feed);
    t.feed_seq = seq;
    t.rx_clock_ms = _clock_ms;
    if (++_batched == batch_capacity) route();
}

void rx_decoder::route() {
    if (!_batched) return;
    _tokenizer.tokenize_stashed(_pan, _batch, _batched);
    (*_sink)(_batch, _batched);
    _batched = 0;
}

}  // namespace txscreen::floors
