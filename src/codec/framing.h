// Feed framing: MoldUDP64 (Nasdaq MoldUDP64 1.0) and raw datagrams. The parsers walk
// a datagram and hand each message to a callback without copying; the builders are
// for txgen and tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/reject.h"
#include "common/txn.h"

namespace txscreen {

enum class framing : uint8_t { moldudp64 = 0, raw = 1 };

inline constexpr std::size_t mold_header_len = 20;  // session 10 + seq 8 + count 2
inline constexpr uint16_t mold_end_of_session = 0xFFFF;

struct mold_header {
    char session[10];
    uint64_t first_seq;  // sequence number of the first message
    uint16_t count;      // 0 = heartbeat, 0xFFFF = end of session
};

// Parses the 20-byte header; returns frame_truncated when the datagram is shorter.
reject_reason parse_mold_header(const uint8_t* p, std::size_t n, mold_header& h) noexcept;

// Calls fn(seq, msg, len) for each message after the header, seq counting from
// first_seq. Stops at the first framing error and returns it (messages before it have
// been delivered); heartbeat and end-of-session deliver nothing and return none (or
// frame_trailing_bytes when bytes follow their header).
template <class Fn>
reject_reason for_each_mold_message(const uint8_t* p, std::size_t n, const mold_header& h, Fn&& fn) {
    if (h.count == 0 || h.count == mold_end_of_session)
        return n == mold_header_len ? reject_reason::none : reject_reason::frame_trailing_bytes;
    std::size_t off = mold_header_len;
    for (uint16_t i = 0; i < h.count; ++i) {
        if (off + 2 > n) [[unlikely]]
            return reject_reason::frame_count_mismatch;
        std::size_t len = static_cast<std::size_t>(p[off]) << 8 | p[off + 1];
        off += 2;
        if (len == 0) [[unlikely]]
            return reject_reason::frame_empty_message;
        if (off + len > n) [[unlikely]]
            return reject_reason::frame_bad_length;
        fn(h.first_seq + i, p + off, len);
        off += len;
    }
    return off == n ? reject_reason::none : reject_reason::frame_trailing_bytes;
}

// Raw framing: ISO 8583 messages each carry a 2-byte big-endian length prefix; JSON
// messages are separated by '\n' (a trailing newline is optional, blank lines skipped).
template <class Fn>
reject_reason for_each_raw_message(const uint8_t* p, std::size_t n, payload_format fmt, Fn&& fn) {
    std::size_t off = 0;
    if (fmt == payload_format::iso8583) {
        if (n < 2) [[unlikely]]
            return reject_reason::frame_truncated;
        while (off < n) {
            if (off + 2 > n) [[unlikely]]
                return reject_reason::frame_trailing_bytes;
            std::size_t len = static_cast<std::size_t>(p[off]) << 8 | p[off + 1];
            off += 2;
            if (len == 0) [[unlikely]]
                return reject_reason::frame_empty_message;
            if (off + len > n) [[unlikely]]
                return reject_reason::frame_bad_length;
            fn(uint64_t{0}, p + off, len);
            off += len;
        }
        return reject_reason::none;
    }
    while (off < n) {
        const void* nl = std::memchr(p + off, '\n', n - off);
        std::size_t end = nl ? static_cast<std::size_t>(static_cast<const uint8_t*>(nl) - p) : n;
        if (end > off) fn(uint64_t{0}, p + off, end - off);
        off = end + 1;
    }
    return reject_reason::none;
}

// ---- builders (txgen, tests)

// Starts a MoldUDP64 datagram in `out` (cleared) with session (space-padded to 10).
void mold_begin(std::vector<uint8_t>& out, std::string_view session, uint64_t first_seq);
// Appends one message and increments the header count.
void mold_append(std::vector<uint8_t>& out, const uint8_t* msg, std::size_t len);
// A heartbeat (count 0) or end-of-session (count 0xFFFF) datagram.
void mold_control(std::vector<uint8_t>& out, std::string_view session, uint64_t next_seq, uint16_t count);
// Appends a raw-framed message: 2-byte length + bytes for ISO 8583, bytes + '\n' for JSON.
void raw_append(std::vector<uint8_t>& out, payload_format fmt, const uint8_t* msg, std::size_t len);

}  // namespace txscreen
