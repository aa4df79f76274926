// compile_wire: a dialect and a feed's map checked against each other and compiled into
// the tables the decoder reads (iso_wire_tables.h). Start-up only: allocates freely,
// reports problems to config_errors and never throws past its callers.
#include "codec/iso_wire.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>

#include "codec/ebcdic.h"
#include "codec/iso_layout_fit.h"
#include "codec/iso_wire_tables.h"
#include "config/config_errors.h"

namespace txscreen {
namespace {

using iso::content;
using iso::converter;
using iso::field_def;
using iso::layout_def;
using iso::layout_kind;
using iso::map_target;
using iso::num_enc;
using iso::prefix_enc;
using namespace iso_rt;

constexpr unsigned max_prefix_bytes = 4, max_units = 9999, max_fixed_bytes = 4096, max_header = 64;
constexpr unsigned max_depth = 3, max_subs = 256;

bool is_digits(content c) { return c == content::n || c == content::z || c == content::xn; }

uint8_t unit_of(const field_def& f) {
    if (f.type == content::b) return f.enc == static_cast<uint8_t>(iso::bin_enc::raw) ? pk_bytes : pk_hex;
    if (is_digits(f.type) && f.enc >= static_cast<uint8_t>(num_enc::bcd_left)) return pk_nibbles;
    return pk_bytes;
}

unsigned wire_of(uint8_t unit, bool sign, unsigned units) {
    const unsigned body = unit == pk_nibbles ? (units + 1) / 2 : unit == pk_hex ? 2 * units : units;
    return body + (sign ? 1u : 0u);
}

uint8_t prefix_bytes_of(const field_def& f) {
    switch (f.prefix) {
        case prefix_enc::none: return 0;
        case prefix_enc::bcd: return static_cast<uint8_t>((f.prefix_digits + 1) / 2);
        case prefix_enc::binary: return f.prefix_digits <= 2 ? 1 : 2;
        default: return f.prefix_digits;
    }
}

}  // namespace

field_rule iso_rt::rule_of(const field_def& f, const layout_def* layout) {
    field_rule r;
    r.defined = f.defined;
    r.def = &f;
    r.layout = layout;
    if (!f.defined) return r;
    r.prefix_digits = f.prefix_digits;
    r.prefix = f.prefix_digits ? f.prefix : prefix_enc::none;
    r.prefix_bytes = f.prefix_digits ? prefix_bytes_of(f) : 0;
    r.counts_bytes = f.prefix_counts_bytes;
    r.unit = unit_of(f);
    r.sign = f.type == content::xn;
    r.identity = r.unit == pk_bytes && !r.sign && f.enc == 0;  // ascii digits/text, raw bytes
    r.max = f.max;
    r.fixed_bytes = f.prefix_digits ? 0 : static_cast<uint16_t>(std::min<unsigned>(wire_of(r.unit, r.sign, f.max), 65535));
    return r;
}

namespace {

// The fast path's rule bytes: as the former constexpr table built them from the 1987
// definitions (field 1 the secondary bitmap, b8).
wire_rule fast_rule_of(unsigned field, const field_def& f, const iso::dialect_def& d) {
    wire_rule w{};
    if (field == 1) {
        const bool hex = d.bitmap != iso::bin_enc::raw;
        w.max = 8;
        w.pack = hex ? pk_hex : pk_bytes;
        w.fixed_bytes = hex ? 16 : 8;
        return w;
    }
    if (!f.defined) return w;
    w.prefix = f.prefix_digits;
    w.max = f.max;
    w.pack = f.type == content::xn ? uint8_t{pk_bytes} : unit_of(f);
    w.fixed_bytes = f.prefix_digits ? 0 : static_cast<uint16_t>(wire_of(unit_of(f), f.type == content::xn, f.max));
    w.slot = slot_of(field);
    return w;
}

std::string field_key(std::string_view source, const field_def& f, unsigned n) {
    std::string k(source);
    if (f.where.line) k.append(1, ':').append(std::to_string(f.where.line));
    return k.append(": fields.").append(std::to_string(n));
}

// Design 5.2's invariants, so the decoder can rely on them.
bool check_field(std::string_view source, const field_def& f, unsigned n, config_errors& errors) {
    if (!f.defined) return true;
    const std::string key = field_key(source, f, n);
    if (f.prefix_digits > 4 || prefix_bytes_of(f) > max_prefix_bytes) {
        errors.fail(key, "a length prefix has at most 4 digits");
        return false;
    }
    if (f.max > max_units) {
        errors.fail(key, "max is at most 9999, got " + std::to_string(f.max));
        return false;
    }
    if (!f.prefix_digits && (f.max == 0 || wire_of(unit_of(f), f.type == content::xn, f.max) > max_fixed_bytes)) {
        errors.fail(key, "a fixed field takes 1 to 4096 bytes on the wire");
        return false;
    }
    if (f.prefix_digits) {
        // The prefix must be able to say the longest value (a jPOS file is not checked
        // by the TOML loader's rules).
        unsigned capacity = 1;
        if (f.prefix == prefix_enc::binary) {
            capacity = prefix_bytes_of(f) == 1 ? 255 : 65535;
        } else {
            for (unsigned i = 0; i < f.prefix_digits; ++i) capacity *= 10;
            --capacity;
        }
        const unsigned needed = f.prefix_counts_bytes ? wire_of(unit_of(f), f.type == content::xn, f.max) : f.max;
        if (needed > capacity) {
            const std::string prefix = f.prefix == prefix_enc::binary
                                           ? std::to_string(prefix_bytes_of(f)) + "-byte binary length prefix"
                                           : std::to_string(f.prefix_digits) + "-digit length prefix";
            errors.fail(key, "a " + prefix + " holds at most " + std::to_string(capacity) + ", max needs " +
                                 std::to_string(needed));
            return false;
        }
    }
    return true;
}

unsigned count_subs(const iso::dialect_def& d, const layout_def& l, unsigned depth, bool& too_deep) {
    if (depth > max_depth) {
        too_deep = true;
        return 0;
    }
    unsigned n = static_cast<unsigned>(l.subs.size());
    for (const auto& [id, sub] : l.subs)
        if (sub.layout != layout_kind::none && sub.layout_index < d.layouts.size())
            n += count_subs(d, d.layouts[sub.layout_index], depth + 1, too_deep);
    return n;
}

// A layout's own numbers, and its sub-fields as fields (the decoder's buffers and
// sub-bitmaps are sized by these limits).
bool check_layout(std::string_view source, const layout_def& l, const std::string& where, config_errors& errors) {
    const std::string key = std::string(source) + ": " + where;
    bool ok = true;
    if (l.kind == layout_kind::bitmap && (l.bitmap_bytes < 1 || l.bitmap_bytes > 16))
        ok = false, errors.fail(key + ".bitmap_bytes", "1 to 16");
    if (l.kind == layout_kind::tlv && (l.tag_chars < 1 || l.tag_chars > 8 || l.len_digits < 1 || l.len_digits > 4))
        ok = false, errors.fail(key, "a tlv tag has 1 to 8 characters and its length 1 to 4 digits or bytes");
    for (const auto& [id, sub] : l.subs)
        if (sub.defined && (sub.prefix_digits > 4 || sub.max > max_units ||
                            (!sub.prefix_digits && (sub.max == 0 || wire_of(unit_of(sub), sub.type == content::xn, sub.max) >
                                                                          max_fixed_bytes))))
            ok = false, errors.fail(key + ".sub." + id, "a sub-field takes 1 to 9999 units, a prefix at most 4 digits");
    return ok;
}

bool check_dialect(std::string_view source, const iso::dialect_def& d, config_errors& errors) {
    bool ok = true;
    const std::string key = std::string(source) + ": message";
    if (d.header_bytes > max_header) ok = false, errors.fail(key + ".header", "at most 64 bytes");
    if (d.bitmap_bytes != 8 && d.bitmap_bytes != 16) ok = false, errors.fail(key + ".bitmap_bytes", "8 or 16");
    for (unsigned f = 2; f <= 128; ++f) ok &= check_field(source, d.fields[f], f, errors);
    unsigned subs = 0;
    bool too_deep = false;
    for (unsigned f = 2; f <= 128; ++f) {
        const field_def& fd = d.fields[f];
        if (fd.defined && fd.layout != layout_kind::none && fd.layout_index < d.layouts.size())
            subs += count_subs(d, d.layouts[fd.layout_index], 1, too_deep);
    }
    if (too_deep) ok = false, errors.fail(std::string(source) + ": layouts", "sub-field layouts nest at most 3 deep");
    if (subs > max_subs) ok = false, errors.fail(std::string(source) + ": layouts", "at most 256 sub-fields in all");
    for (std::size_t i = 0; i < d.layouts.size(); ++i)
        ok &= check_layout(source, d.layouts[i], "layouts[" + std::to_string(i) + "]", errors);
    return ok;
}

const layout_def* layout_for(const iso::dialect_def& d, const iso::map_def& m, unsigned field) {
    const field_def& f = d.fields[field];
    if (f.layout != layout_kind::none && f.layout_index < d.layouts.size()) return &d.layouts[f.layout_index];
    for (const auto& [n, l] : m.layouts)
        if (n == field) return &l;
    return nullptr;
}


// ---- Map paths and converters

struct entry_ctx {
    std::string_view source;
    const iso::map_entry* entry;
    config_errors* errors;
    // "<source>:<line>: map.<target>: <what>"; with no source, the line goes to
    // `errors`, which then names its own file.
    void fail(const std::string& what) const {
        const std::string key = "map." + std::string(entry->target < map_target::count ? iso::target_name(entry->target)
                                                                                      : std::string_view("channel"));
        if (source.empty()) return errors->fail_at(entry->line, key, what);
        std::string k(source);
        if (entry->line) k.append(1, ':').append(std::to_string(entry->line));
        errors->fail(k.append(": ").append(key), what);
    }
};

// Track data, the PIN block and ICC data: never copied into a transaction, so no map
// path may read them (docs/feeds.md). nullptr for any other field.
const char* secret_field(unsigned field) {
    switch (field) {
        case 35: return "track 2 data";
        case 36: return "track 3 data";
        case 45: return "track 1 data";
        case 52: return "the PIN block";
        case 55: return "ICC data";
        default: return nullptr;
    }
}

// Resolves `p` against the dialect; `leaf` receives the innermost definition.
bool resolve_path(const iso::dialect_def& d, const iso::map_def& m, const iso::map_path& p, const entry_ctx& e,
                  resolved_path& out, const field_def*& leaf) {
    if (const char* what = secret_field(p.field)) {
        e.fail(p.text + ": field " + std::to_string(p.field) + " is " + what + ": never copied into a transaction");
        return false;
    }
    if (p.field < 2 || p.field > 128 || !d.fields[p.field].defined) {
        e.fail(p.text + ": field " + std::to_string(p.field) + " is not defined by the dialect");
        return false;
    }
    if (p.subs.size() > max_depth) {
        e.fail(p.text + ": sub-fields nest at most 3 deep");
        return false;
    }
    out.field = p.field;
    out.depth = static_cast<uint8_t>(p.subs.size());
    leaf = &d.fields[p.field];
    const layout_def* layout = layout_for(d, m, p.field);
    bool from_map = layout && d.fields[p.field].layout == layout_kind::none;
    for (std::size_t i = 0; i < p.subs.size(); ++i) {
        if (!layout) {
            e.fail(p.text + ": " + (i ? "sub-field" : "field " + std::to_string(p.field)) +
                   " has no sub-field layout (add one to the dialect or [map.layout." + std::to_string(p.field) + "])");
            return false;
        }
        const std::string& id = p.subs[i];
        auto it = std::find_if(layout->subs.begin(), layout->subs.end(), [&](const auto& s) { return s.first == id; });
        path_step& s = out.steps[i];
        s.layout = layout;
        s.sub_index = undeclared_sub;
        if (layout->kind == layout_kind::tlv) {
            // Any tag of tag_chars characters can be asked for; a declared one may say more.
            if (id.size() != layout->tag_chars || id.size() > 4) {
                e.fail(p.text + ": \"" + id + "\" is not a tag of " + std::to_string(layout->tag_chars) +
                       " characters (tags have at most 4)");
                return false;
            }
            s.tag = pack_tag(id);
        } else {
            const bool number = !id.empty() && id.size() <= 3 && id.find_first_not_of("0123456789") == std::string::npos;
            if (!number || std::stoul(id) == 0 || std::stoul(id) > 128) {
                e.fail(p.text + ": \"" + id + "\" is not a sub-field number 1..128");
                return false;
            }
            s.number = static_cast<uint8_t>(std::stoul(id));
            if (it == layout->subs.end() && layout->kind != layout_kind::delimited) {
                e.fail(p.text + ": no sub-field \"" + id + "\" in the layout of field " + std::to_string(p.field));
                return false;
            }
        }
        if (it == layout->subs.end()) {  // tlv or delimited, not declared: text of the parent's kind
            layout = nullptr;
            from_map = false;
            continue;
        }
        s.sub_index = static_cast<uint16_t>(it - layout->subs.begin());
        leaf = &it->second;
        if (leaf->layout == layout_kind::none) {
            layout = nullptr;
        } else if (from_map) {
            e.fail(p.text + ": a [map.layout] sub-field cannot have its own layout");
            return false;
        } else {
            layout = leaf->layout_index < d.layouts.size() ? &d.layouts[leaf->layout_index] : nullptr;
        }
        from_map = false;
    }
    const unsigned units = leaf->max;
    const bool to_end = p.slice_to == slice_to_end;
    if (p.slice_to && (to_end ? p.slice_from >= units : (p.slice_from >= p.slice_to || p.slice_to > units))) {
        e.fail(p.text + ": the slice must lie within the value's " + std::to_string(units) + " units");
        return false;
    }
    out.slice_from = p.slice_from;
    out.slice_to = p.slice_to;
    return true;
}

converter default_converter(map_target t) {
    switch (t) {
        case map_target::pan: case map_target::processing_code: case map_target::stan:
        case map_target::pos_entry_mode: case map_target::pos_condition: case map_target::acquirer_id:
            return converter::digits;
        case map_target::amount: case map_target::mcc: return converter::number;
        case map_target::event_time: return converter::mmddhhmmss;
        case map_target::local_time: return converter::hhmmss;
        case map_target::local_date: return converter::mmdd;
        case map_target::expiry: return converter::yymm;
        case map_target::currency: return converter::currency;
        case map_target::lat: case map_target::lon: return converter::decimal;
        default: return converter::text;
    }
}

bool converter_allowed(map_target t, converter c) {
    switch (t) {
        case map_target::pan: return c == converter::digits;
        case map_target::processing_code: case map_target::stan: case map_target::pos_entry_mode:
        case map_target::pos_condition: case map_target::acquirer_id:
            return c == converter::digits || c == converter::text;
        case map_target::amount: case map_target::mcc: return c == converter::number;
        case map_target::event_time: return c == converter::mmddhhmmss || c == converter::yymmddhhmmss;
        case map_target::local_time: return c == converter::hhmmss || c == converter::yymmddhhmmss;
        case map_target::local_date: return c == converter::mmdd;
        case map_target::expiry: return c == converter::yymm;
        case map_target::currency: return c == converter::currency;
        case map_target::lat: case map_target::lon: return c == converter::decimal || c == converter::microdegrees;
        case map_target::ip: return c == converter::text || c == converter::ipv4_binary || c == converter::ipv4_hex;
        default: return c == converter::text;
    }
}

// Digits a date converter needs, 0 for the others.
unsigned converter_width(converter c) {
    switch (c) {
        case converter::mmddhhmmss: return 10;
        case converter::yymmddhhmmss: return 12;
        case converter::hhmmss: return 6;
        case converter::mmdd: case converter::yymm: return 4;
        case converter::ipv4_binary: return 4;
        case converter::ipv4_hex: return 8;
        default: return 0;
    }
}

// Characters a char-array target holds (0: a fixed_text or a number).
unsigned target_capacity(map_target t) {
    switch (t) {
        case map_target::processing_code: case map_target::stan: case map_target::auth_code: return 6;
        case map_target::pos_entry_mode: case map_target::response_code: return 3;
        case map_target::pos_condition: case map_target::country: return 2;
        case map_target::rrn: return 12;
        case map_target::pan: return 19;
        default: return 0;
    }
}

bool check_converter(const iso::map_path& p, const field_def& leaf, const resolved_path& r, converter c,
                     const entry_ctx& e) {
    const map_target t = e.entry->target;
    const std::string what = p.text + " (" + std::string(iso::content_name(leaf.type)) + ")";
    if (t == map_target::pan && leaf.type != content::n) {
        e.fail(what + ": a PAN is read from digits (n) content");
        return false;
    }
    if (leaf.type == content::b && c != converter::ipv4_binary) {
        e.fail(what + ": binary content converts only with ipv4_binary");
        return false;
    }
    if (c == converter::ipv4_binary && leaf.type != content::b) {
        e.fail(what + ": ipv4_binary reads 4 bytes of b content");
        return false;
    }
    const bool fixed = leaf.prefix_digits == 0;
    // Units the value has for certain (0: it varies) and at most; "[from:]" of a
    // variable field varies up to its max less `from`.
    const bool to_end = r.slice_to == slice_to_end;
    const unsigned skipped = to_end ? r.slice_from : 0;
    const unsigned width = r.slice_to && !to_end ? r.slice_to - r.slice_from : fixed ? leaf.max - skipped : 0;
    const unsigned longest = width ? width : leaf.max - skipped;
    if (const unsigned need = converter_width(c); need && width && width != need) {
        e.fail(what + ": the converter reads " + std::to_string(need) + " units, the value has " + std::to_string(width));
        return false;
    }
    const unsigned cap = target_capacity(t);
    if (cap && longest > cap) {
        e.fail(what + ": the value can hold " + std::to_string(longest) + " characters, the target " +
               std::to_string(cap) + " (take a slice)");
        return false;
    }
    if ((c == converter::number) && longest > 18) {
        e.fail(what + ": a number has at most 18 digits");
        return false;
    }
    return true;
}

bool compile_entry(const iso::dialect_def& d, const iso::map_def& m, const iso::map_entry& entry, const entry_ctx& e,
                   map_op& op) {
    op.target = entry.target;
    op.conv = entry.conv == converter::automatic ? default_converter(entry.target) : entry.conv;
    if (entry.target >= map_target::count) {
        e.fail("unknown target");
        return false;
    }
    if (!converter_allowed(entry.target, op.conv)) {
        e.fail("this converter does not fill this target");
        return false;
    }
    if (entry.from.empty()) {
        e.fail("names no field");
        return false;
    }
    bool ok = true;
    for (const iso::map_path& p : entry.from) {
        resolved_path r;
        const field_def* leaf = nullptr;
        if (!resolve_path(d, m, p, e, r, leaf) || !check_converter(p, *leaf, r, op.conv, e)) {
            ok = false;
            continue;
        }
        op.from.push_back(r);
    }
    return ok;
}

bool compile_map(const iso::dialect_def& d, const iso::map_def& m, std::string_view source, iso_wire_tables& t,
                 config_errors& errors) {
    bool ok = true;
    for (const iso::map_entry& entry : m.entries) {
        const entry_ctx e{source, &entry, &errors};
        map_op op;
        if (!compile_entry(d, m, entry, e, op)) {
            ok = false;
            continue;
        }
        for (const resolved_path& r : op.from) t.read[r.field] = true;
        t.program.push_back(std::move(op));
    }
    // The fast path's order (target order): the same reject wins when several apply.
    std::stable_sort(t.program.begin(), t.program.end(),
                     [](const map_op& a, const map_op& b) { return a.target < b.target; });
    for (const iso::map_channel& c : m.channel) {
        const iso::map_entry fake{map_target::count, {c.from}, converter::text, 0};
        const entry_ctx e{source, &fake, &errors};
        channel_op op;
        const field_def* leaf = nullptr;
        if (!resolve_path(d, m, c.from, e, op.from, leaf)) {
            ok = false;
            continue;
        }
        op.ecom = c.ecom;
        op.atm = c.atm;
        op.pos = c.pos;
        t.read[op.from.field] = true;
        t.channel.push_back(std::move(op));
    }
    auto check_required = [&](const std::vector<uint8_t>& fields, const char* key) {
        for (uint8_t f : fields)
            if (f < 2 || f > 128 || !d.fields[f].defined) {
                ok = false;
                errors.fail(std::string(source) + ": map." + key,
                            "field " + std::to_string(f) + " is not defined by the dialect");
            }
    };
    check_required(m.required_request, "required_request");
    check_required(m.required_response, "required_response");
    t.required_request = m.required_request;
    t.required_response = m.required_response;
    return ok;
}

// ---- The fast families

constexpr unsigned kept_fields[] = {2, 3, 4, 7, 11, 12, 13, 14, 18, 22, 25, 32, 37, 38, 39, 41, 42, 43, 48, 49, 65, 102};

struct family_encodings {
    num_enc mti;
    iso::bin_enc bitmap;
    num_enc digits;
    prefix_enc prefix;
    iso::bin_enc binary;  // of the kept b field (65)
};
constexpr family_encodings families[3] = {
    {num_enc::ascii, iso::bin_enc::raw, num_enc::ascii, prefix_enc::ascii, iso::bin_enc::raw},
    {num_enc::ascii, iso::bin_enc::hex_ascii, num_enc::ascii, prefix_enc::ascii, iso::bin_enc::hex_ascii},
    {num_enc::bcd_left, iso::bin_enc::raw, num_enc::bcd_left, prefix_enc::bcd, iso::bin_enc::raw},
};

bool field_fits_family(const field_def& f, const family_encodings& fam) {
    if (!f.defined) return false;
    if (f.prefix_digits != 0 && f.prefix_digits != 2 && f.prefix_digits != 3) return false;
    if (f.prefix_digits && (f.prefix != fam.prefix || f.prefix_counts_bytes)) return false;
    if (f.type == content::xn) return !f.prefix_digits && f.enc == static_cast<uint8_t>(fam.digits) &&
                                      f.sign == iso::text_enc::ascii;
    if (is_digits(f.type)) return f.enc == static_cast<uint8_t>(fam.digits);
    if (f.type == content::b)
        return f.enc == static_cast<uint8_t>(iso::bin_enc::raw) || f.enc == static_cast<uint8_t>(iso::bin_enc::hex_ascii);
    return f.enc == static_cast<uint8_t>(iso::text_enc::ascii);
}

bool kept_as_1987(const field_def& f, const field_def& std1987, const family_encodings& fam) {
    if (f.type != std1987.type || f.prefix_digits != std1987.prefix_digits || f.max != std1987.max) return false;
    if (f.layout != layout_kind::none) return false;
    if (f.type == content::b) return f.enc == static_cast<uint8_t>(fam.binary);
    return true;
}

bool same_path(const iso::map_path& a, const iso::map_path& b) {
    return a.field == b.field && a.subs == b.subs && a.slice_from == b.slice_from && a.slice_to == b.slice_to;
}

bool same_layout(const layout_def& a, const layout_def& b) {
    if (a.kind != b.kind || a.tag_chars != b.tag_chars || a.len_digits != b.len_digits ||
        a.lead_bytes != b.lead_bytes || a.len_binary != b.len_binary || a.subs.size() != b.subs.size())
        return false;
    for (std::size_t i = 0; i < a.subs.size(); ++i)
        if (a.subs[i].first != b.subs[i].first) return false;
    return true;
}

bool is_default_1987_map(const iso::map_def& m) {
    const iso::map_def* def = iso::default_map("iso8583-1987");
    if (!def || m.entries.size() != def->entries.size() || m.layouts.size() != def->layouts.size() ||
        !m.channel.empty() || m.required_request != def->required_request ||
        m.required_response != def->required_response)
        return false;
    for (const iso::map_entry& want : def->entries) {
        auto it = std::find_if(m.entries.begin(), m.entries.end(),
                               [&](const iso::map_entry& e) { return e.target == want.target; });
        if (it == m.entries.end() || it->from.size() != want.from.size()) return false;
        const converter a = it->conv == converter::automatic ? default_converter(it->target) : it->conv;
        const converter b = want.conv == converter::automatic ? default_converter(want.target) : want.conv;
        if (a != b) return false;
        for (std::size_t i = 0; i < want.from.size(); ++i)
            if (!same_path(it->from[i], want.from[i])) return false;
    }
    for (std::size_t i = 0; i < def->layouts.size(); ++i)
        if (m.layouts[i].first != def->layouts[i].first || !same_layout(m.layouts[i].second, def->layouts[i].second))
            return false;
    return true;
}

int8_t fast_family_of(const iso::dialect_def& d, const iso::map_def& m) {
    if (d.header_bytes != 0 || d.bitmap_bytes != 16) return -1;
    const iso::dialect_def* std1987 = iso::standard("iso8583-1987");
    if (!std1987 || !is_default_1987_map(m)) return -1;
    for (int8_t fam = 0; fam < 3; ++fam) {
        const family_encodings& e = families[fam];
        const bool mti_ok = fam == 2 ? d.mti >= num_enc::bcd_left : d.mti == e.mti;
        if (!mti_ok || d.bitmap != e.bitmap) continue;
        bool fits = true;
        for (unsigned f = 2; f <= 128 && fits; ++f) fits = field_fits_family(d.fields[f], e);
        for (unsigned f : kept_fields)
            if (fits) fits = kept_as_1987(d.fields[f], std1987->fields[f], e);
        if (fits) return fam;
    }
    return -1;
}

}  // namespace

std::shared_ptr<const iso_wire> compile_wire(const iso::dialect_def& dialect, const iso::map_def& map,
                                             std::string_view source, config_errors& errors) {
    if (!check_dialect(source, dialect, errors)) return nullptr;
    bool layouts_ok = true;
    for (const auto& [field, layout] : map.layouts) {
        const std::string where = "map.layout." + std::to_string(field);
        layouts_ok &= check_layout(source, layout, where, errors);
        if (const auto m = field < dialect.fields.size() && dialect.fields[field].defined
                                ? iso::first_misfit(dialect.fields[field], layout) : std::nullopt) {
            errors.fail(std::string(source) + ": " + where + ".sub." + layout.subs[m->index].first,
                        "never fits: it starts at byte " + std::to_string(m->start) + " or later and takes at least " +
                            std::to_string(m->need) + ", but field " + std::to_string(field) + " holds at most " +
                            std::to_string(m->capacity));
            layouts_ok = false;
        }
    }
    if (!layouts_ok) return nullptr;
    auto w = std::make_shared<iso_wire>();
    w->name = dialect.name;
    w->dialect = dialect;
    w->map = map;
    w->mti_bytes = w->dialect.mti >= num_enc::bcd_left ? 2 : 4;
    w->bitmap_bytes = w->dialect.bitmap == iso::bin_enc::raw ? 8 : 16;
    auto t = std::make_shared<iso_wire_tables>();
    t->cp = &ebcdic::to_latin1(w->dialect.cp);
    for (unsigned f = 1; f <= 128; ++f) t->rules[f] = fast_rule_of(f, w->dialect.fields[f], w->dialect);
    for (unsigned f = 2; f <= 128; ++f) t->fields[f] = rule_of(w->dialect.fields[f], layout_for(w->dialect, w->map, f));
    if (!compile_map(w->dialect, w->map, source, *t, errors)) return nullptr;
    w->fast_family = fast_family_of(w->dialect, w->map);
    w->tables = std::move(t);
    return w;
}

std::string iso_wire::summary() const {
    static constexpr const char* family_names[] = {"ascii/binary bitmap", "ascii/hex bitmap", "bcd/binary bitmap"};
    std::string s = fast_family >= 0 ? std::string("fast path: ") + family_names[fast_family] : "generic path";
    auto num = [](num_enc e) {
        switch (e) {
            case num_enc::ascii: return "ascii";
            case num_enc::ebcdic: return "ebcdic";
            default: return "bcd";
        }
    };
    s += "; MTI ";
    s += num(dialect.mti);
    s += dialect.bitmap == iso::bin_enc::raw ? ", binary bitmaps" : ", hex bitmaps";
    if (dialect.header_bytes) s.append(", ").append(std::to_string(dialect.header_bytes)).append("-byte header");
    s += dialect.bitmap_bytes == 8 ? " (primary only)" : "";
    s += "; map reads fields";
    if (tables)
        for (unsigned f = 2; f <= 128; ++f)
            if (tables->read[f]) s.append(1, ' ').append(std::to_string(f));
    return s;
}

std::shared_ptr<const iso_wire> compile_dialect(std::string_view name_or_path, const std::filesystem::path& base_dir,
                                                config_errors& errors) {
    iso::dialect_def d;
    if (!load_dialect(name_or_path, base_dir, d, errors)) return nullptr;
    const iso::map_def* m = iso::default_map(d.standard);
    if (!m) {
        errors.fail("base", "dialect \"" + std::string(name_or_path) + "\" has no standard map (base " + d.standard + ")");
        return nullptr;
    }
    return compile_wire(d, *m, name_or_path, errors);
}

const iso_wire& builtin_wire(std::string_view name) {
    static constexpr std::string_view names[] = {"binary", "hex", "bcd", "ebcdic", "iso93-ascii"};
    static std::shared_ptr<const iso_wire> wires[std::size(names)];
    static std::once_flag once[std::size(names)];
    const auto it = std::find(std::begin(names), std::end(names), name);
    if (it == std::end(names)) throw std::invalid_argument("unknown built-in dialect: " + std::string(name));
    const std::size_t i = static_cast<std::size_t>(it - std::begin(names));
    std::call_once(once[i], [&] {
        config_errors errors;
        wires[i] = compile_dialect(names[i], {}, errors);
        if (!wires[i]) throw std::logic_error("built-in dialect " + std::string(names[i]) + ": " + errors.first());
    });
    return *wires[i];
}

}  // namespace txscreen
