// Runs the appliance in-process: dataplane on the given ports, one engine per worker,
// and a controlplane loop on the calling thread that takes every verdict and reject
// off the rings. Used by `txscreen run`, `demo` and `bench`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/latency_histogram.h"
#include "config/appliance_config.h"
#include "dataplane/dataplane.h"
#include "rules/ruleset.h"

namespace txscreen {

struct appliance_options {
    // Everything a config file can say (docs/config.md), with command-line overrides
    // already applied; the defaults accept what txgen writes by default.
    appliance_config config = default_appliance_config();
    std::vector<std::string> pcaps;        // each becomes a net_pcap vdev port
    std::vector<std::string> devices;      // other DPDK devices (vdev args or PCI)
    bool loop = false;                     // replay pcaps forever (infinite_rx=1)
    double duration_s = 0;                 // stop after this long (0: at end of input)
    double idle_timeout_s = 3;             // stop when nothing arrives for this long (pcap/vdev runs)
    std::string ready_file;                // created once the lcores are polling
    // After the input ends and everything is drained, keep the admin API serving the
    // final counters until `stop` (SIGINT/SIGTERM): for inspection and tests.
    bool hold = false;
    // Write no spool at all (benchmarks and tests that loop a capture for a long time;
    // production always spools: the spool is what makes "nothing lost" true).
    bool no_spool = false;
    bool quiet = false;
};

struct appliance_result {
    dp_stats stats;
    latency_histogram latency;             // rx burst -> verdict on the controlplane ring
    double elapsed_s = 0;                  // first packet to last verdict
    uint64_t verdicts = 0;
    uint64_t alerts = 0;
    uint64_t rejects = 0;
    std::map<std::string, uint64_t> alerts_by_rule;  // top reason of each alert
    std::map<std::string, uint64_t> decisions;
    uint32_t ruleset_version = 0;
    uint64_t expected_packets = 0;         // packets in the pcaps (0 when looping)
    // Kafka (when brokers were given): what was published and acknowledged.
    std::string kafka_bootstrap;
    uint64_t kafka_alerts_produced = 0, kafka_alerts_acked = 0, kafka_alerts_pending = 0;
    uint64_t kafka_alerts_failed = 0, kafka_backpressure_waits = 0, kafka_refused = 0;
    uint64_t kafka_scored_acked = 0, kafka_rejects_acked = 0;
    // The alert outbox (<spool>/kafka-outbox): alerts of this run saved there when the
    // backlog was full, outbox records produced (this run's and an earlier run's),
    // records found at start, and what is left for the next start.
    bool kafka_outbox = false;
    uint64_t kafka_alerts_spilled = 0, kafka_alerts_replayed = 0, kafka_outbox_recovered = 0;
    uint64_t kafka_outbox_backlog = 0, kafka_alerts_saved = 0, kafka_outbox_lost = 0, kafka_outbox_full = 0;
    // Spool (Avro files, docs/spool.md) and S3 upload.
    std::string spool_dir;
    uint64_t spool_verdicts = 0, spool_rejects = 0;  // rows in table=scored / table=rejects
    uint64_t spool_appended = 0, spool_durable = 0, spool_refused = 0, spool_lost = 0, spool_files = 0;
    std::string spool_error;
    // Disk budget (spool.max_bytes): bytes of spool files at the end, the budget, rows
    // refused over it (no uploader: part of spool_refused), times rx was held for it.
    uint64_t spool_disk_bytes = 0, spool_max_bytes = 0, spool_budget_refused = 0, spool_budget_waits = 0;
    // Alerts the publisher refused outright (unavailable, encode error): neither the
    // broker nor the outbox has them.
    uint64_t kafka_alerts_dropped = 0;
    // Records the embedded broker deleted by retention (its bounded backlog; not loss).
    uint64_t kafka_embedded_retention_deleted = 0;
    uint64_t s3_uploaded_files = 0, s3_backlog_files = 0, s3_failures = 0;
    std::string s3_endpoint;
    std::string admin_url;                 // http(s)://addr:port when the admin API ran
    uint64_t reloads_ok = 0, reloads_refused = 0;  // rules + patterns through the API
};

using verdict_sink = std::function<void(const Verdict&, const ruleset&)>;

// Packets in a capture file (libpcap); throws std::runtime_error naming the file.
uint64_t pcap_packet_count(const std::string& path);

// EAL memory one mbuf takes without hugepages (RTE_MBUF_DEFAULT_BUF_SIZE + header +
// pool overhead): -m sizing for pools that hold a whole looped capture.
inline constexpr uint64_t mbuf_memory_bytes = 2560;

// The built-in demo tokenization key (never for production; `run` warns).
extern const char* const demo_token_key;

// Runs until the input ends (or duration, or `stop` becomes true), drains, and returns
// the totals. Throws std::runtime_error with a clear message on set-up failure.
appliance_result run_appliance(const appliance_options& opt, const verdict_sink& sink,
                               const std::atomic<bool>* stop = nullptr);

// Writes the result as one JSON object (counters, identities, latency, ports, feeds).
std::string result_json(const appliance_result& r);

// Canonical, timestamp-free one-line form of a verdict, for comparing runs.
std::string verdict_line(const Verdict& v, const ruleset& rules);

}  // namespace txscreen
