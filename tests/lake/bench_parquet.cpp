// Parquet write throughput (suite 'perf', prints figures, never fails on time): 1M
// synthetic rows of the scored table, Snappy, in row groups of 128K rows, as the hour
// compaction writes them. Also the file size against the same rows' Avro binary encoding
// (record bodies only: what the spool's blocks hold before any block codec).
// `bench_parquet OUT.parquet` keeps the file (to read it back by hand).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

#include "controlplane/lake/column_batch.h"
#include "controlplane/lake/lake_schema.h"
#include "controlplane/lake/parquet_writer.h"

using namespace txscreen;

namespace {

constexpr std::size_t total_rows = 1'000'000, group_rows = 128 * 1024;

std::size_t varint_bytes(uint64_t v) {
    std::size_t n = 1;
    while (v >= 0x80) v >>= 7, ++n;
    return n;
}
std::size_t zigzag_bytes(int64_t v) { return varint_bytes((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }

// How many distinct values a column of the scored table has in a busy hour (0: unique).
uint64_t distinct_of(const std::string& name) {
    if (name == "txn_id" || name == "stan" || name == "rrn" || name == "rx_ns" || name == "verdict_ns" ||
        name == "feed_seq" || name == "event_time_ms")
        return 0;
    if (name == "card_token" || name == "card_id" || name == "account_id") return 200'000;
    if (name == "terminal_id" || name == "merchant_id" || name == "merchant_name") return 20'000;
    if (name == "amount_minor") return 100'000;
    if (name == "city" || name == "bin") return 2'000;
    if (name == "last4") return 10'000;
    if (name == "mcc" || name == "pattern_ids") return 300;
    if (name == "score") return 101;
    return 6;  // format, currency, channel, decision, country-ish, small ints, rule names
}

struct synth {
    explicit synth(const lake_table_schema& s) {
        for (const lake_leaf& leaf : s.leaves) distinct.push_back(distinct_of(leaf.dotted));
    }

    std::mt19937_64 rng{42};
    std::size_t row = 0;
    std::vector<uint64_t> distinct;  // per leaf

    void value(column_batch& c, const lake_leaf& leaf, uint64_t d, std::size_t& avro) {
        const uint64_t v = d ? rng() % d : row;
        switch (c.type) {
            case lake_type::boolean: c.b.push_back(v & 1); avro += 1; break;
            case lake_type::int32: c.i32.push_back(static_cast<int32_t>(v)); avro += zigzag_bytes(static_cast<int64_t>(v)); break;
            case lake_type::float32: c.f32.push_back(static_cast<float>(v)); avro += 4; break;
            case lake_type::float64: c.f64.push_back(static_cast<double>(v) / 3); avro += 8; break;
            case lake_type::timestamp_ms: c.i64.push_back(1764547200000 + static_cast<int64_t>(v / 300)); avro += 6; break;
            case lake_type::decimal18_4: c.i64.push_back(static_cast<int64_t>(v) * 100); break;  // derived: not in Avro
            case lake_type::string: {
                char buf[48];
                const int n = std::snprintf(buf, sizeof buf, "%s-%016llx", leaf.path.back().c_str(),
                                            static_cast<unsigned long long>(v * 0x9e3779b97f4a7c15ull));
                c.str_data.append(buf, static_cast<std::size_t>(n));
                c.str_end.push_back(static_cast<uint32_t>(c.str_data.size()));
                avro += varint_bytes(static_cast<uint64_t>(n)) + static_cast<std::size_t>(n);
                break;
            }
            default: c.i64.push_back(static_cast<int64_t>(v) * 1000 + 7); avro += zigzag_bytes(c.i64.back()); break;
        }
    }

    // One row; list fields get 0..3 elements. Returns its Avro size.
    std::size_t append(row_batch& batch) {
        const lake_table_schema& s = *batch.schema;
        std::size_t avro = 0, elements = 0;
        const std::string* list = nullptr;  // the list field the current leaves belong to
        for (std::size_t i = 0; i < s.leaves.size(); ++i) {
            const lake_leaf& leaf = s.leaves[i];
            column_batch& c = batch.columns[i];
            if (!leaf.max_rep) { value(c, leaf, distinct[i], avro); continue; }
            if (!list || leaf.path[0] != *list) {  // a new list: its length, and the block terminator
                list = &leaf.path[0];
                elements = rng() % 4;
                avro += elements ? varint_bytes(elements) + 1 : 1;
            }
            if (!elements) c.rep.push_back(0), c.def.push_back(0);
            for (std::size_t k = 0; k < elements; ++k) {
                c.rep.push_back(k ? 1 : 0), c.def.push_back(1);
                value(c, leaf, distinct[i], avro);
            }
        }
        ++batch.rows, ++row;
        return avro;
    }
};

}  // namespace

int main(int argc, char** argv) {
    const lake_table_schema& schema = lake_schema(spool_table::scored);
    const bool keep = argc > 1;
    const std::string path = keep ? argv[1]
        : (std::filesystem::temp_directory_path() / ("bench_parquet." + std::to_string(::getpid()) + ".parquet")).string();
    synth gen(schema);
    std::vector<row_batch> groups;
    std::size_t avro_bytes = 0;
    for (std::size_t done = 0; done < total_rows; done += group_rows) {
        groups.emplace_back(schema);
        for (std::size_t r = done; r < std::min(total_rows, done + group_rows); ++r) avro_bytes += gen.append(groups.back());
    }
    parquet_options options;
    options.codec = parquet_codec::snappy;
    parquet_writer writer(schema, options);
    const auto start = std::chrono::steady_clock::now();
    bool ok = writer.open(path);
    for (const row_batch& g : groups) ok = ok && writer.write_row_group(g);
    const auto written = std::chrono::steady_clock::now();
    ok = ok && writer.close();
    const double seconds = std::chrono::duration<double>(written - start).count();
    const double close_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - written).count();
    if (!keep) std::filesystem::remove(path);
    if (!ok) {
        std::fprintf(stderr, "bench_parquet: %s\n", writer.error().c_str());
        return 1;
    }
    const parquet_write_stats& st = writer.stats();
    std::printf("parquet write, scored table, %zu rows (%zu leaves), snappy, row groups of %zu:\n", total_rows,
                schema.leaves.size(), group_rows);
    std::printf("  row groups: %.3f s  %.0f rows/s  %.1f MB/s of Avro input  %.1f MB/s of page bytes\n", seconds,
                static_cast<double>(total_rows) / seconds, static_cast<double>(avro_bytes) / 1e6 / seconds,
                static_cast<double>(st.uncompressed_bytes) / 1e6 / seconds);
    std::printf("  close (footer, fsync, rename): %.3f s\n", close_seconds);
    std::printf("  file %.1f MB  pages before compression %.1f MB  Avro record bytes %.1f MB  Avro/Parquet %.2fx\n",
                static_cast<double>(st.bytes) / 1e6, static_cast<double>(st.uncompressed_bytes) / 1e6,
                static_cast<double>(avro_bytes) / 1e6, static_cast<double>(avro_bytes) / static_cast<double>(st.bytes));
    return 0;
}
