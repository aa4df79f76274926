// A private field shaped like Visa BASE I field 62 (test-only): a binary LLVAR with a
// 1-byte sub-bitmap whose sub-fields keep their own encodings (62.1 text, 62.2 BCD
// digits), for the decoder, encoder and fuzz tests of bitmapped sub-fields.
#pragma once

#include <string_view>

namespace txscreen::iso_test {

constexpr std::string_view visa62_field = R"([fields.62]
type = "b"
len = "LL"
max = 255
prefix = "binary"
layout = "bitmap"
bitmap_bytes = 1
[fields.62.sub.1]
type = "an"
len = 1
[fields.62.sub.2]
type = "n"
len = 15
enc = "bcd"
)";

}  // namespace txscreen::iso_test
