// The report file (docs/schemas.md, "Data-quality report"): one JSON object per hour
// partition and host. The same statistics always give the same bytes (no wall-clock
// stamp), so compacting an hour again rewrites an identical report.
#include "controlplane/lake/dq_report.h"

#include <cmath>
#include <ctime>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace txscreen {

namespace {

using doc_json = nlohmann::ordered_json;

std::string rfc3339(int64_t ms) {
    const std::time_t s = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

// JSON has no NaN or infinity; a share is always finite, but a limit from code may not be.
doc_json finite(double v) { return std::isfinite(v) ? doc_json(v) : doc_json(nullptr); }

const char* status_of(const dq_check& c) { return c.skipped ? "skipped" : c.passed ? "pass" : "fail"; }

doc_json checks_json(const std::vector<dq_check>& checks) {
    doc_json out = doc_json::array();
    for (const dq_check& c : checks)
        out.push_back({{"name", c.name},
                       {"status", status_of(c)},
                       {"observed", finite(c.observed)},
                       {"limit", finite(c.limit)},
                       {"detail", c.detail}});
    return out;
}

template <class Map>
doc_json counts_json(const Map& m) {
    doc_json out = doc_json::object();
    for (const auto& [k, n] : m) {
        if constexpr (std::is_same_v<typename Map::key_type, int>) out[std::to_string(k)] = n;
        else out[k.empty() ? "(empty)" : k] = n;
    }
    return out;
}

}  // namespace

std::vector<const dq_check*> dq_report::failures() const {
    std::vector<const dq_check*> out;
    for (const dq_check& c : checks)
        if (!c.passed && !c.skipped) out.push_back(&c);
    return out;
}

std::string dq_report::json() const {
    doc_json failed = doc_json::array();
    for (const dq_check* c : failures()) failed.push_back(c->name);
    doc_json shares = doc_json::object();
    for (const auto& [name, share] : empty_shares) shares[name] = finite(share);
    const doc_json doc = {
        {"report_version", dq_report_version},
        {"partition", partition},
        {"host", host},
        {"hour_start", rfc3339(hour_start_ms)},
        {"hour_start_ms", hour_start_ms},
        {"status", failed.empty() ? "pass" : "fail"},
        {"failed", failed},
        {"rows", rows},
        {"rejects", rejects},
        {"expected_rows", expected_rows < 0 ? doc_json(nullptr) : finite(expected_rows)},
        {"checks", checks_json(checks)},
        {"empty_shares", shares},
        {"freshness",
         {{"rows", freshness.rows},
          {"p50_ms", freshness.p50_ms},
          {"p99_ms", freshness.p99_ms},
          {"max_ms", freshness.max_ms},
          {"ahead", freshness.ahead}}},
        {"out_of_order_rows", out_of_order},
        {"amount_minor", {{"min", amount_min}, {"max", amount_max}}},
        {"currencies", counts_json(currencies)},
        {"rejects_by_reason", counts_json(rejects_by_reason)},
        {"schema_versions", counts_json(schema_versions)},
    };
    return doc.dump(1) + "\n";
}

}  // namespace txscreen
