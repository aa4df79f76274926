#include "tools/txgen/break_injector.h"

#include <limits>

namespace txscreen::txgen {

break_injector::break_injector(std::vector<break_spec> specs, int64_t start_ms) {
    for (break_spec& s : specs) {
        const int64_t from = start_ms + s.from_ms;
        // "to the end of the feed" (and any stretch past the year 292 million) saturates.
        const int64_t to = s.for_ms > std::numeric_limits<int64_t>::max() - from ? std::numeric_limits<int64_t>::max()
                                                                                  : from + s.for_ms;
        _stretches.push_back({from, to, std::move(s)});
    }
}

bool break_injector::apply(clear_txn& t) const {
    bool broke = false;
    for (const stretch& s : _stretches) {
        if (t.event_time_ms < s.from_ms || t.event_time_ms >= s.to_ms) continue;
        broke = true;
        switch (s.spec.field) {
            case break_spec::field_kind::amount: t.amount_minor = s.spec.number; break;
            case break_spec::field_kind::currency: t.currency = s.spec.text; break;
            case break_spec::field_kind::mcc: t.mcc = static_cast<uint16_t>(s.spec.number); break;
            case break_spec::field_kind::merchant: t.merchant_id = s.spec.text; break;
        }
    }
    return broke;
}

}  // namespace txscreen::txgen
