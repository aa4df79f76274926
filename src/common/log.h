// Log lines of the appliance's threads (not the command line's own usage errors): a
// level and a timestamp on every line, on stderr. Under systemd (JOURNAL_STREAM names
// stderr) each line starts with the sd-daemon priority prefix "<N>" instead, which
// journald turns into the entry's PRIORITY and stamps itself; elsewhere a line reads
//   2026-12-07T06:39:30.123Z warning kafka: broker 127.0.0.1:9092 down
// Lines that can repeat under load or a failing peer go through a log_limiter, which
// lets a burst through and then says how many it held back. Cold paths only: a line
// formats into a stack buffer and takes one write(2).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace txscreen {

// syslog priorities (sd-daemon(3)): what journald and `journalctl -p` use.
enum class log_level : uint8_t { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// Lines below this level are not written (default info; $TXSCREEN_LOG_LEVEL =
// error|warning|notice|info|debug sets it at start).
void set_log_level(log_level lowest_shown) noexcept;
bool log_enabled(log_level level) noexcept;

void log_line(log_level level, const char* format, ...) noexcept __attribute__((format(printf, 2, 3)));

// At most `burst` lines per `interval` from one call site; the first line after a quiet
// interval says how many were held back. Thread-safe.
class log_limiter {
public:
    explicit log_limiter(unsigned burst = 5, std::chrono::seconds interval = std::chrono::seconds(10)) noexcept
        : _burst(burst), _interval_ns(std::chrono::nanoseconds(interval).count()) {}
    // True when this line may be written; `held_back` gets the lines suppressed since
    // the last one written (0 usually).
    bool allow(uint64_t& held_back) noexcept;

private:
    const unsigned _burst;
    const int64_t _interval_ns;
    std::atomic<int64_t> _window_start{0};
    std::atomic<unsigned> _in_window{0};
    std::atomic<uint64_t> _suppressed{0};
};

void log_line_limited(log_limiter& limiter, log_level level, const char* format, ...) noexcept
    __attribute__((format(printf, 3, 4)));

}  // namespace txscreen
