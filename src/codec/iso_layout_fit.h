// Whether a positional or bitmap sub-field layout can ever be read: its sub-fields are
// laid over the parent field's decoded content, at most the parent's `max` units (an
// amount's sign included), so a sub-field that starts past that is a layout that could
// only fail at run time. Both dialect loaders (TOML and jPOS XML) refuse it at load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "codec/iso_dialect.h"

namespace txscreen::iso {

// The fewest bytes a sub-field takes in its parent's decoded content: a fixed one's
// whole wire size, a variable one's length prefix.
uint32_t min_decoded_bytes(const field_def& f) noexcept;

struct sub_misfit {
    std::size_t index;   // into layout_def::subs
    uint32_t start;      // the earliest byte it can start at
    uint32_t need;       // the fewest bytes it takes
    uint32_t capacity;   // the parent's decoded content at most
};

// The first sub-field of `l` (over `outer`) that can never fit; nothing for tlv and
// delimited layouts, whose parts are found by their tags and delimiters.
std::optional<sub_misfit> first_misfit(const field_def& outer, const layout_def& l) noexcept;

}  // namespace txscreen::iso
