// Reading one TOML table into a config struct: typed getters that record each key's
// line (config_errors names it later), refuse a wrong type or a value the field cannot
// hold, parse durations and sizes, and name unknown keys with a "did you mean".
//
// Ranges are not checked here: that is the component's validate(), which runs on the
// struct whether it came from a file or from code. The range a getter takes only words
// its messages ("expected an integer 1..64, got a string").
//
// A key absent from the table leaves the field alone (its default). Init time only.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config_checks.h"
#include "config/config_errors.h"

namespace txscreen {

class toml_section {
public:
    // `prefix` names the table in keys: "" for the document, "kafka", "feed[1]".
    toml_section(const toml::table& table, std::string prefix, config_errors& errors)
        : _table(&table), _prefix(std::move(prefix)), _errors(&errors) {}

    // One problem per key not in `allowed`: "unknown key" ("unknown section" at the
    // top), with the nearest allowed key when it is a plausible typo, else the list.
    void only_keys(const std::vector<std::string_view>& allowed) const;
    // [name] or name = {...}; nullopt when absent, or not a table (a problem).
    std::optional<toml_section> table(std::string_view name) const;
    // [[name]]: one section per element, prefixed "name[i]"; none when absent or not
    // an array of tables (a problem).
    std::vector<toml_section> table_array(std::string_view name) const;

    template <class T>
    void get_int(std::string_view name, T& out, int_range r) const {
        std::optional<int64_t> v = read_integer(name, r);
        if (!v) return;
        if (std::in_range<T>(*v)) out = static_cast<T>(*v);
        else fail(name, "must be " + range_text(r) + ", got " + std::to_string(*v));
    }
    // Durations are strings with a unit ("5s"), stored in ms.
    template <class T>
    void get_duration(std::string_view name, T& out_ms, int_range r) const {
        std::optional<int64_t> v = read_duration(name);
        if (!v) return;
        if (std::in_range<T>(*v)) out_ms = static_cast<T>(*v);
        else fail(name, "must be " + duration_range_text(r) + ", got " + _errors->as_written(key(name), ""));
    }
    // Sizes are strings with a unit ("64MiB"), stored in bytes.
    template <class T>
    void get_size(std::string_view name, T& out_bytes, int_range r) const {
        std::optional<int64_t> v = read_size(name);
        if (!v) return;
        if (std::in_range<T>(*v)) out_bytes = static_cast<T>(*v);
        else fail(name, "must be " + size_range_text(r) + ", got " + _errors->as_written(key(name), ""));
    }
    template <class T>
    void get_enum(std::string_view name, T& out, std::initializer_list<std::pair<std::string_view, T>> choices) const {
        std::vector<std::string_view> names;
        for (const auto& c : choices) names.push_back(c.first);
        if (std::optional<std::size_t> i = read_choice(name, names)) out = (choices.begin() + *i)->second;
    }
    void get_bool(std::string_view name, bool& out) const;
    // `expected` words the wrong-type message ("a string", "one of \"lz4\", ...").
    bool get_string(std::string_view name, std::string& out, const std::string& expected = "a string") const;
    void get_string_list(std::string_view name, std::vector<std::string>& out) const;

    // For values of a shape of their own: the node of `name` (its line recorded), or
    // nullptr when absent.
    const toml::node* node(std::string_view name) const;
    void wrong_type(const toml::node& n, const std::string& key, const std::string& expected) const;
    void fail(std::string_view name, const std::string& what) const { _errors->fail(key(name), what); }
    // "kafka.linger" for "linger" in [kafka].
    std::string key(std::string_view name) const;
    const std::string& prefix() const noexcept { return _prefix; }
    const toml::table& raw() const noexcept { return *_table; }
    config_errors& errors() const noexcept { return *_errors; }

private:
    std::optional<int64_t> read_integer(std::string_view name, int_range r) const;
    std::optional<int64_t> read_duration(std::string_view name) const;
    std::optional<int64_t> read_size(std::string_view name) const;
    std::optional<std::size_t> read_choice(std::string_view name, const std::vector<std::string_view>& names) const;

    const toml::table* _table;
    std::string _prefix;
    config_errors* _errors;
};

// Parses a whole document. On a syntax error returns nullopt and sets `error` to
// "<source>:<line>: TOML syntax: <what>".
std::optional<toml::table> parse_toml(std::string_view text, std::string_view source, std::string& error);

}  // namespace txscreen
