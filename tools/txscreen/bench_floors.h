// The floors beside the pipeline (issue #19): what `txscreen bench` measures in its
// own process, on the same capture, that the full pipeline cannot go below. Each floor
// is one stage's work alone, done with the project's own functions as the appliance
// calls them, in ns per decoded transaction:
//   decode    L2-L4 parse, feed lookup, framing (raw / MoldUDP64 with its sequencer),
//             deferred decode and tokenize_stashed per batch, bursts as [dataplane] burst,
//             over the capture's first 256 KiB of packets (in cache, as the rx stage
//             finds each packet net_pcap has just copied)
//   screen    screen_burst, 16 at a time, with the config's patterns, over 512 decoded
//             Txns spread over the capture (in cache, as the worker finds each Txn)
//   velocity  the cache lines the engine's velocity shard touches per transaction (tag
//             line and entry of each tracked key, two dedup lines), in tables of the
//             configured sizes, prefetched and then read-modify-written in the engine's
//             pipelined order, with no window arithmetic: the memory-level floor
// The rx floor comes from dpdk-testpmd's packet rate and the capture's messages per packet.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/appliance/appliance.h"

namespace txscreen {

struct floor_figures {
    double decode_ns = 0;
    double screen_ns = 0;    // 0 when screening is off ([screening] patterns = "none")
    double velocity_ns = 0;
    uint64_t packets = 0;    // in the capture
    uint64_t messages = 0;   // decoded per pass over it
    unsigned repetitions = 5;    // interleaved; each floor's median is reported
    std::string decode_window;   // the packets the decode floor ran over
    std::string patterns;        // what screened ("starter patterns", a file, or "off") over what
    std::string velocity_lines;  // the tables touched, for the printed line
};

// Measures the decode, screen and velocity floors, each for about `seconds_each` of
// CPU time. Throws std::runtime_error with a message naming the input when the capture
// cannot be read or holds no message the configured UDP feeds decode.
floor_figures measure_floors(const appliance_options& opt, double seconds_each);

// Prints the floors, their running sums, the pipeline's ns per transaction per worker
// and its ratio to the sum; adds the floor_* fields to `line`. `testpmd_pps` 0: no rx
// floor (testpmd skipped or silent); `pipeline_ns` 0: no pipeline figure.
void report_floors(const floor_figures& f, double testpmd_pps, double pipeline_ns, nlohmann::ordered_json& line);

}  // namespace txscreen
