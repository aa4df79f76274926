// The map model's names, its path syntax, the [feed.map] reader and the two default maps
// (iso_map.h). The default maps are data: TOML texts below, read by read_map_toml like
// an operator's table, so "what txscreen always read" and what a feed can override are
// one format. Init time only.
#include "codec/iso_map.h"

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include "codec/iso_dialect_detail.h"
#include "config/config_errors.h"

namespace txscreen::iso {
namespace {

// ---- Names

constexpr std::array<std::string_view, static_cast<std::size_t>(map_target::count)> target_names = {
#define TXSCREEN_X(name) #name,
    TXSCREEN_MAP_TARGETS(TXSCREEN_X)
#undef TXSCREEN_X
};

struct converter_word {
    std::string_view text;
    converter value;
};
constexpr converter_word converter_words[] = {
    {"text", converter::text},         {"digits", converter::digits},
    {"number", converter::number},     {"mmddhhmmss", converter::mmddhhmmss},
    {"yymmddhhmmss", converter::yymmddhhmmss}, {"hhmmss", converter::hhmmss},
    {"mmdd", converter::mmdd},         {"yymm", converter::yymm},
    {"currency", converter::currency}, {"decimal", converter::decimal},
    {"microdegrees", converter::microdegrees}, {"ipv4-binary", converter::ipv4_binary},
    {"ipv4-hex", converter::ipv4_hex}};

std::optional<map_target> find_target(std::string_view name) {
    for (std::size_t i = 0; i < target_names.size(); ++i)
        if (target_names[i] == name) return static_cast<map_target>(i);
    return std::nullopt;
}

std::optional<converter> find_converter(std::string_view name) {
    for (const auto& w : converter_words)
        if (w.text == name) return w.value;
    return std::nullopt;
}

std::string converter_list() {
    std::string out;
    for (const auto& w : converter_words) out += (out.empty() ? "" : ", ") + std::string(w.text);
    return out;
}

// ---- Paths

constexpr std::size_t max_path_subs = 3;  // layouts nest at most 3 deep
constexpr unsigned max_slice = 9999;      // the longest variable field

bool is_digits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }

// "0".."9999"; nullopt for anything else.
std::optional<unsigned> small_number(std::string_view s) {
    if (!is_digits(s) || s.size() > 4) return std::nullopt;
    unsigned v = 0;
    for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
    return v;
}

bool parse_slice(std::string_view s, map_path& out, std::string& why) {
    const std::size_t colon = s.find(':');
    if (colon == std::string_view::npos) {
        why = "a slice is [from:to], [from:] or [:to]";
        return false;
    }
    const std::string_view a = s.substr(0, colon), b = s.substr(colon + 1);
    const auto from = a.empty() ? std::optional<unsigned>(0) : small_number(a);
    // "[from:]" runs to the end of the value, whatever its length: slice_to 0xFFFF
    // (iso_map.h), which every reader clamps to the value's length.
    const auto to = b.empty() ? std::optional<unsigned>(0xFFFF) : small_number(b);
    if (!from || !to || *from > max_slice || (!b.empty() && *to > max_slice)) {
        why = "slice bounds are numbers 0.." + std::to_string(max_slice);
        return false;
    }
    if (!b.empty() && *to <= *from) {
        why = "slice [" + std::string(s) + "] is empty (to must be greater than from)";
        return false;
    }
    out.slice_from = static_cast<uint16_t>(*from);
    out.slice_to = static_cast<uint16_t>(*to);
    return true;
}

bool valid_sub_id(std::string_view id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    });
}

// ---- The [feed.map] table

// One table's reader: where its problems go and what it builds.
struct map_reader {
    std::string_view prefix;  // "feed[1].map"
    map_def& out;
    config_errors& errors;
    bool ok = true;

    std::string key(std::string_view name) const { return std::string(prefix) + "." + std::string(name); }
    void fail(const toml::node& n, const std::string& k, const std::string& what) {
        errors.fail_at(n.source().begin.line, k, what);
        ok = false;
    }
    std::optional<map_path> path_at(const toml::node& n, const std::string& k);
    std::optional<uint8_t> field_at(const toml::node& n, const std::string& k);
    void read_base(const toml::node& n);
    void read_required(const toml::node& n, std::string_view name, std::vector<uint8_t>& to);
    void read_target(map_target t, const toml::node& n, std::string_view name);
    bool read_from(const toml::node& n, const std::string& k, map_entry& e);
    void read_layouts(const toml::node& n);
    void read_channel_rule(const toml::table& t, const std::string& k);
    void read_channels(const toml::node& n);
    std::vector<std::string> strings_at(const toml::node& n, const std::string& k);
};

std::optional<map_path> map_reader::path_at(const toml::node& n, const std::string& k) {
    const auto* s = n.as_string();
    if (!s) {
        fail(n, k, "expected a path string (\"48.DI\", \"43[0:22]\")");
        return std::nullopt;
    }
    map_path p;
    std::string why;
    if (parse_map_path(s->get(), p, why)) return p;
    fail(n, k, "\"" + s->get() + "\": " + why);
    return std::nullopt;
}

// 2..128, as an integer or a string of digits.
std::optional<uint8_t> map_reader::field_at(const toml::node& n, const std::string& k) {
    std::optional<int64_t> v;
    if (const auto* i = n.as_integer()) v = i->get();
    else if (const auto* s = n.as_string(); s && s->get().size() <= 3 && is_digits(s->get())) v = std::stoll(s->get());
    if (v && *v >= 2 && *v <= 128) return static_cast<uint8_t>(*v);
    fail(n, k, "expected a field number 2..128 (an integer or a string of digits)");
    return std::nullopt;
}

void map_reader::read_base(const toml::node& n) {
    const auto* s = n.as_string();
    const std::string name = s ? s->get() : std::string();
    if (name == "none") {
        out = map_def{};
        out.base = "none";
    } else if (const map_def* d = s ? default_map(name) : nullptr) {
        out = *d;
    } else {
        fail(n, key("base"), "expected \"iso8583-1987\", \"iso8583-1993\" or \"none\" (start from an empty map)");
    }
}

void map_reader::read_required(const toml::node& n, std::string_view name, std::vector<uint8_t>& to) {
    const auto* a = n.as_array();
    if (!a) {
        fail(n, key(name), "expected an array of field numbers ([\"2\", \"4\", \"7\"])");
        return;
    }
    std::vector<uint8_t> fields;
    for (std::size_t i = 0; i < a->size(); ++i)
        if (auto f = field_at(*a->get(i), key(name) + "[" + std::to_string(i) + "]")) fields.push_back(*f);
    std::sort(fields.begin(), fields.end());
    fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
    to = std::move(fields);
}

// `from`: one path or an array of them, the first present wins.
bool map_reader::read_from(const toml::node& n, const std::string& k, map_entry& e) {
    std::vector<map_path> paths;
    if (const auto* a = n.as_array()) {
        if (a->empty()) {
            fail(n, k, "expected at least one path");
            return false;
        }
        for (std::size_t i = 0; i < a->size(); ++i)
            if (auto p = path_at(*a->get(i), k + "[" + std::to_string(i) + "]")) paths.push_back(std::move(*p));
        if (paths.size() != a->size()) return false;
    } else if (auto p = path_at(n, k)) {
        paths.push_back(std::move(*p));
    } else {
        return false;
    }
    e.from = std::move(paths);
    return true;
}

// target = "path" | ["path", ...] | { from = ..., convert = "..." } | false (unmapped).
void map_reader::read_target(map_target t, const toml::node& n, std::string_view name) {
    const std::string k = key(name);
    auto it = std::find_if(out.entries.begin(), out.entries.end(), [&](const map_entry& e) { return e.target == t; });
    if (const auto* b = n.as_boolean()) {
        if (b->get()) fail(n, k, "expected a path, a table { from = ..., convert = ... }, or false to leave it unmapped");
        else if (it != out.entries.end()) out.entries.erase(it);
        return;
    }
    map_entry e;
    e.target = t;
    e.line = n.source().begin.line;
    if (const auto* tab = n.as_table()) {
        for (auto&& [sub, v] : *tab)
            if (sub.str() != "from" && sub.str() != "convert")
                fail(v, k + "." + std::string(sub.str()), "unknown key (allowed: from, convert)");
        if (const toml::node* f = tab->get("from")) {
            if (!read_from(*f, k + ".from", e)) return;
        } else if (it != out.entries.end()) {
            e.from = it->from;  // only the converter changes
        } else {
            fail(n, k, "needs from (the path to read; this map has no " + std::string(name) + " to keep)");
            return;
        }
        if (const toml::node* c = tab->get("convert")) {
            const auto* s = c->as_string();
            const auto conv = s ? find_converter(s->get()) : std::nullopt;
            if (!conv) {
                fail(*c, k + ".convert", (s ? "\"" + s->get() + "\" is not a converter" : std::string("expected a string")) +
                                             " (" + converter_list() + ")");
                return;
            }
            e.conv = *conv;
        }
    } else if (!read_from(n, k, e)) {
        return;
    }
    if (it != out.entries.end()) *it = std::move(e);
    else out.entries.push_back(std::move(e));
}

void map_reader::read_layouts(const toml::node& n) {
    const auto* t = n.as_table();
    if (!t) {
        fail(n, key("layout"), "expected a table of layouts by field ([" + key("layout") + ".48])");
        return;
    }
    for (auto&& [k, v] : *t) {
        const std::string lk = key("layout") + "." + std::string(k.str());
        const auto number = small_number(k.str());
        if (!number || *number < 2 || *number > 128) {
            fail(v, lk, "not a field number (2..128)");
            continue;
        }
        const auto field = static_cast<uint8_t>(*number);
        auto it = std::find_if(out.layouts.begin(), out.layouts.end(), [&](const auto& l) { return l.first == field; });
        if (const auto* b = v.as_boolean(); b && !b->get()) {
            if (it != out.layouts.end()) out.layouts.erase(it);
            continue;
        }
        const auto* lt = v.as_table();
        if (!lt) {
            fail(v, lk, "expected a layout table (layout = \"tlv\", ...), or false to remove the map's layout");
            continue;
        }
        layout_def l;
        if (!detail::read_layout_table(*lt, lk, l, errors)) {
            ok = false;
            continue;
        }
        if (it != out.layouts.end()) it->second = std::move(l);
        else out.layouts.emplace_back(field, std::move(l));
    }
}

std::vector<std::string> map_reader::strings_at(const toml::node& n, const std::string& k) {
    std::vector<std::string> values;
    const auto* a = n.as_array();
    if (!a) {
        fail(n, k, "expected an array of values ([\"05\", \"06\"])");
        return values;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
        const auto* s = a->get(i)->as_string();
        if (s && !s->get().empty()) values.push_back(s->get());
        else fail(*a->get(i), k + "[" + std::to_string(i) + "]", "expected a non-empty string");
    }
    return values;
}

// { from = path, ecom = [...], atm = [...], pos = [...] }
void map_reader::read_channel_rule(const toml::table& t, const std::string& k) {
    map_channel c;
    for (auto&& [sub, v] : t)
        if (sub.str() != "from" && sub.str() != "ecom" && sub.str() != "atm" && sub.str() != "pos")
            fail(v, k + "." + std::string(sub.str()), "unknown key (allowed: from, ecom, atm, pos)");
    const toml::node* from = t.get("from");
    if (!from) {
        fail(t, k, "needs from (the path whose value sets the channel)");
        return;
    }
    auto p = path_at(*from, k + ".from");
    if (!p) return;
    c.from = std::move(*p);
    if (const toml::node* n = t.get("ecom")) c.ecom = strings_at(*n, k + ".ecom");
    if (const toml::node* n = t.get("atm")) c.atm = strings_at(*n, k + ".atm");
    if (const toml::node* n = t.get("pos")) c.pos = strings_at(*n, k + ".pos");
    if (!t.contains("ecom") && !t.contains("atm") && !t.contains("pos")) {
        fail(t, k, "lists no values (ecom, atm or pos)");
        return;
    }
    out.channel.push_back(std::move(c));
}

// A table, or [[feed.map.channel]] rules (first match wins); false: derived only.
void map_reader::read_channels(const toml::node& n) {
    out.channel.clear();
    if (const auto* b = n.as_boolean(); b && !b->get()) return;
    if (const auto* t = n.as_table()) {
        read_channel_rule(*t, key("channel"));
        return;
    }
    const auto* a = n.as_array();
    if (!a || !a->is_array_of_tables()) {
        fail(n, key("channel"), "expected { from = path, ecom = [...], atm = [...], pos = [...] } or [[" +
                                    key("channel") + "]] tables");
        return;
    }
    for (std::size_t i = 0; i < a->size(); ++i)
        read_channel_rule(*a->get(i)->as_table(), key("channel") + "[" + std::to_string(i) + "]");
}

std::string target_list() {
    std::string out;
    for (auto n : target_names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

// ---- The default maps

// ISO 8583:1987: what the decoder always read (src/codec/iso8583.cpp). Converters are
// the targets' usual ones (docs/feeds.md "Mapping").
constexpr std::string_view map_1987_text = R"(
pan = "2"
processing_code = "3"
amount = "4"
event_time = "7"
stan = "11"
local_time = "12"
local_date = "13"
expiry = "14"
mcc = "18"
pos_entry_mode = "22"
pos_condition = "25"
acquirer_id = "32"
rrn = "37"
auth_code = "38"
response_code = "39"
terminal_id = "41"
merchant_id = "42"
merchant_name = "43[0:22]"
city = "43[22:35]"
region = "43[35:38]"
country = "43[38:40]"
device_id = "48.DI"
ip = "48.IP"
email = "48.EM"
currency = "49"
account_id = "102"
required_request = [2, 4, 7]
required_response = [7, 11, 39]

[layout.48]
layout = "tlv"
tag_chars = 2
len_digits = 2
)";

// ISO 8583:1993: the 1987 map where the element means the same, so only the
// differences are written here. 12 is the full local date
// and time (YYMMDDhhmmss) and 13 the effective date, so 12 fills local_date too. 39 is
// the 3-digit action code. 26 (card acceptor business code) and 18 (merchant type) are
// both n4 merchant category codes; 26 is 1993's own. 22 is the an12 point of service
// data code and 25 an n4 message reason code: neither holds the 1987 entry mode or
// condition code, so pos_entry_mode and pos_condition stay unmapped (a link's map sets
// them from the positions its spec names). 43 is LL ans..99 with no fixed split; the
// 1987 slices are kept as the common 22/13/3/2 layout, which a link's map can replace.
constexpr std::string_view map_1993_text = R"(
base = "iso8583-1987"
local_time = { from = "12", convert = "yymmddhhmmss" }
local_date = false
mcc = ["26", "18"]
pos_entry_mode = false
pos_condition = false
)";

// Throws std::logic_error when the embedded text is wrong (a build defect the unit
// tests catch; never a user's input).
map_def make_default(std::string_view base, std::string_view text) {
    const std::string source = "<default map " + std::string(base) + ">";
    config_errors errors(source);
    map_def m;
    m.base = std::string(base);
    const toml::table doc = toml::parse(text, source);
    if (!read_map_toml(doc, source, "map", m, errors)) {
        const auto lines = errors.take();
        throw std::logic_error(lines.empty() ? source : lines.front());
    }
    for (map_entry& e : m.entries) e.line = 0;  // no config line to name
    m.base = std::string(base);                 // the 1993 text names 1987 as its start
    return m;
}

}  // namespace

std::string_view target_name(map_target t) noexcept {
    const auto i = static_cast<std::size_t>(t);
    return i < target_names.size() ? target_names[i] : std::string_view("?");
}

std::string_view converter_name(converter c) noexcept {
    for (const auto& w : converter_words)
        if (w.value == c) return w.text;
    return "automatic";
}

bool parse_map_path(std::string_view text, map_path& out, std::string& why) {
    map_path p;
    p.text = std::string(text);
    std::string_view rest = text;
    if (const std::size_t open = rest.find('['); open != std::string_view::npos) {
        if (rest.back() != ']') {
            why = "a slice ends the path: \"43[0:22]\"";
            return false;
        }
        if (!parse_slice(rest.substr(open + 1, rest.size() - open - 2), p, why)) return false;
        rest = rest.substr(0, open);
    }
    std::vector<std::string_view> parts;
    for (std::size_t at = 0;;) {
        const std::size_t dot = rest.find('.', at);
        parts.push_back(rest.substr(at, dot == std::string_view::npos ? std::string_view::npos : dot - at));
        if (dot == std::string_view::npos) break;
        at = dot + 1;
    }
    const auto field = small_number(parts.front());
    if (!field || *field < 2 || *field > 128) {
        why = field && *field == 1 ? "field 1 is the secondary bitmap" : "a path starts with a field number 2..128";
        return false;
    }
    p.field = static_cast<uint8_t>(*field);
    if (parts.size() - 1 > max_path_subs) {
        why = "sub-fields nest at most " + std::to_string(max_path_subs) + " deep";
        return false;
    }
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (!valid_sub_id(parts[i])) {
            why = "a sub-field id or tag is letters, digits or _";
            return false;
        }
        p.subs.emplace_back(parts[i]);
    }
    out = std::move(p);
    return true;
}

bool read_map_toml(const toml::table& table, std::string_view source, std::string_view key_prefix, map_def& out,
                   config_errors& errors) {
    (void)source;  // `errors` carries the file name: it is the config's own config_errors
    map_reader r{key_prefix, out, errors};
    if (const toml::node* n = table.get("base")) r.read_base(*n);
    for (auto&& [k, v] : table) {
        const std::string_view name = k.str();
        if (name == "base") continue;
        if (name == "required_request") r.read_required(v, name, out.required_request);
        else if (name == "required_response") r.read_required(v, name, out.required_response);
        else if (name == "layout") r.read_layouts(v);
        else if (name == "channel") r.read_channels(v);
        else if (auto t = find_target(name)) r.read_target(*t, v, name);
        else
            r.fail(v, r.key(name), "unknown key (targets: " + target_list() +
                                       "; also base, required_request, required_response, layout, channel)");
    }
    return r.ok;
}

const map_def* default_map(std::string_view base) noexcept {
    // Built on first use, at start-up; the texts are checked by the unit tests. One
    // static per map: the 1993 text starts from the 1987 map through this function.
    if (base == "iso8583-1987") {
        static const map_def map_1987 = make_default("iso8583-1987", map_1987_text);
        return &map_1987;
    }
    if (base == "iso8583-1993") {
        static const map_def map_1993 = make_default("iso8583-1993", map_1993_text);
        return &map_1993;
    }
    return nullptr;
}

}  // namespace txscreen::iso
