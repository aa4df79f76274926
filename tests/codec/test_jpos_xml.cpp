// jPOS GenericPackager XML import (parse_jpos_xml): each class family becomes the field
// definition jPOS's wire layout implies, nested packagers become sub-field layouts, and
// every refusal names file, line and element. The XML is written here in jPOS's format
// (jPOS is AGPL; none of its files are copied).
#include <catch2/catch.hpp>

#include <string>
#include <tuple>
#include <vector>

#include "codec/iso_dialect.h"
#include "codec/xml_reader.h"
#include "config/config_errors.h"

using namespace txscreen;
using namespace txscreen::iso;

namespace {

struct imported {
    bool ok = false;
    dialect_def d;
    std::vector<std::string> errors;
};

imported import_xml(const std::string& xml) {
    imported r;
    config_errors errs;  // bare: the importer names the file itself
    r.ok = parse_jpos_xml(xml, "link.xml", r.d, errs);
    r.errors = errs.take();
    return r;
}

// Lines 1-5 are the prolog, isopackager and fields 0 and 1; `fields` start at line 6.
std::string packager(const std::string& fields, const std::string& mti = "org.jpos.iso.IFA_NUMERIC",
                     const std::string& bitmap = "org.jpos.iso.IFA_BITMAP", const std::string& top_attrs = "") {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
           "<!DOCTYPE isopackager PUBLIC \"-//jPOS/jPOS Generic Packager DTD 1.0//EN\" \"http://jpos.org/dtd/generic-packager-1.0.dtd\">\n"
           "<isopackager" + top_attrs + ">\n"
           "  <isofield id=\"0\" length=\"4\" name=\"MESSAGE TYPE INDICATOR\" class=\"" + mti + "\" pad=\"true\"/>\n"
           "  <isofield id=\"1\" length=\"16\" name=\"BIT MAP\" class=\"" + bitmap + "\"/>\n" +
           fields + "</isopackager>\n";
}

std::string field(int id, int length, const std::string& cls, const std::string& extra = "") {
    return "  <isofield id=\"" + std::to_string(id) + "\" length=\"" + std::to_string(length) + "\" name=\"F" +
           std::to_string(id) + "\" class=\"org.jpos.iso." + cls + "\"" + extra + "/>\n";
}

struct expect {
    content type;
    uint8_t prefix_digits;
    prefix_enc prefix;
    uint16_t max;
    uint8_t enc;
};
template <typename E>
constexpr uint8_t e(E v) { return static_cast<uint8_t>(v); }

void check_field(const field_def& f, const expect& x) {
    CHECK(f.defined);
    CHECK(f.enc_explicit);
    CHECK(f.type == x.type);
    CHECK(int(f.prefix_digits) == int(x.prefix_digits));
    CHECK(f.prefix == x.prefix);
    CHECK(f.max == x.max);
    CHECK(int(f.enc) == int(x.enc));
}

}  // namespace

TEST_CASE("an ISO87A-like ASCII packager imports with jPOS's layouts") {
    const auto r = import_xml(packager(field(2, 19, "IFA_LLNUM") + field(3, 6, "IFA_NUMERIC") + field(4, 12, "IFA_NUMERIC") +
                                       field(28, 9, "IFA_AMOUNT") + field(35, 37, "IFA_LLNUM") + field(41, 8, "IF_CHAR") +
                                       field(43, 40, "IF_CHAR") + field(48, 999, "IFA_LLLCHAR") + field(52, 8, "IFA_BINARY") +
                                       field(55, 999, "IFA_LLLBINARY") + field(56, 99, "IFA_LLABINARY") +
                                       field(62, 9999, "IFA_LLLLCHAR") + field(128, 8, "IFA_BINARY")));
    REQUIRE(r.errors.empty());
    REQUIRE(r.ok);
    CHECK(r.d.mti == num_enc::ascii);
    CHECK(r.d.bitmap == bin_enc::hex_ascii);
    CHECK(r.d.bitmap_bytes == 16);
    CHECK(r.d.cp == code_page::cp1047);
    CHECK(r.d.files == std::vector<std::string>{"link.xml"});
    check_field(r.d.fields[2], {content::n, 2, prefix_enc::ascii, 19, e(num_enc::ascii)});
    check_field(r.d.fields[3], {content::n, 0, prefix_enc::none, 6, e(num_enc::ascii)});
    check_field(r.d.fields[4], {content::n, 0, prefix_enc::none, 12, e(num_enc::ascii)});
    check_field(r.d.fields[28], {content::xn, 0, prefix_enc::none, 8, e(num_enc::ascii)});  // sign + 8 digits
    CHECK(r.d.fields[28].sign == text_enc::ascii);
    check_field(r.d.fields[35], {content::n, 2, prefix_enc::ascii, 37, e(num_enc::ascii)});
    check_field(r.d.fields[41], {content::ans, 0, prefix_enc::none, 8, e(text_enc::ascii)});
    check_field(r.d.fields[48], {content::ans, 3, prefix_enc::ascii, 999, e(text_enc::ascii)});
    check_field(r.d.fields[52], {content::b, 0, prefix_enc::none, 8, e(bin_enc::hex_ascii)});
    check_field(r.d.fields[55], {content::b, 3, prefix_enc::ascii, 999, e(bin_enc::raw)});  // LL*BINARY: raw bytes
    check_field(r.d.fields[56], {content::b, 2, prefix_enc::ascii, 99, e(bin_enc::hex_ascii)});
    check_field(r.d.fields[62], {content::ans, 4, prefix_enc::ascii, 9999, e(text_enc::ascii)});
    check_field(r.d.fields[128], {content::b, 0, prefix_enc::none, 8, e(bin_enc::hex_ascii)});
    CHECK(r.d.fields[41].name == "F41");
    CHECK(r.d.fields[41].where.line == 11);
    // Undefined fields stay undefined: no 1987 fallback.
    CHECK_FALSE(r.d.fields[5].defined);
    CHECK_FALSE(r.d.fields[64].defined);
}

TEST_CASE("an ISO87B-like binary packager: pad picks the BCD nibble side") {
    const auto r = import_xml(packager(
        field(2, 19, "IFB_LLNUM", " pad=\"false\"") + field(3, 6, "IFB_NUMERIC", " pad=\"true\"") +
            field(4, 12, "IFB_NUMERIC") + field(28, 9, "IFB_AMOUNT", " pad=\"true\"") + field(32, 11, "IFB_LLNUM", " pad=\"TRUE\"") +
            field(36, 104, "IFB_LLLCHAR") + field(45, 76, "IFB_LLCHAR") + field(52, 8, "IFB_BINARY") +
            field(60, 99, "IFB_LLHNUM") + field(61, 999, "IFB_LLLHCHAR") + field(62, 255, "IFB_LLHBINARY") +
            field(63, 99, "IFB_FLLNUM") + field(64, 8, "IFB_BINARY") + field(70, 3, "IFB_FNUMERIC", " pad=\"true\"") +
            field(97, 17, "IFB_AMOUNT") + field(100, 11, "IFB_LLLNUM") + field(104, 999, "IFB_LLLBINARY") +
            field(105, 99, "IFB_LLHECHAR"),
        "org.jpos.iso.IFB_NUMERIC", "org.jpos.iso.IFB_BITMAP", " headerLength=\"5\""));
    REQUIRE(r.errors.empty());
    REQUIRE(r.ok);
    CHECK(r.d.mti == num_enc::bcd_left);
    CHECK(r.d.bitmap == bin_enc::raw);
    CHECK(r.d.header_bytes == 5);
    check_field(r.d.fields[2], {content::n, 2, prefix_enc::bcd, 19, e(num_enc::bcd_right)});
    check_field(r.d.fields[3], {content::n, 0, prefix_enc::none, 6, e(num_enc::bcd_left)});
    check_field(r.d.fields[4], {content::n, 0, prefix_enc::none, 12, e(num_enc::bcd_right)});  // absent pad = false
    check_field(r.d.fields[28], {content::xn, 0, prefix_enc::none, 8, e(num_enc::bcd_left)});
    CHECK(r.d.fields[28].sign == text_enc::ascii);
    check_field(r.d.fields[32], {content::n, 2, prefix_enc::bcd, 11, e(num_enc::bcd_left)});
    check_field(r.d.fields[36], {content::ans, 3, prefix_enc::bcd, 104, e(text_enc::ascii)});  // text, not BCD
    check_field(r.d.fields[45], {content::ans, 2, prefix_enc::bcd, 76, e(text_enc::ascii)});
    check_field(r.d.fields[52], {content::b, 0, prefix_enc::none, 8, e(bin_enc::raw)});
    // Binary prefixes by length kind (LL: 1 byte, LLL: 2 bytes), as TOML's len = "LL".
    check_field(r.d.fields[60], {content::n, 2, prefix_enc::binary, 99, e(num_enc::bcd_right)});
    check_field(r.d.fields[61], {content::ans, 3, prefix_enc::binary, 999, e(text_enc::ascii)});
    check_field(r.d.fields[62], {content::b, 2, prefix_enc::binary, 255, e(bin_enc::raw)});
    check_field(r.d.fields[63], {content::n, 2, prefix_enc::bcd, 99, e(num_enc::bcd_right_f)});
    check_field(r.d.fields[70], {content::n, 0, prefix_enc::none, 3, e(num_enc::bcd_left)});
    check_field(r.d.fields[97], {content::xn, 0, prefix_enc::none, 16, e(num_enc::bcd_right)});
    check_field(r.d.fields[100], {content::n, 3, prefix_enc::bcd, 11, e(num_enc::bcd_right)});
    check_field(r.d.fields[104], {content::b, 3, prefix_enc::bcd, 999, e(bin_enc::raw)});
    check_field(r.d.fields[105], {content::ans, 2, prefix_enc::binary, 99, e(text_enc::ebcdic)});
}

TEST_CASE("an EBCDIC packager with IFE_ classes") {
    const auto r = import_xml(packager(
        field(2, 19, "IFE_LLNUM") + field(3, 6, "IFE_NUMERIC") + field(4, 12, "IFE_AMOUNT") + field(32, 11, "IFEB_LLNUM") +
            field(33, 11, "IFEB_LLLNUM") + field(41, 8, "IFE_CHAR") + field(43, 99, "IFE_LLCHAR") +
            field(48, 999, "IFE_LLLCHAR") + field(52, 8, "IFE_BINARY") + field(55, 999, "IFE_LLLBINARY") +
            field(60, 99, "IFEA_LLCHAR") + field(61, 99, "IFAE_LLCHAR"),
        "org.jpos.iso.IFE_NUMERIC", "org.jpos.iso.IFE_BITMAP"));
    REQUIRE(r.errors.empty());
    REQUIRE(r.ok);
    CHECK(r.d.mti == num_enc::ebcdic);
    CHECK(r.d.bitmap == bin_enc::hex_ebcdic);
    check_field(r.d.fields[2], {content::n, 2, prefix_enc::ebcdic, 19, e(num_enc::ebcdic)});
    check_field(r.d.fields[3], {content::n, 0, prefix_enc::none, 6, e(num_enc::ebcdic)});
    check_field(r.d.fields[4], {content::xn, 0, prefix_enc::none, 11, e(num_enc::ebcdic)});
    CHECK(r.d.fields[4].sign == text_enc::ebcdic);
    check_field(r.d.fields[32], {content::n, 2, prefix_enc::ebcdic, 11, e(num_enc::bcd_right_f)});
    CHECK(r.d.fields[32].prefix_counts_bytes);
    CHECK(r.d.fields[33].prefix_counts_bytes);
    CHECK_FALSE(r.d.fields[2].prefix_counts_bytes);
    check_field(r.d.fields[41], {content::ans, 0, prefix_enc::none, 8, e(text_enc::ebcdic)});
    check_field(r.d.fields[43], {content::ans, 2, prefix_enc::ebcdic, 99, e(text_enc::ebcdic)});
    check_field(r.d.fields[48], {content::ans, 3, prefix_enc::ebcdic, 999, e(text_enc::ebcdic)});
    check_field(r.d.fields[52], {content::b, 0, prefix_enc::none, 8, e(bin_enc::hex_ebcdic)});
    check_field(r.d.fields[55], {content::b, 3, prefix_enc::ebcdic, 999, e(bin_enc::raw)});
    check_field(r.d.fields[60], {content::ans, 2, prefix_enc::ebcdic, 99, e(text_enc::ascii)});
    check_field(r.d.fields[61], {content::ans, 2, prefix_enc::ascii, 99, e(text_enc::ebcdic)});
}

TEST_CASE("every supported class, with pad absent and pad=\"true\"") {
    using C = content;
    using PE = prefix_enc;
    const uint8_t na = e(num_enc::ascii), ne = e(num_enc::ebcdic), bl = e(num_enc::bcd_left), br = e(num_enc::bcd_right),
                  bf = e(num_enc::bcd_right_f), ta = e(text_enc::ascii), te = e(text_enc::ebcdic), raw = e(bin_enc::raw),
                  ha = e(bin_enc::hex_ascii), he = e(bin_enc::hex_ebcdic);
    struct row {
        const char* cls;
        C type;
        uint8_t digits;
        PE prefix;
        uint8_t enc_no_pad, enc_pad;
    };
    // length="9" for all: fixed fields hold 9, amounts 8 digits after the sign.
    const row rows[] = {
        {"IFA_NUMERIC", C::n, 0, PE::none, na, na},       {"IFA_LLNUM", C::n, 2, PE::ascii, na, na},
        {"IFA_LLLNUM", C::n, 3, PE::ascii, na, na},       {"IF_CHAR", C::ans, 0, PE::none, ta, ta},
        {"IFA_LLCHAR", C::ans, 2, PE::ascii, ta, ta},     {"IFA_LLLCHAR", C::ans, 3, PE::ascii, ta, ta},
        {"IFA_LLLLCHAR", C::ans, 4, PE::ascii, ta, ta},   {"IFA_AMOUNT", C::xn, 0, PE::none, na, na},
        {"IFA_BINARY", C::b, 0, PE::none, ha, ha},        {"IFA_LLBINARY", C::b, 2, PE::ascii, raw, raw},
        {"IFA_LLLBINARY", C::b, 3, PE::ascii, raw, raw},  {"IFA_LLLLBINARY", C::b, 4, PE::ascii, raw, raw},
        {"IFA_LLABINARY", C::b, 2, PE::ascii, ha, ha},    {"IFB_NUMERIC", C::n, 0, PE::none, br, bl},
        {"IFB_LLNUM", C::n, 2, PE::bcd, br, bl},          {"IFB_LLLNUM", C::n, 3, PE::bcd, br, bl},
        {"IFB_LLHNUM", C::n, 2, PE::binary, br, bl},      {"IFB_LLLHNUM", C::n, 3, PE::binary, br, bl},
        {"IFB_FNUMERIC", C::n, 0, PE::none, bf, bl},      {"IFB_FLLNUM", C::n, 2, PE::bcd, bf, bl},
        {"IFB_FLLLNUM", C::n, 3, PE::bcd, bf, bl},        {"IFB_LLCHAR", C::ans, 2, PE::bcd, ta, ta},
        {"IFB_LLLCHAR", C::ans, 3, PE::bcd, ta, ta},      {"IFB_LLLLCHAR", C::ans, 4, PE::bcd, ta, ta},
        {"IFB_LLHCHAR", C::ans, 2, PE::binary, ta, ta},   {"IFB_LLLHCHAR", C::ans, 3, PE::binary, ta, ta},
        {"IFB_LLHECHAR", C::ans, 2, PE::binary, te, te},  {"IFB_LLLHECHAR", C::ans, 3, PE::binary, te, te},
        {"IFB_BINARY", C::b, 0, PE::none, raw, raw},      {"IFB_LLBINARY", C::b, 2, PE::bcd, raw, raw},
        {"IFB_LLLBINARY", C::b, 3, PE::bcd, raw, raw},    {"IFB_LLLLBINARY", C::b, 4, PE::bcd, raw, raw},
        {"IFB_LLHBINARY", C::b, 2, PE::binary, raw, raw}, {"IFB_LLLHBINARY", C::b, 3, PE::binary, raw, raw},
        {"IFB_AMOUNT", C::xn, 0, PE::none, br, bl},       {"IFE_NUMERIC", C::n, 0, PE::none, ne, ne},
        {"IFE_LLNUM", C::n, 2, PE::ebcdic, ne, ne},       {"IFE_LLLNUM", C::n, 3, PE::ebcdic, ne, ne},
        {"IFE_CHAR", C::ans, 0, PE::none, te, te},        {"IFE_LLCHAR", C::ans, 2, PE::ebcdic, te, te},
        {"IFE_LLLCHAR", C::ans, 3, PE::ebcdic, te, te},   {"IFE_LLLLCHAR", C::ans, 4, PE::ebcdic, te, te},
        {"IFE_AMOUNT", C::xn, 0, PE::none, ne, ne},       {"IFE_BINARY", C::b, 0, PE::none, he, he},
        {"IFE_LLBINARY", C::b, 2, PE::ebcdic, raw, raw},  {"IFE_LLLBINARY", C::b, 3, PE::ebcdic, raw, raw},
        {"IFE_LLLLBINARY", C::b, 4, PE::ebcdic, raw, raw}, {"IFEB_LLNUM", C::n, 2, PE::ebcdic, bf, bf},
        {"IFEB_LLLNUM", C::n, 3, PE::ebcdic, bf, bf},     {"IFEA_LLCHAR", C::ans, 2, PE::ebcdic, ta, ta},
        {"IFAE_LLCHAR", C::ans, 2, PE::ascii, te, te},
    };
    for (const row& x : rows) {
        INFO(x.cls);
        const uint16_t max = x.type == C::xn ? 8 : 9;
        const auto plain = import_xml(packager(field(48, 9, x.cls)));
        REQUIRE(plain.ok);
        check_field(plain.d.fields[48], {x.type, x.digits, x.prefix, max, x.enc_no_pad});
        const auto padded = import_xml(packager(field(48, 9, x.cls, " pad=\"true\"")));
        REQUIRE(padded.ok);
        check_field(padded.d.fields[48], {x.type, x.digits, x.prefix, max, x.enc_pad});
        CHECK(plain.d.fields[48].prefix_counts_bytes == (std::string(x.cls).rfind("IFEB_", 0) == 0));
        CHECK(plain.d.fields[48].sign == (std::string(x.cls) == "IFE_AMOUNT" ? text_enc::ebcdic : text_enc::ascii));
    }
}

TEST_CASE("isofieldpackager: bitmapped and positional sub-fields") {
    const std::string nested =
        "  <isofieldpackager id=\"127\" length=\"999\" name=\"PRIVATE\" class=\"org.jpos.iso.IFB_LLLBINARY\"\n"  // line 6
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\" headerLength=\"1\">\n"
        "    <isofield id=\"0\" length=\"4\" name=\"never read\" class=\"org.jpos.iso.IF_CHAR\"/>\n"     // line 8
        "    <isofield id=\"1\" length=\"2\" name=\"bitmap\" class=\"org.jpos.iso.IFE_BITMAP\"/>\n"
        "    <isofield id=\"3\" length=\"20\" name=\"xid\" class=\"org.jpos.iso.IFE_CHAR\"/>\n"
        "    <isofield id=\"2\" length=\"6\" name=\"code\" class=\"org.jpos.iso.IFE_NUMERIC\"/>\n"
        "    <isofieldpackager id=\"9\" length=\"20\" name=\"cavv\" class=\"org.jpos.iso.IFB_BINARY\"\n"
        "        packager=\"org.jpos.iso.packager.GenericSubFieldPackager\" emitBitmap=\"false\">\n"
        "      <isofield id=\"1\" length=\"2\" name=\"usage\" class=\"org.jpos.iso.IFB_NUMERIC\"/>\n"
        "      <isofield id=\"2\" length=\"18\" name=\"rest\" class=\"org.jpos.iso.IFB_BINARY\"/>\n"
        "    </isofieldpackager>\n"
        "  </isofieldpackager>\n"
        "  <isofieldpackager id=\"60\" length=\"99\" name=\"POS\" class=\"org.jpos.iso.IFA_LLCHAR\" emitBitmap='false'\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"2\" name=\"terminal &amp; type\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
        "    <isofield id=\"2\" length=\"10\" name=\"postal\" class=\"org.jpos.iso.IFA_LLCHAR\"/>\n"
        "  </isofieldpackager>\n";
    const auto r = import_xml(packager(nested));
    REQUIRE(r.errors.empty());
    REQUIRE(r.ok);
    REQUIRE(r.d.layouts.size() == 3);

    const field_def& f127 = r.d.fields[127];
    check_field(f127, {content::b, 3, prefix_enc::bcd, 999, e(bin_enc::raw)});
    REQUIRE(f127.layout == layout_kind::bitmap);
    const layout_def& l127 = r.d.layouts[f127.layout_index];
    CHECK(l127.kind == layout_kind::bitmap);
    CHECK(l127.bitmap_bytes == 2);
    CHECK(l127.bitmap_form == bin_enc::hex_ebcdic);
    CHECK_FALSE(l127.extends);
    CHECK(l127.first_field == 1);  // bit n is sub-field n, as jPOS numbers bits
    CHECK(l127.header_bytes == 1);
    REQUIRE(l127.subs.size() == 3);  // 0 is ignored (warned), 1 is the bitmap
    CHECK(l127.subs[0].first == "2");
    check_field(l127.subs[0].second, {content::n, 0, prefix_enc::none, 6, e(num_enc::ebcdic)});
    CHECK(l127.subs[1].first == "3");
    check_field(l127.subs[1].second, {content::ans, 0, prefix_enc::none, 20, e(text_enc::ebcdic)});
    CHECK(l127.subs[2].first == "9");
    REQUIRE(l127.subs[2].second.layout == layout_kind::positional);
    const layout_def& l9 = r.d.layouts[l127.subs[2].second.layout_index];
    CHECK(l9.first_field == 1);
    REQUIRE(l9.subs.size() == 2);
    check_field(l9.subs[0].second, {content::n, 0, prefix_enc::none, 2, e(num_enc::bcd_right)});
    check_field(l9.subs[1].second, {content::b, 0, prefix_enc::none, 18, e(bin_enc::raw)});
    REQUIRE(r.d.warnings.size() == 1);
    CHECK(r.d.warnings[0] == "link.xml:8: field 127: isofield id=\"0\": never read (firstField is 2); ignored, as jPOS does");

    const field_def& f60 = r.d.fields[60];
    REQUIRE(f60.layout == layout_kind::positional);
    const layout_def& l60 = r.d.layouts[f60.layout_index];
    REQUIRE(l60.subs.size() == 2);
    CHECK(l60.subs[0].second.name == "terminal & type");
    check_field(l60.subs[1].second, {content::ans, 2, prefix_enc::ascii, 10, e(text_enc::ascii)});
}

TEST_CASE("a 16-byte sub-bitmap is 8 bytes, then 8 more when its bit 1 is set, as jPOS reads it") {
    const std::string nested =
        "  <isofieldpackager id=\"127\" length=\"999\" class=\"org.jpos.iso.IFB_LLLHBINARY\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"16\" class=\"org.jpos.iso.IFB_BITMAP\"/>\n"
        "    <isofield id=\"2\" length=\"4\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
        "    <isofield id=\"128\" length=\"8\" class=\"org.jpos.iso.IFB_LLHCHAR\"/>\n"
        "  </isofieldpackager>\n";
    const auto r = import_xml(packager(nested));
    REQUIRE(r.errors.empty());
    const field_def& f127 = r.d.fields[127];
    check_field(f127, {content::b, 3, prefix_enc::binary, 999, e(bin_enc::raw)});  // LLLH: 2 bytes
    REQUIRE(f127.layout == layout_kind::bitmap);
    const layout_def& l = r.d.layouts[f127.layout_index];
    CHECK(l.bitmap_bytes == 8);
    CHECK(l.extends);
    CHECK(l.first_field == 1);  // bit 2 is sub-field 2; bit 1 chains the second half
    REQUIRE(l.subs.size() == 2);
    CHECK(l.subs[1].first == "128");
    check_field(l.subs[1].second, {content::ans, 2, prefix_enc::binary, 8, e(text_enc::ascii)});  // LLH: 1 byte
}

namespace {

// The one error an import gives.
std::string only_error(const std::string& xml) {
    const auto r = import_xml(xml);
    CHECK_FALSE(r.ok);
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
}

}  // namespace

TEST_CASE("refusals name file, line, element and class") {
    CHECK(only_error(packager(field(2, 19, "IFA_LLNUM") + field(48, 999, "IFX_LLLCHAR"))) ==
          "link.xml:7: isofield id=\"48\" class=\"org.jpos.iso.IFX_LLLCHAR\": class not supported "
          "(docs/feeds.md, \"jPOS import\", lists the supported classes)");
    CHECK(only_error(packager("  <isofield id=\"48\" length=\"9\" class=\"com.acme.IF_CHAR\"/>\n")) ==
          "link.xml:6: isofield id=\"48\" class=\"com.acme.IF_CHAR\": class not supported "
          "(docs/feeds.md, \"jPOS import\", lists the supported classes)");
    // Classes jPOS has but the importer refuses (tagged, no-ops, signed).
    for (const char* cls : {"IF_TCHAR", "IF_NOP", "IFA_TTLLCHAR", "IFE_SIGNED_NUMERIC", "IFA_LLLLNUM"}) {
        INFO(cls);
        CHECK(only_error(packager(field(48, 9, cls))).find("link.xml:6: isofield id=\"48\" class=\"org.jpos.iso." +
                                                          std::string(cls) + "\": class not supported") == 0);
    }
    CHECK(only_error(packager(field(3, 6, "IFA_NUMERIC") + field(44, 150, "IFA_LLCHAR"))) ==
          "link.xml:7: isofield id=\"44\" class=\"org.jpos.iso.IFA_LLCHAR\" length=\"150\": "
          "an LL prefix of ASCII digits holds at most 99");
    CHECK(only_error(packager(field(44, 1000, "IFB_LLLCHAR"))) ==
          "link.xml:6: isofield id=\"44\" class=\"org.jpos.iso.IFB_LLLCHAR\" length=\"1000\": "
          "an LLL prefix of BCD digits holds at most 999");
    CHECK(only_error(packager(field(44, 256, "IFB_LLHCHAR"))) ==
          "link.xml:6: isofield id=\"44\" class=\"org.jpos.iso.IFB_LLHCHAR\" length=\"256\": "
          "a 1-byte binary prefix holds at most 255");
    CHECK(only_error(packager("  <isofield id=\"2\" length=\"abc\" class=\"org.jpos.iso.IFA_LLNUM\"/>\n")) ==
          "link.xml:6: isofield id=\"2\" length=\"abc\": length is not a number");
    CHECK(only_error(packager(field(2, 19, "IFA_LLNUM") + field(2, 19, "IFA_LLNUM"))) ==
          "link.xml:7: isofield id=\"2\": defined twice (first at line 6)");
    CHECK(only_error(packager(field(130, 4, "IFA_NUMERIC"))) ==
          "link.xml:6: isofield id=\"130\": fields above 128 (a tertiary bitmap) are not supported");
    CHECK(only_error(packager(field(4, 12, "IFB_NUMERIC", " pad=\"yes\""))) ==
          "link.xml:6: isofield id=\"4\" pad=\"yes\": pad must be true or false");
    CHECK(only_error(packager(field(28, 1, "IFA_AMOUNT"))) ==
          "link.xml:6: isofield id=\"28\" length=\"1\": an amount's length counts the C/D sign, so it must be at least 2");
    CHECK(only_error(packager(field(4, 12, "IFA_NUMERIC", " token=\"x\""))) ==
          "link.xml:6: isofield id=\"4\" token: attribute not supported by the importer (docs/feeds.md, \"jPOS import\")");
    CHECK(only_error(packager("  <isoxfield id=\"4\"/>\n")) ==
          "link.xml:6: isoxfield: unknown element (isopackager holds isofield and isofieldpackager)");
    CHECK(only_error(packager(field(53, 16, "IFA_BITMAP"))) ==
          "link.xml:6: isofield id=\"53\" class=\"org.jpos.iso.IFA_BITMAP\": "
          "a bitmap class is only allowed as field 1 or as the bitmap of sub-fields");
}

TEST_CASE("the MTI, the bitmap and the isopackager attributes are checked") {
    CHECK(only_error(packager("", "org.jpos.iso.IFA_LLNUM")) ==
          "link.xml:4: isofield id=\"0\" class=\"org.jpos.iso.IFA_LLNUM\": "
          "the MTI must be a fixed 4-digit numeric class (IFA_NUMERIC, IFE_NUMERIC or IFB_NUMERIC)");
    CHECK(only_error(packager("", "org.jpos.iso.IFA_NUMERIC", "org.jpos.iso.IF_CHAR")) ==
          "link.xml:5: isofield id=\"1\" class=\"org.jpos.iso.IF_CHAR\": "
          "field 1 must be a bitmap class (IFA_BITMAP, IFB_BITMAP or IFE_BITMAP)");
    CHECK(only_error(packager("", "org.jpos.iso.IFA_NUMERIC", "org.jpos.iso.IFA_BITMAP", " thirdBitmapField=\"65\"")) ==
          "link.xml:3: isopackager thirdBitmapField=\"65\": a tertiary bitmap is not supported");
    CHECK(only_error(packager("", "org.jpos.iso.IFA_NUMERIC", "org.jpos.iso.IFA_BITMAP", " emitBitmap=\"false\"")) ==
          "link.xml:3: isopackager emitBitmap=\"false\": a message without a bitmap is not supported");
    CHECK(only_error("<isopackager>\n  <isofield id=\"1\" length=\"8\" class=\"org.jpos.iso.IFB_BITMAP\"/>\n</isopackager>\n") ==
          "link.xml:1: isopackager: no isofield id=\"0\" (the MTI)");
    const auto r = import_xml(packager("", "org.jpos.iso.IFA_NUMERIC", "org.jpos.iso.IFA_BITMAP", " maxValidField=\"64\""));
    CHECK(r.ok);
    const auto b8 = import_xml(
        "<isopackager><isofield id='0' length='4' class='org.jpos.iso.IFB_NUMERIC'/>"
        "<isofield id='1' length='8' class='org.jpos.iso.IFB_BITMAP'/></isopackager>");
    CHECK(b8.ok);
    CHECK(b8.d.bitmap_bytes == 8);
    CHECK(only_error(
              "<isopackager><isofield id='0' length='4' class='org.jpos.iso.IFB_NUMERIC'/>\n"
              "<isofield id='1' length='24' class='org.jpos.iso.IFB_BITMAP'/></isopackager>") ==
          "link.xml:2: isofield id=\"1\" length=\"24\": the bitmap length must be 8 or 16 bytes (a tertiary bitmap is not supported)");
}

TEST_CASE("nested packager refusals") {
    const std::string base1 =
        "  <isofieldpackager id=\"127\" length=\"255\" class=\"org.jpos.iso.IFB_LLHBINARY\"\n"
        "      packager=\"org.jpos.iso.packager.Base1SubFieldPackager\">\n"
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(base1)) ==
          "link.xml:6: isofieldpackager id=\"127\" packager=\"org.jpos.iso.packager.Base1SubFieldPackager\": "
          "packager not supported (supported: GenericSubFieldPackager, GenericPackager, GenericTaggedFieldsPackager)");
    const std::string no_bitmap =
        "  <isofield id=\"2\" length=\"19\" class=\"org.jpos.iso.IFA_LLNUM\"/>\n"
        "  <isofieldpackager id=\"127\" length=\"255\" class=\"org.jpos.iso.IFB_LLHBINARY\"\n"  // line 7
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"19\" class=\"org.jpos.iso.IFB_LLHNUM\"/>\n"
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(no_bitmap)) ==
          "link.xml:7: isofieldpackager id=\"127\": GenericSubFieldPackager emits a bitmap unless emitBitmap=\"false\", "
          "but sub-field 1 is org.jpos.iso.IFB_LLHNUM, not a bitmap class");
    const std::string twice_ebcdic =
        "  <isofieldpackager id=\"48\" length=\"999\" class=\"org.jpos.iso.IFE_LLLCHAR\" emitBitmap=\"false\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"4\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
        "    <isofield id=\"2\" length=\"4\" class=\"org.jpos.iso.IFE_CHAR\"/>\n"  // line 9
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(twice_ebcdic)) ==
          "link.xml:9: isofieldpackager id=\"48\": inner class org.jpos.iso.IFE_CHAR under outer org.jpos.iso.IFE_LLLCHAR "
          "is translated from EBCDIC twice by jPOS; make the outer field IFE_LLLBINARY");
    const std::string gap =
        "  <isofieldpackager id=\"48\" length=\"999\" class=\"org.jpos.iso.IFA_LLLCHAR\" emitBitmap=\"false\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"4\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
        "    <isofield id=\"3\" length=\"4\" class=\"org.jpos.iso.IF_CHAR\"/>\n"  // line 9
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(gap)) ==
          "link.xml:9: field 48: isofield id=\"3\": sub-field 2 is missing (positional sub-fields run from firstField without gaps)");
    const std::string beyond =
        "  <isofieldpackager id=\"62\" length=\"999\" class=\"org.jpos.iso.IFB_LLLBINARY\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"1\" class=\"org.jpos.iso.IFB_BITMAP\"/>\n"
        "    <isofield id=\"9\" length=\"4\" class=\"org.jpos.iso.IF_CHAR\"/>\n"  // line 9
        "  </isofieldpackager>\n";
    const std::string only_bitmap =
        "  <isofieldpackager id=\"62\" length=\"999\" class=\"org.jpos.iso.IFB_LLLBINARY\"\n"
        "      packager=\"org.jpos.iso.packager.GenericPackager\">\n"
        "    <isofield id=\"1\" length=\"8\" class=\"org.jpos.iso.IFB_BITMAP\"/>\n"
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(only_bitmap)) == "link.xml:6: isofieldpackager id=\"62\": no sub-fields besides the bitmap");
    CHECK(only_error(packager(beyond)) ==
          "link.xml:9: field 62: isofield id=\"9\": beyond the 1-byte sub-bitmap (sub-fields 1-8)");
}

TEST_CASE("GenericTaggedFieldsPackager: text TLV keyed by the wire tag") {
    auto tagged = [](const std::string& attrs, const std::string& subs) {
        return packager("  <isofieldpackager id=\"48\" length=\"999\" name=\"ADDITIONAL\" class=\"org.jpos.iso.IFA_LLLCHAR\"\n"
                        "      packager=\"org.jpos.iso.packager.GenericTaggedFieldsPackager\"" + attrs + ">\n" + subs +
                        "  </isofieldpackager>\n");
    };
    const std::string mapper2 = " tagMapper=\"org.jpos.iso.packager.TTDecimalTagMapper\" tagSize=\"2\" lenSize=\"2\"";
    const auto r = import_xml(tagged(mapper2,
                                     "    <isofield id=\"1\" length=\"20\" name=\"one\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"
                                     "    <isofield id=\"586\" length=\"40\" name=\"device\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"
                                     "    <isofield id=\"110\" length=\"9\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"));
    REQUIRE(r.errors.empty());
    REQUIRE(r.ok);
    const field_def& f48 = r.d.fields[48];
    check_field(f48, {content::ans, 3, prefix_enc::ascii, 999, e(text_enc::ascii)});
    REQUIRE(f48.layout == layout_kind::tlv);
    const layout_def& l = r.d.layouts[f48.layout_index];
    CHECK(l.tag_chars == 2);
    CHECK(l.len_digits == 2);
    REQUIRE(l.subs.size() == 3);
    CHECK(l.subs[0].first == "01");
    check_field(l.subs[0].second, {content::ans, 2, prefix_enc::ascii, 20, e(text_enc::ascii)});
    CHECK(l.subs[1].first == "DI");  // 586 - 100 = 486 = "DI" in radix 36
    CHECK(l.subs[1].second.name == "device");
    CHECK(l.subs[2].first == "0A");
    CHECK(only_error(tagged(" tagMapper=\"com.acme.Mapper\" tagSize=\"2\" lenSize=\"2\"",
                            "    <isofield id=\"1\" length=\"20\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n")) ==
          "link.xml:6: isofieldpackager id=\"48\" tagMapper=\"com.acme.Mapper\": tag mapper not supported "
          "(supported: org.jpos.iso.packager.TTDecimalTagMapper, TTTDecimalTagMapper)");
    CHECK(only_error(tagged(mapper2, "    <isofield id=\"1\" length=\"20\" class=\"org.jpos.iso.IFA_TTLLLCHAR\"/>\n")) ==
          "link.xml:8: field 48: isofield id=\"1\" class=\"org.jpos.iso.IFA_TTLLLCHAR\": the class reads a 2-character tag "
          "and 3 length digits; the packager says tagSize=2 lenSize=2");
    CHECK(only_error(tagged(mapper2, "    <isofield id=\"105\" length=\"20\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n")) ==
          "link.xml:8: field 48: isofield id=\"105\": no 2-character tag maps to this id");
    CHECK(only_error(tagged(mapper2 + " swapTagAndLen=\"true\"", "")) ==
          "link.xml:6: isofieldpackager id=\"48\" swapTagAndLen=\"true\": a length before the tag is not supported");
    // The TT classes are refused outside a tagged packager.
    CHECK(only_error(packager(field(48, 99, "IFA_TTLLCHAR"))).find("class not supported") != std::string::npos);
}

TEST_CASE("sub-fields nest at most 3 levels") {
    auto level = [](int id, const std::string& inner) {
        return "<isofieldpackager id=\"" + std::to_string(id) +
               "\" length=\"999\" class=\"org.jpos.iso.IFB_LLLBINARY\" emitBitmap=\"false\" "
               "packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n" + inner + "</isofieldpackager>\n";
    };
    const std::string leaf = "<isofield id=\"1\" length=\"4\" class=\"org.jpos.iso.IF_CHAR\"/>\n";
    const auto three = import_xml(packager(level(127, level(1, level(1, leaf)))));  // 127.1.1.1
    CHECK(three.ok);
    CHECK(three.d.layouts.size() == 3);
    const auto four = import_xml(packager(level(127, level(1, level(1, level(1, leaf))))));
    CHECK_FALSE(four.ok);
    REQUIRE_FALSE(four.errors.empty());
    CHECK(four.errors[0] == "link.xml:9: field 127.1.1: isofieldpackager id=\"1\": sub-fields nested more than 3 levels deep are not supported");
}

TEST_CASE("malformed XML is refused with its line") {
    CHECK(only_error("<isopackager>\n<isofield id=\"2\" length=19/>\n</isopackager>") ==
          "link.xml:2: xml: not well-formed: attribute \"length\": value must be quoted");
    CHECK(only_error("<isopackager>\n<isofield id=\"2\">\n</isopackager>") ==
          "link.xml:3: xml: not well-formed: </isopackager> closes <isofield>");
    CHECK(only_error("<isopackager>\n<!-- open comment\n") == "link.xml:2: xml: not well-formed: unterminated comment");
    CHECK(only_error("<isopackager name=\"a &bogus; b\"/>") ==
          "link.xml:1: xml: not well-formed: unknown entity reference &bogus;");
    CHECK(only_error("<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n<isopackager/>") ==
          "link.xml:1: xml: not well-formed: a DOCTYPE internal subset (entity declarations) is not supported");
    CHECK(only_error("<isopackager/>\n<isopackager/>") == "link.xml:2: xml: not well-formed: text after the document element");
    CHECK(only_error("") == "link.xml:1: xml: not well-formed: expected the document element");
    std::string deep;
    for (int i = 0; i < 17; ++i) deep += "<a>\n";
    CHECK(only_error(deep) == "link.xml:17: xml: not well-formed: elements nested deeper than 16");
    CHECK(only_error(std::string(xml::max_input_bytes + 1, ' ')) ==
          "link.xml:1: xml: file is larger than 1048576 bytes");
    CHECK(only_error("<dialect/>") ==
          "link.xml:1: dialect: the document element must be isopackager (a jPOS GenericPackager file)");
}

TEST_CASE("acceptance 3: an unknown class, overlapping sub-fields and a length its prefix cannot hold, with file:line") {
    // Unknown classes of each family, at the top and as a sub-field.
    CHECK(only_error(packager(field(2, 19, "IFE_LLLLLNUM"))) ==
          "link.xml:6: isofield id=\"2\" class=\"org.jpos.iso.IFE_LLLLLNUM\": class not supported "
          "(docs/feeds.md, \"jPOS import\", lists the supported classes)");
    const std::string unknown_sub =
        "  <isofieldpackager id=\"60\" length=\"99\" class=\"org.jpos.iso.IFA_LLCHAR\" emitBitmap=\"false\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"2\" class=\"org.jpos.iso.IFZ_CHAR\"/>\n"  // line 8
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(unknown_sub)) ==
          "link.xml:8: field 60: isofield id=\"1\" class=\"org.jpos.iso.IFZ_CHAR\": class not supported "
          "(docs/feeds.md, \"jPOS import\", lists the supported classes)");

    // Overlapping sub-fields: the same sub-field id twice (positional or bitmapped), the
    // same TLV tag twice.
    const std::string same_id =
        "  <isofieldpackager id=\"60\" length=\"99\" class=\"org.jpos.iso.IFA_LLCHAR\" emitBitmap=\"false\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"2\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
        "    <isofield id=\"2\" length=\"4\" class=\"org.jpos.iso.IF_CHAR\"/>\n"  // line 9
        "    <isofield id=\"2\" length=\"6\" class=\"org.jpos.iso.IFA_NUMERIC\"/>\n"  // line 10
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(same_id)) == "link.xml:10: field 60: isofield id=\"2\": defined twice (first at line 9)");
    const std::string same_tag =
        "  <isofieldpackager id=\"48\" length=\"999\" class=\"org.jpos.iso.IFE_LLLCHAR\"\n"
        "      packager=\"org.jpos.iso.packager.GenericTaggedFieldsPackager\"\n"
        "      tagMapper=\"org.jpos.iso.packager.TTDecimalTagMapper\" tagSize=\"2\" lenSize=\"2\">\n"
        "    <isofield id=\"1\" length=\"40\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"  // line 9
        "    <isofield id=\"2\" length=\"45\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"
        "    <isofield id=\"1\" length=\"64\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"  // line 11
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(same_tag)) ==
          "link.xml:11: field 48: isofield id=\"1\": tag \"01\" defined twice (first at line 9)");

    // Sub-fields the field cannot hold: a positional one that starts past the field's
    // end, and a bitmapped one longer than the field after its sub-bitmap.
    const std::string past_end =
        "  <isofieldpackager id=\"60\" length=\"20\" class=\"org.jpos.iso.IFA_LLCHAR\" emitBitmap=\"false\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"12\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
        "    <isofield id=\"2\" length=\"99\" class=\"org.jpos.iso.IFA_LLCHAR\"/>\n"  // bytes 12.. at the earliest
        "    <isofield id=\"3\" length=\"8\" class=\"org.jpos.iso.IFB_NUMERIC\"/>\n"  // line 10: 14 + 4 fits
        "    <isofield id=\"4\" length=\"4\" class=\"org.jpos.iso.IFA_NUMERIC\"/>\n"  // line 11: 18 + 4 does not
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(past_end)) ==
          "link.xml:11: field 60: isofield id=\"4\": never fits: it starts at byte 18 or later and takes at least 4, "
          "but field 60 holds at most 20");
    const std::string too_long =
        "  <isofieldpackager id=\"62\" length=\"16\" class=\"org.jpos.iso.IFB_LLBINARY\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"1\" class=\"org.jpos.iso.IFA_BITMAP\"/>\n"  // 2 hex characters
        "    <isofield id=\"2\" length=\"14\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
        "    <isofield id=\"3\" length=\"8\" class=\"org.jpos.iso.IFA_BINARY\"/>\n"  // line 10: 16 hex characters
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(too_long)) ==
          "link.xml:10: field 62: isofield id=\"3\": never fits: it starts at byte 2 or later and takes at least 16, "
          "but field 62 holds at most 16");

    // Lengths their prefix cannot hold, for every prefix kind, at the top and inside.
    CHECK(only_error(packager(field(44, 150, "IFE_LLCHAR"))) ==
          "link.xml:6: isofield id=\"44\" class=\"org.jpos.iso.IFE_LLCHAR\" length=\"150\": "
          "an LL prefix of EBCDIC digits holds at most 99");
    CHECK(only_error(packager(field(48, 1500, "IFE_LLLCHAR"))) ==
          "link.xml:6: isofield id=\"48\" class=\"org.jpos.iso.IFE_LLLCHAR\" length=\"1500\": "
          "an LLL prefix of EBCDIC digits holds at most 999");
    CHECK(only_error(packager(field(48, 1500, "IFA_LLLCHAR"))) ==
          "link.xml:6: isofield id=\"48\" class=\"org.jpos.iso.IFA_LLLCHAR\" length=\"1500\": "
          "an LLL prefix of ASCII digits holds at most 999");
    CHECK(only_error(packager(field(2, 100, "IFB_LLNUM"))) ==
          "link.xml:6: isofield id=\"2\" class=\"org.jpos.iso.IFB_LLNUM\" length=\"100\": "
          "an LL prefix of BCD digits holds at most 99");
    CHECK(only_error(packager(field(55, 300, "IFB_LLHBINARY"))) ==
          "link.xml:6: isofield id=\"55\" class=\"org.jpos.iso.IFB_LLHBINARY\" length=\"300\": "
          "a 1-byte binary prefix holds at most 255");
    CHECK(only_error(packager(field(55, 70000, "IFB_LLLHBINARY"))) ==
          "link.xml:6: isofield id=\"55\" length=\"70000\": length must be at most 9999 (the longest field txscreen reads)");
    const std::string inner_prefix =
        "  <isofieldpackager id=\"60\" length=\"999\" class=\"org.jpos.iso.IFA_LLLCHAR\" emitBitmap=\"false\"\n"
        "      packager=\"org.jpos.iso.packager.GenericSubFieldPackager\">\n"
        "    <isofield id=\"1\" length=\"120\" class=\"org.jpos.iso.IFA_LLCHAR\"/>\n"  // line 8
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(inner_prefix)) ==
          "link.xml:8: field 60: isofield id=\"1\" class=\"org.jpos.iso.IFA_LLCHAR\" length=\"120\": "
          "an LL prefix of ASCII digits holds at most 99");
    const std::string tlv_prefix =
        "  <isofieldpackager id=\"48\" length=\"999\" class=\"org.jpos.iso.IFA_LLLCHAR\"\n"
        "      packager=\"org.jpos.iso.packager.GenericTaggedFieldsPackager\"\n"
        "      tagMapper=\"org.jpos.iso.packager.TTDecimalTagMapper\" tagSize=\"2\" lenSize=\"2\">\n"
        "    <isofield id=\"1\" length=\"100\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"  // line 9
        "  </isofieldpackager>\n";
    CHECK(only_error(packager(tlv_prefix)) ==
          "link.xml:9: field 48: isofield id=\"1\" length=\"100\": length must be 1..99");
}

// The packager tests/codec/jpos_ebcdic_acceptance.py writes for its EBCDIC link (the same
// classes and lengths): what the script's encoder writes is what this model reads.
TEST_CASE("the EBCDIC link of the acceptance test imports as its encoder writes it") {
    std::string fields;
    for (const auto& [id, len, cls] : std::vector<std::tuple<int, int, const char*>>{
             {2, 19, "IFE_LLNUM"}, {3, 6, "IFE_NUMERIC"}, {4, 12, "IFE_NUMERIC"}, {7, 10, "IFE_NUMERIC"},
             {11, 6, "IFE_NUMERIC"}, {12, 6, "IFE_NUMERIC"}, {13, 4, "IFE_NUMERIC"}, {14, 4, "IFE_NUMERIC"},
             {18, 4, "IFE_NUMERIC"}, {22, 3, "IFE_NUMERIC"}, {25, 2, "IFE_NUMERIC"}, {32, 11, "IFB_LLHECHAR"},
             {37, 12, "IFE_CHAR"}, {38, 6, "IFE_CHAR"}, {39, 2, "IFE_CHAR"}, {41, 8, "IFE_CHAR"},
             {42, 15, "IFE_CHAR"}, {43, 40, "IFE_CHAR"}, {49, 3, "IFE_NUMERIC"}, {102, 28, "IFB_LLLHECHAR"}})
        fields += field(id, len, cls);
    fields +=
        "  <isofieldpackager id=\"48\" length=\"999\" name=\"ADDITIONAL DATA - PRIVATE\" class=\"org.jpos.iso.IFE_LLLCHAR\"\n"
        "      packager=\"org.jpos.iso.packager.GenericTaggedFieldsPackager\"\n"
        "      tagMapper=\"org.jpos.iso.packager.TTDecimalTagMapper\" tagSize=\"2\" lenSize=\"2\">\n"
        "    <isofield id=\"1\" length=\"40\" name=\"DEVICE ID\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"
        "    <isofield id=\"2\" length=\"45\" name=\"IP ADDRESS\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"
        "    <isofield id=\"3\" length=\"64\" name=\"E-MAIL\" class=\"org.jpos.iso.IFA_TTLLCHAR\"/>\n"
        "  </isofieldpackager>\n";
    const auto r = import_xml(packager(fields, "org.jpos.iso.IFE_NUMERIC", "org.jpos.iso.IFB_BITMAP"));
    REQUIRE(r.errors.empty());
    REQUIRE(r.ok);
    CHECK(r.d.cp == code_page::cp1047);  // iconv IBM1047 in the script
    CHECK(r.d.mti == num_enc::ebcdic);
    CHECK(r.d.bitmap == bin_enc::raw);
    CHECK(r.d.bitmap_bytes == 16);
    CHECK(r.d.header_bytes == 0);
    // The script: n LL -> 2 EBCDIC length digits then EBCDIC digits; n fixed -> EBCDIC
    // digits zero-padded left; CHAR -> EBCDIC space-padded right.
    check_field(r.d.fields[2], {content::n, 2, prefix_enc::ebcdic, 19, e(num_enc::ebcdic)});
    // IFB_LLHECHAR, IFB_LLLHECHAR -> a 1- or 2-byte binary length, then EBCDIC text.
    check_field(r.d.fields[32], {content::ans, 2, prefix_enc::binary, 11, e(text_enc::ebcdic)});
    for (int id : {3, 4, 7, 11, 12, 13, 14, 18, 22, 25, 49}) {
        INFO("field " << id);
        CHECK(r.d.fields[id].type == content::n);
        CHECK(r.d.fields[id].prefix == prefix_enc::none);
        CHECK(r.d.fields[id].enc == e(num_enc::ebcdic));
    }
    CHECK(r.d.fields[4].max == 12);
    check_field(r.d.fields[43], {content::ans, 0, prefix_enc::none, 40, e(text_enc::ebcdic)});
    check_field(r.d.fields[102], {content::ans, 3, prefix_enc::binary, 28, e(text_enc::ebcdic)});
    // 48: LLL EBCDIC, the whole content EBCDIC (tags and lengths too: the outer class
    // translates before the tagged packager reads), sub-elements by wire tag.
    const field_def& f48 = r.d.fields[48];
    check_field(f48, {content::ans, 3, prefix_enc::ebcdic, 999, e(text_enc::ebcdic)});
    REQUIRE(f48.layout == layout_kind::tlv);
    const layout_def& l = r.d.layouts[f48.layout_index];
    CHECK(l.tag_chars == 2);
    CHECK(l.len_digits == 2);
    CHECK_FALSE(l.len_binary);
    REQUIRE(l.subs.size() == 3);
    const char* tags[] = {"01", "02", "03"};
    const uint16_t lengths[] = {40, 45, 64};
    for (int i = 0; i < 3; ++i) {
        CHECK(l.subs[i].first == tags[i]);
        check_field(l.subs[i].second, {content::ans, 2, prefix_enc::ascii, lengths[i], e(text_enc::ascii)});
    }
    // Undefined fields stay undefined: the script's misfit sets bit 60.
    CHECK_FALSE(r.d.fields[60].defined);
    CHECK_FALSE(r.d.fields[5].defined);
}

TEST_CASE("a file with many problems shows the first 50") {
    std::string fields;
    for (int i = 0; i < 60; ++i) fields += "  <isofield" + std::to_string(i) + "/>\n";
    const auto r = import_xml(packager(fields));
    CHECK_FALSE(r.ok);
    REQUIRE(r.errors.size() == 51);
    CHECK(r.errors[0] == "link.xml:6: isofield0: unknown element (isopackager holds isofield and isofieldpackager)");
    CHECK(r.errors[50] == "link.xml: 10 more problems not shown");
}

TEST_CASE("the XML reader: entities, comments, quotes") {
    xml::element root;
    xml::parse_error err;
    REQUIRE(xml::parse("<?xml version='1.0'?>\n<!-- c -->\n<r a='&lt;&gt;&amp;&quot;&apos;' b=\"it's\" c=\"&#65;&#x42;\">\n"
                       "  text <!-- inner --> <k/>\n  <?pi x?><k x = \"1\"></k>\n</r>\n",
                       root, err));
    CHECK(root.name == "r");
    CHECK(root.line == 3);
    CHECK(*root.find("a") == "<>&\"'");
    CHECK(*root.find("b") == "it's");
    CHECK(*root.find("c") == "AB");
    CHECK(root.find("d") == nullptr);
    REQUIRE(root.children.size() == 2);
    CHECK(root.children[1].line == 5);
    CHECK(*root.children[1].find("x") == "1");
    CHECK_FALSE(xml::parse("<r a='1' a='2'/>", root, err));
    CHECK(err.what == "not well-formed: attribute \"a\" given twice in <r>");
    CHECK_FALSE(xml::parse("<r a='x & y'/>", root, err));
    CHECK(err.what == "not well-formed: '&' that does not start an entity reference (write &amp;)");
    std::string many = "<r";
    for (int i = 0; i <= 64; ++i) many += " a" + std::to_string(i) + "='1'";
    CHECK_FALSE(xml::parse(many + "/>", root, err));
    CHECK(err.what == "not well-formed: more than 64 attributes in <r>");
}
