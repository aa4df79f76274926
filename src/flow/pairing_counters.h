// Counters of one pairing_table (flow/pairing.h), written only by its rx lcore. Plain
// uint64_t, listed once in TXSCREEN_PAIRING_COUNTERS so the dataplane can publish and
// sum them field by field like its other counters (dataplane/lcore_counters.h).
//
// Identities (at a quiescent moment):
//   requests  = unkeyed_requests + duplicate_requests + paired + timed_out + abandoned
//               + table_full + pending()
//   responses = paired + unpaired_responses
// late_responses and rrn_mismatches are parts of unpaired_responses; declined is a
// part of paired.
#pragma once

#include <cstdint>

namespace txscreen {

#define TXSCREEN_PAIRING_COUNTERS(X)                                                        \
    X(requests)           /* add_request calls */                                           \
    X(unkeyed_requests)   /* requests without a STAN (field 11): never tracked */           \
    X(duplicate_requests) /* same key as a pending request: the older one is kept */       \
    X(responses)          /* match_response answers other than token_pending */           \
    X(paired)             /* responses paired with their request: one outcome each */      \
    X(declined)           /* paired with a decline code (common/response_code.h) */        \
    X(unpaired_responses) /* no pending request with the response's key */                 \
    X(late_responses)     /* unpaired: the request was pending but past the timeout */     \
    X(rrn_mismatches)     /* unpaired: key matched, both carry field 37 and they differ */ \
    X(timed_out)          /* pending requests unanswered within the timeout */            \
    X(abandoned)          /* pending requests of a connection that closed (drop_flow) */  \
    X(table_full)         /* pending requests evicted, oldest first, to make room */

#define TXSCREEN_PAIRING_COUNTER_FIELD(name) uint64_t name = 0;

struct pairing_counters {
    TXSCREEN_PAIRING_COUNTERS(TXSCREEN_PAIRING_COUNTER_FIELD)
};

#undef TXSCREEN_PAIRING_COUNTER_FIELD

}  // namespace txscreen
