#include "common/pan_scrub.h"

#include <bit>
#include <cstring>

#include "common/pan_token.h"

namespace txscreen {
namespace {

inline bool is_digit(char c) noexcept { return static_cast<unsigned>(static_cast<unsigned char>(c)) - '0' <= 9u; }
inline bool is_separator(char c) noexcept { return c == ' ' || c == '-'; }

// A group may join others in a spaced or dashed PAN when it has 3-8 digits; a range
// of such groups holds at most 6 (19 digits / 3).
constexpr std::size_t group_min = 3, group_max = 8, max_groups = 6;
// Digits kept in clear at each end of a masked PAN.
constexpr std::size_t keep_first = 6, keep_last = 4;
// Track 1's name field is at most 26 characters: the second '^' is that close.
constexpr std::size_t track1_name_max = 26;

constexpr char mask_char = '*';

// Luhn weight of digit d at position p counted from the right (0 = check digit).
constexpr uint8_t luhn_doubled[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};
inline unsigned luhn_term(unsigned d, std::size_t p) noexcept { return (p & 1) ? luhn_doubled[d] : d; }

// Masks the digits of a PAN laid out over `count` digit runs (begin[i], end[i]) of s:
// leading zeros and the first 6 significant digits stay, so do the last 4.
inline void mask_range(char* s, const uint32_t* begin, const uint32_t* end, std::size_t count, std::size_t lz,
                       std::size_t sig) noexcept {
    std::size_t k = 0;  // digit index within the range
    for (std::size_t g = 0; g < count; ++g) {
        for (uint32_t p = begin[g]; p < end[g]; ++p, ++k) {
            if (k < lz) continue;
            const std::size_t i = k - lz;
            if (i >= keep_first && i + keep_last < sig) s[p] = mask_char;
        }
    }
}

// Masks the digits of s from `from` up to the first character that is not a digit.
inline void mask_digit_run(char* s, std::size_t n, std::size_t from) noexcept {
    for (; from < n && is_digit(s[from]); ++from) s[from] = mask_char;
}

// One pass over a text: digit runs ("groups") in order; each run is judged alone and,
// with the runs joined to it by single separators before it, as a spaced PAN.
class scrubber {
public:
    scrubber(char* s, std::size_t n) noexcept : _s(s), _n(n) {}

    unsigned run() noexcept {
#if defined(__AVX512BW__) && defined(__BMI2__)
        if (_n <= 64) {
            // The digit runs straight from a digit mask: no byte loop over the text. A
            // run that track data before it already masked is skipped, as the byte loop
            // skips its '*'.
            const __mmask64 in = _bzhi_u64(~0ull, static_cast<unsigned>(_n));
            const __m512i v = _mm512_maskz_loadu_epi8(in, _s);
            uint64_t d = _mm512_mask_cmplt_epu8_mask(in, _mm512_sub_epi8(v, _mm512_set1_epi8('0')),
                                                     _mm512_set1_epi8(10));
            while (d) {
                const unsigned b = static_cast<unsigned>(std::countr_zero(d));
                const unsigned e = b + static_cast<unsigned>(std::countr_zero(~(d >> b)));  // 64 - b at most
                d = e >= 64 ? 0 : d & (~0ull << e);
                // A run ahead is masked whole or not at all (track data after a PAN,
                // always from its first digit): one look tells whether it still is one.
                if (is_digit(_s[b])) on_group(b, e);
            }
            return _count;
        }
#endif
        std::size_t i = 0;
        while (i < _n) {
            if (!is_digit(_s[i])) {
                ++i;
                continue;
            }
            const std::size_t b = i;
            while (i < _n && is_digit(_s[i])) ++i;
            on_group(static_cast<uint32_t>(b), static_cast<uint32_t>(i));
        }
        return _count;
    }

private:
    struct group {
        uint32_t begin, end;
        uint8_t digit[group_max];  // the digits as read before any masking (3-8 digit groups)
    };

    void on_group(uint32_t b, uint32_t e) noexcept {
        const bool joined = _held > 0 && _ring[(_seen - 1) % max_groups].end + 1 == b &&
                            is_separator(_s[b - 1]);
        if (!joined) _held = 0;  // a new sequence of groups
        const std::size_t len = e - b;
        const bool joinable = len >= group_min && len <= group_max;
        if (joinable) {
            group& g = _ring[_seen % max_groups];
            g.begin = b;
            g.end = e;
            for (std::size_t k = 0; k < len; ++k) g.digit[k] = static_cast<uint8_t>(_s[b + k] - '0');
        }
        const uint64_t index = _seen++;
        // A joinable group has at most 8 digits, too few to be a PAN alone, and a run
        // that is long enough alone cannot join a spaced PAN: one judgement or the other.
        if (joinable) {
            _held = _held < max_groups ? _held + 1 : max_groups;
            judge_spaced(index);
        } else {
            _held = 0;  // a run that cannot join a spaced PAN ends the sequence
            judge_run(index, b, e);
        }
    }

    // Track 2 separates the PAN from expiry, service code and discretionary data with
    // '=' as printed, 'D' as the binary (BCD) encoding's field separator reads in text.
    static bool is_track2_separator(char c) noexcept { return c == '=' || c == 'D' || c == 'd'; }

    // The run s[b, e) alone: a PAN by Luhn or by its magnetic-stripe surroundings.
    void judge_run(uint64_t index, uint32_t b, uint32_t e) noexcept {
        std::size_t lz = 0;
        while (b + lz < e && _s[b + lz] == '0') ++lz;
        const std::size_t sig = e - b - lz;
        if (sig < pan_min_digits || sig > pan_max_digits) return;
        const char* first = _s + b + lz;
        const bool track2 = e < _n && is_track2_separator(_s[e]) &&
                            ((b > 0 && _s[b - 1] == ';') || (e + 4 < _n && is_digit(_s[e + 1]) && is_digit(_s[e + 2]) &&
                                                             is_digit(_s[e + 3]) && is_digit(_s[e + 4])));
        const bool track1 = e < _n && _s[e] == '^' && b > 0 && (_s[b - 1] == 'B' || _s[b - 1] == 'b');
        if (!track1 && !track2 && !pan_valid(first, sig)) return;
        mask_range(_s, &b, &e, 1, lz, sig);
        mask_track_data(e);
        found(index, index);
    }

    // Ranges of 2..6 joined groups ending at group `last`, walked leftwards with the
    // Luhn sum kept running (a digit added on the left does not move the positions of
    // those already summed). Every valid range is masked, so a number written next to
    // a PAN cannot shift the match away from it.
    void judge_spaced(uint64_t last) noexcept {
        unsigned sum = 0;
        std::size_t total = 0, lz_run = 0;  // digits so far; zeros that lead them
        uint32_t begin[max_groups], end[max_groups];
        for (std::size_t m = 1; m <= _held; ++m) {
            const group& g = _ring[(last + 1 - m) % max_groups];
            const std::size_t len = g.end - g.begin;
            for (std::size_t k = len; k-- > 0;) sum += luhn_term(g.digit[k], total + (len - 1 - k));
            std::size_t z = 0;
            while (z < len && g.digit[z] == 0) ++z;
            lz_run = z == len ? lz_run + len : z;
            total += len;
            begin[max_groups - m] = g.begin;
            end[max_groups - m] = g.end;
            const std::size_t sig = total - lz_run;
            if (sig > pan_max_digits) break;
            if (m < 2 || sig < pan_min_digits || sum % 10 != 0) continue;
            mask_range(_s, begin + max_groups - m, end + max_groups - m, m, lz_run, sig);
            found(last + 1 - m, last);
        }
    }

    // After a masked PAN: track 2's "=YYMM service discretionary" digits, or track 1's
    // "^NAME^YYMM..." digits after the name, are masked whole (they may hold the CVV).
    void mask_track_data(std::size_t e) noexcept {
        if (e >= _n) return;
        std::size_t from = _n;
        if (is_track2_separator(_s[e])) {
            from = e + 1;
        } else if (_s[e] == '^') {
            const std::size_t stop = e + 2 + track1_name_max < _n ? e + 2 + track1_name_max : _n;
            for (std::size_t i = e + 1; i < stop; ++i) {
                if (_s[i] == '^') {
                    from = i + 1;
                    break;
                }
            }
        }
        mask_digit_run(_s, _n, from);
    }

    // Counts PANs, not candidate ranges: a range overlapping one already counted is
    // the same PAN seen with a neighbour.
    void found(uint64_t first, uint64_t last) noexcept {
        if (!_counted_any || first > _counted_last) ++_count;
        if (!_counted_any || last > _counted_last) _counted_last = last;
        _counted_any = true;
    }

    char* _s;
    std::size_t _n;
    group _ring[max_groups];
    std::size_t _held = 0;  // joinable groups of the current sequence in the ring (<= 6)
    uint64_t _seen = 0;     // groups met so far (index of the next one)
    uint64_t _counted_last = 0;
    bool _counted_any = false;
    unsigned _count = 0;
};

}  // namespace

namespace pan_scrub_detail {

bool candidate_windows(const char* s, std::size_t n) noexcept {
    if (n < pan_min_digits) return false;
#if defined(__AVX512BW__) && defined(__BMI2__)
    // Windows of 64 overlapping by 12: any 12 consecutive characters lie whole in one.
    for (std::size_t w = 0;; w += 52) {
        const std::size_t k = n - w < 64 ? n - w : 64;
        if (candidate_window(s + w, k, false)) return true;
        if (w + 64 >= n) return false;
    }
#else
    if (n <= 64) {
        std::size_t digits = 0;
        for (std::size_t i = 0; i < n; ++i) digits += is_digit(s[i]);
        if (digits < pan_min_digits) return false;
    }
    std::size_t run = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[i];
        if (is_digit(c) || (is_separator(c) && i > 0 && i + 1 < n && is_digit(s[i - 1]) && is_digit(s[i + 1])))
            ++run;
        else
            run = 0;
        if (run >= pan_min_digits) return true;
    }
    return false;
#endif
}

}  // namespace pan_scrub_detail

unsigned scrub_pans_parse(char* s, std::size_t n) noexcept { return scrubber(s, n).run(); }

std::size_t whole_text_pan(const char* s, std::size_t n, char* out) noexcept {
    // Digit runs of s, which must be all of it, joined by single separators.
    uint32_t begin[max_groups], end[max_groups];
    std::size_t groups = 0, i = 0;
    while (i < n) {
        if (groups == max_groups || !is_digit(s[i])) return 0;
        begin[groups] = static_cast<uint32_t>(i);
        while (i < n && is_digit(s[i])) ++i;
        end[groups++] = static_cast<uint32_t>(i);
        if (i == n) break;
        if (!is_separator(s[i]) || i + 1 == n) return 0;
        ++i;
    }
    if (groups == 0) return 0;
    // The digits go straight to `out` (no stack copy of a clear PAN to scrub), which is
    // zeroed again when they turn out not to be a PAN.
    std::size_t sig = 0;
    bool leading = true, ok = true;
    for (std::size_t g = 0; g < groups && ok; ++g) {
        const std::size_t len = end[g] - begin[g];
        if (groups > 1 && (len < group_min || len > group_max)) ok = false;
        for (uint32_t p = begin[g]; p < end[g] && ok; ++p) {
            if (leading && s[p] == '0') continue;
            leading = false;
            if (sig == pan_max_digits) ok = false;
            else out[sig++] = s[p];
        }
    }
    if (ok && sig >= pan_min_digits && pan_valid(out, sig)) return sig;
    std::memset(out, 0, sig);
    return 0;
}

}  // namespace txscreen
