// The accounting identities (docs/architecture.md, "Accounting identities"), declared
// once: every packet, message, verdict, row and alert is accounted for by exactly one
// counter on the right-hand side. The stats JSON, the run summary and `run`'s exit
// status all read them from here. They are exact once the appliance has drained.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/appliance/appliance_counters.h"

namespace txscreen {

struct identity_term {
    std::string_view name;
    uint64_t value;
};

struct identity_check {
    std::string_view name;
    identity_term total;               // left-hand side
    std::vector<identity_term> parts;  // right-hand side, summed
    bool hold() const noexcept;
};

// The identities that apply to this appliance (spool and Kafka ones when those run).
std::vector<identity_check> accounting_identities(const appliance_counters& c);

// {"packets": {"rx_packets": n, "feed_packets": n, ..., "hold": true}, ..., "all_hold": true}
nlohmann::ordered_json identities_json(const std::vector<identity_check>& ids);

bool all_hold(const std::vector<identity_check>& ids) noexcept;

}  // namespace txscreen
