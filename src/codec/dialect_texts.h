// The shipped dialect files (src/codec/dialects/*.toml) as embedded text, written by
// src/embed_text.py at build time: the dialect loader resolves built-in names to them,
// and the tests read them.
#pragma once

#include <string_view>

namespace txscreen {

std::string_view dialect_binary_text() noexcept;
std::string_view dialect_hex_text() noexcept;
std::string_view dialect_bcd_text() noexcept;
std::string_view dialect_ebcdic_text() noexcept;
std::string_view dialect_iso93_ascii_text() noexcept;

}  // namespace txscreen
