// The admin REST API's view of a running appliance (controlplane/admin_server.h's
// admin_backend): health, readiness, metrics and stats from a snapshot the
// controlplane loop refreshes, rules/patterns hot reload through the publishers, per-card
// velocity lookups answered by the worker that owns the card, and drain.
//
// Threads: the controlplane loop is the only writer of the snapshot (update(), every
// ~100 ms and once more after the drain); admin server threads read it under a mutex.
// Velocity state belongs to the workers and is never read from another thread while
// they run: a lookup is posted on the workers' control rings (card_lookup.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "common/pan_token.h"
#include "controlplane/admin_server.h"
#include "controlplane/appliance/analytics_stage.h"
#include "controlplane/appliance/appliance_counters.h"
#include "controlplane/appliance/card_lookup.h"
#include "controlplane/appliance/rule_sources.h"

namespace txscreen {

// What readiness and the stats header need beside the counters.
struct appliance_status {
    bool dataplane_running = false;  // lcores polling (false before start and after drain)
    bool finished = false;           // input ended (or drained) and every verdict consumed
    bool kafka_ready = true;         // false after a fatal producer error
    double kafka_stalled_s = 0;      // records waiting with no acknowledgement for this long
    bool spool_writable = true;
    std::string spool_error;
    std::string webhook_error;       // "" when every webhook endpoint delivers
    analytics_view analytics;        // the dashboard's last hour and open cases
    int64_t snapshot_ms = 0;                                             // steady clock, when taken
    double verdicts_per_s = 0, alerts_per_s = 0, rx_packets_per_s = 0;  // over the last ~1 s
    uint32_t last_verdict_ruleset = 0, last_verdict_patterns = 0;
};

struct appliance_snapshot {
    appliance_counters counters;
    appliance_status status;
};

class appliance_admin final : public admin_backend {
public:
    // tokenizer: the dataplane's (GET /api/v1/velocity/{pan} finds a card by its token).
    appliance_admin(rule_sources& sources, lookup_scorer& lookups, const pan_tokenizer& tokenizer);

    // Controlplane loop: replaces the snapshot.
    void update(appliance_snapshot s);
    // True once POST /api/v1/drain was called (the loop then stops rx and drains).
    bool drain_requested() const noexcept { return _drain.load(std::memory_order_acquire); }
    // Reloads so far: [rules, patterns][ok, refused].
    std::array<std::array<uint64_t, 2>, 3> reloads() const noexcept;

    bool healthy() override;
    readiness ready() override;
    void write_metrics(std::string& out) override;
    std::string stats_json() override;
    std::string rules_text() override;
    put_result put_rules(std::string_view body) override;
    std::optional<std::string> model_json() override;
    put_result put_model(std::string_view body) override;
    std::string patterns_text() override;
    put_result put_patterns(std::string_view body) override;
    std::optional<std::string> card_velocity_json(std::string_view key) override;
    std::string drain() override;

private:
    appliance_snapshot copy_snapshot() const;
    std::string render_stats();
    rule_sources& _sources;
    lookup_scorer& _lookups;
    pan_tokenizer _tokenizer;
    mutable std::mutex _mutex;  // guards _snap, _updated and _have_snapshot
    appliance_snapshot _snap;
    std::chrono::steady_clock::time_point _updated;
    bool _have_snapshot = false;  // the loop has published one: liveness is judged from then
    const std::chrono::steady_clock::time_point _started = std::chrono::steady_clock::now();
    std::string _host;
    std::atomic<bool> _drain{false};
    std::atomic<uint64_t> _reloads[3][2] = {};  // [rules, patterns, model][ok, refused]
    // Rendered answers, reused until the snapshot (or a version) changes: a scrape storm
    // costs one rendering per snapshot, not one per request.
    std::atomic<uint64_t> _generation{1};
    std::mutex _render_mutex;
    uint64_t _stats_gen = 0, _metrics_gen = 0;
    std::chrono::steady_clock::time_point _stats_time;
    std::string _stats_cache, _metrics_cache;
    std::mutex _rules_mutex;  // one rules reload at a time; guards _rules_text
    std::string _rules_text;
};

}  // namespace txscreen
