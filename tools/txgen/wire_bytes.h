// Big-endian stores and the RFC 1071 Internet checksum, shared by the UDP and TCP
// frame builders.
#pragma once

#include <cstddef>
#include <cstdint>

namespace txscreen::txgen {

inline void put16(uint8_t* p, uint16_t v) noexcept {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) noexcept {
    put16(p, static_cast<uint16_t>(v >> 16));
    put16(p + 2, static_cast<uint16_t>(v));
}

// One's-complement sum of 16-bit big-endian words (an odd byte is padded with 0).
inline uint32_t ones_sum(const uint8_t* p, std::size_t n, uint32_t sum) noexcept {
    for (; n > 1; p += 2, n -= 2) sum += static_cast<uint32_t>(p[0] << 8 | p[1]);
    if (n) sum += static_cast<uint32_t>(p[0] << 8);
    return sum;
}
// Folds the carries and complements: the value to store in a checksum field.
inline uint16_t fold(uint32_t sum) noexcept {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

}  // namespace txscreen::txgen
