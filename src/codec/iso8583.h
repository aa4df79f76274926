// ISO 8583 decoder: one message at a time, in the feed's dialect (iso_wire.h, compiled
// from a dialect file and the feed's map). The built-in dialects binary, hex and bcd
// (docs/feeds.md, "Dialects") take the fast path (iso8583.cpp); anything else the
// generic one (iso_generic.cpp). Fields 35, 45, 52, 55 are parsed over and never copied.
// The encoder for txgen and tests is codec/iso8583_encode.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "codec/clear_txn.h"
#include "common/pan_token.h"
#include "common/reject.h"
#include "common/txn.h"
#include "codec/iso_wire.h"

namespace txscreen {

struct iso_decode_context {
    const pan_tokenizer* tokenizer;
    // The feed's compiled dialect and map; nullptr reads as builtin_wire("binary").
    const iso_wire* wire = nullptr;
    // Field 7 has no year: the decoder picks the year that puts the timestamp within
    // six months of this reference (UTC epoch ms), so a replay decodes identically.
    int64_t reference_time_ms = 0;
};

// Decodes one message into `out`, PAN tokenization included. Returns
// reject_reason::none on success; on a reject `out` holds no meaningful data and
// `detail`, when given, names the field and byte offset where the message failed.
// A request (MTI function digit even: 0100, 0200, 0420) must carry the map's
// required_request fields (default: 2, 4 and 7). A response (odd: 0110, 0210, 0430)
// must carry required_response (default 7, 11 and 39) and may omit 2 and 4:
// its card fields then stay empty. A response is never tokenized (its token is its
// paired request's, flow/pairing.h): a PAN it carries is checked and gives card_bin,
// card_last4 and pan_len, nothing more. A missing required field is iso_missing_field.
reject_reason decode_iso8583(const uint8_t* msg, std::size_t len, const iso_decode_context& ctx,
                             Txn& out, iso_reject_detail* detail = nullptr) noexcept;

// Same, but the token is left for later: on success every field of `out` is written
// except card_token, and `pan` holds the PAN until pan_tokenizer::tokenize_stashed
// writes the token and wipes it (the rx stage tokenizes a burst's messages together).
// On a reject, and for every response, `pan` is left empty (tokenize_stashed skips
// an empty stash). ctx.tokenizer is not used.
reject_reason decode_iso8583_deferred(const uint8_t* msg, std::size_t len, const iso_decode_context& ctx,
                                      Txn& out, pan_stash& pan, iso_reject_detail* detail = nullptr) noexcept;

}  // namespace txscreen
