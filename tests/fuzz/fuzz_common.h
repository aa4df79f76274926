// Shared fixtures for the fuzz targets: a fixed tokenization key and a checker that
// a decoder's verdict is consistent (a success fills the fields the contract promises,
// a failure names a real reason).
#pragma once

#include <cstdlib>
#include <cstring>

#include "common/pan_scrub.h"
#include "common/pan_token.h"
#include "common/reject.h"
#include "common/txn.h"

namespace txscreen::fuzz {

// The default tokenizer (AES-CMAC), so the sanitizers watch its loads.
inline const pan_tokenizer& tokenizer() {
    static const pan_tokenizer tok(std::string(16, 'k'), token_method::aes_cmac);
    return tok;
}

// True when s[0..n) holds a digit run (bounded by non-digits) with 12-19 significant
// digits that passes Luhn: what the decoders' PAN scrubbing never leaves in a text field.
inline bool has_clear_pan_run(const char* s, std::size_t n) {
    std::size_t i = 0;
    while (i < n) {
        if (s[i] < '0' || s[i] > '9') {
            ++i;
            continue;
        }
        std::size_t b = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
        while (b < i && s[b] == '0') ++b;
        if (i - b >= pan_min_digits && i - b <= pan_max_digits && pan_valid(s + b, i - b)) return true;
    }
    return false;
}

// Aborts when a text field the decoder stored whole holds a clear PAN run. A field cut
// to its size may end inside a run too long to be a PAN (a prefix of it is no PAN the
// producer wrote), and ISO field 43's parts are scanned as one text before the split.
inline void check_no_clear_pan(const Txn& t) {
    auto check = [&](const auto& f, uint32_t bit) {
        if (!(t.truncated & bit) && has_clear_pan_run(f.data, f.len)) std::abort();
    };
    check(t.txn_id, tf_txn_id);
    check(t.card_id, tf_card_id);
    check(t.account_id, tf_account_id);
    check(t.merchant_id, tf_merchant_id);
    check(t.device_id, tf_device_id);
    check(t.ip, tf_ip);
    check(t.email, tf_email);
    if (t.format == payload_format::json) {
        check(t.merchant_name, tf_merchant_name);
        check(t.city, tf_city);
    }
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
    check_no_clear_pan(t);
}

}  // namespace txscreen::fuzz
