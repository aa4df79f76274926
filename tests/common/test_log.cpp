// Log lines: level and timestamp (or the journald priority prefix), and the limiter
// that keeps a failing peer from flooding the log.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>

#include "common/log.h"

using namespace txscreen;

namespace {

// Runs `write` with stderr redirected to a temporary file; returns what it wrote.
template <typename F>
std::string captured_stderr(F write) {
    char path[] = "/tmp/txscreen-log-XXXXXX";
    const int fd = mkstemp(path);
    const int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    write();
    dup2(saved, STDERR_FILENO);
    close(saved);
    std::string out;
    char buf[4096];
    lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    close(fd);
    unlink(path);
    return out;
}

}  // namespace

TEST_CASE("a log line carries a UTC timestamp and its level", "[log]") {
    const std::string out = captured_stderr([] { log_line(log_level::warning, "kafka: broker %s down", "b1:9092"); });
    CHECK(std::regex_match(out, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warning kafka: broker b1:9092 down\n)")));
}

TEST_CASE("lines below the level are not written", "[log]") {
    set_log_level(log_level::warning);
    const std::string out = captured_stderr([] {
        log_line(log_level::info, "routine");
        log_line(log_level::error, "bad");
    });
    set_log_level(log_level::info);
    CHECK(out.find("routine") == std::string::npos);
    CHECK(out.find("error bad") != std::string::npos);
}

TEST_CASE("a limiter lets a burst through, then says how many it held back", "[log]") {
    log_limiter limiter(3, std::chrono::seconds(1));
    const std::string first = captured_stderr([&] {
        for (int i = 0; i < 100; ++i) log_line_limited(limiter, log_level::warning, "write failed %d", i);
    });
    CHECK(std::count(first.begin(), first.end(), '\n') == 3);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const std::string next = captured_stderr([&] { log_line_limited(limiter, log_level::warning, "write failed again"); });
    CHECK(next.find("write failed again (97 similar lines held back)") != std::string::npos);
}
