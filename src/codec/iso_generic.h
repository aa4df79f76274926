// Private to the codec: the generic decoder's pieces that iso_describe, iso_read_mti and
// iso_structure_fits share with it (iso_generic.cpp, iso_describe.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "codec/ebcdic.h"
#include "codec/iso_wire.h"
#include "common/reject.h"

namespace txscreen::iso_rt {

// Where pass 1 found each present field: content offset, length in units, wire bytes.
struct walk_positions {
    uint32_t off[129];
    uint32_t units[129];
    uint32_t wire[129];
    uint64_t present[3];  // bit f % 64 of word f / 64
    bool has(unsigned f) const noexcept { return (present[f >> 6] >> (f & 63)) & 1u; }
};

// Header, MTI and bitmaps, then every present field by the dialect's rules; rejects
// name the field and offset in `detail` when given.
reject_reason walk_message(const iso_wire& w, const uint8_t* msg, std::size_t len, uint16_t& mti,
                           walk_positions& pos, iso_reject_detail* detail) noexcept;
reject_reason read_mti_at(const iso_wire& w, const uint8_t* p, std::size_t avail, uint16_t& mti) noexcept;
reject_reason read_bitmap_form(const uint8_t* p, std::size_t avail, iso::bin_enc form, unsigned bytes,
                               const ebcdic::byte_table& table, uint8_t* out) noexcept;

}  // namespace txscreen::iso_rt
