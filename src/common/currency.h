// ISO 4217 currency table: alpha code <-> numeric code, and minor-unit exponent.
// Covers every active ISO 4217 currency (docs/feeds.md). Lookups are constant-time
// (numeric: direct index; alpha: perfect-ish hash over 3 letters) and allocation-free.
#pragma once

#include <cstdint>
#include <string_view>

namespace txscreen {

struct currency_info {
    char alpha[4];     // "USD"
    uint16_t numeric;  // 840
    uint8_t exponent;  // minor-unit digits: 2 for USD, 0 for JPY, 3 for KWD
};

// Returns the entry for ISO 4217 numeric code `numeric`, or nullptr when unknown.
const currency_info* currency_by_numeric(uint16_t numeric) noexcept;
// Returns the entry for the 3-letter code (upper case), or nullptr when unknown.
const currency_info* currency_by_alpha(std::string_view alpha) noexcept;

}  // namespace txscreen
