// Where verdicts, issuer outcomes, rejects and the records derived from them go once
// the controlplane takes them: a list of record_sinks (controlplane/record_sink.h)
// offered every record in turn: the spool (every record, durable: docs/spool.md),
// Kafka (alerts, optionally every scored verdict, outcomes, rejects, aggregates:
// docs/kafka.md) and each [[webhook]] (alerts or cases, spikes: docs/alerts.md). The
// spool hands its completed files to the S3 uploader.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/reject_record.h"
#include "common/verdict.h"
#include "controlplane/appliance/appliance_config.h"
#include "controlplane/appliance/appliance_counters.h"
#include "controlplane/kafka_publisher.h"
#include "controlplane/lake/lake_compactor.h"
#include "controlplane/record_sink.h"
#include "controlplane/s3_uploader.h"
#include "controlplane/spool_writer.h"
#include "controlplane/webhook/webhook_sink.h"
#include "rules/ruleset.h"

namespace txscreen {

class sink_set {
public:
    // Opens every configured sink; throws std::runtime_error naming the section.
    // Kafka comes first so that a bad broker list fails before the dataplane starts.
    explicit sink_set(const appliance_config& conf, bool quiet);
    ~sink_set();

    // A verdict, or an issuer outcome (v.txn.kind == txn_kind::outcome), which goes to
    // each sink's offer_outcome(): table=outcomes and txscreen.outcomes, never a
    // scored row or an alert.
    void deliver(const Verdict& v) noexcept;
    void deliver(const reject_record& r) noexcept;
    // Records the controlplane derives (controlplane/appliance/analytics_stage.h).
    void deliver(const aggregate_record& row) noexcept;
    void deliver(const spike_event& s) noexcept;
    // True while a sink is holding (Kafka holding alerts, the spool over its disk budget
    // with an uploader to drain it): the caller stops taking verdicts, the rings fill and
    // rx pauses. `stopping`: the input has ended; what is in flight is still taken, so
    // only sinks with records in their hold queue are waited for.
    bool must_wait(bool stopping) noexcept;
    // Periodic work: retries, the spool's fsync interval.
    void tick() noexcept;
    // Names for reason codes: the ruleset the caller holds as a reader.
    void use_ruleset(const ruleset* names) noexcept;
    // Closes every sink (seals the spool, flushes Kafka), then gives S3 a bounded time,
    // the lake compactor its final pass, and S3 again; counters are final after.
    void close();
    void collect(appliance_counters& c) const;
    bool kafka_ready() const noexcept { return !_kafka || _kafka->ready(); }
    // Seconds Kafka has had records waiting and acknowledged none (0 when not waiting).
    double kafka_stalled_s();
    bool spool_writable(std::string* why) const;
    const std::string& kafka_bootstrap() const noexcept { return _bootstrap; }
    // False with the failing endpoints named ("webhook ops: connect: ... since 12 s").
    bool webhooks_ready(std::string* why) const;
    // Data-quality alerts the lake compactor raised since the last call (report JSON).
    std::vector<lake_dq_alert> take_dq_alerts() { return _lake ? _lake->take_dq_alerts() : std::vector<lake_dq_alert>{}; }
    void deliver(const dq_alert& a) noexcept;

private:
    void open_kafka(const appliance_config& conf, bool quiet);
    void open_spool(const appliance_config& conf);
    void open_webhooks(const appliance_config& conf);
    void open_lake(const appliance_config& conf);
    void drain_uploader();
    std::unique_ptr<kafka_publisher> _kafka;
    std::unique_ptr<spool_writer> _spool;
    std::unique_ptr<s3_uploader> _uploader;
    std::unique_ptr<lake_compactor> _lake;
    std::vector<std::unique_ptr<webhook_sink>> _webhooks;
    std::vector<record_sink*> _sinks;  // offered in this order: the spool first
    std::string _bootstrap;
    bool _closed = false;
    std::chrono::steady_clock::time_point _kafka_progress_at = std::chrono::steady_clock::now();
    uint64_t _kafka_last_acked = 0;
};

}  // namespace txscreen
