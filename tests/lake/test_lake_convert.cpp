// The lake's conversion: a real spool (spool_writer) becomes one Parquet file per table,
// hour and host, and every value reads back the same through independent readers
// (python3-avro for the Avro, DuckDB and hyparquet for the Parquet: lake_equal.sh); the
// DuckDB DDL `txscreen lake ddl` prints runs on the result; the Avro reader resolves
// old and new writer schemas, derives `amount`, and refuses damaged files without
// crashing.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/analytics/analytics_records.h"
#include "controlplane/avro_analytics.h"
#include "controlplane/avro_container.h"
#include "controlplane/avro_encode.h"
#include "controlplane/avro_records.h"
#include "controlplane/lake/avro_reader.h"
#include "controlplane/lake/lake_convert.h"
#include "controlplane/lake/lake_ddl.h"
#include "controlplane/lake/lake_schema.h"
#include "controlplane/spool_writer.h"
#include "rules/ruleset.h"
#include "../controlplane/temp_dir.h"

using namespace txscreen;
using txscreen::test::temp_dir;
namespace fs = std::filesystem;

namespace {

constexpr int64_t base_ms = 1709294400000;  // 2024-03-01T12:00:00Z

std::string source_root() {
    const char* r = std::getenv("TXSCREEN_SOURCE_ROOT");
    return r ? r : ".";
}

// Runs `cmd`; its standard output, and its exit status in `status`.
std::string run_output(const std::string& cmd, int& status) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) {
        status = -1;
        return out;
    }
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    status = ::pclose(p);
    return out;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Verdict i: varied enough to exercise every column kind: currencies with exponents 0,
// 2 and 3 and an unknown one, 0..3 reasons (NaN and infinite values among them), 0..3
// patterns, text with multi-byte and invalid UTF-8, alerts with cases.
Verdict make_verdict(uint64_t i, int64_t step_ms = 2900) {
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    Txn& t = v.txn;
    t.reset();
    char text[48];
    std::snprintf(text, sizeof text, "t%llu", static_cast<unsigned long long>(i));
    t.txn_id.assign(text);
    t.event_time_ms = base_ms + static_cast<int64_t>(i) * step_ms;  // 3000 rows: about 2.4 hours
    static constexpr struct { uint16_t numeric; uint8_t exponent; } currencies[] = {{840, 2}, {392, 0}, {414, 3}, {999, 2}};
    const auto& cur = currencies[i % 4];
    t.currency = cur.numeric;
    t.currency_exponent = cur.exponent;
    t.amount_minor = static_cast<int64_t>((i * 7919) % 1'000'000) - (i % 50 == 0 ? 500 : 0);
    for (int k = 0; k < 16; ++k) t.card_token[k] = static_cast<uint8_t>(i * 31 + k);
    std::memcpy(t.card_bin, "41111111", 8);
    std::memcpy(t.card_last4, "1111", 4);
    t.pan_len = 16;
    t.mcc = static_cast<uint16_t>(5000 + i % 900);
    t.mti = i % 3 == 0 ? 200 : 0;
    t.format = i % 3 == 0 ? payload_format::iso8583 : payload_format::json;
    t.chan = static_cast<channel>(i % 4);
    std::snprintf(text, sizeof text, "m-%llu", static_cast<unsigned long long>(i % 37));
    t.merchant_id.assign(text);
    t.merchant_name.assign(i % 5 == 0 ? "Caf\xc3\xa9 \xff Bad" : "Shop \xe2\x82\xac");
    t.city.assign("Z\xc3\xbcrich");
    std::memcpy(t.country, i % 2 ? "CH" : "FR", 2);
    t.feed_id = static_cast<uint16_t>(i % 3);
    t.feed_seq = i;
    v.score = static_cast<uint8_t>(i % 101);
    v.alert = i % 7 == 0;
    v.duplicate = i % 11 == 0;
    v.dec = v.alert ? decision::block : i % 5 == 0 ? decision::review : decision::allow;
    v.n_reasons = static_cast<uint8_t>(i % 4);
    const double odd[] = {5.0, NAN, INFINITY, -0.1};
    for (int k = 0; k < v.n_reasons; ++k)
        v.reasons[k] = {static_cast<uint16_t>(3 + k), static_cast<uint8_t>(40 - k), {}, odd[(i + k) % 4], 1.5 * k};
    v.n_patterns = static_cast<uint8_t>(i % 3 == 1 ? 0 : i % 4);
    for (int k = 0; k < v.n_patterns; ++k) v.pattern_ids[k] = static_cast<uint32_t>(70 + k + i % 5);
    v.pattern_categories = static_cast<uint32_t>(i % 16);
    v.ruleset_version = 4;
    v.patterns_version = 2;
    v.worker = static_cast<uint16_t>(i % 4);
    v.rx_ns = t.event_time_ms * 1'000'000 + 5;
    v.verdict_ns = v.rx_ns + 1000;
    if (v.alert) {
        v.case_id = 0x1234000000000000ull + i;
        v.case_seq = static_cast<uint32_t>(1 + i % 3);
    }
    return v;
}

reject_record make_reject(uint64_t i) {
    reject_record r{};
    r.rx_ns = (base_ms + static_cast<int64_t>(i) * 4100) * 1'000'000 + 17;
    r.feed_seq = 1000 + i;
    r.length = static_cast<uint32_t>(20 + i % 300);
    r.feed_id = static_cast<uint16_t>(i % 2);
    r.reason = static_cast<reject_reason>(1 + i % 5);
    r.field = static_cast<uint8_t>(i % 129);
    return r;
}

Verdict make_outcome(uint32_t i) {
    Verdict v = make_verdict(i);
    Txn& t = v.txn;
    t.kind = txn_kind::outcome;
    t.format = payload_format::iso8583;
    t.request_mti = 200;
    t.mti = 210;
    std::snprintf(t.stan, sizeof t.stan, "%06u", i);
    std::memcpy(t.response_code, i % 2 ? "05" : "00", 2);
    if (i % 2 == 0) std::memcpy(t.auth_code, "A1B2C3", 6);
    t.issuer_response_us = 1000 + i;
    t.request_rx_ns = v.rx_ns - 183'456'000;
    return v;
}

aggregate_record make_aggregate(uint32_t i) {
    aggregate_record a{};
    a.window_start_ms = base_ms + static_cast<int64_t>(i) * 60'000;
    a.window_end_ms = a.window_start_ms + 60'000;
    a.dimension = static_cast<agg_dimension>(i % agg_dimension_count);
    a.kind = i % 9 == 0 ? aggregate_record::row_kind::correction : aggregate_record::row_kind::window;
    std::snprintf(a.key, sizeof a.key, "key-%u", i % 13);
    a.transactions = 100 + i;
    a.alerts = i % 10;
    a.distinct_cards = 50 + i % 20;
    a.latency_p50_ns = 2000 + i;
    a.latency_p99_ns = 9000 + i;
    a.n_amounts = static_cast<uint8_t>(i % 4);  // empty amounts lists too
    static constexpr uint16_t currency[] = {840, 392, 414};
    static constexpr uint8_t exponent[] = {2, 0, 3};
    for (int k = 0; k < a.n_amounts; ++k)
        a.amounts[k] = {currency[k % 3], exponent[k % 3], static_cast<uint64_t>(10 + k), static_cast<int64_t>(i * 1000 + k)};
    return a;
}

struct spool_counts {
    uint64_t scored = 0, alerts = 0, rejects = 0, outcomes = 0, aggregates = 0;
};

// A spool under `dir` as the appliance writes it: small files, so hours have several.
spool_counts write_spool(const std::string& dir, uint64_t verdicts) {
    spool_config c;
    c.dir = dir;
    c.host = "lakehost";
    c.block_bytes = 16 << 10;
    c.max_file_bytes = 256 << 10;
    spool_writer s(c);
    const ruleset names;
    s.use_ruleset(&names);
    REQUIRE(s.open());
    spool_counts n;
    for (uint64_t i = 0; i < verdicts; ++i) {
        const Verdict v = make_verdict(i);
        REQUIRE(s.offer(v) == sink_answer::accepted);
        ++n.scored;
        n.alerts += v.alert;
        if (i % 3 == 0) {
            REQUIRE(s.offer_outcome(make_outcome(static_cast<uint32_t>(i))) == sink_answer::accepted);
            ++n.outcomes;
        }
        if (i % 2 == 0) {
            REQUIRE(s.offer(make_reject(i)) == sink_answer::accepted);
            ++n.rejects;
        }
        if (i % 20 == 0) {
            REQUIRE(s.offer(make_aggregate(static_cast<uint32_t>(i / 20))) == sink_answer::accepted);
            ++n.aggregates;
        }
    }
    REQUIRE(s.close());
    return n;
}

// Converts every group of `dir` in place; the rows converted per table.
std::map<std::string, uint64_t> convert_all(const std::string& dir, parquet_codec codec) {
    std::map<std::string, uint64_t> rows;
    parquet_options o;
    o.codec = codec;
    for (const lake_partition_group& g : lake_list_groups(dir)) {
        std::vector<std::string> inputs;
        for (const std::string& f : g.avro_files) inputs.push_back(dir + "/" + f);
        uint64_t observed = 0;
        const lake_convert_result r = convert_avro_to_parquet(
            lake_schema(g.table), inputs, dir + "/" + g.parquet_file(), o,
            [&](const row_batch& b) { observed += b.rows; }, 500);  // several row groups per file
        INFO(r.error);
        REQUIRE(r.ok);
        CHECK(r.rows == observed);
        CHECK(r.input_files == g.avro_files.size());
        CHECK(r.output_bytes > 0);
        CHECK(fs::file_size(dir + "/" + g.parquet_file()) == r.output_bytes);
        rows[std::string(spool_table_name(g.table))] += r.rows;
    }
    return rows;
}

// One Avro container holding `records` (already encoded) under `schema_json`.
std::vector<uint8_t> container(std::string_view schema_json, const std::vector<std::vector<uint8_t>>& records) {
    const uint8_t sync[avro_sync_bytes] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    std::vector<uint8_t> out(schema_json.size() + 256);
    out.resize(avro_write_header(schema_json, sync, out.data(), out.size()));
    std::vector<uint8_t> block(avro_block_header_max);
    for (const auto& r : records) block.insert(block.end(), r.begin(), r.end());
    const std::size_t data_len = block.size() - avro_block_header_max;
    block.resize(block.size() + avro_sync_bytes);
    const std::size_t start = avro_seal_block(block.data(), data_len, records.size(), sync);
    out.insert(out.end(), block.begin() + static_cast<std::ptrdiff_t>(start), block.end());
    return out;
}

std::vector<uint8_t> encoded_verdict(const Verdict& v) {
    std::vector<uint8_t> out(avro_verdict_max_bytes);
    out.resize(encode_verdict_avro(v, {}, out.data()));
    return out;
}

int column_of(const lake_table_schema& s, std::string_view dotted) {
    for (std::size_t i = 0; i < s.leaves.size(); ++i)
        if (s.leaves[i].dotted == dotted) return static_cast<int>(i);
    FAIL("no column " << dotted);
    return -1;
}

// Reads every row of `bytes`; -1 when the reader reported an error.
long read_all(avro_file_reader& r, row_batch& b) {
    long total = 0;
    for (long n; (n = r.read(b, 1000)) != 0; total += n)
        if (n < 0) return -1;
    return total;
}

}  // namespace

TEST_CASE("a spool's hours become Parquet files whose every value equals the Avro's", "[lake][integration]") {
    temp_dir tmp("txscreen-lake");
    const spool_counts n = write_spool(tmp.path, 3000);
    const std::vector<lake_partition_group> groups = lake_list_groups(tmp.path);
    REQUIRE(groups.size() >= 4 * 3);  // scored, alerts, rejects, outcomes over 3 hours at least
    bool several_files = false;
    for (const auto& g : groups) {
        CHECK(g.host == "lakehost");
        several_files |= g.avro_files.size() > 1;
        CHECK(std::is_sorted(g.avro_files.begin(), g.avro_files.end()));
    }
    CHECK(several_files);  // 256 KiB files: the scored hours span several

    std::map<std::string, uint64_t> rows = convert_all(tmp.path, parquet_codec::snappy);
    CHECK(rows["scored"] == n.scored);
    CHECK(rows["alerts"] == n.alerts);
    CHECK(rows["rejects"] == n.rejects);
    CHECK(rows["outcomes"] == n.outcomes);
    CHECK(rows["aggregates"] == n.aggregates);

    // DuckDB and hyparquet read each Parquet file as python3-avro reads its Avro files.
    int status = 0;
    fs::create_directories(tmp.path + "/.cmp");
    const std::string equal = run_output("bash " + source_root() + "/tests/lake/lake_equal.sh " + tmp.path + " " +
                                             tmp.path + "/.cmp 2>&1",
                                         status);
    INFO(equal);
    CHECK(status == 0);
    CHECK(equal.find("table=scored: " + std::to_string(n.scored) + " rows") != std::string::npos);

    // The DuckDB DDL runs as printed and counts the same rows.
    lake_ddl_options d;
    d.target = lake_ddl_target::duckdb;
    d.location = tmp.path + "/";
    d.tables = {spool_table::scored, spool_table::alerts, spool_table::rejects, spool_table::outcomes,
                spool_table::aggregates};
    {
        std::ofstream sql(tmp.path + "/ddl.sql");
        sql << lake_ddl(d);
    }
    const std::string counts = run_output(
        "node " + source_root() + "/tests/lake/duckdb_sql.mjs " + tmp.path + "/ddl.sql " +
            "\"SELECT (SELECT count(*) FROM txscreen.scored) AS scored, (SELECT count(*) FROM txscreen.alerts) AS alerts, "
            "(SELECT count(*) FROM txscreen.rejects) AS rejects, (SELECT count(*) FROM txscreen.outcomes) AS outcomes, "
            "(SELECT count(*) FROM txscreen.aggregates) AS aggregates, "
            "(SELECT count(DISTINCT hour) FROM txscreen.scored) AS hours, "
            "(SELECT sum(amount) FROM txscreen.scored WHERE currency = 'JPY') AS jpy\" 2>&1",
        status);
    INFO(counts);
    REQUIRE(status == 0);
    const nlohmann::json c = nlohmann::json::parse(counts);
    CHECK(c["scored"] == std::to_string(n.scored));
    CHECK(c["alerts"] == std::to_string(n.alerts));
    CHECK(c["rejects"] == std::to_string(n.rejects));
    CHECK(c["outcomes"] == std::to_string(n.outcomes));
    CHECK(c["aggregates"] == std::to_string(n.aggregates));
    CHECK(c["hours"] == "3");
    int64_t jpy = 0;  // JPY has no minor unit: amount is amount_minor itself
    for (uint64_t i = 1; i < n.scored; i += 4) jpy += make_verdict(i).txn.amount_minor;
    CHECK(c["jpy"] == std::to_string(jpy) + ".0000");
}

TEST_CASE("the reader resolves older and newer writer schemas by field name", "[lake][unit]") {
    const lake_table_schema& scored = lake_schema(spool_table::scored);
    Verdict v = make_verdict(2);  // 414 KWD (exponent 3), no case
    v.txn.amount_minor = 12345;
    nlohmann::ordered_json avsc = nlohmann::ordered_json::parse(avro_schema_json(spool_table::scored));

    SECTION("a file written before case_id and the later fields existed gets their defaults") {
        // Every field from case_id on was added later with a default; without a case (and
        // without features) each encodes as one zero byte.
        auto old_schema = avsc;
        auto& fields = old_schema["fields"];
        std::size_t first_new = 0;
        while (fields[first_new]["name"] != "case_id") ++first_new;
        const std::size_t added = fields.size() - first_new;
        fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(first_new), fields.end());
        v.alert = true;
        std::vector<uint8_t> rec = encoded_verdict(v);
        REQUIRE(rec.size() > added);
        for (std::size_t k = 1; k <= added; ++k) REQUIRE(rec[rec.size() - k] == 0);
        rec.resize(rec.size() - added);
        const std::vector<uint8_t> file = container(old_schema.dump(), {rec, rec});
        avro_file_reader r(scored);
        REQUIRE(r.open_bytes(file.data(), file.size(), "old.avro"));
        row_batch b(scored);
        INFO(r.error());
        REQUIRE(read_all(r, b) == 2);
        const column_batch& case_id = b.columns[static_cast<std::size_t>(column_of(scored, "case_id"))];
        const column_batch& case_seq = b.columns[static_cast<std::size_t>(column_of(scored, "case_seq"))];
        REQUIRE(case_id.values() == 2);
        CHECK(case_id.str(1).empty());
        CHECK(case_seq.i32 == std::vector<int32_t>{0, 0});
        CHECK(b.columns[static_cast<std::size_t>(column_of(scored, "alert"))].b == std::vector<uint8_t>{1, 1});
        for (std::size_t i = 0; i < scored.leaves.size(); ++i) {  // later lists (features): empty
            const column_batch& c = b.columns[i];
            if (c.max_rep) CHECK(c.rep.size() == c.def.size());
            else CHECK(c.values() == 2);
        }
    }
    SECTION("a field the table does not know is skipped; amount is derived") {
        auto new_schema = avsc;
        new_schema["fields"].push_back({{"name", "extra"}, {"type", {{"type", "array"}, {"items", "string"}}}});
        std::vector<uint8_t> rec = encoded_verdict(v);
        const uint8_t extra[] = {4, 4, 'a', 'b', 2, 'c', 0};  // ["ab", "c"]: one block of 2 (zig-zag lengths)
        rec.insert(rec.end(), std::begin(extra), std::end(extra));
        const std::vector<uint8_t> file = container(new_schema.dump(), {rec, rec, rec});
        avro_file_reader r(scored);
        REQUIRE(r.open_bytes(file.data(), file.size(), "new.avro"));
        row_batch b(scored);
        INFO(r.error());
        REQUIRE(read_all(r, b) == 3);
        CHECK(r.rows_read() == 3);
        const column_batch& amount = b.columns[static_cast<std::size_t>(column_of(scored, "amount"))];
        CHECK(amount.type == lake_type::decimal18_4);
        CHECK(amount.i64 == std::vector<int64_t>(3, 123450));  // 12.345 KWD
        const column_batch& rule = b.columns[static_cast<std::size_t>(column_of(scored, "reasons.rule"))];
        CHECK(rule.rep == std::vector<uint8_t>{0, 1, 0, 1, 0, 1});  // two reasons per row
        CHECK(rule.def == std::vector<uint8_t>(6, 1));
    }
    SECTION("a writer schema naming a field twice is refused at open (found by fuzz_avro_reader)") {
        auto twice = avsc;
        twice["fields"].push_back(twice["fields"][2]);  // txn_id again
        const std::vector<uint8_t> file = container(twice.dump(), {});
        avro_file_reader r(scored);
        CHECK_FALSE(r.open_bytes(file.data(), file.size(), "twice.avro"));
        CHECK(r.error().find("txn_id: the name appears twice") != std::string::npos);
    }
    SECTION("a field the file lacks with no default is refused at open") {
        auto old_schema = avsc;
        old_schema["fields"].erase(old_schema["fields"].begin() + 2);  // txn_id
        const std::vector<uint8_t> file = container(old_schema.dump(), {});
        avro_file_reader r(scored);
        CHECK_FALSE(r.open_bytes(file.data(), file.size(), "lacking.avro"));
        CHECK(r.error().find("lacking.avro") != std::string::npos);
        CHECK(r.error().find("txn_id") != std::string::npos);
    }
}

TEST_CASE("empty lists are one level entry without a value", "[lake][unit]") {
    const lake_table_schema& scored = lake_schema(spool_table::scored);
    Verdict a = make_verdict(4), b = make_verdict(5);  // 0 reasons and 1 reason; 0 and 1 pattern
    REQUIRE(a.n_reasons == 0);
    REQUIRE(b.n_reasons == 1);
    const std::vector<uint8_t> file = container(avro_schema_json(spool_table::scored), {encoded_verdict(a), encoded_verdict(b)});
    avro_file_reader r(scored);
    REQUIRE(r.open_bytes(file.data(), file.size(), "lists.avro"));
    row_batch batch(scored);
    REQUIRE(read_all(r, batch) == 2);
    for (const char* leaf : {"reasons.rule", "reasons.value", "reasons.limit"}) {
        const column_batch& c = batch.columns[static_cast<std::size_t>(column_of(scored, leaf))];
        CHECK(c.rep == std::vector<uint8_t>{0, 0});
        CHECK(c.def == std::vector<uint8_t>{0, 1});
        CHECK(c.values() == 1);
    }
}

TEST_CASE("damaged Avro files are refused with the file and offset, never a crash", "[lake][unit]") {
    temp_dir tmp("txscreen-lake");
    write_spool(tmp.path, 400);
    const auto groups = lake_list_groups(tmp.path);
    REQUIRE(!groups.empty());
    const lake_partition_group& g = groups.front();  // table=aggregates first: lists of records
    const std::string path = tmp.path + "/" + g.avro_files.front();
    const std::vector<uint8_t> good = read_bytes(path);
    const lake_table_schema& schema = lake_schema(g.table);
    row_batch b(schema);
    avro_file_reader r(schema);
    REQUIRE(r.open(path));
    const long rows = read_all(r, b);
    REQUIRE(rows > 0);

    SECTION("wrong magic") {
        std::vector<uint8_t> bad = good;
        bad[0] = 'X';
        CHECK_FALSE(r.open_bytes(bad.data(), bad.size(), "magic.avro"));
        CHECK(r.error() == "avro: magic.avro: bad magic (not an Avro object container file)");
        CHECK_FALSE(r.open("/nonexistent/x.avro"));
        CHECK(r.error().find("/nonexistent/x.avro") != std::string::npos);
    }
    SECTION("truncated inside a block: the rows before stay, the error names the offset") {
        for (const std::size_t cut : {good.size() - 1, good.size() - 17, good.size() / 2, std::size_t{10}}) {
            row_batch part(schema);
            if (!r.open_bytes(good.data(), cut, "cut.avro")) {
                CHECK(r.error().find("cut.avro") != std::string::npos);
                continue;
            }
            long total = 0, n;
            while ((n = r.read(part, 64)) > 0) total += n;
            CHECK(n == -1);
            CHECK(total < rows);
            CHECK(part.rows == static_cast<std::size_t>(total));
            CHECK(r.error().rfind("avro: cut.avro: offset ", 0) == 0);
        }
    }
    SECTION("flipped bytes: an error or rows, every column consistent") {
        std::mt19937 rng(18);
        for (int round = 0; round < 300; ++round) {
            std::vector<uint8_t> bad = good;
            for (int k = 0; k < 1 + round % 4; ++k) bad[rng() % bad.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
            row_batch part(schema);
            if (!r.open_bytes(bad.data(), bad.size(), "flip.avro")) continue;
            long n;
            while ((n = r.read(part, 100)) > 0) {
            }
            for (std::size_t i = 0; i < part.columns.size(); ++i) {
                const column_batch& c = part.columns[i];
                if (c.max_rep == 0) {
                    CHECK(c.values() == part.rows);
                } else {
                    CHECK(c.rep.size() == c.def.size());
                    CHECK(static_cast<std::size_t>(std::count(c.rep.begin(), c.rep.end(), 0)) == part.rows);
                }
            }
        }
    }
}

TEST_CASE("derived amount: exact for exponents 0..4, rounded above, 0 when it does not fit", "[lake][unit]") {
    const lake_table_schema& outcomes = lake_schema(spool_table::outcomes);
    struct { int64_t minor; uint8_t exponent; int64_t unscaled; } cases[] = {
        {1234, 0, 12340000}, {1234, 2, 123400}, {-1234, 3, -12340}, {1234, 4, 1234},
        {100'000'000'000'000, 0, 0},  // 10^14 major units: beyond decimal(18,4)
        {99'999'999'999'999, 0, 999'999'999'999'990'000},  // just below
        {-100'000'000'000'000, 2, -10'000'000'000'000'000},
        {12'345, 6, 123},  // 0.012345 -> 0.0123
        {12'355, 6, 124},  // half away from zero
        {-12'355, 6, -124},
    };
    std::vector<std::vector<uint8_t>> records;
    for (const auto& c : cases) {
        Verdict v = make_outcome(1);
        v.txn.amount_minor = c.minor;
        v.txn.currency_exponent = c.exponent;
        std::vector<uint8_t> rec(avro_outcome_max_bytes);
        rec.resize(encode_outcome_avro(v, rec.data()));
        records.push_back(rec);
    }
    const std::vector<uint8_t> file = container(avro_schema_json(spool_table::outcomes), records);
    avro_file_reader r(outcomes);
    REQUIRE(r.open_bytes(file.data(), file.size(), "amounts.avro"));
    row_batch b(outcomes);
    REQUIRE(read_all(r, b) == static_cast<long>(std::size(cases)));
    const column_batch& amount = b.columns[static_cast<std::size_t>(column_of(outcomes, "amount"))];
    for (std::size_t i = 0; i < std::size(cases); ++i) CHECK(amount.i64[i] == cases[i].unscaled);
}

TEST_CASE("lake_list_groups: complete files per table, hour and host, oldest first", "[lake][unit]") {
    temp_dir tmp("txscreen-lake");
    const std::string hour = tmp.path + "/table=scored/dt=2024-03-01/hour=12";
    fs::create_directories(hour);
    fs::create_directories(tmp.path + "/table=dq/dt=2024-03-01/hour=12");
    for (const char* f : {"b-000000000010.avro", "b-000000000009.avro", "a-x-000000000003.avro", "a-x-000000000004.avro.tmp",
                          "notes.txt", "c.avro"})
        std::ofstream(hour + "/" + f) << "x";
    std::ofstream(tmp.path + "/table=dq/dt=2024-03-01/hour=12/b-000000000001.avro") << "x";
    const auto groups = lake_list_groups(tmp.path);
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].host == "a-x");
    CHECK(groups[0].avro_files == std::vector<std::string>{"table=scored/dt=2024-03-01/hour=12/a-x-000000000003.avro"});
    CHECK(groups[1].host == "b");
    CHECK(groups[1].avro_files == std::vector<std::string>{"table=scored/dt=2024-03-01/hour=12/b-000000000009.avro",
                                                           "table=scored/dt=2024-03-01/hour=12/b-000000000010.avro"});
    CHECK(groups[1].parquet_file() == "table=scored/dt=2024-03-01/hour=12/b.parquet");
}

TEST_CASE("the warehouse DDL covers every table and column of the lake schema", "[lake][unit]") {
    for (const auto target : {lake_ddl_target::snowflake, lake_ddl_target::redshift, lake_ddl_target::athena}) {
        lake_ddl_options o;
        o.target = target;
        o.location = "s3://bucket/lake";
        const std::string sql = lake_ddl(o);
        for (int t = 0; t < spool_table_count; ++t) {
            const lake_table_schema& s = lake_schema(static_cast<spool_table>(t));
            CHECK(sql.find("." + s.table + " (") != std::string::npos);
            CHECK(sql.find("table=" + s.table + "/") != std::string::npos);
            for (const lake_field& f : s.fields) {
                INFO(s.table << "." << f.name);
                CHECK(sql.find(f.name) != std::string::npos);
            }
        }
    }
    lake_ddl_options o;
    o.target = lake_ddl_target::snowflake;
    o.location = "s3://bucket/lake";
    const std::string sf = lake_ddl(o);
    CHECK(sf.find("URL = 's3://bucket/lake/'") != std::string::npos);
    CHECK(sf.find("MATCH_BY_COLUMN_NAME") != std::string::npos);
    CHECK(sf.find("AUTO_INGEST = TRUE") != std::string::npos);
    CHECK(sf.find("amount NUMBER(18,4)") != std::string::npos);
    CHECK(sf.find("event_time_ms TIMESTAMP_NTZ") != std::string::npos);
    o.target = lake_ddl_target::athena;
    const std::string athena = lake_ddl(o);
    CHECK(athena.find("`reasons` array<struct<rule:string,rule_id:int,weight:int,value:double,limit:double>>") !=
          std::string::npos);
    CHECK(athena.find("PARTITIONED BY (`dt` string, `hour` string)") != std::string::npos);
    o.target = lake_ddl_target::redshift;
    const std::string redshift = lake_ddl(o);
    CHECK(redshift.find("\"reasons\" SUPER") != std::string::npos);
    CHECK(redshift.find("FORMAT AS PARQUET") != std::string::npos);
    lake_ddl_target t;
    CHECK(lake_ddl_target_from_name("athena", t));
    CHECK(t == lake_ddl_target::athena);
    CHECK_FALSE(lake_ddl_target_from_name("oracle", t));
}

// Not run by default: `test_lake_convert "[perf]"` prints the conversion throughput of a
// 1M-row scored spool (the figure in docs/lake.md and the closing note).
TEST_CASE("conversion throughput on 1M scored rows", "[.][perf]") {
    temp_dir tmp("txscreen-lake-perf");
    const uint64_t n = 1'000'000;
    {
        spool_config c;
        c.dir = tmp.path;
        c.host = "perf";
        c.write_alerts = false;
        spool_writer s(c);
        const ruleset names;
        s.use_ruleset(&names);
        REQUIRE(s.open());
        for (uint64_t i = 0; i < n; ++i) REQUIRE(s.offer(make_verdict(i, 3)) == sink_answer::accepted);  // 50 min
        REQUIRE(s.close());
    }
    for (const parquet_codec codec : {parquet_codec::snappy, parquet_codec::zstd, parquet_codec::none}) {
        uint64_t rows = 0, in = 0, out = 0;
        double seconds = 0;
        parquet_options o;
        o.codec = codec;
        for (const lake_partition_group& g : lake_list_groups(tmp.path)) {
            std::vector<std::string> inputs;
            for (const std::string& f : g.avro_files) inputs.push_back(tmp.path + "/" + f);
            const lake_convert_result r =
                convert_avro_to_parquet(lake_schema(g.table), inputs, tmp.path + "/" + g.parquet_file(), o);
            REQUIRE(r.ok);
            rows += r.rows;
            in += r.input_bytes;
            out += r.output_bytes;
            seconds += r.seconds;
        }
        CHECK(rows == n);
        std::printf("lake convert %-6s %llu rows in %.2f s: %.0f rows/s, Avro %.1f MB -> Parquet %.1f MB\n",
                    std::string(parquet_codec_name(codec)).c_str(), static_cast<unsigned long long>(rows), seconds,
                    rows / seconds, in / 1e6, out / 1e6);
    }
    // The reader alone (Avro -> columns), for how the time divides.
    const auto started = std::chrono::steady_clock::now();
    uint64_t rows = 0;
    for (const lake_partition_group& g : lake_list_groups(tmp.path)) {
        avro_file_reader r(lake_schema(g.table));
        row_batch b(lake_schema(g.table));
        for (const std::string& f : g.avro_files) {
            REQUIRE(r.open(tmp.path + "/" + f));
            for (long k; (k = r.read(b, 131072)) > 0; b.clear()) rows += static_cast<uint64_t>(k);
        }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("avro reader alone: %llu rows in %.2f s: %.0f rows/s\n", static_cast<unsigned long long>(rows), s, rows / s);
}
