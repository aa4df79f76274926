#include "feed/feed_sequencer.h"

#include <algorithm>
#include <limits>

namespace txscreen {

feed_sequencer::feed_sequencer(const sequencer_limits& limits) {
    _window = 64;
    while (_window < limits.window) _window <<= 1;
    const uint64_t half = _window / 2;
    _max_jump = limits.max_jump == 0 || limits.max_jump > half ? half : limits.max_jump;
    _confirm = std::max(limits.confirm_datagrams, 2u);
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
    lru->rebased = false;
    lru->jump = jump_candidate{};
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

sequence_suspect feed_sequencer::hold(sequence_suspect why) noexcept {
    ++_c.suspect_datagrams[static_cast<std::size_t>(why)];
    return why;
}

sequence_suspect feed_sequencer::classify(const session_state& s, uint64_t first, uint64_t last) const noexcept {
    if (first > s.highest && first - s.highest > _max_jump) return sequence_suspect::jump_ahead;
    if (last < s.base) return sequence_suspect::behind_window;
    return sequence_suspect::none;
}

// `first` continues the candidate range: the other line repeating it, or either line
// going on from its end by no more than a plausible jump.
bool feed_sequencer::continues(const jump_candidate& j, uint64_t first, uint8_t line_bit) const noexcept {
    if (first < j.first) return false;
    if (first <= j.last) return (j.lines & line_bit) == 0;
    return first - j.last <= _max_jump + 1;
}

// Returns true when the datagram confirms the candidate jump.
bool feed_sequencer::track_jump(session_state& s, uint64_t first, uint64_t last, uint8_t line_bit) noexcept {
    jump_candidate& j = s.jump;
    if (j.active && first >= j.first && first <= j.last && (j.lines & line_bit)) return false;  // a repeat: no news
    if (j.active && continues(j, first, line_bit)) {
        ++j.datagrams;
        j.lines |= line_bit;
        if (last > j.last) j.last = last;
    } else {
        j = jump_candidate{true, line_bit, 1, first, last};
    }
    return j.datagrams >= _confirm || j.lines == 3;
}

void feed_sequencer::rebase(session_state& s) noexcept {
    // The old range is over: its gaps stay counted. The jump between the ranges is not a
    // gap (a renumbering cannot be told from a loss that large); the new range's first
    // message (on_message) opens its span from the first held number.
    _retired_missing += span_missing(s.lowest, s.highest, s.unique, s.any);
    s.any = false;
    s.unique = 0;
    s.rebased = true;
    s.rebase_low = s.jump.first;
    s.jump = jump_candidate{};
    std::fill_n(s.bits.get(), _window / 64, 0);
    ++_c.sequence_resets;
}

sequence_suspect feed_sequencer::on_datagram(const char* name, uint64_t first, uint16_t count,
                                             unsigned line) noexcept {
    session_state& s = session(name);
    const uint64_t extent = count ? count - 1u : 0;
    if (first > std::numeric_limits<uint64_t>::max() - extent) [[unlikely]]
        return hold(sequence_suspect::wraps);
    if (!s.any) return sequence_suspect::none;  // a session's first datagram opens its range
    const uint64_t last = first + extent;
    const sequence_suspect why = classify(s, first, last);
    if (why == sequence_suspect::none) [[likely]] {
        if (last > s.highest) s.jump.active = false;  // the trusted range goes on: the jump was a stray
        return why;
    }
    if (track_jump(s, first, last, line ? 2 : 1)) {
        rebase(s);
        return sequence_suspect::none;
    }
    return hold(why);
}

feed_sequencer::result feed_sequencer::on_message(const char* name, uint64_t seq) noexcept {
    session_state& s = session(name);
    if (!s.any) [[unlikely]] {
        // Leave half the window below the first number for late copies from the other line.
        s.base = seq > _window / 2 ? seq - _window / 2 : 0;
        s.lowest = s.highest = seq;
        // After a re-base the numbers held while the jump was suspect are missing (as far
        // as the window reaches: the other line can still fill them).
        if (s.rebased && s.rebase_low < seq) s.lowest = std::max(s.rebase_low, s.base);
        s.rebased = false;
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
    // Differences, not sums: near 2^64 base + window wraps (seq >= base holds here).
    if (seq - s.base >= _window) advance(s, seq - _window + 1);
    if (test_and_set(s, seq)) {
        ++_c.duplicates;
        return result::duplicate;
    }
    ++s.unique;
    ++_c.accepted;
    if (seq > s.highest) {
        if (seq - s.highest > 1) ++_c.gap_events;
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
    if (!s.any || next_seq == 0 || next_seq - 1 <= s.highest) return;
    if (next_seq - 1 - s.highest > _max_jump) [[unlikely]] {
        // Trusting it would make every number up to it "missing" (1.8e19 for 2^64-1).
        hold(sequence_suspect::jump_ahead);
        return;
    }
    ++_c.gap_events;
    s.highest = next_seq - 1;
    s.jump.active = false;  // the trusted range goes on
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
