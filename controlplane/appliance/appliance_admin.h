// The admin REST API's view of a running appliance (controlplane/admin_server.h's
// admin_backend): health, readiness, metrics and stats from a snapshot the
// controlplane loop refreshes, rules/patterns hot reload through the publishers, per-card
// velocity lookups answered by the worker that owns the card, and drain.
//
// Threads: the controlplane loop (run_appliance) is the only writer of the snapshot
// (update(), every ~100 ms and once more after the drain); admin server threads read it
// under a mutex. Velocity state belongs to the workers and is never read from another
// thread while they run: a lookup is posted to every worker's slot and answered at the
// worker's next quiescent point (lookup_scorer).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/latency_histogram.h"
#include "common/pan_token.h"
#include "controlplane/admin_server.h"
#include "controlplane/kafka_publisher.h"
#include "controlplane/s3_uploader.h"
#include "controlplane/spool_writer.h"
#include "dataplane/dataplane.h"
#include "rules/ruleset_store.h"
#include "controlplane/appliance/card_lookup.h"

namespace txscreen {

// {"jump_ahead":n,...}: a feed's counts by sequence_suspect reason (every reason but
// none, zeros included), as /api/v1/stats and the run summary both print them.
std::string suspect_reasons_json(const std::array<uint64_t, sequence_suspect_count>& by_reason);

// Counters and gauges the controlplane loop gathers for the admin API.
struct appliance_snapshot {
    bool dataplane_running = false;  // lcores polling (false before start and after drain)
    bool finished = false;           // input ended (or drained) and every verdict consumed
    dp_stats stats;
    latency_histogram latency;
    uint64_t verdicts = 0, alerts = 0, rejects = 0;  // consumed by the controlplane
    std::map<std::string, uint64_t> alerts_by_rule, decisions, rule_hits;
    std::array<uint64_t, 16> category_hits{};
    uint32_t ruleset_version = 0, patterns_version = 0;
    int64_t snapshot_ms = 0;                  // steady-clock ms when taken
    double verdicts_per_s = 0, alerts_per_s = 0, rx_packets_per_s = 0;  // over the last ~1 s
    uint64_t verdict_versions_seen = 0;  // distinct ruleset versions seen on verdicts
    uint32_t last_verdict_ruleset = 0, last_verdict_patterns = 0;
    bool have_kafka = false, kafka_ready = true;
    double kafka_stalled_s = 0;  // how long records have waited with no acknowledgement from Kafka
    kafka_counters kafka{};
    uint64_t kafka_waiting = 0;  // alerts held by the controlplane (backpressure)
    uint64_t kafka_alerts_dropped = 0;  // alerts the producer refused outright, no outbox took them
    bool have_spool = false, spool_writable = true;
    spool_stats spool{};
    std::string spool_error;
    bool have_s3 = false;
    s3_uploader_stats s3{};
    lookup_scorer::table_fill velocity;
};

class appliance_admin final : public admin_backend {
public:
    struct hooks {
        // Live pattern file text and hot reload; empty = screening is not available.
        std::function<std::string()> patterns_text;
        std::function<put_result(std::string_view)> put_patterns;
        std::function<uint32_t()> patterns_version;
    };
    appliance_admin(ruleset_store& rules, lookup_scorer& lookups, const std::string& tokenization_key, hooks h);

    // Controlplane loop: replaces the snapshot.
    void update(appliance_snapshot s);
    // True once POST /api/v1/drain was called (the loop then stops rx and drains).
    bool drain_requested() const noexcept { return _drain.load(std::memory_order_acquire); }

    bool healthy() override;
    readiness ready() override;
    void write_metrics(std::string& out) override;
    std::string stats_json() override;
    std::string rules_text() override;
    put_result put_rules(std::string_view body) override;
    std::string patterns_text() override;
    put_result put_patterns(std::string_view body) override;
    std::optional<std::string> card_velocity_json(std::string_view key) override;
    std::string drain() override;

    // The live ruleset's TOML (the file given at start, or the built-in defaults).
    void set_rules_text(std::string text);
    // Reloads so far: [0] rules, [1] patterns; ok and refused.
    uint64_t reloads(int what, bool ok) const noexcept { return _reloads[what][ok ? 0 : 1].load(); }

private:
    ruleset_store& _rules;
    lookup_scorer& _lookups;
    pan_tokenizer _tokenizer;
    hooks _hooks;
    mutable std::mutex _mutex;  // guards _snap, _updated and _have_snapshot
    appliance_snapshot _snap;
    std::chrono::steady_clock::time_point _updated;
    bool _have_snapshot = false;  // the loop has published one: liveness is judged from then
    const std::chrono::steady_clock::time_point _started = std::chrono::steady_clock::now();
    std::string _host;
    std::atomic<bool> _drain{false};
    std::atomic<uint64_t> _reloads[2][2] = {};
    // Rendered answers, reused until the snapshot (or a version) changes: a scrape storm
    // costs one rendering per snapshot, not one per request.
    std::atomic<uint64_t> _generation{1};
    std::mutex _render_mutex;
    uint64_t _stats_gen = 0, _metrics_gen = 0;
    std::chrono::steady_clock::time_point _stats_time;
    std::string _stats_cache, _metrics_cache;
    std::string render_stats();
    void render_metrics(std::string& out);
    std::mutex _rules_mutex;  // one rules reload at a time; guards _rules_text
    std::string _rules_text;
};

}  // namespace txscreen
