// Turns clear transactions into feed datagrams: encodes each one (ISO 8583 in a chosen
// dialect, or JSON), packs up to `per_datagram` messages per datagram within the MTU,
// frames them (MoldUDP64 with sequence numbers and optional heartbeats, or raw) and
// hands every finished datagram to a datagram_sink (pcap file, live UDP, a test).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/clear_txn.h"
#include "codec/framing.h"
#include "codec/iso_wire.h"
#include "codec/json_decode.h"
#include "common/txn.h"

namespace txscreen::txgen {

inline constexpr std::size_t ipv4_udp_overhead = 28;  // IPv4 header 20 + UDP header 8

struct feed_options {
    payload_format format = payload_format::iso8583;
    framing frame = framing::moldudp64;
    std::string dialect = "binary";        // --dialect as given: a built-in name or a file
    std::shared_ptr<const iso_wire> wire;  // `dialect` compiled with its default map; null:
                                           // feed_writer uses the built-in binary one
    std::string session = "TXGEN00001";  // MoldUDP64 session, at most 10 chars
    uint64_t first_seq = 1;
    unsigned per_datagram = 8;             // messages per datagram, 1..1000
    unsigned mtu = 1500;                   // IP MTU bounding each datagram, 576..9000
    int64_t heartbeat_ms = 0;              // MoldUDP64: heartbeat after this much idle event time; 0 = none
    bool end_of_session = false;           // MoldUDP64: finish() sends an end-of-session datagram
};

// Returns an empty string when valid, else a message naming the option.
std::string validate(const feed_options& o);

// A dialect by built-in name or by path (.toml or .xml, relative to `base_dir`) with the
// default map of its standard, compiled as a feed would compile it. Null with the
// loader's messages ("<file>:<line>: <key>: <what>", one per line) in `errors`.
std::shared_ptr<const iso_wire> load_wire(std::string_view name_or_path, const std::filesystem::path& base_dir,
                                          std::string& errors);

// The built-in binary dialect as a shared pointer (the default of every ISO feed).
std::shared_ptr<const iso_wire> default_wire();

class datagram_sink {
public:
    virtual ~datagram_sink() = default;
    // One finished UDP payload; `time_ms` is the event time it carries (the latest of
    // its messages), used as the capture timestamp. `messages` = messages inside (0
    // for heartbeats and end-of-session).
    virtual void datagram(const uint8_t* p, std::size_t n, int64_t time_ms, unsigned messages) = 0;
};

class feed_writer {
public:
    // Throws std::invalid_argument with validate()'s message.
    feed_writer(const feed_options& opts, datagram_sink& sink);

    // Encodes and queues one transaction; flushes a datagram when it is full. Throws
    // std::runtime_error when one message alone cannot fit the MTU.
    void add(const clear_txn& t);
    // Sends the partial datagram, then end-of-session when asked for.
    void finish();

    uint64_t messages() const noexcept { return _messages; }
    uint64_t datagrams() const noexcept { return _datagrams; }
    uint64_t heartbeats() const noexcept { return _heartbeats; }
    uint64_t next_seq() const noexcept { return _next_seq; }
    // Largest UDP payload the MTU allows.
    std::size_t max_payload() const noexcept { return _opts.mtu - ipv4_udp_overhead; }

private:
    void flush();

    feed_options _opts;
    datagram_sink& _sink;
    std::vector<uint8_t> _dgram;  // datagram under construction
    std::vector<uint8_t> _msg;    // one encoded message
    std::string _json;
    unsigned _in_dgram = 0;
    int64_t _dgram_time_ms = 0;
    int64_t _last_sent_ms = 0;
    bool _sent_any = false;
    uint64_t _next_seq;
    uint64_t _messages = 0, _datagrams = 0, _heartbeats = 0;
};

}  // namespace txscreen::txgen
