// The shipped default ruleset (src/rules/default_rules.toml, docs/rules.md), built into
// the binary: with no `rules.file` configured the appliance scores with it.
#pragma once

#include <string_view>

namespace txscreen {

// Returns the text of default_rules.toml as shipped with this build.
std::string_view default_rules_text() noexcept;

}  // namespace txscreen
