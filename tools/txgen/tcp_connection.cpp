#include "tools/txgen/tcp_connection.h"

#include <algorithm>

namespace txscreen::txgen {

namespace {
// Handshake packets this far apart: the capture's initial RTT, which tshark uses to
// tell out-of-order segments (sooner) from retransmissions (later).
constexpr int64_t handshake_step_us = 150;
}  // namespace

tcp_connection::tcp_connection(uint16_t client_port, uint32_t client_isn, uint32_t server_isn, uint16_t mss,
                               const tcp_fault_rates& faults, tcp_capture& capture, rng& fate,
                               tcp_segment_counts& counts, message_listener& listener)
    : _client_port(client_port), _mss(mss), _faults(faults), _capture(capture), _fate(fate), _counts(counts),
      _listener(listener) {
    _dir[0].isn = client_isn;
    _dir[1].isn = server_isn;
    _dir[0].last_pure_ack = client_isn + 1;  // the handshake acknowledged the SYNs
    _dir[1].last_pure_ack = server_isn + 1;
}

uint32_t tcp_connection::next_seq(bool from_server) const noexcept {
    const direction& d = _dir[from_server];
    return static_cast<uint32_t>(d.isn + 1 + d.cut);
}

uint32_t tcp_connection::ack_for(bool from_server) const noexcept {
    const direction& d = _dir[from_server];
    // The receiver got every segment sent (a capture loss is the tap's, not the
    // network's) except one still delayed by reordering.
    return static_cast<uint32_t>(d.isn + 1 + (d.held.present ? d.held.offset : d.cut));
}

void tcp_connection::open(int64_t t_us) {
    const uint32_t c = _dir[0].isn, s = _dir[1].isn;
    const int64_t t1 = _capture.write({true, _client_port, c, 0, tcp_syn, _mss}, nullptr, 0, t_us);
    const int64_t t2 = _capture.write({false, _client_port, s, c + 1, tcp_syn | tcp_ack, _mss}, nullptr, 0,
                                      t1 + handshake_step_us);
    _capture.write({true, _client_port, c + 1, s + 1, tcp_ack}, nullptr, 0, t2 + handshake_step_us);
}

void tcp_connection::send(bool from_server, const uint8_t* bytes, std::size_t n, uint64_t id, int64_t t_us) {
    direction& d = _dir[from_server];
    d.pending.insert(d.pending.end(), bytes, bytes + n);
    d.messages.push_back({d.cut + d.pending.size(), id, false});
    if (d.pending.size() < _mss) return;
    while (d.pending.size() >= _mss) emit(from_server, _mss, d.pending.size() >= 2u * _mss, t_us);
    end_burst(from_server, t_us);
}

void tcp_connection::flush(bool from_server, int64_t t_us) {
    direction& d = _dir[from_server];
    if (d.pending.empty()) return;
    while (!d.pending.empty())
        emit(from_server, std::min<std::size_t>(_mss, d.pending.size()), d.pending.size() > _mss, t_us);
    end_burst(from_server, t_us);
}

void tcp_connection::end_burst(bool from_server, int64_t t_us) {
    // A held segment whose overtaker was lost goes out in order: not reordered.
    if (_dir[from_server].held.present) release_held(from_server, t_us);
    write_ack(from_server, t_us);
}

// Cuts the next `len` queued bytes into one segment and gives it its fate.
void tcp_connection::emit(bool from_server, std::size_t len, bool more_follow, int64_t t_us) {
    direction& d = _dir[from_server];
    const uint64_t offset = d.cut;
    const double u = _fate.uniform();
    const bool lost = u < _faults.loss;
    const bool reorder = !lost && u < _faults.loss + _faults.reorder && !d.held.present;
    const bool retransmit = !lost && !reorder && u >= _faults.loss + _faults.reorder &&
                            u < _faults.loss + _faults.reorder + _faults.retransmit;
    ++_counts.data_segments;
    mark_and_pop(from_server, offset, offset + len, lost, t_us);
    d.cut += len;  // before writing: the ACK numbers count this segment as sent
    if (lost) {
        ++_counts.lost;
        _counts.bytes_lost[from_server] += len;
    } else if (reorder && more_follow) {
        d.held.offset = offset;
        d.held.bytes.assign(d.pending.begin(), d.pending.begin() + static_cast<std::ptrdiff_t>(len));
        d.held.present = true;
    } else if (reorder && len >= 2) {
        write_split_swapped(from_server, offset, len, t_us);
    } else {
        write_data(from_server, offset, d.pending.data(), len, t_us);
        if (retransmit) {
            write_data(from_server, offset, d.pending.data(), len, t_us);
            ++_counts.retransmitted;
        }
        if (d.held.present) {
            release_held(from_server, t_us);
            ++_counts.reordered;
        }
    }
    d.pending.erase(d.pending.begin(), d.pending.begin() + static_cast<std::ptrdiff_t>(len));
}

// The last segment of a burst has nothing to overtake it within microseconds (the
// next one of its direction may be after the other side's answer), so the sender
// writes it in two pieces and the tap captures the second first.
void tcp_connection::write_split_swapped(bool from_server, uint64_t offset, std::size_t len, int64_t t_us) {
    const std::size_t first = 1 + static_cast<std::size_t>(_fate.below(len - 1));
    const uint8_t* p = _dir[from_server].pending.data();
    ++_counts.data_segments;  // two segments now
    write_data(from_server, offset + first, p + first, len - first, t_us);
    write_data(from_server, offset, p, first, t_us);
    ++_counts.reordered;
}

void tcp_connection::mark_and_pop(bool from_server, uint64_t begin, uint64_t end, bool lost, int64_t t_us) {
    direction& d = _dir[from_server];
    if (lost) {
        uint64_t start = d.first_start;
        for (queued_message& m : d.messages) {
            if (start >= end) break;
            if (m.end > begin && !m.lost) {
                m.lost = true;
                _listener.message_lost(m.id, from_server);
            }
            start = m.end;
        }
    }
    while (!d.messages.empty() && d.messages.front().end <= end) {
        d.first_start = d.messages.front().end;
        const uint64_t id = d.messages.front().id;
        d.messages.pop_front();
        _listener.message_cut(id, from_server, t_us);
    }
}

int64_t tcp_connection::write_data(bool from_server, uint64_t offset, const uint8_t* p, std::size_t n,
                                   int64_t t_us) {
    const uint32_t seq = static_cast<uint32_t>(_dir[from_server].isn + 1 + offset);
    return _capture.write({!from_server, _client_port, seq, ack_for(!from_server), tcp_ack | tcp_psh}, p, n, t_us);
}

void tcp_connection::release_held(bool from_server, int64_t t_us) {
    held_segment& h = _dir[from_server].held;
    h.present = false;
    write_data(from_server, h.offset, h.bytes.data(), h.bytes.size(), t_us);
}

void tcp_connection::write_ack(bool from_server_acked, int64_t t_us) {
    const uint32_t ack = ack_for(from_server_acked);
    uint32_t& last = _dir[from_server_acked].last_pure_ack;
    if (ack == last) return;
    last = ack;
    const bool acker_is_server = !from_server_acked;
    _capture.write({!acker_is_server, _client_port, next_seq(acker_is_server), ack, tcp_ack}, nullptr, 0, t_us);
}

void tcp_connection::close(int64_t t_us) {
    for (bool from_server : {false, true}) flush(from_server, t_us);
    const uint32_t c = next_seq(false), s = next_seq(true);
    const int64_t t1 = _capture.write({true, _client_port, c, s, tcp_fin | tcp_ack}, nullptr, 0, t_us);
    const int64_t t2 =
        _capture.write({false, _client_port, s, c + 1, tcp_fin | tcp_ack}, nullptr, 0, t1 + handshake_step_us);
    _capture.write({true, _client_port, c + 1, s + 1, tcp_ack}, nullptr, 0, t2 + handshake_step_us);
}

}  // namespace txscreen::txgen
