#include "tools/txgen/stream_framing.h"

#include <stdexcept>
#include <string>

namespace txscreen::txgen {

bool parse_stream_framing(std::string_view name, stream_framing& out) noexcept {
    if (name == "len2be") out = stream_framing::len2be;
    else if (name == "len2le") out = stream_framing::len2le;
    else if (name == "len4ascii") out = stream_framing::len4ascii;
    else return false;
    return true;
}

std::string_view stream_framing_name(stream_framing f) noexcept {
    switch (f) {
        case stream_framing::len2be: return "len2be";
        case stream_framing::len2le: return "len2le";
        case stream_framing::len4ascii: return "len4ascii";
    }
    return "?";
}

std::size_t length_prefix_bytes(stream_framing f) noexcept { return f == stream_framing::len4ascii ? 4 : 2; }

std::size_t max_framed_length(stream_framing f) noexcept { return f == stream_framing::len4ascii ? 9999 : 65535; }

void append_framed(std::vector<uint8_t>& out, const uint8_t* msg, std::size_t len, stream_framing f,
                   std::size_t header_bytes) {
    const std::size_t counted = header_bytes + len;
    if (counted > max_framed_length(f))
        throw std::runtime_error("txgen: a " + std::to_string(counted) + "-byte framed message exceeds " +
                                 std::string(stream_framing_name(f)) + "'s maximum " +
                                 std::to_string(max_framed_length(f)));
    switch (f) {
        case stream_framing::len2be:
            out.push_back(static_cast<uint8_t>(counted >> 8));
            out.push_back(static_cast<uint8_t>(counted));
            break;
        case stream_framing::len2le:
            out.push_back(static_cast<uint8_t>(counted));
            out.push_back(static_cast<uint8_t>(counted >> 8));
            break;
        case stream_framing::len4ascii:
            for (std::size_t div = 1000; div > 0; div /= 10) out.push_back(static_cast<uint8_t>('0' + counted / div % 10));
            break;
    }
    if (header_bytes > 0) {
        out.push_back(0x60);
        out.insert(out.end(), header_bytes - 1, 0);
    }
    out.insert(out.end(), msg, msg + len);
}

}  // namespace txscreen::txgen
