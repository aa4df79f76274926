// ISO 8583:1987 decoder/encoder tests. The wire vectors below are written by hand from
// the 1987 field definitions (one line per field), never produced by encode_iso8583, so
// they check the decoder against the standard rather than against our own encoder.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "codec/iso8583.h"
#include "codec/iso_wire.h"
#include "common/currency.h"
#include "legacy_iso_encode.h"

using namespace txscreen;

namespace {

// The three dialects before dialect files, as the shipped files that replace them;
// messages are written with the encoder of that time (legacy_iso_encode.h).
using legacy_iso::encode_iso8583;
using legacy_iso::iso_dialect;

std::string_view iso_dialect_name(iso_dialect d) {
    return d == iso_dialect::bcd ? "bcd" : d == iso_dialect::hex_bitmap ? "hex" : "binary";
}

const iso_wire& wire_of(iso_dialect d) { return builtin_wire(iso_dialect_name(d)); }

const pan_tokenizer& test_tokenizer() {
    static const pan_tokenizer tok(std::string("0123456789abcdef0123456789ABCDEF"));  // 32 bytes
    return tok;
}

// Builds a message from ASCII pieces and hex-written binary pieces.
struct wire {
    std::vector<uint8_t> b;
    wire& a(std::string_view s) {
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    wire& x(std::string_view hex) {
        auto v = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
            if (hex[i] == ' ') {
                --i;
                continue;
            }
            b.push_back(static_cast<uint8_t>(v(hex[i]) << 4 | v(hex[i + 1])));
        }
        return *this;
    }
};

reject_reason decode(const std::vector<uint8_t>& m, iso_dialect d, Txn& t,
                     int64_t ref_ms = 1'797'292'800'000 /* 2026-12-15T00:00:00Z */) {
    iso_decode_context ctx;
    ctx.tokenizer = &test_tokenizer();
    ctx.wire = &wire_of(d);
    ctx.reference_time_ms = ref_ms;
    return decode_iso8583(m.data(), m.size(), ctx, t);
}

bool txn_contains(const Txn& t, const void* needle, std::size_t n) {
    const auto* hay = reinterpret_cast<const uint8_t*>(&t);
    const auto* nd = static_cast<const uint8_t*>(needle);
    return std::search(hay, hay + sizeof t, nd, nd + n) != hay + sizeof t;
}

std::string cstr(const char* s) { return s; }

// ----------------------------------------------------------------------------------
// The full vector: MTI 0200 with primary + secondary bitmap and fields
// 2 3 4 7 11 12 13 14 18 22 25 32 35 37 38 39 41 42 43 48 49 52 55 102 128.
//
// Primary bitmap  F2 3C 44 81 2E E1 92 00
//   F2 = fields 1 2 3 4 7      3C = 11 12 13 14      44 = 18 22      81 = 25 32
//   2E = 35 37 38 39           E1 = 41 42 43 48      92 = 49 52 55   00 = none
// Secondary bitmap 00 00 00 00 04 00 00 01
//   04 (fields 97-104) = 102   01 (fields 121-128) = 128

constexpr std::string_view pan = "5500005555555559";
constexpr std::string_view track2 = "5500005555555559=2812101123456789";  // 33 characters
constexpr uint8_t pin_block[8] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};
constexpr uint8_t icc[6] = {0x9F, 0x26, 0x03, 0xAA, 0xBB, 0xCC};
// Field 48: DI len 07 "dev-001", unknown tag XX len 03 "abc", IP len 11, EM len 17 -> 54 chars
constexpr std::string_view field48 = "DI07dev-001XX03abcIP11203.0.113.7EM17alice@example.com";

std::vector<uint8_t> full_binary() {
    wire w;
    w.a("0200")                                          // MTI
        .x("F23C44812EE19200")                           // primary bitmap
        .x("0000000004000001")                           // field 1: secondary bitmap
        .a("16").a(pan)                                  // 2  PAN, LLVAR n..19
        .a("000000")                                     // 3  processing code n6
        .a("000000001999")                               // 4  amount n12 = 19.99
        .a("1231235959")                                 // 7  Dec 31 23:59:59
        .a("000123")                                     // 11 STAN n6
        .a("235959")                                     // 12 local time n6
        .a("1231")                                       // 13 local date n4
        .a("2812")                                       // 14 expiry YYMM n4
        .a("5411")                                       // 18 MCC n4
        .a("051")                                        // 22 POS entry mode n3
        .a("00")                                         // 25 POS condition n2
        .a("06").a("123456")                             // 32 acquirer LLVAR n..11
        .a("33").a(track2)                               // 35 track 2 LLVAR z..37
        .a("RRN000000001")                               // 37 RRN an12
        .a("AB12CD")                                     // 38 auth code an6
        .a("00")                                         // 39 response code an2
        .a("TERM0001")                                   // 41 terminal id ans8
        .a("MERCH001       ")                            // 42 card acceptor id ans15
        .a("CORNER GROCERY        NEW YORK     NY US")   // 43 name 22 + city 13 + state 3 + country 2
        .a("054").a(field48)                             // 48 LLLVAR
        .a("840")                                        // 49 currency USD
        .x("123456789ABCDEF0")                           // 52 PIN block b64
        .a("006").x("9F2603AABBCC")                      // 55 ICC LLLVAR
        .a("10").a("ACCT-00042")                         // 102 account id LLVAR ans..28
        .x("A1A2A3A4A5A6A7A8");                          // 128 MAC b64
    return w.b;
}

std::vector<uint8_t> full_hex() {
    wire w;
    w.a("0200")                                          // MTI
        .a("F23C44812EE19200")                           // primary bitmap, 16 hex chars
        .a("0000000004000001")                           // secondary bitmap, 16 hex chars
        .a("16").a(pan)                                  // 2
        .a("000000")                                     // 3
        .a("000000001999")                               // 4
        .a("1231235959")                                 // 7
        .a("000123")                                     // 11
        .a("235959")                                     // 12
        .a("1231")                                       // 13
        .a("2812")                                       // 14
        .a("5411")                                       // 18
        .a("051")                                        // 22
        .a("00")                                         // 25
        .a("06").a("123456")                             // 32
        .a("33").a(track2)                               // 35
        .a("RRN000000001")                               // 37
        .a("AB12CD")                                     // 38
        .a("00")                                         // 39
        .a("TERM0001")                                   // 41
        .a("MERCH001       ")                            // 42
        .a("CORNER GROCERY        NEW YORK     NY US")   // 43
        .a("054").a(field48)                             // 48
        .a("840")                                        // 49
        .a("123456789ABCDEF0")                           // 52 b64 as 16 hex chars
        .a("006").x("9F2603AABBCC")                      // 55 LLLVAR ans: raw bytes
        .a("10").a("ACCT-00042")                         // 102
        .a("a1a2a3a4a5a6a7a8");                          // 128 b64 as hex (lower case accepted)
    return w.b;
}

std::vector<uint8_t> full_bcd() {
    wire w;
    w.x("0200")                                          // MTI, 2 bytes BCD
        .x("F23C44812EE19200")                           // primary bitmap, binary
        .x("0000000004000001")                           // secondary bitmap, binary
        .x("16").x("5500005555555559")                   // 2  LL 1 byte BCD, 16 digits in 8 bytes
        .x("000000")                                     // 3  n6 in 3 bytes
        .x("000000001999")                               // 4  n12 in 6 bytes
        .x("1231235959")                                 // 7  n10 in 5 bytes
        .x("000123")                                     // 11
        .x("235959")                                     // 12
        .x("1231")                                       // 13
        .x("2812")                                       // 14
        .x("5411")                                       // 18
        .x("0051")                                       // 22 n3: leading 0 nibble + 051
        .x("00")                                         // 25 n2
        .x("06").x("123456")                             // 32 LL=06, 6 digits in 3 bytes
        .x("33")                                         // 35 LL=33 characters -> 17 bytes:
        .x("05 50 00 05 55 55 55 55 9D 28 12 10 11 23 45 67 89")  //    pad 0, '=' as D
        .a("RRN000000001")                               // 37 an: ASCII
        .a("AB12CD")                                     // 38
        .a("00")                                         // 39
        .a("TERM0001")                                   // 41
        .a("MERCH001       ")                            // 42
        .a("CORNER GROCERY        NEW YORK     NY US")   // 43
        .x("0054").a(field48)                            // 48 LLL as 2 bytes BCD
        .a("840")                                        // 49 ASCII
        .x("123456789ABCDEF0")                           // 52 raw
        .x("0006").x("9F2603AABBCC")                     // 55 LLL 2 bytes BCD
        .x("10").a("ACCT-00042")                         // 102 LL 1 byte BCD, ASCII content
        .x("A1A2A3A4A5A6A7A8");                          // 128 raw
    return w.b;
}

void check_full_txn(const Txn& t) {
    CHECK(t.mti == 200);
    CHECK(t.format == payload_format::iso8583);
    CHECK(t.event_time_ms == 1'798'761'599'000);  // 2026-12-31T23:59:59Z
    CHECK(t.amount_minor == 1999);
    CHECK(t.currency == 840);
    CHECK(t.currency_exponent == 2);
    CHECK(t.mcc == 5411);
    CHECK(t.chan == channel::pos);
    CHECK(t.pan_len == 16);
    CHECK(cstr(t.card_bin) == "55000055");
    CHECK(cstr(t.card_last4) == "5559");
    uint8_t want_token[card_token_bytes];
    test_tokenizer().tokenize_pan(pan.data(), pan.size(), want_token);
    CHECK(std::memcmp(t.card_token, want_token, card_token_bytes) == 0);
    CHECK(t.expiry_yymm == 2812);
    CHECK(t.card_id.empty());
    CHECK(t.account_id == "ACCT-00042");
    CHECK(t.txn_id.empty());
    CHECK(cstr(t.stan) == "000123");
    CHECK(cstr(t.rrn) == "RRN000000001");
    CHECK(cstr(t.auth_code) == "AB12CD");
    CHECK(cstr(t.response_code) == "00");
    CHECK(cstr(t.processing_code) == "000000");
    CHECK(cstr(t.pos_entry_mode) == "051");
    CHECK(cstr(t.pos_condition) == "00");
    CHECK(t.local_time == 235959);
    CHECK(t.local_date == 1231);
    CHECK(t.acquirer_id == "123456");
    CHECK(t.terminal_id == "TERM0001");
    CHECK(t.merchant_id == "MERCH001");
    CHECK(t.merchant_name == "CORNER GROCERY");
    CHECK(t.city == "NEW YORK");
    CHECK(t.region == "NY");
    CHECK(cstr(t.country) == "US");
    CHECK(t.device_id == "dev-001");
    CHECK(t.ip == "203.0.113.7");
    CHECK(t.email == "alice@example.com");
    CHECK(t.truncated == 0);
    CHECK(std::isnan(t.lat));
    CHECK(!t.has_coords());
}

// Minimal valid message (binary dialect): fields 2, 4, 7 only. Bitmap 52 = 2 4 7.
wire minimal_head() { return std::move(wire{}.a("0200").x("5200000000000000")); }

}  // namespace

TEST_CASE("hand-written binary-bitmap vector decodes every used field", "[unit][iso8583]") {
    Txn t;
    REQUIRE(decode(full_binary(), iso_dialect::binary_bitmap, t) == reject_reason::none);
    check_full_txn(t);
}

TEST_CASE("hand-written hex-bitmap vector decodes every used field", "[unit][iso8583]") {
    Txn t;
    REQUIRE(decode(full_hex(), iso_dialect::hex_bitmap, t) == reject_reason::none);
    check_full_txn(t);
}

TEST_CASE("hand-written BCD vector decodes every used field", "[unit][iso8583]") {
    Txn t;
    REQUIRE(decode(full_bcd(), iso_dialect::bcd, t) == reject_reason::none);
    check_full_txn(t);
}

TEST_CASE("odd-length BCD PAN and LLLVAR skip of an unused field", "[unit][iso8583]") {
    // Fields 2 4 7 44 (LLVAR an..25, unused): bitmap 52 00 00 00 00 10 00 00
    wire w;
    w.x("0200")
        .x("5200000000100000")
        .x("15").x("0378282246310005")  // 2: 15 digits (Amex test PAN), leading pad nibble
        .x("000000012345")              // 4
        .x("0704120000")                // 7: Jul 4 12:00:00
        .x("05").a("XYZZY");            // 44: LL=05, ASCII
    Txn t;
    REQUIRE(decode(w.b, iso_dialect::bcd, t) == reject_reason::none);
    CHECK(t.pan_len == 15);
    CHECK(cstr(t.card_bin) == "378282");
    CHECK(cstr(t.card_last4) == "0005");
    CHECK(t.amount_minor == 12345);
    CHECK(t.event_time_ms == 1'783'166'400'000);  // 2026-07-04T12:00:00Z
    CHECK(t.currency == 0);                       // field 49 absent
    CHECK(t.currency_exponent == 2);
}

TEST_CASE("fields with no Txn slot are skipped by their 1987 definition", "[unit][iso8583]") {
    // Fields 2 4 5 7 28 (x+n 8) 34 (ns LLVAR) 36 (n LLLVAR) 53 (n16) 90 (n42) 97 (x+n 16)
    // 104 (ans LLLVAR) 127 (LLLVAR) in binary dialect.
    // Primary: 1 2 4 5 7 -> D A = 1101 1010 = DA; 28 -> byte 4 (25-32) 0x10;
    //          34 36 -> byte 5 (33-40) 0x40|0x10 = 50; 53 -> byte 7 (49-56) 0x08.
    // Secondary: 90 -> byte 4 (89-96) 0x40; 97 104 -> byte 5 (97-104) 0x81; 127 -> byte 8 0x02.
    wire w;
    w.a("0200")
        .x("DA00001050000800")
        .x("0000004081000002")
        .a("13").a("4222222222222")                                   // 2 (13-digit Visa test PAN)
        .a("000000000500")                                            // 4
        .a("000000000777")                                            // 5
        .a("0101000010")                                              // 7
        .a("C00000100")                                               // 28 x+n 8
        .a("05").a("12-34")                                           // 34 ns LLVAR
        .a("007").a("1234567")                                        // 36 n LLLVAR
        .a("1234567890123456")                                        // 53 n16
        .a("012345678901234567890123456789012345678901")              // 90 n42
        .a("D0000000000001234")                                       // 97 x+n 16
        .a("011").a("description")                                    // 104 LLLVAR
        .a("000");                                                    // 127 LLLVAR, empty
    Txn t;
    REQUIRE(decode(w.b, iso_dialect::binary_bitmap, t, 1'767'225'600'000 /* 2026-01-01 */) == reject_reason::none);
    CHECK(t.amount_minor == 500);
    CHECK(t.event_time_ms == 1'767'225'610'000);  // 2026-01-01T00:00:10Z
    CHECK(t.pan_len == 13);

    // The same in BCD: x+n is the sign character then BCD digits.
    wire b;
    b.x("0200")
        .x("DA00001050000800")
        .x("0000004081000002")
        .x("13").x("04222222222222")           // 2: 13 digits -> 7 bytes with pad nibble
        .x("000000000500")                     // 4
        .x("000000000777")                     // 5
        .x("0101000010")                       // 7
        .a("C").x("00000100")                  // 28: 'C' + 4 bytes
        .x("05").a("12-34")                    // 34 ns: ASCII
        .x("0007").x("01234567")               // 36 n LLLVAR: 7 digits in 4 bytes
        .x("1234567890123456")                 // 53 n16 in 8 bytes
        .x("012345678901234567890123456789012345678901")  // 90 n42 in 21 bytes
        .a("D").x("0000000000001234")          // 97: 'D' + 8 bytes
        .x("0011").a("description")            // 104
        .x("0000");                            // 127
    REQUIRE(decode(b.b, iso_dialect::bcd, t, 1'767'225'600'000) == reject_reason::none);
    CHECK(t.amount_minor == 500);
    CHECK(t.pan_len == 13);
}

TEST_CASE("sensitive fields 35 45 52 55 never reach the Txn", "[unit][iso8583]") {
    const auto check_clean = [](const Txn& t) {
        CHECK_FALSE(txn_contains(t, pan.data(), pan.size()));
        CHECK_FALSE(txn_contains(t, track2.data(), track2.size()));
        CHECK_FALSE(txn_contains(t, "=2812101123456789", 17));  // track 2 discretionary data
        CHECK_FALSE(txn_contains(t, pin_block, sizeof pin_block));
        CHECK_FALSE(txn_contains(t, pin_block, 4));
        CHECK_FALSE(txn_contains(t, icc, sizeof icc));
        CHECK_FALSE(txn_contains(t, "\x55\x00\x00\x55\x55\x55\x55\x59", 8));  // the PAN as BCD
    };
    Txn t;
    REQUIRE(decode(full_binary(), iso_dialect::binary_bitmap, t) == reject_reason::none);
    check_clean(t);
    REQUIRE(decode(full_hex(), iso_dialect::hex_bitmap, t) == reject_reason::none);
    check_clean(t);
    REQUIRE(decode(full_bcd(), iso_dialect::bcd, t) == reject_reason::none);
    check_clean(t);

    // Track 1 (field 45): fields 2 4 7 45 -> bitmap 52 00 00 00 00 08 00 00
    constexpr std::string_view track1 = "B5500005555555559^DOE/JOHN^28121010000000000000";
    wire w = minimal_head();
    w.b[4 + 5] = 0x08;
    w.a("16").a(pan).a("000000001999").a("1231235959").a(std::to_string(track1.size())).a(track1);
    REQUIRE(decode(w.b, iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK_FALSE(txn_contains(t, "DOE/JOHN", 8));
    CHECK_FALSE(txn_contains(t, track1.data(), track1.size()));
    check_clean(t);
}

TEST_CASE("each malformed message is rejected with its exact reason", "[unit][iso8583]") {
    const auto minimal = [](std::string_view pan_field, std::string_view amount, std::string_view time) {
        wire w = minimal_head();
        w.a(pan_field).a(amount).a(time);
        return w.b;
    };
    const auto good = minimal("16" "5500005555555559", "000000001999", "1231235959");
    Txn t;
    REQUIRE(decode(good, iso_dialect::binary_bitmap, t) == reject_reason::none);

    auto cut = good;
    cut.pop_back();
    CHECK(decode(cut, iso_dialect::binary_bitmap, t) == reject_reason::iso_truncated);
    CHECK(decode({good.begin(), good.begin() + 3}, iso_dialect::binary_bitmap, t) == reject_reason::iso_truncated);
    CHECK(decode({good.begin(), good.begin() + 10}, iso_dialect::binary_bitmap, t) == reject_reason::iso_truncated);
    CHECK(decode({good.begin(), good.begin() + 13}, iso_dialect::binary_bitmap, t) == reject_reason::iso_truncated);

    auto mti = good;
    mti[2] = 'A';  // "02A0"
    CHECK(decode(mti, iso_dialect::binary_bitmap, t) == reject_reason::iso_bad_mti);

    wire empty_bitmap;
    empty_bitmap.a("0200").x("0000000000000000");
    CHECK(decode(empty_bitmap.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_bad_bitmap);
    wire bad_hex;
    bad_hex.a("0200").a("52000G0000000000").a("16").a(pan).a("000000001999").a("1231235959");
    CHECK(decode(bad_hex.b, iso_dialect::hex_bitmap, t) == reject_reason::iso_bad_bitmap);

    CHECK(decode(minimal("1X5500005555555559", "000000001999", "1231235959"), iso_dialect::binary_bitmap, t) ==
          reject_reason::iso_bad_length_prefix);
    CHECK(decode(minimal("205500005555555559", "000000001999", "1231235959"), iso_dialect::binary_bitmap, t) ==
          reject_reason::iso_bad_length_prefix);  // 20 > n..19

    CHECK(decode(minimal("165500005555555559", "00000000199X", "1231235959"), iso_dialect::binary_bitmap, t) ==
          reject_reason::iso_bad_numeric);
    CHECK(decode(minimal("165500005555555559", "000000001999", "12312359 9"), iso_dialect::binary_bitmap, t) ==
          reject_reason::iso_bad_numeric);

    CHECK(decode(minimal("165500005555555559", "000000001999", "1331235959"), iso_dialect::binary_bitmap, t) ==
          reject_reason::iso_bad_date);  // month 13
    CHECK(decode(minimal("165500005555555559", "000000001999", "0431120000"), iso_dialect::binary_bitmap, t) ==
          reject_reason::iso_bad_date);  // April 31
    CHECK(decode(minimal("165500005555555559", "000000001999", "1231246000"), iso_dialect::binary_bitmap, t) ==
          reject_reason::iso_bad_date);  // hour 24

    wire no_amount;  // bitmap 42 = fields 2 7
    no_amount.a("0200").x("4200000000000000").a("16").a(pan).a("1231235959");
    CHECK(decode(no_amount.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_missing_field);
    wire no_pan;  // bitmap 12 = fields 4 7
    no_pan.a("0200").x("1200000000000000").a("000000001999").a("1231235959");
    CHECK(decode(no_pan.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_missing_field);

    auto trailing = good;
    trailing.push_back('0');
    CHECK(decode(trailing, iso_dialect::binary_bitmap, t) == reject_reason::iso_trailing_bytes);

    // Field 65 (tertiary bitmap) with a bit set names fields 129-192, which 1987 does not define.
    wire tertiary;
    tertiary.a("0200").x("D200000000000000").x("8000000000000000");  // 1 2 4 7 | 65
    tertiary.a("16").a(pan).a("000000001999").a("1231235959").x("0000000000000001");
    CHECK(decode(tertiary.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_unsupported_field);
    tertiary.b.back() = 0;  // an all-zero tertiary bitmap names nothing: accepted
    CHECK(decode(tertiary.b, iso_dialect::binary_bitmap, t) == reject_reason::none);

    CHECK(decode(minimal("165500005555555558", "000000001999", "1231235959"), iso_dialect::binary_bitmap, t) ==
          reject_reason::bad_pan);  // Luhn
    CHECK(decode(minimal("11" "55000055555", "000000001999", "1231235959"), iso_dialect::binary_bitmap, t) ==
          reject_reason::bad_pan);  // 11 digits
    CHECK(decode(minimal("16550000555555555A", "000000001999", "1231235959"), iso_dialect::binary_bitmap, t) ==
          reject_reason::bad_pan);

    // Currency: fields 2 4 7 49 -> bitmap 52 00 00 00 00 00 80 00
    const auto with_currency = [&](std::string_view code) {
        wire w;
        w.a("0200").x("5200000000008000").a("16").a(pan).a("000000001999").a("1231235959").a(code);
        return w.b;
    };
    CHECK(decode(with_currency("999"), iso_dialect::binary_bitmap, t) == reject_reason::unknown_currency);
    CHECK(decode(with_currency("XYZ"), iso_dialect::binary_bitmap, t) == reject_reason::unknown_currency);
    REQUIRE(decode(with_currency("392"), iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.currency == 392);
    CHECK(t.currency_exponent == 0);
    REQUIRE(decode(with_currency("KWD"), iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.currency == 414);
    CHECK(t.currency_exponent == 3);

    // Field 48 sub-element whose length runs past the field.
    wire bad48;  // fields 2 4 7 48 -> bitmap 52 00 00 00 00 01 00 00
    bad48.a("0200").x("5200000000010000").a("16").a(pan).a("000000001999").a("1231235959").a("008").a("DI09abcd");
    CHECK(decode(bad48.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_bad_length_prefix);
}

TEST_CASE("BCD dialect rejects bad nibbles with the exact reason", "[unit][iso8583]") {
    const auto bcd_msg = [](std::string_view mti, std::string_view pan_ll, std::string_view amount) {
        wire w;
        w.x(mti).x("5200000000000000").x(pan_ll).x("5500005555555559").x(amount).x("1231235959");
        return w.b;
    };
    Txn t;
    REQUIRE(decode(bcd_msg("0200", "16", "000000001999"), iso_dialect::bcd, t) == reject_reason::none);
    CHECK(decode(bcd_msg("02A0", "16", "000000001999"), iso_dialect::bcd, t) == reject_reason::iso_bad_mti);
    CHECK(decode(bcd_msg("0200", "1A", "000000001999"), iso_dialect::bcd, t) == reject_reason::iso_bad_length_prefix);
    CHECK(decode(bcd_msg("0200", "20", "000000001999"), iso_dialect::bcd, t) == reject_reason::iso_bad_length_prefix);
    CHECK(decode(bcd_msg("0200", "16", "00000000199F"), iso_dialect::bcd, t) == reject_reason::iso_bad_numeric);
    wire lll;  // field 48 with LLL nibble 0xA
    lll.x("0200").x("5200000000010000").x("16").x("5500005555555559").x("000000001999").x("1231235959").x("0A00");
    CHECK(decode(lll.b, iso_dialect::bcd, t) == reject_reason::iso_bad_length_prefix);
}

TEST_CASE("channel is derived from MCC, entry mode and condition", "[unit][iso8583]") {
    // Fields 2 4 7 18 22 25: bitmap 52 00 44 80 00 00 00 00
    const auto msg = [](std::string_view mcc, std::string_view entry, std::string_view cond) {
        wire w;
        w.a("0200").x("5200448000000000").a("16").a(pan).a("000000001999").a("1231235959");
        w.a(mcc).a(entry).a(cond);
        return w.b;
    };
    Txn t;
    REQUIRE(decode(msg("6011", "051", "02"), iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.chan == channel::atm);
    REQUIRE(decode(msg("6011", "812", "59"), iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.chan == channel::atm);  // MCC wins
    REQUIRE(decode(msg("5999", "812", "59"), iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.chan == channel::ecom);
    REQUIRE(decode(msg("5999", "012", "59"), iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.chan == channel::ecom);
    REQUIRE(decode(msg("5999", "812", "00"), iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.chan == channel::pos);
    REQUIRE(decode(msg("5999", "021", "59"), iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.chan == channel::pos);
}

TEST_CASE("field 7 year is inferred across New Year", "[unit][iso8583]") {
    const auto msg = [](std::string_view mmddhhmmss) {
        wire w = minimal_head();
        w.a("16").a(pan).a("000000001999").a(mmddhhmmss);
        return w.b;
    };
    Txn t;
    // Reference just after midnight 2027-01-01: Dec 31 belongs to 2026.
    REQUIRE(decode(msg("1231235959"), iso_dialect::binary_bitmap, t, 1'798'761'630'000) == reject_reason::none);
    CHECK(t.event_time_ms == 1'798'761'599'000);
    // Reference just before midnight 2026-12-31: Jan 1 belongs to 2027.
    REQUIRE(decode(msg("0101000010"), iso_dialect::binary_bitmap, t, 1'798'761'540'000) == reject_reason::none);
    CHECK(t.event_time_ms == 1'798'761'610'000);
    // Reference 2026-06-01: Jan 1 2026 (5 months back) beats Jan 1 2027 (7 months ahead).
    REQUIRE(decode(msg("0101000010"), iso_dialect::binary_bitmap, t, 1'780'272'000'000) == reject_reason::none);
    CHECK(t.event_time_ms == 1'767'225'610'000);
    // Reference 2026-07-10: Jan 1 2027 (175 days ahead) is now nearer than 2026 (190 back).
    REQUIRE(decode(msg("0101000010"), iso_dialect::binary_bitmap, t, 1'783'641'600'000) == reject_reason::none);
    CHECK(t.event_time_ms == 1'798'761'610'000);
    // 29 February: accepted near a leap year, out of range otherwise.
    REQUIRE(decode(msg("0229120000"), iso_dialect::binary_bitmap, t, 1'832'976'000'000) == reject_reason::none);
    CHECK(t.event_time_ms == 1'835'438'400'000);  // 2028-02-29T12:00:00Z
    CHECK(decode(msg("0229120000"), iso_dialect::binary_bitmap, t, 1'772'323'200'000) == reject_reason::iso_bad_date);
    // 2100 is not a leap year (century rule); 2400 is.
    CHECK(decode(msg("0229120000"), iso_dialect::binary_bitmap, t, 4'106'332'800'000 /* 2100-02-15 */) ==
          reject_reason::iso_bad_date);
    REQUIRE(decode(msg("0229120000"), iso_dialect::binary_bitmap, t, 13'573'353'600'000 /* 2400-02-15 */) ==
            reject_reason::none);
    CHECK(t.event_time_ms == 13'574'606'400'000);  // 2400-02-29T12:00:00Z
    // A reference before 1970 takes the general calendar path.
    REQUIRE(decode(msg("1231235959"), iso_dialect::binary_bitmap, t, -86'400'000 /* 1969-12-31 */) ==
            reject_reason::none);
    CHECK(t.event_time_ms == -1'000);  // 1969-12-31T23:59:59Z
}

TEST_CASE("long field 48 values are truncated and flagged", "[unit][iso8583]") {
    const std::string dev(60, 'd'), email(90, 'e');
    const std::string f48 = "DI60" + dev + "EM90" + email;
    wire w;  // fields 2 4 7 48
    w.a("0200").x("5200000000010000").a("16").a(pan).a("000000001999").a("1231235959").a("158").a(f48);
    Txn t;
    REQUIRE(decode(w.b, iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.device_id.view() == dev.substr(0, 40));
    CHECK(t.email.view() == email.substr(0, 64));
    CHECK(t.truncated == (tf_device_id | tf_email));
}

TEST_CASE("the built-in dialects load by name", "[unit][iso8583]") {
    CHECK(builtin_wire("binary").fast_family == 0);
    CHECK(builtin_wire("hex").fast_family == 1);
    CHECK(builtin_wire("bcd").fast_family == 2);
    CHECK_THROWS_AS(builtin_wire("binary_bitmap"), std::invalid_argument);
    for (std::string_view name : {"binary", "hex", "bcd"}) CHECK(builtin_wire(name).name == name);
}

// ----------------------------------------------------------------------------------
// Round trip

namespace {

std::string luhn_pan(std::mt19937_64& rng, std::size_t len) {
    std::string s(len - 1, '0');
    s[0] = static_cast<char>('1' + rng() % 9);
    for (std::size_t i = 1; i < s.size(); ++i) s[i] = static_cast<char>('0' + rng() % 10);
    unsigned sum = 0;
    bool dbl = true;
    for (std::size_t i = s.size(); i-- > 0;) {
        unsigned d = s[i] - '0';
        if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        dbl = !dbl;
    }
    return s + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string random_text(std::mt19937_64& rng, std::size_t min, std::size_t max) {
    static constexpr std::string_view chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-&'#/";
    std::size_t n = min + rng() % (max - min + 1);
    std::string s(n, ' ');
    for (auto& c : s) c = chars[rng() % chars.size()];
    if (n) s.back() = chars[rng() % 62];  // no trailing space: the wire pads with spaces
    return s;
}

std::string random_digits(std::mt19937_64& rng, std::size_t n) {
    std::string s(n, '0');
    for (auto& c : s) c = static_cast<char>('0' + rng() % 10);
    return s;
}

clear_txn random_txn(std::mt19937_64& rng) {
    static const char* currencies[] = {"USD", "EUR", "JPY", "KWD", "GBP", "CLF", ""};
    static const char* channels[] = {"pos", "ecom", "atm"};
    clear_txn t;
    t.pan = luhn_pan(rng, 12 + rng() % 8);
    t.event_time_ms = 1'580'000'000'000 + static_cast<int64_t>(rng() % 400'000'000'000);
    t.amount_minor = static_cast<int64_t>(rng() % 1'000'000'000'000);
    t.currency = currencies[rng() % 7];
    t.channel = channels[rng() % 3];
    do t.mcc = static_cast<uint16_t>(rng() % 10000);
    while (t.mcc == 6011);
    t.merchant_id = random_text(rng, 1, 15);
    t.merchant_name = random_text(rng, 0, 22);
    t.city = random_text(rng, 0, 13);
    t.region = random_text(rng, 0, 3);
    t.country = rng() % 5 ? random_text(rng, 2, 2) : "";
    if (rng() % 2) t.device_id = random_text(rng, 1, 40);
    if (rng() % 2) t.ip = random_text(rng, 7, 45);
    if (rng() % 2) t.email = random_text(rng, 5, 64);
    if (rng() % 3) t.account_id = random_text(rng, 1, 28);
    t.mti = static_cast<uint16_t>(rng() % 2 ? 100 : 200);
    t.processing_code = random_digits(rng, 6);
    t.stan = random_digits(rng, 6);
    t.rrn = random_text(rng, 12, 12);
    t.terminal_id = random_text(rng, 1, 8);
    t.acquirer_id = random_digits(rng, 1 + rng() % 11);
    if (rng() % 2) t.auth_code = random_text(rng, 6, 6);
    if (rng() % 2) t.response_code = random_digits(rng, 2);
    if (rng() % 2) t.expiry_yymm = static_cast<uint16_t>(rng() % 100 * 100 + 1 + rng() % 12);
    if (rng() % 2) t.track2 = t.pan + "=" + random_digits(rng, 1 + rng() % (36 - t.pan.size()));
    if (rng() % 2) t.pin_block = "0123456789ABCDEF";
    if (rng() % 2) t.icc = std::string("\x9f\x26\x08", 3) + random_text(rng, 8, 8);
    return t;
}

}  // namespace

TEST_CASE("encoder -> decoder round trip over random transactions", "[unit][iso8583]") {
    std::mt19937_64 rng(20261215);
    for (int di = 0; di < 3; ++di) {
        const auto dialect = static_cast<iso_dialect>(di);
        INFO("dialect " << iso_dialect_name(dialect));
        for (int i = 0; i < 3000; ++i) {
            const clear_txn c = random_txn(rng);
            std::vector<uint8_t> m;
            encode_iso8583(c, dialect, m);
            // Any reference within ~5 months of the event must give back the same year.
            const int64_t ref = c.event_time_ms + (static_cast<int64_t>(rng() % 300) - 150) * 86'400'000;
            Txn t;
            const reject_reason r = decode(m, dialect, t, ref);
            INFO("txn " << i << " reason " << reject_name(r));
            REQUIRE(r == reject_reason::none);
            REQUIRE(t.event_time_ms == c.event_time_ms / 1000 * 1000);
            REQUIRE(t.amount_minor == c.amount_minor);
            REQUIRE(t.mti == c.mti);
            const currency_info* cur = c.currency.empty() ? nullptr : currency_by_alpha(c.currency);
            REQUIRE(t.currency == (cur ? cur->numeric : 0));
            REQUIRE(t.currency_exponent == (cur ? cur->exponent : 2));
            REQUIRE(t.mcc == (c.channel == "atm" ? 6011 : c.mcc));
            REQUIRE(t.chan == (c.channel == "atm" ? channel::atm : c.channel == "ecom" ? channel::ecom : channel::pos));
            uint8_t tok[card_token_bytes];
            test_tokenizer().tokenize_pan(c.pan.data(), c.pan.size(), tok);
            REQUIRE(std::memcmp(t.card_token, tok, card_token_bytes) == 0);
            REQUIRE(t.pan_len == c.pan.size());
            REQUIRE(cstr(t.card_last4) == c.pan.substr(c.pan.size() - 4));
            REQUIRE(cstr(t.card_bin) == c.pan.substr(0, c.pan.size() >= 16 ? 8 : 6));
            REQUIRE(t.merchant_id == c.merchant_id);
            REQUIRE(t.merchant_name == c.merchant_name);
            REQUIRE(t.city == c.city);
            REQUIRE(t.region == c.region);
            REQUIRE(cstr(t.country) == c.country);
            REQUIRE(t.device_id == c.device_id);
            REQUIRE(t.ip == c.ip);
            REQUIRE(t.email == c.email);
            REQUIRE(t.account_id == c.account_id);
            REQUIRE(cstr(t.processing_code) == c.processing_code);
            REQUIRE(cstr(t.stan) == c.stan);
            REQUIRE(cstr(t.rrn) == c.rrn);
            REQUIRE(t.terminal_id == c.terminal_id);
            REQUIRE(t.acquirer_id == c.acquirer_id);
            REQUIRE(cstr(t.auth_code) == c.auth_code);
            REQUIRE(cstr(t.response_code) == c.response_code);
            REQUIRE(t.expiry_yymm == c.expiry_yymm);
            REQUIRE(t.truncated == 0);
            REQUIRE(t.txn_id.empty());
            if (!c.track2.empty()) REQUIRE_FALSE(txn_contains(t, c.track2.data(), c.track2.size()));
            REQUIRE_FALSE(txn_contains(t, c.pan.data(), c.pan.size()));
        }
    }
}

TEST_CASE("encoder emits a secondary bitmap only for fields above 64", "[unit][iso8583]") {
    clear_txn c;
    c.pan = std::string(pan);
    c.event_time_ms = 1'798'761'599'000;
    c.amount_minor = 1999;
    std::vector<uint8_t> m;
    encode_iso8583(c, iso_dialect::binary_bitmap, m);
    CHECK((m[4] & 0x80) == 0);
    c.account_id = "ACCT-1";
    m.clear();
    encode_iso8583(c, iso_dialect::binary_bitmap, m);
    CHECK((m[4] & 0x80) != 0);
    CHECK(m[12 + 4] == 0x04);  // secondary bitmap byte for fields 97-104: field 102
}

TEST_CASE("corrupted messages give a reason or a consistent Txn, never a crash", "[unit][iso8583]") {
    // Byte flips, truncations and insertions over valid messages of every dialect. Run
    // under ASan/UBSan this also proves every read stays inside the message.
    std::mt19937_64 rng(8583);
    std::size_t rejected = 0, accepted = 0;
    for (int di = 0; di < 3; ++di) {
        const auto dialect = static_cast<iso_dialect>(di);
        for (int i = 0; i < 2000; ++i) {
            std::vector<uint8_t> m;
            encode_iso8583(random_txn(rng), dialect, m);
            switch (rng() % 3) {
                case 0:
                    for (int k = 0; k < 3; ++k) m[rng() % m.size()] = static_cast<uint8_t>(rng());
                    break;
                case 1: m.resize(rng() % m.size()); break;
                default: m.insert(m.begin() + static_cast<long>(rng() % m.size()), static_cast<uint8_t>(rng())); break;
            }
            Txn t;
            const reject_reason r = decode(m, dialect, t);
            REQUIRE(static_cast<std::size_t>(r) < reject_reason_count);
            if (r == reject_reason::none) {
                ++accepted;
                REQUIRE(t.pan_len >= 12);
                REQUIRE(t.pan_len <= 19);
                REQUIRE(t.card_last4[4] == '\0');
                REQUIRE(t.merchant_name.len <= 40);
                REQUIRE(t.email.len <= 64);
            } else {
                ++rejected;
            }
        }
    }
    CHECK(rejected > 3000);  // most corruptions must be caught
    CHECK(accepted + rejected == 6000);
}

TEST_CASE("deferred decode and batch tokenization give the one-shot Txn", "[unit][iso8583]") {
    // The rx stage path: decode_iso8583_deferred for a batch, then one tokenize_stashed.
    std::mt19937_64 rng(1601);
    iso_decode_context ctx;
    ctx.tokenizer = &test_tokenizer();
    ctx.reference_time_ms = 1'797'292'800'000;
    for (int di = 0; di < 3; ++di) {
        const auto dialect = static_cast<iso_dialect>(di);
        ctx.wire = &wire_of(dialect);
        INFO("dialect " << iso_dialect_name(dialect));
        constexpr std::size_t n = 13;
        std::vector<std::vector<uint8_t>> msgs(n);
        std::vector<clear_txn> sent(n);
        for (std::size_t i = 0; i < n; ++i) {
            sent[i] = random_txn(rng);
            sent[i].event_time_ms = ctx.reference_time_ms + static_cast<int64_t>(i) * 1000;
            if (i == 5) sent[i].pan.back() = sent[i].pan.back() == '9' ? '0' : sent[i].pan.back() + 1;  // bad Luhn
            encode_iso8583(sent[i], dialect, msgs[i]);
        }
        std::vector<Txn> batch(n);
        std::vector<pan_stash> stash(n);
        for (std::size_t i = 0; i < n; ++i) {
            std::memset(stash[i].text, 'Q', pan_stash::capacity);
            stash[i].what = pan_stash::kind::pan;
            const reject_reason r = decode_iso8583_deferred(msgs[i].data(), msgs[i].size(), ctx, batch[i], stash[i]);
            REQUIRE(r == (i == 5 ? reject_reason::bad_pan : reject_reason::none));
            if (i == 5) {
                // A reject leaves the stash empty, and no PAN digits in it.
                CHECK(stash[i].what == pan_stash::kind::none);
                CHECK_FALSE(txn_contains(batch[i], sent[i].pan.data(), sent[i].pan.size()));
                CHECK(std::string_view(stash[i].text, pan_stash::capacity).find(sent[i].pan) == std::string_view::npos);
            } else {
                CHECK(stash[i].what == pan_stash::kind::pan);
                CHECK(std::string_view(stash[i].text, stash[i].len) == sent[i].pan);
            }
        }
        test_tokenizer().tokenize_stashed(stash.data(), batch.data(), n);
        for (std::size_t i = 0; i < n; ++i) {
            CHECK(stash[i].what == pan_stash::kind::none);
            CHECK(std::string_view(stash[i].text, pan_stash::capacity).find(sent[i].pan) == std::string_view::npos);
            if (i == 5) continue;
            Txn one;
            REQUIRE(decode(msgs[i], dialect, one, ctx.reference_time_ms) == reject_reason::none);
            INFO("message " << i);
            CHECK(std::memcmp(&one, &batch[i], sizeof one) == 0);
            CHECK_FALSE(txn_contains(batch[i], sent[i].pan.data(), sent[i].pan.size()));
        }
    }
}

TEST_CASE("a Txn reused for a sparse message keeps nothing of the rich one before it", "[unit][iso8583]") {
    // Every byte of an accepted Txn is a function of its message alone: decoding a sparse
    // message over a rich one gives the same bytes as decoding it over garbage.
    std::mt19937_64 rng(4242);
    for (int di = 0; di < 3; ++di) {
        const auto dialect = static_cast<iso_dialect>(di);
        INFO("dialect " << iso_dialect_name(dialect));
        clear_txn rich = random_txn(rng);
        rich.device_id = std::string(40, 'D');
        rich.ip = "2001:db8::1";
        rich.email = std::string(64, 'e');
        rich.account_id = "ACCOUNT-0001";
        rich.expiry_yymm = 2812;
        rich.auth_code = "AUTH01";
        rich.response_code = "00";
        rich.currency = "EUR";
        clear_txn sparse;  // only what the decoder requires: PAN, amount, field 7
        sparse.pan = luhn_pan(rng, 15);
        sparse.event_time_ms = 1'797'292'800'000;
        sparse.amount_minor = 5;
        sparse.currency.clear();
        std::vector<uint8_t> mr, ms;
        encode_iso8583(rich, dialect, mr);
        encode_iso8583(sparse, dialect, ms);
        Txn reused, fresh;
        REQUIRE(decode(mr, dialect, reused, rich.event_time_ms) == reject_reason::none);
        REQUIRE(reused.email.size() == 64);
        std::memset(static_cast<void*>(&fresh), 0xA5, sizeof fresh);
        REQUIRE(decode(ms, dialect, reused) == reject_reason::none);
        REQUIRE(decode(ms, dialect, fresh) == reject_reason::none);
        CHECK(std::memcmp(&reused, &fresh, sizeof fresh) == 0);
        CHECK(reused.email.empty());
        CHECK(reused.device_id.empty());
        CHECK(reused.account_id.empty());
        CHECK(reused.expiry_yymm == 0);
        CHECK(cstr(reused.auth_code).empty());
        CHECK(cstr(reused.card_bin) == sparse.pan.substr(0, 6));
        CHECK(reused.currency == 0);
        CHECK_FALSE(txn_contains(reused, "DDDD", 4));
        CHECK_FALSE(txn_contains(reused, "eeee", 4));
    }
}

TEST_CASE("a non-digit in the acquirer id is a numeric reject in the ASCII dialects", "[unit][iso8583]") {
    for (auto dialect : {iso_dialect::binary_bitmap, iso_dialect::hex_bitmap}) {
        clear_txn c;
        c.pan = std::string(pan);
        c.event_time_ms = 1'797'292'800'000;
        c.amount_minor = 100;
        c.acquirer_id = "12345678901";
        std::vector<uint8_t> m;
        encode_iso8583(c, dialect, m);
        Txn t;
        REQUIRE(decode(m, dialect, t) == reject_reason::none);
        CHECK(t.acquirer_id == "12345678901");
        c.acquirer_id = "1234567890A";
        m.clear();
        encode_iso8583(c, dialect, m);
        CHECK(decode(m, dialect, t) == reject_reason::iso_bad_numeric);
    }
}

TEST_CASE("PANs in text fields are masked in the Txn and counted", "[unit][iso8583][pan_scrub]") {
    for (int di = 0; di < 3; ++di) {
        const auto dialect = static_cast<iso_dialect>(di);
        INFO("dialect " << iso_dialect_name(dialect));
        clear_txn c;
        c.pan = std::string(pan);
        c.event_time_ms = 1'797'292'800'000;
        c.amount_minor = 100;
        c.merchant_id = "378282246310005";              // field 42: a 15-digit Amex number
        c.merchant_name = "S;4111111111111111=29 ";     // field 43 name, 22: track-2 shaped
        c.city = "4222222222222";                       // field 43 city, 13: a 13-digit Visa
        c.device_id = "4111 1111 1111 1111";            // field 48 DI
        c.email = "4111-1111-1111-1111@example.com";    // field 48 EM
        c.account_id = "ACCT 5555555555554444";         // field 102
        std::vector<uint8_t> m;
        encode_iso8583(c, dialect, m);
        Txn t;
        REQUIRE(decode(m, dialect, t) == reject_reason::none);
        CHECK(t.merchant_id == "378282*****0005");
        CHECK(t.merchant_name == "S;411111******1111=**");
        CHECK(t.city == "422222***2222");
        CHECK(t.device_id == "4111 11** **** 1111");
        CHECK(t.email == "4111-11**-****-1111@example.com");
        CHECK(t.account_id == "ACCT 555555******4444");
        CHECK(t.pans_masked == 6);
        CHECK(t.masked_fields == (tf_merchant_id | tf_merchant_name | tf_city | tf_region | tf_device_id |
                                  tf_email | tf_account_id));
        for (const char* clear : {"4111111111111111", "4222222222222", "378282246310005", "5555555555554444",
                                  "1111 1111", "1111-1111"})
            CHECK_FALSE(txn_contains(t, clear, std::strlen(clear)));
        // The card's own PAN (field 2) is not text: tokenized as always, never masked.
        CHECK(cstr(t.card_bin) == std::string(pan.substr(0, 8)));
        CHECK(cstr(t.card_last4) == std::string(pan.substr(12)));
    }
}

TEST_CASE("a PAN across field 43's name and city, or cut by a field's size, is masked", "[unit][iso8583][pan_scrub]") {
    clear_txn c;
    c.pan = std::string(pan);
    c.event_time_ms = 1'797'292'800'000;
    c.amount_minor = 100;
    c.merchant_name = "ACME STORES 4111111111";  // 22: the first 10 digits
    c.city = "111111 PARIS";                     // the last 6 digits follow at once
    c.email = std::string(56, 'e') + "4111111111111111";  // 72: the email field keeps 64
    std::vector<uint8_t> m;
    encode_iso8583(c, iso_dialect::binary_bitmap, m);
    Txn t;
    REQUIRE(decode(m, iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.merchant_name == "ACME STORES 411111****");
    CHECK(t.city == "**1111 PARIS");
    CHECK(t.email == std::string(56, 'e') + "411111**");  // masked before the cut
    CHECK(t.truncated == tf_email);
    CHECK(t.pans_masked == 2);

    // A PAN in the city under an empty name: the name is all padding (the copy that is
    // scanned keeps room in front for trimmed_len's reach; an ASan finding).
    c.merchant_name.clear();
    c.city = "4222222222222";
    c.email.clear();
    for (int di = 0; di < 3; ++di) {
        m.clear();
        encode_iso8583(c, static_cast<iso_dialect>(di), m);
        REQUIRE(decode(m, static_cast<iso_dialect>(di), t) == reject_reason::none);
        CHECK(t.merchant_name.empty());
        CHECK(t.city == "422222***2222");
    }

    // Ordinary text with digits is left as it is, and counts nothing.
    c.merchant_name = "STORE 1123 UNIT 42";
    c.city = "NEW YORK";
    c.email = "user123@example.com";
    c.device_id = "dev-0123456789abcdef";
    c.merchant_id = "TXG000000000123";
    m.clear();
    encode_iso8583(c, iso_dialect::binary_bitmap, m);
    REQUIRE(decode(m, iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.merchant_name == "STORE 1123 UNIT 42");
    CHECK(t.device_id == "dev-0123456789abcdef");
    CHECK(t.merchant_id == "TXG000000000123");
    CHECK(t.pans_masked == 0);
}

TEST_CASE("field 48 sub-elements txscreen does not keep are not counted", "[unit][iso8583][pan_scrub]") {
    const std::string f48 = "XX164111111111111111DI05dev-1";
    wire w;  // fields 2 4 7 48
    w.a("0200").x("5200000000010000").a("16").a(pan).a("000000001999").a("1231235959").a("029").a(f48);
    Txn t;
    REQUIRE(decode(w.b, iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.device_id == "dev-1");
    CHECK(t.pans_masked == 0);
    CHECK_FALSE(txn_contains(t, "4111111111111111", 16));
}

// ----------------------------------------------------------------------------------
// Responses (odd MTI function digit): 7, 11 and 39 required; 2 and 4 optional; a
// response's PAN is never stashed for tokenization (its token is its request's).

TEST_CASE("a response without fields 2 and 4 decodes in every dialect", "[unit][iso8583][response]") {
    // Fields 7 11 38 39 41: bitmap 02 20 00 00 06 80 00 00.
    wire bin, hex, bcd;
    bin.a("0210").x("0220000006800000").a("1231235959").a("004711").a("A1B2C3").a("05").a("TERM0001");
    hex.a("0210").a("0220000006800000").a("1231235959").a("004711").a("A1B2C3").a("05").a("TERM0001");
    bcd.x("0210").x("0220000006800000").x("1231235959").x("004711").a("A1B2C3").a("05").a("TERM0001");
    const std::pair<iso_dialect, const wire*> cases[] = {
        {iso_dialect::binary_bitmap, &bin}, {iso_dialect::hex_bitmap, &hex}, {iso_dialect::bcd, &bcd}};
    for (const auto& [dialect, w] : cases) {
        INFO("dialect " << iso_dialect_name(dialect));
        iso_decode_context ctx;
        ctx.wire = &wire_of(dialect);
        ctx.reference_time_ms = 1'797'292'800'000;
        Txn t;
        pan_stash stash;
        std::memset(stash.text, 'Q', pan_stash::capacity);
        stash.what = pan_stash::kind::pan;
        REQUIRE(decode_iso8583_deferred(w->b.data(), w->b.size(), ctx, t, stash) == reject_reason::none);
        CHECK(stash.what == pan_stash::kind::none);
        CHECK(t.mti == 210);
        CHECK(cstr(t.stan) == "004711");
        CHECK(cstr(t.auth_code) == "A1B2C3");
        CHECK(cstr(t.response_code) == "05");
        CHECK(t.terminal_id == "TERM0001");
        CHECK(t.event_time_ms == 1'798'761'599'000);  // 2026-12-31T23:59:59Z
        CHECK(t.amount_minor == 0);
        CHECK(t.pan_len == 0);
        CHECK(cstr(t.card_bin).empty());
        CHECK(cstr(t.card_last4).empty());
        const uint8_t zero[card_token_bytes] = {};
        Txn one;
        REQUIRE(decode(w->b, dialect, one) == reject_reason::none);  // one-shot: nothing to tokenize
        CHECK(std::memcmp(one.card_token, zero, card_token_bytes) == 0);
    }
}

TEST_CASE("a response needs fields 7, 11 and 39; a request still needs 2, 4 and 7", "[unit][iso8583][response]") {
    Txn t;
    wire no39;  // 0210 with 7 11
    no39.a("0210").x("0220000000000000").a("1231235959").a("004711");
    CHECK(decode(no39.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_missing_field);
    wire no11;  // 0210 with 7 39
    no11.a("0210").x("0200000002000000").a("1231235959").a("00");
    CHECK(decode(no11.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_missing_field);
    wire no7;  // 0210 with 11 39
    no7.a("0210").x("0020000002000000").a("004711").a("00");
    CHECK(decode(no7.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_missing_field);
    wire request;  // 0200 with 7 11 39: a request without 2 and 4
    request.a("0200").x("0220000002000000").a("1231235959").a("004711").a("00");
    CHECK(decode(request.b, iso_dialect::binary_bitmap, t) == reject_reason::iso_missing_field);
    wire reversal;  // 0430 with 7 11 39
    reversal.a("0430").x("0220000002000000").a("1231235959").a("004711").a("00");
    CHECK(decode(reversal.b, iso_dialect::binary_bitmap, t) == reject_reason::none);
    CHECK(t.mti == 430);
}

TEST_CASE("a response that echoes 2 and 4 gives card fields but no stash and no token", "[unit][iso8583][response]") {
    // Fields 2 4 7 11 39: bitmap 52 20 00 00 02 00 00 00.
    wire w;
    w.a("0110").x("5220000002000000").a("16").a(pan).a("000000001999").a("1231235959").a("004711").a("51");
    iso_decode_context ctx;
    ctx.reference_time_ms = 1'797'292'800'000;
    Txn t;
    pan_stash stash;
    REQUIRE(decode_iso8583_deferred(w.b.data(), w.b.size(), ctx, t, stash) == reject_reason::none);
    CHECK(stash.what == pan_stash::kind::none);
    CHECK(std::string_view(stash.text, pan_stash::capacity).find(pan) == std::string_view::npos);
    CHECK(t.amount_minor == 1999);
    CHECK(t.pan_len == 16);
    CHECK(cstr(t.card_bin) == "55000055");
    CHECK(cstr(t.card_last4) == "5559");
    CHECK_FALSE(txn_contains(t, pan.data(), pan.size()));

    auto bad_luhn = w;
    bad_luhn.b[4 + 8 + 2 + 15] = '8';  // last PAN digit
    CHECK(decode(bad_luhn.b, iso_dialect::binary_bitmap, t) == reject_reason::bad_pan);
}

TEST_CASE("a batch mixing requests and responses tokenizes the requests only", "[unit][iso8583][response]") {
    iso_decode_context ctx;
    ctx.reference_time_ms = 1'797'292'800'000;
    std::vector<std::vector<uint8_t>> msgs(4);
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        clear_txn c;
        c.event_time_ms = ctx.reference_time_ms;
        c.stan = "00000" + std::to_string(i);
        c.response_code = "00";
        c.mti = i % 2 ? 210 : 200;
        if (i % 2 == 0) c.pan = std::string(pan);  // responses (odd i) carry no PAN
        encode_iso8583(c, iso_dialect::binary_bitmap, msgs[i]);
    }
    std::vector<Txn> batch(msgs.size());
    std::vector<pan_stash> stash(msgs.size());
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        const reject_reason r = decode_iso8583_deferred(msgs[i].data(), msgs[i].size(), ctx, batch[i], stash[i]);
        REQUIRE(r == reject_reason::none);
    }
    test_tokenizer().tokenize_stashed(stash.data(), batch.data(), batch.size());
    uint8_t tok[card_token_bytes];
    test_tokenizer().tokenize_pan(pan.data(), pan.size(), tok);
    const uint8_t zero[card_token_bytes] = {};
    for (std::size_t i = 0; i < batch.size(); ++i) {
        INFO("message " << i);
        CHECK(stash[i].what == pan_stash::kind::none);
        CHECK(std::memcmp(batch[i].card_token, i % 2 ? zero : tok, card_token_bytes) == 0);
    }
}
