// The generic ISO 8583 decoder: any dialect compile_wire accepts (EBCDIC, ISO 8583:1993,
// header bytes, mixed prefix kinds, sub-field maps), read through the runtime tables of
// iso_wire_tables.h. Same two passes and the same semantics as the fast path
// (iso8583.cpp): pass 1 walks every present field; pass 2 runs the map's entries in
// target order, so a message with several faults is rejected for the same reason on
// both paths (tests/codec/test_iso_wire.cpp compares them message by message).
//
// Values are decoded into stack buffers (EBCDIC to Latin-1, BCD to digits, hex to
// bytes) before sub-fields, slices and converters read them. No allocation, no
// exceptions; speed matters less than on the fast path.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "codec/iso_generic.h"
#include "codec/iso_wire_tables.h"
#include "codec/record_write.h"
#include "common/civil_time.h"
#include "common/currency.h"
#include "common/pan_scrub.h"
#include "common/response_code.h"

namespace txscreen {
namespace {

using namespace iso_rt;
using iso::content;
using iso::converter;
using iso::field_def;
using iso::layout_def;
using iso::layout_kind;
using iso::map_target;
using iso::num_enc;
using iso::prefix_enc;
using codec::put_text;

constexpr std::size_t value_capacity = 10000;  // max 9999 units, decoded

// ---- Wire primitives

// The value of `digits` digits; false on a non-digit. `table` maps EBCDIC to Latin-1.
bool read_digits(const uint8_t* p, unsigned n, bool ebcdic, const ebcdic::byte_table& table, uint32_t& v) noexcept {
    v = 0;
    for (unsigned i = 0; i < n; ++i) {
        const unsigned d = static_cast<unsigned>((ebcdic ? table[p[i]] : p[i]) - '0');
        if (d > 9) return false;
        v = v * 10 + d;
    }
    return true;
}

// A length prefix at p (r.prefix_bytes long); false when it is not a number.
bool read_prefix(const field_rule& r, const uint8_t* p, const ebcdic::byte_table& table, uint32_t& v) noexcept {
    switch (r.prefix) {
        case prefix_enc::binary:
            v = r.prefix_bytes == 1 ? p[0] : static_cast<uint32_t>(p[0] << 8 | p[1]);
            return true;
        case prefix_enc::bcd:
            v = 0;
            for (unsigned i = 0; i < r.prefix_bytes; ++i) {
                const unsigned hi = p[i] >> 4, lo = p[i] & 0x0f;
                if (hi > 9 || lo > 9) return false;
                v = v * 100 + hi * 10 + lo;
            }
            return true;
        case prefix_enc::ebcdic: return read_digits(p, r.prefix_bytes, true, table, v);
        default: return read_digits(p, r.prefix_bytes, false, table, v);
    }
}

unsigned wire_bytes(const field_rule& r, unsigned units) noexcept {
    const unsigned body = r.unit == pk_nibbles ? (units + 1) / 2 : r.unit == pk_hex ? 2 * units : units;
    return body + (r.sign ? 1u : 0u);
}

// Units in `wire` bytes of content, for a prefix that counts bytes; false when they
// cannot be whole units (hex of an odd byte count).
bool units_of_wire(const field_rule& r, unsigned wire, unsigned& units) noexcept {
    if (r.sign) {
        if (wire == 0) return false;
        --wire;
    }
    if (r.unit == pk_hex) {
        if (wire & 1) return false;
        units = wire / 2;
    } else {
        units = r.unit == pk_nibbles ? 2 * wire : wire;
    }
    return true;
}

// Where one field (or sub-field) lies: content at `off`, `units` long, `wire` bytes.
struct span {
    uint32_t off = 0, units = 0, wire = 0;
};

// Reads the prefix and sizes the content of a field that starts at `off` within
// [0, len). Returns none, iso_truncated or iso_bad_length_prefix.
reject_reason measure(const field_rule& r, const uint8_t* base, std::size_t len, std::size_t off,
                      const ebcdic::byte_table& table, span& out) noexcept {
    if (!r.prefix_bytes) {
        out = {static_cast<uint32_t>(off), r.max, r.fixed_bytes};
        return off + r.fixed_bytes > len ? reject_reason::iso_truncated : reject_reason::none;
    }
    if (off + r.prefix_bytes > len) return reject_reason::iso_truncated;
    uint32_t v;
    if (!read_prefix(r, base + off, table, v)) return reject_reason::iso_bad_length_prefix;
    unsigned units = v, wire;
    if (r.counts_bytes) {
        if (v > wire_bytes(r, r.max) || !units_of_wire(r, v, units)) return reject_reason::iso_bad_length_prefix;
        wire = v;
        // Whole bytes of BCD: an odd count has a pad nibble, known for certain only as a
        // trailing F (bcd_right_f) or by the definition's maximum.
        if (r.unit == pk_nibbles && v && r.def->enc == static_cast<uint8_t>(num_enc::bcd_right_f) &&
            off + r.prefix_bytes + v <= len && (base[off + r.prefix_bytes + v - 1] & 0x0f) == 0x0f)
            --units;
        if (r.unit == pk_nibbles && units > r.max) units = r.max;
    } else {
        if (v > r.max) return reject_reason::iso_bad_length_prefix;
        wire = wire_bytes(r, v);
    }
    off += r.prefix_bytes;
    out = {static_cast<uint32_t>(off), units, wire};
    return off + wire > len ? reject_reason::iso_truncated : reject_reason::none;
}

char nibble_char(unsigned v, bool track) noexcept {
    if (v <= 9) return static_cast<char>('0' + v);
    if (track && v == 0xd) return '=';
    return static_cast<char>('A' + v - 10);
}

// Decodes `units` of a field's content at p into out (Latin-1 text, digits, or bytes).
// Returns the decoded length; false when hex content has a non-hex character.
bool decode_content(const field_def& f, const field_rule& r, const uint8_t* p, unsigned units,
                    const ebcdic::byte_table& table, uint8_t* out, unsigned& n) noexcept {
    n = 0;
    if (r.sign) {
        out[n++] = f.sign == iso::text_enc::ebcdic ? table[*p] : *p;
        ++p;
    }
    if (f.type == content::b) {
        if (r.unit == pk_bytes) {
            std::memcpy(out + n, p, units);
            n += units;
            return true;
        }
        const bool ebc = f.enc == static_cast<uint8_t>(iso::bin_enc::hex_ebcdic);
        unsigned bad = 0;
        for (unsigned i = 0; i < units; ++i) {
            const uint8_t hi = hex_values[ebc ? table[p[2 * i]] : p[2 * i]];
            const uint8_t lo = hex_values[ebc ? table[p[2 * i + 1]] : p[2 * i + 1]];
            bad |= hi | lo;
            out[n++] = static_cast<uint8_t>((hi & 15) << 4 | (lo & 15));
        }
        return (bad & 0xf0) == 0;
    }
    const bool ebc = (f.type == content::n || f.type == content::z || f.type == content::xn)
                         ? f.enc == static_cast<uint8_t>(num_enc::ebcdic)
                         : f.enc == static_cast<uint8_t>(iso::text_enc::ebcdic);
    if (r.unit == pk_nibbles) {
        // bcd_left: an odd count starts after a pad nibble; bcd_right(_f): ends before one.
        const bool left = f.enc == static_cast<uint8_t>(num_enc::bcd_left);
        unsigned nib = left ? (units & 1) : 0;
        for (unsigned i = 0; i < units; ++i, ++nib) {
            const uint8_t b = p[nib >> 1];
            out[n++] = static_cast<uint8_t>(nibble_char((nib & 1) ? (b & 0x0f) : (b >> 4), f.type == content::z));
        }
        return true;
    }
    if (!ebc) {
        std::memcpy(out + n, p, units);
    } else {
        for (unsigned i = 0; i < units; ++i) out[n + i] = table[p[i]];
    }
    n += units;
    return true;
}

// ---- Pass 1

reject_reason fail(iso_reject_detail* d, unsigned field, std::size_t off, reject_reason r) noexcept {
    if (d) *d = {static_cast<uint8_t>(field), static_cast<uint32_t>(off)};
    return r;
}

}  // namespace

// Reads one bitmap of `bytes` bytes in `form` at p; iso_truncated / iso_bad_bitmap.
reject_reason iso_rt::read_bitmap_form(const uint8_t* p, std::size_t avail, iso::bin_enc form, unsigned bytes,
                                       const ebcdic::byte_table& table, uint8_t* out) noexcept {
    if (form == iso::bin_enc::raw) {
        if (avail < bytes) return reject_reason::iso_truncated;
        std::memcpy(out, p, bytes);
        return reject_reason::none;
    }
    if (avail < 2u * bytes) return reject_reason::iso_truncated;
    const bool ebc = form == iso::bin_enc::hex_ebcdic;
    unsigned bad = 0;
    for (unsigned i = 0; i < bytes; ++i) {
        const uint8_t hi = hex_values[ebc ? table[p[2 * i]] : p[2 * i]];
        const uint8_t lo = hex_values[ebc ? table[p[2 * i + 1]] : p[2 * i + 1]];
        bad |= hi | lo;
        out[i] = static_cast<uint8_t>((hi & 15) << 4 | (lo & 15));
    }
    return bad & 0xf0 ? reject_reason::iso_bad_bitmap : reject_reason::none;
}

reject_reason iso_rt::read_mti_at(const iso_wire& w, const uint8_t* p, std::size_t avail, uint16_t& mti) noexcept {
    const ebcdic::byte_table& table = *w.tables->cp;
    if (avail < w.mti_bytes) return reject_reason::iso_truncated;
    uint32_t v = 0;
    if (w.mti_bytes == 2) {
        for (unsigned i = 0; i < 2; ++i) {
            const unsigned hi = p[i] >> 4, lo = p[i] & 0x0f;
            if (hi > 9 || lo > 9) return reject_reason::iso_bad_mti;
            v = v * 100 + hi * 10 + lo;
        }
    } else if (!read_digits(p, 4, w.dialect.mti == num_enc::ebcdic, table, v)) {
        return reject_reason::iso_bad_mti;
    }
    mti = static_cast<uint16_t>(v);
    return reject_reason::none;
}

namespace {

// Header, MTI and bitmaps; then every present field by its rule. `seen(field, start,
// where)` hears of each piece as it is read (0 the MTI, 1 the bitmaps): iso_describe
// lists them, the decoders pass a no-op.
template <class Seen>
reject_reason walk(const iso_wire& w, const uint8_t* msg, std::size_t len, uint16_t& mti, walk_positions& pos,
                   iso_reject_detail* detail, Seen&& seen) {
    const iso_wire_tables& t = *w.tables;
    std::size_t off = w.dialect.header_bytes;
    if (len < off) return fail(detail, 0, 0, reject_reason::iso_truncated);
    if (reject_reason r = read_mti_at(w, msg + off, len - off, mti); r != reject_reason::none)
        return fail(detail, 0, off, r);
    seen(0u, off, span{static_cast<uint32_t>(off), 4, w.mti_bytes});
    off += w.mti_bytes;
    const std::size_t bitmap_at = off;
    uint8_t bits[16] = {};
    if (reject_reason r = read_bitmap_form(msg + off, len - off, w.dialect.bitmap, 8, *t.cp, bits); r != reject_reason::none)
        return fail(detail, 1, off, r);
    off += w.bitmap_bytes;
    if (bits[0] & 0x80) {
        if (w.dialect.bitmap_bytes != 16) return fail(detail, 1, bitmap_at, reject_reason::iso_bad_bitmap);
        if (reject_reason r = read_bitmap_form(msg + off, len - off, w.dialect.bitmap, 8, *t.cp, bits + 8);
            r != reject_reason::none)
            return fail(detail, 1, off, r);
        off += w.bitmap_bytes;
    }
    seen(1u, bitmap_at, span{static_cast<uint32_t>(bitmap_at), static_cast<uint32_t>((off - bitmap_at) / w.bitmap_bytes * 8),
                             static_cast<uint32_t>(off - bitmap_at)});
    // Bit i of word[w] (from the top) is field 64w + i + 1; field 1 is the secondary bitmap.
    uint64_t word[2];
    for (unsigned k = 0; k < 2; ++k) {
        uint64_t v;
        std::memcpy(&v, bits + 8 * k, 8);
        word[k] = __builtin_bswap64(v);
    }
    word[0] &= ~(uint64_t{1} << 63);
    if (!(word[0] | word[1])) return fail(detail, 1, bitmap_at, reject_reason::iso_bad_bitmap);
    pos.present[0] = pos.present[1] = pos.present[2] = 0;
    for (unsigned k = 0; k < 2; ++k)
        for (uint64_t left = word[k]; left; left &= ~(uint64_t{1} << (63 - __builtin_clzll(left)))) {
            const unsigned f = 64 * k + static_cast<unsigned>(__builtin_clzll(left)) + 1;
            const field_rule& r = t.fields[f];
            if (!r.defined) return fail(detail, f, off, reject_reason::iso_unsupported_field);
            span s;
            if (reject_reason e = measure(r, msg, len, off, *t.cp, s); e != reject_reason::none)
                return fail(detail, f, off, e);
            pos.off[f] = s.off;
            pos.units[f] = s.units;
            pos.wire[f] = s.wire;
            pos.present[f >> 6] |= uint64_t{1} << (f & 63);
            seen(f, off, s);
            off = s.off + s.wire;
        }
    if (off != len) return fail(detail, 0, off, reject_reason::iso_trailing_bytes);
    return reject_reason::none;
}

}  // namespace

reject_reason iso_rt::walk_message(const iso_wire& w, const uint8_t* msg, std::size_t len, uint16_t& mti,
                                   walk_positions& pos, iso_reject_detail* detail) noexcept {
    return walk(w, msg, len, mti, pos, detail, [](unsigned, std::size_t, const span&) noexcept {});
}

namespace {

// ---- Pass 2: values

// A value being converted: decoded bytes and whether they came from a fixed-width
// definition (fixed text is trimmed of its padding; variable text is taken as sent).
struct value {
    const uint8_t* p = nullptr;
    unsigned n = 0;
    bool fixed = false;
    bool binary = false;  // raw bytes (a b parent's sub-fields carry their own encodings)
    const field_def* def = nullptr;
    bool latin1 = false;  // EBCDIC decoded: each byte is a Latin-1 character (UTF-8 in the Txn)
};

// Whether a definition's content is EBCDIC characters (text or digits).
bool ebcdic_chars(const field_def& f) noexcept {
    if (f.type == content::b) return false;
    const bool digits = f.type == content::n || f.type == content::z || f.type == content::xn;
    return f.enc == static_cast<uint8_t>(digits ? static_cast<uint8_t>(num_enc::ebcdic)
                                                : static_cast<uint8_t>(iso::text_enc::ebcdic));
}

// Latin-1 -> UTF-8 into out[0..cap), whole characters only; `cut` when some did not fit.
unsigned latin1_to_utf8(const uint8_t* p, unsigned n, uint8_t* out, unsigned cap, bool& cut) noexcept {
    unsigned m = 0;
    cut = false;
    for (unsigned i = 0; i < n; ++i) {
        const uint8_t c = p[i];
        const unsigned need = c < 0x80 ? 1 : 2;
        if (m + need > cap) {
            cut = true;
            break;
        }
        if (c < 0x80) {
            out[m++] = c;
        } else {
            out[m++] = static_cast<uint8_t>(0xC0 | c >> 6);
            out[m++] = static_cast<uint8_t>(0x80 | (c & 0x3F));
        }
    }
    return m;
}

struct decoder {
    // A constructor, not aggregate initialization: that would zero the value buffers
    // (40 KB) for every message.
    decoder(const uint8_t* m, std::size_t l, const iso_wire& wire, const walk_positions& p, Txn& o,
            iso_reject_detail* d, int64_t ref) noexcept
        : msg(m), len(l), w(wire), t(*wire.tables), pos(p), out(o), detail(d), ref_ms(ref) {}

    const uint8_t* msg;
    std::size_t len;
    const iso_wire& w;
    const iso_wire_tables& t;
    const walk_positions& pos;
    Txn& out;
    iso_reject_detail* detail;
    int64_t ref_ms;
    unsigned masked = 0;
    uint64_t scrubbed[3] = {0, 0, 0};  // fields whose PANs are already counted
    uint8_t field_buf[value_capacity];
    // One per path depth: the sub-field read at depth d goes to sub_buf[d], so it never
    // overwrites its parent (field_buf or sub_buf[d - 1], or a tlv / delimited part of
    // one, which points into its own parent's buffer).
    static_assert(std::tuple_size_v<decltype(resolved_path::steps)> == 3);
    uint8_t sub_buf[3][value_capacity];
    unsigned field_used = 0, sub_used[3] = {0, 0, 0};  // bytes written: what is wiped afterwards
    unsigned cached_field = 0;  // the field whose decoded content field_buf holds (0: none)
    unsigned cached_len = 0;
    char pan[20];
    unsigned pan_len = 0;
    bool has_pan = false;
    bool currency_seen = false;

    reject_reason field_value(unsigned f, value& v) noexcept;
    reject_reason sub_value(const value& parent, const path_step& step, unsigned depth, unsigned occurrence, value& v,
                            bool& found) noexcept;
    reject_reason bitmap_sub(const value& parent, const layout_def& l, const path_step& step, unsigned depth, value& v,
                             bool& found) noexcept;
    reject_reason path_value(const resolved_path& rp, value& v, bool& found, unsigned occurrence) noexcept;
    reject_reason apply(const map_op& op, const resolved_path& rp, value v) noexcept;
    reject_reason run(const map_op& op) noexcept;
    reject_reason convert(const map_op& op, const resolved_path& rp, value v) noexcept;
    reject_reason put_text_target(map_target target, const resolved_path& rp, value v) noexcept;
    void derive_channel() noexcept;
    reject_reason reject(unsigned field, reject_reason r) noexcept {
        return fail(detail, field, field <= 128 && ((pos.present[field >> 6] >> (field & 63)) & 1u) ? pos.off[field] : 0, r);
    }
};

reject_reason decoder::field_value(unsigned f, value& v) noexcept {
    const field_rule& r = t.fields[f];
    if (cached_field == f) {  // 43 and 48 feed several targets: decoded once
        v = {field_buf, cached_len, r.prefix_bytes == 0, r.def->type == content::b, r.def, ebcdic_chars(*r.def)};
        return reject_reason::none;
    }
    if (r.identity) {  // ASCII or raw: read in place (a scrub copies it first, run())
        v = {msg + pos.off[f], pos.units[f], r.prefix_bytes == 0, r.def->type == content::b, r.def};
        return reject_reason::none;
    }
    cached_field = 0;
    unsigned n;
    if (!decode_content(*r.def, r, msg + pos.off[f], pos.units[f], *t.cp, field_buf, n))
        return reject(f, reject_reason::iso_bad_numeric);
    field_used = std::max(field_used, n);
    cached_field = f;
    cached_len = n;
    v = {field_buf, n, r.prefix_bytes == 0, r.def->type == content::b, r.def, ebcdic_chars(*r.def)};
    return reject_reason::none;
}

// One sub-field of a parent value read by its own definition: in a b parent the sub
// carries its own wire encodings; in a decoded text parent its prefix is digits.
reject_reason read_sub(const value& parent, std::size_t& at, const field_def& sd, const ebcdic::byte_table& table,
                       uint8_t* buf, value& v, unsigned& used) noexcept {
    field_rule r = rule_of(sd, nullptr);
    if (!parent.binary) {
        // Already decoded: one unit per byte, prefix in ASCII digits unless binary.
        r.unit = pk_bytes;
        r.sign = false;
        if (r.prefix != prefix_enc::binary && r.prefix != prefix_enc::none) {
            r.prefix = prefix_enc::ascii;
            r.prefix_bytes = r.prefix_digits;
        }
        r.fixed_bytes = r.max;
    }
    span s;
    if (measure(r, parent.p, parent.n, at, table, s) != reject_reason::none || s.units >= value_capacity)
        return reject_reason::iso_bad_length_prefix;
    at = s.off + s.wire;
    if (!parent.binary) {
        v = {parent.p + s.off, s.units, r.prefix_bytes == 0, false, &sd, parent.latin1};
        return reject_reason::none;
    }
    unsigned n;
    const bool ok = decode_content(sd, r, parent.p + s.off, s.units, table, buf, n);
    used = std::max(used, n);
    if (!ok) return reject_reason::iso_bad_numeric;
    v = {buf, n, r.prefix_bytes == 0, sd.type == content::b, &sd, ebcdic_chars(sd)};
    return reject_reason::none;
}

// tlv: tag, length (digits or binary bytes), value. Finds the `occurrence`-th element
// with `tag` (0: the first); the whole field must be well formed either way.
bool walk_tlv(const value& parent, const layout_def& l, uint32_t tag, unsigned occurrence, value& v,
              bool& found) noexcept {
    std::size_t i = l.lead_bytes;
    if (i > parent.n) return false;
    while (i < parent.n) {
        if (parent.n - i < std::size_t{l.tag_chars} + l.len_digits) return false;
        uint32_t got = 0;
        for (unsigned k = 0; k < l.tag_chars; ++k) got = got << 8 | parent.p[i + k];
        const uint8_t* lp = parent.p + i + l.tag_chars;
        uint32_t n = 0;
        for (unsigned k = 0; k < l.len_digits; ++k) {
            const unsigned d = l.len_binary ? lp[k] : static_cast<unsigned>(lp[k] - '0');
            if (!l.len_binary && d > 9) return false;
            n = n * (l.len_binary ? 256u : 10u) + d;
        }
        i += l.tag_chars + l.len_digits;
        if (parent.n - i < n) return false;
        if (got == tag && !found && occurrence-- == 0) {
            v = {parent.p + i, n, false, parent.binary, parent.def, parent.latin1};
            found = true;
        }
        i += n;
    }
    return true;
}

// A bitmap layout's sub-bitmaps, as jPOS lays them out: the first of bitmap_bytes;
// with `extends` and its first bit set, a second of the same size whose bits continue
// the numbering. That first bit chains and is no sub-field; every other bit is one.
struct sub_bitmaps {
    uint8_t bits[32] = {};
    unsigned nbits = 0;
    bool is_field(const layout_def& l, unsigned i) const noexcept {
        return ((bits[i / 8] >> (7 - i % 8)) & 1u) && !(l.extends && i == 0);
    }
};

// Reads them after the layout's header; `at` is where the sub-fields start.
// iso_bad_length_prefix when the header does not fit, iso_bad_bitmap when a sub-bitmap
// does not or is not hex.
reject_reason read_sub_bitmaps(const value& parent, const layout_def& l, const ebcdic::byte_table& table,
                               sub_bitmaps& out, std::size_t& at) noexcept {
    at = l.header_bytes;
    if (at > parent.n) return reject_reason::iso_bad_length_prefix;
    const unsigned form_bytes = l.bitmap_form == iso::bin_enc::raw ? l.bitmap_bytes : 2u * l.bitmap_bytes;
    if (read_bitmap_form(parent.p + at, parent.n - at, l.bitmap_form, l.bitmap_bytes, table, out.bits) !=
        reject_reason::none)
        return reject_reason::iso_bad_bitmap;
    at += form_bytes;
    out.nbits = l.bitmap_bytes * 8u;
    if (l.extends && (out.bits[0] & 0x80)) {
        if (read_bitmap_form(parent.p + at, parent.n - at, l.bitmap_form, l.bitmap_bytes, table,
                             out.bits + l.bitmap_bytes) != reject_reason::none)
            return reject_reason::iso_bad_bitmap;
        at += form_bytes;
        out.nbits *= 2;
    }
    return reject_reason::none;
}

reject_reason decoder::sub_value(const value& parent, const path_step& step, unsigned depth, unsigned occurrence,
                                 value& v, bool& found) noexcept {
    const layout_def& l = *step.layout;
    uint8_t* buf = sub_buf[depth];
    found = false;
    switch (l.kind) {
        case layout_kind::tlv: {
            if (!walk_tlv(parent, l, step.tag, occurrence, v, found)) return reject_reason::iso_bad_length_prefix;
            if (found && step.sub_index != undeclared_sub) v.def = &l.subs[step.sub_index].second;
            return reject_reason::none;
        }
        case layout_kind::delimited: {
            unsigned part = 1;
            std::size_t start = 0;
            for (std::size_t i = 0; i <= parent.n; ++i) {
                if (i < parent.n && parent.p[i] != static_cast<uint8_t>(l.delimiter)) continue;
                if (part == step.number) {
                    v = {parent.p + start, static_cast<unsigned>(i - start), false, parent.binary, parent.def,
                         parent.latin1};
                    found = true;
                    return reject_reason::none;
                }
                ++part;
                start = i + 1;
            }
            return reject_reason::none;
        }
        case layout_kind::positional: {
            std::size_t at = 0;
            for (const auto& [id, sd] : l.subs) {
                if (at >= parent.n) return reject_reason::none;  // trailing sub-fields may be absent
                value sv;
                if (reject_reason r = read_sub(parent, at, sd, *t.cp, buf, sv, sub_used[depth]); r != reject_reason::none)
                    return r;
                if (&sd == &l.subs[step.sub_index].second) {
                    v = sv;
                    found = true;
                    return reject_reason::none;
                }
            }
            return reject_reason::none;
        }
        case layout_kind::bitmap: return bitmap_sub(parent, l, step, depth, v, found);
        default: return reject_reason::none;
    }
}

// bitmap: the sub-bitmaps, then the sub-fields whose bits are set, each read by its own
// definition.
reject_reason decoder::bitmap_sub(const value& parent, const layout_def& l, const path_step& step, unsigned depth,
                                  value& v, bool& found) noexcept {
    sub_bitmaps bm;
    std::size_t at;
    if (reject_reason r = read_sub_bitmaps(parent, l, *t.cp, bm, at); r != reject_reason::none) return r;
    for (unsigned i = 0; i < bm.nbits; ++i) {
        if (!bm.is_field(l, i)) continue;
        const unsigned number = i + l.first_field;
        const iso::field_def* sd = nullptr;
        for (const auto& [id, def] : l.subs)
            if (id.size() <= 3 && static_cast<unsigned>(std::atoi(id.c_str())) == number) sd = &def;
        if (!sd || !sd->defined) return reject_reason::iso_unsupported_field;
        value sv;
        if (reject_reason r = read_sub(parent, at, *sd, *t.cp, sub_buf[depth], sv, sub_used[depth]);
            r != reject_reason::none)
            return r;
        if (number == step.number) {
            v = sv;
            found = true;
            return reject_reason::none;
        }
    }
    return reject_reason::none;
}

// The value a path names, or found = false when the message lacks it.
// `occurrence` picks among repeated tlv tags at the last step (0: the first).
reject_reason decoder::path_value(const resolved_path& rp, value& v, bool& found, unsigned occurrence) noexcept {
    found = false;
    if (!pos.has(rp.field)) return reject_reason::none;
    if (reject_reason r = field_value(rp.field, v); r != reject_reason::none) return r;
    for (unsigned d = 0; d < rp.depth; ++d) {
        value sub;
        bool here = false;
        if (reject_reason r = sub_value(v, rp.steps[d], d, d + 1 == rp.depth ? occurrence : 0, sub, here);
            r != reject_reason::none)
            return reject(rp.field, r);
        if (!here) return reject_reason::none;
        v = sub;
    }
    found = true;
    return reject_reason::none;
}

// ---- Converters

bool all_digits(const uint8_t* p, unsigned n) noexcept {
    unsigned bad = 0;
    for (unsigned i = 0; i < n; ++i) bad |= static_cast<unsigned>(p[i] - '0') > 9;
    return !bad;
}

unsigned pair_at(const uint8_t* p, unsigned i) noexcept { return (p[2 * i] - '0') * 10u + (p[2 * i + 1] - '0'); }

unsigned trimmed(const uint8_t* p, unsigned n) noexcept {
    while (n && p[n - 1] == ' ') --n;
    return n;
}

// Copies text into a NUL-terminated char array: fixed-width values keep the wire's
// padding bytes past the NUL (as the fast path's copy does), variable ones are cut.
template <std::size_t C>
void put_chars(char (&dst)[C], const uint8_t* p, unsigned n, bool trim) noexcept {
    const unsigned k = std::min<unsigned>(n, C - 1);
    std::memcpy(dst, p, k);
    dst[trim ? trimmed(p, k) : k] = '\0';
}

// Same into a fixed_text: fixed-width values trimmed; returns true when cut.
template <std::size_t C>
bool put_fixed(fixed_text<C>& dst, const uint8_t* p, unsigned n, bool trim) noexcept {
    if (!trim) return put_text(dst, reinterpret_cast<const char*>(p), n);
    const unsigned k = std::min<unsigned>(n, C);
    std::memcpy(dst.data, p, k);
    dst.len = static_cast<uint8_t>(trimmed(p, k));
    return n > C;
}

bool parse_decimal(const uint8_t* p, unsigned n, bool micro, float& out) noexcept {
    unsigned i = 0;
    bool neg = false;
    if (i < n && (p[i] == '-' || p[i] == '+' || p[i] == 'C' || p[i] == 'D')) neg = p[i] == '-' || p[i] == 'D', ++i;
    double v = 0, scale = 1;
    bool digits = false, point = false;
    for (; i < n; ++i) {
        if (p[i] == '.' && !point && !micro) {
            point = true;
            continue;
        }
        const unsigned d = static_cast<unsigned>(p[i] - '0');
        if (d > 9) return false;
        digits = true;
        if (point) scale /= 10;
        v = v * 10 + d;
    }
    if (!digits) return false;
    v *= scale;
    if (micro) v /= 1e6;
    out = static_cast<float>(neg ? -v : v);
    return true;
}

bool scrubs(map_target t) noexcept {
    switch (t) {
        case map_target::merchant_id: case map_target::merchant_name: case map_target::city:
        case map_target::region: case map_target::country: case map_target::account_id:
        case map_target::device_id: case map_target::ip: case map_target::email:
            return true;
        default: return false;
    }
}

txn_field_bit bit_of(map_target t) noexcept {
    switch (t) {
        case map_target::merchant_id: return tf_merchant_id;
        case map_target::merchant_name: return tf_merchant_name;
        case map_target::city: return tf_city;
        case map_target::region: return tf_region;
        case map_target::account_id: return tf_account_id;
        case map_target::device_id: return tf_device_id;
        case map_target::ip: return tf_ip;
        case map_target::email: return tf_email;
        case map_target::terminal_id: return tf_terminal_id;
        case map_target::acquirer_id: return tf_acquirer_id;
        default: return static_cast<txn_field_bit>(0);
    }
}

// Bytes a text target holds (a NUL-terminated array: its size less the NUL).
unsigned text_capacity(map_target t) noexcept {
    switch (t) {
        case map_target::processing_code: return sizeof(Txn::processing_code) - 1;
        case map_target::stan: return sizeof(Txn::stan) - 1;
        case map_target::pos_entry_mode: return sizeof(Txn::pos_entry_mode) - 1;
        case map_target::pos_condition: return sizeof(Txn::pos_condition) - 1;
        case map_target::rrn: return sizeof(Txn::rrn) - 1;
        case map_target::auth_code: return sizeof(Txn::auth_code) - 1;
        case map_target::response_code: return sizeof(Txn::response_code) - 1;
        case map_target::country: return sizeof(Txn::country) - 1;
        case map_target::acquirer_id: return decltype(Txn::acquirer_id)::capacity;
        case map_target::terminal_id: return decltype(Txn::terminal_id)::capacity;
        case map_target::merchant_id: return decltype(Txn::merchant_id)::capacity;
        case map_target::merchant_name: return decltype(Txn::merchant_name)::capacity;
        case map_target::city: return decltype(Txn::city)::capacity;
        case map_target::region: return decltype(Txn::region)::capacity;
        case map_target::device_id: return decltype(Txn::device_id)::capacity;
        case map_target::ip: return decltype(Txn::ip)::capacity;
        case map_target::email: return decltype(Txn::email)::capacity;
        case map_target::account_id: return decltype(Txn::account_id)::capacity;
        default: return 0;
    }
}

reject_reason decoder::put_text_target(map_target target, const resolved_path& rp, value v) noexcept {
    bool trim = v.fixed;
    const uint8_t* p = v.p;
    unsigned n = v.n;
    // EBCDIC text beyond ASCII (accented letters) becomes UTF-8: trimmed first, then
    // cut at a whole character to the target's size.
    uint8_t utf8[64];
    static_assert(decltype(Txn::email)::capacity <= sizeof utf8);
    bool utf8_cut = false;
    if (v.latin1) {
        unsigned high = 0;
        for (unsigned i = 0; i < n; ++i) high |= p[i] & 0x80u;
        if (high) {
            if (trim) n = trimmed(p, n);
            n = latin1_to_utf8(p, n, utf8, text_capacity(target), utf8_cut);
            p = utf8;
            trim = false;
        }
    }
    bool cut = false;
    switch (target) {
        case map_target::processing_code: put_chars(out.processing_code, p, n, trim); break;
        case map_target::stan: put_chars(out.stan, p, n, trim); break;
        case map_target::pos_entry_mode: put_chars(out.pos_entry_mode, p, n, trim); break;
        case map_target::pos_condition: put_chars(out.pos_condition, p, n, trim); break;
        case map_target::rrn: put_chars(out.rrn, p, n, trim); break;
        case map_target::auth_code: put_chars(out.auth_code, p, n, trim); break;
        case map_target::response_code: put_chars(out.response_code, p, n, false); break;
        case map_target::country: put_chars(out.country, p, n, trim); break;
        case map_target::acquirer_id: cut = put_fixed(out.acquirer_id, p, n, trim); break;
        case map_target::terminal_id: cut = put_fixed(out.terminal_id, p, n, trim); break;
        case map_target::merchant_id: cut = put_fixed(out.merchant_id, p, n, trim); break;
        case map_target::merchant_name: cut = put_fixed(out.merchant_name, p, n, trim); break;
        case map_target::city: cut = put_fixed(out.city, p, n, trim); break;
        case map_target::region: cut = put_fixed(out.region, p, n, trim); break;
        case map_target::device_id: cut = put_fixed(out.device_id, p, n, trim); break;
        case map_target::ip: cut = put_fixed(out.ip, p, n, trim); break;
        case map_target::email: cut = put_fixed(out.email, p, n, trim); break;
        case map_target::account_id: cut = put_fixed(out.account_id, p, n, trim); break;
        default: break;
    }
    (void)rp;
    if (cut || utf8_cut) out.truncated |= bit_of(target);
    return reject_reason::none;
}

// Converts one value into its target; rejects name the path's field.
reject_reason decoder::convert(const map_op& op, const resolved_path& rp, value v) noexcept {
    const unsigned f = rp.field;
    const map_target target = op.target;
    switch (op.conv) {
        case converter::digits:
            if (target == map_target::pan) {  // pan_valid checks the digits: a bad one is bad_pan
                has_pan = true;
                pan_len = std::min<unsigned>(v.n, sizeof pan - 1);
                std::memcpy(pan, v.p, pan_len);
                if (v.n >= sizeof pan || !pan_valid(pan, pan_len)) return reject(f, reject_reason::bad_pan);
                return reject_reason::none;
            }
            if (!all_digits(v.p, v.n)) return reject(f, reject_reason::iso_bad_numeric);
            return put_text_target(target, rp, v);
        case converter::number: {
            const uint8_t* p = v.p;
            unsigned n = v.n;
            bool neg = false;
            if (v.def && v.def->type == content::xn && n) neg = p[0] == 'D', ++p, --n;
            if (n == 0 || n > 18 || !all_digits(p, n)) return reject(f, reject_reason::iso_bad_numeric);
            int64_t x = 0;
            for (unsigned i = 0; i < n; ++i) x = x * 10 + (p[i] - '0');
            if (target == map_target::amount) {
                out.amount_minor = neg ? -x : x;
            } else {
                if (x > 65535) return reject(f, reject_reason::iso_bad_numeric);
                out.mcc = static_cast<uint16_t>(x);
            }
            return reject_reason::none;
        }
        case converter::mmddhhmmss: {
            if (v.n != 10 || !all_digits(v.p, 10)) return reject(f, reject_reason::iso_bad_numeric);
            const unsigned part[5] = {pair_at(v.p, 0), pair_at(v.p, 1), pair_at(v.p, 2), pair_at(v.p, 3), pair_at(v.p, 4)};
            if (!infer_transmission_time(part, ref_ms, out.event_time_ms)) return reject(f, reject_reason::iso_bad_date);
            return reject_reason::none;
        }
        case converter::yymmddhhmmss: {
            if (v.n != 12 || !all_digits(v.p, 12)) return reject(f, reject_reason::iso_bad_numeric);
            const unsigned yy = pair_at(v.p, 0), mo = pair_at(v.p, 1), dd = pair_at(v.p, 2), hh = pair_at(v.p, 3),
                           mi = pair_at(v.p, 4), ss = pair_at(v.p, 5);
            if (!valid_date(2000 + static_cast<int>(yy), mo, dd) || hh > 23 || mi > 59 || ss > 59)
                return reject(f, reject_reason::iso_bad_date);
            if (target == map_target::event_time) {
                out.event_time_ms = (days_from_civil(2000 + static_cast<int>(yy), mo, dd) * 86400 +
                                     int64_t{hh} * 3600 + mi * 60 + ss) * 1000;
            } else {
                out.local_date = static_cast<uint16_t>(mo * 100 + dd);
                out.local_time = hh * 10000 + mi * 100 + ss;
            }
            return reject_reason::none;
        }
        case converter::hhmmss: {
            if (v.n != 6 || !all_digits(v.p, 6)) return reject(f, reject_reason::iso_bad_numeric);
            const unsigned hh = pair_at(v.p, 0), mi = pair_at(v.p, 1), ss = pair_at(v.p, 2);
            if (hh > 23 || mi > 59 || ss > 59) return reject(f, reject_reason::iso_bad_date);
            out.local_time = hh * 10000 + mi * 100 + ss;
            return reject_reason::none;
        }
        case converter::mmdd:
        case converter::yymm: {
            if (v.n != 4 || !all_digits(v.p, 4)) return reject(f, reject_reason::iso_bad_numeric);
            const unsigned a = pair_at(v.p, 0), b = pair_at(v.p, 1);
            if (op.conv == converter::mmdd) {
                if (a < 1 || a > 12 || b < 1 || b > 31) return reject(f, reject_reason::iso_bad_date);
                out.local_date = static_cast<uint16_t>(a * 100 + b);
            } else {
                if (b < 1 || b > 12) return reject(f, reject_reason::iso_bad_date);
                out.expiry_yymm = static_cast<uint16_t>(a * 100 + b);
            }
            return reject_reason::none;
        }
        case converter::currency: {
            // "a or n 3": numeric codes are the norm, alpha codes are accepted.
            const currency_info* info = nullptr;
            if (v.n == 3)
                info = all_digits(v.p, 3) ? currency_by_numeric(static_cast<uint16_t>(
                                                (v.p[0] - '0') * 100 + (v.p[1] - '0') * 10 + (v.p[2] - '0')))
                                          : currency_by_alpha({reinterpret_cast<const char*>(v.p), 3});
            if (!info) return reject(f, reject_reason::unknown_currency);
            out.currency = info->numeric;
            out.currency_exponent = info->exponent;
            currency_seen = true;
            return reject_reason::none;
        }
        case converter::decimal:
        case converter::microdegrees: {
            float x;
            if (!parse_decimal(v.p, v.n, op.conv == converter::microdegrees, x)) return reject(f, reject_reason::iso_bad_numeric);
            const float limit = target == map_target::lat ? 90.f : 180.f;
            if (!(x >= -limit && x <= limit)) return reject(f, reject_reason::iso_bad_numeric);
            (target == map_target::lat ? out.lat : out.lon) = x;
            return reject_reason::none;
        }
        case converter::ipv4_binary:
        case converter::ipv4_hex: {
            uint8_t b[4];
            if (op.conv == converter::ipv4_binary) {
                if (v.n != 4) return reject(f, reject_reason::iso_bad_numeric);
                std::memcpy(b, v.p, 4);
            } else {
                if (v.n != 8) return reject(f, reject_reason::iso_bad_numeric);
                unsigned bad = 0;
                for (unsigned i = 0; i < 4; ++i) {
                    const uint8_t hi = hex_values[v.p[2 * i]], lo = hex_values[v.p[2 * i + 1]];
                    bad |= hi | lo;
                    b[i] = static_cast<uint8_t>((hi & 15) << 4 | (lo & 15));
                }
                if (bad & 0xf0) return reject(f, reject_reason::iso_bad_numeric);
            }
            char text[16];
            unsigned n = 0;
            for (unsigned i = 0; i < 4; ++i) {
                if (i) text[n++] = '.';
                if (b[i] >= 100) text[n++] = static_cast<char>('0' + b[i] / 100);
                if (b[i] >= 10) text[n++] = static_cast<char>('0' + b[i] / 10 % 10);
                text[n++] = static_cast<char>('0' + b[i] % 10);
            }
            put_text(out.ip, text, n);
            return reject_reason::none;
        }
        default: return put_text_target(target, rp, v);
    }
}

// One map entry: the first of its paths the message has. A tlv tag that repeats is
// applied at each occurrence in turn (the last value stays; each one's PANs count), as
// the fast path reads field 48.
reject_reason decoder::run(const map_op& op) noexcept {
    for (const resolved_path& rp : op.from) {
        const bool repeats = rp.depth && rp.steps[rp.depth - 1].layout->kind == layout_kind::tlv;
        bool any = false;
        for (unsigned occurrence = 0;; ++occurrence) {
            value v;
            bool found = false;
            if (reject_reason r = path_value(rp, v, found, occurrence); r != reject_reason::none) return r;
            if (!found) break;
            any = true;
            if (reject_reason r = apply(op, rp, v); r != reject_reason::none) return r;
            if (!repeats) break;
        }
        if (any) return reject_reason::none;
    }
    return reject_reason::none;
}

// One value of an entry: PANs masked where the target may show one, sliced, converted.
reject_reason decoder::apply(const map_op& op, const resolved_path& rp, value v) noexcept {
    if (scrubs(op.target) && v.n && pan_scrub_candidate(reinterpret_cast<const char*>(v.p), v.n)) {
        // Masked over the whole value before a slice or a cut (a PAN across the slice
        // boundary is found too), in a copy of our own when the value lies in the
        // message; a whole field's PANs count once per message.
        uint8_t* w = const_cast<uint8_t*>(v.p);
        if (v.p >= msg && v.p < msg + len) {
            w = field_buf;
            std::memcpy(w, v.p, v.n);
            field_used = std::max(field_used, v.n);
            cached_field = 0;
            v.p = w;
        }
        if (const unsigned k = scrub_pans_parse(reinterpret_cast<char*>(w), v.n)) {
            // The field's buffer changed: the next target of this field decodes and
            // scrubs afresh, so it learns of the PANs too (its masked_fields bit).
            cached_field = 0;
            const bool whole = rp.depth == 0;
            const bool counted = whole && ((scrubbed[rp.field >> 6] >> (rp.field & 63)) & 1u);
            if (!counted) masked += k;
            if (whole) scrubbed[rp.field >> 6] |= uint64_t{1} << (rp.field & 63);
            out.masked_fields |= bit_of(op.target);
        }
    }
    if (rp.slice_to) {
        const unsigned from = std::min<unsigned>(rp.slice_from, v.n), to = std::min<unsigned>(rp.slice_to, v.n);
        v.p += from;
        v.n = to - from;
        v.fixed = true;  // a slice is a fixed-width window (43's city): its padding goes
    }
    return convert(op, rp, v);
}

bool value_is(const uint8_t* p, unsigned n, const std::vector<std::string>& list) noexcept {
    for (const std::string& s : list)
        if (s.size() == n && std::memcmp(s.data(), p, n) == 0) return true;
    return false;
}

// Channel: from the map's rules when one matches, else as txscreen always derived it.
void decoder::derive_channel() noexcept {
    for (const channel_op& c : t.channel) {
        value v;
        bool found = false;
        if (path_value(c.from, v, found, 0) != reject_reason::none || !found) continue;
        if (c.from.slice_to) {
            const unsigned from = std::min<unsigned>(c.from.slice_from, v.n), to = std::min<unsigned>(c.from.slice_to, v.n);
            v.p += from;
            v.n = to - from;
            v.fixed = true;
        }
        const unsigned n = v.fixed ? trimmed(v.p, v.n) : v.n;
        if (value_is(v.p, n, c.atm)) return void(out.chan = channel::atm);
        if (value_is(v.p, n, c.ecom)) return void(out.chan = channel::ecom);
        if (value_is(v.p, n, c.pos)) return void(out.chan = channel::pos);
    }
    if (out.mcc == 6011) {
        out.chan = channel::atm;
    } else if (out.pos_condition[0] == '5' && out.pos_condition[1] == '9' &&
               ((out.pos_entry_mode[0] == '0' || out.pos_entry_mode[0] == '8') && out.pos_entry_mode[1] == '1')) {
        out.chan = channel::ecom;
    } else {
        out.chan = channel::pos;
    }
}

// Field 65 is the tertiary bitmap: no dialect defines fields 129-192, so any set bit
// names a field that cannot be read.
bool tertiary_empty(const iso_wire& w, const walk_positions& pos, const uint8_t* msg) noexcept {
    const field_rule& r = w.tables->fields[65];
    if (!pos.has(65) || r.def->type != content::b) return true;
    const uint8_t* p = msg + pos.off[65];
    unsigned any = 0;
    const bool ebc = r.def->enc == static_cast<uint8_t>(iso::bin_enc::hex_ebcdic);
    for (unsigned i = 0; i < pos.wire[65]; ++i)
        any |= r.unit == pk_hex ? hex_values[ebc ? (*w.tables->cp)[p[i]] : p[i]] != 0 : p[i];
    return !any;
}

reject_reason decode_message(decoder& d, const uint8_t* msg, std::size_t len, pan_stash& stash) noexcept {
    const iso_wire_tables& t = d.t;
    const bool response = mti_is_response(d.out.mti);
    for (uint8_t f : response ? t.required_response : t.required_request)
        if (!d.pos.has(f)) return fail(d.detail, f, 0, reject_reason::iso_missing_field);
    if (!tertiary_empty(d.w, d.pos, msg)) return d.reject(65, reject_reason::iso_unsupported_field);
    (void)len;
    for (const map_op& op : t.program)
        if (reject_reason r = d.run(op); r != reject_reason::none) return r;
    if (!d.currency_seen) {
        d.out.currency = 0;  // absent: unknown currency, amounts read as 2 decimals
        d.out.currency_exponent = 2;
    }
    d.out.pans_masked = static_cast<uint8_t>(d.masked < 255 ? d.masked : 255);
    d.derive_channel();
    // Tokenized later with the burst (tokenize_stashed); a response's PAN is checked
    // but never stashed: its token is its paired request's.
    if (d.has_pan) {
        apply_pan_fields(d.pan, d.pan_len, d.out);
        if (!response) stash.hold(pan_stash::kind::pan, d.pan, d.pan_len);
    }
    return reject_reason::none;
}

}  // namespace

reject_reason decode_generic(const uint8_t* msg, std::size_t len, const iso_wire& w, int64_t reference_time_ms,
                             Txn& out, pan_stash& stash, iso_reject_detail* detail) noexcept {
    stash.what = pan_stash::kind::none;
    stash.len = 0;
    codec::clear_record(out);
    out.format = payload_format::iso8583;
    walk_positions pos;
    if (reject_reason r = walk_message(w, msg, len, out.mti, pos, detail); r != reject_reason::none) return r;
    decoder d(msg, len, w, pos, out, detail, reference_time_ms);
    const reject_reason r = decode_message(d, msg, len, stash);
    // The stack copies of field values may hold a clear PAN (field 2, or one masked
    // text came from): wiped before they go out of scope.
    explicit_bzero(d.pan, sizeof d.pan);
    explicit_bzero(d.field_buf, d.field_used);
    for (unsigned k = 0; k < 3; ++k) explicit_bzero(d.sub_buf[k], d.sub_used[k]);
    return r;
}

bool iso_read_mti(const iso_wire& w, const uint8_t* msg, std::size_t len, uint16_t& mti) noexcept {
    if (len < w.dialect.header_bytes) return false;
    return read_mti_at(w, msg + w.dialect.header_bytes, len - w.dialect.header_bytes, mti) == reject_reason::none;
}

bool iso_structure_fits(const iso_wire& w, const uint8_t* msg, std::size_t len) noexcept {
    uint16_t mti;
    walk_positions pos;
    return walk_message(w, msg, len, mti, pos, nullptr) == reject_reason::none;
}

// ---- iso_describe (`txscreen decode`): off the packet path, allocates freely.

namespace {

std::string hex_text(const uint8_t* p, std::size_t n) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += {digits[p[i] >> 4], digits[p[i] & 15]};
    return s;
}

// Text as shown: PAN shapes masked (pan_scrub.h); a PAN value keeps its BIN and last 4;
// characters `hide` marks are masked whatever they hold. EBCDIC text (Latin-1 once
// decoded) is shown in UTF-8. `masked`: something was.
std::string shown_text(const uint8_t* p, std::size_t n, bool pan, bool latin1, const std::vector<bool>* hide,
                       bool& masked) {
    std::string s(reinterpret_cast<const char*>(p), n);
    masked = pan;
    if (pan) {
        for (std::size_t i = 6; i + 4 < s.size(); ++i) s[i] = '*';
        if (s.size() < 12) s.assign(s.size(), '*');
        return s;
    }
    if (hide)
        for (std::size_t i = 0; i < s.size() && i < hide->size(); ++i)
            if ((*hide)[i]) s[i] = '*', masked = true;
    if (!s.empty() && scrub_pans(s.data(), s.size())) masked = true;
    if (!latin1) return s;
    std::string utf8;
    for (unsigned char c : s) {
        if (c < 0x80) {
            utf8 += static_cast<char>(c);
        } else {
            utf8 += static_cast<char>(0xC0 | c >> 6);
            utf8 += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return utf8;
}

// Binary content as hex, PAN shapes hidden however the bytes carry digits: as BCD
// nibbles (each one a character of the hex text, scrubbed as text) or as ASCII or
// EBCDIC characters (a byte the text scrub changes shows as "**"). Bytes `hide`
// marks show as "**" too.
std::string shown_binary(const uint8_t* p, std::size_t n, const ebcdic::byte_table& cp, const std::vector<bool>* hide,
                         bool& masked) {
    std::string hex = hex_text(p, n);
    if (!hex.empty()) scrub_pans(hex.data(), hex.size());
    std::string ascii(reinterpret_cast<const char*>(p), n), ebc(n, ' ');
    for (std::size_t i = 0; i < n; ++i) ebc[i] = static_cast<char>(cp[p[i]]);
    std::string ascii_shown = ascii, ebc_shown = ebc;
    if (n) {
        scrub_pans(ascii_shown.data(), n);
        scrub_pans(ebc_shown.data(), n);
    }
    for (std::size_t i = 0; i < n; ++i)
        if (ascii_shown[i] != ascii[i] || ebc_shown[i] != ebc[i] || (hide && i < hide->size() && (*hide)[i]))
            hex[2 * i] = hex[2 * i + 1] = '*';
    masked = hex.find('*') != std::string::npos;
    return hex;
}

bool sensitive(unsigned f) { return f == 35 || f == 36 || f == 45 || f == 52 || f == 55; }

// The map's PAN paths into one field (field 2 always counts as the PAN, whole).
struct pan_reads {
    bool whole = false;
    std::vector<const resolved_path*> paths;  // into sub-fields
};

pan_reads pan_reads_of(const iso_wire& w, unsigned f) {
    pan_reads r;
    r.whole = f == 2;
    for (const map_op& op : w.tables->program)
        if (op.target == map_target::pan)
            for (const resolved_path& rp : op.from) {
                if (rp.field != f) continue;
                if (rp.depth == 0) r.whole = true;
                else r.paths.push_back(&rp);
            }
    return r;
}

// A path step's sub-field id as the layout names it ("2", "DI").
std::string step_id(const path_step& s) {
    if (s.layout->kind != layout_kind::tlv) return std::to_string(s.number);
    std::string tag;
    for (unsigned k = s.layout->tag_chars; k-- > 0;) tag += static_cast<char>((s.tag >> (8 * k)) & 0xff);
    return tag;
}

struct sub_shower;
void describe_subs(const iso_wire& w, const value& parent, const layout_def& l, sub_shower& show);

// Shows the sub-fields of one layout `level` deep (0: a field's own) into `out`, and
// marks in `hide` the parent's bytes of each one shown masked, so that the parent's own
// value hides them too. A sub-field the map reads the PAN from shows as a PAN (BIN and
// last 4); one it reads the PAN through is not shown. A sub-field with a layout of its
// own has its sub-fields' PANs hidden in its value the same way.
struct sub_shower {
    const iso_wire& w;
    const pan_reads& pans;
    unsigned level;
    iso_field_view& out;
    std::vector<bool>& hide;

    // Whether a PAN path passes through sub-field `id` here; `leaf`: it ends there.
    bool on_pan_path(const std::string& id, bool& leaf) const {
        leaf = false;
        bool on = false;
        for (const resolved_path* rp : pans.paths)
            if (rp->depth > level && step_id(rp->steps[level]) == id) {
                on = true;
                leaf |= rp->depth == level + 1;
            }
        return on;
    }

    // `declared`: the layout's definition of the sub-field (nullptr for an undeclared tlv
    // tag or delimited part), whose own layout is looked into.
    void add(const std::string& id, const value& v, std::size_t begin, std::size_t end, const field_def* declared) {
        bool masked = false, leaf = false;
        std::string shown;
        const bool pan = on_pan_path(id, leaf);
        std::vector<bool> inner(v.n, false);
        if (!pan && declared && declared->layout != layout_kind::none && level + 1 < 3 &&
            declared->layout_index < w.dialect.layouts.size()) {
            iso_field_view scratch;
            sub_shower nested{w, pans, level + 1, scratch, inner};
            describe_subs(w, v, w.dialect.layouts[declared->layout_index], nested);
        }
        if (pan && !leaf) {
            shown.append(1, '<').append(std::to_string(end - begin)).append(" bytes, not shown>");
            masked = true;
        } else if (v.def && v.def->type == content::b && v.binary) {
            shown = shown_binary(v.p, v.n, *w.tables->cp, &inner, masked);
        } else {
            shown = shown_text(v.p, v.n, pan, v.latin1, &inner, masked);
        }
        if (masked)
            for (std::size_t i = begin; i < end && i < hide.size(); ++i) hide[i] = true;
        out.subs.emplace_back(id, std::move(shown));
    }
};

void describe_tlv(const value& parent, const layout_def& l, sub_shower& show) {
    std::size_t i = l.lead_bytes;
    while (i < parent.n && parent.n - i >= std::size_t{l.tag_chars} + l.len_digits) {
        const std::string tag(reinterpret_cast<const char*>(parent.p + i), l.tag_chars);
        value v;
        bool found = false;
        const value rest{parent.p + i, static_cast<unsigned>(parent.n - i), false, parent.binary, parent.def,
                         parent.latin1};
        layout_def one = l;
        one.lead_bytes = 0;
        if (!walk_tlv(rest, one, iso_rt::pack_tag(tag), 0, v, found) && !found) break;
        // A declared tag is shown by its definition (digits as text, binary as hex).
        const field_def* declared = nullptr;
        auto it = std::find_if(l.subs.begin(), l.subs.end(), [&](const auto& s) { return s.first == tag; });
        if (it != l.subs.end()) {
            declared = &it->second;
            v.def = declared;
            v.binary = parent.binary && declared->type == content::b;
        }
        const std::size_t begin = static_cast<std::size_t>(v.p - parent.p);
        show.add(tag, v, begin, begin + v.n, declared);
        i = begin + v.n;
    }
}

// Every sub-field of one layout present in `parent`, in wire order.
void describe_subs(const iso_wire& w, const value& parent, const layout_def& l, sub_shower& show) {
    // read_sub decodes into it: BCD sub-fields of a b parent take two bytes per wire
    // byte, so it holds what the decoder's own buffers do (read_sub checks the units).
    // Each level has its own: a parent read at one level points into the level above's.
    std::vector<uint8_t> buf(value_capacity);
    if (l.kind == layout_kind::tlv) return describe_tlv(parent, l, show);
    if (l.kind == layout_kind::delimited) {
        std::size_t start = 0;
        unsigned part = 1;
        for (std::size_t i = 0; i <= parent.n; ++i)
            if (i == parent.n || parent.p[i] == static_cast<uint8_t>(l.delimiter)) {
                const std::string id = std::to_string(part++);
                auto it = std::find_if(l.subs.begin(), l.subs.end(), [&](const auto& s) { return s.first == id; });
                const value v{parent.p + start, static_cast<unsigned>(i - start), false, false, parent.def, parent.latin1};
                show.add(id, v, start, i, it != l.subs.end() ? &it->second : nullptr);
                start = i + 1;
            }
        return;
    }
    if (l.kind == layout_kind::positional) {
        std::size_t at = 0;
        for (const auto& [id, sd] : l.subs) {
            if (at >= parent.n) return;
            value v;
            unsigned used = 0;
            const std::size_t begin = at;
            if (read_sub(parent, at, sd, *w.tables->cp, buf.data(), v, used) != reject_reason::none) return;
            show.add(id, v, begin, at, &sd);
        }
        return;
    }
    if (l.kind == layout_kind::bitmap) {
        sub_bitmaps bm;
        std::size_t at;
        if (read_sub_bitmaps(parent, l, *w.tables->cp, bm, at) != reject_reason::none) return;
        for (unsigned i = 0; i < bm.nbits; ++i) {
            if (!bm.is_field(l, i)) continue;
            const std::string id = std::to_string(i + l.first_field);
            auto it = std::find_if(l.subs.begin(), l.subs.end(), [&](const auto& s) { return s.first == id; });
            if (it == l.subs.end()) return;
            value v;
            unsigned used = 0;
            const std::size_t begin = at;
            if (read_sub(parent, at, it->second, *w.tables->cp, buf.data(), v, used) != reject_reason::none) return;
            show.add(id, v, begin, at, &it->second);
        }
    }
}

void describe_field(const iso_wire& w, const uint8_t* msg, unsigned f, const span& s, iso_field_view& out) {
    const field_rule& r = w.tables->fields[f];
    out.name = r.def->name;
    if (sensitive(f)) {
        out.value.append(1, '<').append(std::to_string(s.wire)).append(" bytes, not shown>");
        return;
    }
    std::vector<uint8_t> buf(s.units + 2);
    unsigned n = 0;
    if (!decode_content(*r.def, r, msg + s.off, s.units, *w.tables->cp, buf.data(), n)) {
        out.value.append("<not hex: ").append(hex_text(msg + s.off, s.wire)).append(1, '>');
        return;
    }
    const bool binary = r.def->type == content::b;
    const bool latin1 = ebcdic_chars(*r.def);
    const pan_reads pans = pan_reads_of(w, f);
    // Sub-fields first: those shown masked are hidden in the field's own value too.
    std::vector<bool> hide(n, false);
    sub_shower show{w, pans, 0, out, hide};
    if (r.layout && !pans.whole)
        describe_subs(w, value{buf.data(), n, r.prefix_bytes == 0, binary, r.def, latin1}, *r.layout, show);
    bool masked = false;
    out.value = binary ? shown_binary(buf.data(), n, *w.tables->cp, &hide, masked)
                       : shown_text(buf.data(), n, pans.whole, latin1, &hide, masked);
}

}  // namespace

reject_reason iso_describe(const iso_wire& w, const uint8_t* msg, std::size_t len, std::vector<iso_field_view>& out,
                           iso_reject_detail* detail) {
    out.clear();
    uint16_t mti = 0;
    walk_positions pos;
    auto seen = [&](unsigned f, std::size_t start, const span& s) {
        iso_field_view v;
        v.field = static_cast<uint8_t>(f);
        v.offset = static_cast<uint32_t>(start);
        v.wire_bytes = static_cast<uint32_t>(s.off - start + s.wire);
        if (f == 0) {
            v.name = "message type indicator";
            v.value = std::to_string(mti);
            v.value.insert(0, 4 - std::min<std::size_t>(4, v.value.size()), '0');
        } else if (f == 1) {
            v.name = s.units > 64 ? "bitmaps, primary and secondary" : "bitmap, primary";
            if (w.dialect.bitmap == iso::bin_enc::raw) {
                v.value = hex_text(msg + s.off, s.wire);
            } else {
                const bool ebc = w.dialect.bitmap == iso::bin_enc::hex_ebcdic;
                for (std::size_t i = 0; i < s.wire; ++i)
                    v.value += static_cast<char>(ebc ? (*w.tables->cp)[msg[s.off + i]] : msg[s.off + i]);
            }
        } else {
            describe_field(w, msg, f, s, v);
        }
        out.push_back(std::move(v));
    };
    return walk(w, msg, len, mti, pos, detail, seen);
}

}  // namespace txscreen
