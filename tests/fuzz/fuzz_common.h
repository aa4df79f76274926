// Shared fixtures for the fuzz targets: a fixed tokenization key and a checker that
// a decoder's verdict is consistent (a success fills the fields the contract promises,
// a failure names a real reason).
#pragma once

#include <cstdlib>
#include <cstring>

#include "common/pan_token.h"
#include "common/reject.h"
#include "common/txn.h"

namespace txscreen::fuzz {

inline const pan_tokenizer& tokenizer() {
    static const pan_tokenizer tok(std::string(32, 'k'));
    return tok;
}

// Aborts (a finding) when the decoder's result breaks its contract.
inline void check_result(reject_reason r, const Txn& t) {
    if (static_cast<std::size_t>(r) >= reject_reason_count) std::abort();
    if (r != reject_reason::none) return;
    // An accepted transaction must carry a token and a PAN-free record.
    if (t.pan_len != 0 && (t.pan_len < 12 || t.pan_len > 19)) std::abort();
    if (t.card_last4[4] != '\0') std::abort();
    if (t.merchant_name.len > decltype(t.merchant_name)::capacity) std::abort();
    if (t.email.len > decltype(t.email)::capacity) std::abort();
}

}  // namespace txscreen::fuzz
