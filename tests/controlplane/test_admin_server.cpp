// Integration tests for the admin REST server (controlplane/admin_server.h): a real
// server on an ephemeral loopback port, a small in-test backend that keeps counters, a
// ruleset and a pattern file, libcurl as the client, raw sockets for slow, garbage and
// idle clients, `openssl req` for the TLS certificate and headless Chromium (when
// installed) for the dashboard.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <toml++/toml.h>

#include "common/latency_histogram.h"
#include "common/pan_token.h"
#include "controlplane/admin_metrics.h"
#include "controlplane/admin_server.h"

using namespace txscreen;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr const char* test_token = "test-token-0123456789abcdef";
constexpr const char* known_pan = "4111111111111111";

std::string hex(const uint8_t* p, std::size_t n) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += d[p[i] >> 4];
        s += d[p[i] & 15];
    }
    return s;
}

// A small but real backend: counters that advance on every stats read, a ruleset
// validated as TOML with [[rule]] tables, a pattern file validated line by line,
// one known card looked up by PAN (tokenized here) or by token.
class test_backend final : public admin_backend {
public:
    test_backend() : _tok("0123456789abcdef0123456789abcdef") {
        uint8_t t[card_token_bytes];
        _tok.tokenize_pan(known_pan, 16, t);
        known_token = hex(t, card_token_bytes);
        for (uint64_t ns : {800u, 1200u, 1500u, 2100u, 9000u, 40000u}) _latency.record(ns);
    }

    std::atomic<bool> is_healthy{true};
    std::atomic<bool> is_ready{true};
    std::atomic<bool> draining{false};
    std::atomic<int> put_delay_ms{0};
    std::atomic<uint64_t> verdicts{0};
    std::atomic<uint64_t> alerts{0};
    std::atomic<uint64_t> velocity_lookups{0};
    std::string known_token;

    bool healthy() override { return is_healthy; }
    readiness ready() override {
        if (draining) return {false, "draining"};
        return {is_ready.load(), is_ready ? "" : "ports down"};
    }
    void write_metrics(std::string& out) override {
        prometheus_text p(out);
        p.family("txscreen_verdicts_total", "counter", "Verdicts, by decision");
        p.sample("txscreen_verdicts_total", {{"decision", "allow"}}, verdicts.load());
        p.sample("txscreen_verdicts_total", {{"decision", "block"}}, alerts.load());
        p.family("txscreen_latency_seconds", "summary", "rx to verdict latency");
        p.latency_summary("txscreen_latency_seconds", {}, _latency);
    }
    std::string stats_json() override {
        // Each read advances the counters, so the dashboard sees throughput.
        uint64_t v = verdicts += 5000;
        uint64_t a = alerts += 50;
        std::lock_guard lk(_mu);
        std::ostringstream s;
        s << "{\"uptime_s\":" << 3725 << ",\"ready\":" << (is_ready ? "true" : "false")
          << ",\"draining\":" << (draining ? "true" : "false") << ",\"ruleset_version\":" << _rules_version
          << ",\"patterns_version\":" << _patterns_version << ",\"counters\":{\"rx_packets\":" << v / 4
          << ",\"decoded\":" << v << ",\"verdicts\":" << v << ",\"alerts\":" << a << "}"
          << ",\"latency_ns\":{\"p50\":" << _latency.quantile(0.5) << ",\"p99\":" << _latency.quantile(0.99)
          << ",\"max\":" << _latency.max() << "}"
          << ",\"drops\":{\"imissed\":" << v / 1000 << ",\"feed_gaps\":3}"
          << ",\"backlog\":{\"kafka_pending\":120,\"spool_files\":2}"
          << ",\"alerts_by_rule\":{\"burst\":" << a / 2 << ",\"card_testing\":" << a / 5 << "}"
          << ",\"rejects_by_reason\":{\"bad_bitmap\":4}"
          << ",\"cases\":{\"opened\":7,\"open\":3}," << analytics_json << "}";
        return s.str();
    }
    // The "analytics" member (docs/admin.md): windows with a missing minute, a merchant id
    // that is markup (merchant ids come from the feed), a case, an alert-rate spike.
    static constexpr const char* analytics_json =
        "\"analytics\":{\"windows\":["
        "{\"start_ms\":1699999860000,\"transactions\":1200,\"alerts\":12,\"reviews\":3,\"blocks\":1},"
        "{\"start_ms\":1699999980000,\"transactions\":1500,\"alerts\":180,\"reviews\":9,\"blocks\":4}],"
        "\"top_merchants\":[{\"merchant\":\"<img src=x onerror=document.body.dataset.xss=1>\","
        "\"transactions\":50,\"alerts\":20,\"alert_rate\":0.4},"
        "{\"merchant\":\"MERCH-0042\",\"transactions\":400,\"alerts\":8,\"alert_rate\":0.02}],"
        "\"cases\":[{\"case_id\":\"00000000000000a7\",\"card_masked\":\"41111111...1111\",\"alerts\":4,"
        "\"max_score\":91,\"opened_ms\":1700000000000,\"last_ms\":1700000425000}],"
        "\"spikes\":[{\"kind\":\"alert_rate\",\"dimension\":\"mcc\",\"key\":\"7995\","
        "\"window_start_ms\":1699999980000,\"observed\":0.12,\"baseline\":0.01,\"z\":8.44}]}";

    std::string rules_text() override {
        std::lock_guard lk(_mu);
        return _rules;
    }
    put_result put_rules(std::string_view body) override {
        if (int d = put_delay_ms.load()) std::this_thread::sleep_for(std::chrono::milliseconds(d));
        std::string err;
        try {
            toml::table t = toml::parse(body);
            auto* rules = t["rule"].as_array();
            if (!rules || rules->empty()) err = "no [[rule]] table";
            else
                for (auto& r : *rules) {
                    auto* tbl = r.as_table();
                    if (!tbl || !(*tbl)["name"].is_string() || !(*tbl)["limit"].is_number()) {
                        err = "every [[rule]] needs name (string) and limit (number)";
                        break;
                    }
                }
        } catch (const toml::parse_error& e) {
            err = "line " + std::to_string(e.source().begin.line) + ": " + std::string(e.description());
        }
        std::lock_guard lk(_mu);
        if (!err.empty()) return {false, _rules_version, err};
        _rules = std::string(body);
        return {true, ++_rules_version, {}};
    }
    std::string patterns_text() override {
        std::lock_guard lk(_mu);
        return _patterns;
    }
    // The server's part of /api/v1/model is routing and status codes; the model itself
    // is tested in tests/model and through the appliance.
    std::optional<std::string> model_json() override { return std::nullopt; }
    put_result put_model(std::string_view) override { return {false, 0, "no model in this test backend"}; }
    put_result put_patterns(std::string_view body) override {
        std::istringstream in{std::string(body)};
        std::string line;
        int n = 0;
        while (std::getline(in, line)) {
            ++n;
            if (line.empty() || line[0] == '#') continue;
            std::size_t colon = line.find(":/");
            bool ok = colon != std::string::npos && colon > 0 &&
                      line.find_first_not_of("0123456789") == colon && line.find('/', colon + 2) != std::string::npos;
            if (!ok) {
                std::lock_guard lk(_mu);
                return {false, _patterns_version, "line " + std::to_string(n) + ": expected id:/regex/flags"};
            }
        }
        std::lock_guard lk(_mu);
        _patterns = std::string(body);
        return {true, ++_patterns_version, {}};
    }
    std::optional<std::string> card_velocity_json(std::string_view key) override {
        ++velocity_lookups;
        std::string token(key);
        if (key.size() != 32) {
            uint8_t t[card_token_bytes];
            _tok.tokenize_pan(key.data(), key.size(), t);
            token = hex(t, card_token_bytes);
        }
        if (token != known_token) return std::nullopt;
        return "{\"card_token\":\"" + token + "\",\"last4\":\"1111\",\"count_1h\":3}";
    }
    std::string drain() override {
        draining = true;
        return "{\"draining\":true}";
    }

private:
    pan_tokenizer _tok;
    latency_histogram _latency;
    std::mutex _mu;
    std::string _rules = "[[rule]]\nname = \"burst\"\nkey = \"card\"\nlimit = 3\n";
    std::string _patterns = "1:/casino/i gambling 30 merchant_name\n";
    uint64_t _rules_version = 1;
    uint64_t _patterns_version = 1;
};

// ---- libcurl client

struct reply {
    long status = 0;
    CURLcode rc = CURLE_OK;
    std::string body;
    std::string headers;
    bool has_header(const std::string& line_prefix) const {
        std::string h = headers;
        for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string p = line_prefix;
        for (auto& c : p) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return h.find("\r\n" + p) != std::string::npos;
    }
};

struct req_opts {
    std::string token = test_token;  // empty: no Authorization header
    std::string body;
    bool expect_continue = false;
    std::string ca_file;
    long timeout_ms = 10000;
};

std::size_t collect(char* p, std::size_t size, std::size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, size * n);
    return size * n;
}

reply http(const std::string& method, const std::string& url, const req_opts& o = {}) {
    // No Catch2 macro in here: it runs on several threads at once (Catch2 is not
    // thread-safe); failures show as rc != CURLE_OK and status 0.
    static const bool init = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
    reply r;
    CURL* c = init ? curl_easy_init() : nullptr;
    if (c == nullptr) {
        r.rc = CURLE_FAILED_INIT;
        return r;
    }
    curl_slist* hdrs = nullptr;
    std::string auth = "Authorization: Bearer " + o.token;
    if (!o.token.empty()) hdrs = curl_slist_append(hdrs, auth.c_str());
    if (!o.expect_continue) hdrs = curl_slist_append(hdrs, "Expect:");
    else hdrs = curl_slist_append(hdrs, "Expect: 100-continue");
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
    if (!o.body.empty() || method == "PUT" || method == "POST") {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, o.body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(o.body.size()));
    }
    r.rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return r;
}

// ---- raw sockets

int connect_to(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

void send_all(int fd, std::string_view s) {
    while (!s.empty()) {
        ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
        if (n <= 0) return;  // the server may close on us mid-garbage: that is allowed
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Reads until the peer closes or `limit` passes. closed = EOF/reset seen.
struct raw_read {
    std::string data;
    bool closed = false;
};
raw_read read_until_close(int fd, std::chrono::milliseconds limit) {
    raw_read r;
    auto deadline = steady::now() + limit;
    char buf[4096];
    while (steady::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now()).count());
        if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            r.closed = true;
            break;
        }
        r.data.append(buf, static_cast<std::size_t>(n));
    }
    return r;
}

// ---- fixture

struct server_fixture {
    test_backend backend;
    std::mutex log_mu;
    std::vector<std::string> log;
    std::unique_ptr<admin_server> server;
    std::string base;

    explicit server_fixture(admin_config cfg = {}) {
        cfg.address = "127.0.0.1";
        cfg.port = 0;
        cfg.token = test_token;
        cfg.access_log = [this](std::string_view line) {
            std::lock_guard lk(log_mu);
            log.emplace_back(line);
        };
        server = std::make_unique<admin_server>(std::move(cfg), backend);
        base = std::string(server->tls() ? "https" : "http") + "://127.0.0.1:" + std::to_string(server->port());
    }
    std::string all_log() {
        std::lock_guard lk(log_mu);
        std::string s;
        for (auto& l : log) s += l + "\n";
        return s;
    }
};

// The server closes the socket before its handler counts the timeout: poll briefly.
uint64_t timeouts_after_settling(admin_server& s, uint64_t want) {
    for (int i = 0; i < 100 && s.counters().timeouts < want; ++i) std::this_thread::sleep_for(10ms);
    return s.counters().timeouts;
}

admin_config quick_timeouts() {
    admin_config c;
    c.header_timeout = 1000ms;
    c.body_timeout = 1000ms;
    return c;
}

}  // namespace

TEST_CASE("admin: healthz and readyz answer without a token and follow the backend", "[admin][integration]") {
    server_fixture f;
    reply h = http("GET", f.base + "/healthz", {.token = ""});
    CHECK(h.status == 200);
    CHECK(h.body.find("\"ok\"") != std::string::npos);
    CHECK(http("GET", f.base + "/readyz", {.token = ""}).status == 200);

    f.backend.is_ready = false;
    reply r = http("GET", f.base + "/readyz", {.token = ""});
    CHECK(r.status == 503);
    CHECK(r.body.find("ports down") != std::string::npos);
    f.backend.is_healthy = false;
    CHECK(http("GET", f.base + "/healthz", {.token = ""}).status == 503);
}

TEST_CASE("admin: every protected endpoint answers 401 with WWW-Authenticate to a missing or wrong token",
          "[admin][integration]") {
    server_fixture f;
    const std::pair<const char*, const char*> protected_routes[] = {
        {"GET", "/metrics"},           {"GET", "/api/v1/stats"},     {"GET", "/api/v1/rules"},
        {"PUT", "/api/v1/rules"},      {"GET", "/api/v1/patterns"},  {"PUT", "/api/v1/patterns"},
        {"POST", "/api/v1/drain"},     {"GET", "/api/v1/velocity/card/4111111111111111"},
        {"GET", "/no/such/path"},
    };
    for (auto [method, path] : protected_routes) {
        INFO(method << " " << path);
        reply none = http(method, f.base + path, {.token = "", .body = "x"});
        CHECK(none.status == 401);
        CHECK(none.has_header("WWW-Authenticate: Bearer realm=\"txscreen\""));
        CHECK(none.body.find("\"error\"") != std::string::npos);
        reply wrong = http(method, f.base + path, {.token = "test-token-0123456789abcdeX", .body = "x"});
        CHECK(wrong.status == 401);
        CHECK(wrong.has_header("WWW-Authenticate: Bearer realm=\"txscreen\", error=\"invalid_token\""));
        CHECK(http(method, f.base + path, {.token = "short", .body = "x"}).status == 401);
    }
    CHECK_FALSE(f.backend.draining);  // a refused drain did not reach the backend
    CHECK(f.backend.velocity_lookups == 0);
    admin_counters c = f.server->counters();
    CHECK(c.count(admin_endpoint::stats, 401) == 3);
    CHECK(c.count(admin_endpoint::unknown, 401) == 3);
}

// One request over a raw socket with exactly the header lines given (curl would merge
// or normalise some of them); the server's whole answer.
static std::string raw_exchange(uint16_t port, const std::string& method, const std::string& path,
                         const std::vector<std::string>& header_lines, const std::string& body = "") {
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& h : header_lines) req += h + "\r\n";
    if (!body.empty()) req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    int fd = connect_to(port);
    send_all(fd, req);
    raw_read r = read_until_close(fd, 3000ms);
    ::close(fd);
    return r.data;
}

TEST_CASE("admin: two Authorization headers are a 400 with a JSON error, whichever comes first",
          "[admin][integration]") {
    server_fixture f;
    const std::string good = std::string("Authorization: Bearer ") + test_token;
    const std::string bad = "Authorization: Bearer test-token-0123456789abcdeX";
    // Formerly the first one won: good+bad was served, bad+good was a 401.
    const std::vector<std::vector<std::string>> doubled = {
        {good, bad}, {bad, good}, {good, good}, {good, "authorization: Bearer x"}};
    for (const auto& lines : doubled) {
        INFO(lines[0] << " / " << lines[1]);
        std::string r = raw_exchange(f.server->port(), "GET", "/api/v1/stats", lines);
        CHECK(r.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
        CHECK(r.find("Content-Type: application/json") != std::string::npos);
        CHECK(r.find("{\"error\":\"malformed request: more than one Authorization header\"}") != std::string::npos);
        CHECK(r.find("\"verdicts\"") == std::string::npos);  // no stats leaked
    }
    // A write with two credentials does not reach the backend.
    std::string put = raw_exchange(f.server->port(), "PUT", "/api/v1/rules", {bad, good},
                                   "[[rule]]\nname = \"swapped\"\nlimit = 2\n");
    CHECK(put.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(http("GET", f.base + "/api/v1/rules").body.find("burst") != std::string::npos);
    std::string drain = raw_exchange(f.server->port(), "POST", "/api/v1/drain", {good, good});
    CHECK(drain.rfind("HTTP/1.1 400", 0) == 0);
    CHECK_FALSE(f.backend.draining);
    // Unprotected routes refuse them too: the request is malformed wherever it goes.
    CHECK(raw_exchange(f.server->port(), "GET", "/healthz", {good, bad}).rfind("HTTP/1.1 400", 0) == 0);
    // One header still works, and the refusals are counted as parse errors.
    CHECK(raw_exchange(f.server->port(), "GET", "/api/v1/stats", {good}).rfind("HTTP/1.1 200", 0) == 0);
    admin_counters c = f.server->counters();
    CHECK(c.count(admin_endpoint::stats, 400) == 4);
    CHECK(c.parse_errors == 7);
}

TEST_CASE("admin: the bearer token compares exactly: one space after the scheme, nothing trimmed",
          "[admin][integration]") {
    server_fixture f;
    const std::string tok = test_token;
    auto status_with = [&](const std::string& auth_line) {
        std::string r = raw_exchange(f.server->port(), "GET", "/api/v1/stats", {auth_line});
        return r.size() >= 12 ? std::stoi(r.substr(9, 3)) : 0;
    };
    CHECK(status_with("Authorization: Bearer " + tok) == 200);
    CHECK(status_with("Authorization: bearer " + tok) == 200);  // the scheme is case-insensitive (RFC 7235)
    // Formerly all accepted: spaces around the token were trimmed.
    CHECK(status_with("Authorization: Bearer  " + tok) == 401);
    CHECK(status_with("Authorization: Bearer   " + tok) == 401);
    CHECK(status_with("Authorization: Bearer " + tok + " x") == 401);
    CHECK(status_with("Authorization: Bearer\t" + tok) == 401);
    CHECK(status_with("Authorization: Bearer " + tok.substr(0, tok.size() - 1)) == 401);
    CHECK(status_with("Authorization: Bearer " + tok + "f") == 401);
    CHECK(status_with("Authorization: Bearer" + tok) == 401);
    CHECK(status_with("Authorization: Basic " + tok) == 401);
    // Whitespace around the whole header value is not part of it in HTTP (RFC 9110
    // 5.5): the parser drops it, so the value compared is still exactly the token.
    CHECK(status_with("Authorization:   Bearer " + tok + "  ") == 200);
    admin_counters c = f.server->counters();
    CHECK(c.count(admin_endpoint::stats, 401) == 8);
}

TEST_CASE("admin: a token that HTTP could not carry exactly is a configuration error", "[admin][integration]") {
    test_backend b;
    admin_config c;
    c.port = 0;
    c.address = "127.0.0.1";
    for (std::string bad : {std::string(" ") + test_token, std::string(test_token) + " ",
                            std::string("test-token-0123\t456789abcdef"), std::string("test-token-0123\n456789abcdef")}) {
        INFO('"' << bad << '"');
        c.token = bad;
        CHECK_THROWS_WITH(admin_server(c, b), Catch::StartsWith("admin.token: must not"));
    }
}

TEST_CASE("admin: stats JSON and Prometheus metrics carry backend and server figures", "[admin][integration]") {
    server_fixture f;
    reply s = http("GET", f.base + "/api/v1/stats");
    REQUIRE(s.status == 200);
    CHECK(s.has_header("Content-Type: application/json"));
    CHECK(s.body.find("\"verdicts\":5000") != std::string::npos);
    CHECK(http("GET", f.base + "/api/v1/stats", {.token = ""}).status == 401);

    reply m = http("GET", f.base + "/metrics");
    REQUIRE(m.status == 200);
    CHECK(m.has_header("Content-Type: text/plain; version=0.0.4"));
    CHECK(m.body.find("# TYPE txscreen_verdicts_total counter\n") != std::string::npos);
    CHECK(m.body.find("txscreen_verdicts_total{decision=\"allow\"} 5000\n") != std::string::npos);
    CHECK(m.body.find("txscreen_latency_seconds{quantile=\"0.5\"} ") != std::string::npos);
    CHECK(m.body.find("txscreen_latency_seconds_count 6\n") != std::string::npos);
    CHECK(m.body.find("txscreen_admin_requests_total{endpoint=\"stats\",code=\"200\"} 1\n") != std::string::npos);
    CHECK(m.body.find("txscreen_admin_requests_total{endpoint=\"stats\",code=\"401\"} 1\n") != std::string::npos);
    CHECK(m.body.find("txscreen_admin_connections_active ") != std::string::npos);
    CHECK(m.body.find("txscreen_admin_timeouts_total 0\n") != std::string::npos);

    // Prometheus' own parser and linter (Debian package prometheus; scripts/install-deps.sh
    // installs it, so in CI its absence is a failure).
    if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true") REQUIRE(::access("/usr/bin/promtool", X_OK) == 0);
    if (::access("/usr/bin/promtool", X_OK) == 0) {
        std::string file = std::filesystem::temp_directory_path() / ("txscreen-metrics-" + std::to_string(::getpid()));
        std::ofstream(file) << m.body;
        std::string cmd = "/usr/bin/promtool check metrics < " + file + " > " + file + ".out 2>&1";
        int rc = std::system(cmd.c_str());
        std::ifstream in(file + ".out");
        std::string lint((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        INFO(lint);
        CHECK(rc == 0);
        std::filesystem::remove(file);
        std::filesystem::remove(file + ".out");
    }
}

TEST_CASE("admin: PUT rules swaps a valid ruleset and refuses a bad one with the line, keeping the old",
          "[admin][integration]") {
    server_fixture f;
    std::string old_rules = http("GET", f.base + "/api/v1/rules").body;
    REQUIRE(old_rules.find("burst") != std::string::npos);

    std::string bad = "[[rule]]\nname = \"x\"\nlimit = = 3\n";
    reply b = http("PUT", f.base + "/api/v1/rules", {.body = bad});
    CHECK(b.status == 400);
    CHECK(b.body.find("\"ok\":false") != std::string::npos);
    CHECK(b.body.find("line 3") != std::string::npos);
    CHECK(b.body.find("\"version\":1") != std::string::npos);
    CHECK(http("GET", f.base + "/api/v1/rules").body == old_rules);

    std::string good = "[[rule]]\nname = \"velocity\"\nkey = \"card\"\nlimit = 10\n";
    reply g = http("PUT", f.base + "/api/v1/rules", {.body = good});
    CHECK(g.status == 200);
    CHECK(g.body == "{\"ok\":true,\"version\":2}\n");
    reply now = http("GET", f.base + "/api/v1/rules");
    CHECK(now.body == good);
    CHECK(now.has_header("Content-Type: application/toml"));

    reply empty = http("PUT", f.base + "/api/v1/rules", {.body = ""});
    CHECK(empty.status == 400);
    CHECK(empty.body.find("empty body") != std::string::npos);
}

TEST_CASE("admin: PUT patterns swaps a valid file and refuses a bad line", "[admin][integration]") {
    server_fixture f;
    reply b = http("PUT", f.base + "/api/v1/patterns", {.body = "1:/ok/ cat 1 merchant_name\nnot a pattern\n"});
    CHECK(b.status == 400);
    CHECK(b.body.find("line 2: expected id:/regex/flags") != std::string::npos);
    CHECK(http("GET", f.base + "/api/v1/patterns").body.find("casino") != std::string::npos);
    reply g = http("PUT", f.base + "/api/v1/patterns", {.body = "7:/lottery/i gambling 40 merchant_name\n"});
    CHECK(g.status == 200);
    CHECK(g.body.find("\"version\":2") != std::string::npos);
    CHECK(http("GET", f.base + "/api/v1/patterns").body.find("lottery") != std::string::npos);
}

TEST_CASE("admin: velocity lookup by PAN or token, 404 unknown, 400 malformed, PAN never logged in clear",
          "[admin][integration]") {
    server_fixture f;
    reply by_pan = http("GET", f.base + "/api/v1/velocity/card/" + known_pan);
    CHECK(by_pan.status == 200);
    CHECK(by_pan.body.find(f.backend.known_token) != std::string::npos);
    reply by_token = http("GET", f.base + "/api/v1/velocity/card/" + f.backend.known_token);
    CHECK(by_token.status == 200);
    CHECK(by_token.body == by_pan.body);
    CHECK(http("GET", f.base + "/api/v1/velocity/card/5500000000000004").status == 404);
    for (const char* bad : {"", "abc", "41111111111111111111111", "4111-1111-1111-1111", "zz11111111111111"}) {
        INFO(bad);
        reply r = http("GET", f.base + "/api/v1/velocity/card/" + bad);
        CHECK(r.status == 400);
        CHECK(r.body.find("PAN (12-19 digits) or a 32-hex-digit token") != std::string::npos);
    }
    // A PAN in a wrong path is masked too.
    CHECK(http("GET", f.base + "/api/v1/velocity/cards/" + known_pan).status == 404);
    CHECK(f.backend.velocity_lookups == 3);

    std::string log = f.all_log();
    CHECK(log.find(known_pan) == std::string::npos);
    CHECK(log.find("5500000000000004") == std::string::npos);
    CHECK(log.find("GET /api/v1/velocity/card/****1111 200") != std::string::npos);
    CHECK(log.find("GET /api/v1/velocity/card/****0004 404") != std::string::npos);
    CHECK(log.find("GET /api/v1/velocity/cards/****1111 404") != std::string::npos);
}

TEST_CASE("admin: POST drain answers 202 and readyz turns 503 with the reason", "[admin][integration]") {
    server_fixture f;
    reply d = http("POST", f.base + "/api/v1/drain");
    CHECK(d.status == 202);
    CHECK(d.body.find("\"draining\":true") != std::string::npos);
    CHECK(f.backend.draining);
    reply r = http("GET", f.base + "/readyz", {.token = ""});
    CHECK(r.status == 503);
    CHECK(r.body == "{\"ready\":false,\"reason\":\"draining\"}\n");
}

TEST_CASE("admin: unknown path 404, wrong method 405 with Allow", "[admin][integration]") {
    server_fixture f;
    reply nf = http("GET", f.base + "/api/v2/stats");
    CHECK(nf.status == 404);
    CHECK(nf.body.find("\"error\"") != std::string::npos);
    struct {
        const char* method;
        const char* path;
        const char* allow;
    } cases[] = {{"POST", "/api/v1/stats", "GET"},        {"DELETE", "/api/v1/rules", "GET, PUT"},
                 {"GET", "/api/v1/drain", "POST"},        {"PUT", "/healthz", "GET"},
                 {"POST", "/metrics", "GET"},             {"PATCH", "/api/v1/patterns", "GET, PUT"}};
    for (auto& c : cases) {
        INFO(c.method << " " << c.path);
        reply r = http(c.method, f.base + c.path, {.body = "x"});
        CHECK(r.status == 405);
        CHECK(r.has_header(std::string("Allow: ") + c.allow + "\r\n"));
    }
    CHECK_FALSE(f.backend.draining);
}

TEST_CASE("admin: bodies over the limit get 413 before they are read, the ruleset is unchanged",
          "[admin][integration]") {
    admin_config cfg;
    cfg.body_limit = 64 << 10;
    server_fixture f(cfg);
    std::string big(100 << 10, '#');
    reply r = http("PUT", f.base + "/api/v1/rules", {.body = big});
    CHECK(r.status == 413);
    CHECK(r.body.find("body larger than 65536 bytes") != std::string::npos);
    reply rc = http("PUT", f.base + "/api/v1/rules", {.body = big, .expect_continue = true});
    CHECK(rc.status == 413);
    CHECK(http("GET", f.base + "/api/v1/rules").body.find("burst") != std::string::npos);
    // Authentication comes first: an anonymous client does not learn the limit.
    CHECK(http("PUT", f.base + "/api/v1/rules", {.token = "", .body = big}).status == 401);

    // Chunked: no Content-Length up front, so the limit trips while reading.
    int fd = connect_to(f.server->port());
    std::string req = std::string("PUT /api/v1/rules HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + test_token +
                      "\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) req += "4000\r\n" + std::string(0x4000, 'a') + "\r\n";
    send_all(fd, req);
    raw_read rr = read_until_close(fd, 5000ms);
    ::close(fd);
    CHECK(rr.data.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(f.server->counters().count(admin_endpoint::rules, 413) == 3);
}

TEST_CASE("admin: malformed requests get 400 with a JSON message; garbage never stops the server",
          "[admin][integration]") {
    server_fixture f;
    const char* malformed[] = {
        "GARBAGE\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n",
        "GET /healthz HTTP/7.1\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  // a TLS ClientHello to a plain port
    };
    for (const char* m : malformed) {
        INFO(m);
        int fd = connect_to(f.server->port());
        send_all(fd, std::string_view(m, std::strlen(m)));
        raw_read r = read_until_close(fd, 3000ms);
        ::close(fd);
        CHECK(r.closed);
        CHECK(r.data.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
        CHECK(r.data.find("{\"error\":\"malformed request: ") != std::string::npos);
    }
    // An oversized header is refused with 431.
    {
        int fd = connect_to(f.server->port());
        send_all(fd, "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
        raw_read r = read_until_close(fd, 3000ms);
        ::close(fd);
        CHECK(r.data.rfind("HTTP/1.1 431", 0) == 0);
    }
    // Random bytes, some after a valid request line.
    std::mt19937 rng(12345);
    for (int i = 0; i < 200; ++i) {
        std::string junk(1 + rng() % 2000, '\0');
        for (auto& c : junk) c = static_cast<char>(rng());
        if (i % 2) junk = "PUT /api/v1/rules HTTP/1.1\r\n" + junk;
        int fd = connect_to(f.server->port());
        send_all(fd, junk);
        ::shutdown(fd, SHUT_WR);
        read_until_close(fd, 3000ms);
        ::close(fd);
    }
    CHECK(http("GET", f.base + "/healthz", {.token = ""}).status == 200);
    admin_counters c = f.server->counters();
    CHECK(c.parse_errors >= 6);
    CHECK(c.count(admin_endpoint::unknown, 400) >= 6);
}

TEST_CASE("admin: a slow client is closed after the header timeout while others are served",
          "[admin][integration]") {
    server_fixture f(quick_timeouts());  // io_threads = 1: one thread serves everyone
    int slow = connect_to(f.server->port());
    send_all(slow, "GET /api/v1/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor");
    auto t0 = steady::now();

    for (int i = 0; i < 5; ++i) {
        auto q0 = steady::now();
        reply r = http("GET", f.base + "/healthz", {.token = ""});
        CHECK(r.status == 200);
        CHECK(steady::now() - q0 < 500ms);
    }
    raw_read r = read_until_close(slow, 5000ms);
    auto waited = steady::now() - t0;
    ::close(slow);
    CHECK(r.closed);
    CHECK(r.data.empty());  // closed without an answer to the half request
    CHECK(waited >= 800ms);
    CHECK(waited < 3000ms);

    // Slow body: full header, then less body than announced.
    int slow_body = connect_to(f.server->port());
    send_all(slow_body, std::string("PUT /api/v1/rules HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + test_token +
                            "\r\nContent-Length: 100\r\n\r\n[[rule]]\n");
    raw_read rb = read_until_close(slow_body, 5000ms);
    ::close(slow_body);
    CHECK(rb.closed);
    CHECK(timeouts_after_settling(*f.server, 2) == 2);
    CHECK(http("GET", f.base + "/api/v1/rules").body.find("burst") != std::string::npos);

    // An idle keep-alive connection that never sent a byte is closed too, but is not a timeout.
    int idle = connect_to(f.server->port());
    CHECK(read_until_close(idle, 5000ms).closed);
    ::close(idle);
    CHECK(timeouts_after_settling(*f.server, 3) == 2);
}

TEST_CASE("admin: a slow backend call (a long compile) does not hold up other requests", "[admin][integration]") {
    server_fixture f;
    f.backend.put_delay_ms = 1500;
    std::atomic<long> put_status{0};
    std::thread put([&] {
        put_status = http("PUT", f.base + "/api/v1/rules", {.body = "[[rule]]\nname = \"a\"\nlimit = 1\n"}).status;
    });
    std::this_thread::sleep_for(200ms);
    auto t0 = steady::now();
    CHECK(http("GET", f.base + "/api/v1/stats").status == 200);
    CHECK(steady::now() - t0 < 1000ms);
    put.join();
    CHECK(put_status == 200);
    CHECK(http("GET", f.base + "/api/v1/rules").body.find("name = \"a\"") != std::string::npos);
}

TEST_CASE("admin: many concurrent clients are all served and counted", "[admin][integration]") {
    admin_config cfg;
    cfg.io_threads = 2;
    server_fixture f(cfg);
    constexpr int threads = 16, per_thread = 25;
    std::atomic<int> ok{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i)
                if (http("GET", f.base + "/api/v1/stats").status == 200) ++ok;
        });
    for (auto& t : ts) t.join();
    CHECK(ok == threads * per_thread);
    CHECK(f.server->counters().count(admin_endpoint::stats, 200) == threads * per_thread);
    CHECK(f.backend.verdicts == 5000u * threads * per_thread);
}

TEST_CASE("admin: connections beyond max_connections get 503 and are counted", "[admin][integration]") {
    admin_config cfg;
    cfg.max_connections = 4;
    server_fixture f(cfg);
    std::vector<int> held;
    for (int i = 0; i < 4; ++i) held.push_back(connect_to(f.server->port()));
    // Wait until the server has accepted all four.
    for (int i = 0; i < 100 && f.server->counters().connections_active < 4; ++i) std::this_thread::sleep_for(10ms);
    REQUIRE(f.server->counters().connections_active == 4);

    reply r = http("GET", f.base + "/healthz", {.token = ""});
    CHECK(r.status == 503);
    CHECK(r.has_header("Retry-After: 1"));
    CHECK(r.body.find("too many open connections") != std::string::npos);
    CHECK(f.server->counters().rejected_connection_limit == 1);

    for (int fd : held) ::close(fd);
    for (int i = 0; i < 200 && f.server->counters().connections_active > 0; ++i) std::this_thread::sleep_for(10ms);
    CHECK(http("GET", f.base + "/healthz", {.token = ""}).status == 200);
    reply m = http("GET", f.base + "/metrics");
    CHECK(m.body.find("txscreen_admin_rejected_connections_total{reason=\"connection_limit\"} 1\n") !=
          std::string::npos);
}

TEST_CASE("admin: configuration errors name the key; a busy port names the address", "[admin][integration]") {
    test_backend b;
    admin_config c;
    c.port = 0;
    CHECK_THROWS_WITH(admin_server(c, b), Catch::Contains("admin.token"));
    c.token = test_token;
    c.tls_cert_file = "/nonexistent.pem";
    CHECK_THROWS_WITH(admin_server(c, b), Catch::Contains("set both or neither"));
    c.tls_key_file = "/nonexistent.key";
    CHECK_THROWS_WITH(admin_server(c, b), "admin: cannot load TLS certificate /nonexistent.pem: no such file");
    // Read bounded: a device or a directory is refused at once, not read for ever.
    c.tls_cert_file = "/dev/zero";
    CHECK_THROWS_WITH(admin_server(c, b),
                      "admin: cannot load TLS certificate /dev/zero: not a regular file (character device)");
    c.tls_cert_file = "/";
    CHECK_THROWS_WITH(admin_server(c, b), "admin: cannot load TLS certificate /: is a directory");
    c.tls_cert_file.clear();
    c.tls_key_file.clear();
    c.address = "localhost:80";
    CHECK_THROWS_WITH(admin_server(c, b), Catch::Contains("admin.address"));
    c.address = "127.0.0.1";
    admin_server first(c, b);
    c.port = first.port();
    CHECK_THROWS_WITH(admin_server(c, b),
                      Catch::Contains("cannot listen on 127.0.0.1:" + std::to_string(first.port())));
}

TEST_CASE("admin: TLS with a self-signed certificate; plaintext to the TLS port fails cleanly",
          "[admin][integration][tls]") {
    namespace fs = std::filesystem;
    fs::path dir = fs::temp_directory_path() / ("txscreen-admin-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
    std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
                      "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert + " >/dev/null 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);

    admin_config cfg = quick_timeouts();
    cfg.tls_cert_file = cert;
    cfg.tls_key_file = "/dev/zero";  // read bounded: refused at once, not read for ever
    CHECK_THROWS_WITH(server_fixture(cfg), "admin: cannot load TLS key /dev/zero: not a regular file (character device)");
    cfg.tls_key_file = key;
    server_fixture f(cfg);
    REQUIRE(f.server->tls());
    REQUIRE(f.base.rfind("https://", 0) == 0);

    reply s = http("GET", f.base + "/api/v1/stats", {.ca_file = cert});
    CHECK(s.rc == CURLE_OK);
    CHECK(s.status == 200);
    CHECK(s.body.find("\"verdicts\"") != std::string::npos);
    CHECK(http("GET", f.base + "/api/v1/stats", {.token = "", .ca_file = cert}).status == 401);
    CHECK(http("PUT", f.base + "/api/v1/rules", {.body = "[[rule]]\nname = \"t\"\nlimit = 2\n", .ca_file = cert})
              .status == 200);

    // Certificate not trusted by the client: the handshake fails, nothing is served.
    reply untrusted = http("GET", f.base + "/healthz", {.token = ""});
    CHECK(untrusted.rc != CURLE_OK);
    // Plain HTTP to the TLS port.
    reply plain = http("GET", "http://127.0.0.1:" + std::to_string(f.server->port()) + "/healthz", {.token = ""});
    CHECK(plain.status != 200);
    // A TLS client that stops mid-handshake times out.
    int fd = connect_to(f.server->port());
    CHECK(read_until_close(fd, 5000ms).closed);
    ::close(fd);

    CHECK(http("GET", f.base + "/healthz", {.token = "", .ca_file = cert}).status == 200);
    admin_counters c = f.server->counters();
    CHECK(c.tls_handshake_failures >= 2);
    CHECK(timeouts_after_settling(*f.server, 1) >= 1);
    fs::remove_all(dir);
}

TEST_CASE("admin: the dashboard page is self-contained and served without a token", "[admin][integration]") {
    server_fixture f;
    reply p = http("GET", f.base + "/", {.token = ""});
    REQUIRE(p.status == 200);
    CHECK(p.has_header("Content-Type: text/html"));
    CHECK(p.has_header("Content-Security-Policy: default-src 'none'"));
    CHECK(p.body.find("<canvas id=\"c_tput\"") != std::string::npos);
    // The analytics section: minute chart and the three tables.
    for (const char* id : {"<canvas id=\"c_minutes\"", "<table id=\"t_merchants\"", "<table id=\"t_cases\"",
                           "<table id=\"t_spikes\"", "id=\"open_cases\""})
        CHECK(p.body.find(id) != std::string::npos);
    // Text from the feed (merchant ids, keys) is never parsed as HTML.
    CHECK(p.body.find("innerHTML") == std::string::npos);
    CHECK(p.body.find("insertAdjacentHTML") == std::string::npos);
    CHECK(p.body.find("/api/v1/stats") != std::string::npos);
    CHECK(p.body.find("sessionStorage") != std::string::npos);
    // No external asset: no absolute URL anywhere in the page.
    CHECK(p.body.find("http://") == std::string::npos);
    CHECK(p.body.find("https://") == std::string::npos);
    CHECK(p.body.find("//cdn") == std::string::npos);
}

TEST_CASE("admin: headless Chromium renders the dashboard with live throughput", "[admin][integration][browser]") {
    const char* candidates[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"};
    std::string browser;
    for (const char* c : candidates)
        if (::access(c, X_OK) == 0) browser = c;
    if (browser.empty()) {
        // scripts/install-deps.sh installs chromium: in CI a missing browser is a failure.
        const char* ci = std::getenv("CI");
        if (ci && std::string(ci) == "true") FAIL("no Chromium installed (scripts/install-deps.sh installs it)");
        WARN("no Chromium installed (apt-get install -y chromium): dashboard rendering not checked");
        return;
    }
    namespace fs = std::filesystem;
    server_fixture f;
    fs::path dir = fs::temp_directory_path() / ("txscreen-admin-chromium-" + std::to_string(::getpid()));
    fs::create_directories(dir / "profile");
    const char* keep = std::getenv("TXSCREEN_DASHBOARD_SCREENSHOT");  // where to save the screenshot
    std::string shot = keep ? std::string(keep) : (dir / "dashboard.png").string();
    std::string url = f.base + "/#token=" + test_token;
    std::string common = browser +
        " --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update"
        " --disable-sync --no-first-run --disable-dev-shm-usage --hide-scrollbars --window-size=1280,1000"
        " --virtual-time-budget=6000 --user-data-dir=" + (dir / "profile").string();
    std::string dom_file = (dir / "dom.html").string();
    REQUIRE(std::system((common + " --dump-dom '" + url + "' > " + dom_file + " 2>/dev/null").c_str()) == 0);
    std::ifstream in(dom_file);
    std::string dom((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The verdicts/s tile holds the last measured rate: > 0 once two polls came back.
    std::size_t at = dom.find("id=\"tput\" data-value=\"");
    REQUIRE(at != std::string::npos);
    double rate = std::atof(dom.c_str() + at + std::strlen("id=\"tput\" data-value=\""));
    CHECK(rate > 0);
    CHECK(f.server->counters().count(admin_endpoint::stats, 200) >= 2);
    CHECK(f.all_log().find(test_token) == std::string::npos);  // the token travels in a header only

    // Alerts & analytics: the tables hold the stats' rows; the merchant id that is markup
    // is shown as text (escaped in the serialized DOM), no element was made of it.
    CHECK(dom.find("id=\"t_merchants\" data-rows=\"2\"") != std::string::npos);
    CHECK(dom.find("<td class=\"t\">&lt;img src=x onerror=document.body.dataset.xss=1&gt;</td>"
                   "<td>50</td><td>20</td><td>40.00%</td>") != std::string::npos);
    CHECK(dom.find("<img") == std::string::npos);
    CHECK(dom.find("data-xss") == std::string::npos);  // the markup's handler never ran
    CHECK(dom.find("<td class=\"t\">00000000000000a7</td><td class=\"t\">41111111...1111</td><td>4</td><td>91</td>"
                   "<td>22:13:20</td><td>22:20:25</td>") != std::string::npos);
    CHECK(dom.find("<td class=\"t\">alert_rate</td><td class=\"t\">mcc</td><td class=\"t\">7995</td>"
                   "<td>22:13:00</td><td>12.00%</td><td>1.00%</td><td>8.4</td>") != std::string::npos);
    CHECK(dom.find("id=\"open_cases\">3<") != std::string::npos);
    CHECK(dom.find("id=\"analytics\" style=\"display: block;\"") != std::string::npos);

    CHECK(std::system((common + " --screenshot=" + shot + " '" + url + "' >/dev/null 2>&1").c_str()) == 0);
    CHECK(fs::exists(shot));
    CHECK(fs::file_size(shot) > 10000);
    if (!keep) fs::remove_all(dir);
}
