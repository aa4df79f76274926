// Default UDP destination ports: txgen sends each format/framing to its own port and
// txscreen's built-in default config listens on all four, so `txgen` output needs no
// config. The B line of an A/B feed is the A port + 100.
#pragma once

#include <cstdint>

#include "codec/framing.h"
#include "common/txn.h"

namespace txscreen {

inline constexpr uint16_t default_port_iso8583_mold = 7001;
inline constexpr uint16_t default_port_iso8583_raw = 7002;
inline constexpr uint16_t default_port_json_mold = 7003;
inline constexpr uint16_t default_port_json_raw = 7004;
inline constexpr uint16_t default_b_line_offset = 100;

constexpr uint16_t default_feed_port(payload_format f, framing fr) noexcept {
    if (f == payload_format::iso8583) return fr == framing::moldudp64 ? default_port_iso8583_mold : default_port_iso8583_raw;
    return fr == framing::moldudp64 ? default_port_json_mold : default_port_json_raw;
}

}  // namespace txscreen
