// Pattern files: one screening pattern per line (format in docs/patterns.md),
//
//     id:/regex/flags  category weight field[,field...]   # optional comment
//
// parsed into pattern_defs for pattern_db::build. Parsing runs off the hot path (load
// and reload); every error is a pattern_file_error whose message names the file, the
// line number and the offending pattern, e.g.
//     starter.patterns:12: unknown category 'gamble' in '12:/casino/i gamble 50 city'
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "screen/screen_types.h"

namespace txscreen {

inline constexpr uint8_t max_pattern_weight = 100;

struct pattern_def {
    uint32_t id = 0;            // positive, unique within a set; reported in verdicts
    std::string regex;          // Hyperscan/PCRE syntax, without the delimiting slashes
    std::string flags;          // the flag letters as written (canonical order not implied)
    unsigned hs_flags = 0;      // HS_FLAG_* bits derived from `flags`
    pattern_category category = pattern_category::blocklist;
    uint8_t weight = 0;         // 0..100, added to the transaction's pattern weight
    uint8_t fields = 0;         // field_bit() mask of the fields it applies to (non-zero)
    uint32_t line = 0;          // 1-based line in `source` (0 when built in code)
    std::string source;         // file name or label, for error messages
};

// A parse or compile error in a pattern set. what() is the full message
// ("<file>:<line>: <reason> in '<pattern line>'"); the parts are kept for the API.
class pattern_file_error : public std::runtime_error {
public:
    pattern_file_error(std::string file, uint32_t line, std::string pattern, const std::string& reason);
    const std::string& file() const noexcept { return _file; }
    uint32_t line() const noexcept { return _line; }        // 0 when not tied to a line
    const std::string& pattern() const noexcept { return _pattern; }
    const std::string& reason() const noexcept { return _reason; }

private:
    std::string _file;
    uint32_t _line;
    std::string _pattern;
    std::string _reason;
};

// Maps flag letters to HS_FLAG_* bits: i caseless, s dotall, m multiline, 8 utf8,
// W unicode properties (needs 8), H single match (always on; accepted for
// compatibility). Returns false and names the letter in `bad` on an unknown or
// repeated letter.
bool parse_pattern_flags(std::string_view letters, unsigned& hs_flags, char& bad) noexcept;

// Parses the text of a pattern file. `source` names it in errors. Returns the patterns
// in file order. Throws pattern_file_error on the first malformed line and on a
// duplicate id (naming both lines). Comments (#...) and blank lines are skipped.
std::vector<pattern_def> parse_patterns(std::string_view text, std::string_view source);

// Reads and parses a pattern file. Throws pattern_file_error (line 0) when the file
// cannot be read, is not a regular file or is over the pattern-file limit
// (common/bounded_file.h), and as parse_patterns otherwise.
std::vector<pattern_def> load_pattern_file(const std::string& path);

// Renders `p` as one pattern-file line ("12:/casino/i gambling 50 merchant_name").
std::string format_pattern(const pattern_def& p);

}  // namespace txscreen
