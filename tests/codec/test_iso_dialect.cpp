// TOML dialect files (issue #16): the standards, the shipped dialects against what the
// decoder does today, inheritance and re-derivation, and every load-time message.
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "codec/iso_dialect.h"
#include "codec/iso_wire.h"
#include "config/config_errors.h"
#include "codec/dialect_texts.h"


using namespace txscreen;
using namespace txscreen::iso;

namespace {

// The decoder's 1987 table (src/codec/iso8583.cpp, `iso1987`), copied as the oracle:
// type, prefix digits (0 fixed, 2 LL, 3 LLL), max. Index 0 is field 2.
struct legacy_element {
    content type;
    uint8_t prefix_digits;
    uint16_t max;
};
constexpr legacy_element legacy_1987[127] = {
    /*   2 */ {content::n, 2, 19}, {content::n, 0, 6}, {content::n, 0, 12}, {content::n, 0, 12}, {content::n, 0, 12},
    /*   7 */ {content::n, 0, 10}, {content::n, 0, 8}, {content::n, 0, 8}, {content::n, 0, 8}, {content::n, 0, 6},
    /*  12 */ {content::n, 0, 6}, {content::n, 0, 4}, {content::n, 0, 4}, {content::n, 0, 4}, {content::n, 0, 4},
    /*  17 */ {content::n, 0, 4}, {content::n, 0, 4}, {content::n, 0, 3}, {content::n, 0, 3}, {content::n, 0, 3},
    /*  22 */ {content::n, 0, 3}, {content::n, 0, 3}, {content::n, 0, 3}, {content::n, 0, 2}, {content::n, 0, 2},
    /*  27 */ {content::n, 0, 1}, {content::xn, 0, 8}, {content::xn, 0, 8}, {content::xn, 0, 8}, {content::xn, 0, 8},
    /*  32 */ {content::n, 2, 11}, {content::n, 2, 11}, {content::ns, 2, 28}, {content::z, 2, 37}, {content::n, 3, 104},
    /*  37 */ {content::an, 0, 12}, {content::an, 0, 6}, {content::an, 0, 2}, {content::an, 0, 3}, {content::ans, 0, 8},
    /*  42 */ {content::ans, 0, 15}, {content::ans, 0, 40}, {content::an, 2, 25}, {content::an, 2, 76}, {content::an, 3, 999},
    /*  47 */ {content::an, 3, 999}, {content::an, 3, 999}, {content::an, 0, 3}, {content::an, 0, 3}, {content::an, 0, 3},
    /*  52 */ {content::b, 0, 8}, {content::n, 0, 16}, {content::an, 3, 120}, {content::ans, 3, 999}, {content::ans, 3, 999},
    /*  57 */ {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999},
    /*  62 */ {content::ans, 3, 999}, {content::ans, 3, 999}, {content::b, 0, 8}, {content::b, 0, 8}, {content::n, 0, 1},
    /*  67 */ {content::n, 0, 2}, {content::n, 0, 3}, {content::n, 0, 3}, {content::n, 0, 3}, {content::n, 0, 4},
    /*  72 */ {content::n, 0, 4}, {content::n, 0, 6}, {content::n, 0, 10}, {content::n, 0, 10}, {content::n, 0, 10},
    /*  77 */ {content::n, 0, 10}, {content::n, 0, 10}, {content::n, 0, 10}, {content::n, 0, 10}, {content::n, 0, 10},
    /*  82 */ {content::n, 0, 12}, {content::n, 0, 12}, {content::n, 0, 12}, {content::n, 0, 12}, {content::n, 0, 16},
    /*  87 */ {content::n, 0, 16}, {content::n, 0, 16}, {content::n, 0, 16}, {content::n, 0, 42}, {content::an, 0, 1},
    /*  92 */ {content::an, 0, 2}, {content::an, 0, 5}, {content::an, 0, 7}, {content::an, 0, 42}, {content::b, 0, 8},
    /*  97 */ {content::xn, 0, 16}, {content::ans, 0, 25}, {content::n, 2, 11}, {content::n, 2, 11}, {content::ans, 2, 17},
    /* 102 */ {content::ans, 2, 28}, {content::ans, 2, 28}, {content::ans, 3, 100}, {content::ans, 3, 999}, {content::ans, 3, 999},
    /* 107 */ {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999},
    /* 112 */ {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999},
    /* 117 */ {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999},
    /* 122 */ {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999}, {content::ans, 3, 999},
    /* 127 */ {content::ans, 3, 999}, {content::b, 0, 8},
};

enum class legacy_dialect { binary, hex, bcd };

// Wire sizes as iso8583.cpp's make_rules derives them: bcd packs n and z (and the digits
// of xn), hex doubles b, LL/LLL prefixes are ASCII digits or (bcd) 1/2 BCD bytes.
struct wire_shape {
    uint16_t fixed_bytes;  // 0 for a variable field
    uint8_t prefix_bytes;
    bool nibbles, hex;
    bool operator==(const wire_shape&) const = default;
};

wire_shape legacy_shape(const legacy_element& e, legacy_dialect d) {
    const bool bcd = d == legacy_dialect::bcd;
    wire_shape w{};
    w.nibbles = bcd && (e.type == content::n || e.type == content::z);
    w.hex = d == legacy_dialect::hex && e.type == content::b;
    w.prefix_bytes = !e.prefix_digits ? 0 : bcd ? (e.prefix_digits + 1) / 2 : e.prefix_digits;
    if (e.prefix_digits == 0) {
        if (e.type == content::xn) w.fixed_bytes = 1 + (bcd ? (e.max + 1) / 2 : e.max);
        else w.fixed_bytes = w.nibbles ? (e.max + 1) / 2 : w.hex ? 2 * e.max : e.max;
    }
    return w;
}

bool is_numeric(content c) { return c == content::n || c == content::z || c == content::xn; }

// The same from a loaded field_def, for the encodings the three built-ins use.
wire_shape def_shape(const field_def& f) {
    const bool packed = is_numeric(f.type) && f.enc >= static_cast<uint8_t>(num_enc::bcd_left);
    wire_shape w{};
    w.nibbles = packed && f.type != content::xn;
    w.hex = f.type == content::b && f.enc != static_cast<uint8_t>(bin_enc::raw);
    w.prefix_bytes = f.prefix == prefix_enc::bcd ? (f.prefix_digits + 1) / 2 : f.prefix_digits;
    if (f.prefix_digits == 0) {
        if (f.type == content::xn) w.fixed_bytes = 1 + (packed ? (f.max + 1) / 2 : f.max);
        else w.fixed_bytes = w.nibbles ? (f.max + 1) / 2 : w.hex ? 2 * f.max : f.max;
    }
    return w;
}

struct loaded {
    bool ok;
    dialect_def def;
    std::vector<std::string> errors;
};

loaded load(std::string_view text, std::string_view source = "dialects/acme.toml") {
    loaded out;
    config_errors errors;
    out.ok = parse_dialect_toml(text, source, out.def, errors);
    out.errors = errors.take();
    return out;
}

// The one message a broken file gives (each test below breaks one thing).
std::string only_error(std::string_view text) {
    loaded l = load(text);
    CHECK_FALSE(l.ok);
    REQUIRE(l.errors.size() == 1);
    return l.errors[0];
}

void check_matches_decoder(const dialect_def& d, legacy_dialect which) {
    for (unsigned f = 2; f <= 128; ++f) {
        INFO("field " << f);
        const legacy_element& e = legacy_1987[f - 2];
        const field_def& def = d.fields[f];
        REQUIRE(def.defined);
        CHECK(def.type == e.type);
        CHECK(def.prefix_digits == e.prefix_digits);
        CHECK(def.max == e.max);
        CHECK(def_shape(def) == legacy_shape(e, which));
        if (!is_numeric(def.type) && def.type != content::b) CHECK(def.enc == static_cast<uint8_t>(text_enc::ascii));
        if (def.type == content::xn) CHECK(def.sign == text_enc::ascii);
        if (def.prefix_digits)
            CHECK(def.prefix == (which == legacy_dialect::bcd ? prefix_enc::bcd : prefix_enc::ascii));
        else
            CHECK(def.prefix == prefix_enc::none);
    }
}

}  // namespace

TEST_CASE("the 1987 standard is the decoder's table, all ASCII", "[dialect]") {
    const dialect_def* s = standard("iso8583-1987");
    REQUIRE(s);
    CHECK_FALSE(s->fields[1].defined);
    for (unsigned f = 2; f <= 128; ++f) {
        INFO("field " << f);
        const legacy_element& e = legacy_1987[f - 2];
        CHECK(s->fields[f].defined);
        CHECK(s->fields[f].type == e.type);
        CHECK(s->fields[f].prefix_digits == e.prefix_digits);
        CHECK(s->fields[f].max == e.max);
        CHECK(s->fields[f].enc == 0);
        CHECK_FALSE(s->fields[f].enc_explicit);
        CHECK(s->fields[f].prefix == (e.prefix_digits ? prefix_enc::ascii : prefix_enc::none));
    }
    CHECK(s->fields[2].name == "primary account number");
    CHECK(standard("iso8583-2003") == nullptr);
    CHECK(standard("binary") == nullptr);
}

TEST_CASE("the 1993 standard changes the fields the 1993 edition changed", "[dialect]") {
    const dialect_def* s = standard("iso8583-1993");
    REQUIRE(s);
    auto is = [&](unsigned f, content t, uint8_t digits, uint16_t max) {
        INFO("field " << f);
        CHECK(s->fields[f].defined);
        CHECK(s->fields[f].type == t);
        CHECK(s->fields[f].prefix_digits == digits);
        CHECK(s->fields[f].max == max);
    };
    is(12, content::n, 0, 12);   // YYMMDDhhmmss
    is(22, content::an, 0, 12);  // POS data code
    is(24, content::n, 0, 3);    // function code
    is(25, content::n, 0, 4);
    is(28, content::n, 0, 6);    // no longer x+n
    is(31, content::ans, 2, 99);
    is(39, content::n, 0, 3);    // action code
    is(43, content::ans, 2, 99);
    is(53, content::b, 2, 48);
    is(55, content::b, 3, 255);
    is(96, content::b, 3, 999);
    is(105, content::n, 0, 16);
    is(110, content::ans, 2, 84);
    // Unchanged from 1987.
    is(2, content::n, 2, 19);
    is(4, content::n, 0, 12);
    is(7, content::n, 0, 10);
    is(65, content::b, 0, 8);
    is(128, content::b, 0, 8);
}

TEST_CASE("content names are the file's words", "[dialect]") {
    CHECK(content_name(content::n) == "n");
    CHECK(content_name(content::ans) == "ans");
    CHECK(content_name(content::xn) == "xn");
    CHECK(content_name(content::b) == "b");
}

TEST_CASE("every shipped dialect file loads", "[dialect]") {
    const std::pair<std::string_view, std::string_view> shipped[] = {
        {"binary", dialect_binary_text()}, {"hex", dialect_hex_text()}, {"bcd", dialect_bcd_text()},
        {"ebcdic", dialect_ebcdic_text()}, {"iso93-ascii", dialect_iso93_ascii_text()}};
    for (auto [name, text] : shipped) {
        INFO(name);
        loaded l = load(text, std::string(name) + ".toml");
        CHECK(l.ok);
        CHECK(l.errors.empty());
        CHECK(l.def.name == name);
        CHECK_FALSE(l.def.description.empty());
        // ... and as a base, with no file on disk.
        loaded child = load("base = \"" + std::string(name) + "\"\n");
        CHECK(child.ok);
        CHECK(child.def.files.size() == 2);
        CHECK(child.def.files.back() == "dialects/acme.toml");
        CHECK(child.def.name == "acme");
    }
}

TEST_CASE("binary.toml is the binary dialect the decoder has today", "[dialect]") {
    loaded l = load(dialect_binary_text(), "binary.toml");
    REQUIRE(l.ok);
    CHECK(l.def.mti == num_enc::ascii);
    CHECK(l.def.bitmap == bin_enc::raw);
    CHECK(l.def.bitmap_bytes == 16);
    CHECK(l.def.header_bytes == 0);
    check_matches_decoder(l.def, legacy_dialect::binary);
}

TEST_CASE("hex.toml is the hex dialect the decoder has today", "[dialect]") {
    loaded l = load(dialect_hex_text(), "hex.toml");
    REQUIRE(l.ok);
    CHECK(l.def.mti == num_enc::ascii);
    CHECK(l.def.bitmap == bin_enc::hex_ascii);
    check_matches_decoder(l.def, legacy_dialect::hex);
    CHECK(l.def.fields[52].enc == static_cast<uint8_t>(bin_enc::hex_ascii));
}

TEST_CASE("bcd.toml is the bcd dialect the decoder has today", "[dialect]") {
    loaded l = load(dialect_bcd_text(), "bcd.toml");
    REQUIRE(l.ok);
    CHECK(l.def.mti == num_enc::bcd_left);
    CHECK(l.def.bitmap == bin_enc::raw);
    check_matches_decoder(l.def, legacy_dialect::bcd);
    // Right-justified with a leading 0 nibble (field 22 "051" = 00 51), PAN included.
    CHECK(l.def.fields[22].enc == static_cast<uint8_t>(num_enc::bcd_left));
    CHECK(l.def.fields[2].enc == static_cast<uint8_t>(num_enc::bcd_left));
    CHECK(l.def.fields[35].enc == static_cast<uint8_t>(num_enc::bcd_left));
    CHECK(l.def.fields[28].sign == text_enc::ascii);  // x+n: ASCII C/D, BCD digits
    CHECK(l.def.fields[48].enc == static_cast<uint8_t>(text_enc::ascii));
}

TEST_CASE("ebcdic.toml: EBCDIC numerics, text and prefixes, binary bitmaps", "[dialect]") {
    loaded l = load(dialect_ebcdic_text(), "ebcdic.toml");
    REQUIRE(l.ok);
    CHECK(l.def.mti == num_enc::ebcdic);
    CHECK(l.def.bitmap == bin_enc::raw);
    CHECK(l.def.cp == code_page::cp1047);
    CHECK(l.def.fields[4].enc == static_cast<uint8_t>(num_enc::ebcdic));
    CHECK(l.def.fields[41].enc == static_cast<uint8_t>(text_enc::ebcdic));
    CHECK(l.def.fields[28].sign == text_enc::ebcdic);
    CHECK(l.def.fields[2].prefix == prefix_enc::ebcdic);
    CHECK(l.def.fields[52].enc == static_cast<uint8_t>(bin_enc::raw));
}

TEST_CASE("iso93-ascii.toml: the 1993 table, hex fixed b, raw variable b", "[dialect]") {
    loaded l = load(dialect_iso93_ascii_text(), "iso93-ascii.toml");
    REQUIRE(l.ok);
    CHECK(l.def.base == "iso8583-1993");
    CHECK(l.def.bitmap == bin_enc::hex_ascii);
    CHECK(l.def.fields[39].type == content::n);
    CHECK(l.def.fields[39].max == 3);
    CHECK(l.def.fields[64].enc == static_cast<uint8_t>(bin_enc::hex_ascii));
    CHECK(l.def.fields[55].enc == static_cast<uint8_t>(bin_enc::raw));
    CHECK(l.def.fields[96].enc == static_cast<uint8_t>(bin_enc::raw));
}

TEST_CASE("a standard base re-derives every encoding from [encoding]", "[dialect]") {
    loaded l = load("base = \"iso8583-1993\"\n[encoding]\nnumeric = \"bcd\"\n");
    REQUIRE(l.ok);
    CHECK(l.def.mti == num_enc::bcd_left);             // follows numeric
    CHECK(l.def.fields[12].enc == static_cast<uint8_t>(num_enc::bcd_left));
    CHECK(l.def.fields[2].prefix == prefix_enc::bcd);  // follows numeric
    CHECK(l.def.fields[43].enc == static_cast<uint8_t>(text_enc::ascii));
    CHECK(l.def.files == std::vector<std::string>{"dialects/acme.toml"});
}

TEST_CASE("a child's [encoding] merges key by key onto its base's", "[dialect]") {
    // binary.toml sets prefix and mti itself, so they stay ASCII; numerics move.
    loaded l = load("base = \"binary\"\n[encoding]\nnumeric = \"ebcdic\"\ncode_page = \"cp037\"\n");
    REQUIRE(l.ok);
    CHECK(l.def.fields[4].enc == static_cast<uint8_t>(num_enc::ebcdic));
    CHECK(l.def.fields[41].enc == static_cast<uint8_t>(text_enc::ascii));
    CHECK(l.def.fields[2].prefix == prefix_enc::ascii);
    CHECK(l.def.mti == num_enc::ascii);
    CHECK(l.def.cp == code_page::cp037);
    CHECK(l.def.files == std::vector<std::string>{"<built-in>/binary.toml", "dialects/acme.toml"});
}

TEST_CASE("fields merge key by key; an explicit enc is kept, the rest re-derived", "[dialect]") {
    loaded l = load(R"(name = "jpos87b"
base = "bcd"
[encoding]
text = "ebcdic"
[fields]
2  = { enc = "bcd-right" }
36 = { type = "ans" }
65 = { type = "b", len = 1 }
[fields.60]
name = "visa private"
type = "n"
len = "LL"
max = 12
prefix = "binary"
prefix_counts = "bytes"
)");
    REQUIRE(l.ok);
    const field_def& f2 = l.def.fields[2];
    CHECK(f2.enc_explicit);
    CHECK(f2.enc == static_cast<uint8_t>(num_enc::bcd_right));
    CHECK(f2.prefix == prefix_enc::bcd);
    CHECK(f2.max == 19);  // the rest of the field is the base's
    CHECK(f2.where.line == 6);
    CHECK(l.def.files[f2.where.file] == "dialects/acme.toml");
    CHECK(l.def.fields[3].enc == static_cast<uint8_t>(num_enc::bcd_left));
    const field_def& f36 = l.def.fields[36];  // n -> ans: now text, re-derived
    CHECK(f36.type == content::ans);
    CHECK(f36.prefix_digits == 3);
    CHECK(f36.max == 104);
    CHECK(f36.enc == static_cast<uint8_t>(text_enc::ebcdic));
    CHECK(l.def.fields[65].max == 1);
    const field_def& f60 = l.def.fields[60];
    CHECK(f60.name == "visa private");
    CHECK(f60.type == content::n);
    CHECK(f60.prefix_digits == 2);
    CHECK(f60.max == 12);
    CHECK(f60.prefix == prefix_enc::binary);
    CHECK(f60.prefix_counts_bytes);
    CHECK(f60.enc == static_cast<uint8_t>(num_enc::bcd_left));
}

TEST_CASE("fields.N = false removes a field; defining it again needs type and len", "[dialect]") {
    loaded l = load("base = \"binary\"\n[fields]\n48 = false\n127 = false\n");
    REQUIRE(l.ok);
    CHECK_FALSE(l.def.fields[48].defined);
    CHECK_FALSE(l.def.fields[127].defined);
    CHECK(l.def.fields[47].defined);
    loaded again = load("base = \"iso8583-1987\"\n[fields]\n48 = false\n");
    REQUIRE(again.ok);
    CHECK_FALSE(again.def.fields[48].defined);
}

TEST_CASE("dialect errors: one message each, with file, line and key", "[dialect]") {
    const std::string syntax = only_error("base = \"binary\"\nname = \n");
    CHECK(syntax.rfind("dialects/acme.toml:2: TOML syntax: ", 0) == 0);
    CHECK(only_error("base = \"bcdx\"\n") ==
          "dialects/acme.toml:1: base: no standard or built-in dialect \"bcdx\" (iso8583-1987, iso8583-1993, binary, "
          "hex, bcd, ebcdic, iso93-ascii; or a .toml or .xml file)");
    CHECK(only_error("\nbase = \"no-such-file-here.toml\"\n") ==
          "dialects/acme.toml:2: base: \"dialects/no-such-file-here.toml\": no such file");
    CHECK(only_error("base = \"links/acme\"\n") ==
          "dialects/acme.toml:1: base: a dialect file's name ends in .toml or .xml (\"links/acme\")");
    CHECK(only_error("base = 3\n") == "dialects/acme.toml:1: base: expected a string");
    CHECK(only_error("bsae = \"bcd\"\n") ==
          "dialects/acme.toml:1: bsae: unknown key (allowed: name, description, base, message, encoding, fields)");
}

TEST_CASE("dialect errors: [message] and [encoding]", "[dialect]") {
    CHECK(only_error("[message]\nbitmap_bytes = 12\n") ==
          "dialects/acme.toml:2: message.bitmap_bytes: must be 8 (primary bitmap only) or 16 (a secondary via bit 1)");
    CHECK(only_error("[message]\nheader = 65\n") == "dialects/acme.toml:2: message.header: must be 0..64, got 65");
    CHECK(only_error("[message]\nmti = \"bcd-right\"\n") ==
          "dialects/acme.toml:2: message.mti: \"bcd-right\" is not one of ascii, ebcdic, bcd");
    CHECK(only_error("[message]\nbitmap = \"hex\"\n") ==
          "dialects/acme.toml:2: message.bitmap: \"hex\" is not one of binary, hex-ascii, hex-ebcdic");
    CHECK(only_error("[encoding]\nnumeric = \"packed\"\n") ==
          "dialects/acme.toml:2: encoding.numeric: \"packed\" is not one of ascii, ebcdic, bcd, bcd-left, bcd-right, "
          "bcd-right-f");
    CHECK(only_error("[encoding]\ncode_page = \"cp1252\"\n") ==
          "dialects/acme.toml:2: encoding.code_page: \"cp1252\" is not one of cp1047, cp037, cp500");
    CHECK(only_error("[encoding]\nnumerics = \"bcd\"\n") ==
          "dialects/acme.toml:2: encoding.numerics: unknown key (allowed: code_page, numeric, text, binary, "
          "binary_var, prefix)");
    CHECK(only_error("message = 1\n") == "dialects/acme.toml:1: message: expected a table [message]");
}

TEST_CASE("dialect errors: lengths", "[dialect]") {
    CHECK(only_error("[fields.2]\nlen = \"LL\"\nmax = 120\n") ==
          "dialects/acme.toml:3: fields.2.max: an LL prefix of ASCII digits holds at most 99, got 120");
    CHECK(only_error("base = \"bcd\"\n[fields.44]\nmax = 100\n") ==
          "dialects/acme.toml:3: fields.44.max: an LL prefix of BCD digits holds at most 99, got 100");
    CHECK(only_error("[fields.60]\nlen = \"LL\"\nmax = 300\nprefix = \"binary\"\n") ==
          "dialects/acme.toml:3: fields.60.max: an LL (a 1-byte binary prefix) holds at most 255, got 300");
    // A prefix that counts bytes holds the wire size: 60 bytes as hex are 120 characters.
    CHECK(load("[fields.60]\ntype = \"b\"\nlen = \"LL\"\nmax = 60\nenc = \"hex-ascii\"\n").ok);
    CHECK(only_error("[fields.60]\ntype = \"b\"\nlen = \"LL\"\nmax = 60\nenc = \"hex-ascii\"\nprefix_counts = \"bytes\"\n") ==
          "dialects/acme.toml:4: fields.60.max: an LL prefix of ASCII digits holds at most 99, got 120 bytes");
    CHECK(only_error("[fields.2]\nlen = \"abc\"\n") ==
          "dialects/acme.toml:2: fields.2.len: expected a number (a fixed length) or \"L\", \"LL\", \"LLL\", "
          "\"LLLL\" (a length prefix)");
    CHECK(only_error("[fields.4]\nlen = 0\n") == "dialects/acme.toml:2: fields.4.len: a fixed length must be 1..4096, got 0");
    CHECK(only_error("[fields.4]\nmax = 14\n") ==
          "dialects/acme.toml:2: fields.4.max: a fixed field's length is len; max is for \"L\"..\"LLLL\" lengths");
    CHECK(only_error("[fields.4]\nlen = \"LL\"\n") ==
          "dialects/acme.toml:2: fields.4.len: a variable length needs max (the most units the field holds)");
    CHECK(only_error("[fields.2]\nmax = 10000\n") == "dialects/acme.toml:2: fields.2.max: must be 1..9999, got 10000");
}

TEST_CASE("dialect errors: encodings", "[dialect]") {
    CHECK(only_error("[fields.4]\nenc = \"hex-ascii\"\n") ==
          "dialects/acme.toml:2: fields.4.enc: \"hex-ascii\" is not an encoding for type n (ascii, ebcdic, bcd, "
          "bcd-left, bcd-right, bcd-right-f)");
    CHECK(only_error("[fields.41]\nenc = \"bcd\"\n") ==
          "dialects/acme.toml:2: fields.41.enc: \"bcd\" is not an encoding for type ans (ascii, ebcdic)");
    CHECK(only_error("[fields.52]\nenc = \"ascii\"\n") ==
          "dialects/acme.toml:2: fields.52.enc: \"ascii\" is not an encoding for type b (binary, hex-ascii, hex-ebcdic)");
    CHECK(only_error("[fields.4]\nprefix = \"bcd\"\n") == "dialects/acme.toml:2: fields.4.prefix: a fixed field has no length prefix");
    CHECK(only_error("[fields.4]\nsign = \"ebcdic\"\n") == "dialects/acme.toml:2: fields.4.sign: only type xn has a C/D sign");
    CHECK(only_error("[fields.2]\nprefix_counts = \"digits\"\n") ==
          "dialects/acme.toml:2: fields.2.prefix_counts: \"digits\" is not one of units, bytes");
    CHECK(only_error("[fields.2]\ntype = \"x\"\n") ==
          "dialects/acme.toml:2: fields.2.type: \"x\" is not one of n, a, an, ans, ns, as, s, b, z, xn");
}

TEST_CASE("dialect errors: field numbers and shapes", "[dialect]") {
    CHECK(only_error("[fields.1]\ntype = \"b\"\n") ==
          "dialects/acme.toml:1: fields.1: field 1 is the secondary bitmap; [message] bitmap_bytes = 8 or 16 sets it");
    CHECK(only_error("[fields.130]\ntype = \"b\"\n") ==
          "dialects/acme.toml:1: fields.130: fields above 128 (a tertiary bitmap) are not supported");
    CHECK(only_error("[fields.pan]\ntype = \"n\"\n") == "dialects/acme.toml:1: fields.pan: not a field number (2..128)");
    CHECK(only_error("[fields]\n2 = true\n") ==
          "dialects/acme.toml:2: fields.2: expected a table of field keys, or false to remove the field");
    CHECK(only_error("[fields.48]\nlength = 2\n") ==
          "dialects/acme.toml:2: fields.48.length: unknown key (allowed: name, type, len, max, enc, prefix, "
          "prefix_counts, sign, layout, tag_chars, len_digits, len_binary, lead, bitmap_bytes, bitmap, extends, "
          "first, delimiter, sub)");
}

TEST_CASE("a file with several problems lists each, top to bottom", "[dialect]") {
    loaded l = load("[fields.4]\nenc = \"hex-ascii\"\n[message]\nbitmap_bytes = 4\n[fields.2]\nmax = 120\n");
    CHECK_FALSE(l.ok);
    REQUIRE(l.errors.size() == 3);
    CHECK(l.errors[0].rfind("dialects/acme.toml:2: fields.4.enc: ", 0) == 0);
    CHECK(l.errors[1].rfind("dialects/acme.toml:4: message.bitmap_bytes: ", 0) == 0);
    CHECK(l.errors[2].rfind("dialects/acme.toml:6: fields.2.max: ", 0) == 0);
}

TEST_CASE("a failed load leaves the caller's dialect alone", "[dialect]") {
    dialect_def d;
    d.name = "before";
    config_errors errors;
    CHECK_FALSE(parse_dialect_toml("base = \"nope\"\n", "x.toml", d, errors));
    CHECK(d.name == "before");
}

TEST_CASE("broken text gives errors, never a crash", "[dialect]") {
    const std::string_view inputs[] = {"", "[[fields]]\n", "fields = 3\n", "[fields.2]\nlen = \"LLLLL\"\n",
                                       "[fields.2]\nlen = -1\n", "[fields.2.sub.1]\nlen = 1\n",
                                       "[fields]\n\"\" = {}\n", std::string_view("\0\xff[", 3),
                                       "[fields.2]\nmax = 9223372036854775807\n"};
    for (std::string_view in : inputs) {
        INFO(std::string(in));
        loaded l = load(in);
        CHECK(l.ok == l.errors.empty());
    }
    CHECK(load("").ok);  // an empty file is the 1987 standard in ASCII
}

TEST_CASE("layouts: tlv with a lead byte, sub-fields by tag", "[dialect]") {
    loaded l = load(R"(base = "ebcdic"
[fields.48]
layout = "tlv"
lead = 1
tag_chars = 2
len_digits = 2
[fields.48.sub.DI]
name = "device id"
type = "ans"
len = "LL"
max = 40
[fields.48.sub.EM]
type = "ans"
len = "LL"
max = 64
enc = "ascii"
)");
    REQUIRE(l.ok);
    const field_def& f = l.def.fields[48];
    CHECK(f.type == content::an);  // the base's shape stays
    REQUIRE(f.layout == layout_kind::tlv);
    REQUIRE(f.layout_index < l.def.layouts.size());
    const layout_def& t = l.def.layouts[f.layout_index];
    CHECK(t.kind == layout_kind::tlv);
    CHECK(t.lead_bytes == 1);
    CHECK(t.tag_chars == 2);
    REQUIRE(t.subs.size() == 2);
    CHECK(t.subs[0].first == "DI");
    CHECK(t.subs[0].second.name == "device id");
    CHECK(t.subs[0].second.max == 40);
    CHECK(t.subs[0].second.enc == static_cast<uint8_t>(text_enc::ebcdic));  // derived from [encoding]
    CHECK(t.subs[0].second.where.line == 7);
    CHECK(t.subs[1].first == "EM");
    CHECK(t.subs[1].second.enc == static_cast<uint8_t>(text_enc::ascii));   // explicit
}

TEST_CASE("layouts: a bitmapped field with mixed encodings, positional digits", "[dialect]") {
    loaded l = load(R"(base = "ebcdic"
[fields.62]
type = "b"
len = "LL"
max = 255
prefix = "binary"
layout = "bitmap"
bitmap_bytes = 1
[fields.62.sub.1]
type = "an"
len = 1
[fields.62.sub.2]
type = "n"
len = 15
enc = "bcd"
[fields.63]
layout = "positional"
[fields.63.sub.2]
type = "n"
len = 4
[fields.63.sub.1]
type = "an"
len = 2
)");
    REQUIRE(l.ok);
    const layout_def& b = l.def.layouts.at(l.def.fields[62].layout_index);
    CHECK(b.kind == layout_kind::bitmap);
    CHECK(b.bitmap_bytes == 1);
    REQUIRE(b.subs.size() == 2);
    CHECK(b.subs[1].second.enc == static_cast<uint8_t>(num_enc::bcd_left));
    const layout_def& p = l.def.layouts.at(l.def.fields[63].layout_index);
    CHECK(p.kind == layout_kind::positional);
    REQUIRE(p.subs.size() == 2);
    CHECK(p.subs[0].first == "1");  // read in number order, whatever the file's order
    CHECK(p.subs[1].first == "2");
}

TEST_CASE("dialect errors: layouts", "[dialect]") {
    CHECK(only_error("[fields.62]\nlayout = \"bitmap\"\nbitmap_bytes = 1\n[fields.62.sub.9]\ntype = \"an\"\nlen = 1\n") ==
          "dialects/acme.toml:4: fields.62.sub.9: bitmapped sub-field 9 is beyond the 1-byte sub-bitmap (fields 1-8)");
    CHECK(only_error("[fields.48]\ntag_chars = 2\n") ==
          "dialects/acme.toml:2: fields.48.tag_chars: needs a layout (layout = \"tlv\", \"bitmap\", ...)");
    CHECK(only_error("[fields.48]\nlayout = \"tlv\"\nbitmap_bytes = 2\n") ==
          "dialects/acme.toml:3: fields.48.bitmap_bytes: not a key of a tlv layout (it belongs to layout = \"bitmap\")");
    CHECK(only_error("[fields.48]\nlayout = \"tlv\"\n[fields.48.sub.DIX]\ntype = \"an\"\nlen = 1\n") ==
          "dialects/acme.toml:3: fields.48.sub.DIX: a tlv tag here has 2 characters (tag_chars)");
    CHECK(only_error("[fields.48]\nlayout = \"grid\"\n") ==
          "dialects/acme.toml:2: fields.48.layout: \"grid\" is not one of none, positional, tlv, bitmap, delimited");
    CHECK(only_error("[fields.48]\nlayout = \"positional\"\n[fields.48.sub.1]\ntype = \"n\"\nlen = 2\n"
                     "[fields.48.sub.3]\ntype = \"n\"\nlen = 2\n") ==
          "dialects/acme.toml:6: fields.48.sub.3: positional sub-fields are numbered 1, 2, 3 ... without a gap (2 is missing)");
    CHECK(only_error("[fields.48]\nlayout = \"positional\"\n[fields.48.sub.1]\ntype = \"n\"\n") ==
          "dialects/acme.toml:3: fields.48.sub.1: the base does not define this field, so it needs type and len");
    CHECK(only_error("[fields.48]\nlayout = \"delimited\"\ndelimiter = \"ab\"\n") ==
          "dialects/acme.toml:3: fields.48.delimiter: expected one character");
    // Sub-fields that overlap the field's end: 20 + 20 characters in a field of 30.
    CHECK(only_error("[fields.63]\nlen = \"LLL\"\nmax = 30\nlayout = \"positional\"\n"
                     "[fields.63.sub.1]\ntype = \"an\"\nlen = 20\n[fields.63.sub.2]\ntype = \"an\"\nlen = 20\n") ==
          "dialects/acme.toml:8: fields.63.sub.2: never fits: it starts at byte 20 or later and takes at least 20, "
          "but fields.63 holds at most 30");
    // A 2-byte sub-bitmap leaves no room for an 8-byte sub-field in a 9-byte field.
    CHECK(only_error("[fields.62]\ntype = \"b\"\nlen = \"LL\"\nmax = 9\nlayout = \"bitmap\"\nbitmap_bytes = 2\n"
                     "[fields.62.sub.1]\ntype = \"b\"\nlen = 8\n") ==
          "dialects/acme.toml:7: fields.62.sub.1: never fits: it starts at byte 2 or later and takes at least 8, "
          "but fields.62 holds at most 9");
}

TEST_CASE("layouts nest at most 3 deep", "[dialect]") {
    const std::string three = "[fields.48]\nlayout = \"positional\"\n"
                              "[fields.48.sub.1]\ntype = \"ans\"\nlen = 20\nlayout = \"positional\"\n"
                              "[fields.48.sub.1.sub.1]\ntype = \"ans\"\nlen = 10\nlayout = \"positional\"\n"
                              "[fields.48.sub.1.sub.1.sub.1]\ntype = \"n\"\nlen = 2\n";
    loaded ok = load(three);
    CHECK(ok.ok);
    CHECK(ok.def.layouts.size() == 3);
    CHECK(only_error(three + "layout = \"positional\"\n") ==
          "dialects/acme.toml:14: fields.48.sub.1.sub.1.sub.1.layout: layouts nest at most 3 deep");
}

// ---- Dialects by name or path (load_dialect) and file bases

namespace {

namespace fs = std::filesystem;

// A folder of the test's own under the temp directory, removed afterwards.
struct scratch_dir {
    fs::path root;
    scratch_dir() {
        static int serial = 0;
        root = fs::temp_directory_path() /
               ("txscreen-dialect-" + std::to_string(::getpid()) + "-" + std::to_string(serial++));
        fs::remove_all(root);
        fs::create_directories(root);
    }
    ~scratch_dir() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    void write(const std::string& rel, std::string_view text) const {
        fs::create_directories((root / rel).parent_path());
        std::ofstream(root / rel, std::ios::binary) << text;
    }
    std::string at(const std::string& rel) const { return (root / rel).lexically_normal().string(); }
};

loaded load_named(std::string_view name, const fs::path& base_dir) {
    loaded out;
    config_errors errors;  // bare: each file names itself
    out.ok = load_dialect(name, base_dir, out.def, errors);
    out.errors = errors.take();
    return out;
}

// A jPOS file with the 1993 shapes of 12 and 39 (or the 1987 ones), BCD MTI.
std::string jpos_file(bool iso1993) {
    const std::string f12 = iso1993 ? "12" : "6", f39 = iso1993 ? "3" : "2";
    return "<?xml version=\"1.0\"?>\n<isopackager>\n"
           "  <isofield id=\"0\" length=\"4\" name=\"MTI\" class=\"org.jpos.iso.IFB_NUMERIC\" pad=\"true\"/>\n"
           "  <isofield id=\"1\" length=\"16\" name=\"BIT MAP\" class=\"org.jpos.iso.IFB_BITMAP\"/>\n"
           "  <isofield id=\"2\" length=\"19\" name=\"PAN\" class=\"org.jpos.iso.IFB_LLNUM\" pad=\"true\"/>\n"
           "  <isofield id=\"12\" length=\"" + f12 + "\" name=\"LOCAL\" class=\"org.jpos.iso.IFB_NUMERIC\" pad=\"true\"/>\n"
           "  <isofield id=\"39\" length=\"" + f39 + "\" name=\"RC\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
           "</isopackager>\n";
}

}  // namespace

TEST_CASE("load_dialect: the built-in names need no file", "[dialect][load]") {
    for (std::string_view name : {"binary", "hex", "bcd", "ebcdic", "iso93-ascii"}) {
        INFO(name);
        loaded l = load_named(name, "/nonexistent");
        REQUIRE(l.ok);
        CHECK(l.errors.empty());
        CHECK(l.def.name == name);
        CHECK(l.def.files == std::vector<std::string>{"<built-in>/" + std::string(name) + ".toml"});
        CHECK(l.def.standard == (name == "iso93-ascii" ? "iso8583-1993" : "iso8583-1987"));
    }
}

TEST_CASE("dialect_def::standard is the root of the base chain", "[dialect][load]") {
    CHECK(load("").def.standard == "iso8583-1987");
    CHECK(load("base = \"iso8583-1993\"\n").def.standard == "iso8583-1993");
    CHECK(load("base = \"iso93-ascii\"\n").def.standard == "iso8583-1993");
    CHECK(load("base = \"bcd\"\n").def.standard == "iso8583-1987");
    CHECK(standard("iso8583-1987")->standard.empty());  // the tables themselves name no root
}

TEST_CASE("load_dialect: a path from the config's folder; bases from each file's folder", "[dialect][load]") {
    scratch_dir dir;
    dir.write("dialects/acme.toml", "base = \"link/base.toml\"\n[fields.48]\nlayout = \"tlv\"\n");
    dir.write("dialects/link/base.toml", "base = \"ebcdic\"\n[fields.2]\nmax = 12\n");
    loaded l = load_named("dialects/acme.toml", dir.root);
    INFO((l.errors.empty() ? "" : l.errors[0]));
    REQUIRE(l.ok);
    CHECK(l.def.name == "acme");
    CHECK(l.def.base == "link/base.toml");
    CHECK(l.def.standard == "iso8583-1987");
    CHECK(l.def.files == std::vector<std::string>{"<built-in>/ebcdic.toml", dir.at("dialects/link/base.toml"),
                                                  dir.at("dialects/acme.toml")});
    CHECK(l.def.mti == num_enc::ebcdic);
    CHECK(l.def.fields[2].max == 12);
    CHECK(l.def.fields[2].prefix == prefix_enc::ebcdic);
    CHECK(l.def.fields[48].layout == layout_kind::tlv);

    // A relative folder works the same (the config named by a relative path).
    const fs::path relative = fs::relative(dir.root, fs::current_path());
    loaded rel = load_named("dialects/acme.toml", relative);
    REQUIRE(rel.ok);
    CHECK(rel.def.files.back() == (relative / "dialects/acme.toml").lexically_normal().string());
    CHECK(rel.def.fields[2].max == 12);
}

TEST_CASE("load_dialect: jPOS XML files, directly and as a base", "[dialect][load]") {
    scratch_dir dir;
    dir.write("links/link93.xml", jpos_file(true));
    dir.write("links/link87.xml", jpos_file(false));
    dir.write("acme.toml", "base = \"links/link93.xml\"\n[fields.48]\ntype = \"ans\"\nlen = \"LLL\"\nmax = 999\n");

    loaded x93 = load_named("links/link93.xml", dir.root);
    REQUIRE(x93.ok);
    CHECK(x93.def.standard == "iso8583-1993");
    CHECK(x93.def.mti == num_enc::bcd_left);
    loaded x87 = load_named("links/link87.xml", dir.root);
    REQUIRE(x87.ok);
    CHECK(x87.def.standard == "iso8583-1987");

    loaded child = load_named("acme.toml", dir.root);
    INFO((child.errors.empty() ? "" : child.errors[0]));
    REQUIRE(child.ok);
    CHECK(child.def.standard == "iso8583-1993");
    CHECK(child.def.mti == num_enc::bcd_left);  // the XML's MTI survives the child's (default) encoding
    CHECK(child.def.files == std::vector<std::string>{dir.at("links/link93.xml"), dir.at("acme.toml")});
    CHECK(child.def.fields[2].enc == static_cast<uint8_t>(num_enc::bcd_left));  // IFB_LLNUM pad=true, kept
    CHECK(child.def.fields[48].defined);
    CHECK(child.def.fields[48].prefix == prefix_enc::ascii);  // the child's own [encoding]
}

TEST_CASE("load_dialect: a base cycle names the chain", "[dialect][load]") {
    scratch_dir dir;
    dir.write("a.toml", "base = \"sub/b.toml\"\n");
    dir.write("sub/b.toml", "\nbase = \"../a.toml\"\n");
    loaded l = load_named("a.toml", dir.root);
    CHECK_FALSE(l.ok);
    REQUIRE(l.errors.size() == 2);
    CHECK(l.errors[0] == dir.at("sub/b.toml") + ":2: base: cycle " + dir.at("a.toml") + " -> " + dir.at("sub/b.toml") +
                             " -> " + dir.at("a.toml"));
    CHECK(l.errors[1] == dir.at("a.toml") + ":1: base: the base \"" + dir.at("sub/b.toml") + "\" has errors");

    dir.write("self.toml", "base = \"self.toml\"\n");
    loaded self = load_named("self.toml", dir.root);
    REQUIRE(self.errors.size() == 1);
    CHECK(self.errors[0] == dir.at("self.toml") + ":1: base: cycle " + dir.at("self.toml") + " -> " + dir.at("self.toml"));
}

TEST_CASE("load_dialect: bases nest at most 4 deep", "[dialect][load]") {
    scratch_dir dir;
    for (int i = 2; i <= 4; ++i) dir.write("d" + std::to_string(i) + ".toml", "base = \"d" + std::to_string(i + 1) + ".toml\"\n");
    dir.write("d5.toml", "base = \"binary\"\n");
    // d2 -> d3 -> d4 -> d5 is 4 files; d5's built-in base would be a fifth level.
    dir.write("e5.toml", "");
    dir.write("e4.toml", "base = \"e5.toml\"\n");
    dir.write("e3.toml", "base = \"e4.toml\"\n");
    dir.write("e2.toml", "base = \"e3.toml\"\n");
    loaded four = load_named("e2.toml", dir.root);
    CHECK(four.ok);
    CHECK(four.def.files.size() == 4);

    loaded deep = load_named("d2.toml", dir.root);
    CHECK_FALSE(deep.ok);
    REQUIRE_FALSE(deep.errors.empty());
    CHECK(deep.errors[0] == dir.at("d5.toml") + ":1: base: bases nest at most 4 deep: " + dir.at("d2.toml") + " -> " +
                                dir.at("d3.toml") + " -> " + dir.at("d4.toml") + " -> " + dir.at("d5.toml") +
                                " -> <built-in>/binary.toml");
    CHECK(deep.errors.back() == dir.at("d2.toml") + ":1: base: the base \"" + dir.at("d3.toml") + "\" has errors");
}

TEST_CASE("load_dialect: a base file's own errors keep its name and line", "[dialect][load]") {
    scratch_dir dir;
    dir.write("acme.toml", "base = \"base.toml\"\n");
    dir.write("base.toml", "base = \"binary\"\n\n[fields.48]\nlayout = \"tlv\"\ntag_chars = 9\n");
    loaded l = load_named("acme.toml", dir.root);
    CHECK_FALSE(l.ok);
    REQUIRE(l.errors.size() == 2);
    CHECK(l.errors[0] == dir.at("base.toml") + ":5: fields.48.tag_chars: must be 1..8, got 9");
    CHECK(l.errors[1] == dir.at("acme.toml") + ":1: base: the base \"" + dir.at("base.toml") + "\" has errors");
}

TEST_CASE("load_dialect: what is refused, by name", "[dialect][load]") {
    scratch_dir dir;
    auto only = [&](std::string_view name) {
        loaded l = load_named(name, dir.root);
        CHECK_FALSE(l.ok);
        REQUIRE(l.errors.size() == 1);
        return l.errors[0];
    };
    CHECK(only("bcdx") == "\"bcdx\": no built-in dialect of that name (binary, hex, bcd, ebcdic, iso93-ascii), and a "
                          "dialect file's name ends in .toml or .xml");
    CHECK(only("iso8583-1987") == "\"iso8583-1987\": no built-in dialect of that name (binary, hex, bcd, ebcdic, "
                                  "iso93-ascii), and a dialect file's name ends in .toml or .xml");
    CHECK(only("dialects/none.toml") == dir.at("dialects/none.toml") + ": no such file");
    fs::create_directories(dir.root / "folder.toml");
    CHECK(only("folder.toml") == dir.at("folder.toml") + ": is a directory");
    dir.write("bad.toml", "base = \"binary\"\nname = \n");
    CHECK(only("bad.toml").starts_with(dir.at("bad.toml") + ":2: TOML syntax: "));
    dir.write("bad.xml", "<isopackager>\n<isofield id=\"0\"/>\n");
    CHECK(only("bad.xml").starts_with(dir.at("bad.xml") + ":"));
}
