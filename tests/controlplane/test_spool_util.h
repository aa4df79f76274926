// Helpers shared by the spool/S3 tests and the test driver: synthetic verdicts with
// known ids, and a libavro-based reader of spool files (independent of our encoder).
#pragma once

#include <avro.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/verdict.h"

namespace txscreen::test {

// Verdict number `i`: txn_id "t<i>", event time base_ms + i * step_ms, alert every 7th.
inline Verdict make_verdict(uint64_t i, int64_t base_ms = 1709294400000, int64_t step_ms = 10) {
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    v.txn.reset();
    char id[32];
    std::snprintf(id, sizeof id, "t%llu", static_cast<unsigned long long>(i));
    v.txn.txn_id.assign(id);
    v.txn.event_time_ms = base_ms + static_cast<int64_t>(i) * step_ms;
    v.txn.amount_minor = static_cast<int64_t>(100 + i % 5000);
    for (int k = 0; k < 16; ++k) v.txn.card_token[k] = static_cast<uint8_t>(i * 31 + k);
    std::memcpy(v.txn.card_bin, "41111111", 8);
    std::memcpy(v.txn.card_last4, "1111", 4);
    v.txn.pan_len = 16;
    v.txn.currency = 840;
    v.txn.currency_exponent = 2;
    v.txn.mcc = 5411;
    v.txn.chan = channel::ecom;
    v.txn.format = payload_format::json;
    v.txn.merchant_id.assign("m-42");
    v.txn.merchant_name.assign("Caf\xc3\xa9 \xff Bad");  // one valid, one invalid UTF-8 sequence
    v.txn.city.assign("Paris");
    std::memcpy(v.txn.country, "FR", 2);
    v.txn.feed_seq = i;
    v.score = static_cast<uint8_t>(i % 101);
    v.alert = i % 7 == 0;
    v.dec = v.alert ? decision::block : decision::allow;
    v.n_reasons = 2;
    v.reasons[0] = {3, 40, {}, 5.0, 3.0};
    v.reasons[1] = {9, 10, {}, NAN, 1.5};
    v.n_patterns = 1;
    v.pattern_ids[0] = 77;
    v.ruleset_version = 4;
    v.patterns_version = 2;
    v.rx_ns = v.txn.event_time_ms * 1000000 + 5;
    v.verdict_ns = v.rx_ns + 1000;
    return v;
}

struct read_result {
    bool ok = false;
    std::string error;
    uint64_t records = 0;
    std::vector<std::string> txn_ids;        // scored/alerts: txn_id of each record
    std::map<std::string, std::string> first; // a few fields of the first record, as text
};

// Reads a spool file with libavro's own file reader and generic values.
inline read_result read_avro_file(const std::string& path) {
    read_result r;
    avro_file_reader_t reader;
    if (avro_file_reader(path.c_str(), &reader) != 0) {
        r.error = avro_strerror();
        return r;
    }
    avro_schema_t schema = avro_file_reader_get_writer_schema(reader);
    avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
    avro_value_t value;
    avro_generic_value_new(iface, &value);
    int rc;
    while ((rc = avro_file_reader_read_value(reader, &value)) == 0) {
        avro_value_t field;
        const char* s = nullptr;
        size_t n = 0;
        if (avro_value_get_by_name(&value, "txn_id", &field, nullptr) == 0 &&
            avro_value_get_string(&field, &s, &n) == 0)
            r.txn_ids.emplace_back(s, n ? n - 1 : 0);
        if (r.records == 0) {
            for (const char* name : {"card_token", "merchant_name", "currency", "decision", "reason", "channel",
                                     "response_code", "auth_code", "stan"}) {
                if (avro_value_get_by_name(&value, name, &field, nullptr) == 0 &&
                    avro_value_get_string(&field, &s, &n) == 0)
                    r.first[name] = std::string(s, n ? n - 1 : 0);
            }
            avro_value_t reasons, reason, rule;
            if (avro_value_get_by_name(&value, "reasons", &reasons, nullptr) == 0) {
                size_t cnt = 0;
                avro_value_get_size(&reasons, &cnt);
                r.first["reasons"] = std::to_string(cnt);
                if (cnt > 1 && avro_value_get_by_index(&reasons, 1, &reason, nullptr) == 0 &&
                    avro_value_get_by_name(&reason, "rule", &rule, nullptr) == 0 &&
                    avro_value_get_string(&rule, &s, &n) == 0)
                    r.first["reason1_rule"] = std::string(s, n ? n - 1 : 0);
            }
            int64_t l;
            for (const char* name : {"event_time_ms", "response_rx_ns", "request_rx_ns", "issuer_response_us"})
                if (avro_value_get_by_name(&value, name, &field, nullptr) == 0 && avro_value_get_long(&field, &l) == 0)
                    r.first[name] = std::to_string(l);
            int32_t i;
            if (avro_value_get_by_name(&value, "field", &field, nullptr) == 0 && avro_value_get_int(&field, &i) == 0)
                r.first["field"] = std::to_string(i);  // rejects: the ISO 8583 field
            int b;
            if (avro_value_get_by_name(&value, "declined", &field, nullptr) == 0 &&
                avro_value_get_boolean(&field, &b) == 0)
                r.first["declined"] = b ? "true" : "false";
        }
        ++r.records;
        avro_value_reset(&value);
    }
    r.ok = rc == EOF;
    if (!r.ok) r.error = avro_strerror();
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    avro_file_reader_close(reader);
    return r;
}

// Every file under `dir` whose name ends in `suffix`, sorted.
inline std::vector<std::string> files_under(const std::string& dir, const std::string& suffix) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        const std::string p = it->path().string();
        if (it->is_regular_file() && p.size() >= suffix.size() &&
            p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0)
            out.push_back(p);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace txscreen::test
