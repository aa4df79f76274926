#include "config/config_errors.h"

#include <algorithm>

namespace txscreen {

std::string config_errors::as_written(const std::string& key, const std::string& shown) const {
    auto it = _written.find(key);
    return it == _written.end() ? shown : "\"" + it->second + "\"";
}

void config_errors::fail(const std::string& key, const std::string& what) {
    if (!_bad.insert(key).second) return;
    const uint32_t line = line_of(key);
    std::string e = _source;
    if (line) e += ':' + std::to_string(line);
    if (!e.empty()) e += ": ";
    e += key + ": " + what;
    _errors.push_back({line, std::move(e)});
}

void config_errors::fail_at(uint32_t line, const std::string& key, const std::string& what) {
    _lines[key] = line;
    fail(key, what);
}

bool config_errors::clean(const std::string& prefix) const {
    for (auto it = _bad.lower_bound(prefix); it != _bad.end() && it->compare(0, prefix.size(), prefix) == 0; ++it)
        if (it->size() == prefix.size() || (*it)[prefix.size()] == '.' || (*it)[prefix.size()] == '[') return false;
    return true;
}

std::vector<std::string> config_errors::take() {
    // Reading and validating find problems in different orders; a person fixes a file
    // top to bottom.
    auto by_line = [](const problem& a, const problem& b) {
        return (a.line ? a.line : UINT32_MAX) < (b.line ? b.line : UINT32_MAX);
    };
    std::stable_sort(_errors.begin(), _errors.end(), by_line);
    std::vector<std::string> out;
    out.reserve(_errors.size());
    for (auto& p : _errors) out.push_back(std::move(p.text));
    _errors.clear();
    return out;
}

// The key's own line, else its table's ("feed[1].port" -> "feed[1]" -> "feed").
uint32_t config_errors::line_of(std::string key) const {
    for (;;) {
        auto it = _lines.find(key);
        if (it != _lines.end()) return it->second;
        std::size_t cut = key.find_last_of(".[");
        if (cut == std::string::npos || cut == 0) return 0;
        key.resize(cut);
    }
}

}  // namespace txscreen
