// bench_webhook: what a webhook costs the controlplane thread per alert (the time in
// webhook_sink::offer(): render, append to the disk queue), p50/p99/max, per format,
// with the endpoint up (a webhook_receiver.py on loopback: the sender keeps catching
// up with the queue) and away (everything stays on disk), and how fast the sender
// delivers to that receiver. Prints figures only; never fails on timing.
//
// usage: bench_webhook [alerts per run (default 5000)] [offers per second (default 2000)]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/webhook/webhook_sink.h"
#include "kafka_verdicts.h"
#include "temp_dir.h"

using namespace txscreen;
using clock_type = std::chrono::steady_clock;

namespace {

struct receiver_process {
    pid_t pid = -1;
    int port = 0;
    explicit receiver_process(const std::string& dir) {
        const std::string port_file = dir + "/port", log = dir + "/hooks.jsonl";
        pid = ::fork();
        if (pid == 0) {
            ::execl("/usr/bin/python3", "python3", WEBHOOK_RECEIVER, "--log", log.c_str(), "--port-file",
                    port_file.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        for (int i = 0; i < 200 && port == 0; ++i) {
            std::ifstream f(port_file);
            if (!(f >> port)) std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
    }
    ~receiver_process() { stop(); }
    void stop() {
        if (pid > 0) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
        pid = -1;
    }
};

double percentile(std::vector<double>& v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void run(const char* label, webhook_format format, int port, uint32_t alerts, double per_second) {
    test::temp_dir dir("txscreen-bench-webhook");
    webhook_config c;
    c.name = "bench";
    c.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
    c.secret = "bench-secret";
    c.format = format;
    c.notify = webhook_notify::alert;
    c.routing_key = format == webhook_format::pagerduty ? "0123456789abcdef0123456789abcdef" : "";
    c.timeout_ms = 1000;
    webhook_sink sink(c, dir.path);
    std::vector<double> offer_us;
    offer_us.reserve(alerts);
    const auto start = clock_type::now();
    const auto gap = std::chrono::duration<double>(1.0 / per_second);
    for (uint32_t i = 0; i < alerts; ++i) {
        std::this_thread::sleep_until(start + std::chrono::duration_cast<clock_type::duration>(gap * i));
        const Verdict v = test::make_verdict(i, true);
        const auto t0 = clock_type::now();
        sink.offer(v);
        sink.tick();
        offer_us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - t0).count());
    }
    while (sink.counters().delivered < alerts && clock_type::now() - start < std::chrono::seconds(60) &&
           sink.counters().failing_since_ms == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    const webhook_counters k = sink.counters();
    std::printf("%-28s offer+tick per alert: p50 %7.1f us  p99 %7.1f us  max %8.1f us;  delivered %llu/%u in %.2f s\n",
                label, percentile(offer_us, 0.5), percentile(offer_us, 0.99), percentile(offer_us, 1.0),
                static_cast<unsigned long long>(k.delivered), alerts, seconds);
    sink.close();
}

}  // namespace

int main(int argc, char** argv) {
    const uint32_t alerts = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 5000;
    const double per_second = argc > 2 ? std::strtod(argv[2], nullptr) : 2000;
    test::temp_dir dir("txscreen-bench-receiver");
    receiver_process rx(dir.path);
    if (rx.port == 0) {
        std::fprintf(stderr, "bench_webhook: the receiver did not start\n");
        return 1;
    }
    std::printf("bench_webhook: %u alerts offered at %.0f/s, queue in /tmp\n", alerts, per_second);
    run("json, endpoint up", webhook_format::json, rx.port, alerts, per_second);
    run("slack, endpoint up", webhook_format::slack, rx.port, alerts, per_second);
    run("pagerduty, endpoint up", webhook_format::pagerduty, rx.port, alerts, per_second);
    rx.stop();
    run("json, endpoint away", webhook_format::json, rx.port, alerts, per_second);
    return 0;
}
