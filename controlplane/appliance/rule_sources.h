// The published ruleset and pattern databases: loaded at start (the configured files,
// else the shipped defaults) and replaced by hot reloads through the admin API.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "controlplane/appliance/appliance_config.h"
#include "model/xgb_model.h"
#include "rules/ruleset_store.h"
#include "screen/pattern_store.h"

namespace txscreen {

class rule_sources {
public:
    // Throws std::runtime_error naming the file on a bad ruleset or pattern file.
    rule_sources(const appliance_config& conf, unsigned workers);

    ruleset_store rules;
    pattern_store patterns;
    // The TOML the live ruleset was loaded from (GET /api/v1/rules serves it).
    const std::string& rules_text() const noexcept { return _rules_text; }
    // nullptr when screening is off (screening.patterns = "none").
    pattern_store* screening() noexcept { return _screening ? &patterns : nullptr; }
    // The model every published ruleset carries (nullptr: none); a reload of the rules
    // keeps it, a reload of the model keeps the rules. Callers serialize reloads.
    const std::shared_ptr<const xgb_model>& model() const noexcept { return _model; }
    // Publishes the rules `text` with `model`; on success both become the live ones.
    ruleset_publish_result publish(std::string_view text, std::string_view source,
                                   std::shared_ptr<const xgb_model> model);

private:
    void load_rules(const std::string& file);
    void load_patterns(const std::string& file);
    void load_model(const std::string& file);
    std::string _rules_text;
    std::shared_ptr<const xgb_model> _model;
    bool _screening;
};

}  // namespace txscreen
