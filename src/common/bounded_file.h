// Reading the files an operator names (the config, the ruleset, the pattern file, ISO
// dialect files, the admin TLS certificate and key) whole into memory, safely.
//
// These paths come from a config file or a command line, so they can name anything:
// /dev/zero (an endless read that grows memory until the process dies), a FIFO (an
// open that blocks forever), a directory (reads as empty on some libcs, so a config
// "loads" as the defaults) or a multi-gigabyte file. Only a regular file no larger than
// its kind's limit is read; anything else is refused with the reason, and the caller
// names the file: "<path>: not a regular file (character device)".
//
// Symbolic links are followed (an operator's /etc/txscreen/rules.toml -> rules-v7.toml
// is normal); it is the file at the end of the link that must be regular.
//
// Init and control-plane only: these functions allocate and do blocking I/O.
#pragma once

#include <cstddef>
#include <string>

namespace txscreen {

enum class input_kind { config, rules, patterns, dialect, tls_pem, model };

// Every kind is limited to 16 MiB today: two orders of magnitude above the largest file
// we ship or have seen (default rules ~10 KiB, a 5,000-pattern file ~400 KiB), and small
// enough that a wrong path costs a fast, clear refusal instead of memory. docs/config.md
// ("File limits") lists them.
inline constexpr std::size_t default_input_limit = std::size_t{16} << 20;

std::size_t input_limit(input_kind kind) noexcept;
// A model (XGBoost JSON, ~10-15 KiB per depth-6 tree) may be larger: 64 MiB.
inline constexpr std::size_t model_input_limit = std::size_t{64} << 20;
// "config file", "rules file", "pattern file", "dialect file", "TLS PEM file", "model file".
const char* input_kind_name(input_kind kind) noexcept;

struct input_file {
    std::string text;     // the whole file when ok()
    std::string problem;  // why it was refused, without the path (the caller adds it)
    bool ok() const noexcept { return problem.empty(); }
};

// Reads `path` whole when it is a regular file of at most `limit` bytes. Never blocks on
// a FIFO or device and never reads more than limit + 1 bytes. `what` names the kind in
// the size message ("rules file"). Never throws except std::bad_alloc.
//
// Problems, as the operator reads them after "<path>: ":
//   no such file
//   is a directory
//   not a regular file (character device | block device | FIFO | socket)
//   larger than the 16 MiB limit for a rules file (17825792 bytes)
//   cannot open: Permission denied      (any other errno, as strerror words it)
//   cannot read: Input/output error
input_file read_bounded_file(const std::string& path, std::size_t limit, const char* what);
input_file read_input_file(const std::string& path, input_kind kind);

// The same checks without reading the contents (config validation of files read only
// later, such as the admin TLS files): "" when the file would be read.
std::string check_bounded_file(const std::string& path, std::size_t limit, const char* what);
std::string check_input_file(const std::string& path, input_kind kind);

}  // namespace txscreen
