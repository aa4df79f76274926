// load_dialect (iso_wire.h): a feed's `dialect` as a built-in name or a file on disk,
// and the file reading the TOML loader's path bases share. A file's problems keep its
// own name and lines ("dialects/acme.toml:14: fields.48.tag_chars: ..."); the config
// reader puts them under the feed's `dialect` key. Init time only.
#include "codec/iso_wire.h"

#include "codec/iso_dialect_detail.h"
#include "common/bounded_file.h"
#include "config/config_errors.h"

namespace txscreen {
namespace iso::detail {

bool names_dialect_file(std::string_view name) noexcept {
    return name.ends_with(".toml") || name.ends_with(".xml");
}

bool read_dialect_file(const std::filesystem::path& path, std::string& text, std::string& why) {
    input_file in = read_input_file(path.string(), input_kind::dialect);
    if (!in.ok()) {
        why = std::move(in.problem);
        return false;
    }
    text = std::move(in.text);
    return true;
}

}  // namespace iso::detail

bool load_dialect(std::string_view name_or_path, const std::filesystem::path& base_dir, iso::dialect_def& out,
                  config_errors& errors) {
    namespace detail = iso::detail;
    const std::string name(name_or_path);
    if (auto text = detail::builtin_dialect_text(name))
        return iso::parse_dialect_toml(*text, "<built-in>/" + name + ".toml", out, errors);
    if (!detail::names_dialect_file(name)) {
        errors.fail("\"" + name + "\"", "no built-in dialect of that name (" + std::string(detail::builtin_dialect_list) +
                                            "), and a dialect file's name ends in .toml or .xml");
        return false;
    }
    const std::string path = (base_dir / std::filesystem::path(name)).lexically_normal().string();
    std::string text, why;
    if (!detail::read_dialect_file(path, text, why)) {
        errors.fail(path, why);
        return false;
    }
    try {
        if (name.ends_with(".xml")) return iso::parse_jpos_xml(text, path, out, errors);
        return iso::parse_dialect_toml(text, path, out, errors);
    } catch (const std::exception& e) {  // bad_alloc and the like: never past start-up's reader
        errors.fail(path, std::string("cannot be read: ") + e.what());
        return false;
    }
}

}  // namespace txscreen
