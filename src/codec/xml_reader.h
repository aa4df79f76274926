// A small XML reader for the subset jPOS GenericPackager files use, so the dialect
// importer (jpos_xml.cpp) needs no XML library: elements, attributes quoted with ' or ",
// comments, processing instructions (<?xml ...?>) and a <!DOCTYPE ...> (skipped, never
// fetched), and the five predefined entity references plus &#N; / &#xN; in attribute
// values. Character data between elements is skipped (GenericPackager files have none
// that matters); CDATA sections and entity declarations are refused.
//
// Bounded for files from outside: input at most 1 MiB, elements nested at most 16 deep,
// 64 attributes an element.
// Malformed input gives an error with its 1-based line, never a crash. Init time only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace txscreen::xml {

inline constexpr std::size_t max_input_bytes = 1u << 20;
inline constexpr unsigned max_depth = 16;
inline constexpr std::size_t max_attributes = 64;  // per element; keeps the duplicate check cheap

struct attribute {
    std::string name, value;  // value with entity references replaced
};

struct element {
    std::string name;
    uint32_t line = 0;  // of the '<' that opens it
    std::vector<attribute> attributes;  // in file order, names unique
    std::vector<element> children;

    // The attribute's value, or nullptr when the element does not have it.
    const std::string* find(std::string_view attr) const noexcept;
};

struct parse_error {
    uint32_t line = 0;
    std::string what;
};

// Reads `text` into `root` (the document element). False with `error` set when the text
// is not well-formed within this subset or exceeds the bounds.
bool parse(std::string_view text, element& root, parse_error& error);

}  // namespace txscreen::xml
