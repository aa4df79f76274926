// What an appliance will run, worked out before anything starts: the configuration
// with the command line's ports merged and validated, the dataplane's settings with
// the tokenization key resolved and EAL arguments completed for this host.
#pragma once

#include <cstdint>
#include <string>

#include "controlplane/appliance/appliance_config.h"
#include "controlplane/appliance/appliance.h"
#include "dataplane/dp_config.h"

namespace txscreen {

struct appliance_plan {
    appliance_config conf;
    dp_config dp;  // conf.dataplane with the key resolved and EAL arguments completed
    uint64_t expected_packets = 0;  // packets in the pcaps (0 when looping)
};

// Throws std::runtime_error naming the input (unreadable pcap, refused config, unset
// secret).
appliance_plan plan_appliance(const appliance_options& opt);

// The tokenization key as configured (a secret reference, "env:NAME" resolved), else
// $TXSCREEN_TOKEN_KEY, else the demo key. Throws std::runtime_error when the configured
// secret is not set.
std::string tokenization_key(const std::string& configured);

}  // namespace txscreen
