// The appliance, composed: configuration checked, rules and patterns published, sinks
// opened, the packet path (dataplane + one engine per worker) started, the admin API
// listening, and the controlplane loop on the calling thread taking every verdict and
// reject off the rings until the input ends; then drained and stopped in reverse.
// Used by `txscreen run`, `demo` and `bench`, and by the in-process tests.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/appliance/appliance_counters.h"
#include "controlplane/appliance/appliance_config.h"
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

// What a run did: every counter (final: read after the drain and the sinks' close) and
// where its records went.
struct appliance_result {
    appliance_counters counters;
    double elapsed_s = 0;                  // first packet to last verdict
    double controlplane_cpu_s = 0;         // CPU time of the control loop's thread (sinks, analytics)
    uint64_t expected_packets = 0;         // packets in the pcaps (0 when looping)
    uint32_t ruleset_version = 0;          // the ruleset the controlplane held last
    std::string kafka_bootstrap;           // brokers (when Kafka ran)
    std::string spool_dir;                 // the spool (when it ran)
    std::string spool_error;               // why the spool stopped taking rows ("" = it did not)
    std::string s3_endpoint;               // the uploader's endpoint (when it ran)
    std::string admin_url;                 // http(s)://addr:port when the admin API ran
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

// The result as one JSON object: every counter (metric_catalog.h), the accounting
// identities, elapsed time and endpoints (docs/schemas.md, "Run summary").
nlohmann::ordered_json result_json(const appliance_result& r);
// The printed run summary: a headline and the nonzero counters, generated likewise.
std::string result_text(const appliance_result& r);

// Canonical, timestamp-free one-line form of a verdict, for comparing runs.
std::string verdict_line(const Verdict& v, const ruleset& rules);

}  // namespace txscreen
