// The request signature (docs/alerts.md, "Signatures"), as payment webhooks commonly
// sign theirs: header `X-Txscreen-Signature: t=<unix seconds>,v1=<hex>` where hex is
// HMAC-SHA256(secret, "<t>.<body>"). The receiver recomputes it over the raw body and
// refuses a timestamp too far from its clock (replays).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace txscreen {

inline constexpr const char* webhook_signature_header = "X-Txscreen-Signature";

// 64 lowercase hex digits of HMAC-SHA256(secret, message).
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);
// The header's value: "t=<unix_seconds>,v1=<hex>".
std::string webhook_signature(std::string_view secret, int64_t unix_seconds, std::string_view body);

}  // namespace txscreen
