// libFuzzer target: jPOS GenericPackager XML import (parse_jpos_xml and its XML reader).
// Any input is either imported or refused with at least one message; an imported
// dialect is internally consistent (layout indexes in range, lengths set, the MTI and
// bitmap encodings ones the decoder knows).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codec/iso_dialect.h"
#include "config/config_errors.h"

using namespace txscreen;
using namespace txscreen::iso;

namespace {

void check_field(const dialect_def& d, const field_def& f, unsigned depth) {
    if (!f.defined) return;
    if (f.max == 0 || f.prefix_digits > 4 || depth > 4) std::abort();
    if (f.layout == layout_kind::none) return;
    if (f.layout_index >= d.layouts.size()) std::abort();
    const layout_def& l = d.layouts[f.layout_index];
    if (l.kind != f.layout || l.subs.empty()) std::abort();
    if (l.kind == layout_kind::bitmap && (l.bitmap_bytes == 0 || l.bitmap_bytes > 16)) std::abort();
    for (const auto& [id, sub] : l.subs) check_field(d, sub, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    dialect_def d;
    config_errors errors;
    const bool ok = parse_jpos_xml(text, "fuzz.xml", d, errors);
    if (!ok) {
        if (errors.empty()) std::abort();  // a refusal always says why
        return 0;
    }
    if (!errors.empty()) std::abort();
    if (d.mti != num_enc::ascii && d.mti != num_enc::ebcdic && d.mti != num_enc::bcd_left) std::abort();
    if (d.bitmap_bytes != 8 && d.bitmap_bytes != 16) std::abort();
    for (unsigned i = 2; i <= 128; ++i) check_field(d, d.fields[i], 0);
    return 0;
}
