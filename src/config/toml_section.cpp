#include "config/toml_section.h"

#include <algorithm>
#include <climits>

namespace txscreen {

namespace {

uint32_t line_of(const toml::node& n) { return n.source().begin.line; }

const char* type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::array: return "an array";
        case toml::node_type::table: return "a table";
        default: return "a date/time";
    }
}

// Edit distance counting a swap of two neighbours as one edit ("nmae" -> "name").
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// The closest allowed key when it is a plausible typo, else "".
std::string_view nearest_key(std::string_view key, const std::vector<std::string_view>& allowed) {
    // "linger_ms" for "linger": a unit suffix where the config takes a duration string.
    for (auto a : allowed)
        if (key.size() > a.size() && key.substr(0, a.size()) == a && key[a.size()] == '_') return a;
    std::string_view best;
    std::size_t best_d = SIZE_MAX;
    for (auto a : allowed) {
        std::size_t d = edit_distance(key, a);
        if (d < best_d) best_d = d, best = a;
    }
    const std::size_t tolerance = key.size() <= 4 ? 1 : key.size() <= 8 ? 2 : 3;
    return best_d <= tolerance ? best : std::string_view();
}

}  // namespace

std::string toml_section::key(std::string_view name) const {
    return _prefix.empty() ? std::string(name) : _prefix + "." + std::string(name);
}

void toml_section::only_keys(const std::vector<std::string_view>& allowed) const {
    for (auto&& [k, v] : *_table) {
        if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
        std::string what = _prefix.empty() ? "unknown section" : "unknown key";
        if (auto near = nearest_key(k.str(), allowed); !near.empty()) {
            what += " (did you mean '" + std::string(near) + "'?)";
        } else {
            what += " (allowed: ";
            for (std::size_t i = 0; i < allowed.size(); ++i) what += (i ? ", " : "") + std::string(allowed[i]);
            what += ")";
        }
        _errors->fail_at(k.source().begin.line, key(k.str()), what);
    }
}

const toml::node* toml_section::node(std::string_view name) const {
    const toml::node* n = _table->get(name);
    if (n) _errors->set_line(key(name), line_of(*n));
    return n;
}

void toml_section::wrong_type(const toml::node& n, const std::string& k, const std::string& expected) const {
    _errors->fail_at(line_of(n), k, "expected " + expected + ", got " + type_name(n));
}

std::optional<toml_section> toml_section::table(std::string_view name) const {
    const toml::node* n = node(name);
    if (!n) return std::nullopt;
    if (!n->is_table()) {
        _errors->fail(key(name), "expected a table [" + key(name) + "]");
        return std::nullopt;
    }
    return toml_section(*n->as_table(), key(name), *_errors);
}

std::vector<toml_section> toml_section::table_array(std::string_view name) const {
    std::vector<toml_section> out;
    const toml::node* n = node(name);
    if (!n) return out;
    const std::string k = key(name);
    if (!n->is_array_of_tables()) {
        _errors->fail(k, "expected [[" + k + "]] tables (one per " + k + "), got " + type_name(*n));
        return out;
    }
    const toml::array& a = *n->as_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
        std::string p = k + "[" + std::to_string(i) + "]";
        _errors->set_line(p, line_of(a[i]));
        out.emplace_back(*a[i].as_table(), std::move(p), *_errors);
    }
    return out;
}

std::optional<int64_t> toml_section::read_integer(std::string_view name, int_range r) const {
    const toml::node* n = node(name);
    if (!n) return std::nullopt;
    if (!n->is_integer()) {
        wrong_type(*n, key(name), "an integer " + range_text(r));
        return std::nullopt;
    }
    return n->as_integer()->get();
}

std::optional<int64_t> toml_section::read_duration(std::string_view name) const {
    const toml::node* n = node(name);
    if (!n) return std::nullopt;
    const std::string k = key(name);
    if (!n->is_string()) {
        wrong_type(*n, k, "a duration string such as \"250ms\", \"5s\", \"10m\", \"25h\", \"7d\"");
        return std::nullopt;
    }
    const std::string& s = n->as_string()->get();
    _errors->set_written(k, s);
    int64_t ms = parse_config_duration_ms(s);
    if (ms < 0) {
        _errors->fail(k, "bad duration \"" + s + "\" (a number and ms, s, m, h or d, e.g. \"5s\")");
        return std::nullopt;
    }
    return ms;
}

std::optional<int64_t> toml_section::read_size(std::string_view name) const {
    const toml::node* n = node(name);
    if (!n) return std::nullopt;
    const std::string k = key(name);
    if (!n->is_string()) {
        wrong_type(*n, k, "a size string such as \"64MiB\", \"1GiB\", \"1MB\"");
        return std::nullopt;
    }
    const std::string& s = n->as_string()->get();
    _errors->set_written(k, s);
    int64_t b = parse_config_size_bytes(s);
    if (b < 0) {
        _errors->fail(k, "bad size \"" + s + "\" (a number and B, KiB, MiB, GiB, TiB, kB, MB or GB)");
        return std::nullopt;
    }
    return b;
}

std::optional<std::size_t> toml_section::read_choice(std::string_view name,
                                                     const std::vector<std::string_view>& names) const {
    std::string list;
    for (auto c : names) list += (list.empty() ? "\"" : ", \"") + std::string(c) + "\"";
    std::string s;
    if (!get_string(name, s, "one of " + list)) return std::nullopt;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (s == names[i]) return i;
    fail(name, "must be one of " + list + ", got \"" + s + "\"");
    return std::nullopt;
}

void toml_section::get_bool(std::string_view name, bool& out) const {
    const toml::node* n = node(name);
    if (!n) return;
    if (!n->is_boolean()) return wrong_type(*n, key(name), "true or false");
    out = n->as_boolean()->get();
}

bool toml_section::get_string(std::string_view name, std::string& out, const std::string& expected) const {
    const toml::node* n = node(name);
    if (!n) return false;
    if (!n->is_string()) {
        wrong_type(*n, key(name), expected);
        return false;
    }
    out = n->as_string()->get();
    return true;
}

void toml_section::get_string_list(std::string_view name, std::vector<std::string>& out) const {
    const toml::node* n = node(name);
    if (!n) return;
    const std::string k = key(name);
    if (!n->is_array()) return wrong_type(*n, k, "an array of strings");
    std::vector<std::string> v;
    for (const toml::node& e : *n->as_array()) {
        if (!e.is_string()) return wrong_type(e, k + "[" + std::to_string(v.size()) + "]", "a string");
        v.push_back(e.as_string()->get());
    }
    out = std::move(v);
}

std::optional<toml::table> parse_toml(std::string_view text, std::string_view source, std::string& error) {
    try {
        return toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        error = std::string(source) + ":" + std::to_string(e.source().begin.line) + ": TOML syntax: " +
                std::string(e.description());
        return std::nullopt;
    }
}

}  // namespace txscreen
