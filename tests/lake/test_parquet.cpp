// The lake's Parquet writer (controlplane/lake/parquet_writer.h) checked by two
// independent readers, DuckDB and hyparquet (tests/lake/parquet_dump.mjs prints every
// row in one canonical JSON form): every type, empty and non-empty lists, lists of
// records, UTF-8 and quotes, NaN, int64 extremes, several row groups and pages, each
// codec, dictionary and plain columns; then what DuckDB's parquet_metadata() says about
// codecs, dictionaries, statistics and logical types; then the schema model and refusals.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "js_text.h"
#include "controlplane/lake/column_batch.h"
#include "controlplane/lake/lake_schema.h"
#include "controlplane/lake/parquet_writer.h"

using namespace txscreen;
using txscreen::test::js_number;
using txscreen::test::js_string;
namespace fs = std::filesystem;

namespace {

// ---- a table with every lake type ----

constexpr const char* every_avsc = R"({
  "type": "record", "name": "every", "doc": "one field of each kind",
  "fields": [
    {"name": "flag", "type": "boolean"},
    {"name": "small", "type": "int"},
    {"name": "big", "type": "long"},
    {"name": "ratio", "type": "float"},
    {"name": "measure", "type": "double"},
    {"name": "label", "type": "string", "doc": "few distinct values"},
    {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "amount_minor", "type": "long"},
    {"name": "currency_exponent", "type": "int"},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "ids", "type": {"type": "array", "items": "long"}},
    {"name": "hits", "type": {"type": "array", "items": {"type": "record", "name": "hit", "fields": [
      {"name": "rule", "type": "string"},
      {"name": "weight", "type": "int"},
      {"name": "value", "type": "double"},
      {"name": "on", "type": "boolean"},
      {"name": "amount_minor", "type": "long"},
      {"name": "currency_exponent", "type": "int"}]}}},
    {"name": "inner", "type": {"type": "record", "name": "pair", "fields": [
      {"name": "a", "type": "int"}, {"name": "b", "type": "string", "default": ""}]}}
  ]})";

struct hit {
    std::string rule;
    int32_t weight = 0;
    double value = 0;
    bool on = false;
    int64_t amount_minor = 0;
    int32_t exponent = 0;
};

struct every_row {
    bool flag = false;
    int32_t small = 0;
    int64_t big = 0;
    float ratio = 0;
    double measure = 0;
    std::string label;
    int64_t at = 0;
    int64_t amount_minor = 0;
    int32_t exponent = 2;
    std::vector<std::string> tags;
    std::vector<int64_t> ids;
    std::vector<hit> hits;
    int32_t a = 0;
    std::string b;
};

const lake_table_schema& every_schema() {
    static const lake_table_schema s = lake_schema_from_avsc(every_avsc, "every");
    return s;
}

// ---- filling a batch the way the Avro reader does ----

column_batch& col(row_batch& batch, std::string_view dotted) {
    for (std::size_t i = 0; i < batch.schema->leaves.size(); ++i) {
        if (batch.schema->leaves[i].dotted == dotted) return batch.columns[i];
    }
    FAIL("no column " << dotted);
    return batch.columns[0];
}

void put_str(column_batch& c, std::string_view s) {
    c.str_data.append(s);
    c.str_end.push_back(static_cast<uint32_t>(c.str_data.size()));
}

int64_t unscaled_amount(int64_t minor, int32_t exponent) {
    int64_t v = minor;
    for (int32_t e = exponent; e < 4; ++e) v *= 10;
    return v;
}

// Levels of one list entry k of n (n = 0: the empty-list marker).
void put_level(column_batch& c, std::size_t k, std::size_t n) {
    c.rep.push_back(k ? 1 : 0);
    c.def.push_back(n ? 1 : 0);
}

void put_hits(row_batch& batch, const std::vector<hit>& hits) {
    const char* names[] = {"hits.rule", "hits.weight", "hits.value", "hits.on", "hits.amount_minor", "hits.amount",
                           "hits.currency_exponent"};
    if (hits.empty()) {
        for (const char* n : names) put_level(col(batch, n), 0, 0);
        return;
    }
    for (std::size_t k = 0; k < hits.size(); ++k) {
        for (const char* n : names) put_level(col(batch, n), k, hits.size());
        const hit& h = hits[k];
        put_str(col(batch, "hits.rule"), h.rule);
        col(batch, "hits.weight").i32.push_back(h.weight);
        col(batch, "hits.value").f64.push_back(h.value);
        col(batch, "hits.on").b.push_back(h.on);
        col(batch, "hits.amount_minor").i64.push_back(h.amount_minor);
        col(batch, "hits.amount").i64.push_back(unscaled_amount(h.amount_minor, h.exponent));
        col(batch, "hits.currency_exponent").i32.push_back(h.exponent);
    }
}

void append(row_batch& batch, const every_row& r) {
    col(batch, "flag").b.push_back(r.flag);
    col(batch, "small").i32.push_back(r.small);
    col(batch, "big").i64.push_back(r.big);
    col(batch, "ratio").f32.push_back(r.ratio);
    col(batch, "measure").f64.push_back(r.measure);
    put_str(col(batch, "label"), r.label);
    col(batch, "at").i64.push_back(r.at);
    col(batch, "amount_minor").i64.push_back(r.amount_minor);
    col(batch, "amount").i64.push_back(unscaled_amount(r.amount_minor, r.exponent));
    col(batch, "currency_exponent").i32.push_back(r.exponent);
    column_batch& tags = col(batch, "tags");
    if (r.tags.empty()) put_level(tags, 0, 0);
    for (std::size_t k = 0; k < r.tags.size(); ++k) put_level(tags, k, r.tags.size()), put_str(tags, r.tags[k]);
    column_batch& ids = col(batch, "ids");
    if (r.ids.empty()) put_level(ids, 0, 0);
    for (std::size_t k = 0; k < r.ids.size(); ++k) put_level(ids, k, r.ids.size()), ids.i64.push_back(r.ids[k]);
    put_hits(batch, r.hits);
    col(batch, "inner.a").i32.push_back(r.a);
    put_str(col(batch, "inner.b"), r.b);
    ++batch.rows;
}

// ---- the canonical form (tests/lake/parquet_dump.mjs), computed independently ----

std::string quoted(int64_t v) { return "\"" + std::to_string(v) + "\""; }

// amount_minor / 10^exponent with exactly 4 decimals, by digits (not via the unscaled value).
std::string decimal4(int64_t minor, int32_t exponent) {
    const uint64_t magnitude = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
    std::string digits = std::to_string(magnitude);
    digits = std::string(static_cast<std::size_t>(std::max(0, exponent + 1 - static_cast<int>(digits.size()))), '0') + digits;
    std::string whole = digits.substr(0, digits.size() - exponent), frac = digits.substr(digits.size() - exponent);
    frac.append(4 - exponent, '0');
    return "\"" + std::string(minor < 0 ? "-" : "") + whole + "." + frac + "\"";
}

struct json_object {
    std::string text = "{";
    json_object& add(std::string_view key, const std::string& value) {
        if (text.size() > 1) text += ",";
        text += js_string(key) + ":" + value;
        return *this;
    }
    std::string done() const { return text + "}"; }
};

template <class T, class F>
std::string json_array(const std::vector<T>& items, F each) {
    std::string out = "[";
    for (std::size_t k = 0; k < items.size(); ++k) out += (k ? "," : "") + each(items[k]);
    return out + "]";
}

std::string canonical(const every_row& r) {
    json_object o;
    o.add("flag", r.flag ? "true" : "false").add("small", std::to_string(r.small)).add("big", quoted(r.big));
    o.add("ratio", js_number(static_cast<double>(r.ratio))).add("measure", js_number(r.measure));
    o.add("label", js_string(r.label)).add("at", quoted(r.at)).add("amount_minor", quoted(r.amount_minor));
    o.add("amount", decimal4(r.amount_minor, r.exponent)).add("currency_exponent", std::to_string(r.exponent));
    o.add("tags", json_array(r.tags, [](const std::string& s) { return js_string(s); }));
    o.add("ids", json_array(r.ids, [](int64_t v) { return quoted(v); }));
    o.add("hits", json_array(r.hits, [](const hit& h) {
        return json_object()
            .add("rule", js_string(h.rule)).add("weight", std::to_string(h.weight)).add("value", js_number(h.value))
            .add("on", h.on ? "true" : "false").add("amount_minor", quoted(h.amount_minor))
            .add("amount", decimal4(h.amount_minor, h.exponent)).add("currency_exponent", std::to_string(h.exponent))
            .done();
    }));
    o.add("inner", json_object().add("a", std::to_string(r.a)).add("b", js_string(r.b)).done());
    return o.done();
}

// ---- rows ----

std::vector<every_row> edge_rows() {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
    std::vector<every_row> rows(4);
    rows[0] = {true, std::numeric_limits<int32_t>::min(), std::numeric_limits<int64_t>::min(), -0.0f, nan, "",
               0, -5, 2, {}, {}, {}, 0, ""};
    rows[1] = {false, std::numeric_limits<int32_t>::max(), std::numeric_limits<int64_t>::max(),
               std::numeric_limits<float>::max(), inf, "Zürich \"quoted\" \\ back\nline\t\x01 東京 🚀", 1764547200123,
               922337203685477LL, 0, {"", "ünï", "a\"b"}, {std::numeric_limits<int64_t>::min(), 0,
               std::numeric_limits<int64_t>::max()}, {{"velocity", 40, nan, true, -1, 4}}, -7, "x"};
    rows[2] = {true, 0, 0, std::numeric_limits<float>::denorm_min(), -inf, "\xc3\xa9t\xc3\xa9", -86400000, 123456, 4,
               {"one"}, {}, {{"r1", 1, 1e-7, false, 5, 3}, {"r2", 2, 1e21, true, 0, 0}, {"", -3, -0.1, false, 99, 2}},
               2, "\xf0\x9f\x98\x80"};
    rows[3] = {false, -1, -1, 0.1f, 123456789.125, "plain", 253402300799999, 0, 3, {}, {42}, {}, 1, "y"};
    return rows;
}

std::vector<every_row> generated_rows(std::size_t n, uint32_t seed) {
    std::mt19937_64 rng(seed);
    const char* labels[] = {"allow", "review", "block", "Zürich", "東京"};
    std::vector<every_row> rows(n);
    for (std::size_t i = 0; i < n; ++i) {
        every_row& r = rows[i];
        r.flag = rng() & 1;
        r.small = static_cast<int32_t>(rng() % 200) - 100;
        r.big = static_cast<int64_t>(rng());
        r.ratio = static_cast<float>(static_cast<double>(rng() % 100000) / 977.0);
        r.measure = static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) / 7.0;
        r.label = labels[rng() % 5];
        r.at = 1764547200000 + static_cast<int64_t>(rng() % 3600000);
        r.amount_minor = static_cast<int64_t>(rng() % 10000000) - 100000;
        r.exponent = static_cast<int32_t>(rng() % 5);
        for (uint64_t k = rng() % 4; k > 0; --k) r.tags.push_back("tag" + std::to_string(rng() % 7));
        for (uint64_t k = rng() % 3; k > 0; --k) r.ids.push_back(static_cast<int64_t>(rng() % 1000000));
        for (uint64_t k = rng() % 3; k > 0; --k)
            r.hits.push_back({"rule_" + std::to_string(rng() % 9), static_cast<int32_t>(rng() % 50),
                              static_cast<double>(rng() % 1000) / 8.0, (rng() & 1) != 0,
                              static_cast<int64_t>(rng() % 100000), static_cast<int32_t>(rng() % 5)});
        r.a = static_cast<int32_t>(i);
        r.b = "b" + std::to_string(i % 13);
    }
    return rows;
}

// ---- files and the dump script ----

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "test_parquet.XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

fs::path source_root() {
    if (const char* root = std::getenv("TXSCREEN_SOURCE_ROOT")) return root;
    return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

bool have_node() { return std::system("command -v node >/dev/null 2>&1") == 0; }

// The dump script's stdout lines; fails the test on a non-zero exit.
std::vector<std::string> dump(const std::string& mode, const fs::path& file) {
    const fs::path root = source_root(), out = file.string() + "." + mode + ".txt";
    const std::string cmd = "NODE_PATH='" + (root / ".npm-tools/node_modules").string() + "' node '" +
                            (root / "tests/lake/parquet_dump.mjs").string() + "' " + mode + " '" + file.string() +
                            "' > '" + out.string() + "'";
    const int rc = std::system(cmd.c_str());
    INFO(cmd);
    REQUIRE(rc == 0);
    std::vector<std::string> lines;
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<nlohmann::json> meta(const fs::path& file, const std::string& kind) {
    std::vector<nlohmann::json> rows;
    for (const std::string& line : dump("meta", file)) {
        nlohmann::json j = nlohmann::json::parse(line);
        if (j["kind"] == kind) rows.push_back(std::move(j));
    }
    return rows;
}

const nlohmann::json& meta_column(const std::vector<nlohmann::json>& columns, const std::string& path) {
    for (const nlohmann::json& c : columns) {
        if (c["path_in_schema"] == path) return c;
    }
    FAIL("no column chunk " << path);
    return columns.front();
}

// Writes `groups` as row groups of one file; returns the expected canonical lines.
std::vector<std::string> write_file(const fs::path& file, const std::vector<std::vector<every_row>>& groups,
                                    parquet_options options) {
    parquet_writer writer(every_schema(), std::move(options));
    REQUIRE(writer.open(file.string()));
    std::vector<std::string> expected;
    row_batch batch(every_schema());
    for (const auto& group : groups) {
        batch.clear();
        for (const every_row& r : group) append(batch, r), expected.push_back(canonical(r));
        INFO(writer.error());
        REQUIRE(writer.write_row_group(batch));
    }
    INFO(writer.error());
    REQUIRE(writer.close());
    CHECK(writer.stats().bytes == fs::file_size(file));
    CHECK_FALSE(fs::exists(file.string() + ".tmp"));
    return expected;
}

void check_both_readers(const fs::path& file, const std::vector<std::string>& expected) {
    for (const char* reader : {"duckdb", "hyparquet"}) {
        const std::vector<std::string> got = dump(reader, file);
        INFO("reader " << reader);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            INFO("row " << i);
            CHECK(got[i] == expected[i]);
        }
    }
}

std::vector<std::vector<every_row>> three_groups() {
    return {edge_rows(), generated_rows(1500, 7), generated_rows(333, 8)};
}

}  // namespace

TEST_CASE("canonical form helpers match JavaScript's number and string output") {
    CHECK(js_number(1.5) == "1.5");
    CHECK(js_number(3) == "3");
    CHECK(js_number(1e21) == "1e+21");
    CHECK(js_number(1e-7) == "1e-7");
    CHECK(js_number(-0.1) == "-0.1");
    CHECK(js_number(123456789.125) == "123456789.125");
    CHECK(js_number(static_cast<double>(0.1f)) == "0.10000000149011612");
    CHECK(js_number(1e20) == "100000000000000000000");
    CHECK(js_number(0.000001) == "0.000001");
    CHECK(decimal4(-5, 2) == "\"-0.0500\"");
    CHECK(decimal4(1234, 2) == "\"12.3400\"");
    CHECK(decimal4(0, 3) == "\"0.0000\"");
    CHECK(decimal4(123456, 4) == "\"12.3456\"");
}

TEST_CASE("every type reads back equal through DuckDB and hyparquet, with each codec") {
    if (!have_node()) {
        WARN("node is not installed: the Parquet read-back checks are skipped");
        return;
    }
    temp_dir dir;
    for (const parquet_codec codec : {parquet_codec::none, parquet_codec::snappy, parquet_codec::zstd}) {
        INFO("codec " << parquet_codec_name(codec));
        parquet_options options;
        options.codec = codec;
        options.page_bytes = 2048;  // several pages per column chunk
        options.metadata = {{"txscreen.table", "every"}, {"txscreen.schema_version", "1"}};
        const fs::path file = dir.path / ("every_" + std::string(parquet_codec_name(codec)) + ".parquet");
        const std::vector<std::string> expected = write_file(file, three_groups(), options);
        check_both_readers(file, expected);
    }
}

TEST_CASE("plain encoding only (dictionary off) reads back equal") {
    if (!have_node()) return;
    temp_dir dir;
    parquet_options options;
    options.dictionary = false;
    const fs::path file = dir.path / "plain.parquet";
    const std::vector<std::string> expected = write_file(file, three_groups(), options);
    check_both_readers(file, expected);
    for (const nlohmann::json& c : meta(file, "column")) {
        CHECK(c["dictionary_page_offset"].is_null());
        CHECK(c["encodings"].get<std::string>().find("DICTIONARY") == std::string::npos);
    }
}

TEST_CASE("the metadata carries the codec, dictionaries where they pay, statistics and logical types") {
    if (!have_node()) return;
    temp_dir dir;
    parquet_options options;
    options.codec = parquet_codec::zstd;
    options.metadata = {{"txscreen.table", "every"}};
    const fs::path file = dir.path / "meta.parquet";
    write_file(file, {edge_rows(), generated_rows(2000, 3)}, options);
    const std::vector<nlohmann::json> columns = meta(file, "column");
    REQUIRE(columns.size() == 2 * every_schema().leaves.size());
    for (const nlohmann::json& c : columns) CHECK(c["compression"] == "ZSTD");

    // Row group 1: few labels -> dictionary; random int64 -> plain.
    std::vector<nlohmann::json> second;
    for (const nlohmann::json& c : columns) if (c["row_group_id"] == "1") second.push_back(c);
    const nlohmann::json& label = meta_column(second, "label");
    CHECK(label["encodings"].get<std::string>().find("RLE_DICTIONARY") != std::string::npos);
    CHECK_FALSE(label["dictionary_page_offset"].is_null());
    CHECK(label["stats_min_value"] == "Zürich");  // byte order: upper case first
    CHECK(label["stats_max_value"] == "東京");  // unsigned byte order: E6 > Z
    const nlohmann::json& big = meta_column(second, "big");
    CHECK(big["dictionary_page_offset"].is_null());
    CHECK(big["encodings"] == "PLAIN");

    // Row group 0 (the edge rows): int64 extremes, NaN left out of double statistics.
    // (DuckDB shows no double statistics with an infinite bound, so `measure` is not asserted.)
    std::vector<nlohmann::json> first;
    for (const nlohmann::json& c : columns) if (c["row_group_id"] == "0") first.push_back(c);
    CHECK(meta_column(first, "big")["stats_min_value"] == "-9223372036854775808");
    CHECK(meta_column(first, "big")["stats_max_value"] == "9223372036854775807");
    CHECK(meta_column(first, "small")["stats_min_value"] == "-2147483648");
    const nlohmann::json& value = meta_column(first, "hits, list, element, value");  // NaN, 1e-7, 1e21, -0.1
    CHECK(value["stats_min_value"] == "-0.1");
    CHECK(value["stats_max_value"] == "1e+21");
    CHECK(meta_column(first, "amount")["stats_min_value"] == "-0.0500");
    CHECK_FALSE(meta_column(first, "hits, list, element, rule")["stats_min_value"].is_null());

    bool timestamp = false, decimal = false, utf8 = false, list = false;
    for (const nlohmann::json& s : meta(file, "schema")) {
        const std::string converted = s["converted_type"].is_string() ? s["converted_type"].get<std::string>() : "";
        timestamp |= s["name"] == "at" && converted == "TIMESTAMP_MILLIS";
        decimal |= s["name"] == "amount" && converted == "DECIMAL" && s["scale"] == "4" && s["precision"] == "18";
        utf8 |= s["name"] == "label" && converted == "UTF8";
        list |= s["name"] == "hits" && converted == "LIST";
    }
    CHECK(timestamp);
    CHECK(decimal);
    CHECK(utf8);
    CHECK(list);
    const std::vector<nlohmann::json> kv = meta(file, "kv");
    REQUIRE(kv.size() == 1);
    CHECK(kv[0]["key"] == "txscreen.table");
    CHECK(kv[0]["value"] == "every");
}

TEST_CASE("a file without row groups reads as an empty table") {
    temp_dir dir;
    const fs::path file = dir.path / "empty.parquet";
    parquet_writer writer(every_schema(), {});
    REQUIRE(writer.open(file.string()));
    row_batch batch(every_schema());
    REQUIRE(writer.write_row_group(batch));  // empty: writes nothing
    REQUIRE(writer.close());
    CHECK(writer.stats().rows == 0);
    CHECK(writer.stats().row_groups == 0);
    if (!have_node()) return;
    CHECK(dump("duckdb", file).empty());
    CHECK(dump("hyparquet", file).empty());
}

TEST_CASE("a malformed batch is refused with the column named, and no file appears") {
    temp_dir dir;
    const fs::path file = dir.path / "bad.parquet";
    {
        parquet_writer writer(every_schema(), {});
        REQUIRE(writer.open(file.string()));
        row_batch batch(every_schema());
        append(batch, edge_rows()[1]);
        col(batch, "big").i64.push_back(1);  // one value too many
        CHECK_FALSE(writer.write_row_group(batch));
        CHECK(writer.error().find("column big") != std::string::npos);

        batch.clear();
        append(batch, edge_rows()[1]);
        put_level(col(batch, "tags"), 0, 0);  // a second row, in one column only
        CHECK_FALSE(writer.write_row_group(batch));
        CHECK(writer.error().find("column tags") != std::string::npos);

        row_batch other(lake_schema_from_avsc(R"({"type":"record","name":"x","fields":[{"name":"a","type":"int"}]})"));
        CHECK_FALSE(writer.write_row_group(other));
        CHECK(writer.error().find("columns") != std::string::npos);
    }  // destroyed unclosed: abandoned
    CHECK_FALSE(fs::exists(file));
    CHECK_FALSE(fs::exists(file.string() + ".tmp"));

    parquet_writer writer(every_schema(), {});
    CHECK_FALSE(writer.open((dir.path / "no/such/dir/x.parquet").string()));
    CHECK(writer.error().find("no/such/dir") != std::string::npos);
}

TEST_CASE("lake schema: leaves, Parquet paths, levels and the derived amount") {
    const lake_table_schema& s = every_schema();
    std::vector<std::string> dotted;
    for (const lake_leaf& l : s.leaves) dotted.push_back(l.dotted);
    CHECK(dotted == std::vector<std::string>{"flag", "small", "big", "ratio", "measure", "label", "at", "amount_minor",
                                             "amount", "currency_exponent", "tags", "ids", "hits.rule", "hits.weight",
                                             "hits.value", "hits.on", "hits.amount_minor", "hits.amount",
                                             "hits.currency_exponent", "inner.a", "inner.b"});
    const lake_leaf& rule = s.leaves[12];
    CHECK(rule.path == std::vector<std::string>{"hits", "list", "element", "rule"});
    CHECK(rule.max_rep == 1);
    CHECK(rule.max_def == 1);
    CHECK(s.leaves[10].path == std::vector<std::string>{"tags", "list", "element"});
    CHECK(s.leaves[19].path == std::vector<std::string>{"inner", "a"});
    CHECK(s.leaves[19].max_rep == 0);
    CHECK(s.leaves[8].type == lake_type::decimal18_4);
    CHECK(s.fields[8].derived);
    CHECK(s.fields[6].type == lake_type::timestamp_ms);
    CHECK(s.fields[12].children[0].children[5].derived);  // hits.amount
    CHECK(s.fields[13].children[1].default_json == "\"\"");
    CHECK(s.record_name == "every");
    CHECK(s.table == "every");
    CHECK(lake_type_name(lake_type::timestamp_ms) == "timestamp_ms");
}

TEST_CASE("lake schema: the spool tables, with amount right after amount_minor") {
    for (int t = 0; t < spool_table_count; ++t) {
        const lake_table_schema& s = lake_schema(static_cast<spool_table>(t));
        CHECK(s.table == spool_table_name(static_cast<spool_table>(t)));
        CHECK_FALSE(s.leaves.empty());
    }
    const lake_table_schema& scored = lake_schema(spool_table::scored);
    for (std::size_t i = 0; i < scored.fields.size(); ++i) {
        if (scored.fields[i].name != "amount_minor") continue;
        REQUIRE(i + 1 < scored.fields.size());
        CHECK(scored.fields[i + 1].name == "amount");
        CHECK(scored.fields[i + 1].type == lake_type::decimal18_4);
    }
    bool aggregate_amount = false;
    for (const lake_leaf& l : lake_schema(spool_table::aggregates).leaves) aggregate_amount |= l.dotted == "amounts.amount";
    CHECK(aggregate_amount);
}

TEST_CASE("lake schema: what it cannot map is refused, naming the field") {
    auto error_of = [](const std::string& avsc) {
        try {
            lake_schema_from_avsc(avsc);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string head = R"({"type":"record","name":"x","fields":[)";
    CHECK(error_of(head + R"({"name":"reasons","type":{"type":"array","items":{"type":"record","name":"r","fields":[{"name":"rule","type":"map"}]}}}]})") ==
          "lake schema: field reasons.rule: type \"map\" is not supported");
    CHECK(error_of(head + R"({"name":"u","type":["null","int"]}]})").find("field u: a union") != std::string::npos);
    CHECK(error_of(head + R"({"name":"l","type":{"type":"array","items":{"type":"array","items":"int"}}}]})")
              .find("field l: a list inside a list") != std::string::npos);
    CHECK(error_of(head + R"({"name":"d","type":{"type":"int","logicalType":"date"}}]})").find("field d: logicalType") !=
          std::string::npos);
    CHECK(error_of(head + R"({"name":"a","type":"int"},{"name":"a","type":"long"}]})").find("field a: the name appears twice") !=
          std::string::npos);
    CHECK(error_of(head + R"({"name":"amount_minor","type":"long"},{"name":"currency_exponent","type":"int"},{"name":"amount","type":"long"}]})")
              .find("field amount: clashes") != std::string::npos);
    CHECK(error_of("[1,2]").find("top level") != std::string::npos);
    CHECK(error_of("{").find("not JSON") != std::string::npos);
}
