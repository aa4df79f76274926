// What a run lost or refused: records the appliance accepted (a decoded transaction
// and its verdict, or a counted reject) that did not reach a sink they were meant for.
// `txscreen run` exits exit_records_lost when there is any (docs/runbook.md, "Exit
// codes"), and prints one line per kind.
//
// Counted: spool rows refused (not writable, or over spool.max_bytes with no uploader)
// or lost (accepted, never made durable); alerts whose Kafka delivery failed and that
// no outbox took, alerts the producer refused outright, alerts neither acknowledged nor
// saved when the producer closed; --verdicts-out lines not written. Not counted:
// malformed input (rejected and spooled as rejects: that is screening, not loss), input
// the NIC dropped before the appliance took it (imissed, rx_nombuf, feed gaps: other
// counters), the txscreen.scored / txscreen.rejects Kafka copies (best-effort copies of
// what the spool holds), and outbox_lost (every such alert is
// also counted as failed, refused, or held and retried).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/appliance/appliance.h"

namespace txscreen {

// Exit status of `txscreen run` when records were lost or refused (0 ok, 1 runtime
// failure, 2 usage or configuration error, as before).
inline constexpr int exit_records_lost = 3;

struct loss_kind {
    const char* name;   // stable key in the summary JSON: "spool_refused", ...
    std::string where;  // the sink: "spool /var/spool/txscreen", "kafka 10.0.0.1:9092"
    std::string what;   // what happened to them
    uint64_t count = 0;
};

// Every kind, zero counts included, in a fixed order. `verdicts_out` is the
// --verdicts-out path ("" = none) and `verdicts_out_unwritten` its lines not written.
std::vector<loss_kind> run_losses(const appliance_result& r, const std::string& verdicts_out = "",
                                  uint64_t verdicts_out_unwritten = 0);
uint64_t total_lost(const std::vector<loss_kind>& kinds);
// {"total":N,"spool_refused":N,...}: every kind's count.
nlohmann::ordered_json losses_json(const std::vector<loss_kind>& kinds);

}  // namespace txscreen
