#include "controlplane/appliance/card_lookup.h"

#include <cstdio>
#include <thread>

namespace txscreen {

namespace {

void append_u(std::string& o, const char* key, uint64_t v, bool comma = true) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s\"%s\":%llu", comma ? "," : "", key, static_cast<unsigned long long>(v));
    o += buf;
}

void append_i(std::string& o, const char* key, int64_t v) {
    char buf[96];
    std::snprintf(buf, sizeof buf, ",\"%s\":%lld", key, static_cast<long long>(v));
    o += buf;
}

std::string entry_json(const uint8_t token[card_token_bytes], const velocity_entry& e, unsigned worker) {
    // Windows are measured back from the card's newest event: the state a score of the
    // card's next transaction at that moment would see.
    const int64_t now = e.last_ms;
    struct win {
        const char* name;
        int64_t ms;
    };
    static constexpr win wins[] = {{"1m", 60'000}, {"10m", 600'000}, {"1h", 3'600'000}, {"24h", 86'400'000}};
    std::string o = "{\"token\":\"" + token_hex(token) + "\"";
    append_u(o, "worker", worker);
    append_i(o, "last_event_ms", e.last_ms);
    if (e.last_country[0]) {
        o += ",\"last_country\":\"";
        o += e.last_country[0];
        o += e.last_country[1];
        o += '"';
    }
    unsigned devices = 0;
    for (unsigned i = 0; i < velocity_device_slots; ++i) devices += e.device[i] != 0;
    append_u(o, "known_devices", devices);
    if (e.cp_time_s) append_u(o, "last_card_present_s", e.cp_time_s);
    for (const char* what : {"count", "amount_minor", "distinct_merchants", "distinct_countries"}) {
        o += ",\"";
        o += what;
        o += "\":{";
        bool first = true;
        for (const win& w : wins) {
            int64_t v = 0;
            if (what[0] == 'c') v = velocity_count_within(e, now, w.ms);
            else if (what[0] == 'a') v = velocity_sum_within(e, now, w.ms);
            else if (what[9] == 'm') v = velocity_distinct_merchants_within(e, now, w.ms);
            else v = velocity_distinct_countries_within(e, now, w.ms);
            char buf[64];
            std::snprintf(buf, sizeof buf, "%s\"%s\":%lld", first ? "" : ",", w.name, static_cast<long long>(v));
            o += buf;
            first = false;
        }
        o += '}';
    }
    o += '}';
    return o;
}

}  // namespace


lookup_scorer::lookup_scorer(engine_scorer& inner)
    : _inner(inner), _slots(std::make_unique<slot[]>(inner.workers())), _workers(inner.workers()) {}

void lookup_scorer::attach_worker(unsigned worker, int socket) {
    _inner.attach_worker(worker, socket);
    if (const engine* e = _inner.worker_engine(worker)) {
        std::lock_guard g(_slots[worker].counters_mutex);
        for (unsigned k = 0; k < velocity_key_count; ++k)
            _slots[worker].capacity[k] = e->velocity().capacity(static_cast<velocity_key>(k));
    }
}

void lookup_scorer::quiescent(unsigned worker) noexcept {
    _inner.quiescent(worker);
    slot& s = _slots[worker];
    if (s.state.load(std::memory_order_acquire) == requested) [[unlikely]] {
        int expect = requested;
        if (s.state.compare_exchange_strong(expect, busy, std::memory_order_acq_rel)) {
            answer(worker, s);
            s.state.store(answered, std::memory_order_release);
        }
    }
    // Counters for /metrics, every 16th quiescent point; never waits for a reader.
    if ((++s.quiescent_calls & 15) == 0) {
        if (const engine* e = _inner.worker_engine(worker); e && s.counters_mutex.try_lock()) {
            s.counters = e->velocity().counters();
            s.counters_mutex.unlock();
        }
    }
}

void lookup_scorer::answer(unsigned worker, slot& s) noexcept {
    s.found = false;
    const engine* e = _inner.worker_engine(worker);
    if (!e) return;
    if (const velocity_entry* v = e->velocity().find_card(s.token)) {
        try {
            s.json = entry_json(s.token, *v, worker);
            s.found = true;
        } catch (...) {
            // Out of memory formatting a few hundred bytes: answered as unknown.
        }
    }
}

std::optional<std::string> lookup_scorer::card_json(const uint8_t token[card_token_bytes],
                                                    std::chrono::milliseconds timeout, bool* timed_out) {
    if (timed_out) *timed_out = false;
    std::lock_guard g(_lookup_mutex);
    if (_stopped.load(std::memory_order_acquire)) {
        for (unsigned w = 0; w < _workers; ++w) {
            std::copy(token, token + card_token_bytes, _slots[w].token);
            answer(w, _slots[w]);
            if (_slots[w].found) return _slots[w].json;
        }
        return std::nullopt;
    }
    for (unsigned w = 0; w < _workers; ++w) {
        std::copy(token, token + card_token_bytes, _slots[w].token);
        _slots[w].state.store(requested, std::memory_order_release);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<std::string> out;
    for (unsigned w = 0; w < _workers; ++w) {
        slot& s = _slots[w];
        for (;;) {
            int st = s.state.load(std::memory_order_acquire);
            if (st == answered) {
                if (s.found && !out) out = s.json;
                s.state.store(idle, std::memory_order_relaxed);
                break;
            }
            if (std::chrono::steady_clock::now() >= deadline || _stopped.load(std::memory_order_acquire)) {
                int expect = requested;
                if (s.state.compare_exchange_strong(expect, idle, std::memory_order_acq_rel)) {
                    // Withdrawn before the worker took it. After a stop, read directly.
                    if (_stopped.load(std::memory_order_acquire)) {
                        answer(w, s);
                        if (s.found && !out) out = s.json;
                    } else if (timed_out) {
                        *timed_out = true;
                    }
                    break;
                }
                // The worker is answering right now: it finishes in microseconds.
            }
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
    }
    return out;
}

lookup_scorer::table_fill lookup_scorer::velocity_totals() const {
    table_fill t;
    for (unsigned w = 0; w < _workers; ++w) {
        std::lock_guard g(_slots[w].counters_mutex);
        const velocity_counters& c = _slots[w].counters;
        for (unsigned k = 0; k < velocity_key_count; ++k) {
            t.inserted[k] += c.inserted[k];
            t.expired_reused[k] += c.expired_reused[k];
            t.evicted[k] += c.evicted[k];
            t.capacity[k] += _slots[w].capacity[k];
        }
        t.duplicates += c.duplicates;
        t.too_late += c.too_late;
    }
    return t;
}
}  // namespace txscreen
