// The ruleset's settings ([rules] in the config file): which ruleset TOML the appliance
// publishes at start (docs/rules.md). Its reader, validator (the file is a bounded
// regular file that loads) and explain() line.
#pragma once

#include <string>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct rules_config {
    std::string file;  // ruleset TOML; empty = the built-in ruleset
};

void read_rules_section(const toml_section& s, rules_config& c);
void validate(const rules_config& c, config_errors& errors);
void explain(const rules_config& c, explanation& out);

}  // namespace txscreen
