// One webhook endpoint's HTTP client: POSTs a body with its headers on one libcurl
// easy handle, kept between requests (keep-alive, TLS session reuse), and says how a
// request failed in the classes the sender retries on and the metrics count.
// Sender thread only.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "controlplane/webhook/webhook_config.h"

namespace txscreen {

enum class webhook_failure : uint8_t {
    none = 0,   // 2xx
    connect,    // refused, DNS, reset, nothing answered
    tls,        // handshake or certificate
    timeout,    // no answer within webhook.timeout
    http_4xx,   // the endpoint refused the request
    http_5xx,   // the endpoint failed
    aborted,    // the sink is closing
};
inline constexpr int webhook_failure_count = 7;
const char* webhook_failure_name(webhook_failure f) noexcept;

struct webhook_response {
    webhook_failure failure = webhook_failure::none;
    long status = 0;          // HTTP status, 0 when none came
    int64_t retry_after_ms = -1;  // Retry-After of a 429/503, -1 when absent
    std::string error;        // what went wrong, for last_error and logs ("" on success)
};

// Whether a failure may pass if tried again: all but a 4xx other than 408 and 429.
bool webhook_failure_transient(const webhook_response& r) noexcept;

class webhook_http {
public:
    // `abort` set: a request in flight stops at libcurl's next progress call (within
    // about a second), so closing does not wait for a whole timeout.
    webhook_http(const webhook_config& conf, const std::atomic<bool>& abort);
    ~webhook_http();
    webhook_http(const webhook_http&) = delete;
    webhook_http& operator=(const webhook_http&) = delete;

    // POSTs `body` as application/json with the Idempotency-Key and, when `signature`
    // is not empty, the X-Txscreen-Signature header.
    webhook_response post(const std::string& body, const std::string& idempotency_key, const std::string& signature);

private:
    void* _curl;  // CURL*
    const webhook_config& _conf;
    const std::atomic<bool>& _abort;
    std::string _shown_url;  // the URL without its path, for error texts
};

}  // namespace txscreen
