#include "screen/pattern_file.h"

#include "common/bounded_file.h"

#include <hs/hs.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace txscreen {

namespace {

std::string make_message(const std::string& file, uint32_t line, const std::string& pattern,
                         const std::string& reason) {
    std::string m;
    m.reserve(file.size() + reason.size() + pattern.size() + 24);
    m.append(file);
    if (line) m.append(":").append(std::to_string(line));
    m.append(": ").append(reason);
    if (!pattern.empty()) m.append(" in '").append(pattern).append("'");
    return m;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Splits off the next whitespace-delimited token of `rest`.
std::string_view next_token(std::string_view& rest) {
    rest = trim(rest);
    std::size_t n = 0;
    while (n < rest.size() && !is_space(rest[n])) ++n;
    std::string_view tok = rest.substr(0, n);
    rest.remove_prefix(n);
    return tok;
}

std::string allowed_list(const char* const* names, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (i) s += ", ";
        s += names[i];
    }
    return s;
}

}  // namespace

pattern_file_error::pattern_file_error(std::string file, uint32_t line, std::string pattern,
                                       const std::string& reason)
    : std::runtime_error(make_message(file, line, pattern, reason)),
      _file(std::move(file)), _line(line), _pattern(std::move(pattern)), _reason(reason) {}

bool parse_pattern_flags(std::string_view letters, unsigned& hs_flags, char& bad) noexcept {
    // Every pattern reports at most once per scanned field: screening only asks
    // whether a pattern matched, and single-match lets Hyperscan stop early per pattern.
    unsigned f = HS_FLAG_SINGLEMATCH;
    char seen[16] = {};
    std::size_t n_seen = 0;
    for (char c : letters) {
        for (std::size_t i = 0; i < n_seen; ++i)
            if (seen[i] == c) {
                bad = c;
                return false;
            }
        if (n_seen < sizeof seen) seen[n_seen++] = c;
        switch (c) {
            case 'i': f |= HS_FLAG_CASELESS; break;
            case 's': f |= HS_FLAG_DOTALL; break;
            case 'm': f |= HS_FLAG_MULTILINE; break;
            case '8': f |= HS_FLAG_UTF8; break;
            case 'W': f |= HS_FLAG_UCP; break;
            case 'H': break;
            default: bad = c; return false;
        }
    }
    hs_flags = f;
    return true;
}

std::vector<pattern_def> parse_patterns(std::string_view text, std::string_view source_sv) {
    const std::string source(source_sv);
    std::vector<pattern_def> out;
    std::unordered_map<uint32_t, uint32_t> line_of_id;
    uint32_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        std::size_t nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        const std::string shown(line);
        auto fail = [&](const std::string& reason) -> void {
            throw pattern_file_error(source, line_no, shown, reason);
        };

        pattern_def p;
        p.line = line_no;
        p.source = source;

        // id
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) fail("expected 'id:/regex/flags category weight fields'");
        std::string_view id_text = line.substr(0, colon);
        uint64_t id = 0;
        auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
        if (id_text.empty() || ec != std::errc() || ptr != id_text.data() + id_text.size())
            fail("pattern id '" + std::string(id_text) + "' is not a number");
        if (id == 0 || id > UINT32_MAX)
            fail("pattern id " + std::string(id_text) + " out of range (1.." + std::to_string(UINT32_MAX) + ")");
        p.id = static_cast<uint32_t>(id);

        // /regex/ : closed by the first '/' not escaped by a backslash
        std::string_view rest = line.substr(colon + 1);
        if (rest.empty() || rest.front() != '/') fail("expected '/' after the pattern id");
        std::size_t i = 1;
        bool closed = false;
        for (; i < rest.size(); ++i) {
            if (rest[i] == '\\') {
                ++i;
                continue;
            }
            if (rest[i] == '/') {
                closed = true;
                break;
            }
        }
        if (!closed) fail("regex is not closed by '/' (write '\\/' for a slash inside it)");
        p.regex = std::string(rest.substr(1, i - 1));
        if (p.regex.empty()) fail("empty regex");
        rest.remove_prefix(i + 1);

        // flags: letters right after the closing slash
        std::size_t nf = 0;
        while (nf < rest.size() && !is_space(rest[nf])) ++nf;
        p.flags = std::string(rest.substr(0, nf));
        rest.remove_prefix(nf);
        char bad = 0;
        if (!parse_pattern_flags(p.flags, p.hs_flags, bad))
            fail(std::string("unknown or repeated flag '") + bad + "' (allowed: i s m 8 W H)");
        if ((p.hs_flags & HS_FLAG_UCP) && !(p.hs_flags & HS_FLAG_UTF8))
            fail("flag 'W' needs flag '8'");

        // category weight fields [# comment]
        std::string_view cat = next_token(rest);
        std::string_view weight = next_token(rest);
        std::string_view fields = next_token(rest);
        std::string_view extra = next_token(rest);
        if (cat.empty() || weight.empty() || fields.empty())
            fail("expected 'category weight fields' after the regex");
        if (!extra.empty() && extra.front() != '#')
            fail("unexpected text '" + std::string(extra) + "' after the fields (comments start with '#')");

        auto c = parse_pattern_category(cat);
        if (!c)
            fail("unknown category '" + std::string(cat) + "' (allowed: " +
                 allowed_list(pattern_category_names, pattern_category_count) + ")");
        p.category = *c;

        unsigned w = 0;
        auto [wp, wec] = std::from_chars(weight.data(), weight.data() + weight.size(), w);
        if (wec != std::errc() || wp != weight.data() + weight.size() || w > max_pattern_weight)
            fail("weight '" + std::string(weight) + "' is not an integer 0..100");
        p.weight = static_cast<uint8_t>(w);

        for (std::string_view fl = fields;;) {
            std::size_t comma = fl.find(',');
            std::string_view name = fl.substr(0, comma);
            auto f = parse_screen_field(name);
            if (!f)
                fail("unknown field '" + std::string(name) + "' (allowed: " +
                     allowed_list(screen_field_names, screen_field_count) + ")");
            p.fields |= field_bit(*f);
            if (comma == std::string_view::npos) break;
            fl.remove_prefix(comma + 1);
        }

        auto [it, inserted] = line_of_id.emplace(p.id, line_no);
        if (!inserted)
            fail("duplicate pattern id " + std::to_string(p.id) + " (first defined on line " +
                 std::to_string(it->second) + ")");
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<pattern_def> load_pattern_file(const std::string& path) {
    input_file in = read_input_file(path, input_kind::patterns);
    if (!in.ok()) throw pattern_file_error(path, 0, "", in.problem);
    // Errors name the file as the operator gave it.
    return parse_patterns(in.text, path);
}

std::string format_pattern(const pattern_def& p) {
    std::string s = std::to_string(p.id) + ":/" + p.regex + "/" + p.flags + " " +
                    pattern_category_name(p.category) + " " + std::to_string(p.weight) + " ";
    bool first = true;
    for (int f = 0; f < screen_field_count; ++f) {
        if (!(p.fields & (1u << f))) continue;
        if (!first) s += ",";
        s += screen_field_names[f];
        first = false;
    }
    return s;
}

}  // namespace txscreen
