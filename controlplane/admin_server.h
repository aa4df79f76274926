// Admin REST server: health, readiness, Prometheus metrics, stats, rules/patterns hot
// reload, per-card velocity lookup, drain, and the live dashboard page (docs/admin.md).
//
// HTTP/1.1 on Boost.Beast over Boost.Asio, optional TLS (OpenSSL), on its own threads.
// The server knows nothing about the dataplane: everything it reports or changes goes
// through an admin_backend that the appliance implements.
//
// Threads: `io_threads` threads run the network (accept, parse, timers, writes); backend
// calls run on a separate pool of `backend_threads` threads, so a slow call (a ruleset
// or Hyperscan compile in put_rules/put_patterns) never stalls other clients' I/O or
// timeouts. Backend methods may therefore be called concurrently from several threads.
//
// Robustness: every connection has a header deadline and a body deadline (slow or
// half-open clients are closed and counted as timeouts), bodies over `body_limit` get
// 413, more than `max_connections` open connections get 503, malformed requests get
// 400 with a JSON message; nothing a client sends can throw out of an I/O thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "controlplane/admin_config.h"

namespace txscreen {

// Answer of admin_backend::ready(): not ready while starting (ports not up, first
// ruleset not loaded) or while draining.
struct readiness {
    bool ready = false;
    std::string reason;  // why not ready ("draining", "ports down"...); may be empty when ready
};

// Answer of a hot reload (PUT /api/v1/rules, /api/v1/patterns, /api/v1/model).
struct put_result {
    bool ok = false;
    uint64_t version = 0;  // the version now live (the new one when ok, the old one otherwise)
    std::string error;     // when !ok: what is wrong with the body, naming the line/key
};

// What the admin server needs from the appliance. Every method may be called from any
// server thread, concurrently with the others (implementations must be thread-safe),
// and must not throw (an exception becomes a 500 and is counted, but is a bug).
class admin_backend {
public:
    virtual ~admin_backend() = default;

    // GET /healthz: the process is alive and its threads make progress (200 / 503).
    virtual bool healthy() = 0;
    // GET /readyz: ready to take traffic (200 / 503 with the reason).
    virtual readiness ready() = 0;
    // GET /metrics: appends the appliance's metric families in Prometheus text
    // exposition format 0.0.4 (see prometheus_text in admin_metrics.h). The server
    // appends its own txscreen_admin_* families after them.
    virtual void write_metrics(std::string& out) = 0;
    // GET /api/v1/stats: one JSON object (schema in docs/admin.md; the dashboard
    // reads it every second).
    virtual std::string stats_json() = 0;
    // GET /api/v1/rules: the live ruleset as TOML text.
    virtual std::string rules_text() = 0;
    // PUT /api/v1/rules: compiles `body` (TOML) off the dataplane and swaps it in; a
    // bad ruleset is refused and the old one keeps running.
    virtual put_result put_rules(std::string_view body) = 0;
    // GET /api/v1/patterns: the live pattern file text.
    virtual std::string patterns_text() = 0;
    // PUT /api/v1/patterns: same as put_rules for the Hyperscan pattern file.
    virtual put_result put_patterns(std::string_view body) = 0;
    // GET /api/v1/model: the live model (JSON: source, trees, depth, objective,
    // features, version), 404 when none is loaded.
    virtual std::optional<std::string> model_json() = 0;
    // PUT /api/v1/model: `body` is an XGBoost JSON model; checked and flattened off the
    // dataplane and swapped in with the ruleset (the workers pick it up at their next
    // quiescent point); a bad model is refused and the old one keeps scoring.
    virtual put_result put_model(std::string_view body) = 0;
    // GET /api/v1/velocity/card/{pan-or-token}: `key` is a clear PAN (12-19 digits,
    // the backend tokenizes it and must not keep or log it) or a 32-hex-digit card
    // token. Returns a JSON object of the card's velocity state (token, BIN/last4 at
    // most), or nullopt when the card is unknown (404).
    virtual std::optional<std::string> card_velocity_json(std::string_view key) = 0;
    // POST /api/v1/drain: stop taking new traffic, flush what is in flight; returns
    // at once with a JSON status object (202). /readyz turns 503 while draining.
    virtual std::string drain() = 0;
};

// Endpoints, used as the `endpoint` label of the request counters (never the raw path,
// which may hold a PAN and would make label cardinality unbounded).
enum class admin_endpoint : uint8_t {
    healthz, readyz, metrics, stats, rules, patterns, velocity_card, drain, dashboard, model,
    unknown,  // no route matched (404) or the request could not be parsed (400)
};
inline constexpr std::size_t admin_endpoint_count = 11;
// "healthz", "readyz", ... (metric label values).
const char* admin_endpoint_name(admin_endpoint e) noexcept;

// Status codes the server counts individually; anything else counts as "other".
inline constexpr std::array<unsigned, 13> admin_counted_status = {
    200, 202, 400, 401, 404, 405, 408, 413, 414, 431, 500, 503, 0 /* other */};

// admin_config (address, token, TLS, limits, threads): controlplane/admin_config.h.

// Snapshot of the server's own counters (also exported by /metrics as txscreen_admin_*).
struct admin_counters {
    // requests[endpoint][index in admin_counted_status]
    std::array<std::array<uint64_t, admin_counted_status.size()>, admin_endpoint_count> requests{};
    uint64_t connections_accepted = 0;
    uint64_t connections_active = 0;
    uint64_t rejected_connection_limit = 0;  // 503 at accept (max_connections)
    uint64_t timeouts = 0;                   // connections closed by a header/body/write/TLS deadline
    uint64_t parse_errors = 0;               // requests that could not be parsed (400/413/431)
    uint64_t tls_handshake_failures = 0;
    uint64_t backend_exceptions = 0;

    // Requests answered for `e` with status `status` (0 = the "other" bucket).
    uint64_t count(admin_endpoint e, unsigned status) const noexcept;
};

class admin_server {
public:
    // Validates `cfg` (throws std::invalid_argument naming the key: empty token, one of
    // the TLS files without the other, zero limits...), loads TLS files (throws
    // std::runtime_error naming the file), binds and listens (throws
    // std::runtime_error "admin: cannot listen on ADDR:PORT: reason"), and starts the
    // threads. `backend` must outlive the server.
    admin_server(admin_config cfg, admin_backend& backend);
    // Stops accepting, closes every connection, waits for running backend calls.
    ~admin_server();
    admin_server(const admin_server&) = delete;
    admin_server& operator=(const admin_server&) = delete;

    // The bound port (the ephemeral one when configured with 0).
    uint16_t port() const noexcept;
    bool tls() const noexcept;
    // Same as the destructor; idempotent.
    void stop();
    admin_counters counters() const noexcept;

    struct impl;  // opaque; public only so the implementation's helpers can name it

private:
    std::unique_ptr<impl> _impl;
};

// Masks a request target for logs: the key of /api/v1/velocity/card/{key} becomes
// "****" + its last 4 characters, and any other run of 12+ digits keeps only its last 4.
std::string admin_mask_target(std::string_view target);

// True when `given` equals `expected`, in time independent of where they differ
// (both are hashed, then compared with CRYPTO_memcmp).
bool admin_token_equal(std::string_view given, std::string_view expected) noexcept;

}  // namespace txscreen
