// What the controlplane (rejects topic, spool) learns about a message that did not
// decode. Deliberately holds no message bytes: they may contain a PAN.
#pragma once

#include <cstdint>

#include "common/reject.h"

namespace txscreen {

struct reject_record {
    int64_t rx_ns;         // receive time, ns since the Unix epoch
    uint64_t feed_seq;     // MoldUDP64 sequence number (0 for raw framing)
    uint32_t length;       // message (or broken datagram) length in bytes
    uint16_t feed_id;      // index of the feed in config
    reject_reason reason;
};

}  // namespace txscreen
