// libFuzzer target: PAN scrubbing of free text (src/common/pan_scrub.h). Checks that
// scrubbing only turns digits into '*', that the inline candidate test agrees with its
// byte-at-a-time definition and never misses what the parse masks, that no plain PAN
// run survives, and that a whole-text PAN is a valid PAN the scrub masks.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_common.h"

using namespace txscreen;

namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

// pan_scrub_candidate's definition: 12 consecutive digits or single separators between
// digits, and for texts of at most 64 bytes 12 digits in all.
bool candidate_reference(const char* s, std::size_t n) {
    std::size_t digits = 0;
    for (std::size_t i = 0; i < n; ++i) digits += digit(s[i]);
    if (n <= 64 && digits < pan_min_digits) return false;
    std::size_t run = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const bool sep = (s[i] == ' ' || s[i] == '-') && i > 0 && i + 1 < n && digit(s[i - 1]) && digit(s[i + 1]);
        run = digit(s[i]) || sep ? run + 1 : 0;
        if (run >= pan_min_digits) return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string in(reinterpret_cast<const char*>(data), size);
    std::string out = in;
    const bool candidate = pan_scrub_candidate(in.data(), in.size());
    const bool reference = candidate_reference(in.data(), in.size());
    if (candidate != reference) std::abort();
    const unsigned masked = scrub_pans_parse(out.data(), out.size());
    for (std::size_t i = 0; i < size; ++i)
        if (out[i] != in[i] && !(out[i] == '*' && digit(in[i]))) std::abort();
    if (!candidate && (masked != 0 || out != in)) std::abort();
    if (masked > size / pan_min_digits + 1) std::abort();
    if (masked == 0 && out != in) std::abort();
    if (fuzz::has_clear_pan_run(out.data(), out.size())) std::abort();

    char digits[pan_max_digits];
    if (const std::size_t n = whole_text_pan(in.data(), in.size(), digits)) {
        if (n < pan_min_digits || n > pan_max_digits || !pan_valid(digits, n) || digits[0] == '0') std::abort();
        if (masked != 1) std::abort();
    }
    return 0;
}
