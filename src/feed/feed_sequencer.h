// feed_sequencer: MoldUDP64 sequence tracking for one feed, across its A and B lines.
//
// Per session it keeps a sliding bitmap of the last `window` sequence numbers seen, so
// that the first copy of each number wins (A/B arbitration) and any later copy is a
// duplicate, while a number that arrives late (a B-line copy filling an A-line drop,
// or plain reordering) is still accepted. Gaps are exact: at any moment
//     missing = (highest - lowest + 1) - unique accepted
// i.e. the numbers inside the span seen so far that have not arrived on either line.
// A number older than the window cannot be told from a duplicate and is counted `stale`.
//
// Not thread-safe: one rx lcore owns a feed's sequencer (config puts both lines of an
// arbitrated feed on the same rx lcore). No allocation after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace txscreen {

struct sequencer_counters {
    uint64_t accepted = 0;       // first copies delivered to decode
    uint64_t duplicates = 0;     // second copies (other line, retransmits) dropped
    uint64_t stale = 0;          // older than the window: dropped as duplicates
    uint64_t late_accepted = 0;  // accepted below the highest number seen (gap filled)
    uint64_t gap_events = 0;     // times a number jumped past highest + 1
    uint64_t heartbeats = 0;
    uint64_t end_of_session = 0;
    uint64_t session_changes = 0;
};

class feed_sequencer {
public:
    static constexpr std::size_t max_sessions = 4;
    enum class result : uint8_t { accept, duplicate };

    explicit feed_sequencer(std::size_t window = 1u << 16);

    // A message with sequence number `seq` of session `session` (10 bytes) arrived.
    result on_message(const char* session, uint64_t seq) noexcept;
    // A heartbeat announcing `next_seq` as the next number: numbers below it that never
    // arrived become missing.
    void on_heartbeat(const char* session, uint64_t next_seq) noexcept;
    void on_end_of_session(const char* session) noexcept;

    // Sequence numbers inside the spans seen (all sessions) that never arrived.
    uint64_t missing() const noexcept;
    const sequencer_counters& counters() const noexcept { return _c; }

private:
    struct session_state {
        char name[10];
        bool used = false;
        bool any = false;         // at least one message seen
        uint64_t base = 0;        // lowest number the bitmap covers
        uint64_t lowest = 0;      // lowest accepted
        uint64_t highest = 0;     // highest accepted or announced by heartbeat
        uint64_t unique = 0;      // accepted count
        uint64_t last_use = 0;
        std::unique_ptr<uint64_t[]> bits;
    };
    session_state& session(const char* name) noexcept;
    void advance(session_state& s, uint64_t new_base) noexcept;
    bool test_and_set(session_state& s, uint64_t seq) noexcept;

    std::size_t _window;  // power of two
    uint64_t _tick = 0;
    uint64_t _retired_missing = 0;  // missing numbers of sessions pushed out of the table
    session_state _sessions[max_sessions];
    sequencer_counters _c;
};

}  // namespace txscreen
