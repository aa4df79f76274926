// What txgen --break does to a feed (break_option.h parses the option): every
// transaction whose event time lies in a break's stretch [start + from, + for) gets the
// broken field's value; nothing else changes (no random draw is added or skipped, so
// the feed is the one without the break, that field aside, labels included). Later
// --break options win where stretches of the same field overlap.
//
// The value goes to the wire as the encoders write it: an empty currency or merchant
// id is left out of the message; an ISO 8583 ATM withdrawal still carries MCC 6011
// (the encoder derives it from the channel); a negative amount goes as 0 in an unsigned
// ISO 8583 amount field and is rejected in JSON (json_bad_amount); an unknown currency code makes txscreen reject the message
// (unknown_currency).
#pragma once

#include <cstdint>
#include <vector>

#include "codec/clear_txn.h"
#include "tools/txgen/break_option.h"

namespace txscreen::txgen {

class break_injector {
public:
    break_injector(std::vector<break_spec> specs, int64_t start_ms);

    // Writes the broken fields into `t` when its event time lies in a break; true when
    // one did.
    bool apply(clear_txn& t) const;

private:
    struct stretch {
        int64_t from_ms, to_ms;  // absolute event time, [from, to)
        break_spec spec;
    };
    std::vector<stretch> _stretches;
};

}  // namespace txscreen::txgen
