// The dialect-driven encoder (src/codec/iso8583_encode.cpp): byte for byte what the
// encoder txscreen shipped before dialect files wrote (tests/codec/legacy_iso_encode.h)
// for the built-in binary, hex and bcd dialects on thousands of random transactions;
// EBCDIC as the same bytes through the code page; ISO 8583:1993 and the encodings no
// built-in uses (right-padded BCD, binary and byte-count prefixes, header bytes, hex
// EBCDIC bitmaps, primary-only bitmaps, sub-field layouts) against hand-built bytes.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "codec/dialect_texts.h"
#include "codec/ebcdic.h"
#include "codec/iso8583.h"
#include "codec/iso8583_encode.h"
#include "codec/iso_dialect.h"
#include "codec/iso_map.h"
#include "codec/iso_wire.h"
#include "common/pan_token.h"
#include "config/config_errors.h"
#include "tests/codec/legacy_iso_encode.h"
#include "tests/codec/visa62_field.h"

using namespace txscreen;

namespace {

// A wire built here from the dialect text and its base's default map: the encoder reads
// only the dialect and the map, so the test does not depend on compile_wire.
iso_wire wire_from(std::string_view text, std::string_view source = "test.toml") {
    iso_wire w;
    config_errors errors;
    REQUIRE(iso::parse_dialect_toml(text, source, w.dialect, errors));
    INFO(errors.first());
    const iso::map_def* map = iso::default_map(w.dialect.standard);
    REQUIRE(map);
    w.map = *map;
    w.name = w.dialect.name;
    return w;
}

std::vector<uint8_t> encode(const clear_txn& t, const iso_wire& w) {
    std::vector<uint8_t> out;
    encode_iso8583(t, w, out);
    return out;
}

std::vector<uint8_t> legacy(const clear_txn& t, legacy_iso::iso_dialect d) {
    std::vector<uint8_t> out;
    legacy_iso::encode_iso8583(t, d, out);
    return out;
}

// Random transactions that reach every branch of the legacy encoder: empty and overlong
// values (cut at the field's maximum), any byte in text, unknown currencies, each
// channel with and without explicit entry mode and condition, responses without a PAN,
// and the sensitive fields.
class txn_source {
public:
    explicit txn_source(uint32_t seed) : _rng(seed) {}

    clear_txn next() {
        clear_txn t;
        t.event_time_ms = pick(946684800000LL, 4102444799000LL);
        t.pan = chance(10) ? "" : digits(pick(12, 19));
        t.amount_minor = chance(20) ? -pick(0, 1000) : pick(0, 9999999999999LL);
        static const char* currencies[] = {"USD", "EUR", "JPY", "GBP", "KWD", "XQQ", "", "12"};
        t.currency = currencies[pick(0, 7)];
        t.merchant_id = text(0, 20);
        t.merchant_name = text(0, 30);
        t.city = text(0, 16);
        t.region = text(0, 4);
        t.country = text(0, 3);
        t.mcc = static_cast<uint16_t>(pick(0, 9999));
        static const char* channels[] = {"pos", "ecom", "atm"};
        t.channel = channels[pick(0, 2)];
        t.device_id = text(0, 120);
        t.ip = chance(2) ? "" : std::to_string(pick(0, 255)) + "." + std::to_string(pick(0, 255)) + ".0.1";
        t.email = text(0, 40);
        static const uint16_t mtis[] = {100, 110, 200, 210, 420, 430};
        t.mti = mtis[pick(0, 5)];
        t.processing_code = chance(5) ? "" : digits(6);
        t.stan = chance(5) ? "" : digits(pick(1, 8));
        t.rrn = text(0, 14);
        t.terminal_id = text(0, 9);
        t.acquirer_id = chance(3) ? "" : digits(pick(1, 13));
        t.pos_entry_mode = chance(2) ? "" : digits(3);
        t.pos_condition = chance(2) ? "" : digits(2);
        t.auth_code = text(0, 6);
        t.response_code = chance(2) ? "" : digits(2);
        t.expiry_yymm = static_cast<uint16_t>(chance(4) ? 0 : pick(1, 9912));
        t.account_id = text(0, 30);
        if (chance(3)) t.track2 = t.pan + "=" + digits(pick(4, 20));
        if (chance(3)) t.pin_block = hex(16);
        if (chance(3)) t.icc = bytes(pick(1, 300));
        return t;
    }

private:
    int64_t pick(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(_rng); }
    bool chance(int in) { return pick(1, in) == 1; }
    std::string digits(int64_t n) {
        std::string s;
        for (int64_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + pick(0, 9)));
        return s;
    }
    std::string text(int64_t lo, int64_t hi) {
        std::string s;
        const int64_t n = chance(3) ? 0 : pick(lo, hi);
        for (int64_t i = 0; i < n; ++i) s.push_back(static_cast<char>(chance(20) ? pick(0x80, 0xff) : pick(0x20, 0x7e)));
        return s;
    }
    std::string bytes(int64_t n) {
        std::string s;
        for (int64_t i = 0; i < n; ++i) s.push_back(static_cast<char>(pick(0, 255)));
        return s;
    }
    std::string hex(int64_t n) {
        std::string s;
        for (int64_t i = 0; i < n; ++i) s.push_back("0123456789abcdefABCDEF"[pick(0, 21)]);
        return s;
    }
    std::mt19937_64 _rng;
};

std::string as_text(const std::vector<uint8_t>& b) { return std::string(b.begin(), b.end()); }

// An 8-byte bitmap with the given fields (1..64) set, most significant bit first.
std::string bitmap_bytes(std::initializer_list<unsigned> fields) {
    std::string b(8, '\0');
    for (unsigned f : fields) b[(f - 1) / 8] = static_cast<char>(b[(f - 1) / 8] | 0x80 >> (f - 1) % 8);
    return b;
}

std::string hex_of(std::string_view bytes) {
    std::string s;
    for (unsigned char c : bytes) s += std::string(1, "0123456789ABCDEF"[c >> 4]) + "0123456789ABCDEF"[c & 15];
    return s;
}

std::string to_ebcdic(std::string_view s, iso::code_page cp = iso::code_page::cp1047) {
    std::string r;
    for (unsigned char c : s) r.push_back(static_cast<char>(ebcdic::from_latin1(cp)[c]));
    return r;
}

// 2026-11-01T12:34:56.789Z
constexpr int64_t sample_time_ms = 1793536496789;

clear_txn sample_txn() {
    clear_txn t;
    t.event_time_ms = sample_time_ms;
    t.pan = "4111111111111111";
    t.amount_minor = 1234;
    t.stan = "000123";
    t.mcc = 5411;
    t.currency = "USD";
    t.processing_code = "000000";
    return t;
}

}  // namespace

TEST_CASE("the dialect encoder writes the legacy encoder's bytes for binary, hex and bcd", "[encode]") {
    const struct {
        std::string_view text;
        legacy_iso::iso_dialect legacy;
    } cases[] = {{dialect_binary_text(), legacy_iso::iso_dialect::binary_bitmap},
                 {dialect_hex_text(), legacy_iso::iso_dialect::hex_bitmap},
                 {dialect_bcd_text(), legacy_iso::iso_dialect::bcd}};
    for (const auto& c : cases) {
        const iso_wire w = wire_from(c.text);
        INFO("dialect " << w.name);
        txn_source source(42 + static_cast<uint32_t>(c.legacy));
        unsigned differ = 0;
        for (int i = 0; i < 5000; ++i) {
            const clear_txn t = source.next();
            const std::vector<uint8_t> want = legacy(t, c.legacy), got = encode(t, w);
            if (got != want && ++differ <= 3) {
                INFO("txn " << i << "\nwant " << hex_of(as_text(want)) << "\ngot  " << hex_of(as_text(got)));
                CHECK(got == want);
            }
        }
        CHECK(differ == 0);
    }
}

TEST_CASE("EBCDIC is the binary dialect's bytes through the code page, bitmaps untranslated", "[encode]") {
    const iso_wire binary = wire_from(dialect_binary_text());
    const iso_wire cp1047 = wire_from(dialect_ebcdic_text());
    const iso_wire cp037 = wire_from(R"(name = "e037"
base = "ebcdic"
[encoding]
code_page = "cp037"
)");
    txn_source source(7);
    for (int i = 0; i < 3000; ++i) {
        clear_txn t = source.next();
        t.pin_block.clear();  // the one b field: raw in both, so no longer a translation
        const std::string ascii = as_text(encode(t, binary));
        const std::size_t bitmaps = (static_cast<uint8_t>(ascii[4]) & 0x80) ? 16 : 8;
        for (const auto& [w, cp] : {std::pair{&cp1047, iso::code_page::cp1047}, std::pair{&cp037, iso::code_page::cp037}}) {
            const std::string want = to_ebcdic(ascii.substr(0, 4), cp) + ascii.substr(4, bitmaps) +
                                     to_ebcdic(ascii.substr(4 + bitmaps), cp);
            REQUIRE(hex_of(as_text(encode(t, *w))) == hex_of(want));
        }
    }
    // The digits and the space as jPOS's IFE_ classes write them.
    const std::string e = as_text(encode(sample_txn(), cp1047));
    CHECK(e.substr(0, 4) == "\xF0\xF2\xF0\xF0");
    CHECK(e.substr(12, 2) == "\xF1\xF6");  // LL 16 of field 2
}

TEST_CASE("ISO 8583:1993 ASCII: 4-digit MTI, hex bitmap, local date-time in 12, MCC in 26", "[encode]") {
    const iso_wire w = wire_from(dialect_iso93_ascii_text());
    clear_txn t = sample_txn();
    t.mti = 1200;
    t.response_code = "";
    const std::string want = "1200" + hex_of(bitmap_bytes({2, 3, 4, 7, 11, 12, 26, 49})) + "164111111111111111" +
                             "000000" + "000000001234" + "1101123456" + "000123" + "261101123456" + "5411" + "840";
    CHECK(as_text(encode(t, w)) == want);

    // Merchant name, city, region and country share the LLVAR field 43 by the 1987 split.
    t.merchant_name = "CORNER SHOP";
    t.country = "US";
    const std::string got = as_text(encode(t, w));
    const std::string f43 = "40" + std::string("CORNER SHOP") + std::string(11, ' ') + std::string(16, ' ') + "US";
    CHECK(got.find(f43) != std::string::npos);
}

TEST_CASE("the encodings no built-in uses", "[encode]") {
    SECTION("header bytes, right-padded BCD, byte-count and binary prefixes, hex EBCDIC primary bitmap") {
        const iso_wire w = wire_from(R"(name = "odd"
base = "iso8583-1987"
[message]
header = 3
mti = "bcd"
bitmap = "hex-ebcdic"
bitmap_bytes = 8
[encoding]
numeric = "bcd"
text = "ascii"
binary = "binary"
prefix = "binary"
[fields]
2 = { enc = "bcd-right-f", prefix = "bcd", prefix_counts = "bytes" }
11 = { enc = "bcd-right" }
49 = { type = "n", len = 3, enc = "bcd-right" }
)");
        clear_txn t = sample_txn();
        t.pan = "411111111111111";  // 15 digits: odd, so padded
        t.stan = "12345";
        t.account_id = "ACCOUNT";  // field 102: beyond a primary-only bitmap, not sent
        const std::string map_hex = hex_of(bitmap_bytes({2, 3, 4, 7, 11, 12, 13, 18, 22, 25, 49}));
        // header; MTI; bitmap; 2 (LL 8 bytes, F-padded); 3; 4; 7; 11 ("012345"); 12; 13; 18;
        // 22 ("051" left-padded, the dialect's bcd); 25; 49 ("840" right-padded)
        const std::string want = "000000" "0200" + hex_of(to_ebcdic(map_hex)) + "08" "411111111111111F" + "000000" +
                                 "000000001234" + "1101123456" + "012345" + "123456" + "1101" + "5411" + "0051" + "00" +
                                 "8400";
        CHECK(hex_of(as_text(encode(t, w))) == want);
    }
    SECTION("a positional layout from the map, and a TLV with binary lengths after a lead-in") {
        iso_wire w = wire_from(R"(name = "subs"
base = "binary"
[fields.48]
layout = "tlv"
lead = 1
tag_chars = 2
len_digits = 1
len_binary = true
[fields.60]
type = "ans"
len = "LLL"
max = 999
layout = "positional"
[fields.60.sub.1]
type = "n"
len = 4
[fields.60.sub.2]
type = "ans"
len = "LL"
max = 20
)");
        iso::map_entry e;
        e.target = iso::map_target::terminal_id;
        e.from.push_back(iso::map_path{60, {"2"}, 0, 0, "60.2"});
        for (auto& entry : w.map.entries)
            if (entry.target == iso::map_target::terminal_id) entry = e;
        clear_txn t = sample_txn();
        t.terminal_id = "TERM0001";
        t.device_id = "D1";
        t.email = "a@b.c";
        const std::string got = as_text(encode(t, w));
        CHECK(got.find("0140000" "08TERM0001") != std::string::npos);  // LLL 014, sub 1 "0000", LL 08
        CHECK(got.find("0140DI\x02" "D1" "EM\x05" "a@b.c") != std::string::npos);  // LLL 014, lead-in '0'
    }
}

TEST_CASE("a sub-bitmap layout in a binary field packs its sub-fields in their own encodings", "[encode]") {
    iso_wire w = wire_from("name = \"visa62\"\nbase = \"ebcdic\"\n" + std::string(iso_test::visa62_field));
    for (auto& entry : w.map.entries)
        if (entry.target == iso::map_target::stan) entry.from = {iso::map_path{62, {"2"}, 0, 0, "62.2"}};
    clear_txn t = sample_txn();
    t.stan = "987";
    const std::string got = as_text(encode(t, w));
    const std::string sub2 = std::string("\x00\x00\x00\x00\x00\x00\x09\x87", 8);  // 15 digits, left-padded BCD
    // len = "LL" with a binary prefix: one byte (9), as the decoder and docs/feeds.md read it.
    // After field 49 ("840"): the prefix, the sub-bitmap (bit 2 only) and sub-field 2.
    CHECK(hex_of(got.substr(got.size() - 13)) == hex_of(to_ebcdic("840") + "\x09" "\x40" + sub2));
    CHECK(got.find(to_ebcdic("000987")) == std::string::npos);  // 11 no longer sent
}

TEST_CASE("sensitive fields go out only when the dialect defines them", "[encode]") {
    iso_wire w = wire_from(dialect_binary_text());
    clear_txn t = sample_txn();
    t.track2 = "4111111111111111=2912";
    t.pin_block = "0123456789ABCDEF";
    const std::string with = as_text(encode(t, w));
    CHECK(with.find("214111111111111111=2912") != std::string::npos);
    CHECK(with.find("\x01\x23\x45\x67\x89\xAB\xCD\xEF") != std::string::npos);
    w.dialect.fields[35].defined = false;
    w.dialect.fields[52].defined = false;
    const std::string without = as_text(encode(t, w));
    CHECK(without.find("=2912") == std::string::npos);
    CHECK(without.size() == with.size() - 23 - 8);
}

TEST_CASE("the built-in wires encode as their shipped files with the default maps", "[encode]") {
    const std::pair<const char*, std::string_view> shipped[] = {
        {"binary", dialect_binary_text()}, {"hex", dialect_hex_text()}, {"bcd", dialect_bcd_text()},
        {"ebcdic", dialect_ebcdic_text()}, {"iso93-ascii", dialect_iso93_ascii_text()}};
    for (const auto& [name, text] : shipped) {
        INFO("dialect " << name);
        const iso_wire& builtin = builtin_wire(name);
        const iso_wire mine = wire_from(text);
        txn_source source(3);
        for (int i = 0; i < 500; ++i) {
            const clear_txn t = source.next();
            REQUIRE(encode(t, builtin) == encode(t, mine));
        }
    }
}

// ---------------------------------------------------------------------------------
// Round trips: the encoder's bytes read back by the decoder (compile_wire and
// decode_iso8583), with the wire bytes that matter checked by hand as well.

namespace {

const pan_tokenizer& tokenizer() {
    static const pan_tokenizer tok(std::string("0123456789abcdef0123456789ABCDEF"));
    return tok;
}

iso::dialect_def toml_dialect(std::string_view text) {
    iso::dialect_def d;
    config_errors errors;
    const bool ok = iso::parse_dialect_toml(text, "link.toml", d, errors);
    INFO(errors.first());
    REQUIRE(ok);
    return d;
}

iso::dialect_def xml_dialect(const std::string& xml) {
    iso::dialect_def d;
    config_errors errors;
    const bool ok = iso::parse_jpos_xml(xml, "link.xml", d, errors);
    INFO(errors.first());
    REQUIRE(ok);
    return d;
}

// What a feed gets: the dialect and the map compiled for the decoder. nullptr (with the
// message in `error`) when compile_wire refuses them.
std::shared_ptr<const iso_wire> compiled(const iso::dialect_def& d, std::string* error = nullptr,
                                         const iso::map_def* map = nullptr) {
    config_errors errors;
    auto w = compile_wire(d, map ? *map : *iso::default_map(d.standard), "feed.toml", errors);
    if (error) *error = errors.first();
    return w;
}

struct decoded {
    reject_reason r = reject_reason::none;
    Txn t{};
    iso_reject_detail where;
};

decoded decode(const iso_wire& w, const std::vector<uint8_t>& m) {
    decoded d;
    const iso_decode_context ctx{&tokenizer(), &w, sample_time_ms};
    d.r = decode_iso8583(m.data(), m.size(), ctx, d.t, &d.where);
    return d;
}

// A transaction that fills every field the default 1987 map reads.
clear_txn full_txn() {
    clear_txn t = sample_txn();
    t.acquirer_id = "12345678901";
    t.rrn = "RRN000000042";
    t.terminal_id = "TERM0001";
    t.merchant_id = "MERCHANT0000001";
    t.merchant_name = "CORNER SHOP";
    t.city = "SPRINGFIELD";
    t.region = "IL";
    t.country = "US";
    t.device_id = "DEVICE-1";
    t.ip = "10.1.2.3";
    t.email = "a@b.co";
    t.account_id = "ACCT-77";
    t.expiry_yymm = 2912;
    return t;
}

void check_same(const clear_txn& t, const decoded& d) {
    INFO("reject " << reject_name(d.r) << " at field " << int(d.where.field) << ", byte " << d.where.offset);
    REQUIRE(d.r == reject_reason::none);
    CHECK(int(d.t.pan_len) == int(t.pan.size()));
    CHECK(std::string(d.t.card_last4) == t.pan.substr(t.pan.size() - 4));
    CHECK(d.t.amount_minor == t.amount_minor);
    CHECK(std::string(d.t.stan) == t.stan);
    CHECK(d.t.acquirer_id.view() == t.acquirer_id);
    CHECK(std::string(d.t.rrn) == t.rrn);
    CHECK(d.t.terminal_id.view() == t.terminal_id);
    CHECK(d.t.merchant_id.view() == t.merchant_id);
    CHECK(d.t.merchant_name.view() == t.merchant_name);
    CHECK(d.t.city.view() == t.city);
    CHECK(d.t.device_id.view() == t.device_id);
    CHECK(d.t.ip.view() == t.ip);
    CHECK(d.t.email.view() == t.email);
    CHECK(d.t.account_id.view() == t.account_id);
    CHECK(d.t.expiry_yymm == t.expiry_yymm);
    CHECK(d.t.mcc == t.mcc);
    CHECK(d.t.currency == 840);
}

// A jPOS packager of a binary link: BCD MTI and numerics, a binary bitmap, text as
// IF_CHAR, binary length prefixes for 2 (LLH), 48, 55 (LLLH) and 102 (LLH), the
// amount as IFB_AMOUNT (C/D then BCD digits); `more` adds elements.
std::string binary_link_xml(const std::string& more = "") {
    const std::tuple<int, int, const char*> fields[] = {
        {0, 4, "IFB_NUMERIC"},    {1, 16, "IFB_BITMAP"},    {2, 19, "IFB_LLHNUM"},     {3, 6, "IFB_NUMERIC"},
        {4, 13, "IFB_AMOUNT"},    {7, 10, "IFB_NUMERIC"},   {11, 6, "IFB_NUMERIC"},    {12, 6, "IFB_NUMERIC"},
        {13, 4, "IFB_NUMERIC"},   {14, 4, "IFB_NUMERIC"},   {18, 4, "IFB_NUMERIC"},    {22, 3, "IFB_NUMERIC"},
        {25, 2, "IFB_NUMERIC"},   {32, 11, "IFB_LLNUM"},    {37, 12, "IF_CHAR"},       {38, 6, "IF_CHAR"},
        {39, 2, "IF_CHAR"},       {41, 8, "IF_CHAR"},       {42, 15, "IF_CHAR"},       {43, 40, "IF_CHAR"},
        {48, 999, "IFB_LLLHCHAR"}, {49, 3, "IFB_NUMERIC"},  {52, 8, "IFB_BINARY"},     {55, 999, "IFB_LLLHBINARY"},
        {102, 28, "IFB_LLHCHAR"}};
    std::string xml = "<?xml version=\"1.0\"?>\n<isopackager>\n";
    for (const auto& [id, length, cls] : fields)
        xml += "  <isofield id=\"" + std::to_string(id) + "\" length=\"" + std::to_string(length) + "\" name=\"F" +
               std::to_string(id) + "\" class=\"org.jpos.iso." + cls + "\"/>\n";
    return xml + more + "</isopackager>\n";
}

}  // namespace

TEST_CASE("binary length prefixes round-trip: LL takes one byte, LLL two (TOML)", "[encode][roundtrip]") {
    const iso::dialect_def d = toml_dialect(R"(name = "binpfx"
base = "binary"
[fields.2]
prefix = "binary"
[fields.48]
prefix = "binary"
[fields.55]
prefix = "binary"
[fields.102]
prefix = "binary"
)");
    REQUIRE(int(d.fields[2].prefix_digits) == 2);
    REQUIRE(int(d.fields[48].prefix_digits) == 3);
    const auto w = compiled(d);
    REQUIRE(w);
    clear_txn t = full_txn();
    t.icc = std::string(300, '\x9F');  // 55, parsed over: 300 needs the second prefix byte
    const std::vector<uint8_t> m = encode(t, *w);
    const std::string got = as_text(m);
    CHECK(hex_of(got.substr(20, 3)) == "103431");  // after MTI and two bitmaps: 16, then "41"
    CHECK(got.find(std::string("\x00\x22", 2) + "DI08DEVICE-1" "IP0810.1.2.3" "EM06a@b.co") != std::string::npos);
    CHECK(got.find(std::string("\x01\x2C", 2) + std::string(300, '\x9F') + "\x07" "ACCT-77") != std::string::npos);
    check_same(t, decode(*w, m));
}

TEST_CASE("a jPOS binary link round-trips: IFB_LLH*, IFB_LLLH* (999) and IFB_AMOUNT", "[encode][roundtrip]") {
    const iso::dialect_def d = xml_dialect(binary_link_xml());
    std::string error;
    const auto w = compiled(d, &error);  // 48 IFB_LLLHCHAR length 999: a 2-byte prefix holds it
    INFO(error);
    REQUIRE(w);
    clear_txn t = full_txn();
    t.icc = std::string(300, '\x5A');
    const std::vector<uint8_t> m = encode(t, *w);
    const std::string got = as_text(m);
    // MTI (2 bytes BCD), bitmaps (16); 2: one length byte, BCD digits; 3; 4: 'C' then BCD.
    CHECK(hex_of(got.substr(18, 9)) == "104111111111111111");
    CHECK(hex_of(got.substr(27, 3 + 7)) == "000000" + hex_of("C") + "000000001234");
    // 48 (LLLH: 2 bytes), 55 (LLLH, 300 bytes: past what one byte says), 102 (LLH: 1 byte).
    CHECK(got.find(std::string("\x00\x22", 2) + "DI08DEVICE-1" "IP0810.1.2.3" "EM06a@b.co") != std::string::npos);
    CHECK(got.find(std::string("\x01\x2C", 2) + std::string(300, '\x5A') + "\x07" "ACCT-77") != std::string::npos);
    check_same(t, decode(*w, m));
}

TEST_CASE("xn amounts: a C/D sign, then the digits a prefix counts", "[encode][roundtrip]") {
    SECTION("fixed, ASCII") {
        const auto w = compiled(toml_dialect("name = \"xn\"\nbase = \"binary\"\n[fields.4]\ntype = \"xn\"\nlen = 12\n"));
        REQUIRE(w);
        clear_txn t = full_txn();
        const std::vector<uint8_t> m = encode(t, *w);
        CHECK(as_text(m).find("C000000001234") != std::string::npos);
        check_same(t, decode(*w, m));
        t.amount_minor = -250;  // a debit
        const std::vector<uint8_t> debit = encode(t, *w);
        CHECK(as_text(debit).find("D000000000250") != std::string::npos);
        check_same(t, decode(*w, debit));
    }
    SECTION("variable, BCD behind an ASCII prefix of the digit count") {
        const auto w = compiled(toml_dialect(
            "name = \"xn\"\nbase = \"binary\"\n[fields.4]\ntype = \"xn\"\nlen = \"LL\"\nmax = 12\nenc = \"bcd\"\n"));
        REQUIRE(w);
        clear_txn t = full_txn();
        t.amount_minor = 98765;
        const std::vector<uint8_t> m = encode(t, *w);
        CHECK(as_text(m).find(std::string("05C\x09\x87\x65", 6)) != std::string::npos);  // 5 digits, left-padded
        check_same(t, decode(*w, m));
    }
    SECTION("variable, the prefix counting wire bytes") {
        const auto w = compiled(toml_dialect("name = \"xn\"\nbase = \"binary\"\n[fields.4]\ntype = \"xn\"\nlen = \"LL\"\n"
                                             "max = 12\nenc = \"bcd\"\nprefix_counts = \"bytes\"\n"));
        REQUIRE(w);
        clear_txn t = full_txn();
        t.amount_minor = 987654;
        const std::vector<uint8_t> m = encode(t, *w);
        CHECK(as_text(m).find(std::string("04C\x98\x76\x54", 6)) != std::string::npos);  // sign + 3 BCD bytes
        check_same(t, decode(*w, m));
    }
}

TEST_CASE("a jPOS 16-byte sub-bitmap goes out as 8 bytes, and 8 more after bit 1 when needed", "[encode][roundtrip]") {
    const std::string f127 =
        "  <isofieldpackager id=\"127\" length=\"999\" name=\"PRIVATE\" class=\"org.jpos.iso.IFB_LLLHBINARY\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"16\" name=\"BITMAP\" class=\"org.jpos.iso.IFB_BITMAP\"/>\n"
        "    <isofield id=\"3\" length=\"15\" name=\"MERCHANT\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
        "    <isofield id=\"70\" length=\"8\" name=\"TERMINAL\" class=\"org.jpos.iso.IFB_LLHCHAR\"/>\n"
        "  </isofieldpackager>\n";
    const iso::dialect_def d = xml_dialect(binary_link_xml(f127));
    const iso::layout_def& l = d.layouts[d.fields[127].layout_index];
    CHECK(l.extends);
    CHECK(int(l.bitmap_bytes) == 8);
    iso::map_def map = *iso::default_map(d.standard);
    for (iso::map_entry& e : map.entries) {
        if (e.target == iso::map_target::merchant_id) e.from = {iso::map_path{127, {"3"}, 0, 0, "127.3"}};
        if (e.target == iso::map_target::terminal_id) e.from = {iso::map_path{127, {"70"}, 0, 0, "127.70"}};
    }
    std::string error;
    const auto w = compiled(d, &error, &map);
    INFO(error);
    REQUIRE(w);
    clear_txn t = full_txn();
    // Sub-field 70: bit 1 of the first sub-bitmap, then the second (bit 70 = its 6th).
    std::vector<uint8_t> m = encode(t, *w);
    const std::string both = std::string("\x00\x28\xA0\0\0\0\0\0\0\0" "\x04\0\0\0\0\0\0\0", 18) + "MERCHANT0000001" + "\x08" "TERM0001";
    REQUIRE(m.size() > both.size());
    CHECK(hex_of(as_text(m).substr(m.size() - both.size())) == hex_of(both));
    check_same(t, decode(*w, m));
    // Sub-field 3 alone: the first sub-bitmap only, bit 1 clear.
    t.terminal_id.clear();
    m = encode(t, *w);
    const std::string one = std::string("\x00\x17\x20\0\0\0\0\0\0\0", 10) + "MERCHANT0000001";
    CHECK(hex_of(as_text(m).substr(m.size() - one.size())) == hex_of(one));
    check_same(t, decode(*w, m));
}

TEST_CASE("an open slice [from:] runs to the end of the field", "[encode][roundtrip]") {
    iso_wire w = wire_from(dialect_iso93_ascii_text());
    std::vector<iso::map_entry> kept;
    for (iso::map_entry& e : w.map.entries) {
        if (e.target == iso::map_target::region || e.target == iso::map_target::country) continue;
        if (e.target == iso::map_target::city) e.from = {iso::map_path{43, {}, 22, 0xFFFF, "43[22:]"}};
        kept.push_back(e);
    }
    w.map.entries = kept;
    clear_txn t = full_txn();
    t.mti = 1200;
    t.response_code.clear();
    t.region.clear();
    t.country.clear();
    const std::string got = as_text(encode(t, w));
    // LLVAR 43: the name padded to its 22, then the city to the end, no padding after it.
    CHECK(got.find("33" "CORNER SHOP" + std::string(11, ' ') + "SPRINGFIELD") != std::string::npos);
    // Fixed (1987's ans 40): to the field's end, padded to it.
    iso_wire w87 = wire_from(dialect_binary_text());
    for (iso::map_entry& e : w87.map.entries)
        if (e.target == iso::map_target::city) e.from = {iso::map_path{43, {}, 22, 0xFFFF, "43[22:]"}};
    t.mti = 200;
    CHECK(as_text(encode(t, w87)).find("CORNER SHOP" + std::string(11, ' ') + "SPRINGFIELD" + std::string(7, ' ')) !=
          std::string::npos);
    // And the decoder reads the city back from a wire compiled with the same map.
    std::string error;
    const auto compiled93 = compiled(w.dialect, &error, &w.map);
    INFO(error);
    REQUIRE(compiled93);
    const decoded back = decode(*compiled93, encode(t = full_txn(), *compiled93));
    REQUIRE(back.r == reject_reason::none);
    CHECK(back.t.city.view() == "SPRINGFIELD");
    CHECK(back.t.merchant_name.view() == "CORNER SHOP");
}
