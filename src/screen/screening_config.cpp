#include "screen/screening_config.h"

#include <bit>
#include <exception>

#include "config/config_checks.h"
#include "config/config_explain.h"
#include "config/toml_section.h"
#include "screen/pattern_file.h"

namespace txscreen {

namespace {

constexpr int_range range_cache_entries{0, 1 << 22};

}  // namespace

void read_screening_section(const toml_section& s, screening_config& c) {
    s.only_keys({"patterns", "cache_entries"});
    s.get_string("patterns", c.patterns);
    s.get_int("cache_entries", c.cache_entries, range_cache_entries);
}

void validate(const screening_config& c, config_errors& e) {
    check_int(e, "screening.cache_entries", static_cast<int64_t>(c.cache_entries), range_cache_entries);
    const std::string key = "screening.patterns";
    if (c.patterns.empty() || c.patterns == "none" || !e.clean(key)) return;
    check_input(e, key, c.patterns, input_kind::patterns);
    if (!e.clean(key)) return;
    try {
        if (load_pattern_file(c.patterns).empty()) e.fail(key, c.patterns + ": no patterns in the file");
    } catch (const std::exception& ex) {
        e.fail(key, ex.what());
    }
}

void explain(const screening_config& c, explanation& out) {
    out.lines << "  patterns: "
              << (c.patterns.empty()     ? "the built-in starter set (docs/patterns.md)"
                  : c.patterns == "none" ? "none (no screening)"
                                         : c.patterns)
              << "\n";
    if (c.patterns != "none")
        out.lines << "  scan cache: " << std::bit_floor(c.cache_entries) << " merchant field texts per worker ("
                  << format_size(static_cast<int64_t>(std::bit_floor(c.cache_entries) * 128)) << ")\n";
}

}  // namespace txscreen
