#include "flow/tcp_framing.h"

#include <stdexcept>
#include <string>

#include "codec/ebcdic.h"
#include "common/pan_token.h"
#include "common/reject.h"
#include "common/txn.h"

namespace txscreen {

bool parse_tcp_framing(std::string_view name, tcp_framing_kind& out) noexcept {
    if (name == "len2be") {
        out = tcp_framing_kind::len2be;
    } else if (name == "len2le") {
        out = tcp_framing_kind::len2le;
    } else if (name == "len4ascii") {
        out = tcp_framing_kind::len4ascii;
    } else {
        return false;
    }
    return true;
}

std::string_view tcp_framing_name(tcp_framing_kind k) noexcept {
    switch (k) {
        case tcp_framing_kind::len2le: return "len2le";
        case tcp_framing_kind::len4ascii: return "len4ascii";
        default: return "len2be";
    }
}

uint32_t tcp_framing::read_length(const uint8_t* p) const noexcept {
    switch (kind) {
        case tcp_framing_kind::len2be: return uint32_t{p[0]} << 8 | p[1];
        case tcp_framing_kind::len2le: return uint32_t{p[1]} << 8 | p[0];
        default: break;
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
        const unsigned d = p[i] - unsigned{'0'};
        if (d > 9) return 0;
        v = v * 10 + d;
    }
    return v;
}

namespace {
const iso_wire& wire_of(const iso_wire* w) { return w ? *w : builtin_wire("binary"); }
}  // namespace

const char* tcp_framing::invalid_reason() const noexcept {
    const uint32_t limit = kind == tcp_framing_kind::len4ascii ? 9999 : 65535;
    const iso_wire& w = wire_of(wire);
    if (max_message < w.dialect.header_bytes + iso_mti_bytes(w) + iso_bitmap_bytes(w))
        return "max_message is shorter than the dialect's header, an MTI and a bitmap";
    if (uint64_t{header_bytes} + max_message > limit)
        return "header_bytes + max_message exceeds what the length prefix can express";
    return nullptr;
}

bool iso_mti_plausible(const uint8_t* msg, std::size_t avail, const iso_wire& w) noexcept {
    uint16_t mti;
    if (!iso_read_mti(w, msg, avail, mti)) return false;
    const unsigned version = mti / 1000, cls = mti / 100 % 10, function = mti / 10 % 10, origin = mti % 10;
    return version <= 2 && cls >= 1 && cls <= 8 && function <= 5 && origin <= 5;
}

bool iso_bitmap_plausible(const uint8_t* p, const iso_wire& w) noexcept {
    if (w.dialect.bitmap == iso::bin_enc::raw) {
        uint8_t any = 0;
        for (int i = 0; i < 8; ++i) any |= p[i];
        return any != 0;
    }
    const ebcdic::byte_table& table = ebcdic::to_latin1(w.dialect.cp);
    const bool ebc = w.dialect.bitmap == iso::bin_enc::hex_ebcdic;
    bool any = false;
    for (int i = 0; i < 16; ++i) {
        const uint8_t c = ebc ? table[p[i]] : p[i];
        const bool digit = c >= '0' && c <= '9';
        const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'f';
        if (!digit && !letter) return false;
        any |= c != '0';
    }
    return any;
}

boundary_check tcp_framing::check_one(const uint8_t* p, std::size_t avail, uint32_t& len) const noexcept {
    const uint32_t prefix = prefix_bytes();
    if (avail < prefix) return boundary_check::need_more;
    len = read_length(p);
    const iso_wire& w = wire_of(wire);
    const uint32_t head = w.dialect.header_bytes, mti = iso_mti_bytes(w), bitmap = iso_bitmap_bytes(w);
    if (!length_ok(len) || len - header_bytes < head + mti + bitmap) return boundary_check::no;
    const std::size_t at = prefix + header_bytes;
    if (avail < at + head + mti + bitmap) return boundary_check::need_more;
    if (!iso_mti_plausible(p + at, head + mti, w) || !iso_bitmap_plausible(p + at + head + mti, w))
        return boundary_check::no;
    return boundary_check::yes;
}

boundary_check tcp_framing::check_boundary(const uint8_t* p, std::size_t avail, unsigned& walks) const noexcept {
    uint32_t len = 0;
    const boundary_check first = check_one(p, avail, len);
    if (first != boundary_check::yes) return first;
    // Random bytes pass the MTI and bitmap test now and then (BCD often): the
    // candidate's fields must also fill its frame exactly, which needs all of it.
    const std::size_t next = prefix_bytes() + std::size_t{len};
    if (avail < next) return boundary_check::need_more;
    ++walks;
    const bool fits = iso_structure_fits(wire_of(wire), p + prefix_bytes() + header_bytes, len - header_bytes);
    return fits ? boundary_check::yes : boundary_check::no;
}

void append_tcp_frame(std::vector<uint8_t>& out, const uint8_t* msg, std::size_t len, const tcp_framing& f) {
    const std::size_t counted = f.header_bytes + len;
    const std::size_t most = f.kind == tcp_framing_kind::len4ascii ? 9999 : 65535;
    if (counted > most)
        throw std::length_error("a " + std::to_string(counted) + "-byte frame exceeds " +
                                std::string(tcp_framing_name(f.kind)) + "'s maximum " + std::to_string(most));
    switch (f.kind) {
        case tcp_framing_kind::len2be:
            out.push_back(static_cast<uint8_t>(counted >> 8));
            out.push_back(static_cast<uint8_t>(counted));
            break;
        case tcp_framing_kind::len2le:
            out.push_back(static_cast<uint8_t>(counted));
            out.push_back(static_cast<uint8_t>(counted >> 8));
            break;
        case tcp_framing_kind::len4ascii:
            for (std::size_t div = 1000; div > 0; div /= 10) out.push_back(static_cast<uint8_t>('0' + counted / div % 10));
            break;
    }
    if (f.header_bytes > 0) {
        out.push_back(0x60);
        out.insert(out.end(), f.header_bytes - 1u, 0);
    }
    out.insert(out.end(), msg, msg + len);
}

}  // namespace txscreen
