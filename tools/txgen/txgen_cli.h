// txgen's command line (CLI11), as a library so tests and `txscreen demo` parse exactly
// what the binary parses.
#pragma once

#include <string>
#include <vector>

#include "tools/txgen/txgen_run.h"

namespace txscreen::txgen {

// Parses the arguments after the program name ("--opt value" or "--opt=value").
// Returns an empty string on success (o.help / o.version set when asked for), else a
// message naming the option (the binary prints it and exits 2).
std::string parse_args(const std::vector<std::string>& args, txgen_options& out);

// The --help text, generated from the options: each with its default.
std::string usage();

}  // namespace txscreen::txgen
