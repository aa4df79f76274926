// ISO 8583 decoder, fast path: the three families txscreen compiled before dialect files
// (ASCII + binary bitmap, ASCII + hex bitmap, packed BCD + binary bitmap) with the
// default 1987 map. The wire layouts are in docs/feeds.md ("Payload iso8583"). A feed
// whose dialect or map is anything else goes to the generic decoder (iso_generic.cpp).
//
// Decoding is two passes over one message, both table-driven and allocation-free:
//   1. walk the bitmap(s); for each present field read its length from the feed's own
//      rule table (compiled from its dialect file by compile_wire, iso_wire.cpp) or its
//      LL/LLL prefix, bounds-check it and, for the few fields txscreen uses, remember
//      where it lies;
//   2. convert the remembered fields into the Txn; the PAN is validated there and
//      handed to a pan_stash last, so a message rejected for any other reason costs no
//      MAC, and the rx stage tokenizes the stashes of a whole burst at once.
#include "codec/iso8583.h"
#include "codec/iso_wire_tables.h"
#include "codec/record_write.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/civil_time.h"
#include "common/currency.h"
#include "common/pan_scrub.h"
#include "common/response_code.h"

namespace txscreen {
namespace {

using namespace iso_rt;
using iso_rt::hex_values;
using codec::clear_record;
using codec::put_text;

// ---- Fixed-width numbers, 8 digits per 64-bit word (SWAR). A digit-at-a-time loop is a
// serial multiply chain, ~4 cycles per digit; these take a few cycles per word.
static_assert(std::endian::native == std::endian::little, "SWAR digit parsing assumes little endian");

constexpr uint64_t lanes8(uint8_t b) { return 0x0101010101010101ull * b; }

// True when all 8 bytes are ASCII '0'-'9'. (A carry out of a byte by +6 only occurs
// from a byte whose high nibble is not 3, which fails the first test anyway.)
inline bool ascii8_digits(uint64_t x) noexcept {
    return ((x & lanes8(0xf0)) | (((x + lanes8(0x06)) & lanes8(0xf0)) >> 4)) == lanes8(0x33);
}

// Value of 8 ASCII digits; the byte at the lowest address is the most significant.
inline uint64_t ascii8_value(uint64_t x) noexcept {
    x -= lanes8('0');
    x = (x * 10 + (x >> 8)) & 0x00ff00ff00ff00ffull;       // 16-bit lanes: 2 digits
    x = (x * 100 + (x >> 16)) & 0x0000ffff0000ffffull;     // 32-bit lanes: 4 digits
    return (x * 10000 + (x >> 32)) & 0xffffffffull;        // 8 digits
}

// True when all 16 nibbles are 0-9.
inline bool bcd8_digits(uint64_t x) noexcept {
    const uint64_t lo = x & lanes8(0x0f), hi = (x >> 4) & lanes8(0x0f);
    return (((lo + lanes8(0x06)) | (hi + lanes8(0x06))) & lanes8(0xf0)) == 0;
}

// Value of 16 packed BCD digits; the byte at the lowest address is the most significant.
inline uint64_t bcd8_value(uint64_t x) noexcept {
    x = ((x >> 4) & lanes8(0x0f)) * 10 + (x & lanes8(0x0f));                            // bytes: 2 digits
    x = (x & 0x00ff00ff00ff00ffull) * 100 + ((x >> 8) & 0x00ff00ff00ff00ffull);          // 4 digits
    x = (x & 0x0000ffff0000ffffull) * 10000 + ((x >> 16) & 0x0000ffff0000ffffull);       // 8 digits
    return (x & 0xffffffffull) * 100000000 + (x >> 32);
}

// Loads the 8 bytes ending at p + n (n <= 8) as one word and replaces the 8 - n bytes
// before p with `fill`. Every field starts at least 10 bytes into the message (after
// the MTI and the primary bitmap), so the load never reads before the message; one
// unaligned load avoids the store-forwarding stall of assembling a partial word.
template <unsigned N>
inline uint64_t word_ending_at(const uint8_t* p, uint8_t fill) noexcept {
    static_assert(N >= 1 && N <= 8);
    uint64_t x;
    std::memcpy(&x, p + N - 8, 8);
    if constexpr (N < 8) {
        constexpr uint64_t before = (uint64_t{1} << (8 * (8 - N))) - 1;
        x = (x & ~before) | (lanes8(fill) & before);
    }
    return x;
}

template <unsigned N>
inline uint64_t ascii_word(const uint8_t* p) noexcept {
    return word_ending_at<N>(p, '0');
}

// Reads a fixed numeric field of N digits (ASCII, or packed BCD right-justified in
// (N+1)/2 bytes whose leading pad nibble is ignored). Returns false on a non-digit.
template <unsigned N>
inline bool read_number(const uint8_t* p, bool bcd, uint64_t& v) noexcept {
    if (!bcd) {
        if constexpr (N <= 8) {
            const uint64_t x = ascii_word<N>(p);
            v = ascii8_value(x);
            return ascii8_digits(x);
        } else {
            static_assert(N <= 16);
            const uint64_t hi = ascii_word<N - 8>(p), lo = ascii_word<8>(p + N - 8);
            v = ascii8_value(hi) * 100000000 + ascii8_value(lo);
            return ascii8_digits(hi) & ascii8_digits(lo);
        }
    }
    constexpr unsigned bytes = (N + 1) / 2;
    static_assert(bytes <= 8);
    uint64_t x = word_ending_at<bytes>(p, 0);
    if constexpr (N & 1) x &= ~(uint64_t{0xf0} << (8 * (8 - bytes)));
    v = bcd8_value(x);
    return bcd8_digits(x);
}

// Copies a fixed numeric field of N digits as NUL-terminated text into out[N + 1].
template <unsigned N>
inline bool read_digit_text(const uint8_t* p, bool bcd, char* out) noexcept {
    static_assert(N <= 8);
    out[N] = '\0';
    if (!bcd) {
        std::memcpy(out, p, N);
        return ascii8_digits(ascii_word<N>(p));
    }
    unsigned bad = 0;
    for (unsigned i = 0, nib = N & 1; i < N; ++i, ++nib) {
        const uint8_t b = p[nib >> 1];
        const uint8_t v = (nib & 1) ? (b & 0x0f) : (b >> 4);
        bad |= v > 9;
        out[i] = static_cast<char>('0' + v);
    }
    return !bad;
}

// Reads a fixed numeric field of 2K digits as K two-digit numbers (MMDDhhmmss and the
// like): the parts come straight from the digits, with no divisions of the whole value.
// Returns false on a non-digit.
template <unsigned K>
inline bool read_pairs(const uint8_t* p, bool bcd, unsigned (&out)[K]) noexcept {
    unsigned bad = 0;
    for (unsigned i = 0; i < K; ++i) {
        unsigned hi, lo;
        if (bcd) {
            hi = p[i] >> 4;
            lo = p[i] & 0x0f;
        } else {
            hi = static_cast<unsigned>(p[2 * i] - '0');
            lo = static_cast<unsigned>(p[2 * i + 1] - '0');
        }
        bad |= (hi > 9) | (lo > 9);
        out[i] = hi * 10 + lo;
    }
    return !bad;
}

// Copies n digits (a variable field) as NUL-terminated text into out[n + 1].
inline bool read_digit_text(const uint8_t* p, unsigned n, bool bcd, char* out) noexcept {
    unsigned bad = 0;
    for (unsigned i = 0, nib = n & 1; i < n; ++i, ++nib) {
        const uint8_t v = bcd ? ((nib & 1) ? (p[nib >> 1] & 0x0f) : (p[nib >> 1] >> 4))
                              : static_cast<uint8_t>(p[i] - '0');
        bad |= v > 9;
        out[i] = static_cast<char>('0' + v);
    }
    out[n] = '\0';
    return !bad;
}

// Length of p[0..N) without its trailing spaces, 8 bytes at a time: a byte loop's
// exit branch mispredicts on every message because padding varies with the text.
template <unsigned N>
inline unsigned trimmed_len(const uint8_t* p) noexcept {
    constexpr uint64_t spaces = 0x2020202020202020ull, low7 = 0x7f7f7f7f7f7f7f7full;
    for (unsigned end = N; end > 0;) {
        // The chunk is the 8 bytes ending at p + end; in the first chunk of a field
        // shorter than 8 bytes the bytes before p are masked to spaces.
        const unsigned k = end >= 8 ? 8 : end;
        uint64_t x;
        std::memcpy(&x, p + end - 8, 8);
        if (k < 8) {
            const uint64_t before = (uint64_t{1} << (8 * (8 - k))) - 1;
            x = (x & ~before) | (spaces & before);
        }
        const uint64_t y = x ^ spaces;                              // 0 where a space
        const uint64_t nonzero = (((y & low7) + low7) | y) & ~low7;  // top bit per non-space byte
        if (nonzero) return end - 8 + (63u - static_cast<unsigned>(__builtin_clzll(nonzero))) / 8 + 1;
        end -= k;
    }
    return 0;
}

// Copies a fixed ans field into a fixed_text of at least N bytes, trailing spaces
// trimmed (the bytes past `len` keep the wire's padding).
template <unsigned N, std::size_t C>
inline void copy_trimmed(const uint8_t* p, fixed_text<C>& out) noexcept {
    static_assert(N <= C, "the field must fit the Txn text without truncation");
    std::memcpy(out.data, p, N);
    out.len = static_cast<uint8_t>(trimmed_len<N>(p));
}

// Same into a NUL-terminated char array of at least N + 1 bytes.
template <unsigned N, std::size_t C>
inline void copy_trimmed(const uint8_t* p, char (&out)[C]) noexcept {
    static_assert(N < C, "the field and its NUL must fit");
    std::memcpy(out, p, N);
    out[trimmed_len<N>(p)] = '\0';
}

constexpr int64_t ms_per_day = 86'400'000;
// "Within six months": the nearest candidate year is always within ~183 days; a
// 29 February whose nearest leap year is further away is out of range.
constexpr int64_t max_year_skew_ms = 184 * ms_per_day;

// Field 7 (MMDDhhmmss as five two-digit parts, no year) -> epoch ms, year chosen
// nearest to `ref_ms`. Returns false when a part is out of range.
inline bool infer_transmission_time(const unsigned (&part)[5], int64_t ref_ms, int64_t& out) noexcept {
    const unsigned mo = part[0], dd = part[1], hh = part[2], mi = part[3], ss = part[4];
    if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59) [[unlikely]]
        return false;
    // The reference is fixed per feed: its year is worked out once per thread, not per message.
    thread_local int64_t cached_ref_ms = std::numeric_limits<int64_t>::min(), cached_ref_year = 0;
    if (ref_ms != cached_ref_ms) [[unlikely]] {
        cached_ref_year = civil_from_ms(ref_ms).date.year;
        cached_ref_ms = ref_ms;
    }
    const int64_t ref_year = cached_ref_year;
    const int64_t tod_ms = (hh * 3600 + mi * 60 + ss) * int64_t{1000};
    bool found = false;
    int64_t best = 0, best_skew = 0;
    auto consider = [&](int64_t y) {
        if (!valid_date(static_cast<int>(y), mo, dd)) return;
        const int64_t t = days_from_civil(static_cast<int>(y), mo, dd) * ms_per_day + tod_ms;
        const int64_t skew = t > ref_ms ? t - ref_ms : ref_ms - t;
        if (!found || skew < best_skew) {
            found = true;
            best = t;
            best_skew = skew;
        }
    };
    // The reference's own year is the answer unless it lies more than half a year
    // away; only then can a neighbouring year be nearer.
    consider(ref_year);
    if (!found || best_skew > 182 * ms_per_day) {
        consider(ref_year - 1);
        consider(ref_year + 1);
    }
    if (!found || best_skew > max_year_skew_ms) [[unlikely]]
        return false;
    out = best;
    return true;
}

// Reads an LL (prefix_digits 2) or LLL (3) length: ASCII digits, or BCD in 1 byte (LL)
// or 2 bytes (LLL, leading nibble 0). Returns a value above 999 when not digits.
inline std::size_t read_length_prefix(const uint8_t* p, unsigned prefix_digits, bool bcd) noexcept {
    constexpr std::size_t bad = 0x10000;
    if (!bcd) {
        const unsigned a = p[0] - '0', b = p[1] - '0';
        if (prefix_digits == 2) return a > 9 || b > 9 ? bad : a * 10 + b;
        const unsigned c = p[2] - '0';
        return a > 9 || b > 9 || c > 9 ? bad : a * 100 + b * 10 + c;
    }
    const unsigned hi = p[0] >> 4, lo = p[0] & 0x0f;
    if (prefix_digits == 2) return hi > 9 || lo > 9 ? bad : hi * 10 + lo;
    const unsigned h2 = p[1] >> 4, l2 = p[1] & 0x0f;
    return hi > 9 || lo > 9 || h2 > 9 || l2 > 9 ? bad : hi * 1000 + lo * 100 + h2 * 10 + l2;
}


// Bit i of x becomes bit 63 - i.
inline uint64_t reverse_bits(uint64_t x) noexcept {
#if defined(__GFNI__)
    // The affine transform with this matrix reverses the bits of each byte.
    const __m128i v = _mm_gf2p8affine_epi64_epi8(_mm_cvtsi64_si128(static_cast<long long>(x)),
                                                 _mm_set1_epi64x(0x8040201008040201LL), 0);
    return __builtin_bswap64(static_cast<uint64_t>(_mm_cvtsi128_si64(v)));
#else
    x = (x >> 1 & 0x5555555555555555ull) | (x & 0x5555555555555555ull) << 1;
    x = (x >> 2 & 0x3333333333333333ull) | (x & 0x3333333333333333ull) << 2;
    x = (x >> 4 & 0x0f0f0f0f0f0f0f0full) | (x & 0x0f0f0f0f0f0f0f0full) << 4;
    return __builtin_bswap64(x);
#endif
}

// Reads one bitmap (8 bytes binary, or 16 hex characters) at p.
inline reject_reason read_bitmap(const uint8_t*& p, const uint8_t* end, bool hex, uint64_t& out) noexcept {
    if (!hex) {
        if (end - p < 8) [[unlikely]]
            return reject_reason::iso_truncated;
        uint64_t v;
        std::memcpy(&v, p, 8);
        out = __builtin_bswap64(v);
        p += 8;
        return reject_reason::none;
    }
    if (end - p < 16) [[unlikely]]
        return reject_reason::iso_truncated;
    uint64_t v = 0;
    unsigned bad = 0;
    for (int i = 0; i < 16; ++i) {
        const uint8_t h = hex_values[p[i]];
        bad |= h;
        v = v << 4 | (h & 0x0f);
    }
    if (bad & 0xf0) [[unlikely]]
        return reject_reason::iso_bad_bitmap;
    out = v;
    p += 16;
    return reject_reason::none;
}

// Copies a wire text value into a Txn field with its PANs masked first (over the whole
// value, before any cut to the field's size); adds the PANs masked to `masked`. Values
// that cannot hold a PAN (pan_scrub_candidate) are copied straight from the wire.
template <std::size_t C>
inline bool put_scrubbed(fixed_text<C>& dst, std::string_view v, unsigned& masked, Txn& out,
                         txn_field_bit bit) noexcept {
    if (!pan_scrub_candidate(v.data(), v.size())) [[likely]]
        return put_text(dst, v);
    char copy[99];  // a field 48 value has at most 99 bytes (two length digits)
    const std::size_t n = v.size() < sizeof copy ? v.size() : sizeof copy;
    std::memcpy(copy, v.data(), n);
    if (const unsigned k = scrub_pans_parse(copy, n)) {
        masked += k;
        out.masked_fields |= bit;
    }
    return put_text(dst, copy, n);
}

// Field 48: a run of "TTLLvalue" sub-elements (2-character tag, 2 ASCII digits of
// length). Returns false when a sub-element is malformed. The kept values have their
// PANs masked (counted in `masked`); the others never leave the decoder.
inline bool parse_additional_data(const uint8_t* p, std::size_t n, Txn& out, unsigned& masked) noexcept {
    std::size_t i = 0;
    while (i < n) {
        if (n - i < 4) [[unlikely]]
            return false;
        const unsigned l0 = p[i + 2] - '0', l1 = p[i + 3] - '0';
        if (l0 > 9 || l1 > 9) [[unlikely]]
            return false;
        const std::size_t l = l0 * 10 + l1;
        if (n - i - 4 < l) [[unlikely]]
            return false;
        const std::string_view v(reinterpret_cast<const char*>(p + i + 4), l);
        const uint16_t tag = static_cast<uint16_t>(p[i] << 8 | p[i + 1]);
        switch (tag) {
            case 'D' << 8 | 'I':
                if (put_scrubbed(out.device_id, v, masked, out, tf_device_id)) out.truncated |= tf_device_id;
                break;
            case 'I' << 8 | 'P':
                if (put_scrubbed(out.ip, v, masked, out, tf_ip)) out.truncated |= tf_ip;
                break;
            case 'E' << 8 | 'M':
                if (put_scrubbed(out.email, v, masked, out, tf_email)) out.truncated |= tf_email;
                break;
            default:
                break;  // another producer's sub-element: skipped by its length
        }
        i += 4 + l;
    }
    return true;
}

// Scrubs a stack buffer that held a clear PAN; the call cannot be elided as a dead store.
inline void scrub(void* p, std::size_t n) noexcept { explicit_bzero(p, n); }

}  // namespace

bool iso_rt::infer_transmission_time(const unsigned (&part)[5], int64_t ref_ms, int64_t& out) noexcept {
    return txscreen::infer_transmission_time(part, ref_ms, out);
}

reject_reason decode_iso8583(const uint8_t* msg, std::size_t len, const iso_decode_context& ctx,
                             Txn& out, iso_reject_detail* detail) noexcept {
    pan_stash pan;
    const reject_reason r = decode_iso8583_deferred(msg, len, ctx, out, pan, detail);
    if (r == reject_reason::none) ctx.tokenizer->tokenize_stashed(&pan, &out, 1);  // wipes `pan`
    return r;
}

namespace {

// One instantiation per family (0: ASCII + binary bitmaps, 1: ASCII + hex bitmaps,
// 2: BCD + binary bitmaps): every family test below is a compile-time constant, so each
// decoder carries only its own conversions and none of the others' branches. Pass 1
// reads the feed's own rule table (fields the default map does not keep may differ from
// 1987); pass 2 is compiled for the family. `where` gets the field of a pass-1 reject
// when pass 1 knows it.
template <int Family>
reject_reason decode_fields(const uint8_t* msg, std::size_t len, const iso_wire& wire, const iso_decode_context& ctx,
                            Txn& out, pan_stash& stash, iso_reject_detail& where) noexcept {
    constexpr bool bcd = Family == 2;
    constexpr bool hex = Family == 1;
    const wire_rule* rules = wire.tables->rules.data();
    const uint8_t* p = msg;
    const uint8_t* const end = msg + len;

    // ---- MTI
    const unsigned mti_bytes = bcd ? 2 : 4;
    if (len < mti_bytes) [[unlikely]]
        return reject_reason::iso_truncated;
    // The MTI is at offset 0, so it is assembled in a register instead of read with
    // read_number's load that reaches back before the field.
    uint64_t mti_word;
    if (bcd) {
        uint16_t m;
        std::memcpy(&m, p, 2);
        mti_word = uint64_t{m} << 48;
    } else {
        uint32_t m;
        std::memcpy(&m, p, 4);
        mti_word = uint64_t{m} << 32 | 0x30303030u;
    }
    if (!(bcd ? bcd8_digits(mti_word) : ascii8_digits(mti_word))) [[unlikely]]
        return reject_reason::iso_bad_mti;
    out.mti = static_cast<uint16_t>(bcd ? bcd8_value(mti_word) : ascii8_value(mti_word));
    p += mti_bytes;

    // ---- bitmaps
    uint64_t bitmap[2] = {0, 0};
    if (reject_reason r = read_bitmap(p, end, hex, bitmap[0]); r != reject_reason::none) [[unlikely]]
        return r;
    constexpr uint64_t bit1 = uint64_t{1} << 63;
    const unsigned words = bitmap[0] & bit1 ? 2 : 1;
    if (words == 2) {
        if (reject_reason r = read_bitmap(p, end, hex, bitmap[1]); r != reject_reason::none) [[unlikely]]
            return r;
    }
    bitmap[0] &= ~bit1;
    if ((bitmap[0] | bitmap[1]) == 0) [[unlikely]]
        return reject_reason::iso_bad_bitmap;

    // ---- pass 1: walk the fields
    // Where each kept field's content starts and its length in the field's units, as
    // two scalar arrays (a {off, len} pair is assembled in a vector register by GCC).
    uint32_t pos_off[slot_count];
    uint32_t pos_len[slot_count];
    uint32_t present = 0;
    // Offsets instead of pointers: `off` may pass `len` on a truncated message; that is
    // caught before anything is read there (a length prefix) or at the end of the walk,
    // so fixed fields, most of them, cost no bounds check of their own.
    std::size_t off = static_cast<std::size_t>(p - msg);
    for (unsigned w = 0; w < words; ++w) {
        // Bit-reversed, field 1 + 64w is bit 0: the walk clears the lowest set bit
        // (one-cycle blsr) instead of finding and clearing the highest (a 3-op chain).
        uint64_t bits = reverse_bits(bitmap[w]);
        while (bits) {
            const unsigned i = static_cast<unsigned>(__builtin_ctzll(bits));
            bits &= bits - 1;
            const wire_rule& rule = rules[w * 64 + i + 1];
            std::size_t content_len, wire;
            if (rule.prefix == 0) [[likely]] {
                content_len = rule.max;
                wire = rule.fixed_bytes;
            } else {
                const unsigned prefix_bytes = bcd ? rule.prefix - 1u : rule.prefix;
                if (off + prefix_bytes > len) [[unlikely]]
                    return reject_reason::iso_truncated;  // an earlier fixed field may have overrun
                content_len = read_length_prefix(msg + off, rule.prefix, bcd);
                if (content_len > rule.max) [[unlikely]]
                    return where = {static_cast<uint8_t>(w * 64 + i + 1), static_cast<uint32_t>(off)},
                           reject_reason::iso_bad_length_prefix;
                off += prefix_bytes;
                wire = rule.pack == pk_bytes ? content_len
                       : rule.pack == pk_nibbles ? (content_len + 1) / 2
                                                 : content_len * 2;
            }
            // Unconditional: fields txscreen does not keep land in slot 0 (s_none), which
            // nothing reads; a branch on the slot would only cost a prediction.
            pos_off[rule.slot] = static_cast<uint32_t>(off);
            pos_len[rule.slot] = static_cast<uint32_t>(content_len);
            present |= 1u << rule.slot;
            off += wire;
        }
    }
    if (off != len) [[unlikely]]
        return off > len ? reject_reason::iso_truncated : reject_reason::iso_trailing_bytes;

    // A request (even function digit: 0100, 0200, 0420) needs the PAN, the amount and
    // field 7. A response (odd: 0110, 0210, 0430) is known by its request's key instead
    // (flow/pairing.h): it needs 7, 11 and 39; 2 and 4 may be absent.
    const bool response = mti_is_response(out.mti);
    constexpr uint32_t request_fields = 1u << s_pan | 1u << s_amount | 1u << s_xmit_time;
    constexpr uint32_t response_fields = 1u << s_xmit_time | 1u << s_stan | 1u << s_response;
    const uint32_t required = response ? response_fields : request_fields;
    if ((present & required) != required) [[unlikely]] {
        // The first missing in the order the map lists them (2, 4, 7 / 7, 11, 39).
        static constexpr uint8_t request_order[] = {2, 4, 7}, response_order[] = {7, 11, 39};
        for (uint8_t f : response ? response_order : request_order)
            if (!((present >> slot_of(f)) & 1u)) {
                where = {f, 0};
                break;
            }
        return reject_reason::iso_missing_field;
    }

    auto at = [&](slot s) { return msg + pos_off[s]; };
    auto has = [&](slot s) { return (present >> s) & 1u; };

    // ---- pass 2: convert
    if (has(s_tertiary)) {
        // Fields 129-192 have no 1987 definition: a set bit names a field we cannot skip.
        const uint8_t* t = at(s_tertiary);
        unsigned any = 0;
        for (unsigned i = 0; i < (hex ? 16u : 8u); ++i) any |= hex ? hex_values[t[i]] != 0 : t[i];
        if (any) [[unlikely]]
            return where = {65, pos_off[s_tertiary]}, reject_reason::iso_unsupported_field;
    }

    // PAN: validated now, tokenized after every other check has passed. ASCII dialects
    // read it in place; BCD unpacks it into a stack buffer that is scrubbed afterwards.
    // Only a response may lack it.
    char pan_buf[19];
    const char* pan = pan_buf;
    const bool has_pan = has(s_pan);
    const std::size_t pan_len = has_pan ? pos_len[s_pan] : 0;
    if (bcd) {
        const uint8_t* src = has_pan ? at(s_pan) : msg;
        unsigned nib = pan_len & 1;
        for (std::size_t i = 0; i < pan_len; ++i, ++nib) {
            const uint8_t b = src[nib >> 1];
            pan_buf[i] = static_cast<char>('0' + ((nib & 1) ? (b & 0x0f) : (b >> 4)));
        }
    } else if (has_pan) [[likely]] {
        pan = reinterpret_cast<const char*>(at(s_pan));
    }
    reject_reason result = reject_reason::none;
    unsigned masked = 0;  // PANs masked in text fields (pan_scrub.h)
    unsigned bad_field = 0;  // the field a pass-2 reject names (set on the reject paths only)
    if (has_pan && !pan_valid(pan, pan_len)) [[unlikely]] {
        result = reject_reason::bad_pan;
        bad_field = 2;
        goto done;
    }

    uint64_t v;
    if (has(s_proc) && !read_digit_text<6>(at(s_proc), bcd, out.processing_code)) [[unlikely]]
        { bad_field = 3; goto bad_numeric; }
    if (has(s_amount)) [[likely]] {
        if (!read_number<12>(at(s_amount), bcd, v)) [[unlikely]]
            { bad_field = 4; goto bad_numeric; }
        out.amount_minor = static_cast<int64_t>(v);
    }
    {
        unsigned part[5];
        if (!read_pairs<5>(at(s_xmit_time), bcd, part)) [[unlikely]]
            { bad_field = 7; goto bad_numeric; }
        if (!infer_transmission_time(part, ctx.reference_time_ms, out.event_time_ms)) [[unlikely]]
            { bad_field = 7; goto bad_date; }
    }
    if (has(s_stan) && !read_digit_text<6>(at(s_stan), bcd, out.stan)) [[unlikely]]
        { bad_field = 11; goto bad_numeric; }
    if (has(s_local_time)) {
        unsigned t[3];  // hh mm ss
        if (!read_pairs<3>(at(s_local_time), bcd, t)) [[unlikely]]
            { bad_field = 12; goto bad_numeric; }
        if (t[0] > 23 || t[1] > 59 || t[2] > 59) [[unlikely]]
            { bad_field = 12; goto bad_date; }
        out.local_time = t[0] * 10000 + t[1] * 100 + t[2];
    }
    if (has(s_local_date)) {
        unsigned d[2];  // MM DD
        if (!read_pairs<2>(at(s_local_date), bcd, d)) [[unlikely]]
            { bad_field = 13; goto bad_numeric; }
        if (d[0] < 1 || d[0] > 12 || d[1] < 1 || d[1] > 31) [[unlikely]]
            { bad_field = 13; goto bad_date; }
        out.local_date = static_cast<uint16_t>(d[0] * 100 + d[1]);
    }
    if (has(s_expiry)) {
        unsigned e[2];  // YY MM
        if (!read_pairs<2>(at(s_expiry), bcd, e)) [[unlikely]]
            { bad_field = 14; goto bad_numeric; }
        if (e[1] < 1 || e[1] > 12) [[unlikely]]
            { bad_field = 14; goto bad_date; }
        out.expiry_yymm = static_cast<uint16_t>(e[0] * 100 + e[1]);
    }
    if (has(s_mcc)) {
        if (!read_number<4>(at(s_mcc), bcd, v)) [[unlikely]]
            { bad_field = 18; goto bad_numeric; }
        out.mcc = static_cast<uint16_t>(v);
    }
    if (has(s_entry_mode) && !read_digit_text<3>(at(s_entry_mode), bcd, out.pos_entry_mode)) [[unlikely]]
        { bad_field = 22; goto bad_numeric; }
    if (has(s_condition) && !read_digit_text<2>(at(s_condition), bcd, out.pos_condition)) [[unlikely]]
        { bad_field = 25; goto bad_numeric; }
    if (has(s_acquirer)) {
        const unsigned n = std::min(pos_len[s_acquirer], 11u);  // pass 1 checked <= 11
        if constexpr (!bcd) {
            // Copied straight from the message: staging the digits in a stack buffer
            // and reading them back as one vector stalls on store forwarding.
            const uint8_t* a = at(s_acquirer);
            unsigned bad = 0;
            for (unsigned i = 0; i < n; ++i) bad |= static_cast<unsigned>(a[i] - '0') > 9;
            if (bad) [[unlikely]]
                { bad_field = 32; goto bad_numeric; }
            put_text(out.acquirer_id, reinterpret_cast<const char*>(a), n);  // capacity 11: never cut
        } else {
            char text[12];
            if (!read_digit_text(at(s_acquirer), n, bcd, text)) [[unlikely]]
                { bad_field = 32; goto bad_numeric; }
            put_text(out.acquirer_id, text, n);
        }
    }
    // Not scanned for PANs: fields 32, 38, 39, 41 (at most 11 characters, no PAN fits)
    // and 37, the RRN, 12 characters that are digits by convention (YDDDhhnnnnnn): one
    // genuine RRN in ten would pass Luhn and be masked, destroying the message's key.
    if (has(s_rrn)) copy_trimmed<12>(at(s_rrn), out.rrn);
    if (has(s_auth)) copy_trimmed<6>(at(s_auth), out.auth_code);
    if (has(s_response)) std::memcpy(out.response_code, at(s_response), 2);
    if (has(s_terminal)) copy_trimmed<8>(at(s_terminal), out.terminal_id);
    // Fields 42 and 102 fit their Txn fields whole: masked in place in the copy. The
    // candidate test reads the wire bytes, not the copy just stored (a 64-byte load over
    // fresh smaller stores stalls on store forwarding: +20 ns per message measured).
    if (has(s_merchant)) {
        copy_trimmed<15>(at(s_merchant), out.merchant_id);
        if (pan_scrub_candidate(reinterpret_cast<const char*>(at(s_merchant)), 15)) [[unlikely]]
            if (const unsigned k = scrub_pans_parse(out.merchant_id.data, out.merchant_id.len)) {
                masked += k;
                out.masked_fields |= tf_merchant_id;
            }
    }
    if (has(s_name_loc)) {
        // Common layout: name 22, city 13, state 3, country 2; every part fits its Txn field.
        // PANs are looked for over the whole 40 bytes, so one written across the name
        // and the city is found too; only a field that may hold one is copied first.
        const uint8_t* f = at(s_name_loc);
        // trimmed_len reads up to 7 bytes before a short field (on the wire, earlier
        // fields): the copy keeps 8 bytes of room in front of it.
        alignas(8) uint8_t room[8 + 40];
        if (pan_scrub_candidate(reinterpret_cast<const char*>(f), 40)) [[unlikely]] {
            uint8_t* scrubbed = room + 8;
            std::memset(room, ' ', 8);
            std::memcpy(scrubbed, f, 40);
            if (const unsigned k = scrub_pans_parse(reinterpret_cast<char*>(scrubbed), 40)) {
                masked += k;
                out.masked_fields |= tf_merchant_name | tf_city | tf_region;
            }
            f = scrubbed;
        }
        copy_trimmed<22>(f, out.merchant_name);
        copy_trimmed<13>(f + 22, out.city);
        copy_trimmed<3>(f + 35, out.region);
        copy_trimmed<2>(f + 38, out.country);
    }
    if (has(s_additional) && !parse_additional_data(at(s_additional), pos_len[s_additional], out, masked)) [[unlikely]] {
        result = reject_reason::iso_bad_length_prefix;
        bad_field = 48;
        goto done;
    }
    if (has(s_currency)) {
        // 1987 allows "a or n 3": numeric codes are the norm, alpha codes are accepted.
        const uint8_t* c = at(s_currency);
        const unsigned d0 = c[0] - '0', d1 = c[1] - '0', d2 = c[2] - '0';
        const currency_info* info =
            d0 <= 9 && d1 <= 9 && d2 <= 9 ? currency_by_numeric(static_cast<uint16_t>(d0 * 100 + d1 * 10 + d2))
                                : currency_by_alpha({reinterpret_cast<const char*>(c), 3});
        if (!info) [[unlikely]] {
            result = reject_reason::unknown_currency;
            bad_field = 49;
            goto done;
        }
        out.currency = info->numeric;
        out.currency_exponent = info->exponent;
    } else {
        out.currency = 0;  // absent: unknown currency, amounts read as 2 decimals
        out.currency_exponent = 2;
    }
    if (has(s_account)) {
        const char* account = reinterpret_cast<const char*>(at(s_account));
        if (put_text(out.account_id, account, pos_len[s_account])) out.truncated |= tf_account_id;
        if (pan_scrub_candidate(account, pos_len[s_account])) [[unlikely]]  // 28 at most: never cut
            if (const unsigned k = scrub_pans_parse(out.account_id.data, out.account_id.len)) {
                masked += k;
                out.masked_fields |= tf_account_id;
            }
    }
    out.pans_masked = static_cast<uint8_t>(masked < 255 ? masked : 255);

    // Channel: ATM by MCC; e-commerce by entry mode (01 manual key / 81 e-commerce)
    // together with condition 59 (e-commerce); everything else is card present.
    if (out.mcc == 6011) {
        out.chan = channel::atm;
    } else if (out.pos_condition[0] == '5' && out.pos_condition[1] == '9' &&
               ((out.pos_entry_mode[0] == '0' || out.pos_entry_mode[0] == '8') && out.pos_entry_mode[1] == '1')) {
        out.chan = channel::ecom;
    } else {
        out.chan = channel::pos;
    }

    // Tokenized later, several messages at once (tokenize_stashed): the stash is now
    // the only copy of the clear PAN outside the wire bytes. A response's PAN is
    // checked but never stashed: its token is its paired request's.
    if (has_pan) [[likely]] {
        apply_pan_fields(pan, pan_len, out);
        if (!response) [[likely]]
            stash.hold(pan_stash::kind::pan, pan, pan_len);
    }
    goto done;

bad_numeric:
    result = reject_reason::iso_bad_numeric;
    goto done;
bad_date:
    result = reject_reason::iso_bad_date;
done:
    if (bad_field) [[unlikely]]
        where = {static_cast<uint8_t>(bad_field), pos_off[slot_of(bad_field)]};
    if (bcd) scrub(pan_buf, sizeof pan_buf);
    return result;
}

// A context built without a wire (tests, tools) reads the built-in binary dialect.
[[gnu::noinline, gnu::cold]] const iso_wire& default_wire() noexcept {
    static const iso_wire& binary = builtin_wire("binary");
    return binary;
}

// Where a fast-path reject lies: pass 1 knows; for the rest the generic decoder, which
// rejects the same messages for the same reasons (tests/codec/test_iso_wire.cpp), walks
// the message again. Rejects only, so the fast path's accepted messages pay nothing.
void fill_detail(const uint8_t* msg, std::size_t len, const iso_wire& w, int64_t ref_ms,
                 const iso_reject_detail& where, iso_reject_detail& detail) noexcept {
    if (where.field) {
        detail = where;
        return;
    }
    Txn scratch;
    pan_stash pan;
    pan.len = 0;
    decode_generic(msg, len, w, ref_ms, scratch, pan, &detail);
    explicit_bzero(pan.text, sizeof pan.text);
}

}  // namespace

reject_reason decode_iso8583_deferred(const uint8_t* msg, std::size_t len, const iso_decode_context& ctx,
                                      Txn& out, pan_stash& stash, iso_reject_detail* detail) noexcept {
    stash.what = pan_stash::kind::none;
    stash.len = 0;
    clear_record(out);
    out.format = payload_format::iso8583;
    const iso_wire& w = ctx.wire ? *ctx.wire : default_wire();
    iso_reject_detail where{};
    reject_reason r;
    switch (w.fast_family) {
        case 0: r = decode_fields<0>(msg, len, w, ctx, out, stash, where); break;
        case 1: r = decode_fields<1>(msg, len, w, ctx, out, stash, where); break;
        case 2: r = decode_fields<2>(msg, len, w, ctx, out, stash, where); break;
        default: return decode_generic(msg, len, w, ctx.reference_time_ms, out, stash, detail);
    }
    if (r != reject_reason::none && detail) [[unlikely]]
        fill_detail(msg, len, w, ctx.reference_time_ms, where, *detail);
    return r;
}

}  // namespace txscreen
