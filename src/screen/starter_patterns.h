// The shipped starter pattern set (src/screen/patterns/starter.patterns, docs/patterns.md),
// built into the binary: with no `screening.patterns` file configured the appliance
// screens with it.
#pragma once

#include <string_view>

namespace txscreen {

// Returns the text of starter.patterns as shipped with this build.
std::string_view starter_patterns_text() noexcept;

}  // namespace txscreen
