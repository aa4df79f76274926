#include "screen/screening_config.h"

#include <exception>

#include "config/config_explain.h"
#include "config/toml_section.h"
#include "screen/pattern_file.h"

namespace txscreen {

void read_screening_section(const toml_section& s, screening_config& c) {
    s.only_keys({"patterns"});
    s.get_string("patterns", c.patterns);
}

void validate(const screening_config& c, config_errors& e) {
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
}

}  // namespace txscreen
