// PAN scrubbing in free text: every text field a decoder writes into a Txn is scanned
// for card numbers a producer put where none belongs (a PAN as card_id, in a city, a
// track-2 string in a merchant name) and each one is masked in place, BIN and last
// four kept: "SHOP ;4111111111111111=2912" -> "SHOP ;411111******1111=****".
//
// What counts as a PAN (docs/feeds.md "PANs in free text"):
//   - a run of digits bounded by non-digits whose significant digits (leading zeros
//     dropped: no issuer number starts with 0, so zero-padded counters stay clear)
//     number 12-19 and pass the Luhn check;
//   - 2 to 6 groups of 3-8 digits joined by single spaces or dashes ("4111 1111 1111
//     1111", "3782-822463-10005") with 12-19 digits together and a valid Luhn check;
//     every such group range is tried, so a number next to the PAN hides nothing;
//   - a run of 12-19 digits in a magnetic-stripe shape, Luhn or not: followed by '='
//     or 'D' and at least 4 digits (track 2: "PAN=YYMM..."), or by '=' or 'D' after ';',
//     or between a 'B' format code and '^' (track 1: "%BPAN^NAME^YYMM..."). The
//     track's digits after the PAN (expiry, service code, discretionary data with the
//     CVV) are masked whole.
// The first 6 significant digits and the last 4 stay; separators stay where they are.
//
// The common case is cheap: pan_scrub_candidate wants 12 consecutive characters that
// are digits or single separators between digits, and 12 digits in a field of at most
// 64 bytes (one masked SIMD load, a popcount and a few shifts); only such a text is
// parsed. Nothing allocates or throws.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/fixed_text.h"

namespace txscreen {

// Most digits a PAN has, and the fewest.
inline constexpr std::size_t pan_min_digits = 12;
inline constexpr std::size_t pan_max_digits = 19;

namespace pan_scrub_detail {

// pan_scrub_candidate for texts over 64 bytes (AVX-512: 64-byte windows overlapping by
// 12), or of any length without AVX-512 (one byte at a time).
bool candidate_windows(const char* s, std::size_t n) noexcept;

#if defined(__AVX512BW__) && defined(__BMI2__)
// Bits k where bits k..k+11 of m are all set.
inline uint64_t runs_of_12(uint64_t m) noexcept {
    uint64_t a = m & (m >> 1);  // 2
    a &= a >> 2;                // 4
    a &= a >> 4;                // 8
    return a & (a >> 4);        // 12
}

// The test on one window of at most 64 bytes (a masked load: nothing past s + n is
// read). With `whole_text` (the window is all the text) fewer than 12 digits, what
// nearly every text field has, ends it early; a window of a longer text may hold only
// part of a PAN's digits, so there the run alone decides.
inline bool candidate_window(const char* s, std::size_t n, bool whole_text) noexcept {
    const __mmask64 in = _bzhi_u64(~0ull, static_cast<unsigned>(n));
    const __m512i v = _mm512_maskz_loadu_epi8(in, s);
    const uint64_t d =
        _mm512_mask_cmplt_epu8_mask(in, _mm512_sub_epi8(v, _mm512_set1_epi8('0')), _mm512_set1_epi8(10));
    if (whole_text && std::popcount(d) < 12) return false;
    const uint64_t sep = _mm512_mask_cmpeq_epi8_mask(in, v, _mm512_set1_epi8(' ')) |
                         _mm512_mask_cmpeq_epi8_mask(in, v, _mm512_set1_epi8('-'));
    // Bit k of d << 1 is char k - 1, of d >> 1 char k + 1: a separator counts between digits.
    return runs_of_12(d | (sep & (d << 1) & (d >> 1))) != 0;
}
#endif

}  // namespace pan_scrub_detail

// True when s[0..n) has 12 consecutive characters that are each a digit, or a single
// space or dash with a digit on both sides, and (texts of at most 64 bytes) at least 12
// digits in all: the least any PAN shape needs. False says for certain that scrub_pans
// would change nothing. Inline for the text fields (at most 64 bytes) every message
// has: a few instructions, no call.
inline bool pan_scrub_candidate(const char* s, std::size_t n) noexcept {
    if (n < pan_min_digits) return false;
#if defined(__AVX512BW__) && defined(__BMI2__)
    if (n <= 64) [[likely]]
        return pan_scrub_detail::candidate_window(s, n, true);
#endif
    return pan_scrub_detail::candidate_windows(s, n);
}

// Masks every PAN shape in s[0..n) in place (see above); returns how many PANs were
// masked (overlapping candidates count once). Call only when pan_scrub_candidate
// said true, or through scrub_pans.
unsigned scrub_pans_parse(char* s, std::size_t n) noexcept;

inline unsigned scrub_pans(char* s, std::size_t n) noexcept {
    return pan_scrub_candidate(s, n) ? scrub_pans_parse(s, n) : 0;
}

template <std::size_t N>
inline unsigned scrub_pans(fixed_text<N>& t) noexcept {
    return scrub_pans(t.data, t.len);
}

// When all of s[0..n) is one PAN (a digit run, or groups with single separators, as
// above, Luhn-valid), writes its significant digits to out (room for 19) and returns
// their count (12-19); else returns 0 and leaves zeros where it wrote. For a JSON
// card_id that is a PAN: `out` is the caller's PAN stash, the only copy of the digits.
std::size_t whole_text_pan(const char* s, std::size_t n, char* out) noexcept;

}  // namespace txscreen
