// libFuzzer target: the MoldUDP64 sequencer under any order of datagrams, heartbeats
// and end-of-session markers from up to six sessions on both lines, as a hostile or
// broken sender could produce them. Each 14-byte record of the input is one event:
//   [0] kind (0-1 datagram, 2 heartbeat, 3 end of session)  [1] session  [2] line
//   [3..11) first sequence number (little-endian)  [11..13) message count  [13] spare
// Besides the sanitizers, it checks what the rx stage and the gap figures rely on:
// a trusted datagram's numbers are each accepted at most once while they stay in the
// window, and `missing` stays bounded by what the events could have announced (no
// 1.8e19 after a jump to 2^64-2).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

#include "feed/feed_sequencer.h"

using namespace txscreen;

namespace {
constexpr std::size_t record_bytes = 14;
constexpr std::size_t window = 1024;  // small, so the fuzzer reaches its edges
const char session_names[6][10] = {{'S', '0'}, {'S', '1'}, {'S', '2'}, {'S', '3'}, {'S', '4'}, {'S', '5'}};

uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    feed_sequencer seq(sequencer_limits{window, 0, 3});
    // Numbers accepted per session since its last re-base: a number accepted twice
    // while the window still covers it would be a duplicate delivered downstream.
    std::unordered_set<uint64_t> accepted[6];
    uint64_t resets_seen = 0;
    uint64_t announced = 0;  // upper bound on what missing() may report
    for (std::size_t off = 0; off + record_bytes <= size; off += record_bytes) {
        const uint8_t* r = data + off;
        const unsigned kind = r[0] % 4, s = r[1] % 6, line = r[2] & 1;
        const uint64_t first = load64(r + 3);
        const uint16_t count = static_cast<uint16_t>((r[11] | r[12] << 8) % 64 + 1);
        const char* name = session_names[s];
        if (kind == 3) {
            seq.on_end_of_session(name);
            continue;
        }
        // Any accepted span is bounded by max_jump per event plus the window.
        announced += seq.max_jump() + window + count;
        if (kind == 2) {
            seq.on_heartbeat(name, first);
            continue;
        }
        const sequence_suspect why = seq.on_datagram(name, first, count, line);
        if (seq.counters().sequence_resets != resets_seen) {
            resets_seen = seq.counters().sequence_resets;
            for (auto& a : accepted) a.clear();
        }
        if (why != sequence_suspect::none) {
            seq.on_suspect_messages(why, count);
            continue;
        }
        if (first + (count - 1) < first) std::abort();  // a trusted datagram never wraps
        for (uint16_t i = 0; i < count; ++i) {
            const uint64_t n = first + i;
            if (seq.on_message(name, n) == feed_sequencer::result::accept) {
                // Sessions share 4 slots among 6 names: a returning session starts
                // afresh, so only count repeats within its current tenure.
                if (seq.counters().session_changes == 0 && !accepted[s].insert(n).second) std::abort();
            }
        }
    }
    if (seq.missing() > announced) std::abort();
    return 0;
}
