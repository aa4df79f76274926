#include "controlplane/webhook/webhook_http.h"

#include <curl/curl.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "controlplane/webhook/webhook_sign.h"

namespace txscreen {

namespace {

webhook_failure failure_of(CURLcode rc) noexcept {
    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT: return webhook_failure::timeout;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_USE_SSL_FAILED:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED: return webhook_failure::tls;
        case CURLE_ABORTED_BY_CALLBACK: return webhook_failure::aborted;
        default: return webhook_failure::connect;  // refused, DNS, reset, empty reply
    }
}

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) { return size * n; }

// Retry-After in seconds (the HTTP-date form is rare for webhooks and ignored).
std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    const std::size_t len = size * n;
    static constexpr char name[] = "retry-after:";
    if (len > sizeof name && strncasecmp(data, name, sizeof name - 1) == 0) {
        const std::string value(data + sizeof name - 1, len - (sizeof name - 1));
        char* end = nullptr;
        const long seconds = std::strtol(value.c_str(), &end, 10);
        if (end != value.c_str() && seconds >= 0) *static_cast<int64_t*>(user) = int64_t(seconds) * 1000;
    }
    return len;
}

int on_progress(void* abort, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(abort)->load(std::memory_order_relaxed) ? 1 : 0;
}

}  // namespace

const char* webhook_failure_name(webhook_failure f) noexcept {
    switch (f) {
        case webhook_failure::none: return "none";
        case webhook_failure::connect: return "connect";
        case webhook_failure::tls: return "tls";
        case webhook_failure::timeout: return "timeout";
        case webhook_failure::http_4xx: return "http_4xx";
        case webhook_failure::http_5xx: return "http_5xx";
        case webhook_failure::aborted: return "aborted";
    }
    return "none";
}

bool webhook_failure_transient(const webhook_response& r) noexcept {
    if (r.failure != webhook_failure::http_4xx) return true;
    return r.status == 408 || r.status == 429;
}

webhook_http::webhook_http(const webhook_config& conf, const std::atomic<bool>& abort)
    : _curl(curl_easy_init()), _conf(conf), _abort(abort), _shown_url(webhook_url_shown(conf.url)) {
    if (!_curl) throw std::runtime_error("webhook " + conf.name + ": curl_easy_init failed");
    CURL* c = static_cast<CURL*>(_curl);
    curl_easy_setopt(c, CURLOPT_URL, conf.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(conf.timeout_ms));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(conf.timeout_ms));
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect would resend the signed body elsewhere
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, conf.tls_verify ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, conf.tls_verify ? 2L : 0L);
    if (!conf.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, conf.ca_file.c_str());
    curl_easy_setopt(c, CURLOPT_USERAGENT, "txscreen-webhook/1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(&_abort));
}

webhook_http::~webhook_http() { curl_easy_cleanup(static_cast<CURL*>(_curl)); }

webhook_response webhook_http::post(const std::string& body, const std::string& idempotency_key,
                                    const std::string& signature) {
    CURL* c = static_cast<CURL*>(_curl);
    webhook_response r;
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    headers = curl_slist_append(headers, ("Idempotency-Key: " + idempotency_key).c_str());
    if (!signature.empty())
        headers = curl_slist_append(headers, (std::string(webhook_signature_header) + ": " + signature).c_str());
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    char curl_error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.retry_after_ms);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    const CURLcode rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        r.failure = failure_of(rc);
        r.error = std::string(webhook_failure_name(r.failure)) + ": " + _shown_url + ": " +
                  (curl_error[0] ? curl_error : curl_easy_strerror(rc));
        return r;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    if (r.status >= 200 && r.status < 300) return r;
    // A redirect is not followed (it would resend the signed body elsewhere): refused like a 4xx.
    r.failure = r.status >= 500 ? webhook_failure::http_5xx : webhook_failure::http_4xx;
    r.error = "HTTP " + std::to_string(r.status) + " from " + _shown_url;
    return r;
}

}  // namespace txscreen
