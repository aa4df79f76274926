// Parquet value and level encodings (Encodings.md of the format spec), write side:
// PLAIN, the RLE/bit-packed hybrid (levels and dictionary indices) and dictionary
// building. All append to a std::string; the host is little-endian like the format.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/lake/column_batch.h"

namespace txscreen::parquet {

static_assert(std::endian::native == std::endian::little, "PLAIN is little-endian; so must the host be");

// Bits needed for values 0..max (0 for max 0).
inline int bit_width(uint32_t max) noexcept { return max ? 32 - std::countl_zero(max) : 0; }

// PLAIN for fixed-width numbers: the little-endian bytes, back to back.
template <class T>
void put_plain(std::string& out, const T* v, std::size_t n) {
    out.append(reinterpret_cast<const char*>(v), n * sizeof(T));
}
// PLAIN booleans: bit-packed, least significant bit first.
void put_plain_bools(std::string& out, const uint8_t* v, std::size_t n);
// PLAIN byte arrays: 4-byte little-endian length, then the bytes; strings [from, to) of c.
void put_plain_strings(std::string& out, const column_batch& c, std::size_t from, std::size_t to);

// The RLE/bit-packed hybrid of n values of `width` bits (no length prefix): runs of 8 or
// more equal values as RLE runs, the rest bit-packed in groups of 8.
void put_rle_hybrid(std::string& out, const uint8_t* v, std::size_t n, int width);
void put_rle_hybrid(std::string& out, const uint32_t* v, std::size_t n, int width);

// A column's dictionary: distinct values in first-seen order (PLAIN-encoded, the
// dictionary page's body) and one index per value.
struct dictionary {
    std::string plain;              // the dictionary page body
    uint32_t size = 0;              // distinct values
    std::vector<uint32_t> indices;  // per value
    std::vector<std::string_view> strings;  // string columns: the distinct values (views into the column)
};

// Builds the dictionary of c's values; false (out unusable) as soon as its PLAIN form
// would pass max_bytes. c must not be boolean.
bool build_dictionary(const column_batch& c, std::size_t max_bytes, dictionary& out);

}  // namespace txscreen::parquet
