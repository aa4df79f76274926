// libFuzzer target: the TOML dialect loader (issue #16). Any text gives a usable dialect
// or errors, never a crash, an exception or a sanitizer report; an accepted dialect
// holds the invariants the wire compiler (next) relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codec/iso_dialect.h"
#include "config/config_errors.h"

using namespace txscreen;
using namespace txscreen::iso;

namespace {

bool field_ok(const field_def& f) {
    if (!f.defined) return true;
    if (f.max == 0 || f.prefix_digits > 4) return false;
    if ((f.prefix_digits == 0) != (f.prefix == prefix_enc::none)) return false;
    switch (f.type) {
        case content::n: case content::z: case content::xn: return f.enc <= static_cast<uint8_t>(num_enc::bcd_right_f);
        case content::b: return f.enc <= static_cast<uint8_t>(bin_enc::hex_ebcdic);
        default: return f.enc <= static_cast<uint8_t>(text_enc::ebcdic);
    }
}

// Sub-fields: every layout a field names exists, and nesting stays within 3 levels.
bool layout_ok(const dialect_def& d, const field_def& f, int depth) {
    if (!field_ok(f)) return false;
    if (f.layout == layout_kind::none) return true;
    if (depth >= 3 || f.layout_index >= d.layouts.size()) return false;
    const layout_def& l = d.layouts[f.layout_index];
    if (l.kind != f.layout) return false;
    for (const auto& [id, sub] : l.subs)
        if (id.empty() || !layout_ok(d, sub, depth + 1)) return false;
    return true;
}

bool dialect_ok(const dialect_def& d) {
    if (d.header_bytes > 64 || (d.bitmap_bytes != 8 && d.bitmap_bytes != 16)) return false;
    if (d.fields[0].defined || d.fields[1].defined) return false;
    for (unsigned n = 2; n <= 128; ++n)
        if (!layout_ok(d, d.fields[n], 0) || (d.fields[n].defined && d.fields[n].where.file >= d.files.size())) return false;
    return !d.files.empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    dialect_def d;
    config_errors errors;
    const bool ok = parse_dialect_toml(text, "fuzz.toml", d, errors);
    if (ok != errors.empty()) std::abort();  // a refusal always says why; an accepted file has no problem
    if (ok && !dialect_ok(d)) std::abort();
    return 0;
}
