#include "tools/txgen/feed_writer.h"

#include <algorithm>
#include <stdexcept>

#include "codec/iso8583_encode.h"
#include "config/config_errors.h"

namespace txscreen::txgen {

std::string validate(const feed_options& o) {
    if (o.session.empty() || o.session.size() > 10) return "--session must be 1 to 10 characters";
    for (char c : o.session)
        if (c < 0x21 || c > 0x7e) return "--session must be printable ASCII without spaces";
    if (o.per_datagram < 1 || o.per_datagram > 1000) return "--per-datagram must be in [1, 1000]";
    if (o.mtu < 576 || o.mtu > 9000) return "--mtu must be in [576, 9000]";
    if (o.heartbeat_ms < 0) return "--heartbeat-ms must be >= 0";
    if (o.first_seq == 0) return "--first-seq must be >= 1";
    return {};
}

std::shared_ptr<const iso_wire> load_wire(std::string_view name_or_path, const std::filesystem::path& base_dir,
                                          std::string& errors) {
    config_errors problems;
    std::shared_ptr<const iso_wire> wire = compile_dialect(name_or_path, base_dir, problems);
    errors.clear();
    for (const std::string& line : problems.take()) errors += (errors.empty() ? "" : "\n") + line;
    if (!wire && errors.empty()) errors = "dialect \"" + std::string(name_or_path) + "\" could not be loaded";
    return wire;
}

std::shared_ptr<const iso_wire> default_wire() {
    // builtin_wire() lives for the whole program: share it without owning it.
    return std::shared_ptr<const iso_wire>(&builtin_wire("binary"), [](const iso_wire*) {});
}

feed_writer::feed_writer(const feed_options& opts, datagram_sink& sink)
    : _opts(opts), _sink(sink), _next_seq(opts.first_seq) {
    if (std::string e = validate(opts); !e.empty()) throw std::invalid_argument("txgen: " + e);
    if (!_opts.wire && _opts.format == payload_format::iso8583) _opts.wire = default_wire();
    _dgram.reserve(opts.mtu);
    _msg.reserve(1024);
}

void feed_writer::flush() {
    if (_in_dgram == 0) return;
    _sink.datagram(_dgram.data(), _dgram.size(), _dgram_time_ms, _in_dgram);
    ++_datagrams;
    if (_opts.frame == framing::moldudp64) _next_seq += _in_dgram;
    _last_sent_ms = _dgram_time_ms;
    _sent_any = true;
    _in_dgram = 0;
    _dgram.clear();
}

void feed_writer::add(const clear_txn& t) {
    const uint8_t* msg;
    std::size_t len;
    if (_opts.format == payload_format::iso8583) {
        _msg.clear();
        encode_iso8583(t, *_opts.wire, _msg);
        msg = _msg.data();
        len = _msg.size();
    } else {
        _json.clear();
        encode_json(t, _json);
        msg = reinterpret_cast<const uint8_t*>(_json.data());
        len = _json.size();
    }
    const bool mold = _opts.frame == framing::moldudp64;
    // Bytes this message adds: a 2-byte length (MoldUDP64, raw ISO) or a newline (raw JSON).
    const std::size_t cost = len + (mold || _opts.format == payload_format::iso8583 ? 2 : 1);
    const std::size_t header = mold ? mold_header_len : 0;
    if (header + cost > max_payload()) [[unlikely]]
        throw std::runtime_error("txgen: a " + std::to_string(len) + "-byte message does not fit --mtu " +
                                 std::to_string(_opts.mtu) + " (raise --mtu)");

    // MoldUDP64 heartbeats tell a receiver the session is alive across quiet periods
    // of event time.
    // A partial datagram does not wait across an idle gap longer than the heartbeat
    // interval: a live feed would have sent it by then.
    if (mold && _opts.heartbeat_ms > 0 && _in_dgram > 0 && t.event_time_ms - _dgram_time_ms > _opts.heartbeat_ms)
        flush();
    if (mold && _opts.heartbeat_ms > 0 && _sent_any && _in_dgram == 0) {
        while (t.event_time_ms - _last_sent_ms > _opts.heartbeat_ms) {
            _last_sent_ms += _opts.heartbeat_ms;
            mold_control(_dgram, _opts.session, _next_seq, 0);
            _sink.datagram(_dgram.data(), _dgram.size(), _last_sent_ms, 0);
            _dgram.clear();
            ++_heartbeats;
        }
    }

    if (_in_dgram > 0 && (_in_dgram >= _opts.per_datagram || _dgram.size() + cost > max_payload())) flush();
    if (_in_dgram == 0) {
        _dgram.clear();
        if (mold) mold_begin(_dgram, _opts.session, _next_seq);
        _dgram_time_ms = t.event_time_ms;
    }
    if (mold)
        mold_append(_dgram, msg, len);
    else
        raw_append(_dgram, _opts.format, msg, len);
    _dgram_time_ms = std::max(_dgram_time_ms, t.event_time_ms);
    ++_in_dgram;
    ++_messages;
    if (_in_dgram >= _opts.per_datagram) flush();
}

void feed_writer::finish() {
    flush();
    if (_opts.frame == framing::moldudp64 && _opts.end_of_session) {
        _dgram.clear();
        mold_control(_dgram, _opts.session, _next_seq, mold_end_of_session);
        _sink.datagram(_dgram.data(), _dgram.size(), _last_sent_ms, 0);
        _dgram.clear();
    }
}

}  // namespace txscreen::txgen
