// Screening's settings ([screening] in the config file): which Hyperscan pattern file
// the appliance compiles (docs/patterns.md). Its reader, validator (the file is a
// bounded regular file that parses) and explain() line.
#pragma once

#include <cstddef>
#include <string>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct screening_config {
    // Pattern file; empty = the starter set built into the binary; "none" = no screening.
    std::string patterns;
    // Merchant field texts whose scan results each worker keeps (screen_cache.h): 128
    // bytes each, rounded down to a power of two; 0 = scan every field every time.
    std::size_t cache_entries = 1 << 16;
};

void read_screening_section(const toml_section& s, screening_config& c);
void validate(const screening_config& c, config_errors& errors);
void explain(const screening_config& c, explanation& out);

}  // namespace txscreen
