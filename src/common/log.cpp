#include "common/log.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <ctime>
#include <string_view>

namespace txscreen {

namespace {

constexpr const char* level_names[8] = {"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"};

log_level level_from_env() noexcept {
    const char* v = std::getenv("TXSCREEN_LOG_LEVEL");
    if (!v) return log_level::info;
    for (int i = 3; i < 8; ++i)
        if (std::strcmp(v, level_names[i]) == 0) return static_cast<log_level>(i);
    return log_level::info;
}

std::atomic<int> lowest_shown{static_cast<int>(level_from_env())};
// journald reads "<N>" prefixes on the stream it hands a service as stderr.
const bool to_journal = std::getenv("JOURNAL_STREAM") != nullptr;

int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// "<4>" under journald, else "2026-12-07T06:39:30.123Z warning ".
std::size_t write_prefix(char* buf, std::size_t size, log_level level) noexcept {
    const int lv = static_cast<int>(level);
    if (to_journal) return static_cast<std::size_t>(std::snprintf(buf, size, "<%d>", lv));
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tm utc;
    gmtime_r(&ts.tv_sec, &utc);
    std::size_t n = std::strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &utc);
    n += static_cast<std::size_t>(
        std::snprintf(buf + n, size - n, ".%03ldZ %s ", ts.tv_nsec / 1'000'000, level_names[lv]));
    return n;
}

void write_line(log_level level, uint64_t held_back, const char* format, va_list args) noexcept {
    char buf[1024];
    std::size_t n = write_prefix(buf, sizeof buf, level);
    const int body = std::vsnprintf(buf + n, sizeof buf - n, format, args);
    n = body < 0 ? n : std::min(sizeof buf - 2, n + static_cast<std::size_t>(body));
    if (held_back)
        n += static_cast<std::size_t>(
            std::snprintf(buf + n, sizeof buf - n - 1, " (%llu similar lines held back)", static_cast<unsigned long long>(held_back)));
    n = std::min(n, sizeof buf - 2);
    buf[n++] = '\n';
    [[maybe_unused]] ssize_t w = ::write(STDERR_FILENO, buf, n);
}

}  // namespace

void set_log_level(log_level level) noexcept { lowest_shown.store(static_cast<int>(level)); }

bool log_enabled(log_level level) noexcept { return static_cast<int>(level) <= lowest_shown.load(std::memory_order_relaxed); }

void log_line(log_level level, const char* format, ...) noexcept {
    if (!log_enabled(level)) return;
    va_list args;
    va_start(args, format);
    write_line(level, 0, format, args);
    va_end(args);
}

bool log_limiter::allow(uint64_t& held_back) noexcept {
    const int64_t now = now_ns();
    int64_t start = _window_start.load(std::memory_order_relaxed);
    if (now - start >= _interval_ns && _window_start.compare_exchange_strong(start, now)) _in_window.store(0);
    if (_in_window.fetch_add(1) < _burst) {
        held_back = _suppressed.exchange(0);
        return true;
    }
    _suppressed.fetch_add(1);
    return false;
}

void log_line_limited(log_limiter& limiter, log_level level, const char* format, ...) noexcept {
    if (!log_enabled(level)) return;
    uint64_t held_back = 0;
    if (!limiter.allow(held_back)) return;
    va_list args;
    va_start(args, format);
    write_line(level, held_back, format, args);
    va_end(args);
}

}  // namespace txscreen
