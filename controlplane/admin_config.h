// The admin server's settings ([admin] in the config file; docs/admin.md). One struct
// with its defaults, its reader, its validator (the only range check of these fields:
// admin_server's constructor runs it too) and its explain() line.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct admin_config {
    // listen = "host:port" / "[v6]:port" in the config file.
    std::string address = "127.0.0.1";  // bind address (IPv4 or IPv6 literal)
    uint16_t port = 8080;               // 0 = ephemeral (see admin_server::port())
    // Bearer token for everything except /healthz, /readyz and the dashboard page
    // itself (the page holds no data; its API calls carry the token). The server
    // requires one; in the config it may be "env:NAME", and "" turns the admin API off.
    std::string token;
    // TLS: both set = HTTPS only (PEM files); both empty = plain HTTP.
    std::string tls_cert_file;
    std::string tls_key_file;
    unsigned max_connections = 64;  // open connections beyond this get 503 and are closed
    unsigned io_threads = 1;
    unsigned backend_threads = 2;
    // Not config keys: the server's limits, and hooks the appliance or tests set.
    std::size_t body_limit = 1 << 20;          // larger bodies get 413
    std::size_t header_limit = 16 << 10;       // larger headers get 431
    std::chrono::milliseconds header_timeout{10000};  // whole header, from first wait
    std::chrono::milliseconds body_timeout{10000};    // whole body, after the header
    std::chrono::milliseconds write_timeout{10000};
    std::chrono::milliseconds idle_timeout{30000};    // keep-alive wait between requests
    // The server's threads run this much nicer (Linux per-thread nice, 0..19) than the
    // thread that created the server: under a scrape storm the appliance's own
    // controlplane thread keeps the CPU it shares with them.
    int nice = 10;
    // Access log: one line per request, "METHOD target status body_bytes NNNus", written
    // just before the response (micros from the complete header to the answer).
    // Card keys in velocity paths and any digit run of 12 or more are masked. Called
    // from I/O threads; empty = no log.
    std::function<void(std::string_view line)> access_log;
};

void read_admin_section(const toml_section& s, admin_config& c);
// Every field against its range, keys "admin.<key>" as the config file names them; an
// empty token is valid here (the admin API is off) unless the address is not loopback.
void validate(const admin_config& c, config_errors& errors);
// The server's start check: throws std::invalid_argument with the first problem, or
// when no token is set.
void validate(const admin_config& c);
// "host:port", "[v6]:port": the address as the config file writes it.
std::string listen_text(const admin_config& c);
void explain(const admin_config& c, explanation& out);

}  // namespace txscreen
