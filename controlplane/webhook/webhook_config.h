// One [[webhook]] table of the config file (docs/alerts.md, "Webhooks"): where the
// notifications of one endpoint go, in which format, how often, and how hard the
// sender tries. One struct with its defaults, its reader, its validator (the sink's
// constructor runs it too) and its explain() lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

enum class webhook_format : uint8_t { json = 0, slack = 1, teams = 2, pagerduty = 3 };
// notify = "case": one notification when a case opens and at most one update per
// notify_interval (Verdict::notice); "alert": every alert.
enum class webhook_notify : uint8_t { case_notice = 0, alert = 1 };

const char* webhook_format_name(webhook_format f) noexcept;

struct webhook_config {
    std::string name;                 // "" = the URL's host (filled by the reader)
    std::string url;                  // http:// or https://
    std::string secret;               // HMAC key, literal or "env:NAME"; "" = no signature header
    webhook_format format = webhook_format::json;
    webhook_notify notify = webhook_notify::case_notice;
    int64_t timeout_ms = 5'000;       // whole request, connect included
    int retries = 8;                  // further tries after the first; then dead letter
    int64_t backoff_initial_ms = 500;
    int64_t backoff_max_ms = 60'000;
    int batch = 1;                    // notifications per request (pagerduty: 1)
    double max_rate = 0;              // requests per second, 0 = unlimited
    std::string routing_key;          // pagerduty integration key, literal or "env:NAME"
    bool tls_verify = true;
    std::string ca_file;              // "" = the system's CA bundle
    uint64_t queue_max_bytes = 1ull << 30;  // disk the queue may use before offers are refused
};

// The URL's scheme ("http"/"https") and host; false when `url` is not http(s)://host[...].
bool split_webhook_url(const std::string& url, std::string& scheme, std::string& host);

// The URL as logs and explain() show it: scheme://host[:port]/... (Slack and Teams
// URLs carry their credential in the path; user:password@ is dropped too).
std::string webhook_url_shown(const std::string& url);

// Reads every [[webhook]] table of the document `root` into `out` (appended).
void read_webhook_tables(const toml_section& root, std::vector<webhook_config>& out);
// Every field of every endpoint, keys "webhook[<i>].<key>" (1-based, as the reader names them).
void validate(const std::vector<webhook_config>& endpoints, config_errors& errors);
// "" when `c` is usable, else its first problem ("webhook.<key>: ...").
std::string validate_webhook_config(const webhook_config& c);
// One line per endpoint; secrets masked.
void explain(const std::vector<webhook_config>& endpoints, explanation& out);

}  // namespace txscreen
