// JSON transaction decoder on simdjson (On Demand). One object per transaction with
// the keys of docs/feeds.md "JSON payload"; unknown keys ignored, a missing required
// key is a reject. A json_decoder owns its parser and a padded copy buffer: one per lcore.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "codec/clear_txn.h"
#include "common/pan_token.h"
#include "common/reject.h"
#include "common/txn.h"

namespace txscreen {

inline constexpr std::size_t json_max_message = 4096;

class json_decoder {
public:
    // Sizes the parser once for json_max_message; throws std::bad_alloc at start-up
    // when that memory is not there (never afterwards).
    explicit json_decoder(const pan_tokenizer& tokenizer);
    ~json_decoder();
    json_decoder(const json_decoder&) = delete;
    json_decoder& operator=(const json_decoder&) = delete;

    // Decodes one JSON object (no trailing newline required) into `out`, PAN or card_id
    // tokenization included, PANs in text values masked (pan_scrub.h, counted in
    // out.pans_masked). Returns reject_reason::none on success.
    reject_reason decode(const char* msg, std::size_t len, Txn& out) noexcept;

    // Same, but the token is left for later: on success every field of `out` is written
    // except card_token, and `pan` holds the PAN (or "id:" + card_id) until
    // pan_tokenizer::tokenize_stashed writes the token and wipes it. A card_id too long
    // for one hash block is tokenized here and leaves `pan` empty, as does a reject.
    reject_reason decode_deferred(const char* msg, std::size_t len, Txn& out, pan_stash& pan) noexcept;

private:
    // decode_deferred's walk; a reject may leave a card_id in `pan` (the caller wipes it).
    reject_reason decode_walk(const char* msg, std::size_t len, Txn& out, pan_stash& pan) noexcept;
    struct impl;
    std::unique_ptr<impl> _impl;
};

// Appends `t` as one JSON object (no newline) with the keys of docs/feeds.md
// "JSON payload".
void encode_json(const clear_txn& t, std::string& out);

}  // namespace txscreen
