// Admin REST server on Boost.Beast (see admin_server.h for the contract).
//
// One connection object per accepted socket, its handlers serialized on its own strand.
// The request is read in two steps: the header first (under header_timeout), so that
// routing, authentication and the size check answer 401/404/405/413 before a byte of
// body is read; then the body (under body_timeout). Backend calls are posted to a
// separate thread pool and the response is posted back to the connection's strand.

#include "controlplane/admin_server.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "common/bounded_file.h"
#include "controlplane/admin_dashboard.h"
#include "controlplane/admin_metrics.h"

namespace txscreen {

namespace {
// Once per thread: this thread's nice value `by` above the creating thread's (the
// creator's value is inherited at thread creation).
void lower_priority(int by) noexcept {
    thread_local bool done = false;
    if (done || by <= 0) return;
    done = true;
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    errno = 0;
    const int cur = ::getpriority(PRIO_PROCESS, tid);
    if (errno == 0) (void)::setpriority(PRIO_PROCESS, tid, std::min(19, cur + by));
}
}  // namespace

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using steady = std::chrono::steady_clock;

const char* admin_endpoint_name(admin_endpoint e) noexcept {
    switch (e) {
    case admin_endpoint::healthz: return "healthz";
    case admin_endpoint::readyz: return "readyz";
    case admin_endpoint::metrics: return "metrics";
    case admin_endpoint::stats: return "stats";
    case admin_endpoint::rules: return "rules";
    case admin_endpoint::patterns: return "patterns";
    case admin_endpoint::velocity_card: return "velocity_card";
    case admin_endpoint::drain: return "drain";
    case admin_endpoint::dashboard: return "dashboard";
    case admin_endpoint::model: return "model";
    case admin_endpoint::unknown: return "unknown";
    }
    return "unknown";
}

namespace {

std::size_t status_index(unsigned status) noexcept {
    for (std::size_t i = 0; i + 1 < admin_counted_status.size(); ++i)
        if (admin_counted_status[i] == status) return i;
    return admin_counted_status.size() - 1;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
// Beast 1.74's string_view is boost::string_view: convert explicitly at the boundary.
std::string_view sv(beast::string_view s) noexcept { return {s.data(), s.size()}; }
beast::string_view bsv(std::string_view s) noexcept { return {s.data(), s.size()}; }
bool ascii_iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}
bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

uint64_t admin_counters::count(admin_endpoint e, unsigned status) const noexcept {
    return requests[static_cast<std::size_t>(e)][status_index(status)];
}

bool admin_token_equal(std::string_view given, std::string_view expected) noexcept {
    // Hashing first makes the comparison length-independent too: comparing the raw
    // strings would leak the expected length through an early return.
    unsigned char a[SHA256_DIGEST_LENGTH];
    unsigned char b[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
    SHA256(reinterpret_cast<const unsigned char*>(expected.data()), expected.size(), b);
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

std::string admin_mask_target(std::string_view target) {
    static constexpr std::string_view velocity = "/api/v1/velocity/card/";
    std::string out;
    out.reserve(target.size());
    if (target.substr(0, velocity.size()) == velocity) {
        std::string_view key = target.substr(velocity.size());
        std::size_t end = key.find_first_of("?#");
        std::string_view rest = end == std::string_view::npos ? std::string_view{} : key.substr(end);
        key = key.substr(0, end);
        out += velocity;
        out += "****";
        if (key.size() > 4) out += key.substr(key.size() - 4);
        target = rest;
    }
    // Any other long digit run may be a PAN typed into a wrong path or a query.
    std::size_t i = 0;
    while (i < target.size()) {
        if (!is_digit(target[i])) {
            out += target[i++];
            continue;
        }
        std::size_t j = i;
        while (j < target.size() && is_digit(target[j])) ++j;
        if (j - i >= 12) {
            out += "****";
            out += target.substr(j - 4, 4);
        } else {
            out += target.substr(i, j - i);
        }
        i = j;
    }
    return out;
}

// ---------------------------------------------------------------------------------

using request_t = http::request<http::string_body>;
using response_t = http::response<http::string_body>;

struct admin_server::impl {
    admin_config cfg;
    admin_backend& backend;

    std::array<std::array<std::atomic<uint64_t>, admin_counted_status.size()>, admin_endpoint_count>
        requests{};
    std::atomic<uint64_t> accepted{0};
    std::atomic<uint64_t> active{0};
    std::atomic<uint64_t> rejected_limit{0};
    std::atomic<uint64_t> timeouts{0};
    std::atomic<uint64_t> parse_errors{0};
    std::atomic<uint64_t> tls_failures{0};
    std::atomic<uint64_t> backend_exceptions{0};
    std::atomic<bool> stopped{false};

    // Declared before the io_context: connections hold SSL objects made from it and
    // the io_context destroys pending connections in its destructor.
    std::optional<ssl::context> tls_ctx;
    net::io_context ioc;
    tcp::acceptor acceptor;
    net::thread_pool backend_pool;
    std::vector<std::thread> threads;
    uint16_t bound_port = 0;

    impl(admin_config c, admin_backend& b)
        : cfg(std::move(c)),
          backend(b),
          ioc(static_cast<int>(cfg.io_threads)),
          acceptor(net::make_strand(ioc)),
          backend_pool(cfg.backend_threads) {}

    void count(admin_endpoint e, unsigned status) noexcept {
        requests[static_cast<std::size_t>(e)][status_index(status)].fetch_add(1, std::memory_order_relaxed);
    }

    void do_accept();
    void on_accept(beast::error_code ec, tcp::socket socket);
    void reject_connection(tcp::socket socket);
    void append_own_metrics(std::string& out);
};

namespace {

struct route {
    admin_endpoint ep = admin_endpoint::unknown;
    bool needs_auth = true;
    std::string_view allow;  // methods, as in the Allow header
    std::string_view key;    // velocity card key (points into the request target)
};

route find_route(std::string_view target) {
    std::string_view path = target.substr(0, target.find('?'));
    static constexpr std::string_view velocity = "/api/v1/velocity/card/";
    if (path == "/") return {admin_endpoint::dashboard, false, "GET", {}};
    if (path == "/healthz") return {admin_endpoint::healthz, false, "GET", {}};
    if (path == "/readyz") return {admin_endpoint::readyz, false, "GET", {}};
    if (path == "/metrics") return {admin_endpoint::metrics, true, "GET", {}};
    if (path == "/api/v1/stats") return {admin_endpoint::stats, true, "GET", {}};
    if (path == "/api/v1/rules") return {admin_endpoint::rules, true, "GET, PUT", {}};
    if (path == "/api/v1/patterns") return {admin_endpoint::patterns, true, "GET, PUT", {}};
    if (path == "/api/v1/drain") return {admin_endpoint::drain, true, "POST", {}};
    if (path == "/api/v1/model") return {admin_endpoint::model, true, "GET, PUT", {}};
    if (path.substr(0, velocity.size()) == velocity)
        return {admin_endpoint::velocity_card, true, "GET", path.substr(velocity.size())};
    return {admin_endpoint::unknown, true, {}, {}};
}

bool method_allowed(std::string_view allow, std::string_view method) {
    // allow is "GET", "POST" or "GET, PUT": a whole-token search is enough.
    std::size_t pos = 0;
    while (pos < allow.size()) {
        std::size_t end = allow.find(',', pos);
        if (end == std::string_view::npos) end = allow.size();
        if (allow.substr(pos, end - pos) == method) return true;
        pos = end + 2;
    }
    return false;
}

std::string json_error(std::string_view msg) { return nlohmann::json{{"error", msg}}.dump() + '\n'; }

response_t make_response(unsigned status, std::string body, std::string_view type) {
    response_t res;
    res.result(status);
    res.version(11);
    res.set(http::field::server, "txscreen-admin");
    res.set(http::field::content_type, bsv(type));
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(body);
    return res;
}

response_t json_response(unsigned status, std::string body) {
    return make_response(status, std::move(body), "application/json");
}

response_t error_response(unsigned status, std::string_view msg) {
    return json_response(status, json_error(msg));
}

// Status of a velocity key the server refuses before it reaches the backend.
bool valid_card_key(std::string_view key) {
    if (key.empty() || key.size() > 64) return false;
    bool digits = std::all_of(key.begin(), key.end(), is_digit);
    if (digits && key.size() >= 12 && key.size() <= 19) return true;
    return key.size() == 32 && std::all_of(key.begin(), key.end(), is_hex);
}

std::string put_json(const put_result& r) {
    nlohmann::ordered_json j = {{"ok", r.ok}, {"version", r.version}};
    if (!r.ok) j["error"] = r.error;
    return j.dump() + '\n';
}

// Runs on the backend pool: everything here may block (compiles, locks).
response_t call_backend(admin_server::impl& srv, const route& r, const request_t& req) {
    admin_backend& b = srv.backend;
    switch (r.ep) {
    case admin_endpoint::healthz:
        return b.healthy() ? json_response(200, "{\"status\":\"ok\"}\n")
                           : json_response(503, "{\"status\":\"unhealthy\"}\n");
    case admin_endpoint::readyz: {
        readiness rd = b.ready();
        nlohmann::ordered_json j = {{"ready", rd.ready}};
        if (!rd.reason.empty()) j["reason"] = rd.reason;
        return json_response(rd.ready ? 200 : 503, j.dump() + '\n');
    }
    case admin_endpoint::metrics: {
        std::string out;
        out.reserve(16 << 10);
        b.write_metrics(out);
        srv.append_own_metrics(out);
        return make_response(200, std::move(out), "text/plain; version=0.0.4; charset=utf-8");
    }
    case admin_endpoint::stats:
        return json_response(200, b.stats_json());
    case admin_endpoint::rules:
    case admin_endpoint::patterns: {
        bool rules = r.ep == admin_endpoint::rules;
        if (req.method() == http::verb::get)
            return make_response(200, rules ? b.rules_text() : b.patterns_text(),
                                 rules ? "application/toml; charset=utf-8" : "text/plain; charset=utf-8");
        if (req.body().empty()) return error_response(400, "empty body: expected the new file's text");
        put_result pr = rules ? b.put_rules(req.body()) : b.put_patterns(req.body());
        return json_response(pr.ok ? 200 : 400, put_json(pr));
    }
    case admin_endpoint::model: {
        if (req.method() == http::verb::get) {
            std::optional<std::string> m = b.model_json();
            return m ? json_response(200, std::move(*m)) : error_response(404, "no model loaded ([model] path)");
        }
        if (req.body().empty()) return error_response(400, "empty body: expected an XGBoost JSON model");
        put_result pr = b.put_model(req.body());
        return json_response(pr.ok ? 200 : 400, put_json(pr));
    }
    case admin_endpoint::velocity_card: {
        std::optional<std::string> v = b.card_velocity_json(r.key);
        if (!v) return error_response(404, "card not found");
        return json_response(200, std::move(*v));
    }
    case admin_endpoint::drain:
        return json_response(202, b.drain());
    case admin_endpoint::dashboard:
    case admin_endpoint::unknown:
        break;
    }
    return error_response(404, "not found");
}

// ---------------------------------------------------------------------------------
// One connection. Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class connection : public std::enable_shared_from_this<connection<Stream>> {
public:
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    template <class... Args>
    connection(admin_server::impl& srv, Args&&... args)
        : _srv(srv), _stream(std::forward<Args>(args)...) {
        _srv.active.fetch_add(1, std::memory_order_relaxed);
    }
    ~connection() { _srv.active.fetch_sub(1, std::memory_order_relaxed); }

    void start() {
        // Run the first step on the connection's strand (the socket's executor).
        net::dispatch(_stream.get_executor(), [self = this->shared_from_this()] {
            if constexpr (is_tls) {
                beast::get_lowest_layer(self->_stream).expires_after(self->_srv.cfg.header_timeout);
                self->_stream.async_handshake(ssl::stream_base::server,
                    [self](beast::error_code ec) { self->on_handshake(ec); });
            } else {
                self->read_header();
            }
        });
    }

private:
    void on_handshake(beast::error_code ec) {
        if (ec) {
            if (ec == beast::error::timeout) _srv.timeouts.fetch_add(1, std::memory_order_relaxed);
            else _srv.tls_failures.fetch_add(1, std::memory_order_relaxed);
            return;  // dropping the last reference closes the socket
        }
        read_header();
    }

    void read_header() {
        _parser.emplace();
        // No limit while reading the header: Beast would refuse a large Content-Length
        // before routing and authentication, so an unauthenticated client would learn
        // the limit and the 413 would not be counted under its endpoint. on_header checks
        // Content-Length itself, read_body sets the limit for chunked bodies. (Not
        // boost::none: Beast 1.74 compares `len > none` as true and refuses every body.)
        _parser->body_limit(std::numeric_limits<std::uint64_t>::max());
        _parser->header_limit(static_cast<std::uint32_t>(_srv.cfg.header_limit));
        _endpoint = admin_endpoint::unknown;
        _method.clear();
        _target.clear();
        _close = false;
        beast::get_lowest_layer(_stream).expires_after(_srv.cfg.header_timeout);
        http::async_read_header(_stream, _buf, *_parser,
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    // True when ec was handled as a connection-level end (closed, reset, timed out).
    bool connection_error(beast::error_code ec) {
        if (ec == beast::error::timeout) {
            // A keep-alive connection that simply stayed idle is not a slow client.
            if (_parser && _parser->got_some()) _srv.timeouts.fetch_add(1, std::memory_order_relaxed);
            return true;
        }
        if (ec.category() != http::make_error_code(http::error::bad_method).category()) return true;
        return ec == http::error::end_of_stream || ec == http::error::partial_message;
    }

    void parse_failed(beast::error_code ec) {
        _srv.parse_errors.fetch_add(1, std::memory_order_relaxed);
        _close = true;
        if (ec == http::error::body_limit)
            return send(error_response(413, "body larger than " + std::to_string(body_limit()) + " bytes"));
        if (ec == http::error::header_limit)
            return send(error_response(431, "request header larger than " +
                                                std::to_string(_srv.cfg.header_limit) + " bytes"));
        send(error_response(400, "malformed request: " + ec.message()));
    }

    void on_header(beast::error_code ec) {
        if (ec) {
            if (connection_error(ec)) return;
            return parse_failed(ec);
        }
        _start = steady::now();
        const request_t& req = _parser->get();
        _method = std::string(sv(req.method_string()));
        _target = std::string(sv(req.target()));
        _route = find_route(sv(req.target()));
        _endpoint = _route.ep;
        _close = !req.keep_alive();
        bool has_body = !_parser->is_done();
        // Answers given before the body is read close the connection when a body
        // follows: its bytes would otherwise be parsed as the next request.
        auto early = [&](response_t res) {
            if (has_body) _close = true;
            send(std::move(res));
        };

        // Two credentials are ambiguous (which one did a proxy or log check?): refused
        // outright on every route rather than letting the first one win.
        if (req.count(http::field::authorization) > 1) {
            _srv.parse_errors.fetch_add(1, std::memory_order_relaxed);
            _close = true;
            return early(error_response(400, "malformed request: more than one Authorization header"));
        }
        if (_route.needs_auth && !authorized(req)) {
            response_t res = error_response(401, "missing or invalid bearer token");
            res.set(http::field::www_authenticate,
                    req.find(http::field::authorization) == req.end()
                        ? "Bearer realm=\"txscreen\""
                        : "Bearer realm=\"txscreen\", error=\"invalid_token\"");
            return early(std::move(res));
        }
        if (_route.ep == admin_endpoint::unknown) return early(error_response(404, "no such endpoint"));
        if (!method_allowed(_route.allow, sv(req.method_string()))) {
            response_t res = error_response(405, "method not allowed; allowed: " + std::string(_route.allow));
            res.set(http::field::allow, bsv(_route.allow));
            return early(std::move(res));
        }
        if (auto len = _parser->content_length(); len && *len > body_limit()) {
            _srv.parse_errors.fetch_add(1, std::memory_order_relaxed);
            return early(error_response(413, "body larger than " + std::to_string(body_limit()) + " bytes"));
        }
        if (!has_body) return dispatch();

        if (ascii_iequals(sv(req[http::field::expect]), "100-continue")) {
            beast::get_lowest_layer(_stream).expires_after(_srv.cfg.write_timeout);
            static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
            net::async_write(_stream, net::buffer(cont.data(), cont.size()),
                [self = this->shared_from_this()](beast::error_code wec, std::size_t) {
                    if (wec) return;
                    self->read_body();
                });
            return;
        }
        read_body();
    }

    // "Bearer <token>": the scheme (any case), exactly one space, then exactly the token.
    // Nothing is trimmed from the token: "Bearer  <token>" or "<token> x" do not match.
    // (Whitespace before and after the whole field value is not part of it in HTTP;
    // the parser drops it before we see the value.)
    bool authorized(const request_t& req) const {
        auto it = req.find(http::field::authorization);
        if (it == req.end()) return false;
        std::string_view v = sv(it->value());
        static constexpr std::string_view scheme = "Bearer ";
        if (v.size() < scheme.size() || !ascii_iequals(v.substr(0, scheme.size()), scheme)) return false;
        v.remove_prefix(scheme.size());
        return admin_token_equal(v, _srv.cfg.token);
    }

    // A model (PUT /api/v1/model, after the token was checked) may be larger than the
    // other bodies: up to the model file limit.
    std::size_t body_limit() const {
        return _route.ep == admin_endpoint::model ? std::max(_srv.cfg.body_limit, model_input_limit)
                                                  : _srv.cfg.body_limit;
    }

    void read_body() {
        _parser->body_limit(body_limit());
        beast::get_lowest_layer(_stream).expires_after(_srv.cfg.body_timeout);
        http::async_read(_stream, _buf, *_parser,
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) {
                    if (self->connection_error(ec)) return;
                    return self->parse_failed(ec);
                }
                self->dispatch();
            });
    }

    void dispatch() {
        if (_route.ep == admin_endpoint::dashboard) {
            response_t res = make_response(200, std::string(admin_dashboard_html()), "text/html; charset=utf-8");
            // The page is self-contained: forbid every external fetch so it stays so.
            res.set("Content-Security-Policy",
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                    "connect-src 'self'; img-src data:; base-uri 'none'; frame-ancestors 'none'");
            return send(std::move(res));
        }
        if (_route.ep == admin_endpoint::velocity_card && !valid_card_key(_route.key))
            return send(error_response(400, "card key must be a PAN (12-19 digits) or a 32-hex-digit token"));

        auto req = std::make_shared<request_t>(_parser->release());
        // _route.key points into the parser's buffer, now moved into *req: re-derive it.
        route r = find_route(sv(req->target()));
        net::post(_srv.backend_pool, [self = this->shared_from_this(), req, r] {
            lower_priority(self->_srv.cfg.nice);
            response_t res;
            try {
                res = call_backend(self->_srv, r, *req);
            } catch (const std::exception& e) {
                self->_srv.backend_exceptions.fetch_add(1, std::memory_order_relaxed);
                res = error_response(500, std::string("internal error: ") + e.what());
            } catch (...) {
                self->_srv.backend_exceptions.fetch_add(1, std::memory_order_relaxed);
                res = error_response(500, "internal error");
            }
            net::post(self->_stream.get_executor(),
                      [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
        });
    }

    void send(response_t res) {
        unsigned status = res.result_int();
        _srv.count(_endpoint, status);
        res.keep_alive(!_close);
        res.prepare_payload();
        // Logged before the write, so the line exists once the client has its answer.
        if (_srv.cfg.access_log) log_request(status, res.body().size());
        _res.emplace(std::move(res));
        beast::get_lowest_layer(_stream).expires_after(_srv.cfg.write_timeout);
        http::async_write(_stream, *_res,
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    }

    void log_request(unsigned status, std::size_t body_bytes) {
        char tail[64];
        long long us = _start == steady::time_point{}
            ? 0
            : std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - _start).count();
        std::snprintf(tail, sizeof tail, " %u %zu %lldus", status, body_bytes, us);
        std::string line = _method.empty() ? std::string("-") : _method;
        line += ' ';
        line += admin_mask_target(_target.empty() ? std::string_view("-") : std::string_view(_target));
        line += tail;
        _srv.cfg.access_log(line);
    }

    void on_write(beast::error_code ec) {
        _res.reset();
        _start = {};
        if (ec) {
            if (ec == beast::error::timeout) _srv.timeouts.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        if (_close) return close();
        read_header();
    }

    void close() {
        if constexpr (is_tls) {
            beast::get_lowest_layer(_stream).expires_after(std::chrono::seconds(2));
            _stream.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
        } else {
            // Half-close, then drain what the client still sends for a moment: closing
            // with unread bytes makes the kernel send RST, and the client could lose
            // the response (a 413 to a large upload, a 400 to garbage).
            beast::error_code ignored;
            _stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
            _stream.expires_after(std::chrono::seconds(2));
            drain_input();
        }
    }

    void drain_input() {
        if constexpr (!is_tls) {
            _stream.async_read_some(net::buffer(_discard),
                [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                    if (!ec) self->drain_input();
                });
        }
    }

    admin_server::impl& _srv;
    Stream _stream;
    beast::flat_buffer _buf;
    std::optional<http::request_parser<http::string_body>> _parser;
    std::optional<response_t> _res;
    route _route;
    admin_endpoint _endpoint = admin_endpoint::unknown;
    bool _close = false;
    std::string _method;
    std::string _target;
    steady::time_point _start{};
    std::array<char, 4096> _discard;
};

// Answers 503 to a connection over the limit, then closes it (plain HTTP only: over
// TLS the socket is simply closed, a plaintext answer would be garbage to the client).
class connection_rejecter : public std::enable_shared_from_this<connection_rejecter> {
public:
    explicit connection_rejecter(tcp::socket s) : _stream(std::move(s)) {}
    void start() {
        static constexpr std::string_view msg =
            "HTTP/1.1 503 Service Unavailable\r\nServer: txscreen-admin\r\n"
            "Content-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n"
            "Content-Length: 37\r\n\r\n{\"error\":\"too many open connections\"}";
        static_assert(std::string_view("{\"error\":\"too many open connections\"}").size() == 37);
        _stream.expires_after(std::chrono::seconds(2));
        net::async_write(_stream, net::buffer(msg.data(), msg.size()),
            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return;
                beast::error_code ignored;
                self->_stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                self->drain();
            });
    }

private:
    void drain() {
        _stream.async_read_some(net::buffer(_discard),
            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                if (!ec) self->drain();
            });
    }
    beast::tcp_stream _stream;
    std::array<char, 1024> _discard;
};

}  // namespace

void admin_server::impl::do_accept() {
    acceptor.async_accept(net::make_strand(ioc),
        [this](beast::error_code ec, tcp::socket socket) { on_accept(ec, std::move(socket)); });
}

void admin_server::impl::on_accept(beast::error_code ec, tcp::socket socket) {
    if (stopped.load(std::memory_order_relaxed) || ec == net::error::operation_aborted) return;
    if (!ec) {
        accepted.fetch_add(1, std::memory_order_relaxed);
        if (active.load(std::memory_order_relaxed) >= cfg.max_connections) {
            rejected_limit.fetch_add(1, std::memory_order_relaxed);
            reject_connection(std::move(socket));
        } else if (tls_ctx) {
            std::make_shared<connection<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(socket), *tls_ctx)
                ->start();
        } else {
            std::make_shared<connection<beast::tcp_stream>>(*this, std::move(socket))->start();
        }
    }
    // Accept errors (EMFILE...) are transient: keep accepting.
    do_accept();
}

void admin_server::impl::reject_connection(tcp::socket socket) {
    if (tls_ctx) return;  // socket closes here
    std::make_shared<connection_rejecter>(std::move(socket))->start();
}

void admin_server::impl::append_own_metrics(std::string& out) {
    prometheus_text p(out);
    p.family("txscreen_admin_requests_total", "counter", "Admin API requests answered, by endpoint and status code");
    for (std::size_t e = 0; e < admin_endpoint_count; ++e) {
        for (std::size_t s = 0; s < admin_counted_status.size(); ++s) {
            uint64_t n = requests[e][s].load(std::memory_order_relaxed);
            if (n == 0) continue;
            char code[12];
            if (admin_counted_status[s] == 0) std::snprintf(code, sizeof code, "other");
            else std::snprintf(code, sizeof code, "%u", admin_counted_status[s]);
            p.sample("txscreen_admin_requests_total",
                     {{"endpoint", admin_endpoint_name(static_cast<admin_endpoint>(e))}, {"code", code}}, n);
        }
    }
    p.family("txscreen_admin_connections_total", "counter", "Admin API connections accepted");
    p.sample("txscreen_admin_connections_total", {}, accepted.load(std::memory_order_relaxed));
    p.family("txscreen_admin_connections_active", "gauge", "Admin API connections open now");
    p.sample("txscreen_admin_connections_active", {}, active.load(std::memory_order_relaxed));
    p.family("txscreen_admin_rejected_connections_total", "counter",
             "Admin API connections refused with 503, by reason");
    p.sample("txscreen_admin_rejected_connections_total", {{"reason", "connection_limit"}},
             rejected_limit.load(std::memory_order_relaxed));
    p.family("txscreen_admin_timeouts_total", "counter",
             "Admin API connections closed by a header, body, write or TLS handshake deadline");
    p.sample("txscreen_admin_timeouts_total", {}, timeouts.load(std::memory_order_relaxed));
    p.family("txscreen_admin_parse_errors_total", "counter",
             "Admin API requests that could not be parsed or were over a size limit");
    p.sample("txscreen_admin_parse_errors_total", {}, parse_errors.load(std::memory_order_relaxed));
    p.family("txscreen_admin_tls_handshake_failures_total", "counter", "Admin API TLS handshakes that failed");
    p.sample("txscreen_admin_tls_handshake_failures_total", {}, tls_failures.load(std::memory_order_relaxed));
    p.family("txscreen_admin_backend_exceptions_total", "counter",
             "Admin API backend calls that threw (answered 500)");
    p.sample("txscreen_admin_backend_exceptions_total", {}, backend_exceptions.load(std::memory_order_relaxed));
}

// ---------------------------------------------------------------------------------

namespace {

// Read bounded (common/bounded_file.h), not by OpenSSL's file reader: a path to
// /dev/zero or a FIFO would otherwise hang start-up instead of refusing it.
std::string read_pem(const std::string& path, const char* what) {
    input_file in = read_input_file(path, input_kind::tls_pem);
    if (!in.ok()) throw std::runtime_error(std::string("admin: cannot load ") + what + " " + path + ": " + in.problem);
    return std::move(in.text);
}

}  // namespace

admin_server::admin_server(admin_config cfg, admin_backend& backend) {
    validate(cfg);
    _impl = std::make_unique<impl>(std::move(cfg), backend);
    impl& s = *_impl;

    if (!s.cfg.tls_cert_file.empty()) {
        s.tls_ctx.emplace(ssl::context::tls_server);
        s.tls_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                               ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                               ssl::context::single_dh_use);
        beast::error_code ec;
        const std::string cert = read_pem(s.cfg.tls_cert_file, "TLS certificate");
        s.tls_ctx->use_certificate_chain(net::buffer(cert), ec);
        if (ec) throw std::runtime_error("admin: cannot load TLS certificate " + s.cfg.tls_cert_file + ": " + ec.message());
        std::string key = read_pem(s.cfg.tls_key_file, "TLS key");
        s.tls_ctx->use_private_key(net::buffer(key), ssl::context::pem, ec);
        OPENSSL_cleanse(key.data(), key.size());  // the context holds its own copy
        if (ec) throw std::runtime_error("admin: cannot load TLS key " + s.cfg.tls_key_file + ": " + ec.message());
    }

    beast::error_code ec;
    auto addr = net::ip::make_address(s.cfg.address, ec);
    if (ec) throw std::invalid_argument("admin.address: not an IP address: " + s.cfg.address);
    tcp::endpoint ep(addr, s.cfg.port);
    auto fail = [&](const char* what) {
        throw std::runtime_error("admin: cannot listen on " + s.cfg.address + ":" + std::to_string(s.cfg.port) +
                                 ": " + what + ": " + ec.message());
    };
    s.acceptor.open(ep.protocol(), ec);
    if (ec) fail("open");
    s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (ec) fail("SO_REUSEADDR");
    s.acceptor.bind(ep, ec);
    if (ec) fail("bind");
    s.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) fail("listen");
    s.bound_port = s.acceptor.local_endpoint().port();

    s.do_accept();
    s.threads.reserve(s.cfg.io_threads);
    for (unsigned i = 0; i < s.cfg.io_threads; ++i) {
        s.threads.emplace_back([&s] {
            lower_priority(s.cfg.nice);
            // A handler that throws (only std::bad_alloc is plausible) must not take
            // the process down: log-free restart of the loop, as Asio allows.
            for (;;) {
                try {
                    s.ioc.run();
                    return;
                } catch (...) {
                    s.backend_exceptions.fetch_add(1, std::memory_order_relaxed);
                }
            }
        });
    }
}

admin_server::~admin_server() { stop(); }

void admin_server::stop() {
    if (!_impl || _impl->stopped.exchange(true)) return;
    impl& s = *_impl;
    s.ioc.stop();
    for (auto& t : s.threads) t.join();
    s.threads.clear();
    beast::error_code ignored;
    s.acceptor.close(ignored);
    // Backend calls in flight finish; their responses are posted to the stopped
    // io_context and destroyed with it.
    s.backend_pool.join();
}

uint16_t admin_server::port() const noexcept { return _impl->bound_port; }
bool admin_server::tls() const noexcept { return _impl->tls_ctx.has_value(); }

admin_counters admin_server::counters() const noexcept {
    admin_counters c;
    const impl& s = *_impl;
    for (std::size_t e = 0; e < admin_endpoint_count; ++e)
        for (std::size_t i = 0; i < admin_counted_status.size(); ++i)
            c.requests[e][i] = s.requests[e][i].load(std::memory_order_relaxed);
    c.connections_accepted = s.accepted.load(std::memory_order_relaxed);
    c.connections_active = s.active.load(std::memory_order_relaxed);
    c.rejected_connection_limit = s.rejected_limit.load(std::memory_order_relaxed);
    c.timeouts = s.timeouts.load(std::memory_order_relaxed);
    c.parse_errors = s.parse_errors.load(std::memory_order_relaxed);
    c.tls_handshake_failures = s.tls_failures.load(std::memory_order_relaxed);
    c.backend_exceptions = s.backend_exceptions.load(std::memory_order_relaxed);
    return c;
}

}  // namespace txscreen
