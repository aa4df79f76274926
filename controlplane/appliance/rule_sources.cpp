#include "controlplane/appliance/rule_sources.h"

#include <stdexcept>

#include "common/bounded_file.h"
#include "rules/default_rules.h"
#include "screen/starter_patterns.h"

namespace txscreen {

rule_sources::rule_sources(const appliance_config& conf, unsigned workers)
    : patterns(workers), _screening(conf.screening.patterns != "none") {
    load_rules(conf.rules.file);
    if (_screening) load_patterns(conf.screening.patterns);
}

void rule_sources::load_rules(const std::string& file) {
    if (file.empty()) {
        // The shipped defaults (src/rules/default_rules.toml, tuned on txgen feeds).
        _rules_text = default_rules_text();
        auto r = rules.load(_rules_text, "default_rules.toml (built in)");
        if (!r.ok()) throw std::runtime_error("built-in ruleset: " + r.error);
        return;
    }
    // Read once, bounded: the text served by GET /api/v1/rules is the text loaded.
    input_file in = read_input_file(file, input_kind::rules);
    if (!in.ok()) throw std::runtime_error(file + ": " + in.problem);
    _rules_text = std::move(in.text);
    auto r = rules.load(_rules_text, file);
    if (!r.ok()) throw std::runtime_error(r.error);
}

// The configured pattern file, else the starter set built in.
void rule_sources::load_patterns(const std::string& file) {
    pattern_publish_result pr = file.empty() ? patterns.load(starter_patterns_text(), "starter.patterns (built in)")
                                             : patterns.load_file(file);
    if (!pr.ok()) throw std::runtime_error("screening.patterns: " + pr.error);
}

}  // namespace txscreen
