// The webhook sink against a real HTTP server (tests/controlplane/webhook_receiver.py,
// started and killed here): every notification arrives at least once across an outage
// of the receiver and across a restart of the sink, each signature verifies (checked
// by the receiver with Python's hmac), and a wrong URL, TLS against a plain server, a
// 4xx and spent retries are counted, named by ready() and dead-lettered.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/verdict_json.h"
#include "controlplane/webhook/webhook_keys.h"
#include "controlplane/webhook/webhook_sink.h"
#include "kafka_verdicts.h"
#include "temp_dir.h"

using namespace txscreen;
using json = nlohmann::json;

namespace {

const std::string secret = "whsec_delivery_test_secret";

// One run of webhook_receiver.py; killed (SIGKILL) when it goes out of scope.
class receiver {
public:
    receiver(const std::string& dir, int port, std::vector<std::string> extra = {}) : _log(dir + "/hooks.jsonl") {
        const std::string port_file = dir + "/port-" + std::to_string(++_runs);
        std::vector<std::string> args = {"/usr/bin/python3", WEBHOOK_RECEIVER, "--log", _log, "--port-file", port_file,
                                         "--port", std::to_string(port), "--secret", secret};
        args.insert(args.end(), extra.begin(), extra.end());
        _pid = ::fork();
        if (_pid == 0) {
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        REQUIRE(_pid > 0);
        for (int i = 0; i < 200 && _port == 0; ++i) {
            std::ifstream f(port_file);
            if (!(f >> _port)) std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        REQUIRE(_port > 0);
    }
    ~receiver() { kill(); }
    void kill() {
        if (_pid <= 0) return;
        ::kill(_pid, SIGKILL);
        ::waitpid(_pid, nullptr, 0);
        _pid = -1;
    }
    int port() const { return _port; }
    // Every request recorded so far (all runs append to one log).
    std::vector<json> requests() const {
        std::vector<json> out;
        std::ifstream f(_log);
        for (std::string line; std::getline(f, line);)
            if (!line.empty()) out.push_back(json::parse(line));
        return out;
    }

private:
    static inline int _runs = 0;
    std::string _log;
    pid_t _pid = -1;
    int _port = 0;
};

// A loopback port nothing listens on (bound, then closed).
int unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

bool wait_for(const std::function<bool()>& done, int seconds = 20) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

webhook_config config_for(int port, const std::string& scheme = "http") {
    webhook_config c;
    c.name = "test-hook";
    c.url = scheme + "://127.0.0.1:" + std::to_string(port) + "/hook";
    c.secret = secret;
    c.notify = webhook_notify::alert;
    c.timeout_ms = 2000;
    c.retries = 1000;  // the outage tests wait for the receiver, never dead-letter
    c.backoff_initial_ms = 20;
    c.backoff_max_ms = 300;
    return c;
}

std::string verdict_text(const Verdict& v) {
    std::string text(verdict_json_max_bytes, '\0');
    text.resize(write_verdict_json(v, {}, text.data(), text.size()));
    return text;
}

// Keys of the requests the receiver answered 2xx, each checked against what was sent.
std::set<std::string> delivered_keys(const receiver& r, const std::map<std::string, std::string>& sent) {
    std::set<std::string> keys;
    for (const json& req : r.requests()) {
        if (req["status"].get<int>() >= 300) continue;
        const std::string key = req["idempotency_key"];
        INFO(key);
        CHECK(req["sig_ok"] == true);
        REQUIRE(sent.count(key) == 1);
        CHECK(req["body"] == sent.at(key));
        keys.insert(key);
    }
    return keys;
}

std::size_t dead_letters(const std::string& queue_dir) {
    std::ifstream f(queue_dir + "/dead-letter.jsonl");
    std::size_t n = 0;
    for (std::string line; std::getline(f, line);) n += !line.empty();
    return n;
}

}  // namespace

TEST_CASE("webhook: every alert arrives across a receiver outage, signed, deduplicated by key", "[webhook]") {
    test::temp_dir dir("txscreen-webhook");
    auto rx = std::make_unique<receiver>(dir.path, 0);
    const int port = rx->port();
    webhook_sink sink(config_for(port), dir.path + "/queue");
    std::map<std::string, std::string> sent;
    auto offer = [&](uint32_t from, uint32_t to) {
        for (uint32_t i = from; i < to; ++i) {
            const Verdict v = test::make_verdict(i, true);
            CHECK(sink.offer(v) == sink_answer::accepted);
            sent[alert_idempotency_key(v)] = verdict_text(v);
            sink.tick();
        }
    };
    offer(0, 20);
    CHECK(sink.offer(test::make_verdict(999, false)) == sink_answer::accepted);  // not an alert: nothing sent
    REQUIRE(wait_for([&] { return sink.counters().delivered == 20; }));
    CHECK(sink.ready(nullptr));

    rx->kill();
    offer(20, 40);
    REQUIRE(wait_for([&] { return sink.counters().failures_of(webhook_failure::connect) > 0; }));
    std::string why;
    CHECK_FALSE(sink.ready(&why));
    CHECK(why.find("webhook test-hook: connect: http://127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(sink.counters().queue_backlog + sink.counters().delivered <= 40);

    rx = std::make_unique<receiver>(dir.path, port);  // the same port, as after a restart
    REQUIRE(wait_for([&] { return sink.counters().delivered == 40; }));
    CHECK(wait_for([&] { return sink.ready(nullptr); }));
    const webhook_counters c = sink.counters();
    CHECK(c.enqueued == 40);
    CHECK(c.retries > 0);
    CHECK(c.dead_lettered == 0);
    CHECK(c.queue_backlog == 0);
    CHECK(sink.close());

    std::set<std::string> expected;
    for (const auto& [key, body] : sent) expected.insert(key);
    CHECK(delivered_keys(*rx, sent) == expected);
}

TEST_CASE("webhook: notifications queued while the endpoint is away survive a restart of the sink", "[webhook]") {
    test::temp_dir dir("txscreen-webhook");
    const int port = unused_port();
    std::map<std::string, std::string> sent;
    {
        webhook_config c = config_for(port);
        c.timeout_ms = 200;  // close() waits this long for the sender
        webhook_sink sink(c, dir.path + "/queue");
        for (uint32_t i = 0; i < 10; ++i) {
            const Verdict v = test::make_verdict(i, true);
            REQUIRE(sink.offer(v) == sink_answer::accepted);
            sent[alert_idempotency_key(v)] = verdict_text(v);
        }
        REQUIRE(wait_for([&] { return sink.counters().failures_of(webhook_failure::connect) > 0; }));
        CHECK(sink.close());
        CHECK(sink.counters().delivered == 0);
        CHECK(sink.counters().queue_backlog == 10);  // on disk, including the one being retried
    }
    receiver rx(dir.path, port);
    webhook_sink again(config_for(port), dir.path + "/queue");
    REQUIRE(wait_for([&] { return again.counters().delivered == 10; }));
    CHECK(again.close());
    CHECK(delivered_keys(rx, sent).size() == 10);
}

TEST_CASE("webhook: a wrong URL and TLS against a plain server are clear, counted errors", "[webhook]") {
    test::temp_dir dir("txscreen-webhook");
    SECTION("nothing listening") {
        webhook_sink sink(config_for(unused_port()), dir.path + "/queue");
        sink.offer(test::make_verdict(1, true));
        REQUIRE(wait_for([&] { return sink.counters().failures_of(webhook_failure::connect) >= 2; }));
        std::string why;
        CHECK_FALSE(sink.ready(&why));
        CHECK(why.rfind("webhook test-hook: connect: ", 0) == 0);
        CHECK(sink.counters().failing_since_ms > 0);
        CHECK(sink.counters().delivered == 0);
    }
    SECTION("https:// against a plain HTTP receiver") {
        receiver rx(dir.path, 0);
        webhook_sink sink(config_for(rx.port(), "https"), dir.path + "/queue");
        sink.offer(test::make_verdict(1, true));
        REQUIRE(wait_for([&] { return sink.counters().failures_of(webhook_failure::tls) >= 1; }));
        std::string why;
        CHECK_FALSE(sink.ready(&why));
        CHECK(why.find("tls: https://127.0.0.1:") != std::string::npos);
        CHECK(sink.counters().failures_of(webhook_failure::connect) == 0);
    }
}

TEST_CASE("webhook: a permanent 4xx is dead-lettered at once, a 5xx after its retries", "[webhook]") {
    test::temp_dir dir("txscreen-webhook");
    const std::string queue = dir.path + "/queue";
    SECTION("400") {
        receiver rx(dir.path, 0, {"--status", "400"});
        webhook_sink sink(config_for(rx.port()), queue);
        sink.offer(test::make_verdict(1, true));
        REQUIRE(wait_for([&] { return sink.counters().dead_lettered == 1; }));
        CHECK(sink.counters().requests == 1);
        CHECK(sink.counters().failures_of(webhook_failure::http_4xx) == 1);
        CHECK(dead_letters(queue) == 1);
        std::ifstream f(queue + "/dead-letter.jsonl");
        std::string line;
        std::getline(f, line);
        const json dead = json::parse(line);
        CHECK(dead["idempotency_key"] == alert_idempotency_key(test::make_verdict(1, true)));
        CHECK(dead["body"] == verdict_text(test::make_verdict(1, true)));
        CHECK(dead["error"].get<std::string>().find("HTTP 400") != std::string::npos);
    }
    SECTION("503 three times with retries = 2") {
        receiver rx(dir.path, 0, {"--status", "503"});
        webhook_config c = config_for(rx.port());
        c.retries = 2;
        webhook_sink sink(c, queue);
        sink.offer(test::make_verdict(1, true));
        REQUIRE(wait_for([&] { return sink.counters().dead_lettered == 1; }));
        CHECK(sink.counters().requests == 3);
        CHECK(sink.counters().retries == 2);
        CHECK(sink.counters().failures_of(webhook_failure::http_5xx) == 3);
        CHECK(dead_letters(queue) == 1);
    }
    SECTION("429 is retried until it passes") {
        receiver rx(dir.path, 0, {"--status", "429", "--fail-first", "2"});
        webhook_sink sink(config_for(rx.port()), queue);
        sink.offer(test::make_verdict(1, true));
        REQUIRE(wait_for([&] { return sink.counters().delivered == 1; }));
        CHECK(sink.counters().requests == 3);
        CHECK(sink.counters().dead_lettered == 0);
    }
}

TEST_CASE("webhook: notify = case sends case notices only; spikes always", "[webhook]") {
    test::temp_dir dir("txscreen-webhook");
    receiver rx(dir.path, 0);
    webhook_config c = config_for(rx.port());
    c.notify = webhook_notify::case_notice;
    webhook_sink sink(c, dir.path + "/queue");
    Verdict opened = test::make_verdict(1, true);
    opened.case_id = 0x1234;
    opened.case_seq = 1;
    opened.notice = case_notice::opened;
    Verdict quiet = opened;
    quiet.case_seq = 2;
    quiet.notice = case_notice::none;
    Verdict update = opened;
    update.case_seq = 3;
    update.notice = case_notice::updated;
    CHECK(sink.offer(opened) == sink_answer::accepted);
    CHECK(sink.offer(quiet) == sink_answer::accepted);
    CHECK(sink.offer(update) == sink_answer::accepted);
    // [cases] off: an alert has no case and is sent on its own.
    Verdict caseless = test::make_verdict(2, true);
    CHECK(sink.offer(caseless) == sink_answer::accepted);
    spike_event s{};
    s.id = 77;
    CHECK(sink.offer(s) == sink_answer::accepted);
    CHECK(sink.offer_outcome(opened) == sink_answer::accepted);
    REQUIRE(wait_for([&] { return sink.counters().delivered == 4; }));
    CHECK(sink.counters().suppressed == 1);
    std::vector<std::string> keys;
    for (const json& r : rx.requests()) keys.push_back(r["idempotency_key"]);
    REQUIRE(keys.size() == 4);
    CHECK(keys[0] == "case-0000000000001234-1");
    CHECK(keys[1] == "case-0000000000001234-3");
    CHECK(keys[2] == alert_idempotency_key(caseless));
    CHECK(keys[3] == "spike-000000000000004d");
}

TEST_CASE("webhook: batches are one JSON array per request, under max_rate", "[webhook]") {
    test::temp_dir dir("txscreen-webhook");
    receiver rx(dir.path, 0);
    webhook_config c = config_for(rx.port());
    c.batch = 4;
    c.max_rate = 4;  // a burst of 4 requests, then one each 250 ms
    webhook_sink sink(c, dir.path + "/queue");
    std::set<std::string> txn_ids;
    const auto start = std::chrono::steady_clock::now();
    // Offered one by one while the sender runs: batches form from what is queued.
    for (uint32_t i = 0; i < 40; ++i) sink.offer(test::make_verdict(i, true));
    REQUIRE(wait_for([&] { return sink.counters().delivered == 40; }));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const uint64_t requests = sink.counters().requests;
    CHECK(requests >= 10);
    // At 4 requests/s after a burst of 4: at least (requests - 4) / 4 seconds.
    CHECK(seconds >= (static_cast<double>(requests) - 4) / 4 - 0.3);
    for (const json& r : rx.requests()) {
        const json body = json::parse(r["body"].get<std::string>());
        CHECK(r["sig_ok"] == true);
        if (body.is_array()) {
            CHECK(body.size() <= 4);
            CHECK(r["idempotency_key"].get<std::string>().rfind("batch-", 0) == 0);
            for (const json& a : body) txn_ids.insert(a["txn_id"]);
        } else {
            txn_ids.insert(body["txn_id"]);
        }
    }
    CHECK(txn_ids.size() == 40);
}

TEST_CASE("webhook: offers beyond queue_max_size are refused and counted, never blocking", "[webhook]") {
    test::temp_dir dir("txscreen-webhook");
    webhook_config c = config_for(unused_port());
    c.queue_max_bytes = 1 << 20;
    c.timeout_ms = 200;
    webhook_sink sink(c, dir.path + "/queue");
    int refused = 0;
    for (uint32_t i = 0; i < 3000; ++i) refused += sink.offer(test::make_verdict(i, true)) == sink_answer::refused;
    const webhook_counters k = sink.counters();
    CHECK(refused > 0);
    CHECK(k.refused == static_cast<uint64_t>(refused));
    CHECK(k.enqueued + k.refused == 3000);
    CHECK(k.queue_bytes >= (1u << 20));
    CHECK(sink.close());
    CHECK(sink.counters().queue_backlog == k.enqueued);
}
