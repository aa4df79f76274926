// AWS Signature Version 4 (header form), written on OpenSSL's SHA-256 and HMAC:
// canonical request -> string to sign -> signing key -> signature. Used by the S3
// uploader; verified against the AWS SigV4 test suite (tests/controlplane/test_s3_sigv4.cpp).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace txscreen {

struct sigv4_credentials {
    std::string access_key;
    std::string secret_key;
    std::string session_token;  // sent as x-amz-security-token when set
};

struct sigv4_request {
    std::string method;          // "GET", "PUT", ...
    std::string canonical_uri;   // already URI-encoded path ("/bucket/table%3Dscored/...")
    std::vector<std::pair<std::string, std::string>> query;    // decoded name/value pairs
    std::vector<std::pair<std::string, std::string>> headers;  // name/value; must include host
    std::string payload_sha256;  // hex SHA-256 of the body (or "UNSIGNED-PAYLOAD")
};

struct sigv4_result {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signature;       // 64 hex digits
    std::string authorization;   // the Authorization header value
    std::string signed_headers;  // "host;x-amz-date"
};

// Signs `r` for `amz_date` ("20150830T123600Z"), region and service. The request's
// headers must already hold x-amz-date (and x-amz-content-sha256 for S3). Returns the
// intermediate strings and the Authorization header value.
sigv4_result sigv4_sign(const sigv4_request& r, const sigv4_credentials& creds, std::string_view amz_date,
                        std::string_view region, std::string_view service);

// URI-encodes per SigV4: unreserved characters (A-Z a-z 0-9 - _ . ~) stay, every other
// byte becomes %XX (upper-case hex); '/' stays when `keep_slash`.
std::string sigv4_uri_encode(std::string_view s, bool keep_slash);

// Lower-case hex SHA-256 of data[0..len).
std::string sha256_hex(const void* data, std::size_t len);

// Formats Unix time `t` as x-amz-date ("YYYYMMDDTHHMMSSZ").
std::string amz_date_from_unix(long long t);

}  // namespace txscreen
