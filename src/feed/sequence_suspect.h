// Why the feed sequencer held a MoldUDP64 datagram back as suspect instead of trusting
// its sequence numbers. One declared list (like packet_drop in feed/packet.h): the
// sequencer counts datagrams and messages by reason, and the exports name them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace txscreen {

#define TXSCREEN_FOREACH_SEQUENCE_SUSPECT(_)                                                      \
    _(none, "sequence numbers plausible: trusted")                                                \
    _(jump_ahead, "first number (or a heartbeat's next number) beyond highest seen + max jump")    \
    _(behind_window, "every number older than the arbitration window (far behind the stream)")    \
    _(wraps, "the datagram's numbers run past 2^64-1")

enum class sequence_suspect : uint8_t {
#define TXSCREEN_SEQUENCE_SUSPECT_ENUM(name, text) name,
    TXSCREEN_FOREACH_SEQUENCE_SUSPECT(TXSCREEN_SEQUENCE_SUSPECT_ENUM)
#undef TXSCREEN_SEQUENCE_SUSPECT_ENUM
};

inline constexpr std::array sequence_suspect_names = {
#define TXSCREEN_SEQUENCE_SUSPECT_NAME(name, text) std::string_view{#name},
    TXSCREEN_FOREACH_SEQUENCE_SUSPECT(TXSCREEN_SEQUENCE_SUSPECT_NAME)
#undef TXSCREEN_SEQUENCE_SUSPECT_NAME
};
inline constexpr std::size_t sequence_suspect_count = sequence_suspect_names.size();

constexpr std::string_view sequence_suspect_name(sequence_suspect r) noexcept {
    return sequence_suspect_names[static_cast<std::size_t>(r)];
}

}  // namespace txscreen
