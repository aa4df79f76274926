#include "controlplane/webhook/webhook_keys.h"

#include <openssl/evp.h>

#include <cstdio>
#include <string_view>

#include "controlplane/analytics/case_tracker.h"
#include "controlplane/verdict_json.h"

namespace txscreen {

namespace {

// Header values cannot carry control characters, and keys should read the same in
// every log: anything beyond a safe set is percent-encoded.
void append_encoded(std::string& out, std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                          c == '_' || c == '-' || c == '~' || c == ':';
        if (safe) {
            out += ch;
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
}

std::string_view cstr(const char* field, std::size_t cap) {
    std::size_t n = 0;
    while (n < cap && field[n]) ++n;
    return {field, n};
}

}  // namespace

std::string hex16(uint64_t id) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
    return buf;
}

std::string alert_idempotency_key(const Verdict& v) {
    const Txn& t = v.txn;
    char token[2 * card_token_bytes];
    write_token_hex(t.card_token, token);
    std::string key(token, sizeof token);
    key += '-';
    if (!t.txn_id.view().empty()) {
        append_encoded(key, t.txn_id.view());
    } else {
        append_encoded(key, cstr(t.stan, sizeof t.stan));
        key += '.';
        append_encoded(key, cstr(t.rrn, sizeof t.rrn));
        key += '.';
        append_encoded(key, t.terminal_id.view());
    }
    return key + '-' + std::to_string(t.event_time_ms);
}

std::string case_idempotency_key(const Verdict& v) {
    return "case-" + case_id_text(v.case_id) + "-" + std::to_string(v.case_seq);
}

std::string spike_idempotency_key(const spike_event& s) { return "spike-" + hex16(s.id); }

std::string batch_idempotency_key(const std::vector<std::string>& keys) {
    std::string joined;
    for (std::size_t i = 0; i < keys.size(); ++i) joined += (i ? "\n" : "") + keys[i];
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_Digest(joined.data(), joined.size(), digest, &digest_len, EVP_sha256(), nullptr);
    std::string key = "batch-";
    static constexpr char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; ++i) {
        key += digits[digest[i] >> 4];
        key += digits[digest[i] & 15];
    }
    return key;
}

}  // namespace txscreen
