// ISO 8583:1987 decoder (and encoder for txgen/tests). Three dialects, chosen per feed:
//   binary_bitmap  ASCII MTI, binary bitmaps, ASCII numerics, ASCII LL/LLL lengths (default)
//   hex_bitmap     as binary_bitmap but bitmaps as 16 hex ASCII chars (jPOS ISO87APackager)
//   bcd            BCD MTI/numerics/lengths, binary bitmaps (jPOS ISO87BPackager)
// Every field 1-128 is skipped by its 1987 definition; fields 35, 45, 52, 55 are parsed
// over and never copied. Field 48 may carry txscreen's additional-data sub-elements
// (device id, IP, e-mail; see docs/feeds.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "codec/clear_txn.h"
#include "common/pan_token.h"
#include "common/reject.h"
#include "common/txn.h"

namespace txscreen {

enum class iso_dialect : uint8_t { binary_bitmap = 0, hex_bitmap = 1, bcd = 2 };

// Parses "binary" / "hex" / "bcd"; false when unknown.
bool parse_iso_dialect(std::string_view name, iso_dialect& out) noexcept;
std::string_view iso_dialect_name(iso_dialect d) noexcept;

struct iso_decode_context {
    const pan_tokenizer* tokenizer;
    iso_dialect dialect = iso_dialect::binary_bitmap;
    // Field 7 has no year: the decoder picks the year that puts the timestamp within
    // six months of this reference (UTC epoch ms), so a replay decodes identically.
    int64_t reference_time_ms = 0;
};

// Decodes one message into `out`, PAN tokenization included. Returns
// reject_reason::none on success; on a reject `out` holds no meaningful data.
// A request (MTI function digit even: 0100, 0200, 0420) must carry fields 2, 4 and 7.
// A response (odd: 0110, 0210, 0430) must carry 7, 11 and 39 and may omit 2 and 4:
// its card fields then stay empty. A response is never tokenized (its token is its
// paired request's, flow/pairing.h): a PAN it carries is checked and gives card_bin,
// card_last4 and pan_len, nothing more. A missing required field is iso_missing_field.
reject_reason decode_iso8583(const uint8_t* msg, std::size_t len, const iso_decode_context& ctx,
                             Txn& out) noexcept;

// Same, but the token is left for later: on success every field of `out` is written
// except card_token, and `pan` holds the PAN until pan_tokenizer::tokenize_stashed
// writes the token and wipes it (the rx stage tokenizes a burst's messages together).
// On a reject, and for every response, `pan` is left empty (tokenize_stashed skips
// an empty stash). ctx.tokenizer is not used.
reject_reason decode_iso8583_deferred(const uint8_t* msg, std::size_t len, const iso_decode_context& ctx,
                                      Txn& out, pan_stash& pan) noexcept;

// Appends the wire form of `t` (without any length prefix) to `out`.
void encode_iso8583(const clear_txn& t, iso_dialect dialect, std::vector<uint8_t>& out);

}  // namespace txscreen
