// Avro binary encoding primitives (Avro 1.11 spec, "Binary Encoding") writing into a
// caller-supplied buffer: zig-zag varint int/long, length-prefixed strings, IEEE
// doubles, booleans. Header-only and allocation-free so the spool encodes a verdict in
// well under a microsecond. The caller guarantees room (the record encoders size their
// buffers from a documented maximum), so writers do not check bounds per byte.
//
// The matching readers return false on truncated or malformed input; the spool uses
// them to validate blocks of a torn file during recovery.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace txscreen::avro {

// Largest encoding of one long (10 bytes of 7 bits).
inline constexpr std::size_t max_varint_bytes = 10;

// Writes `v` zig-zag varint encoded at p; returns the byte after it.
inline uint8_t* put_long(uint8_t* p, int64_t v) noexcept {
    uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    while (z >= 0x80) {
        *p++ = static_cast<uint8_t>(z | 0x80);
        z >>= 7;
    }
    *p++ = static_cast<uint8_t>(z);
    return p;
}

inline uint8_t* put_bool(uint8_t* p, bool b) noexcept {
    *p++ = b ? 1 : 0;
    return p;
}

// Little-endian IEEE 754 (x86 is little-endian already).
inline uint8_t* put_double(uint8_t* p, double d) noexcept {
    std::memcpy(p, &d, 8);
    return p + 8;
}

// Raw bytes with a length prefix (Avro `bytes`, and `string` when already UTF-8).
inline uint8_t* put_bytes(uint8_t* p, const void* data, std::size_t n) noexcept {
    p = put_long(p, static_cast<int64_t>(n));
    if (n) std::memcpy(p, data, n);
    return p + n;
}

// Worst-case size of put_string(n bytes): every byte may become U+FFFD (3 bytes).
constexpr std::size_t max_string_bytes(std::size_t n) noexcept { return max_varint_bytes + 3 * n; }

// Avro strings must be UTF-8, but feed text is arbitrary bytes. ASCII (the common case)
// is copied as is; other bytes are validated and each byte of an invalid sequence becomes
// U+FFFD, the same rule the Kafka JSON encoder applies. Returns the byte after the string.
uint8_t* put_string_slow(uint8_t* p, const char* s, std::size_t n) noexcept;

inline uint8_t* put_string(uint8_t* p, const char* s, std::size_t n) noexcept {
    bool ascii = true;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) { ascii = false; break; }
    }
    if (ascii)
        for (; i < n; ++i)
            if (static_cast<uint8_t>(s[i]) & 0x80) { ascii = false; break; }
    if (ascii) [[likely]]
        return put_bytes(p, s, n);
    return put_string_slow(p, s, n);
}

// Length of a NUL-padded char array field (stops at the first NUL or at `cap`).
inline std::size_t cstr_len(const char* s, std::size_t cap) noexcept {
    const void* z = std::memchr(s, 0, cap);
    return z ? static_cast<std::size_t>(static_cast<const char*>(z) - s) : cap;
}

// ---- readers: each advances `p` and returns false when the input is cut or malformed.
inline bool get_long(const uint8_t*& p, const uint8_t* end, int64_t& out) noexcept {
    uint64_t z = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (p >= end) return false;
        uint8_t b = *p++;
        z |= static_cast<uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            out = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
            return true;
        }
    }
    return false;
}

// Skips a string/bytes value; false when its length is negative or runs past `end`.
inline bool skip_bytes(const uint8_t*& p, const uint8_t* end) noexcept {
    int64_t n;
    if (!get_long(p, end, n) || n < 0 || n > end - p) return false;
    p += n;
    return true;
}

}  // namespace txscreen::avro
