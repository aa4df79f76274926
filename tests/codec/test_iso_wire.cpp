// The compiled wire (iso_wire.cpp) and the generic decoder (iso_generic.cpp): the shipped
// binary/hex/bcd files compile to the rule bytes txscreen decoded by before dialect
// files; the generic decoder agrees with the fast path message by message; EBCDIC,
// ISO 8583:1993 and sub-field maps decode; rejects name their field.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "codec/ebcdic.h"
#include "codec/iso8583.h"
#include "codec/iso_wire.h"
#include "codec/iso_wire_tables.h"
#include "common/response_code.h"
#include "config/config_errors.h"
#include "iso_test_messages.h"
#include "visa62_field.h"

using namespace txscreen;
using legacy_iso::iso_dialect;

namespace {

// ---- The rule table txscreen compiled in before dialect files (iso8583.cpp up to
// issue #16), rebuilt from the 1987 table the legacy encoder packs by.

constexpr uint8_t legacy_pack(legacy_iso::elem_type t, iso_dialect d) {
    using T = legacy_iso::elem_type;
    if (d == iso_dialect::bcd && (t == T::n || t == T::z)) return iso_rt::pk_nibbles;
    if (d == iso_dialect::hex_bitmap && t == T::b) return iso_rt::pk_hex;
    return iso_rt::pk_bytes;
}

constexpr uint16_t legacy_wire_bytes(const legacy_iso::data_element& e, iso_dialect d, unsigned l) {
    if (e.type == legacy_iso::elem_type::xn) return static_cast<uint16_t>(1 + (d == iso_dialect::bcd ? (l + 1) / 2 : l));
    switch (legacy_pack(e.type, d)) {
        case iso_rt::pk_nibbles: return static_cast<uint16_t>((l + 1) / 2);
        case iso_rt::pk_hex: return static_cast<uint16_t>(2 * l);
        default: return static_cast<uint16_t>(l);
    }
}

constexpr std::array<iso_rt::wire_rule, 129> legacy_rules(iso_dialect d) {
    std::array<iso_rt::wire_rule, 129> r{};
    for (unsigned f = 1; f <= 128; ++f) {
        const legacy_iso::data_element& e = legacy_iso::iso1987[f];
        r[f].prefix = static_cast<uint8_t>(e.len);
        r[f].max = e.max;
        r[f].pack = legacy_pack(e.type, d);
        r[f].fixed_bytes = e.len == legacy_iso::elem_len::fixed ? legacy_wire_bytes(e, d, e.max) : 0;
        r[f].slot = iso_rt::slot_of(f);
    }
    return r;
}

const pan_tokenizer& tokenizer() {
    static const pan_tokenizer tok(std::string("0123456789abcdef0123456789ABCDEF"));
    return tok;
}

constexpr int64_t ref_ms = 1'797'292'800'000;  // 2026-12-15T00:00:00Z

std::string_view name_of(iso_dialect d) {
    return d == iso_dialect::bcd ? "bcd" : d == iso_dialect::hex_bitmap ? "hex" : "binary";
}

struct decoded {
    reject_reason r;
    Txn t;
    pan_stash pan;
    iso_reject_detail where;
};

decoded fast(const iso_wire& w, const std::vector<uint8_t>& m) {
    decoded d{};
    iso_decode_context ctx{&tokenizer(), &w, ref_ms};
    d.r = decode_iso8583_deferred(m.data(), m.size(), ctx, d.t, d.pan, &d.where);
    return d;
}

decoded generic(const iso_wire& w, const std::vector<uint8_t>& m) {
    decoded d{};
    d.r = decode_generic(m.data(), m.size(), w, ref_ms, d.t, d.pan, &d.where);
    return d;
}

// A dialect file and a [feed.map] text compiled; nullptr and `error` on a problem.
std::shared_ptr<const iso_wire> compile(std::string_view dialect, std::string_view map, std::string* error = nullptr) {
    config_errors errors;
    iso::dialect_def d;
    REQUIRE(iso::parse_dialect_toml(dialect, "acme.toml", d, errors));
    const iso::map_def* base = iso::default_map(d.standard);
    REQUIRE(base);
    iso::map_def m = *base;
    if (!map.empty()) {
        const toml::table t = toml::parse(map);
        REQUIRE(iso::read_map_toml(t, "feed.toml", "map", m, errors));
    }
    auto w = compile_wire(d, m, "feed.toml", errors);
    if (error) *error = errors.first();
    if (!error) INFO(errors.first());
    return w;
}

std::string cstr(const char* s) { return s; }

// Builds a message from ASCII pieces and hex-written binary pieces.
struct wire_bytes {
    std::vector<uint8_t> b;
    wire_bytes& a(std::string_view s) {
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    wire_bytes& x(std::string_view hex) {
        auto v = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
        for (std::size_t i = 0; i + 1 < hex.size(); i += 2) b.push_back(static_cast<uint8_t>(v(hex[i]) << 4 | v(hex[i + 1])));
        return *this;
    }
    // ASCII text written in EBCDIC (cp1047).
    wire_bytes& e(std::string_view s) {
        for (char c : s) b.push_back(ebcdic::cp1047_from_latin1[static_cast<uint8_t>(c)]);
        return *this;
    }
};

}  // namespace

TEST_CASE("the shipped binary, hex and bcd files compile to the former rule tables", "[unit][iso_wire]") {
    for (iso_dialect d : {iso_dialect::binary_bitmap, iso_dialect::hex_bitmap, iso_dialect::bcd}) {
        INFO("dialect " << name_of(d));
        const iso_wire& w = builtin_wire(name_of(d));
        const auto want = legacy_rules(d);
        REQUIRE(w.tables);
        CHECK(std::memcmp(w.tables->rules.data(), want.data(), sizeof want) == 0);
        for (unsigned f = 1; f <= 128; ++f) {
            INFO("field " << f);
            CHECK(w.tables->rules[f].fixed_bytes == want[f].fixed_bytes);
            CHECK(w.tables->rules[f].max == want[f].max);
            CHECK(w.tables->rules[f].pack == want[f].pack);
        }
    }
}

TEST_CASE("fast families: the three former dialects; EBCDIC and 1993 are generic", "[unit][iso_wire]") {
    CHECK(builtin_wire("binary").fast_family == 0);
    CHECK(builtin_wire("hex").fast_family == 1);
    CHECK(builtin_wire("bcd").fast_family == 2);
    CHECK(builtin_wire("ebcdic").fast_family == -1);
    CHECK(builtin_wire("iso93-ascii").fast_family == -1);
    CHECK(builtin_wire("binary").summary().find("fast path: ascii/binary bitmap") == 0);
    CHECK(builtin_wire("ebcdic").summary().find("generic path") == 0);
    // A field the default map does not read may differ and stay fast; a kept one may not.
    CHECK(compile("base = \"binary\"\n[fields.60]\nlen = \"LL\"\nmax = 50\n", "")->fast_family == 0);
    CHECK(compile("base = \"bcd\"\n[fields.60]\nlen = \"LL\"\nmax = 50\n", "")->fast_family == 2);
    CHECK(compile("base = \"binary\"\n[fields.41]\nlen = 10\n", "")->fast_family == -1);
    CHECK(compile("base = \"binary\"\n[fields.60]\nlen = \"LL\"\nmax = 50\nprefix = \"binary\"\n", "")->fast_family == -1);
    CHECK(compile("base = \"binary\"\n[fields]\n127 = false\n", "")->fast_family == -1);
    CHECK(compile("base = \"binary\"\n[message]\nheader = 5\n", "")->fast_family == -1);
    // Any change to the map: generic.
    CHECK(compile("base = \"binary\"\n", "rrn = \"37[0:6]\"\n")->fast_family == -1);
    CHECK(compile("base = \"binary\"\n", "required_request = [2, 4]\n")->fast_family == -1);
    CHECK(compile("base = \"binary\"\n", "")->fast_family == 0);
}

TEST_CASE("a field the map does not read follows the dialect file on the fast path", "[unit][iso_wire]") {
    // Field 60 shortened to LL..50: a message carrying it walks by the file's rule.
    auto w = compile("base = \"binary\"\n[fields.60]\nlen = \"LL\"\nmax = 50\n", "");
    REQUIRE(w->fast_family == 0);
    wire_bytes m;  // fields 2 4 7 60: 52 00 00 00 00 00 00 10
    m.a("0200").x("5200000000000010").a("165500005555555559").a("000000001999").a("1231235959").a("05hello");
    decoded d = fast(*w, m.b);
    CHECK(d.r == reject_reason::none);
    CHECK(generic(*w, m.b).r == reject_reason::none);
    CHECK(fast(builtin_wire("binary"), m.b).r != reject_reason::none);  // LLL there
}

TEST_CASE("DIFFERENTIAL: the generic decoder agrees with the fast path", "[unit][iso_wire]") {
    std::mt19937_64 rng(16);
    for (iso_dialect d : {iso_dialect::binary_bitmap, iso_dialect::hex_bitmap, iso_dialect::bcd}) {
        INFO("dialect " << name_of(d));
        const iso_wire& w = builtin_wire(name_of(d));
        unsigned accepted = 0, rejected = 0;
        for (int i = 0; i < 2500; ++i) {
            std::vector<uint8_t> m;
            legacy_iso::encode_iso8583(iso_test::random_txn(rng), d, m);
            for (int k = 0; k < 8; ++k) {
                INFO("message " << i << " mutation " << k);
                const decoded a = fast(w, m), b = generic(w, m);
                REQUIRE(reject_name(a.r) == reject_name(b.r));
                if (a.r == reject_reason::none) {
                    ++accepted;
                    REQUIRE(std::memcmp(&a.t, &b.t, sizeof(Txn)) == 0);
                    REQUIRE(a.pan.what == b.pan.what);
                    REQUIRE(std::string_view(a.pan.text, a.pan.len) == std::string_view(b.pan.text, b.pan.len));
                } else {
                    ++rejected;
                    REQUIRE(int{a.where.field} == int{b.where.field});
                    REQUIRE(a.where.offset == b.where.offset);
                }
                iso_test::mutate(rng, m);
            }
        }
        CHECK(accepted > 2500);
        CHECK(rejected > 5000);
    }
}

TEST_CASE("EBCDIC: the same message in cp1047 decodes to the same Txn", "[unit][iso_wire]") {
    // Every byte but the binary bitmaps translated: the ebcdic dialect is binary's
    // layout in EBCDIC (no b fields here: the PIN block is left out).
    std::mt19937_64 rng(1047);
    const iso_wire& bin = builtin_wire("binary");
    const iso_wire& ebc = builtin_wire("ebcdic");
    for (int i = 0; i < 500; ++i) {
        clear_txn c = iso_test::random_txn(rng);
        c.pin_block.clear();
        std::vector<uint8_t> m;
        legacy_iso::encode_iso8583(c, iso_dialect::binary_bitmap, m);
        std::vector<uint8_t> e = m;
        const std::size_t bitmaps = (m[4] & 0x80) ? 16 : 8;
        for (std::size_t k = 0; k < e.size(); ++k)
            if (k < 4 || k >= 4 + bitmaps) e[k] = ebcdic::cp1047_from_latin1[e[k]];
        const decoded a = fast(bin, m), b = fast(ebc, e);
        INFO("message " << i);
        REQUIRE(a.r == b.r);
        if (a.r == reject_reason::none) CHECK(std::memcmp(&a.t, &b.t, sizeof(Txn)) == 0);
    }
}

TEST_CASE("EBCDIC: a hand-built message", "[unit][iso_wire]") {
    // MTI F0 F2 F0 F0, bitmap for 2 4 7 41 43 (binary), fields in EBCDIC.
    wire_bytes m;
    m.x("F0F2F0F0").x("5200000000A00000").e("16").e("4111111111111111").e("000000012345").e("1214103000");
    m.e("TERM0001").e(std::string("CAFE ZURICH           ZURICH       ZH CH"));
    const decoded d = fast(builtin_wire("ebcdic"), m.b);
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.mti == 200);
    CHECK(d.t.amount_minor == 12345);
    CHECK(d.t.terminal_id.view() == "TERM0001");
    CHECK(d.t.merchant_name.view() == "CAFE ZURICH");
    CHECK(d.t.city.view() == "ZURICH");
    CHECK(cstr(d.t.country) == "CH");
    CHECK(cstr(d.t.card_last4) == "1111");
    CHECK(d.pan.what == pan_stash::kind::pan);
    // Beyond ASCII: EBCDIC É (cp1047 71) and Ü (FC) reach the Txn as UTF-8.
    wire_bytes accented;
    accented.x("F0F2F0F0").x("5200000000200000").e("16").e("4111111111111111").e("000000012345").e("1214103000");
    accented.e(std::string("CAF\xC9 ZURICH           Z\xDCRICH       ZH CH"));
    const decoded u = fast(builtin_wire("ebcdic"), accented.b);
    REQUIRE(u.r == reject_reason::none);
    CHECK(u.t.merchant_name.view() == "CAF\xC3\x89 ZURICH");
    CHECK(u.t.city.view() == "Z\xC3\x9CRICH");
    // An ASCII digit where EBCDIC is expected is not a digit.
    wire_bytes bad;
    bad.x("F0F2F0F0").x("5200000000000000").e("16").e("4111111111111111").a("000000012345").e("1214103000");
    const decoded r = fast(builtin_wire("ebcdic"), bad.b);
    CHECK(r.r == reject_reason::iso_bad_numeric);
    CHECK(r.where.field == 4);
}

TEST_CASE("ISO 8583:1993: action codes, n12 local date and time, LLVAR 43", "[unit][iso_wire]") {
    const iso_wire& w = builtin_wire("iso93-ascii");
    // 1200 with 2 3 4 7 11 12 26 43 49: bitmap 72 30 00 40 00 20 80 00 (hex ASCII).
    wire_bytes m;
    m.a("1200").a("7230004000208000").a("164111111111111111").a("000000").a("000000012345").a("1214103000");
    m.a("004711").a("261214093015").a("5411").a("16SHOP 1 ZURICH ZH").a("756");
    decoded d = fast(w, m.b);
    REQUIRE(reject_name(d.r) == "none");
    CHECK(d.t.mti == 1200);
    CHECK(d.t.local_date == 1214);
    CHECK(d.t.local_time == 93015);
    CHECK(d.t.mcc == 5411);
    CHECK(d.t.currency == 756);
    CHECK(d.t.merchant_name.view() == "SHOP 1 ZURICH ZH");  // 43[0:22] of a 16-character value
    // 1210 with 7 11 39: 0000 = 02 20 00 00 02 00 00 00
    for (const char* code : {"000", "001", "100", "909"}) {
        wire_bytes r;
        r.a("1210").a("0220000002000000").a("1214103000").a("004711").a(code);
        const decoded resp = fast(w, r.b);
        REQUIRE(resp.r == reject_reason::none);
        CHECK(cstr(resp.t.response_code) == code);
        CHECK(response_declined(resp.t.response_code) == (code[0] != '0'));
    }
    CHECK_FALSE(response_declined("000"));
    CHECK(response_declined("100"));
    CHECK_FALSE(response_declined("00"));
    // Field 12 with a 13th month is a bad date naming 12.
    wire_bytes bad = m;
    const std::size_t f12 = 4 + 16 + 18 + 6 + 12 + 10 + 6;
    bad.b[f12 + 2] = '1';
    bad.b[f12 + 3] = '3';
    const decoded r = fast(w, bad.b);
    CHECK(r.r == reject_reason::iso_bad_date);
    CHECK(r.where.field == 12);
}

TEST_CASE("a map reads a TLV tag of field 48 and slices", "[unit][iso_wire]") {
    auto w = compile("base = \"binary\"\n", "device_id = \"48.ZZ\"\nrrn = \"37[2:8]\"\n");
    REQUIRE(w);
    REQUIRE(w->fast_family == -1);
    // 2 4 7 37 48: 52 00 00 00 08 01 00 00
    wire_bytes m;
    m.a("0200").x("5200000008010000").a("165500005555555559").a("000000001999").a("1231235959");
    m.a("ABCDEFGHIJKL").a("017").a("DI03abcZZ06device");
    decoded d = fast(*w, m.b);
    REQUIRE(d.r == reject_reason::none);
    CHECK(d.t.device_id.view() == "device");
    CHECK(cstr(d.t.rrn) == "CDEFGH");
    CHECK(d.t.ip.view().empty());  // 48.IP from the default map: absent
    // A tag whose length runs past the field is a reject naming 48.
    wire_bytes bad;
    bad.a("0200").x("5200000008010000").a("165500005555555559").a("000000001999").a("1231235959");
    bad.a("ABCDEFGHIJKL").a("010").a("DI03abcZZ9");
    d = fast(*w, bad.b);
    CHECK(d.r == reject_reason::iso_bad_length_prefix);
    CHECK(d.where.field == 48);
}

TEST_CASE("positional, bitmapped (mixed encodings) and delimited sub-fields", "[unit][iso_wire]") {
    auto w = compile("base = \"binary\"\n" + std::string(iso_test::visa62_field) + R"([fields.63]
layout = "positional"
[fields.63.sub.1]
type = "an"
len = 2
[fields.63.sub.2]
type = "n"
len = 4
[fields.61]
layout = "delimited"
delimiter = "|"
)",
                     "auth_code = \"62.1\"\nstan = \"62.2[9:15]\"\nregion = \"63.1\"\nmcc = \"63.2\"\ncity = \"61.2\"\n");
    REQUIRE(w);
    // 2 4 7 61 62 63: 52 00 00 00 00 00 00 0E
    wire_bytes m;
    m.a("0200").x("520000000000000E").a("165500005555555559").a("000000001999").a("1231235959");
    m.a("011").a("Basel|Bern|");                        // 61
    m.x("0A").x("C0").a("Q").x("0123456789012345");      // 62: sub-bitmap 1 2, 'Q', 15 digits BCD
    m.a("006").a("AB").a("5411");                      // 63
    decoded d = fast(*w, m.b);
    REQUIRE(reject_name(d.r) == "none");
    CHECK(cstr(d.t.auth_code) == "Q");
    CHECK(cstr(d.t.stan) == "012345");  // digits 10-15 of 123456789012345
    CHECK(d.t.region.view() == "AB");
    CHECK(d.t.mcc == 5411);
    CHECK(d.t.city.view() == "Bern");
    // Sub-field 2 absent from the sub-bitmap: stan stays empty.
    wire_bytes only1;
    only1.a("0200").x("5200000000000004").a("165500005555555559").a("000000001999").a("1231235959");
    only1.x("02").x("80").a("Q");
    d = fast(*w, only1.b);
    REQUIRE(d.r == reject_reason::none);
    CHECK(cstr(d.t.stan).empty());
    CHECK(cstr(d.t.auth_code) == "Q");
    // A sub-bitmap bit with no sub-field defined: rejected, naming 62.
    wire_bytes undefined;
    undefined.a("0200").x("5200000000000004").a("165500005555555559").a("000000001999").a("1231235959");
    undefined.x("02").x("A0").a("Q");
    d = fast(*w, undefined.b);
    CHECK(d.r == reject_reason::iso_unsupported_field);
    CHECK(d.where.field == 62);
    // A positional sub-field running past its field.
    wire_bytes shorter;
    shorter.a("0200").x("5200000000000002").a("165500005555555559").a("000000001999").a("1231235959");
    shorter.a("004").a("AB54");
    d = fast(*w, shorter.b);
    CHECK(d.r == reject_reason::iso_bad_length_prefix);
    CHECK(d.where.field == 63);
}

TEST_CASE("every reject names its field, on both paths", "[unit][iso_wire]") {
    const iso_wire& w = builtin_wire("binary");
    auto base = [] {
        wire_bytes m;  // 2 4 7 49: 52 00 00 00 00 00 80 00
        m.b.reserve(128);  // (GCC 12 warns falsely about the first insert into an empty vector here)
        m.a("0200").x("5200000000008000");
        return m;
    };
    struct row {
        const char* what;
        wire_bytes m;
        reject_reason r;
        unsigned field;
    };
    std::vector<row> rows;
    rows.push_back({"bad MTI", wire_bytes().a("02X0").x("5200000000008000"), reject_reason::iso_bad_mti, 0});
    rows.push_back({"empty bitmap", wire_bytes().a("0200").x("0000000000000000"), reject_reason::iso_bad_bitmap, 1});
    rows.push_back({"PAN prefix", base().a("2X"), reject_reason::iso_bad_length_prefix, 2});
    rows.push_back({"PAN too long", base().a("20"), reject_reason::iso_bad_length_prefix, 2});
    rows.push_back({"Luhn", base().a("165500005555555558").a("000000001999").a("1231235959").a("840"), reject_reason::bad_pan, 2});
    rows.push_back({"amount", base().a("165500005555555559").a("0000000019X9").a("1231235959").a("840"),
                    reject_reason::iso_bad_numeric, 4});
    rows.push_back({"date", base().a("165500005555555559").a("000000001999").a("1331235959").a("840"),
                    reject_reason::iso_bad_date, 7});
    rows.push_back({"currency", base().a("165500005555555559").a("000000001999").a("1231235959").a("999"),
                    reject_reason::unknown_currency, 49});
    rows.push_back({"missing 4", wire_bytes().a("0200").x("4200000000000000").a("165500005555555559").a("1231235959"),
                    reject_reason::iso_missing_field, 4});
    rows.push_back({"tertiary", wire_bytes().a("0200").x("D200000000000000").x("8000000000000000")
                                    .a("165500005555555559").a("000000001999").a("1231235959").x("0000000000000001"),
                    reject_reason::iso_unsupported_field, 65});
    rows.push_back({"bad 48", wire_bytes().a("0200").x("5200000000010000").a("165500005555555559").a("000000001999")
                                  .a("1231235959").a("005").a("DI9ab"),
                    reject_reason::iso_bad_length_prefix, 48});
    for (const row& r : rows) {
        INFO(r.what);
        const decoded a = fast(w, r.m.b), b = generic(w, r.m.b);
        CHECK(a.r == r.r);
        CHECK(b.r == r.r);
        CHECK(int{a.where.field} == int(r.field));
        CHECK(int{b.where.field} == int(r.field));
    }
    // A bit for a field the dialect removed: iso_unsupported_field naming it.
    auto cut = compile("base = \"binary\"\n[fields]\n60 = false\n", "");
    wire_bytes m;
    m.a("0200").x("5200000000000010").a("165500005555555559").a("000000001999").a("1231235959").a("003abc");
    const decoded d = fast(*cut, m.b);
    CHECK(d.r == reject_reason::iso_unsupported_field);
    CHECK(d.where.field == 60);
    CHECK(d.where.offset == m.b.size() - 6);
}

TEST_CASE("compile_wire refuses maps that do not fit the dialect, naming the entry", "[unit][iso_wire]") {
    std::string error;
    CHECK_FALSE(compile("base = \"binary\"\n", "pan = \"43\"\n", &error));
    CHECK(error == "feed.toml:1: map.pan: 43 (ans): a PAN is read from digits (n) content");
    CHECK_FALSE(compile("base = \"binary\"\n[fields]\n60 = false\n", "\ncity = \"60\"\n", &error));
    CHECK(error == "feed.toml:2: map.city: 60: field 60 is not defined by the dialect");
    CHECK_FALSE(compile("base = \"binary\"\n", "city = \"43[30:50]\"\n", &error));
    CHECK(error == "feed.toml:1: map.city: 43[30:50]: the slice must lie within the value's 40 units");
    CHECK_FALSE(compile("base = \"binary\"\n", "city = \"44.3\"\n", &error));
    CHECK(error.find("map.city: 44.3: field 44 has no sub-field layout") != std::string::npos);
    CHECK_FALSE(compile("base = \"binary\"\n", "local_date = \"12\"\n", &error));
    CHECK(error == "feed.toml:1: map.local_date: 12 (n): the converter reads 4 units, the value has 6");
    CHECK_FALSE(compile("base = \"binary\"\n", "stan = \"43\"\n", &error));
    CHECK(error.find("map.stan: 43 (ans): the value can hold 40 characters, the target 6") != std::string::npos);
    CHECK_FALSE(compile("base = \"binary\"\n", "ip = \"64\"\n", &error));
    CHECK(error.find("map.ip: 64 (b): binary content converts only with ipv4_binary") != std::string::npos);
    CHECK(compile("base = \"binary\"\n", "ip = { from = \"64[0:4]\", convert = \"ipv4-binary\" }\n", &error));
}

TEST_CASE("iso_describe lists every field, PANs masked, secrets not shown", "[unit][iso_wire]") {
    // 2 4 7 35 48 52: 52 00 00 00 20 01 10 00
    wire_bytes m;
    m.a("0200").x("5200000020011000").a("165500005555555559").a("000000001999").a("1231235959");
    m.a("21").a("5500005555555559=2512").a("024").a("DI04dev1EM12a@4111111111").x("0123456789ABCDEF");
    std::vector<iso_field_view> fields;
    iso_reject_detail where;
    REQUIRE(iso_describe(builtin_wire("binary"), m.b.data(), m.b.size(), fields, &where) == reject_reason::none);
    REQUIRE(fields.size() == 8);
    CHECK(fields[0].field == 0);
    CHECK(fields[0].value == "0200");
    CHECK(fields[1].value == "5200000020011000");
    CHECK(fields[2].field == 2);
    CHECK(fields[2].value == "550000******5559");
    CHECK(fields[2].offset == 12);
    CHECK(fields[2].wire_bytes == 18);
    CHECK(fields[3].value == "000000001999");
    CHECK(fields[5].value == "<21 bytes, not shown>");
    CHECK(fields[5].wire_bytes == 23);
    REQUIRE(fields[6].subs.size() == 2);
    CHECK(fields[6].subs[0] == std::pair<std::string, std::string>("DI", "dev1"));
    CHECK(fields[6].subs[1].first == "EM");
    CHECK(fields[7].value == "<8 bytes, not shown>");
    for (const iso_field_view& f : fields) {
        CHECK(f.value.find("5500005555555559") == std::string::npos);
        for (const auto& s : f.subs) CHECK(s.second.find("5500005555555559") == std::string::npos);
    }
    // A structure fault: the fields before it, and where it is.
    m.b.resize(m.b.size() - 3);
    CHECK(iso_describe(builtin_wire("binary"), m.b.data(), m.b.size(), fields, &where) == reject_reason::iso_truncated);
    CHECK(where.field == 52);
    CHECK(fields.size() == 7);
}

TEST_CASE("a repeated field 48 tag: both paths apply every occurrence", "[unit][iso_wire]") {
    // EM twice, each with a PAN: the last value stays, both PANs count.
    wire_bytes m;  // 2 4 7 48: 52 00 00 00 00 01 00 00
    m.b.reserve(128);
    m.a("0200").x("5200000000010000").a("165500005555555559").a("000000001999").a("1231235959");
    m.a("050").a("EM214111111111111111@x.coEM214012888888881881@y.co");
    const iso_wire& w = builtin_wire("binary");
    const decoded a = fast(w, m.b), b = generic(w, m.b);
    REQUIRE(a.r == reject_reason::none);
    REQUIRE(b.r == reject_reason::none);
    CHECK(a.t.pans_masked == 2);
    CHECK(b.t.pans_masked == 2);
    CHECK(b.t.email.view().substr(16) == "@y.co");
    CHECK(std::memcmp(&a.t, &b.t, sizeof(Txn)) == 0);
}

TEST_CASE("a PAN in BCD with a trailing F behind a binary byte-count prefix (jPOS IFB_LLHNUM)", "[unit][iso_wire]") {
    auto w = compile("base = \"bcd\"\n[fields.2]\nenc = \"bcd-right-f\"\nprefix = \"binary\"\nprefix_counts = \"bytes\"\n", "");
    REQUIRE(w);
    CHECK(w->fast_family == -1);
    wire_bytes m;  // 0200, fields 2 4 7; Amex 378282246310005 in 8 bytes, F-padded
    m.x("0200").x("5200000000000000").x("08").x("378282246310005F").x("000000001999").x("1231235959");
    const decoded d = fast(*w, m.b);
    REQUIRE(reject_name(d.r) == "none");
    CHECK(d.t.pan_len == 15);
    CHECK(cstr(d.t.card_last4) == "0005");
    CHECK(std::string_view(d.pan.text, d.pan.len) == "378282246310005");
    CHECK(d.t.amount_minor == 1999);
    // The prefix counts bytes: 19 digits take 10, so 11 is too long.
    m.b[10] = 11;
    CHECK(fast(*w, m.b).r == reject_reason::iso_bad_length_prefix);
}

// ---- Issue #16 review (fixa): describe buffers, PANs in binary fields, deep sub-field
// buffers, extended sub-bitmaps, "[from:]" slices, secret fields in maps.

namespace {

// 0200 with fields 2 4 7, then `field_bits` set in the last bitmap byte (62: 04).
wire_bytes with_62() {
    wire_bytes m;
    m.b.reserve(256);
    m.a("0200").x("5200000000000004").a("165500005555555559").a("000000001999").a("1231235959");
    return m;
}

bool shows(const std::vector<iso_field_view>& fields, std::string_view text) {
    for (const iso_field_view& f : fields) {
        if (f.value.find(text) != std::string::npos) return true;
        for (const auto& s : f.subs)
            if (s.second.find(text) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("iso_describe: a BCD sub-field of a b parent fits its buffer", "[unit][iso_wire]") {
    // 1000 digits in 500 bytes behind a 1-byte sub-bitmap: decoded, they take twice the
    // parent's bytes (the buffer was sized by the parent: a heap overflow).
    auto w = compile(R"(base = "binary"
[fields.62]
type = "b"
len = "LLL"
max = 999
layout = "bitmap"
bitmap_bytes = 1
[fields.62.sub.1]
type = "n"
len = 1000
enc = "bcd"
)",
                     "");
    REQUIRE(w);
    wire_bytes m = with_62();
    m.a("501").x("80");
    for (int i = 0; i < 500; ++i) m.x("12");
    std::vector<iso_field_view> fields;
    REQUIRE(iso_describe(*w, m.b.data(), m.b.size(), fields, nullptr) == reject_reason::none);
    REQUIRE(fields.back().field == 62);
    REQUIRE(fields.back().subs.size() == 1);
    std::string want;
    for (int i = 0; i < 500; ++i) want += "12";
    CHECK(fields.back().subs[0].second == want);
}

TEST_CASE("iso_describe: no PAN shows whole inside b fields", "[unit][iso_wire]") {
    const std::string dialect = R"(base = "binary"
[fields.62]
type = "b"
len = "LLL"
max = 999
layout = "bitmap"
bitmap_bytes = 1
[fields.62.sub.1]
type = "an"
len = 1
[fields.62.sub.2]
type = "n"
len = 16
enc = "bcd"
[fields.61]
type = "b"
len = "LLL"
max = 999
)";
    // 62: sub-bitmap 1 2, 'Q', 4111111111111111 in BCD.
    wire_bytes m = with_62();
    m.a("010").x("C0").a("Q").x("4111111111111111");
    std::vector<iso_field_view> fields;
    SECTION("a Luhn-valid BCD sub-field: masked in the sub-field and in the field's hex") {
        auto w = compile(dialect, "");
        REQUIRE(w);
        REQUIRE(iso_describe(*w, m.b.data(), m.b.size(), fields, nullptr) == reject_reason::none);
        REQUIRE(fields.back().subs.size() == 2);
        CHECK(fields.back().subs[0].second == "Q");
        CHECK(fields.back().subs[1].second == "411111******1111");
        CHECK(fields.back().value == "C051****************");
        CHECK_FALSE(shows(fields, "4111111111111111"));
    }
    SECTION("the map reads the PAN from the sub-field: shown as the PAN, BIN and last 4") {
        auto w = compile(dialect, "pan = \"62.2\"\n");
        REQUIRE(w);
        REQUIRE(iso_describe(*w, m.b.data(), m.b.size(), fields, nullptr) == reject_reason::none);
        REQUIRE(fields.back().subs.size() == 2);
        CHECK(fields.back().subs[1].second == "411111******1111");
        CHECK(fields.back().value == "C051****************");
        CHECK_FALSE(shows(fields, "4111111111111111"));
        CHECK_FALSE(shows(fields, "5500005555555559"));  // field 2: no longer the PAN, masked by Luhn
    }
    SECTION("a b field with no layout: PAN digits as BCD or as ASCII are masked in its hex") {
        auto w = compile(dialect, "");
        REQUIRE(w);
        wire_bytes f61;  // 2 4 7 61: a BCD PAN between non-digit nibbles, then one in ASCII
        f61.a("0200").x("5200000000000008").a("165500005555555559").a("000000001999").a("1231235959");
        f61.a("026").x("A04111111111111111FF").a("4111111111111111");
        REQUIRE(iso_describe(*w, f61.b.data(), f61.b.size(), fields, nullptr) == reject_reason::none);
        REQUIRE(fields.back().field == 61);
        CHECK_FALSE(shows(fields, "4111111111111111"));
        CHECK_FALSE(shows(fields, "34313131313131313131313131313131"));
        CHECK(fields.back().value.substr(0, 16) == "A0411111******11");  // BIN and last 4 stay
    }
}

TEST_CASE("a sub-field three deep through a tlv part decodes into its own buffer", "[unit][iso_wire]") {
    // 62 (positional) -> 1 (b, tlv) -> AB (b, positional) -> 1 (n 16 BCD): the tlv part
    // points into depth 0's buffer, so depth 2 must not decode into that same buffer.
    auto w = compile(R"(base = "binary"
[fields.62]
type = "b"
len = "LLL"
max = 999
layout = "positional"
[fields.62.sub.1]
type = "b"
len = 20
layout = "tlv"
[fields.62.sub.1.sub.AB]
type = "b"
len = 8
layout = "positional"
[fields.62.sub.1.sub.AB.sub.1]
type = "n"
len = 16
enc = "bcd"
)",
                     "pan = \"62.1.AB.1\"\n");
    REQUIRE(w);
    wire_bytes m = with_62();
    m.a("020").a("AB08").x("4012888888881881").a("ZZ04").a("wxyz");
    const decoded d = generic(*w, m.b);
    REQUIRE(reject_name(d.r) == "none");
    CHECK(std::string_view(d.pan.text, d.pan.len) == "4012888888881881");
    CHECK(cstr(d.t.card_last4) == "1881");
}

TEST_CASE("an extended sub-bitmap: bit 1 chains a second, sub-fields 2..128", "[unit][iso_wire]") {
    auto w = compile(R"(base = "binary"
[fields.62]
type = "b"
len = "LLL"
max = 999
layout = "bitmap"
bitmap_bytes = 8
extends = true
[fields.62.sub.2]
type = "an"
len = 3
[fields.62.sub.65]
type = "an"
len = 4
[fields.62.sub.128]
type = "an"
len = 2
)",
                     "auth_code = \"62.2\"\nmerchant_id = \"62.65\"\ncountry = \"62.128\"\n");
    REQUIRE(w);
    wire_bytes m = with_62();
    m.a("025").x("C000000000000000").x("8000000000000001").a("ABC").a("WXYZ").a("CH");
    const decoded d = generic(*w, m.b);
    REQUIRE(reject_name(d.r) == "none");
    CHECK(cstr(d.t.auth_code) == "ABC");
    CHECK(d.t.merchant_id.view() == "WXYZ");  // bit 65: the secondary's first bit is a sub-field
    CHECK(cstr(d.t.country) == "CH");
    std::vector<iso_field_view> fields;
    REQUIRE(iso_describe(*w, m.b.data(), m.b.size(), fields, nullptr) == reject_reason::none);
    REQUIRE(fields.back().subs.size() == 3);
    CHECK(fields.back().subs[1] == std::pair<std::string, std::string>("65", "WXYZ"));
    CHECK(fields.back().subs[2] == std::pair<std::string, std::string>("128", "CH"));
    // Bit 1 clear: no secondary sub-bitmap; sub-field 2 follows the primary.
    wire_bytes one = with_62();
    one.a("011").x("4000000000000000").a("ABC");
    const decoded e = generic(*w, one.b);
    REQUIRE(reject_name(e.r) == "none");
    CHECK(cstr(e.t.auth_code) == "ABC");
    CHECK(e.t.merchant_id.view().empty());
}

TEST_CASE("a [from:] slice runs to the value's end", "[unit][iso_wire]") {
    auto w = compile("base = \"binary\"\n", "merchant_name = \"43[22:]\"\n");
    REQUIRE(w);
    wire_bytes m;  // 2 4 7 43
    m.b.reserve(128);
    m.a("0200").x("5200000000200000").a("165500005555555559").a("000000001999").a("1231235959");
    m.a("ACME STORE            ZURICH       ZH CH");
    const decoded d = generic(*w, m.b);
    REQUIRE(reject_name(d.r) == "none");
    CHECK(d.t.merchant_name.view() == "ZURICH       ZH CH");
    // The width compile_wire checks is what is left after `from`.
    std::string error;
    CHECK(compile("base = \"binary\"\n", "stan = \"43[34:]\"\n", &error));
    CHECK_FALSE(compile("base = \"binary\"\n", "stan = \"43[30:]\"\n", &error));
    CHECK(error == "feed.toml:1: map.stan: 43[30:] (ans): the value can hold 10 characters, the target 6 (take a slice)");
    CHECK_FALSE(compile("base = \"binary\"\n", "city = \"43[40:]\"\n", &error));
    CHECK(error == "feed.toml:1: map.city: 43[40:]: the slice must lie within the value's 40 units");
}

TEST_CASE("compile_wire refuses any map path into fields 35, 36, 45, 52 and 55", "[unit][iso_wire]") {
    std::string error;
    CHECK_FALSE(compile("base = \"binary\"\n", "device_id = \"45\"\n", &error));
    CHECK(error == "feed.toml:1: map.device_id: 45: field 45 is track 1 data: never copied into a transaction");
    CHECK_FALSE(compile("base = \"binary\"\n", "\naccount_id = \"35[0:16]\"\n", &error));
    CHECK(error == "feed.toml:2: map.account_id: 35[0:16]: field 35 is track 2 data: never copied into a transaction");
    CHECK_FALSE(compile("base = \"binary\"\n", "merchant_id = \"36\"\n", &error));
    CHECK(error.find("field 36 is track 3 data: never copied") != std::string::npos);
    CHECK_FALSE(compile("base = \"binary\"\n", "ip = { from = \"52[0:4]\", convert = \"ipv4-binary\" }\n", &error));
    CHECK(error.find("map.ip: 52[0:4]: field 52 is the PIN block: never copied") != std::string::npos);
    CHECK_FALSE(compile("base = \"binary\"\n", "email = \"55.9F\"\n", &error));
    CHECK(error.find("map.email: 55.9F: field 55 is ICC data: never copied") != std::string::npos);
    // One of several alternatives is enough to refuse the entry.
    CHECK_FALSE(compile("base = \"binary\"\n", "device_id = [\"48.DI\", \"45\"]\n", &error));
    CHECK(error.find("map.device_id: 45: field 45 is track 1 data") != std::string::npos);
    // Channel rules too.
    CHECK_FALSE(compile("base = \"binary\"\n", "channel = { from = \"35[0:2]\", atm = [\"01\"] }\n", &error));
    CHECK(error.find("map.channel: 35[0:2]: field 35 is track 2 data: never copied") != std::string::npos);
}

TEST_CASE("iso_describe: a PAN in a nested b sub-field is hidden at every level", "[unit][iso_wire]") {
    // 62 (positional) -> 1 (b 10, positional) -> 1 (n 4 BCD), 2 (n 16 BCD): in the hex of
    // 62.1 the PAN's digits follow 1234 in one 20-digit run, which no text scrub takes
    // for a PAN; the layout says where it lies.
    // One dialect, read through two maps below.
    constexpr std::string_view nested = R"(base = "binary"
[fields.62]
type = "b"
len = "LLL"
max = 999
layout = "positional"
[fields.62.sub.1]
type = "b"
len = 10
layout = "positional"
[fields.62.sub.1.sub.1]
type = "n"
len = 4
enc = "bcd"
[fields.62.sub.1.sub.2]
type = "n"
len = 16
enc = "bcd"
)";
    auto w = compile(nested, "");
    REQUIRE(w);
    wire_bytes m = with_62();
    m.a("010").x("12344111111111111111");
    std::vector<iso_field_view> fields;
    REQUIRE(iso_describe(*w, m.b.data(), m.b.size(), fields, nullptr) == reject_reason::none);
    REQUIRE(fields.back().subs.size() == 1);
    CHECK(fields.back().subs[0].second == "1234****************");
    CHECK(fields.back().value == "********************");
    CHECK_FALSE(shows(fields, "4111111111111111"));
    // The map reads the PAN through 62.1: not shown at all.
    auto through = compile(nested, "pan = \"62.1.2\"\n");
    REQUIRE(through);
    REQUIRE(iso_describe(*through, m.b.data(), m.b.size(), fields, nullptr) == reject_reason::none);
    CHECK(fields.back().subs[0].second == "<10 bytes, not shown>");
    CHECK(fields.back().value == "********************");
}

TEST_CASE("compile_wire refuses a map layout whose sub-fields overrun their field", "[unit][iso_wire]") {
    std::string error;
    // Field 44 is LL an..25: two 20-character positional sub-fields cannot both fit.
    CHECK_FALSE(compile("base = \"binary\"\n",
                        "device_id = \"44.2\"\n[layout.44]\nlayout = \"positional\"\n"
                        "[layout.44.sub.1]\ntype = \"an\"\nlen = 20\n[layout.44.sub.2]\ntype = \"an\"\nlen = 20\n",
                        &error));
    CHECK(error.find("map.layout.44.sub.2: never fits: it starts at byte 20 or later and takes at least 20, "
                     "but field 44 holds at most 25") != std::string::npos);
    CHECK(compile("base = \"binary\"\n",
                  "device_id = \"44.2\"\n[layout.44]\nlayout = \"positional\"\n"
                  "[layout.44.sub.1]\ntype = \"an\"\nlen = 5\n[layout.44.sub.2]\ntype = \"an\"\nlen = 20\n"));
}
