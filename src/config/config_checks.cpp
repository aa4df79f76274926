#include "config/config_checks.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>

#include "common/duration.h"

namespace txscreen {

std::string format_duration(int64_t ms) {
    if (ms == 0) return "0";
    struct unit {
        int64_t ms;
        const char* name;
    };
    for (unit u : {unit{86'400'000, "d"}, unit{3'600'000, "h"}, unit{60'000, "m"}, unit{1000, "s"}})
        if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
    return std::to_string(ms) + "ms";
}

std::string format_size(int64_t bytes) {
    if (bytes == 0) return "0";
    struct unit {
        int64_t b;
        const char* name;
    };
    for (unit u : {unit{1LL << 40, "TiB"}, unit{1LL << 30, "GiB"}, unit{1LL << 20, "MiB"}, unit{1LL << 10, "KiB"},
                   unit{1'000'000'000, "GB"}, unit{1'000'000, "MB"}, unit{1000, "kB"}})
        if (bytes % u.b == 0) return std::to_string(bytes / u.b) + u.name;
    return std::to_string(bytes) + "B";
}

std::string range_text(int_range r) { return std::to_string(r.lo) + ".." + std::to_string(r.hi); }
std::string duration_range_text(int_range r) { return format_duration(r.lo) + ".." + format_duration(r.hi); }
std::string size_range_text(int_range r) { return format_size(r.lo) + ".." + format_size(r.hi); }

void check_int(config_errors& e, const std::string& key, int64_t v, int_range r) {
    if (v < r.lo || v > r.hi) e.fail(key, "must be " + range_text(r) + ", got " + std::to_string(v));
}

void check_pow2(config_errors& e, const std::string& key, int64_t v, int_range r) {
    if (v < r.lo || v > r.hi || (v & (v - 1)))
        e.fail(key, "must be a power of two in " + range_text(r) + ", got " + std::to_string(v));
}

void check_duration(config_errors& e, const std::string& key, int64_t ms, int_range r) {
    if (ms < r.lo || ms > r.hi)
        e.fail(key, "must be " + duration_range_text(r) + ", got " + e.as_written(key, format_duration(ms)));
}

void check_size(config_errors& e, const std::string& key, int64_t bytes, int_range r) {
    if (bytes < r.lo || bytes > r.hi)
        e.fail(key, "must be " + size_range_text(r) + ", got " + e.as_written(key, format_size(bytes)));
}

void check_not_empty(config_errors& e, const std::string& key, const std::string& v, const char* what) {
    if (v.empty()) e.fail(key, std::string("missing: ") + what);
}

void check_secret(config_errors& e, const std::string& key, const std::string& spec) {
    std::string v;
    if (!resolve_secret(spec, v)) e.fail(key, "environment variable " + spec.substr(4) + " is not set");
}

void check_file(config_errors& e, const std::string& key, const std::string& path) {
    if (path.empty()) return;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) e.fail(key, path + ": no such file");
    else if (::access(path.c_str(), R_OK) != 0) e.fail(key, path + ": not readable");
}

void check_input(config_errors& e, const std::string& key, const std::string& path, input_kind kind) {
    if (path.empty()) return;
    if (std::string problem = check_input_file(path, kind); !problem.empty()) e.fail(key, path + ": " + problem);
}

int64_t parse_config_duration_ms(std::string_view text) noexcept {
    if (text == "0") return 0;
    return parse_duration_text_ms(text, 1000LL * 86'400'000, true);
}

int64_t parse_config_size_bytes(std::string_view text) noexcept {
    if (text == "0") return 0;
    constexpr int64_t max_bytes = 1LL << 50;
    std::size_t i = 0;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        n = n * 10 + (text[i] - '0');
        if (n > max_bytes) return -1;
        ++i;
    }
    if (i == 0) return -1;
    struct unit {
        std::string_view name;
        int64_t scale;
    };
    for (unit u : {unit{"B", 1}, unit{"KiB", 1LL << 10}, unit{"MiB", 1LL << 20}, unit{"GiB", 1LL << 30},
                   unit{"TiB", 1LL << 40}, unit{"kB", 1000}, unit{"MB", 1'000'000}, unit{"GB", 1'000'000'000}})
        if (text.substr(i) == u.name) return n > max_bytes / u.scale ? -1 : n * u.scale;
    return -1;
}

bool parse_host_port(std::string_view s, std::string& host, uint16_t& port) {
    std::size_t colon;
    std::string_view h;
    if (!s.empty() && s[0] == '[') {
        std::size_t close = s.find(']');
        if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
        h = s.substr(1, close - 1);
        colon = close + 1;
    } else {
        colon = s.rfind(':');
        if (colon == std::string_view::npos || colon == 0) return false;
        h = s.substr(0, colon);
        if (h.find(':') != std::string_view::npos) return false;  // bare IPv6 needs brackets
    }
    std::string_view p = s.substr(colon + 1);
    if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    long v = std::strtol(std::string(p).c_str(), nullptr, 10);
    if (v > 65535 || h.empty()) return false;
    host = std::string(h);
    port = static_cast<uint16_t>(v);
    return true;
}

bool resolve_secret(const std::string& spec, std::string& out) {
    if (spec.rfind("env:", 0) != 0) {
        out = spec;
        return true;
    }
    const char* v = std::getenv(spec.c_str() + 4);
    if (!v || !*v) return false;
    out = v;
    return true;
}

}  // namespace txscreen
