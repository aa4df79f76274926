// RFC 3339 timestamps for txgen's command line (--start) and --from-jsonl input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace txscreen::txgen {

// Parses "YYYY-MM-DDTHH:MM:SS[.fff...](Z|+HH:MM|-HH:MM)" (a space may replace 'T';
// fraction digits beyond milliseconds are cut) into UTC epoch ms. Returns false when
// the text is not that or a field is out of range.
bool parse_rfc3339_ms(std::string_view s, int64_t& out_ms) noexcept;

// Formats UTC epoch ms as "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string format_rfc3339_ms(int64_t ms);

}  // namespace txscreen::txgen
