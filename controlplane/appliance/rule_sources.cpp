#include "controlplane/appliance/rule_sources.h"

#include <stdexcept>

#include "common/bounded_file.h"
#include "rules/default_rules.h"
#include "screen/starter_patterns.h"

namespace txscreen {

rule_sources::rule_sources(const appliance_config& conf, unsigned workers)
    : patterns(workers), _screening(conf.screening.patterns != "none") {
    if (!conf.model_path.empty()) load_model(conf.model_path);
    load_rules(conf.rules.file);
    if (_screening) load_patterns(conf.screening.patterns);
}

void rule_sources::load_rules(const std::string& file) {
    if (file.empty()) {
        // The shipped defaults (src/rules/default_rules.toml, tuned on txgen feeds).
        _rules_text = default_rules_text();
        auto r = rules.load(_rules_text, "default_rules.toml (built in)", _model);
        if (!r.ok()) throw std::runtime_error("built-in ruleset: " + r.error);
        return;
    }
    // Read once, bounded: the text served by GET /api/v1/rules is the text loaded.
    input_file in = read_input_file(file, input_kind::rules);
    if (!in.ok()) throw std::runtime_error(file + ": " + in.problem);
    _rules_text = std::move(in.text);
    auto r = rules.load(_rules_text, file, _model);
    if (!r.ok()) throw std::runtime_error(r.error);
}

void rule_sources::load_model(const std::string& file) {
    std::string error;
    _model = xgb_model::load(file, error);
    if (!_model) throw std::runtime_error("model.path: " + error);
}

ruleset_publish_result rule_sources::publish(std::string_view text, std::string_view source,
                                             std::shared_ptr<const xgb_model> model) {
    ruleset_publish_result r = rules.load(text, source, model);
    if (r.ok()) {
        _rules_text.assign(text);
        _model = std::move(model);
    }
    return r;
}

// The configured pattern file, else the starter set built in.
void rule_sources::load_patterns(const std::string& file) {
    pattern_publish_result pr = file.empty() ? patterns.load(starter_patterns_text(), "starter.patterns (built in)")
                                             : patterns.load_file(file);
    if (!pr.ok()) throw std::runtime_error("screening.patterns: " + pr.error);
}

}  // namespace txscreen
