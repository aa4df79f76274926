#include "codec/iso_layout_fit.h"

namespace txscreen::iso {

uint32_t min_decoded_bytes(const field_def& f) noexcept {
    if (f.prefix_digits) {
        if (f.prefix == prefix_enc::binary) return f.prefix_digits <= 2 ? 1u : 2u;
        return f.prefix == prefix_enc::bcd ? (f.prefix_digits + 1u) / 2 : f.prefix_digits;
    }
    switch (f.type) {
        case content::n:
        case content::z:
        case content::xn: {
            const uint32_t sign = f.type == content::xn ? 1 : 0;
            const auto enc = static_cast<num_enc>(f.enc);
            return sign + (enc == num_enc::ascii || enc == num_enc::ebcdic ? f.max : (f.max + 1u) / 2);
        }
        case content::b: return static_cast<bin_enc>(f.enc) == bin_enc::raw ? f.max : 2u * f.max;
        default: return f.max;
    }
}

std::optional<sub_misfit> first_misfit(const field_def& outer, const layout_def& l) noexcept {
    if (l.kind != layout_kind::positional && l.kind != layout_kind::bitmap) return std::nullopt;
    const uint32_t capacity = outer.max + (outer.type == content::xn ? 1u : 0u);
    // An extending sub-bitmap may come without its second part: count the first only.
    const uint32_t bitmap_wire = l.kind != layout_kind::bitmap ? 0u
                                 : l.bitmap_form == bin_enc::raw ? l.bitmap_bytes : 2u * l.bitmap_bytes;
    uint32_t start = l.header_bytes + bitmap_wire;  // positional: the earliest byte the next one starts at
    for (std::size_t i = 0; i < l.subs.size(); ++i) {
        const uint32_t need = min_decoded_bytes(l.subs[i].second);
        if (start + need > capacity) return sub_misfit{i, start, need, capacity};
        if (l.kind == layout_kind::positional) start += need;
    }
    return std::nullopt;
}

}  // namespace txscreen::iso
