#include "controlplane/appliance/card_lookup.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

namespace txscreen {

namespace {

// Windows are measured back from the card's newest event: the state a score of the
// card's next transaction at that moment would see.
nlohmann::ordered_json windows(const velocity_entry& e, int64_t (*within)(const velocity_entry&, int64_t, int64_t)) {
    static constexpr std::pair<const char*, int64_t> spans[] = {
        {"1m", 60'000}, {"10m", 600'000}, {"1h", 3'600'000}, {"24h", 86'400'000}};
    nlohmann::ordered_json w = nlohmann::ordered_json::object();
    for (const auto& [name, ms] : spans) w[name] = within(e, e.last_ms, ms);
    return w;
}

std::string entry_json(const uint8_t token[card_token_bytes], const velocity_entry& e, unsigned worker) {
    nlohmann::ordered_json j = {{"token", token_hex(token)}, {"worker", worker}, {"last_event_ms", e.last_ms}};
    if (e.last_country[0]) j["last_country"] = std::string(e.last_country, 2);
    unsigned devices = 0;
    for (unsigned i = 0; i < velocity_device_slots; ++i) devices += e.device[i] != 0;
    j["known_devices"] = devices;
    if (e.cp_time_s) j["last_card_present_s"] = e.cp_time_s;
    j["count"] = windows(e, [](const velocity_entry& v, int64_t now, int64_t ms) -> int64_t {
        return velocity_count_within(v, now, ms);
    });
    j["amount_minor"] = windows(e, [](const velocity_entry& v, int64_t now, int64_t ms) -> int64_t {
        return velocity_sum_within(v, now, ms);
    });
    j["distinct_merchants"] = windows(e, [](const velocity_entry& v, int64_t now, int64_t ms) -> int64_t {
        return velocity_distinct_merchants_within(v, now, ms);
    });
    j["distinct_countries"] = windows(e, [](const velocity_entry& v, int64_t now, int64_t ms) -> int64_t {
        return velocity_distinct_countries_within(v, now, ms);
    });
    return j.dump();
}

// On the worker's lcore (at its quiescent point) or, once the workers stopped, on the
// asking thread: raw copies only.
void answer(const engine& e, const worker_request& q, worker_answer& a) noexcept {
    a.ruleset_version = e.current_rules() ? e.current_rules()->version : 0;
    a.patterns_version = e.current_patterns() ? e.current_patterns()->version() : 0;
    a.found = false;
    if (q.what == worker_request::kind::card) {
        if (const velocity_entry* v = e.velocity().find_card(q.token)) {
            a.card = *v;
            a.found = true;
        }
        return;
    }
    a.counters = e.counters();
    a.velocity = e.velocity().counters();
    for (unsigned k = 0; k < velocity_key_count; ++k) a.capacity[k] = e.velocity().capacity(static_cast<velocity_key>(k));
}

worker_report report_of(const worker_answer& a) {
    worker_report r;
    r.answered = true;
    r.ruleset_version = a.ruleset_version;
    r.patterns_version = a.patterns_version;
    r.counters = a.counters;
    r.velocity = a.velocity;
    r.capacity = a.capacity;
    return r;
}

// Requests that may wait on one worker: a card lookup from each admin thread and one
// counters request, with room to spare.
constexpr unsigned channel_depth = 16;

}  // namespace

lookup_scorer::lookup_scorer(engine_scorer& inner)
    : _inner(inner),
      _workers(inner.workers()),
      _channel(inner.workers(), channel_depth),
      _reports(inner.workers()),
      _counters_asked(inner.workers(), 0) {}

void lookup_scorer::quiescent(unsigned worker) noexcept {
    _inner.quiescent(worker);
    if (const engine* e = _inner.worker_engine(worker))
        _channel.serve(worker, [e](const worker_request& q, worker_answer& a) { answer(*e, q, a); });
}

std::optional<worker_answer> lookup_scorer::ask(unsigned worker, const worker_request& q, channel::ticket t,
                                                 std::chrono::steady_clock::time_point deadline,
                                                 bool* timed_out) const {
    worker_answer a;
    for (;;) {
        if (t && _channel.take(worker, t, a)) return a;
        if (stopped()) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            _channel.forget(worker, t);
            if (timed_out) *timed_out = true;
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    // The worker returned without answering: its engine is ours to read now.
    _channel.forget(worker, t);
    const engine* e = _inner.worker_engine(worker);
    if (!e) return std::nullopt;
    answer(*e, q, a);
    return a;
}

std::optional<std::string> lookup_scorer::card_json(const uint8_t token[card_token_bytes],
                                                    std::chrono::milliseconds timeout, bool* timed_out) {
    if (timed_out) *timed_out = false;
    worker_request q;
    q.what = worker_request::kind::card;
    std::copy(token, token + card_token_bytes, q.token);
    // Asked all at once, answers taken in worker order: a card lives on one worker.
    std::vector<channel::ticket> asked(_workers, 0);
    if (!stopped())
        for (unsigned w = 0; w < _workers; ++w) asked[w] = _channel.post(w, q);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (unsigned w = 0; w < _workers; ++w) {
        std::optional<worker_answer> a = ask(w, q, asked[w], deadline, timed_out);
        if (!a || !a->found) continue;
        for (unsigned rest = w + 1; rest < _workers; ++rest) _channel.forget(rest, asked[rest]);
        return entry_json(q.token, a->card, w);
    }
    return std::nullopt;
}

std::vector<worker_report> lookup_scorer::worker_reports() const {
    worker_request q;  // counters
    std::lock_guard g(_reports_mutex);
    for (unsigned w = 0; w < _workers; ++w) {
        channel::ticket& t = _counters_asked[w];
        if (stopped()) {
            // Exact from here on: the engines are no longer written.
            _channel.forget(w, t);
            t = 0;
            if (const engine* e = _inner.worker_engine(w)) {
                worker_answer a;
                answer(*e, q, a);
                _reports[w] = report_of(a);
            }
            continue;
        }
        worker_answer a;
        if (t && _channel.take(w, t, a)) {
            _reports[w] = report_of(a);
            t = 0;
        }
        if (!t) t = _channel.post(w, q);
    }
    return _reports;
}

bool lookup_scorer::await_versions(uint32_t ruleset, uint32_t patterns, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const std::vector<worker_report> now = worker_reports();
        const bool all = std::all_of(now.begin(), now.end(), [&](const worker_report& r) {
            return r.answered && r.ruleset_version >= ruleset && r.patterns_version >= patterns;
        });
        if (all) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

lookup_scorer::table_fill lookup_scorer::velocity_totals() const {
    table_fill t;
    for (const worker_report& r : worker_reports()) {
        for (unsigned k = 0; k < velocity_key_count; ++k) {
            t.inserted[k] += r.velocity.inserted[k];
            t.expired_reused[k] += r.velocity.expired_reused[k];
            t.evicted[k] += r.velocity.evicted[k];
            t.capacity[k] += r.capacity[k];
        }
        t.duplicates += r.velocity.duplicates;
        t.too_late += r.velocity.too_late;
    }
    return t;
}

}  // namespace txscreen
