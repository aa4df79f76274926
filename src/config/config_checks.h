// The checks a component's validate() runs on its config fields, each naming its key
// and what is allowed, in the units the config file uses ("must be 0..15m, got 16m"),
// and the value syntaxes the file shares: durations, sizes, host:port, secrets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bounded_file.h"
#include "config/config_errors.h"

namespace txscreen {

// An allowed range, inclusive; durations in ms, sizes in bytes.
struct int_range {
    int64_t lo, hi;
};

void check_int(config_errors& e, const std::string& key, int64_t v, int_range r);
void check_pow2(config_errors& e, const std::string& key, int64_t v, int_range r);
void check_duration(config_errors& e, const std::string& key, int64_t ms, int_range r);
void check_size(config_errors& e, const std::string& key, int64_t bytes, int_range r);
// "missing: <what>" when `v` is empty.
void check_not_empty(config_errors& e, const std::string& key, const std::string& v, const char* what);
// An "env:NAME" secret whose variable is not set.
void check_secret(config_errors& e, const std::string& key, const std::string& spec);
// A file that must exist and be readable (a capture a vdev reads).
void check_file(config_errors& e, const std::string& key, const std::string& path);
// A file the appliance reads whole itself: a regular file within its kind's size limit
// (common/bounded_file.h; docs/config.md, "File limits").
void check_input(config_errors& e, const std::string& key, const std::string& path, input_kind kind);

// "1..64", "0..15m", "1MiB..1PiB": what messages say is allowed.
std::string range_text(int_range r);
std::string duration_range_text(int_range r);
std::string size_range_text(int_range r);
// The largest whole unit: 90000 -> "90s", 3600000 -> "1h"; 0 -> "0".
std::string format_duration(int64_t ms);
// The largest whole unit: 1 << 20 -> "1MiB", 1000 -> "1kB"; 0 -> "0".
std::string format_size(int64_t bytes);

// Parses a duration "250ms", "5s", "10m", "25h", "7d" (a bare "0" is 0). Returns -1
// when malformed or above 1000 days.
int64_t parse_config_duration_ms(std::string_view text) noexcept;
// Parses a size "512B", "64KiB", "64MiB", "1GiB", "1TiB", "1kB", "1MB", "1GB" (a bare
// "0" is 0). Returns -1 when malformed or above 2^50 bytes.
int64_t parse_config_size_bytes(std::string_view text) noexcept;

// Splits "host:port" or "[v6]:port" (port 0..65535). Returns false when malformed.
bool parse_host_port(std::string_view text, std::string& host, uint16_t& port);

// The value of a secret given as literal or "env:NAME". Returns false (and leaves
// `out` alone) when it names an environment variable that is not set or empty.
bool resolve_secret(const std::string& spec, std::string& out);

}  // namespace txscreen
