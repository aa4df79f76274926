// Dialect-driven ISO 8583 encoder (iso8583_encode.h). Three steps:
//   1. each map entry's target takes its value from the clear_txn, through the inverse
//      of the entry's converter, as the decoded content the decoder would read back;
//   2. the value goes to the entry's first path: a whole field, a slice of one, or a
//      sub-field, collected in a tree per field and laid out by the field's layout;
//   3. every present field is packed by its definition: content padded or cut, then a
//      length prefix and the content in the dialect's numeric/text/binary encodings.
#include "codec/iso8583_encode.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "codec/ebcdic.h"
#include "codec/iso_wire.h"
#include "common/civil_time.h"
#include "common/currency.h"

namespace txscreen {
namespace {

using iso::bin_enc;
using iso::content;
using iso::converter;
using iso::field_def;
using iso::layout_def;
using iso::layout_kind;
using iso::map_path;
using iso::map_target;
using iso::num_enc;
using iso::prefix_enc;
using iso::text_enc;

constexpr char hex_digits[] = "0123456789ABCDEF";

std::string zero_padded(uint64_t v, unsigned width) {
    std::string s(width, '0');
    for (unsigned i = width; i-- > 0 && v;) {
        s[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return s;
}

unsigned hex_value(char c) {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
    return 0;
}

std::string hex_to_bytes(std::string_view hex) {
    std::string r;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        r.push_back(static_cast<char>(hex_value(hex[i]) << 4 | hex_value(hex[i + 1])));
    return r;
}

// ---------------------------------------------------------------------------------
// Step 1: a target's value as decoded content

// The event time as the date and time fields carry it.
struct time_texts {
    std::string yymmdd, mmdd, hhmmss;
};

time_texts times_of(int64_t event_time_ms) {
    const civil_time ct = civil_from_ms(event_time_ms);
    const int64_t sod = ct.ms_of_day / 1000;
    time_texts t;
    t.mmdd = zero_padded(ct.date.month, 2) + zero_padded(ct.date.day, 2);
    t.yymmdd = zero_padded(static_cast<uint64_t>(((ct.date.year % 100) + 100) % 100), 2) + t.mmdd;
    t.hhmmss = zero_padded(static_cast<uint64_t>(sod / 3600), 2) + zero_padded(static_cast<uint64_t>(sod / 60 % 60), 2) +
               zero_padded(static_cast<uint64_t>(sod % 60), 2);
    return t;
}

// The converter an `automatic` entry uses for its target, as the decoder defaults it.
converter resolved(map_target target, converter conv, const field_def& at) {
    if (conv != converter::automatic) return conv;
    switch (target) {
        case map_target::event_time: return converter::mmddhhmmss;
        case map_target::local_time:
            return at.max == 12 && at.type == content::n ? converter::yymmddhhmmss : converter::hhmmss;
        case map_target::local_date:
            return at.max == 12 && at.type == content::n ? converter::yymmddhhmmss : converter::mmdd;
        case map_target::expiry: return converter::yymm;
        case map_target::currency: return converter::currency;
        case map_target::lat:
        case map_target::lon: return converter::decimal;
        case map_target::ip:
            if (at.type == content::b && at.max == 4) return converter::ipv4_binary;
            return converter::text;
        default: return converter::text;
    }
}

std::string ipv4_bytes(std::string_view dotted, bool hex) {
    std::string out;
    unsigned part = 0, digits = 0;
    auto put = [&] {
        const char b = static_cast<char>(part & 0xff);
        if (hex) {
            out.push_back(hex_digits[(part >> 4) & 15]);
            out.push_back(hex_digits[part & 15]);
        } else {
            out.push_back(b);
        }
        part = digits = 0;
    };
    for (char c : dotted) {
        if (c == '.') put();
        else if (c >= '0' && c <= '9') part = part * 10 + static_cast<unsigned>(c - '0'), ++digits;
    }
    put();
    return out;
}

// A coordinate in degrees (NaN: absent) as `decimal` or `microdegrees` text.
std::string coordinate_text(double degrees, converter conv) {
    char buf[32];
    if (conv == converter::microdegrees)
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(std::llround(degrees * 1e6)));
    else
        std::snprintf(buf, sizeof buf, "%.6f", degrees);
    return buf;
}

// Currency: numeric code in an n field (and, as txscreen always sent it, in the 1987
// `an 3` field 49); alpha in an `a` field. Unknown codes go as given so a feed can carry
// one to test rejects.
std::string currency_text(const std::string& alpha, const field_def& at) {
    const currency_info* c = currency_by_alpha(alpha);
    if (!c || at.type == content::a) return alpha;
    return zero_padded(c->numeric, 3);
}

struct target_source {
    const clear_txn& t;
    time_texts time;
    bool atm, ecom;
};

std::string time_value(const target_source& s, converter conv) {
    switch (conv) {
        case converter::yymmddhhmmss: return s.time.yymmdd + s.time.hhmmss;
        case converter::hhmmss: return s.time.hhmmss;
        case converter::mmdd: return s.time.mmdd;
        default: return s.time.mmdd + s.time.hhmmss;  // mmddhhmmss
    }
}

// The content for `target`; false when the clear_txn has nothing to send for it.
bool target_value(const target_source& s, map_target target, converter conv, const field_def& at,
                  std::string& out) {
    const clear_txn& t = s.t;
    auto text = [&out](const std::string& v) { return out = v, !v.empty(); };
    switch (target) {
        case map_target::pan: return text(t.pan);  // a response may omit it
        case map_target::processing_code: return text(t.processing_code.empty() ? "000000" : t.processing_code);
        case map_target::amount:
            // An xn amount carries its sign: D (debit) for a negative amount, as the
            // decoder reads it back; elsewhere a negative amount goes as 0.
            if (at.type == content::xn && t.amount_minor < 0) {
                out = "D" + std::to_string(-static_cast<uint64_t>(t.amount_minor));
                return true;
            }
            out = std::to_string(t.amount_minor > 0 ? t.amount_minor : 0);
            return true;
        case map_target::event_time:
        case map_target::local_time:
        case map_target::local_date: out = time_value(s, conv); return true;
        case map_target::stan: return text(t.stan);
        case map_target::expiry:
            out = zero_padded(t.expiry_yymm, 4);
            return t.expiry_yymm != 0;
        case map_target::mcc: out = zero_padded(s.atm ? 6011 : t.mcc, 4); return true;
        case map_target::pos_entry_mode: return text(!t.pos_entry_mode.empty() ? t.pos_entry_mode : s.ecom ? "812" : "051");
        case map_target::pos_condition:
            return text(!t.pos_condition.empty() ? t.pos_condition : s.ecom ? "59" : s.atm ? "02" : "00");
        case map_target::acquirer_id: return text(t.acquirer_id);
        case map_target::rrn: return text(t.rrn);
        case map_target::auth_code: return text(t.auth_code);
        case map_target::response_code: return text(t.response_code);
        case map_target::terminal_id: return text(t.terminal_id);
        case map_target::merchant_id: return text(t.merchant_id);
        case map_target::merchant_name: return text(t.merchant_name);
        case map_target::city: return text(t.city);
        case map_target::region: return text(t.region);
        case map_target::country: return text(t.country);
        case map_target::device_id: return text(t.device_id);
        case map_target::email: return text(t.email);
        case map_target::account_id: return text(t.account_id);
        case map_target::ip:
            if (t.ip.empty()) return false;
            out = conv == converter::ipv4_binary || conv == converter::ipv4_hex
                      ? ipv4_bytes(t.ip, conv == converter::ipv4_hex) : t.ip;
            return true;
        case map_target::currency:
            if (t.currency.empty()) return false;
            out = currency_text(t.currency, at);
            return true;
        case map_target::lat:
        case map_target::lon: {
            const double v = target == map_target::lat ? t.lat : t.lon;
            if (std::isnan(v)) return false;
            out = coordinate_text(v, conv);
            return true;
        }
        case map_target::count: break;
    }
    return false;
}

// ---------------------------------------------------------------------------------
// Step 2: values placed in fields and sub-fields

// One field's or sub-field's value under construction: its own content, or the
// sub-fields its layout assembles (in the order the map placed them).
struct value_node {
    std::string id;  // sub-field id or tag ("" for a field)
    bool has = false;
    std::string value;
    std::vector<value_node> subs;

    value_node& sub(const std::string& sub_id) {
        for (value_node& s : subs)
            if (s.id == sub_id) return s;
        subs.push_back(value_node{sub_id});
        return subs.back();
    }
};

// The value cut or padded to `width` units: numbers right-justified with zeros (extra
// leading digits cut), text left-justified with spaces, bytes with zeros.
std::string fitted(std::string v, std::size_t width, content type) {
    if (type == content::n || type == content::z) {
        if (v.size() > width) v.erase(0, v.size() - width);
        v.insert(0, width - v.size(), '0');
    } else {
        v.resize(width, type == content::b ? '\0' : ' ');
    }
    return v;
}

// "[from:]" (iso_map.h): the slice runs to the end of the value.
constexpr uint16_t slice_to_end = 0xFFFF;

// Writes `value` at `p`'s slice of the node (or as its whole value when no slice), the
// slice padded to its width like a fixed field of the node's type.
void place_value(value_node& node, const map_path& p, const field_def& def, const std::string& value) {
    if (p.slice_to <= p.slice_from) {  // the whole value (compile_wire refuses empty slices)
        if (!node.has) node.value = value;
        node.has = true;
        return;
    }
    const char fill = def.type == content::n ? '0' : def.type == content::b ? '\0' : ' ';
    const bool fixed = def.prefix_digits == 0;
    if (!node.has) node.value.assign(fixed ? def.max : 0, fill);
    node.has = true;
    if (p.slice_to == slice_to_end) {
        // To the end: of a fixed field's length (padded to it), or of the value itself,
        // which then ends the variable field (the packer cuts it at the maximum).
        if (node.value.size() < p.slice_from) node.value.resize(p.slice_from, fill);
        const std::size_t width = fixed && def.max > p.slice_from ? def.max - p.slice_from : value.size();
        node.value.replace(p.slice_from, std::string::npos, fitted(value, width, def.type));
        return;
    }
    if (node.value.size() < p.slice_to) node.value.resize(p.slice_to, fill);
    const std::string part = fitted(value, p.slice_to - p.slice_from, def.type);
    node.value.replace(p.slice_from, part.size(), part);
}

// The layout a field or sub-field is read with: its own definition's, or for a field
// one the map declares.
const layout_def* layout_of(const iso_wire& w, const field_def& def, int field) {
    if (def.layout != layout_kind::none && def.layout_index < w.dialect.layouts.size())
        return &w.dialect.layouts[def.layout_index];
    if (field > 0)
        for (const auto& [f, layout] : w.map.layouts)
            if (f == field) return &layout;
    return nullptr;
}

// A TLV tag the layout does not list: variable text.
const field_def& unlisted_tag() {
    static const field_def def = [] {
        field_def f;
        f.defined = true, f.type = content::ans, f.prefix_digits = 2, f.max = 999;
        return f;
    }();
    return def;
}

const field_def* sub_def(const layout_def& layout, std::string_view id) {
    for (const auto& [sub_id, def] : layout.subs)
        if (sub_id == id) return &def;
    return nullptr;
}

// The definition a path ends at (the field's for a whole-field path); nullptr when the
// dialect cannot reach it (compile_wire refuses such maps, so this is defensive).
const field_def* path_def(const iso_wire& w, const map_path& p) {
    const field_def* def = &w.dialect.fields[p.field];
    int field = p.field;
    for (const std::string& id : p.subs) {
        const layout_def* layout = layout_of(w, *def, field);
        if (!layout) return nullptr;
        const field_def* inner = sub_def(*layout, id);
        if (!inner && layout->kind == layout_kind::tlv) inner = &unlisted_tag();
        if (!inner) return nullptr;
        def = inner;
        field = -1;
    }
    return def;
}

void place(std::array<value_node, 129>& fields, const iso_wire& w, const map_path& p, const std::string& value) {
    if (p.field < 2 || p.field > 128 || !w.dialect.fields[p.field].defined) return;
    const field_def* def = path_def(w, p);
    if (!def) return;
    value_node* node = &fields[p.field];
    for (const std::string& id : p.subs) node = &node->sub(id);
    place_value(*node, p, *def, value);
    fields[p.field].has = true;
}

// ---------------------------------------------------------------------------------
// Step 3: packing content into wire bytes

// An xn value's C/D sign and digits: the value's own sign when it has one (a negative
// amount's D), else C (credit), so a plain number fills an amount field.
std::pair<char, std::string> sign_and_digits(const std::string& c) {
    if (!c.empty() && (c[0] == 'C' || c[0] == 'D')) return {c[0], c.substr(1)};
    return {'C', c};
}

struct packer {
    const iso::dialect_def& d;
    const ebcdic::byte_table& to_ebcdic;

    void text(std::vector<uint8_t>& out, std::string_view s, text_enc e) const {
        for (unsigned char c : s) out.push_back(e == text_enc::ebcdic ? to_ebcdic[c] : c);
    }

    // Digits (and the track 2 separator, which keeps its low nibble: '=' is D in BCD).
    void digits(std::vector<uint8_t>& out, std::string_view s, num_enc e) const {
        if (e == num_enc::ascii) return text(out, s, text_enc::ascii);
        if (e == num_enc::ebcdic) return text(out, s, text_enc::ebcdic);
        std::size_t i = 0;
        if (s.size() % 2 && e == num_enc::bcd_left) out.push_back(static_cast<uint8_t>(s[i++] & 0x0f));
        for (; i + 1 < s.size(); i += 2) out.push_back(static_cast<uint8_t>((s[i] & 0x0f) << 4 | (s[i + 1] & 0x0f)));
        if (i < s.size())  // an odd count, right-justified: a pad nibble last
            out.push_back(static_cast<uint8_t>((s[i] & 0x0f) << 4 | (e == num_enc::bcd_right_f ? 0x0f : 0x00)));
    }

    void binary(std::vector<uint8_t>& out, std::string_view bytes, bin_enc e) const {
        if (e == bin_enc::raw) return out.insert(out.end(), bytes.begin(), bytes.end()), void();
        const text_enc chars = e == bin_enc::hex_ebcdic ? text_enc::ebcdic : text_enc::ascii;
        for (unsigned char c : bytes) {
            const char pair[2] = {hex_digits[c >> 4], hex_digits[c & 15]};
            text(out, std::string_view(pair, 2), chars);
        }
    }

    // prefix_digits is the length kind (1..4: L..LLLL); a binary prefix of it takes 1
    // byte for L and LL, 2 (big-endian) for LLL and LLLL.
    static void binary_prefix(std::vector<uint8_t>& out, std::size_t len, const field_def& f) {
        if (f.prefix_digits > 2) out.push_back(static_cast<uint8_t>(len >> 8));
        out.push_back(static_cast<uint8_t>(len));
    }

    void prefix(std::vector<uint8_t>& out, std::size_t len, const field_def& f) const {
        const unsigned n = f.prefix_digits;
        if (f.prefix == prefix_enc::binary) return binary_prefix(out, len, f);
        const std::string l = zero_padded(len, n);
        if (f.prefix == prefix_enc::bcd) return digits(out, l, num_enc::bcd_left);
        text(out, l, f.prefix == prefix_enc::ebcdic ? text_enc::ebcdic : text_enc::ascii);
    }

    // The content of a field in wire form, without its prefix (xn: see amount).
    void body(std::vector<uint8_t>& out, const std::string& c, const field_def& f) const {
        switch (f.type) {
            case content::n:
            case content::z: return digits(out, c, static_cast<num_enc>(f.enc));
            case content::b: return binary(out, c, static_cast<bin_enc>(f.enc));
            default: return text(out, c, static_cast<text_enc>(f.enc));
        }
    }

    // An xn field: the sign in its own encoding, then the digits fitted to the
    // definition; a prefix counts the digits (the sign is not one), or the wire bytes.
    void amount(std::vector<uint8_t>& out, const std::string& c, const field_def& f) const {
        auto [sign, value_digits] = sign_and_digits(c);
        if (f.prefix_digits == 0) value_digits = fitted(std::move(value_digits), f.max, content::n);
        else if (value_digits.size() > f.max) value_digits.resize(f.max);
        std::vector<uint8_t> wire;
        text(wire, std::string_view(&sign, 1), f.sign);
        digits(wire, value_digits, static_cast<num_enc>(f.enc));
        if (f.prefix_digits) prefix(out, f.prefix_counts_bytes ? wire.size() : value_digits.size(), f);
        out.insert(out.end(), wire.begin(), wire.end());
    }

    // Padding or cutting to the definition, then the length prefix and the body.
    void field(std::vector<uint8_t>& out, std::string c, const field_def& f) const {
        if (f.type == content::xn) return amount(out, c, f);
        if (f.prefix_digits == 0) return body(out, fitted(std::move(c), f.max, f.type), f);
        if (c.size() > f.max) c.resize(f.max);
        if (!f.prefix_counts_bytes) {
            prefix(out, c.size(), f);
            return body(out, c, f);
        }
        std::vector<uint8_t> wire;
        body(wire, c, f);
        prefix(out, wire.size(), f);
        out.insert(out.end(), wire.begin(), wire.end());
    }

    void bitmap(std::vector<uint8_t>& out, uint64_t bits, bin_enc form) const {
        std::string bytes;
        for (int s = 56; s >= 0; s -= 8) bytes.push_back(static_cast<char>(bits >> s));
        binary(out, bytes, form);
    }
};

// A node's sub-fields laid out as its decoded content. In a b parent the sub-fields
// carry their own encodings (BCD digits, binary prefixes); in a text or numeric parent
// they are characters that the parent's encoding translates as a whole.
std::string compose(const iso_wire& w, const packer& pk, const value_node& node, const layout_def& layout,
                    bool binary_parent);

// A sub-field's own content: its value, or its sub-fields when it has a layout.
std::string sub_content(const iso_wire& w, const packer& pk, const value_node& node, const field_def& def) {
    const layout_def* inner = node.subs.empty() ? nullptr : layout_of(w, def, -1);
    return inner ? compose(w, pk, node, *inner, def.type == content::b) : node.value;
}

// A sub-field's length inside a decoded text parent: decimal digits, except a binary
// prefix, which stays binary.
std::string text_prefix(std::size_t len, const field_def& def) {
    if (def.prefix != prefix_enc::binary) return zero_padded(len, def.prefix_digits);
    std::vector<uint8_t> bytes;
    packer::binary_prefix(bytes, len, def);
    return std::string(bytes.begin(), bytes.end());
}

// A sub-field packed as text inside its parent's content: padded when fixed, behind a
// decimal length when variable (the parent's encoding translates the whole).
std::string packed_sub(const packer& pk, const std::string& c, const field_def& def, bool binary_parent) {
    if (binary_parent) {
        std::vector<uint8_t> wire;
        pk.field(wire, c, def);
        return std::string(wire.begin(), wire.end());
    }
    if (def.type == content::xn) {  // the sign, then the digits (not counted by a prefix)
        auto [sign, value_digits] = sign_and_digits(c);
        if (def.prefix_digits == 0) return sign + fitted(value_digits, def.max, content::n);
        value_digits.resize(std::min<std::size_t>(value_digits.size(), def.max));
        return text_prefix(value_digits.size(), def) + sign + value_digits;
    }
    if (def.prefix_digits == 0) return fitted(c, def.max, def.type);
    const std::string cut = c.substr(0, def.max);
    return text_prefix(cut.size(), def) + cut;
}

std::string compose_tlv(const iso_wire& w, const packer& pk, const value_node& node, const layout_def& layout) {
    std::string out(layout.lead_bytes, '0');
    uint64_t max_len = 1;
    for (unsigned i = 0; i < layout.len_digits; ++i) max_len *= layout.len_binary ? 256 : 10;
    for (const value_node& s : node.subs) {
        if (!s.has) continue;
        const field_def* def = sub_def(layout, s.id);
        std::string v = def ? sub_content(w, pk, s, *def) : s.value;
        if (v.size() >= max_len) v.resize(max_len - 1);
        out += fitted(s.id, layout.tag_chars, content::ans);
        if (layout.len_binary)
            for (unsigned i = layout.len_digits; i-- > 0;) out.push_back(static_cast<char>(v.size() >> (8 * i)));
        else
            out += zero_padded(v.size(), layout.len_digits);
        out += v;
    }
    return out;
}

// The present sub-field with `id`, or nullptr.
const value_node* present_sub(const value_node& node, const std::string& id) {
    const value_node* found = nullptr;
    for (const value_node& c : node.subs)
        if (c.has && c.id == id) found = &c;
    return found;
}

// bitmap: the sub-bitmap, then the present sub-fields in bit order. With `extends` bit
// 1 of the first sub-bitmap is not a sub-field: it says a second sub-bitmap of the same
// size follows, which goes out only when a sub-field beyond the first one is present
// (as jPOS packs a 16-byte IFB_BITMAP).
std::string compose_bitmap(const iso_wire& w, const packer& pk, const value_node& node, const layout_def& layout,
                           bool binary_parent) {
    const unsigned one_map = layout.bitmap_bytes * 8u, all_bits = layout.extends ? 2 * one_map : one_map;
    std::string bits(all_bits / 8, '\0');  // first bit first
    std::vector<std::pair<unsigned, std::string>> packed;  // bit, the sub-field as its parent holds it
    for (const auto& [id, def] : layout.subs) {
        const value_node* s = present_sub(node, id);
        const int bit = std::atoi(id.c_str()) - layout.first_field;
        if (!s || bit < 0 || static_cast<unsigned>(bit) >= all_bits || (layout.extends && bit == 0)) continue;
        bits[static_cast<std::size_t>(bit / 8)] = static_cast<char>(bits[static_cast<std::size_t>(bit / 8)] | 0x80 >> bit % 8);
        packed.emplace_back(static_cast<unsigned>(bit), packed_sub(pk, sub_content(w, pk, *s, def), def, binary_parent));
    }
    std::stable_sort(packed.begin(), packed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const bool second = layout.extends && bits.find_first_not_of('\0', layout.bitmap_bytes) != std::string::npos;
    if (second) bits[0] = static_cast<char>(bits[0] | 0x80);
    std::vector<uint8_t> map_bytes;
    pk.binary(map_bytes, std::string_view(bits).substr(0, second ? bits.size() : layout.bitmap_bytes), layout.bitmap_form);
    std::string out(layout.header_bytes, '0');
    out.append(map_bytes.begin(), map_bytes.end());
    for (const auto& p : packed) out += p.second;
    return out;
}

std::string compose(const iso_wire& w, const packer& pk, const value_node& node, const layout_def& layout,
                    bool binary_parent) {
    if (layout.kind == layout_kind::tlv) return compose_tlv(w, pk, node, layout);
    if (layout.kind == layout_kind::bitmap) return compose_bitmap(w, pk, node, layout, binary_parent);
    // positional and delimited: the layout's order, every sub-field up to the last
    // present one.
    std::size_t last = 0;
    for (std::size_t i = 0; i < layout.subs.size(); ++i)
        if (present_sub(node, layout.subs[i].first)) last = i + 1;
    std::string out;
    for (std::size_t i = 0; i < last; ++i) {
        const auto& [id, def] = layout.subs[i];
        const value_node* s = present_sub(node, id);
        const std::string v = s ? sub_content(w, pk, *s, def) : std::string();
        if (layout.kind == layout_kind::delimited)
            out += (i ? std::string(1, layout.delimiter) : std::string()) + v;
        else
            out += packed_sub(pk, v, def, binary_parent);
    }
    return out;
}

// ---------------------------------------------------------------------------------

// Entries in target order, whatever order the map holds them in: TLV sub-elements then
// go out in a fixed order (48: DI, IP, EM, as txscreen always sent them).
void place_targets(std::array<value_node, 129>& fields, const iso_wire& w, const target_source& src) {
    std::vector<const iso::map_entry*> entries;
    for (const iso::map_entry& e : w.map.entries) entries.push_back(&e);
    std::stable_sort(entries.begin(), entries.end(),
                     [](const iso::map_entry* a, const iso::map_entry* b) { return a->target < b->target; });
    for (const iso::map_entry* ep : entries) {
        const iso::map_entry& e = *ep;
        if (e.from.empty()) continue;
        const map_path& p = e.from.front();
        if (p.field < 2 || p.field > 128) continue;
        const field_def* def = path_def(w, p);
        if (!def) continue;
        std::string value;
        if (target_value(src, e.target, resolved(e.target, e.conv, *def), *def, value)) place(fields, w, p, value);
    }
}

// Map channel rules: the first rule that lists a value for the channel gets it.
void place_channel(std::array<value_node, 129>& fields, const iso_wire& w, const clear_txn& t) {
    for (const iso::map_channel& rule : w.map.channel) {
        const std::vector<std::string>& values = t.channel == "ecom" ? rule.ecom : t.channel == "atm" ? rule.atm : rule.pos;
        if (values.empty()) continue;
        value_node* node = &fields[rule.from.field];
        for (const std::string& id : rule.from.subs) node = &node->sub(id);
        node->has = false;  // the rule decides this value
        place(fields, w, rule.from, values.front());
        return;
    }
}

void place_sensitive(std::array<value_node, 129>& fields, const iso_wire& w, const clear_txn& t) {
    auto put = [&](uint8_t f, std::string v) {
        if (v.empty() || !w.dialect.fields[f].defined || fields[f].has) return;
        fields[f].has = true;
        fields[f].value = std::move(v);
    };
    put(35, t.track2);
    put(52, hex_to_bytes(t.pin_block));
    put(55, t.icc);
}

}  // namespace

void encode_iso8583(const clear_txn& t, const iso_wire& w, std::vector<uint8_t>& out) {
    const iso::dialect_def& d = w.dialect;
    const packer pk{d, ebcdic::from_latin1(d.cp)};
    const target_source src{t, times_of(t.event_time_ms), t.channel == "atm", t.channel == "ecom"};

    std::array<value_node, 129> fields{};
    place_targets(fields, w, src);
    place_channel(fields, w, t);
    place_sensitive(fields, w, t);

    const unsigned last_field = d.bitmap_bytes > 8 ? 128 : 64;
    uint64_t bitmap[2] = {0, 0};
    for (unsigned f = 2; f <= last_field; ++f)
        if (fields[f].has && d.fields[f].defined) bitmap[(f - 1) / 64] |= uint64_t{1} << (63 - (f - 1) % 64);
    if (bitmap[1]) bitmap[0] |= uint64_t{1} << 63;

    out.insert(out.end(), d.header_bytes, uint8_t{0});
    // A 1987 MTI (0200) written in a 1993 dialect takes the 1993 version digit (1200).
    const unsigned mti = d.standard == "iso8583-1993" && t.mti < 1000 ? t.mti + 1000u : t.mti;
    pk.digits(out, zero_padded(mti, 4), d.mti);
    pk.bitmap(out, bitmap[0], d.bitmap);
    if (bitmap[1]) pk.bitmap(out, bitmap[1], d.bitmap);
    for (unsigned f = 2; f <= last_field; ++f) {
        if (!(bitmap[(f - 1) / 64] >> (63 - (f - 1) % 64) & 1)) continue;
        const field_def& def = d.fields[f];
        const layout_def* layout = fields[f].subs.empty() ? nullptr : layout_of(w, def, static_cast<int>(f));
        std::string c = layout ? compose(w, pk, fields[f], *layout, def.type == content::b) : std::move(fields[f].value);
        pk.field(out, std::move(c), def);
    }
}

}  // namespace txscreen
