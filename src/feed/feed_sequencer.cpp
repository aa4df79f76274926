#include "feed/feed_sequencer.h"

#include <algorithm>

namespace txscreen {

feed_sequencer::feed_sequencer(std::size_t window) {
    _window = 64;
    while (_window < window) _window <<= 1;
    for (auto& s : _sessions) s.bits = std::make_unique<uint64_t[]>(_window / 64);
}

static uint64_t span_missing(uint64_t lowest, uint64_t highest, uint64_t unique, bool any) {
    if (!any) return 0;
    uint64_t span = highest - lowest + 1;
    return span > unique ? span - unique : 0;
}

feed_sequencer::session_state& feed_sequencer::session(const char* name) noexcept {
    ++_tick;
    session_state* lru = &_sessions[0];
    for (auto& s : _sessions) {
        if (s.used && std::memcmp(s.name, name, 10) == 0) {
            s.last_use = _tick;
            return s;
        }
        if (!s.used || (lru->used && s.last_use < lru->last_use)) lru = &s;
    }
    if (lru->used) _retired_missing += span_missing(lru->lowest, lru->highest, lru->unique, lru->any);
    if (_tick > 1) ++_c.session_changes;
    std::memcpy(lru->name, name, 10);
    lru->used = true;
    lru->any = false;
    lru->unique = 0;
    lru->last_use = _tick;
    std::fill_n(lru->bits.get(), _window / 64, 0);
    return *lru;
}

void feed_sequencer::advance(session_state& s, uint64_t new_base) noexcept {
    if (new_base - s.base >= _window) {
        std::fill_n(s.bits.get(), _window / 64, 0);
    } else {
        for (uint64_t q = s.base; q < new_base; ++q) s.bits[(q & (_window - 1)) >> 6] &= ~(1ull << (q & 63));
    }
    s.base = new_base;
}

bool feed_sequencer::test_and_set(session_state& s, uint64_t seq) noexcept {
    uint64_t i = seq & (_window - 1);
    uint64_t& word = s.bits[i >> 6];
    uint64_t bit = 1ull << (i & 63);
    bool seen = word & bit;
    word |= bit;
    return seen;
}

feed_sequencer::result feed_sequencer::on_message(const char* name, uint64_t seq) noexcept {
    session_state& s = session(name);
    if (!s.any) [[unlikely]] {
        // Leave half the window below the first number for late copies from the other line.
        s.base = seq > _window / 2 ? seq - _window / 2 : 0;
        s.lowest = s.highest = seq;
        s.any = true;
        test_and_set(s, seq);
        s.unique = 1;
        ++_c.accepted;
        return result::accept;
    }
    if (seq < s.base) [[unlikely]] {
        ++_c.stale;
        return result::duplicate;
    }
    if (seq >= s.base + _window) advance(s, seq - _window + 1);
    if (test_and_set(s, seq)) {
        ++_c.duplicates;
        return result::duplicate;
    }
    ++s.unique;
    ++_c.accepted;
    if (seq > s.highest) {
        if (seq > s.highest + 1) ++_c.gap_events;
        s.highest = seq;
    } else {
        ++_c.late_accepted;
        if (seq < s.lowest) s.lowest = seq;
    }
    return result::accept;
}

void feed_sequencer::on_heartbeat(const char* name, uint64_t next_seq) noexcept {
    ++_c.heartbeats;
    session_state& s = session(name);
    if (s.any && next_seq > 0 && next_seq - 1 > s.highest) {
        ++_c.gap_events;
        s.highest = next_seq - 1;
    }
}

void feed_sequencer::on_end_of_session(const char* name) noexcept {
    ++_c.end_of_session;
    (void)session(name);
}

uint64_t feed_sequencer::missing() const noexcept {
    uint64_t m = _retired_missing;
    for (const auto& s : _sessions)
        if (s.used) m += span_missing(s.lowest, s.highest, s.unique, s.any);
    return m;
}

}  // namespace txscreen
