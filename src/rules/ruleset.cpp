// TOML -> ruleset. Off the packet path: allocation and toml++ exceptions are fine here,
// but none escapes load_ruleset (a refused ruleset is an error string).
#include "rules/ruleset.h"
#include "common/duration.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <toml++/toml.h>

#include "common/bounded_file.h"

namespace txscreen {

std::string_view rule_key_name(rule_key k) noexcept {
    static constexpr std::string_view names[] = {"card", "merchant", "device", "ip"};
    return names[static_cast<int>(k) & 3];
}
std::string_view rule_metric_name(rule_metric m) noexcept {
    static constexpr std::string_view names[] = {"count", "sum_amount", "distinct_merchant",
                                                 "distinct_country", "declines"};
    const int i = static_cast<int>(m);
    return i < 5 ? names[i] : "?";
}
std::string_view rule_op_name(rule_op o) noexcept {
    static constexpr std::string_view names[] = {">", ">=", "<", "<=", "=="};
    int i = static_cast<int>(o);
    return i < 5 ? names[i] : "?";
}

int ruleset::rule_id(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < _names.size(); ++i)
        if (_names[i] == name) return static_cast<int>(i);
    return -1;
}

namespace {

// The velocity history detector D reads back: 0 when disabled or when it reads none.
template <class D, std::size_t id>
int64_t history_of(const detector_settings& det) noexcept {
    if constexpr (requires { D::history_ms(det); })
        if (det.enable[id]) return D::history_ms(det);
    return 0;
}

template <std::size_t... id>
int64_t longest_detector_history(const detector_settings& det, std::index_sequence<id...>) noexcept {
    return std::max({int64_t{0}, history_of<detector_type<id>, id>(det)...});
}

}  // namespace

int64_t ruleset::longest_window_ms() const noexcept {
    int64_t w = longest_detector_history(det, std::make_index_sequence<detector_count>());
    for (int i = 0; i < n_rules; ++i) w = std::max(w, rules[i].window_ms);
    return w;
}

int64_t parse_duration_ms(std::string_view text) noexcept {
    const int64_t ms = parse_duration_text_ms(text, max_window_ms, false);
    return ms > 0 ? ms : -1;  // a window of zero is refused
}

static std::string sha256_hex(std::string_view text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (unsigned i = 0; i < n; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

// Walks the TOML tree, filling a ruleset; the first problem stops it with an error
// naming the key path and line.
struct ruleset_loader {
    std::string source;
    std::string error;
    ruleset* rs = nullptr;

    bool fail(const toml::source_region& where, const std::string& path, const std::string& what) {
        std::ostringstream o;
        o << source << ':' << where.begin.line << ':' << where.begin.column << ": key '" << path
          << "': " << what;
        error = o.str();
        return false;
    }

    static std::string join(const std::string& prefix, std::string_view key) {
        return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    }

    // Refuses any key of `t` not in `allowed`.
    template <class Names>
    bool only_keys(const toml::table& t, const std::string& prefix, const Names& allowed) {
        for (auto&& [k, v] : t) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
                std::string list;
                for (auto a : allowed) {
                    if (!list.empty()) list += ", ";
                    list += a;
                }
                return fail(k.source(), join(prefix, k.str()),
                            "unknown key (allowed here: " + list + ")");
            }
        }
        return true;
    }

    bool only_keys(const toml::table& t, const std::string& prefix, std::initializer_list<std::string_view> allowed) {
        return only_keys<std::initializer_list<std::string_view>>(t, prefix, allowed);
    }

    bool get_bool(const toml::table& t, const std::string& prefix, std::string_view key, bool& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        if (!n->is_boolean()) return fail(n->source(), join(prefix, key), "expected true or false");
        out = n->as_boolean()->get();
        return true;
    }

    bool get_int(const toml::table& t, const std::string& prefix, std::string_view key, int64_t lo,
                 int64_t hi, int64_t& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        if (!n->is_integer())
            return fail(n->source(), join(prefix, key),
                        "expected an integer " + std::to_string(lo) + ".." + std::to_string(hi));
        int64_t v = n->as_integer()->get();
        if (v < lo || v > hi)
            return fail(n->source(), join(prefix, key),
                        std::to_string(v) + " is out of range " + std::to_string(lo) + ".." +
                            std::to_string(hi));
        out = v;
        return true;
    }
    template <typename T>
    bool get_int_as(const toml::table& t, const std::string& prefix, std::string_view key, int64_t lo,
                    int64_t hi, T& out) {
        int64_t v = static_cast<int64_t>(out);
        if (!get_int(t, prefix, key, lo, hi, v)) return false;
        out = static_cast<T>(v);
        return true;
    }

    bool get_number(const toml::table& t, const std::string& prefix, std::string_view key, double lo,
                    double hi, double& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        double v;
        if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
        else if (n->is_floating_point()) v = n->as_floating_point()->get();
        else return fail(n->source(), join(prefix, key), "expected a number");
        if (!(v >= lo && v <= hi)) {
            std::ostringstream o;
            o << v << " is out of range " << lo << ".." << hi;
            return fail(n->source(), join(prefix, key), o.str());
        }
        out = v;
        return true;
    }

    bool get_duration(const toml::table& t, const std::string& prefix, std::string_view key,
                      int64_t& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        if (!n->is_string())
            return fail(n->source(), join(prefix, key),
                        "expected a duration string such as \"500ms\", \"5s\", \"10m\", \"1h\"");
        std::string_view s = n->as_string()->get();
        int64_t ms = parse_duration_ms(s);
        if (ms < 0)
            return fail(n->source(), join(prefix, key),
                        "bad duration \"" + std::string(s) +
                            "\" (a positive integer with ms, s, m or h, at most 24h)");
        out = ms;
        return true;
    }

    const toml::table* sub_table(const toml::table& t, const std::string& prefix, std::string_view key,
                                 bool& ok) {
        const toml::node* n = t.get(key);
        if (!n) return nullptr;
        if (!n->is_table()) {
            ok = fail(n->source(), join(prefix, key), "expected a table");
            return nullptr;
        }
        return n->as_table();
    }

    template <class D, std::size_t id>
    bool detector_section(const toml::table& t, const std::string& p) {
        std::vector<std::string_view> allowed = {"enable", "weight"};
        allowed.insert(allowed.end(), D::keys.begin(), D::keys.end());
        return only_keys(t, p, allowed) && get_bool(t, p, "enable", rs->det.enable[id]) &&
               get_int_as(t, p, "weight", 0, 100, rs->det.weight[id]) &&
               D::parse(settings_node(this, &t, nullptr, p), rs->det);
    }

    using section_reader = bool (ruleset_loader::*)(const toml::table&, const std::string&);
    template <std::size_t... id>
    static constexpr std::array<section_reader, sizeof...(id)> section_readers(std::index_sequence<id...>) {
        return {&ruleset_loader::detector_section<detector_type<id>, id>...};
    }
    // [detector]: one sub-table per detector, read by the detector's own parse (its
    // header in rules/detectors/) after the keys every detector has.
    bool detectors(const toml::table& t) {
        const std::string p = "detector";
        if (!only_keys(t, p, detector_names)) return false;
        for (auto&& [k, v] : t) {
            const std::string dp = join(p, k.str());
            if (!v.is_table()) return fail(v.source(), dp, "expected a table");
            static constexpr auto sections = section_readers(std::make_index_sequence<detector_count>());
            const auto id = static_cast<std::size_t>(
                std::find(detector_names.begin(), detector_names.end(), k.str()) - detector_names.begin());
            if (!(this->*sections[id])(*v.as_table(), dp)) return false;
        }
        return true;
    }

    bool enum_string(const toml::table& t, const std::string& p, std::string_view key,
                     std::initializer_list<std::string_view> values, int& out) {
        const toml::node* n = t.get(key);
        std::string path = join(p, key);
        std::string list;
        for (auto a : values) list += (list.empty() ? "" : ", ") + std::string(a);
        if (!n) return fail(t.source(), path, "missing (one of: " + list + ")");
        if (!n->is_string()) return fail(n->source(), path, "expected a string (one of: " + list + ")");
        std::string_view s = n->as_string()->get();
        int i = 0;
        for (auto a : values) {
            if (a == s) {
                out = i;
                return true;
            }
            ++i;
        }
        return fail(n->source(), path, "\"" + std::string(s) + "\" is not one of: " + list);
    }

    bool user_rules(const toml::node& n) {
        if (!n.is_array_of_tables()) return fail(n.source(), "rule", "expected [[rule]] tables");
        int idx = 0;
        for (const toml::node& e : *n.as_array()) {
            std::string p = "rule[" + std::to_string(idx++) + "]";
            const toml::table& t = *e.as_table();
            if (!only_keys(t, p, {"name", "key", "metric", "window", "op", "limit", "weight", "enable"}))
                return false;
            if (rs->n_rules >= max_user_rules)
                return fail(t.source(), p, "too many rules (at most " + std::to_string(max_user_rules) + ")");
            const toml::node* nm = t.get("name");
            if (!nm) return fail(t.source(), p + ".name", "missing");
            if (!nm->is_string()) return fail(nm->source(), p + ".name", "expected a string");
            std::string name(nm->as_string()->get());
            bool good = !name.empty() && name.size() <= 48 &&
                        std::all_of(name.begin(), name.end(), [](char c) {
                            return std::islower(static_cast<unsigned char>(c)) ||
                                   std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                        });
            if (!good) return fail(nm->source(), p + ".name", "\"" + name + "\" must be 1-48 of [a-z0-9_]");
            if (rs->rule_id(name) >= 0)
                return fail(nm->source(), p + ".name", "\"" + name + "\" is already used by another rule or detector");
            user_rule r{};
            int key = 0, metric = 0, op = 0;
            bool enable = true;
            int64_t window = -1;
            double limit = std::nan("");
            if (!enum_string(t, p, "key", {"card", "merchant", "device", "ip"}, key) ||
                !enum_string(t, p, "metric", {"count", "sum_amount", "distinct_merchant", "distinct_country", "declines"},
                             metric) ||
                !enum_string(t, p, "op", {">", ">=", "<", "<=", "=="}, op) ||
                !get_duration(t, p, "window", window) ||
                !get_number(t, p, "limit", 0, 1e12, limit) ||
                !get_int_as(t, p, "weight", 0, 100, r.weight) ||
                !get_bool(t, p, "enable", enable))
                return false;
            if (window < 0) return fail(t.source(), p + ".window", "missing (a duration such as \"5s\")");
            if (std::isnan(limit)) return fail(t.source(), p + ".limit", "missing (a number)");
            if (!t.get("weight")) return fail(t.source(), p + ".weight", "missing (an integer 0..100)");
            // Outcomes carry the card token only: no other key has declines.
            if (metric == static_cast<int>(rule_metric::declines) && key != static_cast<int>(rule_key::card))
                return fail(t.get("key")->source(), p + ".key", "metric \"declines\" is kept for key \"card\" only");
            r.key = static_cast<rule_key>(key);
            r.metric = static_cast<rule_metric>(metric);
            r.op = static_cast<rule_op>(op);
            r.window_ms = window;
            r.limit = limit;
            // A disabled rule keeps its id (so verdicts stay comparable) but weighs nothing.
            if (!enable) r.weight = 0;
            rs->rules[rs->n_rules++] = r;
            rs->_names.push_back(name);
        }
        return true;
    }

    bool load(const toml::table& root) {
        if (!only_keys(root, "", {"ruleset", "scoring", "detector", "rule"})) return false;
        bool ok = true;
        if (const toml::table* t = sub_table(root, "", "ruleset", ok)) {
            std::string name;
            if (!only_keys(*t, "ruleset", {"name", "description"})) return false;
            for (auto key : {"name", "description"})
                if (const toml::node* n = t->get(key); n && !n->is_string())
                    return fail(n->source(), std::string("ruleset.") + key, "expected a string");
        }
        if (!ok) return false;
        if (const toml::table* t = sub_table(root, "", "scoring", ok)) {
            if (!only_keys(*t, "scoring", {"review", "block", "alert"}) ||
                !get_int_as(*t, "scoring", "review", 1, 100, rs->scoring.review) ||
                !get_int_as(*t, "scoring", "block", 1, 100, rs->scoring.block) ||
                !get_int_as(*t, "scoring", "alert", 1, 100, rs->scoring.alert))
                return false;
            if (rs->scoring.review > rs->scoring.block)
                return fail(t->source(), "scoring.review", "review threshold " + std::to_string(rs->scoring.review) +
                                                               " is above block threshold " +
                                                               std::to_string(rs->scoring.block));
        }
        if (!ok) return false;
        if (const toml::table* t = sub_table(root, "", "detector", ok)) {
            if (!detectors(*t)) return false;
        }
        if (!ok) return false;
        if (const toml::node* n = root.get("rule")) {
            if (!user_rules(*n)) return false;
        }
        return true;
    }
};

// settings_node (rules/detectors/settings_node.h): a detector's view of its section,
// answered by the loader's own readers so its errors read like every other.
namespace {
const toml::node* node_of(const void* p) noexcept { return static_cast<const toml::node*>(p); }
const toml::key* key_of(const void* p) noexcept { return static_cast<const toml::key*>(p); }
}  // namespace

bool settings_node::is_table() const noexcept { return _node && node_of(_node)->is_table(); }
bool settings_node::is_array() const noexcept { return _node && node_of(_node)->is_array(); }
bool settings_node::is_integer() const noexcept { return _node && node_of(_node)->is_integer(); }
bool settings_node::is_number() const noexcept {
    return _node && (node_of(_node)->is_integer() || node_of(_node)->is_floating_point());
}
bool settings_node::is_string() const noexcept { return _node && node_of(_node)->is_string(); }
int64_t settings_node::as_integer() const noexcept { return node_of(_node)->as_integer()->get(); }
double settings_node::as_number() const noexcept {
    const toml::node* n = node_of(_node);
    return n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
}
std::string_view settings_node::as_string() const noexcept { return node_of(_node)->as_string()->get(); }
std::string_view settings_node::key() const noexcept { return _key ? key_of(_key)->str() : std::string_view(); }

settings_node settings_node::get(std::string_view key) const {
    const toml::node* child = is_table() ? node_of(_node)->as_table()->get(key) : nullptr;
    return settings_node(_loader, child, nullptr, ruleset_loader::join(_path, key));
}

std::size_t settings_node::size() const noexcept {
    if (is_table()) return node_of(_node)->as_table()->size();
    if (is_array()) return node_of(_node)->as_array()->size();
    return 0;
}

settings_node settings_node::at(std::size_t i) const {
    if (is_array())
        return settings_node(_loader, node_of(_node)->as_array()->get(i), nullptr,
                             _path + "[" + std::to_string(i) + "]");
    auto entry = std::next(node_of(_node)->as_table()->begin(), static_cast<std::ptrdiff_t>(i));
    return settings_node(_loader, &entry->second, &entry->first, ruleset_loader::join(_path, entry->first.str()));
}

bool settings_node::boolean(std::string_view key, bool& out) const {
    return _loader->get_bool(*node_of(_node)->as_table(), _path, key, out);
}
bool settings_node::integer(std::string_view key, int64_t lo, int64_t hi, int64_t& out) const {
    return _loader->get_int(*node_of(_node)->as_table(), _path, key, lo, hi, out);
}
bool settings_node::number(std::string_view key, double lo, double hi, double& out) const {
    return _loader->get_number(*node_of(_node)->as_table(), _path, key, lo, hi, out);
}
bool settings_node::duration(std::string_view key, int64_t& out_ms) const {
    return _loader->get_duration(*node_of(_node)->as_table(), _path, key, out_ms);
}
bool settings_node::only_keys(std::initializer_list<std::string_view> allowed) const {
    return _loader->only_keys(*node_of(_node)->as_table(), _path, allowed);
}

bool settings_node::fail(std::string_view what) const { return fail_at(*this, what); }
bool settings_node::fail_at_key(std::string_view what) const {
    return _loader->fail(key_of(_key)->source(), _path, std::string(what));
}
bool settings_node::fail_at(const settings_node& where, std::string_view what) const {
    return _loader->fail(node_of(where._node)->source(), _path, std::string(what));
}

std::unique_ptr<ruleset> default_ruleset() {
    auto rs = std::make_unique<ruleset>();
    rs->content_hash = sha256_hex("");
    rs->source = "defaults";
    return rs;
}

ruleset_load_result load_ruleset(std::string_view toml_text, std::string_view source_name) {
    ruleset_load_result res;
    ruleset_loader loader;
    loader.source = std::string(source_name);
    auto rs = default_ruleset();
    loader.rs = rs.get();
    try {
        toml::table root = toml::parse(toml_text, std::string_view(source_name));
        if (!loader.load(root)) {
            res.error = loader.error;
            return res;
        }
    } catch (const toml::parse_error& e) {
        std::ostringstream o;
        o << source_name << ':' << e.source().begin.line << ':' << e.source().begin.column
          << ": TOML syntax: " << e.description();
        res.error = o.str();
        return res;
    } catch (const std::exception& e) {
        res.error = std::string(source_name) + ": " + e.what();
        return res;
    }
    rs->content_hash = sha256_hex(toml_text);
    rs->source = std::string(source_name);
    res.rules = std::move(rs);
    return res;
}

ruleset_load_result load_ruleset_file(const std::string& path) {
    input_file in = read_input_file(path, input_kind::rules);
    if (!in.ok()) {
        ruleset_load_result res;
        res.error = path + ": " + in.problem;
        return res;
    }
    return load_ruleset(in.text, path);
}

}  // namespace txscreen
