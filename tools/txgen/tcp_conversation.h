// txgen --transport tcp: spreads requests over several TCP connections from an
// acquirer (client) to an issuer (server), answers each after the issuer's response
// time, coalesces each direction's messages into MSS-sized segments, and keeps per
// transaction what became of its request and response for the labels CSV and the
// report. Capture time runs in microseconds from the requests' event times.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/clear_txn.h"
#include "codec/iso_wire.h"
#include "tools/txgen/issuer.h"
#include "tools/txgen/labels_file.h"
#include "tools/txgen/pcap_file.h"
#include "tools/txgen/tcp_capture.h"
#include "tools/txgen/tcp_connection.h"
#include "tools/txgen/tcp_options.h"
#include "tools/txgen/tcp_report.h"

namespace txscreen::txgen {

inline constexpr std::string_view tcp_labels_header =
    "txn_id,label,scenario_id,connection,mti,stan,response_code,request_lost,response_lost";

class tcp_conversation final : public message_listener {
public:
    // Throws std::invalid_argument with validate()'s message. `wire` (the dialect both
    // directions are written in) must outlive the conversation.
    tcp_conversation(const tcp_options& opts, const iso_wire& wire, uint64_t seed, pcap_file& file,
                     labels_file& labels);
    ~tcp_conversation() override;

    // Sends `request` (its MTI becomes 0100 for e-commerce, else 0200) at its event
    // time; the issuer answers the response time after the request's last byte left
    // (never before the request, however long coalescing held it). `label`
    // "card_testing" draws more declines.
    void add(clear_txn request, std::string_view label, std::string_view scenario_id);
    // Sends the responses still due, closes every connection, writes the last labels.
    void finish();
    const tcp_report& report() const noexcept { return _report; }

    // message_listener: what the connections did with a transaction's bytes.
    void message_lost(uint64_t id, bool from_server) override;
    void message_cut(uint64_t id, bool from_server, int64_t t_us) override;

private:
    struct txn_record;
    struct event {
        int64_t t_us;
        uint64_t order;
        uint64_t txn;          // response: whose; flush: unused
        unsigned connection;
        bool from_server;
        bool is_flush;
    };
    struct event_later {
        bool operator()(const event& a, const event& b) const noexcept {
            return a.t_us != b.t_us ? a.t_us > b.t_us : a.order > b.order;
        }
    };

    void run_until(int64_t t_us);
    void deliver(unsigned connection, bool from_server, const std::vector<uint8_t>& framed, uint64_t txn,
                 int64_t t_us);
    unsigned pick_connection(const clear_txn& request, std::string_view label);
    void open_all(int64_t t_us);
    txn_record& record(uint64_t txn);
    void retire_finished();
    void count_final(const txn_record& r);
    // The framing of both directions' byte streams.
    tcp_framing stream_framing() const noexcept {
        tcp_framing f;
        f.kind = _opts.framing;
        f.header_bytes = static_cast<uint16_t>(_opts.header_bytes);
        f.wire = &_wire;
        return f;
    }

    tcp_options _opts;
    const iso_wire& _wire;
    issuer _issuer;
    rng _route, _fate;
    tcp_capture _capture;
    labels_file& _labels;
    std::vector<std::unique_ptr<tcp_connection>> _connections;
    std::vector<int64_t> _deadline_us;  // [2 * connection + from_server], -1 = none
    std::priority_queue<event, std::vector<event>, event_later> _events;
    uint64_t _order = 0;
    std::deque<txn_record> _records;    // transactions not yet retired, oldest first
    uint64_t _first_record = 0;         // transaction index of _records.front()
    std::unordered_map<std::string, unsigned> _duplicate_connection;  // rrn of a duplicate's first copy
    int64_t _last_request_us = 0;
    bool _opened = false;
    std::vector<uint8_t> _msg, _framed;
    std::string _row;
    tcp_report _report;
};

}  // namespace txscreen::txgen
