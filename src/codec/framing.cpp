#include "codec/framing.h"

#include <algorithm>

namespace txscreen {
namespace {

void put_be16(uint8_t* p, uint16_t v) noexcept {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

void put_be64(uint8_t* p, uint64_t v) noexcept {
    for (int i = 7; i >= 0; --i) {
        p[i] = static_cast<uint8_t>(v);
        v >>= 8;
    }
}

void write_header(std::vector<uint8_t>& out, std::string_view session, uint64_t seq, uint16_t count) {
    out.assign(mold_header_len, 0);
    // MoldUDP64 sessions are alphanumeric and right-padded with spaces; longer names
    // are cut to the 10 bytes the header has.
    std::fill(out.begin(), out.begin() + 10, static_cast<uint8_t>(' '));
    std::copy_n(session.begin(), std::min<std::size_t>(session.size(), 10), out.begin());
    put_be64(out.data() + 10, seq);
    put_be16(out.data() + 18, count);
}

}  // namespace

reject_reason parse_mold_header(const uint8_t* p, std::size_t n, mold_header& h) noexcept {
    if (n < mold_header_len) [[unlikely]]
        return reject_reason::frame_truncated;
    std::memcpy(h.session, p, sizeof h.session);
    uint64_t seq = 0;
    for (int i = 10; i < 18; ++i) seq = seq << 8 | p[i];
    h.first_seq = seq;
    h.count = static_cast<uint16_t>(p[18] << 8 | p[19]);
    return reject_reason::none;
}

void mold_begin(std::vector<uint8_t>& out, std::string_view session, uint64_t first_seq) {
    write_header(out, session, first_seq, 0);
}

void mold_append(std::vector<uint8_t>& out, const uint8_t* msg, std::size_t len) {
    // A MoldUDP64 message length is 16 bits; the builders are for txgen and tests, so a
    // caller passing more is a programming error: keep the datagram well-formed by
    // cutting rather than emitting a length that disagrees with the bytes.
    len = std::min<std::size_t>(len, 0xFFFF);
    if (out.size() < mold_header_len) [[unlikely]]
        write_header(out, {}, 0, 0);  // no mold_begin: start a blank header, never read past out
    const uint16_t count = static_cast<uint16_t>(out[18] << 8 | out[19]);
    put_be16(out.data() + 18, static_cast<uint16_t>(count + 1));
    const std::size_t off = out.size();
    out.resize(off + 2 + len);
    put_be16(out.data() + off, static_cast<uint16_t>(len));
    if (len) std::memcpy(out.data() + off + 2, msg, len);
}

void mold_control(std::vector<uint8_t>& out, std::string_view session, uint64_t next_seq, uint16_t count) {
    write_header(out, session, next_seq, count);
}

void raw_append(std::vector<uint8_t>& out, payload_format fmt, const uint8_t* msg, std::size_t len) {
    const std::size_t off = out.size();
    if (fmt == payload_format::iso8583) {
        len = std::min<std::size_t>(len, 0xFFFF);
        out.resize(off + 2 + len);
        put_be16(out.data() + off, static_cast<uint16_t>(len));
        if (len) std::memcpy(out.data() + off + 2, msg, len);
        return;
    }
    out.resize(off + len + 1);
    if (len) std::memcpy(out.data() + off, msg, len);
    out[off + len] = '\n';
}

}  // namespace txscreen
