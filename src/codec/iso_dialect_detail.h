// What the dialect loaders share among themselves and with the map reader, not part of
// the dialect contract (iso_dialect.h, iso_wire.h): the embedded dialect texts by name,
// reading a dialect file from disk, and the layout table reader of dialect files for
// [feed.map.layout.N]. Init time only.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "codec/iso_dialect.h"

namespace txscreen::iso::detail {

// The shipped dialects a name resolves to, and how messages list them.
inline constexpr std::string_view builtin_dialect_list = "binary, hex, bcd, ebcdic, iso93-ascii";
std::optional<std::string_view> builtin_dialect_text(std::string_view name) noexcept;

// The whole file, or false with `why` ("no such file", "is a directory", "larger than
// the 16 MiB limit for a dialect file (...)"): common/bounded_file.h's checks and words.
bool read_dialect_file(const std::filesystem::path& path, std::string& text, std::string& why);

// "x.toml" / "x.xml" (a path), as opposed to a built-in or standard name.
bool names_dialect_file(std::string_view name) noexcept;

// A layout table as a dialect file's [fields.N] writes it (layout, its keys and
// [.sub.ID] tables), for [feed.map.layout.N]. `key` names the table in messages
// ("feed[1].map.layout.48"); problems go to `errors` with the table's own lines
// (errors supplies the file name). Sub-fields may not have layouts of their own here.
bool read_layout_table(const toml::table& table, const std::string& key, layout_def& out, config_errors& errors);

}  // namespace txscreen::iso::detail
