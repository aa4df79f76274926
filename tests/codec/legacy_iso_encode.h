// The ISO 8583 encoder txscreen shipped before dialect files (src/codec/iso8583.cpp up to
// issue #16), moved here verbatim with the 1987 table it packs by, as an oracle: the
// dialect-driven encoder (src/codec/iso8583_encode.cpp) must write the same bytes for
// the built-in binary, hex and bcd dialects (tests/codec/test_iso_encode.cpp). Test-only.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "codec/clear_txn.h"
#include "common/civil_time.h"
#include "common/currency.h"

namespace txscreen::legacy_iso {

enum class iso_dialect : uint8_t { binary_bitmap = 0, hex_bitmap = 1, bcd = 2 };

// The 1987 data elements

enum class elem_type : uint8_t {
    n,    // numeric digits
    an,   // alphanumeric
    ans,  // alphanumeric and special
    ns,   // numeric and special
    b,    // binary; `max` counts bytes
    z,    // track 2/3 code set (digits and '=' separator)
    xn,   // 'C' or 'D' followed by `max` digits (credit/debit amount)
};

enum class elem_len : uint8_t { fixed = 0, llvar = 2, lllvar = 3 };  // value = prefix digits

struct data_element {
    elem_type type;
    elem_len len;
    uint16_t max;  // characters (n/z: digits; xn: digits after the sign; b: bytes)
};

constexpr data_element fx(elem_type t, uint16_t m) { return {t, elem_len::fixed, m}; }
constexpr data_element ll(elem_type t, uint16_t m) { return {t, elem_len::llvar, m}; }
constexpr data_element lll(elem_type t, uint16_t m) { return {t, elem_len::lllvar, m}; }

using T = elem_type;

// Index = field number. Field 1 is the secondary bitmap, field 65 the tertiary bitmap
// (an 8-byte b field here); both are bitmaps, handled by the decoder itself.
constexpr std::array<data_element, 129> iso1987 = {{
    /*   0 */ fx(T::b, 0),  // unused (the MTI)
    /*   1 */ fx(T::b, 8),      // bitmap, secondary
    /*   2 */ ll(T::n, 19),     // primary account number
    /*   3 */ fx(T::n, 6),      // processing code
    /*   4 */ fx(T::n, 12),     // amount, transaction
    /*   5 */ fx(T::n, 12),     // amount, settlement
    /*   6 */ fx(T::n, 12),     // amount, cardholder billing
    /*   7 */ fx(T::n, 10),     // transmission date & time MMDDhhmmss
    /*   8 */ fx(T::n, 8),      // amount, cardholder billing fee
    /*   9 */ fx(T::n, 8),      // conversion rate, settlement
    /*  10 */ fx(T::n, 8),      // conversion rate, cardholder billing
    /*  11 */ fx(T::n, 6),      // systems trace audit number
    /*  12 */ fx(T::n, 6),      // time, local transaction hhmmss
    /*  13 */ fx(T::n, 4),      // date, local transaction MMDD
    /*  14 */ fx(T::n, 4),      // date, expiration YYMM
    /*  15 */ fx(T::n, 4),      // date, settlement
    /*  16 */ fx(T::n, 4),      // date, conversion
    /*  17 */ fx(T::n, 4),      // date, capture
    /*  18 */ fx(T::n, 4),      // merchant type (MCC)
    /*  19 */ fx(T::n, 3),      // acquiring institution country code
    /*  20 */ fx(T::n, 3),      // PAN extended, country code
    /*  21 */ fx(T::n, 3),      // forwarding institution country code
    /*  22 */ fx(T::n, 3),      // point of service entry mode
    /*  23 */ fx(T::n, 3),      // card sequence number
    /*  24 */ fx(T::n, 3),      // network international identifier
    /*  25 */ fx(T::n, 2),      // point of service condition code
    /*  26 */ fx(T::n, 2),      // point of service PIN capture code
    /*  27 */ fx(T::n, 1),      // authorization identification response length
    /*  28 */ fx(T::xn, 8),     // amount, transaction fee
    /*  29 */ fx(T::xn, 8),     // amount, settlement fee
    /*  30 */ fx(T::xn, 8),     // amount, transaction processing fee
    /*  31 */ fx(T::xn, 8),     // amount, settlement processing fee
    /*  32 */ ll(T::n, 11),     // acquiring institution identification code
    /*  33 */ ll(T::n, 11),     // forwarding institution identification code
    /*  34 */ ll(T::ns, 28),    // primary account number, extended
    /*  35 */ ll(T::z, 37),     // track 2 data (never copied)
    /*  36 */ lll(T::n, 104),   // track 3 data
    /*  37 */ fx(T::an, 12),    // retrieval reference number
    /*  38 */ fx(T::an, 6),     // authorization identification response
    /*  39 */ fx(T::an, 2),     // response code
    /*  40 */ fx(T::an, 3),     // service restriction code
    /*  41 */ fx(T::ans, 8),    // card acceptor terminal identification
    /*  42 */ fx(T::ans, 15),   // card acceptor identification code
    /*  43 */ fx(T::ans, 40),   // card acceptor name/location
    /*  44 */ ll(T::an, 25),    // additional response data
    /*  45 */ ll(T::an, 76),    // track 1 data (never copied)
    /*  46 */ lll(T::an, 999),  // additional data - ISO
    /*  47 */ lll(T::an, 999),  // additional data - national
    /*  48 */ lll(T::an, 999),  // additional data - private (txscreen sub-elements)
    /*  49 */ fx(T::an, 3),     // currency code, transaction (a or n 3)
    /*  50 */ fx(T::an, 3),     // currency code, settlement
    /*  51 */ fx(T::an, 3),     // currency code, cardholder billing
    /*  52 */ fx(T::b, 8),      // personal identification number data (never copied)
    /*  53 */ fx(T::n, 16),     // security related control information
    /*  54 */ lll(T::an, 120),  // additional amounts
    /*  55 */ lll(T::ans, 999), // reserved ISO (ICC data; never copied)
    /*  56 */ lll(T::ans, 999), // reserved ISO
    /*  57 */ lll(T::ans, 999), // reserved national
    /*  58 */ lll(T::ans, 999), // reserved national
    /*  59 */ lll(T::ans, 999), // reserved national
    /*  60 */ lll(T::ans, 999), // reserved national
    /*  61 */ lll(T::ans, 999), // reserved private
    /*  62 */ lll(T::ans, 999), // reserved private
    /*  63 */ lll(T::ans, 999), // reserved private
    /*  64 */ fx(T::b, 8),      // message authentication code
    /*  65 */ fx(T::b, 8),      // bitmap, tertiary
    /*  66 */ fx(T::n, 1),      // settlement code
    /*  67 */ fx(T::n, 2),      // extended payment code
    /*  68 */ fx(T::n, 3),      // receiving institution country code
    /*  69 */ fx(T::n, 3),      // settlement institution country code
    /*  70 */ fx(T::n, 3),      // network management information code
    /*  71 */ fx(T::n, 4),      // message number
    /*  72 */ fx(T::n, 4),      // message number, last
    /*  73 */ fx(T::n, 6),      // date, action YYMMDD
    /*  74 */ fx(T::n, 10),     // credits, number
    /*  75 */ fx(T::n, 10),     // credits reversal, number
    /*  76 */ fx(T::n, 10),     // debits, number
    /*  77 */ fx(T::n, 10),     // debits reversal, number
    /*  78 */ fx(T::n, 10),     // transfer, number
    /*  79 */ fx(T::n, 10),     // transfer reversal, number
    /*  80 */ fx(T::n, 10),     // inquiries, number
    /*  81 */ fx(T::n, 10),     // authorizations, number
    /*  82 */ fx(T::n, 12),     // credits, processing fee amount
    /*  83 */ fx(T::n, 12),     // credits, transaction fee amount
    /*  84 */ fx(T::n, 12),     // debits, processing fee amount
    /*  85 */ fx(T::n, 12),     // debits, transaction fee amount
    /*  86 */ fx(T::n, 16),     // credits, amount
    /*  87 */ fx(T::n, 16),     // credits reversal, amount
    /*  88 */ fx(T::n, 16),     // debits, amount
    /*  89 */ fx(T::n, 16),     // debits reversal, amount
    /*  90 */ fx(T::n, 42),     // original data elements
    /*  91 */ fx(T::an, 1),     // file update code
    /*  92 */ fx(T::an, 2),     // file security code
    /*  93 */ fx(T::an, 5),     // response indicator
    /*  94 */ fx(T::an, 7),     // service indicator
    /*  95 */ fx(T::an, 42),    // replacement amounts
    /*  96 */ fx(T::b, 8),      // message security code
    /*  97 */ fx(T::xn, 16),    // amount, net settlement
    /*  98 */ fx(T::ans, 25),   // payee
    /*  99 */ ll(T::n, 11),     // settlement institution identification code
    /* 100 */ ll(T::n, 11),     // receiving institution identification code
    /* 101 */ ll(T::ans, 17),   // file name
    /* 102 */ ll(T::ans, 28),   // account identification 1
    /* 103 */ ll(T::ans, 28),   // account identification 2
    /* 104 */ lll(T::ans, 100), // transaction description
    /* 105 */ lll(T::ans, 999), // reserved ISO
    /* 106 */ lll(T::ans, 999),
    /* 107 */ lll(T::ans, 999),
    /* 108 */ lll(T::ans, 999),
    /* 109 */ lll(T::ans, 999),
    /* 110 */ lll(T::ans, 999),
    /* 111 */ lll(T::ans, 999),
    /* 112 */ lll(T::ans, 999), // reserved national
    /* 113 */ lll(T::ans, 999),
    /* 114 */ lll(T::ans, 999),
    /* 115 */ lll(T::ans, 999),
    /* 116 */ lll(T::ans, 999),
    /* 117 */ lll(T::ans, 999),
    /* 118 */ lll(T::ans, 999),
    /* 119 */ lll(T::ans, 999),
    /* 120 */ lll(T::ans, 999), // reserved private
    /* 121 */ lll(T::ans, 999),
    /* 122 */ lll(T::ans, 999),
    /* 123 */ lll(T::ans, 999),
    /* 124 */ lll(T::ans, 999),
    /* 125 */ lll(T::ans, 999),
    /* 126 */ lll(T::ans, 999),
    /* 127 */ lll(T::ans, 999),
    /* 128 */ fx(T::b, 8),      // message authentication code
}};

constexpr std::array<uint8_t, 256> make_hex_values() {
    std::array<uint8_t, 256> t{};
    for (auto& v : t) v = 0xff;
    for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 6; ++i) t['A' + i] = t['a' + i] = static_cast<uint8_t>(10 + i);
    return t;
}
constexpr std::array<uint8_t, 256> hex_values = make_hex_values();



struct field_value {
    bool present = false;
    std::string content;  // n/z/xn: characters; an/ans: text; b: raw bytes
};

inline void put_digits_bcd(std::vector<uint8_t>& out, std::string_view digits) {
    // Right-justified: an odd count gets a leading 0 nibble. Non-digits keep their low
    // nibble, which maps the track 2 separator '=' (0x3D) to D.
    const std::size_t n = digits.size();
    std::size_t i = 0;
    if (n & 1) out.push_back(static_cast<uint8_t>(digits[i++] & 0x0f));
    for (; i < n; i += 2)
        out.push_back(static_cast<uint8_t>((digits[i] & 0x0f) << 4 | (digits[i + 1] & 0x0f)));
}

inline void put_length(std::vector<uint8_t>& out, std::size_t l, unsigned prefix_digits, bool bcd) {
    char buf[4];
    std::snprintf(buf, sizeof buf, prefix_digits == 2 ? "%02zu" : "%03zu", l);
    if (!bcd) {
        out.insert(out.end(), buf, buf + prefix_digits);
    } else {
        // LL: one byte; LLL: two bytes, so a leading 0 digit pads it to four nibbles.
        put_digits_bcd(out, prefix_digits == 2 ? std::string_view(buf, 2) : std::string_view(buf, 3));
    }
}

inline void put_bitmap(std::vector<uint8_t>& out, uint64_t bits, bool hex) {
    if (!hex) {
        for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(bits >> s));
        return;
    }
    static constexpr char digits[] = "0123456789ABCDEF";
    for (int s = 60; s >= 0; s -= 4) out.push_back(static_cast<uint8_t>(digits[(bits >> s) & 15]));
}

inline void put_field(std::vector<uint8_t>& out, unsigned f, std::string content, iso_dialect dialect) {
    const data_element& e = iso1987[f];
    const bool bcd = dialect == iso_dialect::bcd;
    if (e.len == elem_len::fixed) {
        const std::size_t want = e.type == T::xn ? e.max + 1u : e.max;
        if (e.type == T::n || e.type == T::xn) {
            // Numbers are right-justified with leading zeros; extra leading digits are cut.
            const std::size_t first = e.type == T::xn ? 1 : 0;
            std::string digits = content.substr(std::min(first, content.size()));
            const std::size_t nd = e.max;
            if (digits.size() > nd) digits.erase(0, digits.size() - nd);
            digits.insert(0, nd - digits.size(), '0');
            content = e.type == T::xn ? std::string(1, content.empty() ? 'C' : content[0]) + digits : digits;
        } else if (e.type == T::b) {
            content.resize(want, '\0');
        } else {
            content.resize(want, ' ');  // text is left-justified, space padded
        }
    } else {
        if (content.size() > e.max) content.resize(e.max);
        put_length(out, content.size(), static_cast<unsigned>(e.len), bcd);
    }
    if (bcd && (e.type == T::n || e.type == T::z)) {
        put_digits_bcd(out, content);
    } else if (bcd && e.type == T::xn) {
        out.push_back(static_cast<uint8_t>(content[0]));
        put_digits_bcd(out, std::string_view(content).substr(1));
    } else if (dialect == iso_dialect::hex_bitmap && e.type == T::b) {
        static constexpr char digits[] = "0123456789ABCDEF";
        for (unsigned char c : content) {
            out.push_back(static_cast<uint8_t>(digits[c >> 4]));
            out.push_back(static_cast<uint8_t>(digits[c & 15]));
        }
    } else {
        out.insert(out.end(), content.begin(), content.end());
    }
}

inline std::string fixed_width(std::string_view s, std::size_t n) {
    std::string r(s.substr(0, std::min(s.size(), n)));
    r.resize(n, ' ');
    return r;
}

inline std::string zero_padded(uint64_t v, unsigned width) {
    std::string s(width, '0');
    for (unsigned i = width; i-- > 0 && v;) {
        s[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return s;
}

inline std::string hex_to_bytes(std::string_view hex) {
    std::string r;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        const uint8_t hi = hex_values[static_cast<uint8_t>(hex[i])], lo = hex_values[static_cast<uint8_t>(hex[i + 1])];
        r.push_back(static_cast<char>((hi & 15) << 4 | (lo & 15)));
    }
    return r;
}


inline void encode_iso8583(const clear_txn& t, iso_dialect dialect, std::vector<uint8_t>& out) {
    std::array<field_value, 129> v{};
    auto set = [&](unsigned f, std::string s) {
        v[f].present = true;
        v[f].content = std::move(s);
    };

    const civil_time ct = civil_from_ms(t.event_time_ms);
    const civil_date date = ct.date;
    const int64_t sod = ct.ms_of_day / 1000;
    const unsigned hh = static_cast<unsigned>(sod / 3600), mi = static_cast<unsigned>(sod / 60 % 60),
                   ss = static_cast<unsigned>(sod % 60);
    const std::string mmdd = zero_padded(date.month, 2) + zero_padded(date.day, 2);
    const std::string hhmmss = zero_padded(hh, 2) + zero_padded(mi, 2) + zero_padded(ss, 2);

    // Channel travels as MCC 6011 (ATM) or entry mode 81x + condition 59 (e-commerce).
    const bool atm = t.channel == "atm", ecom = t.channel == "ecom";
    const uint16_t mcc = atm ? 6011 : t.mcc;

    if (!t.pan.empty()) set(2, t.pan);  // a response may omit it
    set(3, t.processing_code.empty() ? "000000" : t.processing_code);
    set(4, zero_padded(t.amount_minor > 0 ? static_cast<uint64_t>(t.amount_minor) : 0, 12));
    set(7, mmdd + hhmmss);
    if (!t.stan.empty()) set(11, t.stan);
    set(12, hhmmss);
    set(13, mmdd);
    if (t.expiry_yymm != 0) set(14, zero_padded(t.expiry_yymm, 4));
    set(18, zero_padded(mcc, 4));
    set(22, !t.pos_entry_mode.empty() ? t.pos_entry_mode : ecom ? "812" : "051");
    set(25, !t.pos_condition.empty() ? t.pos_condition : ecom ? "59" : atm ? "02" : "00");
    if (!t.acquirer_id.empty()) set(32, t.acquirer_id);
    if (!t.track2.empty()) set(35, t.track2);
    if (!t.rrn.empty()) set(37, t.rrn);
    if (!t.auth_code.empty()) set(38, t.auth_code);
    if (!t.response_code.empty()) set(39, t.response_code);
    if (!t.terminal_id.empty()) set(41, t.terminal_id);
    if (!t.merchant_id.empty()) set(42, t.merchant_id);
    if (!t.merchant_name.empty() || !t.city.empty() || !t.region.empty() || !t.country.empty())
        set(43, fixed_width(t.merchant_name, 22) + fixed_width(t.city, 13) + fixed_width(t.region, 3) +
                    fixed_width(t.country, 2));
    std::string additional;
    auto sub_element = [&](const char* tag, const std::string& value) {
        if (value.empty()) return;
        const std::string cut = value.substr(0, 99);
        additional += tag + zero_padded(cut.size(), 2) + cut;
    };
    sub_element("DI", t.device_id);
    sub_element("IP", t.ip);
    sub_element("EM", t.email);
    if (!additional.empty()) set(48, additional);
    if (!t.currency.empty()) {
        // Known alpha codes go out as the numeric code; anything else is sent as given
        // (1987 allows "a or n"), so a feed can carry an unknown code to test rejects.
        const currency_info* c = currency_by_alpha(t.currency);
        set(49, c ? zero_padded(c->numeric, 3) : t.currency);
    }
    if (!t.pin_block.empty()) set(52, hex_to_bytes(t.pin_block));
    if (!t.icc.empty()) set(55, t.icc);
    if (!t.account_id.empty()) set(102, t.account_id);

    uint64_t bitmap[2] = {0, 0};
    for (unsigned f = 2; f <= 128; ++f)
        if (v[f].present) bitmap[(f - 1) / 64] |= uint64_t{1} << (63 - (f - 1) % 64);
    if (bitmap[1]) bitmap[0] |= uint64_t{1} << 63;

    const bool bcd = dialect == iso_dialect::bcd;
    const std::string mti = zero_padded(t.mti, 4);
    if (bcd)
        put_digits_bcd(out, mti);
    else
        out.insert(out.end(), mti.begin(), mti.end());
    put_bitmap(out, bitmap[0], dialect == iso_dialect::hex_bitmap);
    if (bitmap[1]) put_bitmap(out, bitmap[1], dialect == iso_dialect::hex_bitmap);
    for (unsigned f = 2; f <= 128; ++f)
        if (v[f].present) put_field(out, f, std::move(v[f].content), dialect);
}

}  // namespace txscreen::legacy_iso
