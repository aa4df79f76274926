// Test helper: valid test PANs of any length, for the decoder, scrubber and benchmark
// tests that plant card numbers.
#pragma once

#include <string>

namespace txscreen::test {

// `body` followed by its Luhn check digit.
inline std::string luhn_complete(std::string body) {
    unsigned sum = 0;
    bool dbl = true;  // the check digit will be appended to the right
    for (std::size_t i = body.size(); i-- > 0;) {
        unsigned d = static_cast<unsigned>(body[i] - '0');
        if (dbl) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return body + static_cast<char>('0' + (10 - sum % 10) % 10);
}

}  // namespace txscreen::test
