// Feed maps (issue #16): the default maps of the two standards, the path syntax, and
// every key form and message of [feed.map] (read_map_toml).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "codec/iso_map.h"
#include "config/config_errors.h"

using namespace txscreen;
using namespace txscreen::iso;

namespace {

const map_entry* entry(const map_def& m, map_target t) {
    auto it = std::find_if(m.entries.begin(), m.entries.end(), [&](const map_entry& e) { return e.target == t; });
    return it == m.entries.end() ? nullptr : &*it;
}

// The paths a target reads, as written ("43[0:22]"), or {} when unmapped.
std::vector<std::string> paths_of(const map_def& m, map_target t) {
    std::vector<std::string> out;
    if (const map_entry* e = entry(m, t))
        for (const map_path& p : e->from) out.push_back(p.text);
    return out;
}

struct read_result {
    bool ok;
    map_def map;
    std::vector<std::string> errors;
};

// `text` is the body of a [feed.map] table in txscreen.toml; the map starts as `start`.
read_result read(std::string_view text, const map_def& start) {
    read_result r;
    r.map = start;
    config_errors errors("txscreen.toml");
    const toml::table doc = toml::parse(text, std::string_view("txscreen.toml"));
    r.ok = read_map_toml(doc, "txscreen.toml", "feed[0].map", r.map, errors);
    r.errors = errors.take();
    return r;
}

read_result read_1987(std::string_view text) { return read(text, *default_map("iso8583-1987")); }

std::string only_error(std::string_view text) {
    read_result r = read_1987(text);
    CHECK_FALSE(r.ok);
    REQUIRE(r.errors.size() == 1);
    return r.errors[0];
}

map_path path(std::string_view text) {
    map_path p;
    std::string why;
    INFO(text);
    REQUIRE(parse_map_path(text, p, why));
    return p;
}

std::string path_error(std::string_view text) {
    map_path p;
    std::string why;
    CHECK_FALSE(parse_map_path(text, p, why));
    return why;
}

}  // namespace

TEST_CASE("the default 1987 map reads what the decoder always read", "[iso_map]") {
    const map_def* m = default_map("iso8583-1987");
    REQUIRE(m);
    CHECK(m->base == "iso8583-1987");
    const std::vector<std::pair<map_target, std::string>> expected = {
        {map_target::pan, "2"},           {map_target::processing_code, "3"},  {map_target::amount, "4"},
        {map_target::event_time, "7"},    {map_target::stan, "11"},            {map_target::local_time, "12"},
        {map_target::local_date, "13"},   {map_target::expiry, "14"},          {map_target::mcc, "18"},
        {map_target::pos_entry_mode, "22"}, {map_target::pos_condition, "25"}, {map_target::acquirer_id, "32"},
        {map_target::rrn, "37"},          {map_target::auth_code, "38"},       {map_target::response_code, "39"},
        {map_target::terminal_id, "41"},  {map_target::merchant_id, "42"},     {map_target::merchant_name, "43[0:22]"},
        {map_target::city, "43[22:35]"},  {map_target::region, "43[35:38]"},   {map_target::country, "43[38:40]"},
        {map_target::device_id, "48.DI"}, {map_target::ip, "48.IP"},           {map_target::email, "48.EM"},
        {map_target::currency, "49"},     {map_target::account_id, "102"},
    };
    for (const auto& [target, from] : expected) {
        INFO(target_name(target));
        CHECK(paths_of(*m, target) == std::vector<std::string>{from});
        CHECK(entry(*m, target)->conv == converter::automatic);
        CHECK(entry(*m, target)->line == 0);
    }
    CHECK(m->entries.size() == expected.size());  // lat and lon are unmapped
    CHECK(m->required_request == std::vector<uint8_t>{2, 4, 7});
    CHECK(m->required_response == std::vector<uint8_t>{7, 11, 39});
    REQUIRE(m->layouts.size() == 1);
    CHECK(m->layouts[0].first == 48);
    CHECK(m->layouts[0].second.kind == layout_kind::tlv);
    CHECK(m->layouts[0].second.tag_chars == 2);
    CHECK(m->layouts[0].second.len_digits == 2);
    CHECK_FALSE(m->layouts[0].second.len_binary);
    CHECK(m->layouts[0].second.lead_bytes == 0);
    CHECK(m->channel.empty());

    const map_path& name = entry(*m, map_target::merchant_name)->from[0];
    CHECK(name.field == 43);
    CHECK(name.slice_from == 0);
    CHECK(name.slice_to == 22);
    const map_path& device = entry(*m, map_target::device_id)->from[0];
    CHECK(device.field == 48);
    CHECK(device.subs == std::vector<std::string>{"DI"});
}

TEST_CASE("the default 1993 map follows the 1993 element meanings", "[iso_map]") {
    const map_def* m93 = default_map("iso8583-1993");
    const map_def* m87 = default_map("iso8583-1987");
    REQUIRE(m93);
    CHECK(m93->base == "iso8583-1993");
    // 12 is YYMMDDhhmmss and fills local_date; 13 is the effective date.
    CHECK(paths_of(*m93, map_target::local_time) == std::vector<std::string>{"12"});
    CHECK(entry(*m93, map_target::local_time)->conv == converter::yymmddhhmmss);
    CHECK(entry(*m93, map_target::local_date) == nullptr);
    CHECK(paths_of(*m93, map_target::mcc) == std::vector<std::string>{"26", "18"});
    CHECK(paths_of(*m93, map_target::response_code) == std::vector<std::string>{"39"});
    CHECK(entry(*m93, map_target::pos_entry_mode) == nullptr);
    CHECK(entry(*m93, map_target::pos_condition) == nullptr);
    for (map_target t : {map_target::pan, map_target::processing_code, map_target::amount, map_target::event_time,
                         map_target::stan, map_target::expiry, map_target::acquirer_id, map_target::rrn,
                         map_target::auth_code, map_target::terminal_id, map_target::merchant_id,
                         map_target::merchant_name, map_target::city, map_target::region, map_target::country,
                         map_target::device_id, map_target::ip, map_target::email, map_target::currency,
                         map_target::account_id}) {
        INFO(target_name(t));
        CHECK(paths_of(*m93, t) == paths_of(*m87, t));
    }
    CHECK(m93->required_request == m87->required_request);
    CHECK(m93->required_response == m87->required_response);
    REQUIRE(m93->layouts.size() == 1);
    CHECK(m93->layouts[0].first == 48);
    CHECK(m93->layouts[0].second.kind == layout_kind::tlv);
}

TEST_CASE("default_map knows the two standards only", "[iso_map]") {
    CHECK(default_map("iso8583-2003") == nullptr);
    CHECK(default_map("binary") == nullptr);
    CHECK(default_map("none") == nullptr);
}

TEST_CASE("target and converter names", "[iso_map]") {
    CHECK(target_name(map_target::pan) == "pan");
    CHECK(target_name(map_target::account_id) == "account_id");
    CHECK(target_name(map_target::lon) == "lon");
    CHECK(target_name(map_target::count) == "?");
    CHECK(converter_name(converter::ipv4_binary) == "ipv4-binary");
    CHECK(converter_name(converter::yymmddhhmmss) == "yymmddhhmmss");
    CHECK(converter_name(converter::automatic) == "automatic");
}

TEST_CASE("map paths: field, sub-fields, slice", "[iso_map]") {
    const map_path whole = path("2");
    CHECK(whole.field == 2);
    CHECK(whole.subs.empty());
    CHECK(whole.slice_to == 0);
    CHECK(whole.text == "2");

    const map_path deep = path("126.9.8[2:4]");
    CHECK(deep.field == 126);
    CHECK(deep.subs == std::vector<std::string>{"9", "8"});
    CHECK(deep.slice_from == 2);
    CHECK(deep.slice_to == 4);

    // "[from:]" runs to the end: slice_to 0xFFFF, not 0 (which reads as the whole value).
    const map_path tail = path("60[8:]");
    CHECK(tail.slice_from == 8);
    CHECK(tail.slice_to == 0xFFFF);
    const map_path all = path("60[:]");
    CHECK(all.slice_from == 0);
    CHECK(all.slice_to == 0xFFFF);
    const map_path head = path("43[:22]");
    CHECK(head.slice_from == 0);
    CHECK(head.slice_to == 22);
    CHECK(path("128").field == 128);
    CHECK(path("48.a_1").subs == std::vector<std::string>{"a_1"});
}

TEST_CASE("map paths: what is refused and why", "[iso_map]") {
    CHECK(path_error("") == "a path starts with a field number 2..128");
    CHECK(path_error("0") == "a path starts with a field number 2..128");
    CHECK(path_error("1") == "field 1 is the secondary bitmap");
    CHECK(path_error("129") == "a path starts with a field number 2..128");
    CHECK(path_error("DI") == "a path starts with a field number 2..128");
    CHECK(path_error(" 2") == "a path starts with a field number 2..128");
    CHECK(path_error("48.") == "a sub-field id or tag is letters, digits or _");
    CHECK(path_error("48..DI") == "a sub-field id or tag is letters, digits or _");
    CHECK(path_error("48.D-I") == "a sub-field id or tag is letters, digits or _");
    CHECK(path_error("126.1.2.3.4") == "sub-fields nest at most 3 deep");
    CHECK(path_error("43[0:22") == "a slice ends the path: \"43[0:22]\"");
    CHECK(path_error("43[0:22]x") == "a slice ends the path: \"43[0:22]\"");
    CHECK(path_error("43[22]") == "a slice is [from:to], [from:] or [:to]");
    CHECK(path_error("43[5:5]") == "slice [5:5] is empty (to must be greater than from)");
    CHECK(path_error("43[9:3]") == "slice [9:3] is empty (to must be greater than from)");
    CHECK(path_error("43[a:3]") == "slice bounds are numbers 0..9999");
    CHECK(path_error("43[0:10000]") == "slice bounds are numbers 0..9999");
    CHECK(path_error("43[0:22][1:2]") == "slice bounds are numbers 0..9999");
}

TEST_CASE("[feed.map]: each target form replaces the default entry", "[iso_map]") {
    read_result r = read_1987(R"(
device_id = "126.9.8"
ip = { from = "126.9.9", convert = "ipv4-binary" }
mcc = ["26", "18"]
lat = { from = ["48.LA", "62.LA"], convert = "decimal" }
local_time = { convert = "hhmmss" }
email = false
)");
    INFO(r.errors.size());
    REQUIRE(r.ok);
    CHECK(r.errors.empty());
    CHECK(paths_of(r.map, map_target::device_id) == std::vector<std::string>{"126.9.8"});
    CHECK(entry(r.map, map_target::device_id)->line == 2);
    CHECK(entry(r.map, map_target::device_id)->conv == converter::automatic);
    CHECK(paths_of(r.map, map_target::ip) == std::vector<std::string>{"126.9.9"});
    CHECK(entry(r.map, map_target::ip)->conv == converter::ipv4_binary);
    CHECK(entry(r.map, map_target::ip)->line == 3);
    CHECK(paths_of(r.map, map_target::mcc) == std::vector<std::string>{"26", "18"});
    CHECK(paths_of(r.map, map_target::lat) == std::vector<std::string>{"48.LA", "62.LA"});
    CHECK(entry(r.map, map_target::lat)->conv == converter::decimal);
    // convert alone keeps the default's path
    CHECK(paths_of(r.map, map_target::local_time) == std::vector<std::string>{"12"});
    CHECK(entry(r.map, map_target::local_time)->conv == converter::hhmmss);
    CHECK(entry(r.map, map_target::email) == nullptr);
    // untouched targets keep their defaults
    CHECK(paths_of(r.map, map_target::pan) == std::vector<std::string>{"2"});
    CHECK(r.map.entries.size() == default_map("iso8583-1987")->entries.size());  // +lat -email
}

TEST_CASE("[feed.map]: every converter name", "[iso_map]") {
    const std::pair<const char*, converter> names[] = {
        {"text", converter::text},           {"digits", converter::digits},
        {"number", converter::number},       {"mmddhhmmss", converter::mmddhhmmss},
        {"yymmddhhmmss", converter::yymmddhhmmss}, {"hhmmss", converter::hhmmss},
        {"mmdd", converter::mmdd},           {"yymm", converter::yymm},
        {"currency", converter::currency},   {"decimal", converter::decimal},
        {"microdegrees", converter::microdegrees}, {"ipv4-binary", converter::ipv4_binary},
        {"ipv4-hex", converter::ipv4_hex}};
    for (const auto& [name, conv] : names) {
        INFO(name);
        read_result r = read_1987(std::string("ip = { from = \"48.IP\", convert = \"") + name + "\" }");
        REQUIRE(r.ok);
        CHECK(entry(r.map, map_target::ip)->conv == conv);
    }
}

TEST_CASE("[feed.map]: base, required fields", "[iso_map]") {
    read_result none = read_1987(R"(
base = "none"
pan = "2"
amount = "4"
required_request = [2, "4"]
)");
    REQUIRE(none.ok);
    CHECK(none.map.base == "none");
    CHECK(none.map.entries.size() == 2);
    CHECK(none.map.layouts.empty());
    CHECK(none.map.required_request == std::vector<uint8_t>{2, 4});
    CHECK(none.map.required_response.empty());

    read_result to93 = read_1987("base = \"iso8583-1993\"\nstan = \"11\"\n");
    REQUIRE(to93.ok);
    CHECK(to93.map.base == "iso8583-1993");
    CHECK(paths_of(to93.map, map_target::mcc) == std::vector<std::string>{"26", "18"});

    read_result req = read_1987("required_response = [\"39\", 7, \"7\"]\nrequired_request = []\n");
    REQUIRE(req.ok);
    CHECK(req.map.required_response == std::vector<uint8_t>{7, 39});
    CHECK(req.map.required_request.empty());
}

TEST_CASE("[feed.map]: layouts", "[iso_map]") {
    read_result r = read_1987(R"(
[layout.48]
layout = "tlv"
tag_chars = 3
len_digits = 3
lead = 1

[layout.60]
layout = "positional"
[layout.60.sub.1]
type = "n"
len = 2
[layout.60.sub.2]
type = "an"
len = 4

[layout.62]
layout = "tlv"
tag_chars = 2
len_digits = 1
len_binary = true
)");
    INFO((r.errors.empty() ? "" : r.errors[0]));
    REQUIRE(r.ok);
    REQUIRE(r.map.layouts.size() == 3);
    auto find = [&](uint8_t f) -> const layout_def& {
        auto it = std::find_if(r.map.layouts.begin(), r.map.layouts.end(), [&](const auto& l) { return l.first == f; });
        REQUIRE(it != r.map.layouts.end());
        return it->second;
    };
    const layout_def& l48 = find(48);
    CHECK(l48.kind == layout_kind::tlv);
    CHECK(l48.tag_chars == 3);
    CHECK(l48.len_digits == 3);
    CHECK(l48.lead_bytes == 1);
    const layout_def& l60 = find(60);
    CHECK(l60.kind == layout_kind::positional);
    REQUIRE(l60.subs.size() == 2);
    CHECK(l60.subs[0].first == "1");
    CHECK(l60.subs[0].second.type == content::n);
    CHECK(l60.subs[0].second.max == 2);
    CHECK(l60.subs[1].second.type == content::an);
    CHECK(l60.subs[1].second.max == 4);
    const layout_def& l62 = find(62);
    CHECK(l62.len_binary);
    CHECK(l62.len_digits == 1);

    read_result removed = read_1987("layout.48 = false\n");
    REQUIRE(removed.ok);
    CHECK(removed.map.layouts.empty());
}

TEST_CASE("[feed.map]: channel rules", "[iso_map]") {
    read_result one = read_1987("channel = { from = \"60[8:10]\", ecom = [\"05\", \"06\"], atm = [\"01\"] }\n");
    REQUIRE(one.ok);
    REQUIRE(one.map.channel.size() == 1);
    CHECK(one.map.channel[0].from.text == "60[8:10]");
    CHECK(one.map.channel[0].ecom == std::vector<std::string>{"05", "06"});
    CHECK(one.map.channel[0].atm == std::vector<std::string>{"01"});
    CHECK(one.map.channel[0].pos.empty());

    read_result many = read_1987(R"(
[[channel]]
from = "60[8:10]"
ecom = ["05"]
[[channel]]
from = "22[6:7]"
pos = ["2", "5"]
)");
    REQUIRE(many.ok);
    REQUIRE(many.map.channel.size() == 2);
    CHECK(many.map.channel[1].from.text == "22[6:7]");
    CHECK(many.map.channel[1].pos == std::vector<std::string>{"2", "5"});

    read_result off = read(
        "channel = false\n", many.map);
    REQUIRE(off.ok);
    CHECK(off.map.channel.empty());
}

TEST_CASE("[feed.map]: each mistake names the config line and key", "[iso_map]") {
    CHECK(only_error("\n\ncolour = \"2\"\n").starts_with(
        "txscreen.toml:3: feed[0].map.colour: unknown key (targets: pan, processing_code, amount,"));
    CHECK(only_error("pan = 2\n") ==
          "txscreen.toml:1: feed[0].map.pan: expected a path string (\"48.DI\", \"43[0:22]\")");
    CHECK(only_error("pan = true\n") ==
          "txscreen.toml:1: feed[0].map.pan: expected a path, a table { from = ..., convert = ... }, or false to "
          "leave it unmapped");
    CHECK(only_error("\npan = \"1\"\n") == "txscreen.toml:2: feed[0].map.pan: \"1\": field 1 is the secondary bitmap");
    CHECK(only_error("mcc = [\"26\", \"x\"]\n") ==
          "txscreen.toml:1: feed[0].map.mcc[1]: \"x\": a path starts with a field number 2..128");
    CHECK(only_error("mcc = []\n") == "txscreen.toml:1: feed[0].map.mcc: expected at least one path");
    CHECK(only_error("ip = { from = \"48.IP\", convert = \"ipv6\" }\n") ==
          "txscreen.toml:1: feed[0].map.ip.convert: \"ipv6\" is not a converter (text, digits, number, mmddhhmmss, "
          "yymmddhhmmss, hhmmss, mmdd, yymm, currency, decimal, microdegrees, ipv4-binary, ipv4-hex)");
    CHECK(only_error("ip = { from = \"48.IP\", convert = 4 }\n") ==
          "txscreen.toml:1: feed[0].map.ip.convert: expected a string (text, digits, number, mmddhhmmss, "
          "yymmddhhmmss, hhmmss, mmdd, yymm, currency, decimal, microdegrees, ipv4-binary, ipv4-hex)");
    CHECK(only_error("[ip]\nfrom = \"48.IP\"\nsecret = true\n") ==
          "txscreen.toml:3: feed[0].map.ip.secret: unknown key (allowed: from, convert)");
    CHECK(only_error("lat = { convert = \"decimal\" }\n") ==
          "txscreen.toml:1: feed[0].map.lat: needs from (the path to read; this map has no lat to keep)");
    CHECK(only_error("base = \"iso8583-2003\"\n") ==
          "txscreen.toml:1: feed[0].map.base: expected \"iso8583-1987\", \"iso8583-1993\" or \"none\" (start from "
          "an empty map)");
    CHECK(only_error("required_request = \"2\"\n") ==
          "txscreen.toml:1: feed[0].map.required_request: expected an array of field numbers ([\"2\", \"4\", \"7\"])");
    CHECK(only_error("required_response = [7, 129]\n") ==
          "txscreen.toml:1: feed[0].map.required_response[1]: expected a field number 2..128 (an integer or a "
          "string of digits)");
    CHECK(only_error("required_response = [\"x\"]\n") ==
          "txscreen.toml:1: feed[0].map.required_response[0]: expected a field number 2..128 (an integer or a "
          "string of digits)");
}

TEST_CASE("[feed.map]: layout and channel mistakes", "[iso_map]") {
    CHECK(only_error("layout = 1\n") ==
          "txscreen.toml:1: feed[0].map.layout: expected a table of layouts by field ([feed[0].map.layout.48])");
    CHECK(only_error("[layout.1]\nlayout = \"tlv\"\n") == "txscreen.toml:1: feed[0].map.layout.1: not a field number (2..128)");
    CHECK(only_error("layout.48 = \"tlv\"\n") ==
          "txscreen.toml:1: feed[0].map.layout.48: expected a layout table (layout = \"tlv\", ...), or false to "
          "remove the map's layout");
    CHECK(only_error("[layout.48]\ntag_chars = 2\n") ==
          "txscreen.toml:1: feed[0].map.layout.48.layout: a map layout needs layout = \"tlv\", \"positional\", "
          "\"bitmap\" or \"delimited\"");
    CHECK(only_error("[layout.48]\nlayout = \"tlv\"\ntype = \"ans\"\n") ==
          "txscreen.toml:3: feed[0].map.layout.48.type: unknown key (allowed: layout, tag_chars, len_digits, "
          "len_binary, lead, bitmap_bytes, bitmap, extends, first, delimiter, sub)");
    CHECK(only_error("[layout.48]\nlayout = \"tlv\"\ntag_chars = 9\n") ==
          "txscreen.toml:3: feed[0].map.layout.48.tag_chars: must be 1..8, got 9");
    CHECK(only_error("[layout.48]\nlayout = \"tlv\"\ndelimiter = \"|\"\n") ==
          "txscreen.toml:3: feed[0].map.layout.48.delimiter: not a key of a tlv layout (it belongs to layout = "
          "\"delimited\")");
    CHECK(only_error("[layout.60]\nlayout = \"positional\"\n[layout.60.sub.1]\ntype = \"n\"\n") ==
          "txscreen.toml:3: feed[0].map.layout.60.sub.1: the base does not define this field, so it needs type and len");
    CHECK(only_error("[layout.60]\nlayout = \"positional\"\n[layout.60.sub.1]\ntype = \"ans\"\nlen = 4\nlayout = "
                     "\"tlv\"\n") ==
          "txscreen.toml:6: feed[0].map.layout.60.sub.1.layout: a map layout's sub-fields have no layouts of their "
          "own; nest layouts in a dialect file");
    CHECK(only_error("channel = 3\n") ==
          "txscreen.toml:1: feed[0].map.channel: expected { from = path, ecom = [...], atm = [...], pos = [...] } "
          "or [[feed[0].map.channel]] tables");
    CHECK(only_error("channel = { ecom = [\"05\"] }\n") ==
          "txscreen.toml:1: feed[0].map.channel: needs from (the path whose value sets the channel)");
    CHECK(only_error("channel = { from = \"60\" }\n") ==
          "txscreen.toml:1: feed[0].map.channel: lists no values (ecom, atm or pos)");
    CHECK(only_error("channel = { from = \"60\", ecom = [\"\"] }\n") ==
          "txscreen.toml:1: feed[0].map.channel.ecom[0]: expected a non-empty string");
    CHECK(only_error("channel = { from = \"60\", ecom = [\"05\"], moto = [\"1\"] }\n").starts_with(
        "txscreen.toml:1: feed[0].map.channel.moto: unknown key (allowed: from, ecom, atm, pos)"));
    CHECK(only_error("[[channel]]\nfrom = \"60\"\natm = 1\n") ==
          "txscreen.toml:3: feed[0].map.channel[0].atm: expected an array of values ([\"05\", \"06\"])");
}

TEST_CASE("[feed.map]: problems in several keys are all reported, in line order", "[iso_map]") {
    read_result r = read_1987("pan = \"1\"\nip = { from = \"48.IP\", convert = \"x\" }\nzip = \"2\"\n");
    CHECK_FALSE(r.ok);
    REQUIRE(r.errors.size() == 3);
    CHECK(r.errors[0].starts_with("txscreen.toml:1: feed[0].map.pan:"));
    CHECK(r.errors[1].starts_with("txscreen.toml:2: feed[0].map.ip.convert:"));
    CHECK(r.errors[2].starts_with("txscreen.toml:3: feed[0].map.zip:"));
}
