// How a detector reads its [detector.<name>] section: a view of one value of the
// ruleset's TOML (the section, or a table, array or entry inside it) with the key path
// errors name. The ruleset loader implements it (rules/ruleset.cpp), so a detector's
// header needs no TOML library and its errors read like every other ruleset error:
// "<file>:<line>:<column>: key '<path>': <what>".
//
// Every read and check returns false once it has recorded an error; the loader stops at
// the first. A read whose key is absent leaves `out` as it is (the default).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace txscreen {

struct ruleset_loader;

class settings_node {
public:
    // The path errors name: "detector.high_amount", "detector.high_amount.limits.USD",
    // "detector.high_amount.mcc_limits[0]".
    const std::string& path() const noexcept { return _path; }
    // False for the value of a key the file does not have.
    bool present() const noexcept { return _node != nullptr; }
    bool is_table() const noexcept;
    bool is_array() const noexcept;
    bool is_integer() const noexcept;
    bool is_number() const noexcept;  // integer or floating point
    bool is_string() const noexcept;
    int64_t as_integer() const noexcept;       // when is_integer()
    double as_number() const noexcept;         // when is_number()
    std::string_view as_string() const noexcept;  // when is_string()
    // Its key in the table that holds it ("" for an array element).
    std::string_view key() const noexcept;

    // The value of `key` in this table (not present() when absent).
    settings_node get(std::string_view key) const;
    // A table's entries (in key order) or an array's elements; at(i) is named
    // "<path>.<key>" or "<path>[i]".
    std::size_t size() const noexcept;
    settings_node at(std::size_t i) const;

    // Typed reads of `key` in this table, with the loader's checks and messages.
    bool boolean(std::string_view key, bool& out) const;
    bool integer(std::string_view key, int64_t lo, int64_t hi, int64_t& out) const;
    template <std::integral T>
    bool integer(std::string_view key, int64_t lo, int64_t hi, T& out) const {
        int64_t v = static_cast<int64_t>(out);
        if (!integer(key, lo, hi, v)) return false;
        out = static_cast<T>(v);
        return true;
    }
    bool number(std::string_view key, double lo, double hi, double& out) const;
    // "500ms", "5s", "10m", "1h": a positive integer and a unit, at most 24 h.
    bool duration(std::string_view key, int64_t& out_ms) const;
    // Refuses a key of this table not in `allowed`, listing them.
    bool only_keys(std::initializer_list<std::string_view> allowed) const;

    // Records "<what>" for this value at its place (fail), at its key's place
    // (fail_at_key: a table entry whose key is wrong), or at `where`'s place (an array
    // element that the array's path names); returns false.
    bool fail(std::string_view what) const;
    bool fail_at_key(std::string_view what) const;
    bool fail_at(const settings_node& where, std::string_view what) const;

private:
    friend struct ruleset_loader;
    settings_node(ruleset_loader* loader, const void* toml_node, const void* toml_key, std::string path)
        : _loader(loader), _node(toml_node), _key(toml_key), _path(std::move(path)) {}
    ruleset_loader* _loader;
    const void* _node;  // const toml::node*, nullptr when absent
    const void* _key;   // const toml::key* of a table entry, else nullptr
    std::string _path;
};

}  // namespace txscreen
