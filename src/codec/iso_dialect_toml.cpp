// The TOML dialect file (design16.md section 5.4): a base (a standard or a shipped
// dialect), [message] and [encoding] settings, and [fields.N] tables merged key by key
// onto the base's fields. Encodings of the fields a file never set explicitly are
// re-derived from the merged [encoding], so `base = "iso8583-1993"` plus
// `numeric = "bcd"` is a BCD 1993 dialect.
//
// A field counts as explicit once a file gives its `enc`, `prefix` or `sign`: its
// other encodings are then taken from that file's [encoding] and frozen, so a child
// file's [encoding] no longer moves them.
//
// Sub-field layouts (tlv, bitmap, positional, delimited) are read into
// dialect_def::layouts, nesting at most 3 deep; a [fields.N] that names a layout of the
// kind it already has edits it, another kind starts a new one.
//
// `base` may be a path to a .toml or .xml file, relative to the folder of the file
// naming it (iso_dialect_load.cpp reads it). The standard at the root of the chain
// becomes dialect_def::standard. The layout reader also serves [feed.map.layout.N]
// (read_layout_table, iso_dialect_detail.h).
//
// Not yet: overlap checks between sub-fields. Init time only; no exception escapes
// parse_dialect_toml.
#include "codec/iso_dialect.h"
#include "codec/iso_layout_fit.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include <toml++/toml.h>

#include "config/config_errors.h"
#include "codec/dialect_texts.h"
#include "codec/iso_dialect_detail.h"

namespace txscreen::iso {
namespace {

constexpr int max_base_depth = 4;
constexpr uint16_t max_fixed_len = 4096, max_var_len = 9999;
constexpr const char* base_list = "iso8583-1987, iso8583-1993, binary, hex, bcd, ebcdic, iso93-ascii";

// Problems of one file, "<source>:<line>: <key>: <what>", the first per key, handed to
// the caller's config_errors in line order (a person fixes a file top to bottom). With
// no source (a table inside txscreen.toml) the caller's config_errors names the file.
class reporter {
public:
    explicit reporter(std::string_view source) : _source(source) {}
    void set_line(const std::string& key, uint32_t line) { _lines[key] = line; }
    void fail(const std::string& key, const std::string& what) { fail_at(line_of(key), key, what); }
    void fail_at(uint32_t line, const std::string& key, const std::string& what) {
        if (_bad.insert(key).second) _problems.push_back({line, key, what});
    }
    bool clean() const noexcept { return _problems.empty(); }
    void flush(config_errors& errors) {
        std::stable_sort(_problems.begin(), _problems.end(),
                         [](const problem& a, const problem& b) { return a.line < b.line; });
        for (const problem& p : _problems) {
            if (_source.empty()) {
                if (p.line) errors.fail_at(p.line, p.key, p.what);
                else errors.fail(p.key, p.what);
                continue;
            }
            std::string where = _source;
            if (p.line) where += ":" + std::to_string(p.line);
            errors.fail(where + ": " + p.key, p.what);
        }
        _problems.clear();
    }

private:
    struct problem {
        uint32_t line;
        std::string key, what;
    };
    // The key's own line, else its table's ("fields.2.max" -> "fields.2" -> "fields").
    uint32_t line_of(std::string key) const {
        for (;;) {
            if (auto it = _lines.find(key); it != _lines.end()) return it->second;
            const std::size_t cut = key.find_last_of('.');
            if (cut == std::string::npos) return 0;
            key.resize(cut);
        }
    }
    std::string _source;
    std::map<std::string, uint32_t> _lines;
    std::set<std::string> _bad;
    std::vector<problem> _problems;
};

uint32_t line_of(const toml::node& n) { return n.source().begin.line; }

// [encoding] and the MTI, merged key by key down the base chain; unset = derived.
struct encoding_settings {
    num_enc numeric = num_enc::ascii;
    text_enc text = text_enc::ascii;
    bin_enc binary = bin_enc::raw;
    std::optional<bin_enc> binary_var;   // follows `binary`
    std::optional<prefix_enc> prefix;    // follows `numeric`
    std::optional<num_enc> mti;          // follows `numeric`
};

prefix_enc prefix_of(const encoding_settings& s) {
    if (s.prefix) return *s.prefix;
    switch (s.numeric) {
        case num_enc::ascii: return prefix_enc::ascii;
        case num_enc::ebcdic: return prefix_enc::ebcdic;
        default: return prefix_enc::bcd;
    }
}

num_enc mti_of(const encoding_settings& s) {
    if (s.mti) return *s.mti;
    // Four digits have no odd nibble, so every BCD form is the same on the wire.
    return s.numeric == num_enc::ascii || s.numeric == num_enc::ebcdic ? s.numeric : num_enc::bcd_left;
}

enum class enc_class { numeric, text, binary };

enc_class class_of(content c) {
    switch (c) {
        case content::n: case content::z: case content::xn: return enc_class::numeric;
        case content::b: return enc_class::binary;
        default: return enc_class::text;
    }
}

// The content encoding [encoding] gives a field of this type and length kind.
uint8_t derived_enc(const field_def& f, const encoding_settings& s) {
    switch (class_of(f.type)) {
        case enc_class::numeric: return static_cast<uint8_t>(s.numeric);
        case enc_class::text: return static_cast<uint8_t>(s.text);
        case enc_class::binary:
            return static_cast<uint8_t>(f.prefix_digits ? s.binary_var.value_or(s.binary) : s.binary);
    }
    return 0;
}

void derive_encodings(field_def& f, const encoding_settings& s) {
    f.enc = derived_enc(f, s);
    f.prefix = f.prefix_digits ? prefix_of(s) : prefix_enc::none;
    f.sign = s.text;
}

// ---- Words as files spell them

template <class T>
struct word {
    std::string_view text;
    T value;
};

constexpr word<content> content_words[] = {
    {"n", content::n}, {"a", content::a}, {"an", content::an}, {"ans", content::ans}, {"ns", content::ns},
    {"as", content::as}, {"s", content::s}, {"b", content::b}, {"z", content::z}, {"xn", content::xn}};
constexpr word<num_enc> numeric_words[] = {
    {"ascii", num_enc::ascii}, {"ebcdic", num_enc::ebcdic}, {"bcd", num_enc::bcd_left},
    {"bcd-left", num_enc::bcd_left}, {"bcd-right", num_enc::bcd_right}, {"bcd-right-f", num_enc::bcd_right_f}};
constexpr word<text_enc> text_words[] = {{"ascii", text_enc::ascii}, {"ebcdic", text_enc::ebcdic}};
constexpr word<bin_enc> binary_words[] = {
    {"binary", bin_enc::raw}, {"hex-ascii", bin_enc::hex_ascii}, {"hex-ebcdic", bin_enc::hex_ebcdic}};
constexpr word<prefix_enc> prefix_words[] = {
    {"ascii", prefix_enc::ascii}, {"ebcdic", prefix_enc::ebcdic}, {"bcd", prefix_enc::bcd}, {"binary", prefix_enc::binary}};
constexpr word<num_enc> mti_words[] = {{"ascii", num_enc::ascii}, {"ebcdic", num_enc::ebcdic}, {"bcd", num_enc::bcd_left}};
constexpr word<code_page> code_page_words[] = {
    {"cp1047", code_page::cp1047}, {"cp037", code_page::cp037}, {"cp500", code_page::cp500}};

template <class T, std::size_t N>
std::string word_list(const word<T> (&words)[N]) {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) out += (i ? ", " : "") + std::string(words[i].text);
    return out;
}

template <class T, std::size_t N>
std::optional<T> find_word(const word<T> (&words)[N], std::string_view text) {
    for (const auto& w : words)
        if (w.text == text) return w.value;
    return std::nullopt;
}

// One file's view: its table, its reporter, and where its keys are.
struct file_reader {
    const toml::table& doc;
    reporter& rep;
    uint16_t file_index;

    // The string at `node`, or nullopt after a problem naming `key`.
    std::optional<std::string_view> string_at(const toml::node& n, const std::string& key) const {
        rep.set_line(key, line_of(n));
        if (const auto* s = n.as_string()) return std::string_view(s->get());
        rep.fail(key, "expected a string");
        return std::nullopt;
    }
    template <class T, std::size_t N>
    std::optional<T> choice_at(const toml::node& n, const std::string& key, const word<T> (&words)[N]) const {
        auto text = string_at(n, key);
        if (!text) return std::nullopt;
        if (auto v = find_word(words, *text)) return v;
        rep.fail(key, "\"" + std::string(*text) + "\" is not one of " + word_list(words));
        return std::nullopt;
    }
    std::optional<int64_t> integer_at(const toml::node& n, const std::string& key, int64_t lo, int64_t hi) const {
        rep.set_line(key, line_of(n));
        const auto* i = n.as_integer();
        if (!i) {
            rep.fail(key, "expected an integer " + std::to_string(lo) + ".." + std::to_string(hi));
            return std::nullopt;
        }
        if (i->get() < lo || i->get() > hi) {
            rep.fail(key, "must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(i->get()));
            return std::nullopt;
        }
        return i->get();
    }
    void only_keys(const toml::table& t, const std::string& prefix, std::initializer_list<std::string_view> allowed) const {
        for (auto&& [k, v] : t) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
            std::string list;
            for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
            const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
            rep.fail_at(line_of(v), key, "unknown key (allowed: " + list + ")");
        }
    }
    // [name] or name = {...}; nullptr when absent or (a problem) not a table.
    const toml::table* table(std::string_view name) const {
        const toml::node* n = doc.get(name);
        if (!n) return nullptr;
        rep.set_line(std::string(name), line_of(*n));
        if (!n->is_table()) rep.fail(std::string(name), "expected a table [" + std::string(name) + "]");
        return n->as_table();
    }
};

// ---- [message] and [encoding]

void read_message(const file_reader& r, dialect_def& out, encoding_settings& enc) {
    const toml::table* t = r.table("message");
    if (!t) return;
    r.only_keys(*t, "message", {"header", "mti", "bitmap", "bitmap_bytes"});
    if (const toml::node* n = t->get("header"))
        if (auto v = r.integer_at(*n, "message.header", 0, 64)) out.header_bytes = static_cast<uint8_t>(*v);
    if (const toml::node* n = t->get("mti"))
        if (auto v = r.choice_at(*n, "message.mti", mti_words)) enc.mti = *v;
    if (const toml::node* n = t->get("bitmap"))
        if (auto v = r.choice_at(*n, "message.bitmap", binary_words)) out.bitmap = *v;
    if (const toml::node* n = t->get("bitmap_bytes")) {
        r.rep.set_line("message.bitmap_bytes", line_of(*n));
        const auto* i = n->as_integer();
        if (i && (i->get() == 8 || i->get() == 16)) out.bitmap_bytes = static_cast<uint8_t>(i->get());
        else r.rep.fail("message.bitmap_bytes", "must be 8 (primary bitmap only) or 16 (a secondary via bit 1)");
    }
}

void read_encoding(const file_reader& r, dialect_def& out, encoding_settings& enc) {
    const toml::table* t = r.table("encoding");
    if (!t) return;
    r.only_keys(*t, "encoding", {"code_page", "numeric", "text", "binary", "binary_var", "prefix"});
    if (const toml::node* n = t->get("code_page"))
        if (auto v = r.choice_at(*n, "encoding.code_page", code_page_words)) out.cp = *v;
    if (const toml::node* n = t->get("numeric"))
        if (auto v = r.choice_at(*n, "encoding.numeric", numeric_words)) enc.numeric = *v;
    if (const toml::node* n = t->get("text"))
        if (auto v = r.choice_at(*n, "encoding.text", text_words)) enc.text = *v;
    if (const toml::node* n = t->get("binary"))
        if (auto v = r.choice_at(*n, "encoding.binary", binary_words)) enc.binary = *v;
    if (const toml::node* n = t->get("binary_var"))
        if (auto v = r.choice_at(*n, "encoding.binary_var", binary_words)) enc.binary_var = *v;
    if (const toml::node* n = t->get("prefix"))
        if (auto v = r.choice_at(*n, "encoding.prefix", prefix_words)) enc.prefix = *v;
}

// ---- [fields.N]

// `len`: an integer is a fixed length, "L".."LLLL" a length prefix of that many digits.
void read_len(const file_reader& r, const toml::node& n, const std::string& key, field_def& f) {
    r.rep.set_line(key, line_of(n));
    if (const auto* i = n.as_integer()) {
        if (i->get() < 1 || i->get() > max_fixed_len) {
            r.rep.fail(key, "a fixed length must be 1.." + std::to_string(max_fixed_len) + ", got " + std::to_string(i->get()));
            return;
        }
        f.prefix_digits = 0;
        f.max = static_cast<uint16_t>(i->get());
        return;
    }
    const auto* s = n.as_string();
    const std::string_view text = s ? std::string_view(s->get()) : std::string_view();
    if (!text.empty() && text.size() <= 4 && text.find_first_not_of('L') == std::string_view::npos) {
        f.prefix_digits = static_cast<uint8_t>(text.size());
        return;
    }
    r.rep.fail(key, "expected a number (a fixed length) or \"L\", \"LL\", \"LLL\", \"LLLL\" (a length prefix)");
}

// The content encoding word for this type: numeric, text and binary words differ.
void read_enc(const file_reader& r, const toml::node& n, const std::string& key, field_def& f) {
    auto text = r.string_at(n, key);
    if (!text) return;
    std::optional<uint8_t> v;
    std::string allowed;
    switch (class_of(f.type)) {
        case enc_class::numeric:
            if (auto e = find_word(numeric_words, *text)) v = static_cast<uint8_t>(*e);
            allowed = word_list(numeric_words);
            break;
        case enc_class::text:
            if (auto e = find_word(text_words, *text)) v = static_cast<uint8_t>(*e);
            allowed = word_list(text_words);
            break;
        case enc_class::binary:
            if (auto e = find_word(binary_words, *text)) v = static_cast<uint8_t>(*e);
            allowed = word_list(binary_words);
            break;
    }
    if (v) f.enc = *v;
    else r.rep.fail(key, "\"" + std::string(*text) + "\" is not an encoding for type " +
                             std::string(content_name(f.type)) + " (" + allowed + ")");
}

// Type, length and name keys; returns false when the table cannot define the field.
bool read_shape(const file_reader& r, const toml::table& t, const std::string& prefix, field_def& f) {
    const bool was_defined = f.defined;
    const bool was_variable = f.prefix_digits != 0;
    if (const toml::node* n = t.get("name"))
        if (auto v = r.string_at(*n, prefix + ".name")) f.name = std::string(*v);
    if (const toml::node* n = t.get("type"))
        if (auto v = r.choice_at(*n, prefix + ".type", content_words)) f.type = *v;
    if (const toml::node* n = t.get("len")) read_len(r, *n, prefix + ".len", f);
    if (!was_defined && (!t.contains("type") || !t.contains("len"))) {
        r.rep.fail(prefix, "the base does not define this field, so it needs type and len");
        return false;
    }
    if (const toml::node* n = t.get("max")) {
        if (f.prefix_digits == 0) {
            r.rep.fail_at(line_of(*n), prefix + ".max", "a fixed field's length is len; max is for \"L\"..\"LLLL\" lengths");
        } else if (auto v = r.integer_at(*n, prefix + ".max", 1, max_var_len)) {
            f.max = static_cast<uint16_t>(*v);
        }
    } else if (f.prefix_digits != 0 && (!was_defined || !was_variable)) {
        r.rep.fail(prefix + ".len", "a variable length needs max (the most units the field holds)");
    }
    return true;
}

// enc, prefix, prefix_counts and sign. Giving enc, prefix or sign makes the field's
// encodings explicit: what the table leaves out comes from this file's [encoding].
void read_field_encodings(const file_reader& r, const toml::table& t, const std::string& prefix, field_def& f,
                          const encoding_settings& enc) {
    const toml::node* enc_node = t.get("enc");
    const toml::node* prefix_node = t.get("prefix");
    const toml::node* sign_node = t.get("sign");
    if (enc_node || prefix_node || sign_node) {
        if (!f.enc_explicit) derive_encodings(f, enc);
        f.enc_explicit = true;
    }
    if (enc_node) read_enc(r, *enc_node, prefix + ".enc", f);
    if (prefix_node) {
        if (f.prefix_digits == 0) r.rep.fail_at(line_of(*prefix_node), prefix + ".prefix", "a fixed field has no length prefix");
        else if (auto v = r.choice_at(*prefix_node, prefix + ".prefix", prefix_words)) f.prefix = *v;
    }
    if (sign_node) {
        if (f.type != content::xn) r.rep.fail_at(line_of(*sign_node), prefix + ".sign", "only type xn has a C/D sign");
        else if (auto v = r.choice_at(*sign_node, prefix + ".sign", text_words)) f.sign = *v;
    }
    if (const toml::node* n = t.get("prefix_counts")) {
        constexpr word<bool> counts[] = {{"units", false}, {"bytes", true}};
        if (auto v = r.choice_at(*n, prefix + ".prefix_counts", counts)) f.prefix_counts_bytes = *v;
    }
}

// An explicit field whose type or length kind changed keeps what still fits and takes
// the rest from [encoding]: a numeric enc means nothing for text.
void refit_explicit(field_def& f, content old_type, const encoding_settings& enc) {
    if (!f.enc_explicit) return;
    if (class_of(f.type) != class_of(old_type)) f.enc = derived_enc(f, enc);
    if (f.prefix_digits == 0) f.prefix = prefix_enc::none;
    else if (f.prefix == prefix_enc::none) f.prefix = prefix_of(enc);
}

constexpr int max_layout_depth = 3;
constexpr word<layout_kind> layout_words[] = {{"none", layout_kind::none}, {"positional", layout_kind::positional},
                                              {"tlv", layout_kind::tlv}, {"bitmap", layout_kind::bitmap},
                                              {"delimited", layout_kind::delimited}};

void merge_field(const file_reader& r, const toml::table& t, const std::string& prefix, field_def& f, dialect_def& out,
                 const encoding_settings& enc, int depth);

// A bool key, or nullopt after a problem.
std::optional<bool> bool_at(const file_reader& r, const toml::node& n, const std::string& key) {
    r.rep.set_line(key, line_of(n));
    if (const auto* b = n.as_boolean()) return b->get();
    r.rep.fail(key, "expected true or false");
    return std::nullopt;
}

// The keys of one layout kind (section 5.4); a key of another kind is a problem.
void read_layout_keys(const file_reader& r, const toml::table& t, const std::string& prefix, layout_def& l) {
    struct key_of { std::string_view key; layout_kind kind; };
    constexpr key_of owners[] = {{"tag_chars", layout_kind::tlv}, {"len_digits", layout_kind::tlv},
                                 {"len_binary", layout_kind::tlv}, {"lead", layout_kind::tlv},
                                 {"bitmap_bytes", layout_kind::bitmap}, {"bitmap", layout_kind::bitmap},
                                 {"extends", layout_kind::bitmap}, {"first", layout_kind::bitmap},
                                 {"delimiter", layout_kind::delimited}};
    for (const key_of& o : owners) {
        const toml::node* n = t.get(o.key);
        if (!n) continue;
        const std::string key = prefix + "." + std::string(o.key);
        if (o.kind != l.kind) {
            r.rep.fail_at(line_of(*n), key, "not a key of a " + std::string(layout_words[static_cast<int>(l.kind)].text) +
                                                " layout (it belongs to layout = \"" +
                                                std::string(layout_words[static_cast<int>(o.kind)].text) + "\")");
            continue;
        }
        if (o.key == "tag_chars") { if (auto v = r.integer_at(*n, key, 1, 8)) l.tag_chars = static_cast<uint8_t>(*v); }
        else if (o.key == "len_digits") { if (auto v = r.integer_at(*n, key, 1, 4)) l.len_digits = static_cast<uint8_t>(*v); }
        else if (o.key == "len_binary") { if (auto v = bool_at(r, *n, key)) l.len_binary = *v; }
        else if (o.key == "lead") { if (auto v = r.integer_at(*n, key, 0, 16)) l.lead_bytes = static_cast<uint8_t>(*v); }
        else if (o.key == "bitmap_bytes") { if (auto v = r.integer_at(*n, key, 1, 16)) l.bitmap_bytes = static_cast<uint8_t>(*v); }
        else if (o.key == "bitmap") { if (auto v = r.choice_at(*n, key, binary_words)) l.bitmap_form = *v; }
        else if (o.key == "extends") { if (auto v = bool_at(r, *n, key)) l.extends = *v; }
        else if (o.key == "first") { if (auto v = r.integer_at(*n, key, 0, 1)) l.first_field = static_cast<uint8_t>(*v); }
        else if (auto text = r.string_at(*n, key)) {
            if (text->size() == 1) l.delimiter = (*text)[0];
            else r.rep.fail(key, "expected one character");
        }
    }
}

// A sub-field's id: a number for positional, bitmap and delimited layouts (bitmap: one
// its sub-bitmap has a bit for), a tag of tag_chars characters for tlv. "" after a problem.
std::string sub_id(const file_reader& r, const layout_def& l, std::string_view id, const std::string& key, uint32_t line) {
    if (l.kind == layout_kind::tlv) {
        if (id.size() == l.tag_chars) return std::string(id);
        r.rep.fail_at(line, key, "a tlv tag here has " + std::to_string(l.tag_chars) + " characters (tag_chars)");
        return {};
    }
    unsigned number = 0;
    const bool digits = !id.empty() && id.size() <= 3 && id.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits)
        for (char c : id) number = number * 10 + static_cast<unsigned>(c - '0');
    if (!digits || number == 0 || number > 128) {
        r.rep.fail_at(line, key, "a sub-field number 1..128");
        return {};
    }
    if (l.kind == layout_kind::bitmap) {
        const unsigned bits = l.bitmap_bytes * 8u * (l.extends ? 2u : 1u);
        const unsigned last = bits - (l.first_field == 0 ? 1u : 0u);
        if (number > last) {
            r.rep.fail_at(line, key, "bitmapped sub-field " + std::to_string(number) + " is beyond the " +
                                         std::to_string(l.bitmap_bytes) + "-byte sub-bitmap (fields " +
                                         std::to_string(l.first_field) + "-" + std::to_string(last) + ")");
            return {};
        }
    }
    return std::to_string(number);
}

// [fields.N.sub.ID] tables, merged onto the layout's sub-fields by id (false removes one).
void read_subs(const file_reader& r, const toml::node& n, const std::string& prefix, uint32_t layout_index,
               dialect_def& out, const encoding_settings& enc, int depth) {
    const std::string key = prefix + ".sub";
    r.rep.set_line(key, line_of(n));
    const toml::table* t = n.as_table();
    if (!t) {
        r.rep.fail(key, "expected a table of sub-fields ([" + key + ".ID])");
        return;
    }
    for (auto&& [k, v] : *t) {
        const std::string sub_key = key + "." + std::string(k.str());
        const std::string id = sub_id(r, out.layouts[layout_index], k.str(), sub_key, line_of(v));
        if (id.empty()) continue;
        auto& subs = out.layouts[layout_index].subs;
        auto it = std::find_if(subs.begin(), subs.end(), [&](const auto& s) { return s.first == id; });
        if (const auto* b = v.as_boolean(); b && !b->get()) {
            if (it != subs.end()) subs.erase(it);
            continue;
        }
        const auto* st = v.as_table();
        if (!st) {
            r.rep.fail_at(line_of(v), sub_key, "expected a table of field keys, or false to remove the sub-field");
            continue;
        }
        // Merged on a copy: a nested layout may grow out.layouts under our feet.
        field_def sub = it != subs.end() ? it->second : field_def{};
        const std::size_t at = it != subs.end() ? static_cast<std::size_t>(it - subs.begin()) : subs.size();
        merge_field(r, *st, sub_key, sub, out, enc, depth + 1);
        auto& now = out.layouts[layout_index].subs;
        if (at < now.size()) now[at].second = std::move(sub);
        else now.emplace_back(id, std::move(sub));
    }
}

// layout, its keys and its sub-fields.
void read_layout(const file_reader& r, const toml::table& t, const std::string& prefix, field_def& f, dialect_def& out,
                 const encoding_settings& enc, int depth) {
    if (const toml::node* n = t.get("layout")) {
        if (auto kind = r.choice_at(*n, prefix + ".layout", layout_words)) {
            if (*kind != layout_kind::none && depth >= max_layout_depth) {
                r.rep.fail(prefix + ".layout", "layouts nest at most " + std::to_string(max_layout_depth) + " deep");
                return;
            }
            if (*kind != f.layout) {  // a new layout; one of the same kind is edited in place
                f.layout = *kind;
                if (*kind != layout_kind::none) {
                    f.layout_index = static_cast<uint32_t>(out.layouts.size());
                    out.layouts.push_back(layout_def{});
                    out.layouts.back().kind = *kind;
                }
            }
        }
    }
    if (f.layout == layout_kind::none) {
        for (std::string_view k : {"tag_chars", "len_digits", "len_binary", "lead", "bitmap_bytes", "bitmap", "extends",
                                   "first", "delimiter", "sub"})
            if (const toml::node* n = t.get(k))
                r.rep.fail_at(line_of(*n), prefix + "." + std::string(k), "needs a layout (layout = \"tlv\", \"bitmap\", ...)");
        return;
    }
    const uint32_t index = f.layout_index;
    read_layout_keys(r, t, prefix, out.layouts[index]);
    if (const toml::node* n = t.get("sub")) read_subs(r, *n, prefix, index, out, enc, depth);
}

void merge_field(const file_reader& r, const toml::table& t, const std::string& prefix, field_def& f, dialect_def& out,
                 const encoding_settings& enc, int depth) {
    r.rep.set_line(prefix, line_of(t));
    r.only_keys(t, prefix, {"name", "type", "len", "max", "enc", "prefix", "prefix_counts", "sign", "layout",
                            "tag_chars", "len_digits", "len_binary", "lead", "bitmap_bytes", "bitmap", "extends",
                            "first", "delimiter", "sub"});
    const content old_type = f.type;
    if (!read_shape(r, t, prefix, f)) return;
    refit_explicit(f, old_type, enc);
    read_field_encodings(r, t, prefix, f, enc);
    f.defined = true;
    f.where = {r.file_index, line_of(t)};
    read_layout(r, t, prefix, f, out, enc, depth);
}

// "2".."128"; 0 (with a problem) for anything else.
unsigned field_number(const file_reader& r, std::string_view k, const toml::node& v) {
    unsigned number = 0;
    const bool digits = !k.empty() && k.size() <= 3 && k.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits)
        for (char c : k) number = number * 10 + static_cast<unsigned>(c - '0');
    const std::string key = "fields." + std::string(k);
    if (digits && number >= 2 && number <= 128) return number;
    if (digits && number == 1)
        r.rep.fail_at(line_of(v), key, "field 1 is the secondary bitmap; [message] bitmap_bytes = 8 or 16 sets it");
    else if (digits && number > 128)
        r.rep.fail_at(line_of(v), key, "fields above 128 (a tertiary bitmap) are not supported");
    else
        r.rep.fail_at(line_of(v), key, "not a field number (2..128)");
    return 0;
}

void read_fields(const file_reader& r, dialect_def& out, const encoding_settings& enc) {
    const toml::table* t = r.table("fields");
    if (!t) return;
    for (auto&& [k, v] : *t) {
        const unsigned number = field_number(r, k.str(), v);
        if (!number) continue;
        const std::string key = "fields." + std::to_string(number);
        if (const auto* b = v.as_boolean(); b && !b->get()) {
            out.fields[number] = field_def{};  // removed: a set bit for it is a reject
            continue;
        }
        if (const auto* ft = v.as_table()) merge_field(r, *ft, key, out.fields[number], out, enc, 0);
        else r.rep.fail_at(line_of(v), key, "expected a table of field keys, or false to remove the field");
    }
}

// ---- Validation (section 5.10)

// Wire bytes of `units` of content, for a prefix that counts bytes.
uint32_t wire_bytes(const field_def& f, uint32_t units) {
    if (f.type == content::b) return f.enc == static_cast<uint8_t>(bin_enc::raw) ? units : 2 * units;
    const bool packed = class_of(f.type) == enc_class::numeric && f.enc >= static_cast<uint8_t>(num_enc::bcd_left);
    if (f.type == content::xn) return 1 + (packed ? (units + 1) / 2 : units);
    return packed ? (units + 1) / 2 : units;
}

// `key` names the field in messages ("fields.2", "fields.48.sub.DI").
void validate_field(const file_reader& r, const std::string& key, const field_def& f) {
    if (f.prefix_digits == 0) return;
    const std::string lens(f.prefix_digits, 'L');
    uint32_t capacity = 1;
    std::string what = lens;
    if (f.prefix == prefix_enc::binary) {
        capacity = f.prefix_digits <= 2 ? 255 : max_var_len;
        what += f.prefix_digits <= 2 ? " (a 1-byte binary prefix)" : " (a 2-byte binary prefix)";
    } else {
        for (unsigned i = 0; i < f.prefix_digits; ++i) capacity *= 10;
        capacity = std::min<uint32_t>(capacity - 1, max_var_len);
        what += f.prefix == prefix_enc::ascii ? " prefix of ASCII digits"
                : f.prefix == prefix_enc::ebcdic ? " prefix of EBCDIC digits" : " prefix of BCD digits";
    }
    const uint32_t needed = f.prefix_counts_bytes ? wire_bytes(f, f.max) : f.max;
    if (needed <= capacity) return;
    std::string got = std::to_string(needed) + (f.prefix_counts_bytes ? " bytes" : "");
    if (f.where.file == r.file_index && f.where.line)
        r.rep.fail(key + ".max", "an " + what + " holds at most " + std::to_string(capacity) + ", got " + got);
    else  // an inherited field that this file's [encoding] changed
        r.rep.fail("encoding.prefix", key + ": an " + what + " holds at most " + std::to_string(capacity) + ", got " + got);
}

// Positional sub-fields are read in number order, so the numbers run 1, 2, 3 ...
void order_positional(const file_reader& r, const std::string& key, layout_def& l) {
    if (l.kind != layout_kind::positional) return;
    auto number = [](const std::string& id) { return std::stoul(id); };
    std::stable_sort(l.subs.begin(), l.subs.end(),
                     [&](const auto& a, const auto& b) { return number(a.first) < number(b.first); });
    for (std::size_t i = 0; i < l.subs.size(); ++i)
        if (number(l.subs[i].first) != i + 1) {
            r.rep.fail(key + ".sub." + l.subs[i].first, "positional sub-fields are numbered 1, 2, 3 ... without a gap (" +
                                                        std::to_string(i + 1) + " is missing)");
            return;
        }
}

// Re-derives the encodings no file set explicitly and checks the field, then its
// sub-fields (layouts nest at most max_layout_depth deep, so this recursion is short).
void finish_field(const file_reader& r, const std::string& key, field_def& f, dialect_def& out,
                  const encoding_settings& enc, int depth) {
    if (!f.enc_explicit) derive_encodings(f, enc);
    validate_field(r, key, f);
    if (f.layout == layout_kind::none || f.layout_index >= out.layouts.size() || depth >= max_layout_depth) return;
    order_positional(r, key, out.layouts[f.layout_index]);
    for (std::size_t i = 0; i < out.layouts[f.layout_index].subs.size(); ++i) {
        auto& [id, sub] = out.layouts[f.layout_index].subs[i];
        finish_field(r, key + ".sub." + id, sub, out, enc, depth + 1);
    }
    // A map layout is read apart from its field (max 0 here): compile_wire checks it.
    const layout_def& l = out.layouts[f.layout_index];
    if (const std::optional<sub_misfit> m = f.max ? first_misfit(f, l) : std::nullopt)
        r.rep.fail(key + ".sub." + l.subs[m->index].first,
                   "never fits: it starts at byte " + std::to_string(m->start) + " or later and takes at least " +
                       std::to_string(m->need) + ", but " + key + " holds at most " + std::to_string(m->capacity));
}

// Re-derives what no file set explicitly, then checks every field.
void finish(const file_reader& r, dialect_def& out, const encoding_settings& enc) {
    out.mti = mti_of(enc);
    for (unsigned number = 2; number <= 128; ++number)
        if (out.fields[number].defined) finish_field(r, "fields." + std::to_string(number), out.fields[number], out, enc, 0);
}

// ---- The base chain

bool load_level(std::string_view text, std::string_view source, dialect_def& out, encoding_settings& enc,
                config_errors& errors, std::vector<std::string>& chain);

std::string chain_text(const std::vector<std::string>& chain, std::string_view last) {
    std::string out;
    for (const auto& c : chain) out += c + " -> ";
    return out + std::string(last);
}

// Depth and cycle checks before loading `next` as a base; false after a problem.
bool may_load(const file_reader& r, const std::vector<std::string>& chain, const std::string& next) {
    if (std::find(chain.begin(), chain.end(), next) != chain.end()) {
        r.rep.fail("base", "cycle " + chain_text(chain, next));
        return false;
    }
    if (chain.size() >= max_base_depth) {
        r.rep.fail("base", "bases nest at most " + std::to_string(max_base_depth) + " deep: " + chain_text(chain, next));
        return false;
    }
    return true;
}

// A .toml or .xml base, relative to the folder of the file that names it. A jPOS file
// sets every field explicitly; its MTI encoding carries on as [message] mti.
bool resolve_file_base(const file_reader& r, std::string_view base, dialect_def& out, encoding_settings& enc,
                       config_errors& errors, std::vector<std::string>& chain) {
    const std::string& here = chain.back();
    if (here.starts_with("<built-in>")) {
        r.rep.fail("base", "a built-in dialect cannot name a file");
        return false;
    }
    namespace fs = std::filesystem;
    const std::string path = (fs::path(here).parent_path() / fs::path(base)).lexically_normal().string();
    if (!may_load(r, chain, path)) return false;
    std::string text, why;
    if (!detail::read_dialect_file(path, text, why)) {
        r.rep.fail("base", "\"" + path + "\": " + why);
        return false;
    }
    bool ok = false;
    if (base.ends_with(".xml")) {
        ok = parse_jpos_xml(text, path, out, errors);
        if (ok) enc.mti = out.mti;
    } else {
        ok = load_level(text, path, out, enc, errors, chain);
    }
    if (!ok) r.rep.fail("base", "the base \"" + path + "\" has errors");
    return ok;
}

bool resolve_base(const file_reader& r, std::string_view base, dialect_def& out, encoding_settings& enc,
                  config_errors& errors, std::vector<std::string>& chain) {
    if (const dialect_def* s = standard(base)) {
        out = *s;
        out.files.clear();
        out.standard = std::string(base);
        return true;
    }
    if (auto text = detail::builtin_dialect_text(base)) {
        // Named apart from any file on disk, so a user's own bcd.toml with base "bcd"
        // is no cycle.
        const std::string source = "<built-in>/" + std::string(base) + ".toml";
        if (!may_load(r, chain, source)) return false;
        if (load_level(*text, source, out, enc, errors, chain)) return true;
        r.rep.fail("base", "the built-in dialect \"" + std::string(base) + "\" has errors");
        return false;
    }
    if (detail::names_dialect_file(base)) return resolve_file_base(r, base, out, enc, errors, chain);
    if (base.find('/') != std::string_view::npos)
        r.rep.fail("base", "a dialect file's name ends in .toml or .xml (\"" + std::string(base) + "\")");
    else
        r.rep.fail("base", "no standard or built-in dialect \"" + std::string(base) + "\" (" + base_list +
                               "; or a .toml or .xml file)");
    return false;
}

// "dialects/acme.toml" -> "acme".
std::string stem_of(std::string_view source) {
    if (auto slash = source.find_last_of('/'); slash != std::string_view::npos) source.remove_prefix(slash + 1);
    if (auto dot = source.find_last_of('.'); dot != std::string_view::npos && dot > 0) source = source.substr(0, dot);
    return std::string(source);
}

// name, description and base; false when the base cannot be had.
bool read_header(file_reader& r, std::string_view source, dialect_def& out, encoding_settings& enc,
                 config_errors& errors, std::vector<std::string>& chain) {
    r.only_keys(r.doc, "", {"name", "description", "base", "message", "encoding", "fields"});
    std::string base = "iso8583-1987", name = stem_of(source), description;
    if (const toml::node* n = r.doc.get("base"))
        if (auto v = r.string_at(*n, "base")) base = std::string(*v);
    if (const toml::node* n = r.doc.get("name"))
        if (auto v = r.string_at(*n, "name")) name = std::string(*v);
    if (const toml::node* n = r.doc.get("description"))
        if (auto v = r.string_at(*n, "description")) description = std::string(*v);
    if (!resolve_base(r, base, out, enc, errors, chain)) return false;
    out.name = std::move(name);
    out.description = std::move(description);
    out.base = std::move(base);
    out.files.push_back(std::string(source));
    r.file_index = static_cast<uint16_t>(out.files.size() - 1);
    return true;
}

bool load_level(std::string_view text, std::string_view source, dialect_def& out, encoding_settings& enc,
                config_errors& errors, std::vector<std::string>& chain) {
    reporter rep(source);
    toml::table doc;
    try {
        doc = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        rep.fail_at(e.source().begin.line, "TOML syntax", std::string(e.description()));
        rep.flush(errors);
        return false;
    }
    chain.push_back(std::string(source));
    file_reader r{doc, rep, 0};
    if (read_header(r, source, out, enc, errors, chain)) {
        read_message(r, out, enc);
        read_encoding(r, out, enc);
        read_fields(r, out, enc);
        finish(r, out, enc);
    }
    chain.pop_back();
    const bool ok = rep.clean();
    rep.flush(errors);
    return ok;
}

// A map's layout: the field it describes is opaque to the dialect, so it starts as a
// defined field with no layout and the table's keys apply as in [fields.N].
bool read_map_layout(const file_reader& r, const toml::table& t, const std::string& key, layout_def& out) {
    r.only_keys(t, key, {"layout", "tag_chars", "len_digits", "len_binary", "lead", "bitmap_bytes", "bitmap", "extends",
                         "first", "delimiter", "sub"});
    const toml::node* kind = t.get("layout");
    if (!kind) {
        r.rep.fail_at(line_of(t), key + ".layout", "a map layout needs layout = \"tlv\", \"positional\", \"bitmap\" or \"delimited\"");
        return false;
    }
    dialect_def scratch;
    field_def f;
    f.defined = true;
    const encoding_settings enc;
    read_layout(r, t, key, f, scratch, enc, 0);
    if (f.layout == layout_kind::none) {
        r.rep.fail(key + ".layout", "a map layout needs layout = \"tlv\", \"positional\", \"bitmap\" or \"delimited\"");
        return false;
    }
    finish_field(r, key, f, scratch, enc, 0);
    layout_def& l = scratch.layouts[f.layout_index];
    for (const auto& [id, sub] : l.subs)
        if (sub.layout != layout_kind::none)
            r.rep.fail(key + ".sub." + id + ".layout",
                       "a map layout's sub-fields have no layouts of their own; nest layouts in a dialect file");
    out = std::move(l);
    return r.rep.clean();
}

}  // namespace

namespace detail {

std::optional<std::string_view> builtin_dialect_text(std::string_view name) noexcept {
    if (name == "binary") return dialect_binary_text();
    if (name == "hex") return dialect_hex_text();
    if (name == "bcd") return dialect_bcd_text();
    if (name == "ebcdic") return dialect_ebcdic_text();
    if (name == "iso93-ascii") return dialect_iso93_ascii_text();
    return std::nullopt;
}

bool read_layout_table(const toml::table& table, const std::string& key, layout_def& out, config_errors& errors) {
    try {
        reporter rep("");
        file_reader r{table, rep, 0};
        const bool ok = read_map_layout(r, table, key, out);
        rep.flush(errors);
        return ok;
    } catch (const std::exception& e) {  // bad_alloc and the like
        errors.fail(key, std::string("cannot be read: ") + e.what());
        return false;
    }
}

}  // namespace detail

bool parse_dialect_toml(std::string_view text, std::string_view source, dialect_def& out, config_errors& errors) {
    try {
        dialect_def def;
        encoding_settings enc;
        std::vector<std::string> chain;
        if (!load_level(text, source, def, enc, errors, chain)) return false;
        out = std::move(def);
        return true;
    } catch (const std::exception& e) {  // bad_alloc and the like: never past this point
        errors.fail(std::string(source), std::string("cannot be read: ") + e.what());
        return false;
    }
}

}  // namespace txscreen::iso
