// jPOS GenericPackager XML -> dialect_def (iso_dialect.h; design: docs/feeds.md
// "jPOS import"). jPOS is AGPL: this was written from its documented behaviour, nothing
// is copied. The file is read with the small reader in xml_reader.h.
//
// What is taken from jPOS: each isofield's class fixes the content type, the length
// prefix and the encodings (the table below); `pad` picks the BCD nibble side; an
// isofieldpackager's inner packager becomes a sub-field layout. Undefined fields stay
// undefined (no 1987 fallback), as jPOS refuses a set bit it has no packager for.
// Anything the importer cannot reproduce exactly is refused with file, line and element.
#include <algorithm>
#include <array>
#include <charconv>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codec/iso_dialect.h"
#include "codec/iso_layout_fit.h"
#include "codec/xml_reader.h"
#include "config/config_errors.h"

namespace txscreen::iso {
namespace {

constexpr std::string_view class_package = "org.jpos.iso.";
constexpr std::string_view sub_packager = "org.jpos.iso.packager.GenericSubFieldPackager";
constexpr std::string_view generic_packager = "org.jpos.iso.packager.GenericPackager";
constexpr std::string_view tagged_packager = "org.jpos.iso.packager.GenericTaggedFieldsPackager";
constexpr unsigned max_layout_depth = 3;  // field -> sub-field -> sub-sub-field
constexpr std::size_t max_problems_shown = 50;
constexpr uint32_t max_length = 9999;  // a field's maximum in the dialect model (iso_wire.cpp)

// How a class's content is encoded; `pad` (jPOS setPad) decides the BCD variants.
enum class rule : uint8_t {
    num_ascii, num_ebcdic,
    num_bcd,    // pad=true: bcd_left, else bcd_right
    num_bcd_f,  // pad=true: bcd_left, else bcd_right_f (IFB_F*)
    num_ifeb,   // bcd_right_f, the prefix counting bytes (IFEB_*)
    text_ascii, text_ebcdic,
    bin_raw, bin_hex_ascii, bin_hex_ebcdic,
    bitmap_raw, bitmap_hex_ascii, bitmap_hex_ebcdic,
    amount_ascii, amount_ebcdic, amount_bcd,
};

struct class_spec {
    std::string_view name;  // after "org.jpos.iso."
    rule how;
    // The length kind, 1..4 = L..LLLL (field_def::prefix_digits): a binary prefix of
    // kind L or LL is 1 byte (jPOS IFB_LLH*), of kind LLL or LLLL 2 bytes (IFB_LLLH*).
    uint8_t prefix_digits;
    prefix_enc prefix;
};

using P = prefix_enc;
constexpr class_spec supported_classes[] = {
    {"IFA_NUMERIC", rule::num_ascii, 0, P::none},      {"IFA_LLNUM", rule::num_ascii, 2, P::ascii},
    {"IFA_LLLNUM", rule::num_ascii, 3, P::ascii},      {"IF_CHAR", rule::text_ascii, 0, P::none},
    {"IFA_LLCHAR", rule::text_ascii, 2, P::ascii},     {"IFA_LLLCHAR", rule::text_ascii, 3, P::ascii},
    {"IFA_LLLLCHAR", rule::text_ascii, 4, P::ascii},   {"IFA_BITMAP", rule::bitmap_hex_ascii, 0, P::none},
    {"IFA_AMOUNT", rule::amount_ascii, 0, P::none},    {"IFA_BINARY", rule::bin_hex_ascii, 0, P::none},
    {"IFA_LLBINARY", rule::bin_raw, 2, P::ascii},      {"IFA_LLLBINARY", rule::bin_raw, 3, P::ascii},
    {"IFA_LLLLBINARY", rule::bin_raw, 4, P::ascii},    {"IFA_LLABINARY", rule::bin_hex_ascii, 2, P::ascii},
    {"IFB_NUMERIC", rule::num_bcd, 0, P::none},        {"IFB_LLNUM", rule::num_bcd, 2, P::bcd},
    {"IFB_LLLNUM", rule::num_bcd, 3, P::bcd},          {"IFB_LLHNUM", rule::num_bcd, 2, P::binary},
    {"IFB_LLLHNUM", rule::num_bcd, 3, P::binary},      {"IFB_FNUMERIC", rule::num_bcd_f, 0, P::none},
    {"IFB_FLLNUM", rule::num_bcd_f, 2, P::bcd},        {"IFB_FLLLNUM", rule::num_bcd_f, 3, P::bcd},
    {"IFB_LLCHAR", rule::text_ascii, 2, P::bcd},       {"IFB_LLLCHAR", rule::text_ascii, 3, P::bcd},
    {"IFB_LLLLCHAR", rule::text_ascii, 4, P::bcd},     {"IFB_LLHCHAR", rule::text_ascii, 2, P::binary},
    {"IFB_LLLHCHAR", rule::text_ascii, 3, P::binary},  {"IFB_LLHECHAR", rule::text_ebcdic, 2, P::binary},
    {"IFB_LLLHECHAR", rule::text_ebcdic, 3, P::binary}, {"IFB_BITMAP", rule::bitmap_raw, 0, P::none},
    {"IFB_BINARY", rule::bin_raw, 0, P::none},         {"IFB_LLBINARY", rule::bin_raw, 2, P::bcd},
    {"IFB_LLLBINARY", rule::bin_raw, 3, P::bcd},       {"IFB_LLLLBINARY", rule::bin_raw, 4, P::bcd},
    {"IFB_LLHBINARY", rule::bin_raw, 2, P::binary},    {"IFB_LLLHBINARY", rule::bin_raw, 3, P::binary},
    {"IFB_AMOUNT", rule::amount_bcd, 0, P::none},      {"IFE_NUMERIC", rule::num_ebcdic, 0, P::none},
    {"IFE_LLNUM", rule::num_ebcdic, 2, P::ebcdic},     {"IFE_LLLNUM", rule::num_ebcdic, 3, P::ebcdic},
    {"IFE_CHAR", rule::text_ebcdic, 0, P::none},       {"IFE_LLCHAR", rule::text_ebcdic, 2, P::ebcdic},
    {"IFE_LLLCHAR", rule::text_ebcdic, 3, P::ebcdic},  {"IFE_LLLLCHAR", rule::text_ebcdic, 4, P::ebcdic},
    {"IFE_BITMAP", rule::bitmap_hex_ebcdic, 0, P::none}, {"IFE_AMOUNT", rule::amount_ebcdic, 0, P::none},
    {"IFE_BINARY", rule::bin_hex_ebcdic, 0, P::none},  {"IFE_LLBINARY", rule::bin_raw, 2, P::ebcdic},
    {"IFE_LLLBINARY", rule::bin_raw, 3, P::ebcdic},    {"IFE_LLLLBINARY", rule::bin_raw, 4, P::ebcdic},
    {"IFEB_LLNUM", rule::num_ifeb, 2, P::ebcdic},      {"IFEB_LLLNUM", rule::num_ifeb, 3, P::ebcdic},
    {"IFEA_LLCHAR", rule::text_ascii, 2, P::ebcdic},   {"IFAE_LLCHAR", rule::text_ebcdic, 2, P::ascii},
};

const class_spec* find_class(std::string_view fqn) noexcept {
    if (fqn.substr(0, class_package.size()) != class_package) return nullptr;
    fqn.remove_prefix(class_package.size());
    for (const class_spec& c : supported_classes)
        if (c.name == fqn) return &c;
    return nullptr;
}

bool is_bitmap(rule r) noexcept { return r == rule::bitmap_raw || r == rule::bitmap_hex_ascii || r == rule::bitmap_hex_ebcdic; }

bin_enc bitmap_form(rule r) noexcept {
    return r == rule::bitmap_hex_ascii ? bin_enc::hex_ascii : r == rule::bitmap_hex_ebcdic ? bin_enc::hex_ebcdic : bin_enc::raw;
}

// Classes whose decoded content jPOS has translated from EBCDIC to text.
bool translates_ebcdic(rule r) noexcept { return r == rule::text_ebcdic || r == rule::num_ebcdic || r == rule::amount_ebcdic; }

// Classes with any EBCDIC on the wire (content or prefix).
bool has_ebcdic(const class_spec& c) noexcept {
    return c.prefix == P::ebcdic || translates_ebcdic(c.how) || c.how == rule::bin_hex_ebcdic ||
           c.how == rule::bitmap_hex_ebcdic;
}

// Bytes of a binary prefix of this length kind.
unsigned binary_prefix_bytes(unsigned kind) noexcept { return kind <= 2 ? 1u : 2u; }

// Largest length a prefix can carry, and the words that name it in a message.
uint32_t prefix_limit(const class_spec& c) noexcept {
    if (c.prefix == P::binary) return binary_prefix_bytes(c.prefix_digits) == 1 ? 255u : 65535u;
    uint32_t limit = 1;
    for (unsigned i = 0; i < c.prefix_digits; ++i) limit *= 10;
    return limit - 1;
}

std::string prefix_words(const class_spec& c) {
    if (c.prefix == P::binary) return "a " + std::to_string(binary_prefix_bytes(c.prefix_digits)) + "-byte binary prefix";
    const char* digits = c.prefix == P::ascii ? "ASCII" : c.prefix == P::ebcdic ? "EBCDIC" : "BCD";
    return "an " + std::string(c.prefix_digits, 'L') + " prefix of " + digits + " digits";
}

std::optional<uint32_t> parse_number(std::string_view s) noexcept {
    uint32_t v = 0;
    if (s.empty() || s.size() > 9) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

// jPOS reads booleans with Boolean.parseBoolean; anything but true/false is refused
// here, since a typo there silently changes the BCD layout.
std::optional<bool> parse_bool(std::string_view s) noexcept {
    auto lower_eq = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if ((a[i] | 0x20) != b[i]) return false;
        return true;
    };
    if (lower_eq(s, "true")) return true;
    if (lower_eq(s, "false")) return false;
    return std::nullopt;
}


// GenericTaggedFieldsPackager's inner classes: a tag of `tag_chars` characters, then
// `len_digits` ASCII digits, then that many characters.
struct tagged_class {
    std::string_view name;
    uint8_t tag_chars, len_digits;
};
constexpr tagged_class tagged_classes[] = {
    {"IFA_TTLLCHAR", 2, 2}, {"IFA_TTLLLCHAR", 2, 3}, {"IFA_TTTLLLCHAR", 3, 3}};

const tagged_class* find_tagged_class(std::string_view fqn) noexcept {
    if (fqn.substr(0, class_package.size()) != class_package) return nullptr;
    fqn.remove_prefix(class_package.size());
    for (const tagged_class& c : tagged_classes)
        if (c.name == fqn) return &c;
    return nullptr;
}

// The supported tag mappers (jPOS DecimalTagMapper(n)) and their tag length.
unsigned mapper_tag_chars(std::string_view mapper) noexcept {
    if (mapper == "org.jpos.iso.packager.TTDecimalTagMapper") return 2;
    if (mapper == "org.jpos.iso.packager.TTTDecimalTagMapper") return 3;
    return 0;
}

// The wire tag a DecimalTagMapper(n) gives sub-field `id`: below 10^n the id in n
// decimal digits; above, id - 10^n in upper-case radix 36, zero-padded to n. "" when no
// tag maps to `id` (too large, or a radix-36 tag of digits only, which reads as decimal).
std::string tag_of(uint32_t id, unsigned n) {
    const uint32_t decimal_limit = n == 2 ? 100 : 1000;
    std::string tag;
    bool letter = false;
    for (uint32_t v = id < decimal_limit ? id : id - decimal_limit, radix = id < decimal_limit ? 10 : 36;; v /= radix) {
        const uint32_t d = v % radix;
        letter = letter || d >= 10;
        tag.insert(tag.begin(), static_cast<char>(d < 10 ? '0' + d : 'A' + d - 10));
        if (v < radix) break;
    }
    if (tag.size() > n || (id >= decimal_limit && !letter)) return {};
    tag.insert(0, n - tag.size(), '0');
    return tag;
}

// One element as a message key: `isofield id="48"` plus the attributes the problem is
// about, after the enclosing field's number for a sub-field ("field 127: ...").
std::string element_key(const std::string& scope, const xml::element& e, std::initializer_list<const char*> attrs = {}) {
    std::string key = scope + e.name;
    if (const std::string* id = e.find("id")) key += " id=\"" + *id + "\"";
    for (const char* a : attrs)
        if (const std::string* v = e.find(a)) key += std::string(" ") + a + "=\"" + *v + "\"";
    return key;
}

class importer {
public:
    importer(std::string_view source, dialect_def& out, config_errors& errors)
        : _source(source), _out(out), _errors(errors) {}

    bool run(std::string_view text);

private:
    struct problem {
        uint32_t line;
        std::string key, what;
    };
    struct field_read {
        field_def def;
        const class_spec* cls = nullptr;
        const xml::element* elem = nullptr;  // for messages
    };

    // Problems are kept here and handed over sorted by line at the end, as
    // "<source>:<line>: <key>" keys of a config_errors made with an empty source (like
    // the TOML loader does); the first problem per key counts.
    void fail_at(uint32_t line, const std::string& key, const std::string& what) {
        _ok = false;
        if (_failed_keys.insert(key).second) _problems.push_back({line, key, what});
    }
    void fail(const xml::element& e, const std::string& key, const std::string& what) { fail_at(e.line, key, what); }
    void flush() {
        std::stable_sort(_problems.begin(), _problems.end(), [](const problem& a, const problem& b) { return a.line < b.line; });
        // A file that is not a packager at all would otherwise give one line per element.
        const std::size_t shown = std::min(_problems.size(), max_problems_shown);
        for (std::size_t i = 0; i < shown; ++i)
            _errors.fail(std::string(_source) + ":" + std::to_string(_problems[i].line) + ": " + _problems[i].key, _problems[i].what);
        if (shown < _problems.size())
            _errors.fail(std::string(_source), std::to_string(_problems.size() - shown) + " more problems not shown");
    }
    void warn(const xml::element& e, const std::string& key, const std::string& what) {
        _out.warnings.push_back(std::string(_source) + ":" + std::to_string(e.line) + ": " + key + ": " + what);
    }
    bool only_attributes(const std::string& scope, const xml::element& e, std::initializer_list<std::string_view> allowed);
    void read_top_attributes(const xml::element& root);
    std::optional<uint32_t> read_id(const std::string& scope, const xml::element& e, uint32_t highest);
    std::optional<field_read> read_field(const std::string& parent, const xml::element& e, uint32_t id, unsigned depth);
    const class_spec* read_class(const std::string& scope, const xml::element& e);
    bool fill_field(const std::string& scope, const xml::element& e, const class_spec& c, field_def& f);
    void read_top_field(const xml::element& e, uint32_t id, field_read&& r);
    bool read_layout(const std::string& path, const xml::element& e, const class_spec& outer, unsigned depth, field_def& f);
    bool read_subs(const std::string& path, const xml::element& e, const class_spec& outer, unsigned depth,
                   std::vector<std::pair<uint32_t, field_read>>& subs);
    bool bitmap_layout(const std::string& scope, const std::string& sub_scope, const xml::element& e,
                       std::vector<std::pair<uint32_t, field_read>>& subs, layout_def& l);
    bool positional_layout(const std::string& scope, const std::string& sub_scope, const xml::element& e,
                           std::vector<std::pair<uint32_t, field_read>>& subs, layout_def& l);
    bool subs_fit(const std::string& path, const field_def& outer, const layout_def& l,
                  const std::vector<std::pair<uint32_t, field_read>>& subs);
    void add_layout(layout_def&& l, field_def& f);
    bool tagged_layout(const std::string& path, const xml::element& e, field_def& f);
    bool tagged_sub(const std::string& sub_scope, const xml::element& c, unsigned tag_chars, unsigned len_digits,
                    std::pair<std::string, field_def>& sub);
    std::optional<uint32_t> number_attribute(const std::string& scope, const xml::element& e, const char* attr,
                                             uint32_t fallback, uint32_t highest);

    std::string_view _source;
    dialect_def& _out;
    config_errors& _errors;
    uint16_t _file = 0;
    bool _ok = true;
    std::vector<problem> _problems;
    std::set<std::string> _failed_keys;
};

bool importer::only_attributes(const std::string& scope, const xml::element& e, std::initializer_list<std::string_view> allowed) {
    bool ok = true;
    for (const xml::attribute& a : e.attributes) {
        bool known = false;
        for (std::string_view name : allowed) known = known || a.name == name;
        if (!known) {
            fail(e, element_key(scope, e) + " " + a.name, "attribute not supported by the importer (docs/feeds.md, \"jPOS import\")");
            ok = false;
        }
    }
    return ok;
}

// The isopackager's own attributes: only what GenericPackager's unpack of a plain
// ISO 8583 message uses, with the values such a message needs.
void importer::read_top_attributes(const xml::element& root) {
    only_attributes("", root, {"maxValidField", "bitmapField", "firstField", "emitBitmap", "headerLength", "thirdBitmapField"});
    auto must_be = [&](const char* attr, std::string_view wanted, const char* why) {
        const std::string* v = root.find(attr);
        if (v && *v != wanted) fail(root, element_key("", root, {attr}), why);
    };
    must_be("bitmapField", "1", "the bitmap must be field 1");
    must_be("firstField", "2", "the first data element must be field 2");
    if (const std::string* v = root.find("emitBitmap"); v && parse_bool(*v) != true)
        fail(root, element_key("", root, {"emitBitmap"}), "a message without a bitmap is not supported");
    if (root.find("thirdBitmapField"))
        fail(root, element_key("", root, {"thirdBitmapField"}), "a tertiary bitmap is not supported");
    if (const std::string* v = root.find("headerLength")) {
        const auto n = parse_number(*v);
        if (!n || *n > 255) fail(root, element_key("", root, {"headerLength"}), "headerLength must be a number 0..255");
        else _out.header_bytes = static_cast<uint8_t>(*n);
    }
}

std::optional<uint32_t> importer::read_id(const std::string& scope, const xml::element& e, uint32_t highest) {
    const std::string* id = e.find("id");
    if (!id) {
        fail(e, scope + e.name, "id is missing");
        return std::nullopt;
    }
    const auto n = parse_number(*id);
    if (!n) {
        fail(e, element_key(scope, e), "id is not a number");
        return std::nullopt;
    }
    if (*n > highest) {
        fail(e, element_key(scope, e),
             scope.empty() ? "fields above 128 (a tertiary bitmap) are not supported"
                            : "sub-field ids above " + std::to_string(highest) + " are not supported");
        return std::nullopt;
    }
    return n;
}

bool importer::run(std::string_view text) {
    _out = dialect_def{};
    _out.files.emplace_back(_source);
    _out.cp = code_page::cp1047;  // jPOS's IFE_* classes use IBM1047
    xml::element root;
    xml::parse_error bad;
    if (!xml::parse(text, root, bad)) {
        fail_at(bad.line, "xml", bad.what);
        flush();
        return false;
    }
    if (root.name != "isopackager") {
        fail(root, root.name, "the document element must be isopackager (a jPOS GenericPackager file)");
        flush();
        return false;
    }
    read_top_attributes(root);
    std::array<uint32_t, 129> first_line{};
    for (const xml::element& e : root.children) {
        if (e.name != "isofield" && e.name != "isofieldpackager") {
            fail(e, e.name, "unknown element (isopackager holds isofield and isofieldpackager)");
            continue;
        }
        const auto id = read_id("", e, 128);
        if (!id) continue;
        if (first_line[*id]) {
            fail(e, element_key("", e), "defined twice (first at line " + std::to_string(first_line[*id]) + ")");
            continue;
        }
        first_line[*id] = e.line;
        if (auto r = read_field("", e, *id, 0)) read_top_field(e, *id, std::move(*r));
    }
    if (!first_line[0]) fail(root, "isopackager", "no isofield id=\"0\" (the MTI)");
    if (!first_line[1]) fail(root, "isopackager", "no isofield id=\"1\" (the bitmap)");
    flush();
    return _ok;
}

// "" for a top-level field, "field 127: " for the sub-fields of field 127.
std::string scope_of(const std::string& parent) { return parent.empty() ? std::string() : "field " + parent + ": "; }

// "127.3" -> "127", "127" -> "".
std::string parent_of(const std::string& path) {
    const std::size_t dot = path.rfind('.');
    return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

const class_spec* importer::read_class(const std::string& scope, const xml::element& e) {
    const std::string* cls = e.find("class");
    if (!cls) {
        fail(e, element_key(scope, e), "class is missing");
        return nullptr;
    }
    const class_spec* c = find_class(*cls);
    if (!c)
        fail(e, element_key(scope, e, {"class"}),
             "class not supported (docs/feeds.md, \"jPOS import\", lists the supported classes)");
    return c;
}

std::optional<importer::field_read> importer::read_field(const std::string& parent, const xml::element& e, uint32_t id,
                                                         unsigned depth) {
    const std::string scope = scope_of(parent);
    const bool nested = e.name == "isofieldpackager";
    if (nested) {
        const std::string* packager = e.find("packager");
        if (!packager) {
            fail(e, element_key(scope, e), "packager is missing");
            return std::nullopt;
        }
        const bool tagged = *packager == tagged_packager;
        if (*packager != sub_packager && *packager != generic_packager && !tagged) {
            fail(e, element_key(scope, e, {"packager"}),
                 "packager not supported (supported: GenericSubFieldPackager, GenericPackager, GenericTaggedFieldsPackager)");
            return std::nullopt;
        }
        const bool attrs_ok =
            tagged ? only_attributes(scope, e, {"id", "name", "length", "class", "pad", "packager", "tagMapper", "tagSize",
                                                "lenSize", "swapTagAndLen"})
                   : only_attributes(scope, e, {"id", "name", "length", "class", "pad", "packager", "emitBitmap",
                                                "maxValidField", "bitmapField", "firstField", "headerLength"});
        if (!attrs_ok) return std::nullopt;
    } else if (!only_attributes(scope, e, {"id", "name", "length", "class", "pad", "trim"})) {
        return std::nullopt;
    }
    if (const std::string* trim = e.find("trim"); trim && parse_bool(*trim) != false) {
        fail(e, element_key(scope, e, {"trim"}), "trim (a last field shorter than its length) is not supported");
        return std::nullopt;
    }
    field_read r;
    r.elem = &e;
    r.cls = read_class(scope, e);
    if (!r.cls || !fill_field(scope, e, *r.cls, r.def)) return std::nullopt;
    const std::string path = parent.empty() ? std::to_string(id) : parent + "." + std::to_string(id);
    if (nested && !read_layout(path, e, *r.cls, depth + 1, r.def)) return std::nullopt;
    return r;
}

// The class's type, prefix and encodings into `f`, with `length` in the class's units
// and `pad` picking the BCD nibble side (absent is false, as in GenericPackager).
bool importer::fill_field(const std::string& scope, const xml::element& e, const class_spec& c, field_def& f) {
    const std::string* length_text = e.find("length");
    const auto length = length_text ? parse_number(*length_text) : std::nullopt;
    if (!length) {
        fail(e, element_key(scope, e, {"length"}), length_text ? "length is not a number" : "length is missing");
        return false;
    }
    bool pad = false;
    if (const std::string* p = e.find("pad")) {
        const auto v = parse_bool(*p);
        if (!v) {
            fail(e, element_key(scope, e, {"pad"}), "pad must be true or false");
            return false;
        }
        pad = *v;
    }
    const bool amount = c.how == rule::amount_ascii || c.how == rule::amount_ebcdic || c.how == rule::amount_bcd;
    const char* bad_length = *length < 1 ? "length must be at least 1"
                             : *length > max_length ? "length must be at most 9999 (the longest field txscreen reads)"
                             : amount && *length < 2 ? "an amount's length counts the C/D sign, so it must be at least 2"
                             : nullptr;
    if (bad_length) {
        fail(e, element_key(scope, e, {"length"}), bad_length);
        return false;
    }
    if (c.prefix != P::none && *length > prefix_limit(c)) {
        fail(e, element_key(scope, e, {"class", "length"}), prefix_words(c) + " holds at most " + std::to_string(prefix_limit(c)));
        return false;
    }
    f.defined = true;
    f.prefix_digits = c.prefix_digits;
    f.prefix = c.prefix;
    f.enc_explicit = true;
    f.max = static_cast<uint16_t>(amount ? *length - 1 : *length);
    if (const std::string* name = e.find("name")) f.name = *name;
    f.where = {_file, e.line};
    auto num = [&](content t, num_enc n) { f.type = t, f.enc = static_cast<uint8_t>(n); };
    auto text = [&](text_enc t) { f.type = content::ans, f.enc = static_cast<uint8_t>(t); };
    auto bin = [&](bin_enc b) { f.type = content::b, f.enc = static_cast<uint8_t>(b); };
    const num_enc bcd = pad ? num_enc::bcd_left : num_enc::bcd_right;
    switch (c.how) {
    case rule::num_ascii: num(content::n, num_enc::ascii); break;
    case rule::num_ebcdic: num(content::n, num_enc::ebcdic); break;
    case rule::num_bcd: num(content::n, bcd); break;
    case rule::num_bcd_f: num(content::n, pad ? num_enc::bcd_left : num_enc::bcd_right_f); break;
    case rule::num_ifeb: num(content::n, num_enc::bcd_right_f), f.prefix_counts_bytes = true; break;
    case rule::text_ascii: text(text_enc::ascii); break;
    case rule::text_ebcdic: text(text_enc::ebcdic); break;
    case rule::bin_raw: case rule::bitmap_raw: bin(bin_enc::raw); break;
    case rule::bin_hex_ascii: case rule::bitmap_hex_ascii: bin(bin_enc::hex_ascii); break;
    case rule::bin_hex_ebcdic: case rule::bitmap_hex_ebcdic: bin(bin_enc::hex_ebcdic); break;
    case rule::amount_ascii: num(content::xn, num_enc::ascii); break;
    case rule::amount_ebcdic: num(content::xn, num_enc::ebcdic), f.sign = text_enc::ebcdic; break;
    case rule::amount_bcd: num(content::xn, bcd); break;
    }
    return true;
}

// Field 0 sets the MTI encoding, field 1 the bitmap's; the rest are data elements.
void importer::read_top_field(const xml::element& e, uint32_t id, field_read&& r) {
    const rule how = r.cls->how;
    if (id == 0) {
        const bool numeric = how == rule::num_ascii || how == rule::num_ebcdic || how == rule::num_bcd || how == rule::num_bcd_f;
        if (!numeric || r.cls->prefix != P::none || r.def.max != 4 || r.def.layout != layout_kind::none) {
            fail(e, element_key("", e, {"class"}), "the MTI must be a fixed 4-digit numeric class (IFA_NUMERIC, IFE_NUMERIC or IFB_NUMERIC)");
            return;
        }
        _out.mti = how == rule::num_ascii ? num_enc::ascii : how == rule::num_ebcdic ? num_enc::ebcdic : num_enc::bcd_left;
    } else if (id == 1) {
        if (!is_bitmap(how) || r.def.layout != layout_kind::none) {
            fail(e, element_key("", e, {"class"}), "field 1 must be a bitmap class (IFA_BITMAP, IFB_BITMAP or IFE_BITMAP)");
        } else if (r.def.max != 8 && r.def.max != 16) {
            fail(e, element_key("", e, {"length"}), "the bitmap length must be 8 or 16 bytes (a tertiary bitmap is not supported)");
        } else {
            _out.bitmap = bitmap_form(how);
            _out.bitmap_bytes = static_cast<uint8_t>(r.def.max);
        }
    } else if (is_bitmap(how)) {
        fail(e, element_key("", e, {"class"}), "a bitmap class is only allowed as field 1 or as the bitmap of sub-fields");
    } else {
        _out.fields[id] = std::move(r.def);
    }
}

std::optional<uint32_t> importer::number_attribute(const std::string& scope, const xml::element& e, const char* attr,
                                                   uint32_t fallback, uint32_t highest) {
    const std::string* v = e.find(attr);
    if (!v) return fallback;
    const auto n = parse_number(*v);
    if (!n || *n > highest) {
        fail(e, element_key(scope, e, {attr}), std::string(attr) + " must be a number 0.." + std::to_string(highest));
        return std::nullopt;
    }
    return n;
}

// An isofieldpackager's inner packager as a layout over the field's decoded content.
bool importer::read_layout(const std::string& path, const xml::element& e, const class_spec& outer, unsigned depth, field_def& f) {
    const std::string scope = scope_of(parent_of(path));
    if (depth > max_layout_depth) {
        fail(e, element_key(scope, e), "sub-fields nested more than " + std::to_string(max_layout_depth) + " levels deep are not supported");
        return false;
    }
    if (*e.find("packager") == tagged_packager) return tagged_layout(path, e, f);
    std::optional<bool> emit = true;
    if (const std::string* v = e.find("emitBitmap")) emit = parse_bool(*v);
    const auto header = number_attribute(scope, e, "headerLength", 0, 255);
    if (!emit) fail(e, element_key(scope, e, {"emitBitmap"}), "emitBitmap must be true or false");
    std::vector<std::pair<uint32_t, field_read>> subs;
    if (!emit || !header || !read_subs(path, e, outer, depth, subs)) return false;
    layout_def l;
    l.header_bytes = static_cast<uint8_t>(*header);
    const std::string sub_scope = scope_of(path);
    if (!(*emit ? bitmap_layout(scope, sub_scope, e, subs, l) : positional_layout(scope, sub_scope, e, subs, l))) return false;
    for (const auto& [id, r] : subs) l.subs.emplace_back(std::to_string(id), r.def);
    if (!subs_fit(path, f, l, subs)) return false;
    add_layout(std::move(l), f);
    return true;
}

void importer::add_layout(layout_def&& l, field_def& f) {
    _out.layouts.push_back(std::move(l));
    f.layout = _out.layouts.back().kind;
    f.layout_index = static_cast<uint32_t>(_out.layouts.size() - 1);
}

// The inner isofield / isofieldpackager elements, by id. jPOS hands the inner packager
// the outer field's decoded bytes, so an EBCDIC class under an outer class that already
// translated from EBCDIC reads garbage there: refused.
bool importer::read_subs(const std::string& path, const xml::element& e, const class_spec& outer, unsigned depth,
                         std::vector<std::pair<uint32_t, field_read>>& subs) {
    const std::string scope = scope_of(path);
    const std::string outer_key = element_key(scope_of(parent_of(path)), e);
    std::array<uint32_t, 129> first_line{};
    bool ok = true;
    for (const xml::element& c : e.children) {
        if (c.name != "isofield" && c.name != "isofieldpackager") {
            fail(c, scope + c.name, "unknown element (isofieldpackager holds isofield and isofieldpackager)");
            ok = false;
            continue;
        }
        const auto id = read_id(scope, c, 128);
        if (!id) { ok = false; continue; }
        if (first_line[*id]) {
            fail(c, element_key(scope, c), "defined twice (first at line " + std::to_string(first_line[*id]) + ")");
            ok = false;
            continue;
        }
        first_line[*id] = c.line;
        auto r = read_field(path, c, *id, depth);
        if (!r) { ok = false; continue; }
        if (translates_ebcdic(outer.how) && has_ebcdic(*r->cls)) {
            fail_at(c.line, outer_key,
                            "inner class " + *c.find("class") + " under outer " + *e.find("class") +
                                " is translated from EBCDIC twice by jPOS; make the outer field IFE_LLLBINARY");
            ok = false;
            continue;
        }
        subs.emplace_back(*id, std::move(*r));
    }
    std::sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return ok;
}

std::string short_packager(const xml::element& e) {
    const std::string& p = *e.find("packager");
    return p.substr(p.rfind('.') + 1);
}

// emitBitmap="true": the sub-field at bitmapField is the sub-bitmap; bit n of it says
// whether sub-field n is present (n from 1, as jPOS numbers bits); those below
// firstField are never read.
bool importer::bitmap_layout(const std::string& scope, const std::string& sub_scope, const xml::element& e,
                             std::vector<std::pair<uint32_t, field_read>>& subs, layout_def& l) {
    const auto bitmap_id = number_attribute(scope, e, "bitmapField", 1, 128);
    if (!bitmap_id) return false;
    const auto first = number_attribute(scope, e, "firstField", *bitmap_id + 1, 128);
    if (!first) return false;
    auto at = std::find_if(subs.begin(), subs.end(), [&](const auto& s) { return s.first == *bitmap_id; });
    if (at == subs.end() || !is_bitmap(at->second.cls->how)) {
        const std::string what = at == subs.end() ? "it has no sub-field " + std::to_string(*bitmap_id)
                                                  : "sub-field " + std::to_string(*bitmap_id) + " is " + std::string(class_package) +
                                                        std::string(at->second.cls->name) + ", not a bitmap class";
        fail(e, element_key(scope, e), short_packager(e) + " emits a bitmap unless emitBitmap=\"false\", but " + what);
        return false;
    }
    const uint16_t bytes = at->second.def.max;
    if (bytes > 8 && bytes != 16) {
        fail(e, element_key(scope, e), "a sub-field bitmap of " + std::to_string(bytes) + " bytes is not supported (1 to 8, or 16)");
        return false;
    }
    // jPOS reads a 16-byte sub-bitmap as 8 bytes, then 8 more when its bit 1 is set.
    // Bit n is sub-field n whatever firstField says (it only skips the lower ones).
    l.kind = layout_kind::bitmap;
    l.extends = bytes == 16;
    l.bitmap_bytes = static_cast<uint8_t>(l.extends ? 8 : bytes);
    l.bitmap_form = bitmap_form(at->second.cls->how);
    l.first_field = 1;
    subs.erase(at);
    const uint32_t last_bit = bytes * 8u;
    for (auto it = subs.begin(); it != subs.end();) {
        const xml::element& c = *it->second.elem;
        const std::string key = element_key(sub_scope, c);
        if (is_bitmap(it->second.cls->how)) {
            fail(c, key, "a second bitmap class among the sub-fields");
            return false;
        }
        if (it->first > last_bit) {
            fail(c, key, "beyond the " + std::to_string(bytes) + "-byte sub-bitmap (sub-fields 1-" + std::to_string(last_bit) + ")");
            return false;
        }
        if (it->first < *first) {
            warn(c, key, "never read (firstField is " + std::to_string(*first) + "); ignored, as jPOS does");
            it = subs.erase(it);
        } else {
            ++it;
        }
    }
    if (subs.empty()) {
        fail(e, element_key(scope, e), "no sub-fields besides the bitmap");
        return false;
    }
    return true;
}

// emitBitmap="false": sub-fields in id order from firstField (default 1), without gaps;
// trailing ones may be absent on the wire (jPOS stops when the field's bytes end).
bool importer::positional_layout(const std::string& scope, const std::string& sub_scope, const xml::element& e,
                                 std::vector<std::pair<uint32_t, field_read>>& subs, layout_def& l) {
    const auto first = number_attribute(scope, e, "firstField", 1, 128);
    if (!first) return false;
    uint32_t next = *first;
    for (auto it = subs.begin(); it != subs.end();) {
        const xml::element& c = *it->second.elem;
        const std::string key = element_key(sub_scope, c);
        if (is_bitmap(it->second.cls->how)) {
            fail(c, key, "a bitmap class among positional sub-fields (emitBitmap=\"false\")");
            return false;
        }
        if (it->first < *first) {
            warn(c, key, "never read (firstField is " + std::to_string(*first) + "); ignored, as jPOS does");
            it = subs.erase(it);
            continue;
        }
        if (it->first != next) {
            fail(c, key, "sub-field " + std::to_string(next) + " is missing (positional sub-fields run from firstField without gaps)");
            return false;
        }
        ++next, ++it;
    }
    if (subs.empty()) {
        fail(e, element_key(scope, e), "no sub-fields");
        return false;
    }
    l.kind = layout_kind::positional;
    l.first_field = static_cast<uint8_t>(*first);
    return true;
}

// A sub-field that can never be read because the field is too short to reach it is a
// layout jPOS would only fail on at run time: refused at load. jPOS hands the inner
// packager the outer field's decoded bytes, at most `outer.max` of them (the sign of
// an amount included).
bool importer::subs_fit(const std::string& path, const field_def& outer, const layout_def& l,
                        const std::vector<std::pair<uint32_t, field_read>>& subs) {
    const std::optional<sub_misfit> m = first_misfit(outer, l);
    if (!m) return true;
    const field_read& r = subs[m->index].second;
    fail(*r.elem, element_key(scope_of(path), *r.elem),
         "never fits: it starts at byte " + std::to_string(m->start) + " or later and takes at least " +
             std::to_string(m->need) + ", but field " + path + " holds at most " + std::to_string(m->capacity));
    return false;
}

// GenericTaggedFieldsPackager: text TLV (tag, decimal length, value), the tags named by
// a DecimalTagMapper; sub-fields are keyed by their wire tag ("01", "DI").
bool importer::tagged_layout(const std::string& path, const xml::element& e, field_def& f) {
    const std::string scope = scope_of(parent_of(path)), sub_scope = scope_of(path);
    const std::string* mapper = e.find("tagMapper");
    const unsigned tag_chars = mapper ? mapper_tag_chars(*mapper) : 0;
    if (!tag_chars) {
        fail(e, element_key(scope, e, {"tagMapper"}),
             mapper ? "tag mapper not supported (supported: org.jpos.iso.packager.TTDecimalTagMapper, TTTDecimalTagMapper)"
                    : "tagMapper is missing");
        return false;
    }
    const auto tag_size = number_attribute(scope, e, "tagSize", tag_chars, 9);
    const auto len_size = number_attribute(scope, e, "lenSize", 0, 9);
    if (!tag_size || !len_size) return false;
    if (*tag_size != tag_chars) {
        fail(e, element_key(scope, e, {"tagSize"}), "the tag mapper reads " + std::to_string(tag_chars) + "-character tags");
        return false;
    }
    if (*len_size < 1 || *len_size > 4) {
        fail(e, element_key(scope, e, {"lenSize"}), e.find("lenSize") ? "lenSize must be 1..4" : "lenSize is missing");
        return false;
    }
    if (const std::string* swap = e.find("swapTagAndLen"); swap && parse_bool(*swap) != false) {
        fail(e, element_key(scope, e, {"swapTagAndLen"}), "a length before the tag is not supported");
        return false;
    }
    layout_def l;
    l.kind = layout_kind::tlv;
    l.tag_chars = static_cast<uint8_t>(tag_chars);
    l.len_digits = static_cast<uint8_t>(*len_size);
    bool ok = true;
    for (const xml::element& c : e.children) {
        std::pair<std::string, field_def> sub;
        if (!tagged_sub(sub_scope, c, tag_chars, *len_size, sub)) {
            ok = false;
            continue;
        }
        for (const auto& [tag, def] : l.subs)
            if (tag == sub.first) {
                fail(c, element_key(sub_scope, c), "tag \"" + tag + "\" defined twice (first at line " + std::to_string(def.where.line) + ")");
                ok = false;
            }
        if (ok) l.subs.push_back(std::move(sub));
    }
    if (ok && l.subs.empty()) fail(e, element_key(scope, e), "no sub-fields");
    if (!ok || l.subs.empty()) return false;
    add_layout(std::move(l), f);
    return true;
}

bool importer::tagged_sub(const std::string& sub_scope, const xml::element& c, unsigned tag_chars, unsigned len_digits,
                          std::pair<std::string, field_def>& sub) {
    if (c.name != "isofield") {
        fail(c, sub_scope + c.name, "unknown element (a GenericTaggedFieldsPackager holds isofield elements)");
        return false;
    }
    if (!only_attributes(sub_scope, c, {"id", "name", "length", "class"})) return false;
    const auto id = read_id(sub_scope, c, 99999);
    if (!id) return false;
    const std::string* cls = c.find("class");
    const tagged_class* tc = cls ? find_tagged_class(*cls) : nullptr;
    if (!tc || tc->tag_chars != tag_chars || tc->len_digits != len_digits) {
        fail(c, element_key(sub_scope, c, {"class"}),
             !cls ? "class is missing"
             : !tc ? "class not supported inside GenericTaggedFieldsPackager (IFA_TTLLCHAR, IFA_TTLLLCHAR, IFA_TTTLLLCHAR)"
                   : "the class reads a " + std::to_string(tc->tag_chars) + "-character tag and " +
                         std::to_string(tc->len_digits) + " length digits; the packager says tagSize=" +
                         std::to_string(tag_chars) + " lenSize=" + std::to_string(len_digits));
        return false;
    }
    const std::string* length_text = c.find("length");
    const auto parsed = length_text ? parse_number(*length_text) : std::nullopt;
    const uint32_t length = parsed.value_or(0);
    uint32_t limit = 1;
    for (unsigned i = 0; i < len_digits; ++i) limit *= 10;
    if (!parsed || length < 1 || length >= limit) {
        fail(c, element_key(sub_scope, c, {"length"}),
             !length_text ? "length is missing" : !parsed ? "length is not a number" : "length must be 1.." + std::to_string(limit - 1));
        return false;
    }
    sub.first = tag_of(*id, tag_chars);
    if (sub.first.empty()) {
        fail(c, element_key(sub_scope, c), "no " + std::to_string(tag_chars) + "-character tag maps to this id");
        return false;
    }
    field_def& d = sub.second;
    d.defined = d.enc_explicit = true;
    d.type = content::ans;
    d.prefix_digits = static_cast<uint8_t>(len_digits);
    d.prefix = P::ascii;
    d.enc = static_cast<uint8_t>(text_enc::ascii);
    d.max = static_cast<uint16_t>(length);
    if (const std::string* name = c.find("name")) d.name = *name;
    d.where = {_file, c.line};
    return true;
}

// A jPOS file names no standard; its field table tells: ISO 8583:1993 made field 12
// the full local date and time (n12) and 39 the 3-digit action code (n3).
std::string_view standard_of(const dialect_def& d) {
    const field_def& local = d.fields[12];
    const field_def& action = d.fields[39];
    const bool local_1993 = local.defined && local.prefix_digits == 0 && local.max == 12;
    const bool action_1993 = action.defined && action.prefix_digits == 0 && action.max == 3;
    return local_1993 && action_1993 ? "iso8583-1993" : "iso8583-1987";
}

}  // namespace

bool parse_jpos_xml(std::string_view text, std::string_view source, dialect_def& out, config_errors& errors) {
    const bool ok = importer(source, out, errors).run(text);
    if (ok) out.standard = std::string(standard_of(out));
    return ok;
}

}  // namespace txscreen::iso
