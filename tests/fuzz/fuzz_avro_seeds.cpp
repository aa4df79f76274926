// fuzz_avro_seeds KIND DIR: the seed corpus of fuzz_avro_reader: for each spool table, a
// valid Avro container of a few records made with the spool's own encoders, behind the
// byte that picks the table (fuzz_avro_reader.cpp). KIND is ignored (run_fuzz.sh's
// calling convention).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/reject_record.h"
#include "common/verdict.h"
#include "controlplane/analytics/analytics_records.h"
#include "controlplane/avro_analytics.h"
#include "controlplane/avro_container.h"
#include "controlplane/avro_records.h"

using namespace txscreen;

namespace {

Verdict verdict(int i) {
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    v.txn.reset();
    v.txn.txn_id.assign("t1");
    v.txn.event_time_ms = 1709294400000 + i;
    v.txn.amount_minor = 1999 + i;
    v.txn.currency = 840;
    v.txn.currency_exponent = 2;
    v.n_reasons = static_cast<uint8_t>(i % 3);
    for (int k = 0; k < v.n_reasons; ++k) v.reasons[k] = {static_cast<uint16_t>(k), 10, {}, 1.5, NAN};
    v.n_patterns = static_cast<uint8_t>(i % 2);
    v.pattern_ids[0] = 7;
    return v;
}

std::vector<uint8_t> records(spool_table t) {
    std::vector<uint8_t> out;
    uint8_t buf[8192];
    for (int i = 0; i < 3; ++i) {
        std::size_t n = 0;
        switch (t) {
            case spool_table::scored:
            case spool_table::alerts: n = encode_verdict_avro(verdict(i), {}, buf); break;
            case spool_table::outcomes: n = encode_outcome_avro(verdict(i), buf); break;
            case spool_table::rejects: {
                reject_record r{1709294400000000000, 5, 40, 1, reject_reason::iso_bad_bitmap, 3};
                n = encode_reject_avro(r, buf);
                break;
            }
            case spool_table::aggregates: {
                aggregate_record a{};
                std::memcpy(a.key, "m-1", 3);
                a.n_amounts = static_cast<uint8_t>(i);
                for (int k = 0; k < i; ++k) a.amounts[k] = {392, 0, 2, 1500};
                n = encode_aggregate_avro(a, buf);
                break;
            }
            case spool_table::spikes: {
                spike_event s{};
                std::memcpy(s.key, "5411", 4);
                s.observed = 3.5;
                n = encode_spike_avro(s, buf);
                break;
            }
        }
        out.insert(out.end(), buf, buf + n);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: fuzz_avro_seeds KIND DIR\n");
        return 2;
    }
    const uint8_t sync[avro_sync_bytes] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
    for (int i = 0; i < spool_table_count; ++i) {
        const auto t = static_cast<spool_table>(i);
        const std::string_view schema = avro_schema_json(t);
        std::vector<uint8_t> file(schema.size() + 256);
        file.resize(avro_write_header(schema, sync, file.data(), file.size()));
        const std::vector<uint8_t> data = records(t);
        std::vector<uint8_t> block(avro_block_header_max);
        block.insert(block.end(), data.begin(), data.end());
        block.resize(block.size() + avro_sync_bytes);
        const std::size_t start = avro_seal_block(block.data(), data.size(), 3, sync);
        file.insert(file.end(), block.begin() + static_cast<std::ptrdiff_t>(start), block.end());
        std::ofstream out(std::string(argv[2]) + "/" + std::string(spool_table_name(t)) + ".seed", std::ios::binary);
        const char table = static_cast<char>(i);
        out.write(&table, 1);
        out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    }
    return 0;
}
