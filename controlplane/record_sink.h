// One contract for every place a screened record goes (the spool, Kafka, the webhooks):
// the controlplane loop offers each verdict, each issuer outcome, each reject and each
// record it derives (aggregates, spikes) to every sink (controlplane/appliance/
// sink_set.h) and reads one backpressure answer.
//
// Threading: one owner thread calls everything; a sink's counters are its own affair.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/reject_record.h"
#include "common/verdict.h"
#include "controlplane/analytics/analytics_records.h"

namespace txscreen {

class ruleset;

// A data-quality report with failed checks (controlplane/lake/lake_compactor.h): an
// alert for people, like a spike. `json` is the alert record (docs/schemas.md).
struct dq_alert {
    std::string_view id;       // "dq-<dt>-<hour>-<host>": the same hour's report again is the same alert
    std::string_view json;     // {"schema_version":1,"type":"dq",...}
    std::string_view summary;  // one line for chat formats
    int64_t hour_end_ms = 0;
};

enum class sink_answer : uint8_t {
    accepted,  // taken: queued for delivery or written; the caller is done with the record
    held,      // kept in the sink's own bounded hold queue, passed on by later holding() or
               // tick() calls: the caller must take no new records while holding() is true
    spilled,   // saved to the sink's disk (an outbox), delivered from there later: the
               // caller is done with it, as with accepted
    refused,   // not taken; the sink counted it (the caller has nothing to count)
};

class record_sink {
public:
    virtual ~record_sink() = default;

    // A screened transaction: v.txn.kind == txn_kind::request.
    virtual sink_answer offer(const Verdict& v) noexcept = 0;
    // An issuer's outcome, a request paired with its response on a TCP feed:
    // v.txn.kind == txn_kind::outcome (docs/schemas.md, "Outcome record"). Not a
    // verdict: it is written as an outcome record only, never as a scored row or alert.
    virtual sink_answer offer_outcome(const Verdict& v) noexcept = 0;
    virtual sink_answer offer(const reject_record& r) noexcept = 0;
    // Records the controlplane derives (controlplane/analytics/): a closed 1-minute
    // aggregate row or its correction, and a spike event. A sink that does not carry
    // a kind keeps the default: accepted, nothing done.
    virtual sink_answer offer(const aggregate_record&) noexcept { return sink_answer::accepted; }
    virtual sink_answer offer(const spike_event&) noexcept { return sink_answer::accepted; }
    virtual sink_answer offer(const dq_alert&) noexcept { return sink_answer::accepted; }

    // True while the caller should take no new records: the sink holds records it could
    // not pass on yet (held_records() > 0), or asks for a pause without holding any (the
    // spool over its disk budget). Asking retries the held records first, so a caller
    // that polls holding() is what drains the hold queue.
    virtual bool holding() noexcept = 0;
    // Records in the hold queue. A caller that is stopping still waits for these; a
    // pause with none held it may ignore (the sink still takes what is in flight).
    virtual uint64_t held_records() const noexcept = 0;
    // Periodic work, every few ms: retries of held records, fsync interval, rotation.
    virtual void tick() noexcept = 0;
    // Names for reason codes: the caller's quiescent ruleset snapshot (nullptr: none,
    // names print as "rule_<id>"). The sink reads it only inside offer() and keeps
    // nothing of it beyond the next use_ruleset() call.
    virtual void use_ruleset(const ruleset* names) noexcept = 0;
    // Delivers, saves or seals what the sink still has, within its own budget, and
    // releases what it uses; afterwards only its counters may be read. Returns false
    // when records it had taken were lost in closing (the sink counted them).
    virtual bool close() = 0;
};

}  // namespace txscreen
