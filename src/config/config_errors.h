// The problems found in one configuration, one line each a person can act on:
//   txscreen.toml:12: lcores.workers: must be 1..64, got 0
// Keys are TOML paths ("kafka.linger", "feed[1].port", "kafka.properties.\"acks\"").
// Reading and validating are separate steps: the reader records the line of every key
// it meets, so a validator that later checks the struct (not the TOML) still names the
// line; a key the file does not hold takes its table's line ("feed[1]", then "feed").
//
// A key reports only its first problem: a value of the wrong type keeps its default,
// which later checks must not then blame. clean() lets a check that spans several keys
// skip entries that are already wrong. Init time only: allocates freely.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace txscreen {

class config_errors {
public:
    // `source` prefixes every line ("txscreen.toml", "<defaults>"); "" gives bare
    // "<key>: <what>" lines, for a component checking the config it was handed.
    explicit config_errors(std::string source = {}) : _source(std::move(source)) {}

    void set_line(const std::string& key, uint32_t line) { _lines[key] = line; }
    // The value as the file wrote it ("16m"): messages about it then quote that text.
    void set_written(const std::string& key, std::string text) { _written[key] = std::move(text); }
    // `shown` for a value built in code, the file's text in quotes for one read from it.
    std::string as_written(const std::string& key, const std::string& shown) const;

    // Records "<source>:<line>: <key>: <what>" unless `key` already has a problem.
    void fail(const std::string& key, const std::string& what);
    void fail_at(uint32_t line, const std::string& key, const std::string& what);
    // True when no key under `prefix` ("feed[1]", "lcores") has a problem.
    bool clean(const std::string& prefix) const;
    bool empty() const noexcept { return _errors.empty(); }

    // The problems in file order (by line; those with no line keep their order, last).
    std::vector<std::string> take();
    // The first problem found, "" when none.
    std::string first() const { return _errors.empty() ? std::string() : _errors.front().text; }

private:
    struct problem {
        uint32_t line;
        std::string text;
    };
    uint32_t line_of(std::string key) const;

    std::string _source;
    std::map<std::string, uint32_t> _lines;
    std::map<std::string, std::string> _written;
    std::set<std::string> _bad;
    std::vector<problem> _errors;
};

}  // namespace txscreen
