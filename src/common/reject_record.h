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
    uint8_t field;         // ISO 8583: the field the message failed at (1 the bitmap,
                           // 2..128 a data element; a sub-field's fault names its
                           // parent); 0 = the message as a whole, or not ISO 8583
};
static_assert(sizeof(reject_record) == 24, "the field byte uses the record's padding");

}  // namespace txscreen
