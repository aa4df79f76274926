#include "controlplane/webhook/webhook_config.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "config/config_explain.h"
#include "config/toml_section.h"

namespace txscreen {

namespace {

constexpr int_range range_timeout_ms{100, 600'000};
constexpr int_range range_retries{0, 1000};
constexpr int_range range_backoff_ms{1, 86'400'000};
constexpr int_range range_batch{1, 1000};
constexpr int_range range_queue_bytes{1LL << 20, 1LL << 50};
// Slack shows at most 50 blocks per message and a batch renders one block per
// notification; Teams refuses messages over ~28 KB, about 10 cards' worth.
constexpr int max_batch_slack = 50;
constexpr int max_batch_teams = 10;

// The name is a directory under <spool.dir>/webhook-outbox: no separators, no "..".
bool name_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-'; }

bool name_is_safe(const std::string& name) {
    if (name.empty() || name == "." || name == ".." || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), name_char);
}

std::string key_of(std::size_t i, const char* name) { return "webhook[" + std::to_string(i) + "]." + name; }

void read_rate(const toml_section& s, webhook_config& c) {
    const toml::node* n = s.node("max_rate");
    if (!n) return;
    if (n->is_integer()) c.max_rate = static_cast<double>(n->as_integer()->get());
    else if (n->is_floating_point()) c.max_rate = n->as_floating_point()->get();
    else s.wrong_type(*n, s.key("max_rate"), "requests per second (a number, 0 = unlimited)");
}

webhook_config read_one(const toml_section& s) {
    s.only_keys({"name", "url", "secret", "format", "notify", "timeout", "retries", "backoff_initial",
                 "backoff_max", "batch", "max_rate", "routing_key", "tls_verify", "ca_file", "queue_max_size"});
    webhook_config c;
    s.get_string("name", c.name);
    s.get_string("url", c.url);
    s.get_string("secret", c.secret);
    s.get_enum("format", c.format, {{"json", webhook_format::json}, {"slack", webhook_format::slack},
                                    {"teams", webhook_format::teams}, {"pagerduty", webhook_format::pagerduty}});
    s.get_enum("notify", c.notify, {{"case", webhook_notify::case_notice}, {"alert", webhook_notify::alert}});
    s.get_duration("timeout", c.timeout_ms, range_timeout_ms);
    s.get_int("retries", c.retries, range_retries);
    s.get_duration("backoff_initial", c.backoff_initial_ms, range_backoff_ms);
    s.get_duration("backoff_max", c.backoff_max_ms, range_backoff_ms);
    s.get_int("batch", c.batch, range_batch);
    read_rate(s, c);
    s.get_string("routing_key", c.routing_key);
    s.get_bool("tls_verify", c.tls_verify);
    s.get_string("ca_file", c.ca_file);
    s.get_size("queue_max_size", c.queue_max_bytes, range_queue_bytes);
    std::string scheme, host;
    if (c.name.empty() && split_webhook_url(c.url, scheme, host)) {
        c.name = host;  // an IPv6 host's brackets and colons become '_' (a directory name)
        std::replace_if(c.name.begin(), c.name.end(), [](char ch) { return !name_char(ch); }, '_');
    }
    return c;
}

void validate_url(const webhook_config& c, std::size_t i, config_errors& e) {
    std::string scheme, host;
    if (c.url.empty())
        return e.fail(key_of(i, "url"), "missing: the endpoint, \"https://host/path\" (or \"http://...\")");
    if (!split_webhook_url(c.url, scheme, host))
        e.fail(key_of(i, "url"), "\"" + c.url + "\" is not an http:// or https:// URL with a host");
    if (scheme == "http" && !c.ca_file.empty())
        e.fail(key_of(i, "ca_file"), "set, but url is plain http:// (no TLS to verify)");
}

void validate_format(const webhook_config& c, std::size_t i, config_errors& e) {
    if (c.format == webhook_format::pagerduty) {
        if (c.routing_key.empty())
            e.fail(key_of(i, "routing_key"), "missing: format \"pagerduty\" needs the integration's routing key "
                                             "(32 characters, or \"env:NAME\")");
        else if (std::string rk; !resolve_secret(c.routing_key, rk))
            check_secret(e, key_of(i, "routing_key"), c.routing_key);
        if (c.batch != 1)
            e.fail(key_of(i, "batch"), "must be 1 with format \"pagerduty\" (the Events API v2 takes one event "
                                       "per request), got " + std::to_string(c.batch));
    } else if (!c.routing_key.empty()) {
        e.fail(key_of(i, "routing_key"), std::string("only for format \"pagerduty\", format is \"") +
                                             webhook_format_name(c.format) + "\"");
    }
    const int cap = c.format == webhook_format::slack ? max_batch_slack
                    : c.format == webhook_format::teams ? max_batch_teams : int(range_batch.hi);
    if (c.format != webhook_format::pagerduty && c.batch > cap)
        e.fail(key_of(i, "batch"), "must be 1.." + std::to_string(cap) + " with format \"" +
                                       webhook_format_name(c.format) + "\", got " + std::to_string(c.batch));
}

void validate_one(const webhook_config& c, std::size_t i, config_errors& e) {
    validate_url(c, i, e);
    validate_format(c, i, e);
    if (!c.secret.empty()) {
        if (std::string s; !resolve_secret(c.secret, s)) check_secret(e, key_of(i, "secret"), c.secret);
    }
    check_duration(e, key_of(i, "timeout"), c.timeout_ms, range_timeout_ms);
    check_int(e, key_of(i, "retries"), c.retries, range_retries);
    check_duration(e, key_of(i, "backoff_initial"), c.backoff_initial_ms, range_backoff_ms);
    check_duration(e, key_of(i, "backoff_max"), c.backoff_max_ms, range_backoff_ms);
    if (c.backoff_max_ms < c.backoff_initial_ms)
        e.fail(key_of(i, "backoff_max"), "must be >= backoff_initial (" + format_duration(c.backoff_initial_ms) +
                                             "), got " + format_duration(c.backoff_max_ms));
    check_int(e, key_of(i, "batch"), c.batch, range_batch);
    if (!(c.max_rate >= 0) || !std::isfinite(c.max_rate) || c.max_rate > 1e6)
        e.fail(key_of(i, "max_rate"), "must be 0 (unlimited) .. 1000000 requests per second");
    if (!c.ca_file.empty()) check_input(e, key_of(i, "ca_file"), c.ca_file, input_kind::tls_pem);
    check_size(e, key_of(i, "queue_max_size"), static_cast<int64_t>(std::min<uint64_t>(c.queue_max_bytes, INT64_MAX)),
               range_queue_bytes);
}

}  // namespace

const char* webhook_format_name(webhook_format f) noexcept {
    switch (f) {
        case webhook_format::json: return "json";
        case webhook_format::slack: return "slack";
        case webhook_format::teams: return "teams";
        case webhook_format::pagerduty: return "pagerduty";
    }
    return "json";
}

bool split_webhook_url(const std::string& url, std::string& scheme, std::string& host) {
    const std::size_t sep = url.find("://");
    if (sep == std::string::npos) return false;
    scheme = url.substr(0, sep);
    for (char& ch : scheme) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (scheme != "http" && scheme != "https") return false;
    std::string rest = url.substr(sep + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const std::size_t at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
    if (!rest.empty() && rest.front() == '[') host = rest.substr(1, rest.find(']') - 1);
    else host = rest.substr(0, rest.find(':'));
    for (char ch : url)
        if (static_cast<unsigned char>(ch) <= ' ' || ch == '\x7f') return false;
    return !host.empty();
}

std::string webhook_url_shown(const std::string& url) {
    const std::size_t sep = url.find("://");
    if (sep == std::string::npos) return "(not a URL)";
    std::string authority = url.substr(sep + 3);
    const std::size_t path = authority.find_first_of("/?#");
    const bool has_path = path != std::string::npos && path + 1 < authority.size();
    authority = authority.substr(0, path);
    if (const std::size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
    return url.substr(0, sep + 3) + authority + (has_path ? "/..." : "");
}

void read_webhook_tables(const toml_section& root, std::vector<webhook_config>& out) {
    for (const toml_section& s : root.table_array("webhook")) out.push_back(read_one(s));
}

void validate(const std::vector<webhook_config>& endpoints, config_errors& e) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
        validate_one(endpoints[i], i, e);
        if (!endpoints[i].name.empty() && !name_is_safe(endpoints[i].name))
            e.fail(key_of(i, "name"), "\"" + endpoints[i].name + "\" must be 1-64 letters, digits, '.', '_' or '-' "
                                      "(it names the endpoint's queue directory), not \".\" or \"..\"");
        // Names label metrics and the queue directory: two endpoints cannot share one.
        if (!endpoints[i].name.empty() && !names.insert(endpoints[i].name).second)
            e.fail(key_of(i, "name"), "\"" + endpoints[i].name + "\" is already the name of another [[webhook]] "
                                      "(set name = \"...\" to tell them apart)");
    }
}

std::string validate_webhook_config(const webhook_config& c) {
    config_errors e;
    validate(std::vector<webhook_config>{c}, e);
    std::string first = e.first();
    // A single endpoint handed over in code: "webhook.url" rather than "webhook[0].url".
    if (first.rfind("webhook[0]", 0) == 0) first = "webhook" + first.substr(10);
    return first;
}

void explain(const std::vector<webhook_config>& endpoints, explanation& out) {
    for (const webhook_config& c : endpoints) {
        out.lines << "  webhook " << c.name << ": " << webhook_url_shown(c.url) << ", "
                  << webhook_format_name(c.format) << ", notify "
                  << (c.notify == webhook_notify::alert ? "every alert" : "once per case") << ", secret "
                  << mask_secret(c.secret);
        if (c.format == webhook_format::pagerduty) out.lines << ", routing key " << mask_secret(c.routing_key);
        out.lines << "; timeout " << format_duration(c.timeout_ms) << ", " << c.retries << " retries (backoff "
                  << format_duration(c.backoff_initial_ms) << ".." << format_duration(c.backoff_max_ms) << ")";
        if (c.batch > 1) out.lines << ", up to " << c.batch << " per request";
        if (c.max_rate > 0) out.lines << ", at most " << c.max_rate << " requests/s";
        out.lines << ", queue up to " << format_size(static_cast<int64_t>(c.queue_max_bytes)) << "\n";
        if (!c.tls_verify)
            out.warnings.push_back("webhook " + c.name +
                                   ": tls_verify = false: the endpoint's certificate is not checked");
        if (c.secret.empty())
            out.warnings.push_back("webhook " + c.name + ": no secret: requests carry no X-Txscreen-Signature");
    }
}

}  // namespace txscreen
