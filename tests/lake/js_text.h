// The text JavaScript's JSON.stringify writes for a double and a string: the canonical
// row form of tests/lake/parquet_dump.mjs, computed here independently of it (for the
// Avro side of the comparison and for the Parquet writer's own tests).
#pragma once

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace txscreen::test {

// JSON.stringify of a double: ECMAScript Number::toString over the shortest digits.
inline std::string js_number(double v) {
    if (std::isnan(v)) return "\"NaN\"";
    if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    if (v == 0) return "0";
    char buf[64];
    const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific).ptr;
    std::string sci(buf, end), sign;
    if (sci[0] == '-') sign = "-", sci.erase(0, 1);
    const std::size_t e_at = sci.find('e');
    std::string digits = sci.substr(0, e_at);
    if (digits.size() > 1) digits.erase(1, 1);  // the '.'
    const int k = static_cast<int>(digits.size()), n = std::stoi(sci.substr(e_at + 1)) + 1;
    if (k <= n && n <= 21) return sign + digits + std::string(n - k, '0');
    if (0 < n && n <= 21) return sign + digits.substr(0, n) + "." + digits.substr(n);
    if (-6 < n && n <= 0) return sign + "0." + std::string(-n, '0') + digits;
    const std::string mantissa = k > 1 ? digits.substr(0, 1) + "." + digits.substr(1) : digits;
    return sign + mantissa + "e" + (n - 1 >= 0 ? "+" : "-") + std::to_string(std::abs(n - 1));
}

// Escaped as JSON.stringify escapes: quote, backslash, \b \f \n \r \t, other control
// characters as \u00xx, the rest (UTF-8 included) as it is.
inline std::string js_string(std::string_view s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char hex[8];
                    std::snprintf(hex, sizeof hex, "\\u%04x", c);
                    out += hex;
                } else {
                    out += ch;
                }
        }
    }
    return out + "\"";
}

}  // namespace txscreen::test
