// The ISO 8583 encoder for txgen and tests: writes a clear_txn in any dialect, driven by
// the compiled wire (iso_wire.h) the decoder reads with. The dialect says how each field
// is laid out (content type, length prefix, numeric/text/binary encodings, code page,
// MTI and bitmap forms, header bytes); the map says where each Txn field goes, and the
// encoder inverts it: every map entry's first path receives the target's value, as the
// whole field, a slice of it, or a sub-field of the field's layout.
//
// Written apart from the decoder on purpose: the round-trip tests cross-check two
// independent implementations of the same dialect model. Off the packet path.
#pragma once

#include <cstdint>
#include <vector>

#include "codec/clear_txn.h"

namespace txscreen {

struct iso_wire;

// Appends the wire form of `t` (header bytes as zeros, then MTI, bitmaps and fields;
// without any transport length prefix) to `out`. Besides the mapped targets it sends
// the channel as txscreen reads it by default (atm: MCC 6011; ecom: entry mode 812 and
// condition 59 unless `t` gives them), and the sensitive fields 35 (track 2), 52 (PIN
// block) and 55 (ICC data) when `t` has them and the dialect defines them, so tests can
// prove the decoder never copies them. In a dialect whose standard is ISO 8583:1993 a
// 1987 MTI (0200) goes out with the 1993 version digit (1200).
void encode_iso8583(const clear_txn& t, const iso_wire& w, std::vector<uint8_t>& out);

}  // namespace txscreen
