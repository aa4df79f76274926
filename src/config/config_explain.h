// What `txscreen check-config` prints: each component adds its lines (indented, in
// words a person checks the layout by) and its warnings; secrets never appear.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace txscreen {

struct explanation {
    std::ostringstream lines;           // "  kafka: ...\n"
    std::vector<std::string> warnings;  // printed last, "warning: ..."

    std::string text() const {
        std::string s = lines.str();
        for (const auto& w : warnings) s += "warning: " + w + "\n";
        return s;
    }
};

// "(none)", "from $NAME" or "(set, N characters)": a secret as explain() shows it.
inline std::string mask_secret(const std::string& spec) {
    if (spec.empty()) return "(none)";
    if (spec.rfind("env:", 0) == 0) return "from $" + spec.substr(4);
    return "(set, " + std::to_string(spec.size()) + " characters)";
}

}  // namespace txscreen
