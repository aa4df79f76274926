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
// Plausibility: one datagram must not move the stream. A datagram whose numbers jump
// more than `max_jump` past the highest seen, lie wholly behind the window, or run past
// 2^64-1 is held back as suspect (counted by sequence_suspect reason, its messages not
// delivered) and moves nothing. Such a jump is trusted only once confirmed: by
// `confirm_datagrams` datagrams on one line continuing the new range while the old
// range stops advancing, or by the other line reporting the same range. Then the
// session re-bases (sequence_resets): the old span's gaps stay counted, the jump
// itself is not counted as missing, and the new span starts at the first held number
// (so the held datagrams count as missing, unless the other line fills them).
//
// Not thread-safe: one rx lcore owns a feed's sequencer (config puts both lines of an
// arbitrated feed on the same rx lcore). No allocation after construction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "feed/sequence_suspect.h"

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
    uint64_t sequence_resets = 0;  // confirmed jumps: a session re-based onto a new range
    // Held back as suspect, by reason: datagrams (heartbeats with a wild next number
    // included) and the messages they carried, none of which were delivered.
    std::array<uint64_t, sequence_suspect_count> suspect_datagrams{};
    std::array<uint64_t, sequence_suspect_count> suspect_messages{};
};

struct sequencer_limits {
    std::size_t window = 1u << 16;   // rounded up to a power of two, at least 64
    uint64_t max_jump = 0;           // 0: window / 2; at most window / 2 (so no trusted
                                     // jump can push genuine numbers out of the window)
    unsigned confirm_datagrams = 3;  // datagrams of one line that confirm a jump; >= 2
};

class feed_sequencer {
public:
    static constexpr std::size_t max_sessions = 4;
    enum class result : uint8_t { accept, duplicate };

    explicit feed_sequencer(std::size_t window = 1u << 16) : feed_sequencer(sequencer_limits{window}) {}
    explicit feed_sequencer(const sequencer_limits& limits);

    // A datagram carrying `count` (>= 1) messages from `first` arrived on `line` (0 = A,
    // 1 = B). Call it before on_message for the datagram's messages. `none`: trusted,
    // pass each message to on_message. Any other reason: the datagram is held back:
    // deliver none of its messages and report how many it carried (on_suspect_messages).
    sequence_suspect on_datagram(const char* session, uint64_t first, uint16_t count, unsigned line) noexcept;
    void on_suspect_messages(sequence_suspect why, uint64_t messages) noexcept {
        _c.suspect_messages[static_cast<std::size_t>(why)] += messages;
    }
    // A message with sequence number `seq` of session `session` (10 bytes) arrived.
    result on_message(const char* session, uint64_t seq) noexcept;
    // A heartbeat announcing `next_seq` as the next number: numbers below it that never
    // arrived become missing (unless the announcement is beyond max_jump: suspect).
    void on_heartbeat(const char* session, uint64_t next_seq) noexcept;
    void on_end_of_session(const char* session) noexcept;

    // Sequence numbers inside the spans seen (all sessions) that never arrived.
    uint64_t missing() const noexcept;
    const sequencer_counters& counters() const noexcept { return _c; }
    uint64_t max_jump() const noexcept { return _max_jump; }

private:
    // A range that jumped away from the trusted one, waiting for confirmation.
    struct jump_candidate {
        bool active = false;
        uint8_t lines = 0;        // bit per line (1 = A, 2 = B) that reported it
        unsigned datagrams = 0;   // datagrams that reported it (either line)
        uint64_t first = 0;       // lowest number of the new range
        uint64_t last = 0;        // highest number of the new range
    };
    struct session_state {
        char name[10];
        bool used = false;
        bool any = false;         // at least one message seen
        bool rebased = false;     // re-based, the new range's first message not seen yet
        uint64_t base = 0;        // lowest number the bitmap covers
        uint64_t lowest = 0;      // lowest accepted
        uint64_t highest = 0;     // highest accepted or announced by heartbeat
        uint64_t unique = 0;      // accepted count
        uint64_t last_use = 0;
        uint64_t rebase_low = 0;  // first number of the confirmed jump (valid when rebased)
        jump_candidate jump;
        std::unique_ptr<uint64_t[]> bits;
    };
    session_state& session(const char* name) noexcept;
    void advance(session_state& s, uint64_t new_base) noexcept;
    bool test_and_set(session_state& s, uint64_t seq) noexcept;
    sequence_suspect classify(const session_state& s, uint64_t first, uint64_t last) const noexcept;
    bool continues(const jump_candidate& j, uint64_t first, uint8_t line_bit) const noexcept;
    bool track_jump(session_state& s, uint64_t first, uint64_t last, uint8_t line_bit) noexcept;
    void rebase(session_state& s) noexcept;
    sequence_suspect hold(sequence_suspect why) noexcept;

    std::size_t _window;  // power of two
    uint64_t _max_jump;
    unsigned _confirm;
    uint64_t _tick = 0;
    uint64_t _retired_missing = 0;  // missing numbers of sessions pushed out or re-based
    session_state _sessions[max_sessions];
    sequencer_counters _c;
};

}  // namespace txscreen
