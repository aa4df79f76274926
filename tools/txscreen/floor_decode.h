// The decode floor's work (bench_floors.h): the rx stage's per-packet work minus the
// NIC, done with the rx stage's own functions over the capture in memory, so that
// what it costs per transaction is what the rx stage cannot go below.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "codec/iso8583.h"
#include "codec/json_feeds.h"
#include "common/pan_token.h"
#include "common/txn.h"
#include "dataplane/dp_config.h"
#include "feed/feed_sequencer.h"
#include "tools/txscreen/floor_capture.h"

namespace txscreen::floors {

struct decode_tally {
    uint64_t feed_packets = 0;  // packets to a configured UDP feed
    uint64_t framed = 0;        // messages framed (sequencer duplicates and held ones excluded)
    uint64_t decoded = 0;
};

// What dataplane/rx_stage.cpp does with each packet of a burst, with the same
// functions: L2-L4 parse, feed lookup by UDP port, framing, the MoldUDP64 sequencer,
// deferred decode into a batch of 16, one tokenize_stashed per batch and at the end of
// each burst. What the rx stage then does with a batch (copy it towards a worker's
// ring) is the callback's. TCP feeds are not replayed here.
class rx_decoder {
public:
    using batch_sink = std::function<void(const Txn*, unsigned)>;

    explicit rx_decoder(const dp_config& dp);  // dp: tokenization key resolved

    // One pass over the capture, `burst` packets at a time; returns what it counted.
    decode_tally pass(const capture_frames& cap, unsigned burst, const batch_sink& sink);

private:
    // Declared inline, as they were when defined in the class, so that the compiler
    // still folds them into the pass the floor times (all used in floor_decode.cpp only).
    inline void packet(const uint8_t* data, uint32_t len);
    inline void datagram(unsigned feed, unsigned line, const uint8_t* p, uint16_t n);
    inline void deliver(unsigned feed, uint64_t seq, const uint8_t* msg, std::size_t len);
    inline void route();

    static constexpr unsigned batch_capacity = 16;  // rx_lcore::batch_capacity
    const dp_config& _dp;
    pan_tokenizer _tokenizer;
    json_feeds _json;
    std::vector<iso_decode_context> _iso;
    std::vector<std::unique_ptr<feed_sequencer>> _sequencers;
    std::vector<uint16_t> _by_port = std::vector<uint16_t>(65536, 0);  // 0 = none, else feed + 1
    const batch_sink* _sink = nullptr;
    decode_tally _tally;
    int64_t _clock_ms = 0;
    unsigned _batched = 0;
    Txn _batch[batch_capacity];
    pan_stash _pan[batch_capacity];
};

}  // namespace txscreen::floors
