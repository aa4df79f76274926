#include "controlplane/appliance/appliance_admin.h"

#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "controlplane/appliance/analytics_view_json.h"
#include "controlplane/appliance/identities.h"
#include "controlplane/appliance/metric_render.h"

namespace txscreen {

namespace {

std::string host_name() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) return "txscreen";
    return host;
}

// Why the spool keeps the appliance from being ready ("" when it does not).
std::string spool_not_ready(const appliance_counters& c, const appliance_status& st) {
    if (!c.spool) return {};
    if (!st.spool_writable) return "spool not writable: " + st.spool_error;
    if (!c.spool->over_budget) return {};
    return "spool over its disk budget (" + std::to_string(c.spool->disk_bytes) + " of " +
           std::to_string(c.spool->max_disk_bytes) + " bytes): " +
           (c.s3 ? "rx is paused until uploads free space" : "new rows are refused (no uploader)");
}

// Why Kafka keeps the appliance from being ready ("" when it does not).
std::string kafka_not_ready(const appliance_counters& c, const appliance_status& st) {
    if (!c.kafka) return {};
    if (!st.kafka_ready) return "kafka producer failed (fatal error)";
    if (st.kafka_stalled_s < 5) return {};
    std::string r = "kafka not acknowledging for " + std::to_string(static_cast<int>(st.kafka_stalled_s)) +
                    " s (brokers down or slow): ";
    if (c.kafka->waiting) return r + std::to_string(c.kafka->waiting) + " alerts held, the dataplane is paused";
    return r + std::to_string(c.kafka->outbox.backlog) + " alerts wait in the outbox, " +
           std::to_string((*c.kafka)[kafka_topic::alerts].pending()) + " in memory; screening goes on";
}

}  // namespace

appliance_admin::appliance_admin(rule_sources& sources, lookup_scorer& lookups, const pan_tokenizer& tokenizer)
    : _sources(sources), _lookups(lookups), _tokenizer(tokenizer),
      _host(host_name()), _rules_text(sources.rules_text()) {}

void appliance_admin::update(appliance_snapshot s) {
    std::lock_guard g(_mutex);
    _snap = std::move(s);
    _updated = std::chrono::steady_clock::now();
    _have_snapshot = true;
    _generation.fetch_add(1);
}

appliance_snapshot appliance_admin::copy_snapshot() const {
    std::lock_guard g(_mutex);
    return _snap;
}

std::array<std::array<uint64_t, 2>, 3> appliance_admin::reloads() const noexcept {
    std::array<std::array<uint64_t, 2>, 3> r{};
    for (int what = 0; what < 3; ++what)
        for (int ok = 0; ok < 2; ++ok) r[what][ok] = _reloads[what][ok].load();
    return r;
}

bool appliance_admin::healthy() {
    // The controlplane loop refreshes the snapshot every ~100 ms while it runs; a stale
    // snapshot means the loop is stuck (a hung sink), which a restart would cure.
    // Before the first snapshot the process is starting (ports, lcores): alive, and
    // /readyz says it is not ready yet; a liveness probe must not restart it then.
    std::lock_guard g(_mutex);
    if (!_have_snapshot || _snap.status.finished) return true;
    return std::chrono::steady_clock::now() - _updated < std::chrono::seconds(10);
}

readiness appliance_admin::ready() {
    readiness r;
    if (_drain.load()) {
        r.reason = "draining";
        return r;
    }
    const appliance_snapshot s = copy_snapshot();
    if (s.status.finished) r.reason = "input finished; dataplane stopped";
    else if (!s.status.dataplane_running) r.reason = "dataplane not running";
    else if (std::string why = spool_not_ready(s.counters, s.status); !why.empty()) r.reason = why;
    else if (std::string why = kafka_not_ready(s.counters, s.status); !why.empty()) r.reason = why;
    else if (!s.status.webhook_error.empty()) r.reason = s.status.webhook_error;
    else if (s.counters.ruleset_version == 0) r.reason = "no ruleset loaded";
    else r.ready = true;
    return r;
}

void appliance_admin::write_metrics(std::string& out) {
    std::lock_guard g(_render_mutex);
    const uint64_t gen = _generation.load();
    if (_metrics_gen != gen) {
        appliance_snapshot s = copy_snapshot();
        s.counters.reloads = reloads();
        _metrics_cache.clear();
        render_prometheus(s.counters, _metrics_cache);
        _metrics_gen = gen;
    }
    out += _metrics_cache;
}

std::string appliance_admin::stats_json() {
    std::lock_guard g(_render_mutex);
    const uint64_t gen = _generation.load();
    const auto now = std::chrono::steady_clock::now();
    if (_stats_gen != gen || now - _stats_time > std::chrono::seconds(1)) {  // uptime moves on
        _stats_cache = render_stats();
        _stats_gen = gen;
        _stats_time = now;
    }
    return _stats_cache;
}

// The status header, the dashboard's groups, every counter of the catalog and the
// accounting identities (docs/admin.md, "Stats").
std::string appliance_admin::render_stats() {
    appliance_snapshot s = copy_snapshot();
    appliance_counters& c = s.counters;
    c.reloads = reloads();
    // Versions live (a reload after the input ended shows at once).
    c.ruleset_version = _sources.rules.version();
    c.patterns_version = _sources.screening() ? _sources.patterns.version() : 0;
    nlohmann::ordered_json d;
    d["host"] = _host;
    d["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - _started).count();
    d["ready"] = ready().ready;
    d["draining"] = _drain.load();
    d["finished"] = s.status.finished;
    d["last_verdict_ruleset_version"] = s.status.last_verdict_ruleset;
    d["last_verdict_patterns_version"] = s.status.last_verdict_patterns;
    d["worker_count"] = c.dp.per_worker.size();
    d["snapshot_ms"] = s.status.snapshot_ms;
    d["rates"] = {{"verdicts", s.status.verdicts_per_s}, {"alerts", s.status.alerts_per_s},
                  {"rx_packets", s.status.rx_packets_per_s}};
    d["counters"] = render_view(c, view_throughput);
    d["drops"] = render_view(c, view_drop);
    d["backlog"] = render_view(c, view_backlog);
    d.update(render_counters_json(c));
    d["identities"] = identities_json(accounting_identities(c));
    // Counters read at a quiescent moment (drained): the identities must hold.
    d["identities"]["exact"] = s.status.finished;
    d["analytics"] = analytics_view_json(s.status.analytics);
    return d.dump();
}

std::string appliance_admin::rules_text() {
    std::lock_guard g(_rules_mutex);
    return _rules_text;
}

// Reloads bump the render generation last, after the state and the counters changed:
// a rendering in between is then never cached under the new generation.
put_result appliance_admin::put_rules(std::string_view body) {
    std::lock_guard g(_rules_mutex);
    put_result r;
    ruleset_publish_result p = _sources.publish(body, "PUT /api/v1/rules", _sources.model());
    r.ok = p.ok();
    r.error = p.error;
    r.version = p.ok() ? p.version : _sources.rules.version();
    if (r.ok) _rules_text.assign(body);
    ++_reloads[0][r.ok ? 0 : 1];
    _generation.fetch_add(1);
    return r;
}

// A new model is published as a new ruleset (the live rules with it), so workers take
// it at their quiescent point like any ruleset; a refused model changes nothing.
put_result appliance_admin::put_model(std::string_view body) {
    std::lock_guard g(_rules_mutex);
    put_result r;
    std::string error;
    std::shared_ptr<const xgb_model> m = xgb_model::parse(body, "PUT /api/v1/model", error);
    if (m) {
        ruleset_publish_result p = _sources.publish(_rules_text, "PUT /api/v1/model", m);
        r.ok = p.ok();
        error = p.error;
    }
    r.error = error;
    r.version = _sources.rules.version();
    ++_reloads[2][r.ok ? 0 : 1];
    _generation.fetch_add(1);
    return r;
}

std::optional<std::string> appliance_admin::model_json() {
    std::lock_guard g(_rules_mutex);
    const std::shared_ptr<const xgb_model>& m = _sources.model();
    if (!m) return std::nullopt;
    nlohmann::json d = {{"source", m->source()},       {"trees", m->trees()},
                        {"max_depth", m->max_depth()}, {"objective", m->objective()},
                        {"features", m->features_used()}, {"ruleset_version", _sources.rules.version()}};
    return d.dump();
}

std::string appliance_admin::patterns_text() { return _sources.screening() ? _sources.patterns.text() : std::string(); }

put_result appliance_admin::put_patterns(std::string_view body) {
    put_result r;
    if (!_sources.screening()) {
        r.error = "pattern screening is off (screening.patterns = \"none\")";
    } else {
        pattern_publish_result pr = _sources.patterns.load(body, "PUT /api/v1/patterns");
        r.ok = pr.ok();
        r.version = pr.ok() ? pr.version : _sources.patterns.version();
        r.error = pr.error;
    }
    ++_reloads[1][r.ok ? 0 : 1];
    _generation.fetch_add(1);
    return r;
}

std::optional<std::string> appliance_admin::card_velocity_json(std::string_view key) {
    uint8_t token[card_token_bytes];
    bool is_pan = key.size() >= 12 && key.size() <= 19;
    for (char c : key) is_pan &= c >= '0' && c <= '9';
    if (is_pan) {
        _tokenizer.tokenize_pan(key.data(), key.size(), token);
    } else if (key.size() != 2 * card_token_bytes || !token_from_hex(key, token)) {
        return std::nullopt;
    }
    bool timed_out = false;
    auto json = _lookups.card_json(token, std::chrono::milliseconds(2000), &timed_out);
    if (!json || !is_pan) return json;
    // Asked by PAN: add the masked form (BIN and last 4), never the PAN itself.
    std::string masked(key.substr(0, 6));
    masked.append(key.size() - 10, '*');
    masked.append(key.substr(key.size() - 4));
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(*json);
    j["masked_pan"] = masked;
    return j.dump();
}

std::string appliance_admin::drain() {
    const bool already = _drain.exchange(true);
    const appliance_snapshot s = copy_snapshot();
    _generation.fetch_add(1);
    return nlohmann::ordered_json{{"draining", true}, {"already", already},
                                  {"verdicts_so_far", s.counters.verdicts_consumed}}
        .dump();
}

}  // namespace txscreen
