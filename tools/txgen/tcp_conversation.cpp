#include "tools/txgen/tcp_conversation.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "codec/iso8583_encode.h"
#include "flow/tcp_framing.h"

namespace txscreen::txgen {

struct tcp_conversation::txn_record {
    std::string txn_id, label, scenario_id, stan, response_code;
    unsigned connection = 0;
    uint16_t mti = 0;
    bool responds = false;
    int64_t response_time_us = 0;
    bool request_lost = false, response_lost = false;
    bool request_cut = false, response_cut = false;
    std::vector<uint8_t> response;  // framed, until it is due

    bool final() const noexcept { return request_cut && (!responds || response_cut); }
};

namespace {
constexpr uint16_t first_client_port = 40001;
// Connections open this long before the first request.
constexpr int64_t open_lead_us = 5'000;
}  // namespace

tcp_conversation::tcp_conversation(const tcp_options& opts, const iso_wire& wire, uint64_t seed, pcap_file& file,
                                   labels_file& labels)
    : _opts(opts), _wire(wire), _issuer(opts.issuer, rng::derive(seed, 20)), _route(rng::derive(seed, 21)),
      _fate(rng::derive(seed, 22)), _capture(file, opts.ends), _labels(labels) {
    if (std::string e = validate(opts); !e.empty()) throw std::invalid_argument("txgen: " + e);
    rng isn_rng(rng::derive(seed, 23));
    const auto mss = static_cast<uint16_t>(opts.effective_mss());
    for (unsigned i = 0; i < opts.connections; ++i) {
        const uint32_t client_isn = opts.isn_given ? opts.isn : static_cast<uint32_t>(isn_rng.next());
        const uint32_t server_isn = opts.isn_given ? opts.isn : static_cast<uint32_t>(isn_rng.next());
        _connections.push_back(std::make_unique<tcp_connection>(static_cast<uint16_t>(first_client_port + i),
                                                                client_isn, server_isn, mss, opts.faults, _capture,
                                                                _fate, _report.segments, *this));
    }
    _deadline_us.assign(2 * opts.connections, -1);
    _report.connections = opts.connections;
}

tcp_conversation::~tcp_conversation() = default;

tcp_conversation::txn_record& tcp_conversation::record(uint64_t txn) { return _records[txn - _first_record]; }

void tcp_conversation::open_all(int64_t t_us) {
    for (auto& c : _connections) c->open(std::max<int64_t>(0, t_us - open_lead_us));
    _opened = true;
}

unsigned tcp_conversation::pick_connection(const clear_txn& request, std::string_view label) {
    const auto n = static_cast<unsigned>(_connections.size());
    const auto pick = static_cast<unsigned>(_route.below(n));
    if (label != "duplicate") return pick;
    // The copy of a duplicate repeats its STAN: it goes on another connection, so a
    // STAN is never outstanding twice on one connection (unless there is only one).
    if (auto it = _duplicate_connection.find(request.rrn); it != _duplicate_connection.end()) {
        const unsigned other = (it->second + 1) % n;
        _duplicate_connection.erase(it);
        return other;
    }
    _duplicate_connection.emplace(request.rrn, pick);
    return pick;
}

void tcp_conversation::add(clear_txn request, std::string_view label, std::string_view scenario_id) {
    const int64_t t = std::max(_last_request_us, request.event_time_ms * 1000);
    _last_request_us = t;
    if (!_opened) open_all(t);
    run_until(t);

    request.mti = request.channel == "ecom" ? 100 : 200;
    const unsigned conn = pick_connection(request, label);
    const issuer_outcome outcome = _issuer.decide(label == "card_testing");
    const uint64_t txn = _first_record + _records.size();
    txn_record& r = _records.emplace_back();
    r.txn_id = request.rrn.empty() ? request.txn_id : request.rrn;
    r.label = label;
    r.scenario_id = scenario_id;
    r.stan = request.stan;
    r.connection = conn;
    r.mti = request.mti;
    r.responds = outcome.responds;
    if (outcome.responds) {
        r.response_code = outcome.response_code;
        _msg.clear();
        encode_iso8583(build_response(request, outcome), _wire, _msg);
        append_tcp_frame(r.response, _msg.data(), _msg.size(), stream_framing());
        r.response_time_us = outcome.latency_us;
    }
    _msg.clear();
    encode_iso8583(request, _wire, _msg);
    _framed.clear();
    append_tcp_frame(_framed, _msg.data(), _msg.size(), stream_framing());
    ++_report.requests;
    deliver(conn, false, _framed, txn, t);  // may retire r: not used after this
}

void tcp_conversation::deliver(unsigned connection, bool from_server, const std::vector<uint8_t>& framed,
                               uint64_t txn, int64_t t_us) {
    tcp_connection& c = *_connections[connection];
    c.send(from_server, framed.data(), framed.size(), txn, t_us);
    int64_t& deadline = _deadline_us[2 * connection + from_server];
    if (_opts.coalesce_us == 0) {
        c.flush(from_server, t_us);
    } else if (c.queued(from_server) == 0) {
        deadline = -1;
    } else if (deadline < 0) {
        deadline = t_us + _opts.coalesce_us;
        _events.push({deadline, _order++, 0, connection, from_server, true});
    }
}

void tcp_conversation::run_until(int64_t t_us) {
    while (!_events.empty() && _events.top().t_us <= t_us) {
        const event e = _events.top();
        _events.pop();
        if (e.is_flush) {
            int64_t& deadline = _deadline_us[2 * e.connection + e.from_server];
            if (deadline != e.t_us) continue;  // superseded: the bytes left with a full segment
            deadline = -1;
            _connections[e.connection]->flush(e.from_server, e.t_us);
            continue;
        }
        txn_record& r = record(e.txn);
        const std::vector<uint8_t> bytes = std::move(r.response);
        ++_report.responses;
        if (r.response_code == "00") {
            ++_report.approved;
        } else {
            ++_report.declined;
            const auto code = std::find(decline_codes.begin(), decline_codes.end(), r.response_code);
            ++_report.declines_by_code[static_cast<std::size_t>(code - decline_codes.begin())];
        }
        deliver(e.connection, true, bytes, e.txn, e.t_us);  // may retire r
    }
}

void tcp_conversation::message_lost(uint64_t id, bool from_server) {
    txn_record& r = record(id);
    (from_server ? r.response_lost : r.request_lost) = true;
}

void tcp_conversation::message_cut(uint64_t id, bool from_server, int64_t t_us) {
    txn_record& r = record(id);
    (from_server ? r.response_cut : r.request_cut) = true;
    // The issuer got the request even when the tap lost it.
    if (!from_server && r.responds) _events.push({t_us + r.response_time_us, _order++, id, r.connection, true, false});
    if (id == _first_record) retire_finished();
}

void tcp_conversation::count_final(const txn_record& r) {
    const bool request_ok = !r.request_lost, response_ok = r.responds && !r.response_lost;
    _report.requests_lost += r.request_lost;
    _report.responses_lost += r.responds && r.response_lost;
    _report.unanswered_by_issuer += !r.responds;
    _report.paired += request_ok && response_ok;
    _report.paired_declined += request_ok && response_ok && r.response_code != "00";
    _report.unpaired_responses += !request_ok && response_ok;
    _report.unanswered += request_ok && !response_ok;
}

void tcp_conversation::retire_finished() {
    while (!_records.empty() && _records.front().final()) {
        const txn_record& r = _records.front();
        count_final(r);
        if (_labels.enabled()) {
            char mti[8];
            std::snprintf(mti, sizeof mti, "%04u", static_cast<unsigned>(r.mti));
            _row.clear();
            _row.append(r.txn_id).append(1, ',').append(r.label).append(1, ',').append(r.scenario_id);
            _row.append(1, ',').append(std::to_string(r.connection)).append(1, ',').append(mti);
            _row.append(1, ',').append(r.stan).append(1, ',').append(r.response_code);
            _row.append(r.request_lost ? ",1" : ",0").append(r.response_lost ? ",1" : ",0");
            _labels.row(_row);
        }
        _records.pop_front();
        ++_first_record;
    }
}

void tcp_conversation::finish() {
    run_until(std::numeric_limits<int64_t>::max());
    if (_opened) {
        const int64_t t = _capture.clock_us() + 1000;
        for (auto& c : _connections) c->close(t);
    }
    retire_finished();
    if (!_records.empty()) throw std::logic_error("txgen: a transaction's messages were never segmented");
    _report.packets = _capture.packets();
}

}  // namespace txscreen::txgen
