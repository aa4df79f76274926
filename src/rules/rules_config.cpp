#include "rules/rules_config.h"

#include "config/config_explain.h"
#include "config/toml_section.h"
#include "rules/ruleset.h"

namespace txscreen {

void read_rules_section(const toml_section& s, rules_config& c) {
    s.only_keys({"file"});
    s.get_string("file", c.file);
}

void validate(const rules_config& c, config_errors& e) {
    const std::string key = "rules.file";
    if (c.file.empty() || !e.clean(key)) return;
    check_input(e, key, c.file, input_kind::rules);
    if (!e.clean(key)) return;
    if (auto r = load_ruleset_file(c.file); !r.rules) e.fail(key, r.error);
}

void explain(const rules_config& c, explanation& out) {
    out.lines << "  rules: " << (c.file.empty() ? "(built-in default ruleset)" : c.file) << "\n";
}

}  // namespace txscreen
