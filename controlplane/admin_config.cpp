#include "controlplane/admin_config.h"

#include <algorithm>
#include <stdexcept>

#include "config/config_explain.h"
#include "config/toml_section.h"

namespace txscreen {

namespace {

constexpr int_range range_connections{1, 65536};
constexpr int_range range_threads{1, 64};
constexpr int_range range_header_limit{1024, 1LL << 30};

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// The token is compared exactly, and HTTP drops whitespace around a header value and
// cannot carry control characters: such a token could never be presented.
void validate_token(const admin_config& c, config_errors& e) {
    if (c.token.empty()) {
        if (!is_loopback(c.address))
            e.fail("admin.token", "missing: required when admin.listen (" + listen_text(c) +
                                      ") is not a loopback address (a token or \"env:NAME\")");
        return;
    }
    std::string token;
    if (!resolve_secret(c.token, token)) return check_secret(e, "admin.token", c.token);
    if (token.size() < 16) return e.fail("admin.token", "must be at least 16 characters");
    if (token.front() == ' ' || token.back() == ' ' ||
        std::any_of(token.begin(), token.end(), [](char ch) { return static_cast<unsigned char>(ch) < ' ' || ch == '\x7f'; }))
        e.fail("admin.token", "must not begin or end with a space or hold control characters "
                              "(it is compared exactly; HTTP cannot carry those)");
}

// Everything but the TLS files (the server loads those itself and names them).
void validate_settings(const admin_config& c, config_errors& e) {
    validate_token(c, e);
    if (c.tls_cert_file.empty() != c.tls_key_file.empty())
        e.fail(c.tls_cert_file.empty() ? "admin.tls_cert" : "admin.tls_key",
               "missing: tls_cert and tls_key go together; set both or neither (both for HTTPS, neither for HTTP)");
    check_int(e, "admin.max_connections", c.max_connections, range_connections);
    check_int(e, "admin.io_threads", c.io_threads, range_threads);
    check_int(e, "admin.backend_threads", c.backend_threads, range_threads);
    if (c.body_limit == 0) e.fail("admin.body_limit", "must be > 0");
    check_int(e, "admin.header_limit", static_cast<int64_t>(c.header_limit), range_header_limit);
    for (auto [key, t] : {std::pair<const char*, std::chrono::milliseconds>{"admin.header_timeout", c.header_timeout},
                          {"admin.body_timeout", c.body_timeout},
                          {"admin.write_timeout", c.write_timeout}})
        if (t.count() <= 0) e.fail(key, "must be > 0");
}

}  // namespace

void read_admin_section(const toml_section& s, admin_config& c) {
    s.only_keys({"listen", "token", "tls_cert", "tls_key", "max_connections", "io_threads", "backend_threads"});
    std::string listen;
    if (s.get_string("listen", listen) && !parse_host_port(listen, c.address, c.port))
        s.fail("listen", "\"" + listen + "\" is not host:port (e.g. \"127.0.0.1:8080\", \"[::1]:8080\")");
    s.get_string("token", c.token);
    s.get_string("tls_cert", c.tls_cert_file);
    s.get_string("tls_key", c.tls_key_file);
    s.get_int("max_connections", c.max_connections, range_connections);
    s.get_int("io_threads", c.io_threads, range_threads);
    s.get_int("backend_threads", c.backend_threads, range_threads);
}

void validate(const admin_config& c, config_errors& e) {
    validate_settings(c, e);
    check_input(e, "admin.tls_cert", c.tls_cert_file, input_kind::tls_pem);
    check_input(e, "admin.tls_key", c.tls_key_file, input_kind::tls_pem);
}

void validate(const admin_config& c) {
    if (c.token.empty()) throw std::invalid_argument("admin.token: must be set (bearer token for the admin API)");
    config_errors e;
    validate_settings(c, e);
    if (!e.empty()) throw std::invalid_argument(e.first());
}

std::string listen_text(const admin_config& c) {
    const bool v6 = c.address.find(':') != std::string::npos;
    return (v6 ? "[" + c.address + "]" : c.address) + ":" + std::to_string(c.port);
}

void explain(const admin_config& c, explanation& out) {
    if (c.token.empty()) {
        out.lines << "  admin: off (no admin.token)\n";
        out.warnings.push_back("admin.token not set: the REST API and dashboard are off");
        return;
    }
    out.lines << "  admin: " << (c.tls_cert_file.empty() ? "http://" : "https://") << listen_text(c) << ", token "
              << mask_secret(c.token) << "\n";
}

}  // namespace txscreen
