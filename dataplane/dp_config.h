// Dataplane configuration: ports, feeds, lcore roles, ring and pool sizes. Filled from
// the TOML config (or CLI shorthands) by the caller and validated by validate() before
// EAL launches any lcore.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec/framing.h"
#include "codec/iso8583.h"
#include "common/txn.h"

namespace txscreen {

struct dp_port_config {
    std::string name;        // for people and metrics: "pcap0"
    std::string device;      // vdev args ("net_pcap0,rx_pcap=f.pcap") or PCI address
    uint16_t rx_queues = 1;  // RSS queues
    uint16_t rx_desc = 1024;
};

struct dp_feed_config {
    std::string name;
    uint16_t udp_port = 0;    // A line (or the only line)
    uint16_t udp_port_b = 0;  // B line of an arbitrated feed; 0 when none
    uint16_t vlan = 0;        // 0: any VLAN / untagged
    framing frame = framing::moldudp64;
    payload_format format = payload_format::iso8583;
    iso_dialect dialect = iso_dialect::binary_bitmap;
};

struct dp_config {
    std::vector<std::string> eal_args;  // passed to rte_eal_init after argv[0]
    std::vector<dp_port_config> ports;
    std::vector<dp_feed_config> feeds;
    // Lcore roles among the EAL worker lcores (the main lcore runs the controlplane).
    // rx_lcores == 0 means run to completion: each lcore both receives and scores.
    unsigned rx_lcores = 0;
    unsigned workers = 1;
    uint16_t burst = 4;  // packets per rte_eth_rx_burst (appliance_config.h explains the default)
    uint32_t txn_ring_size = 4096;       // rx -> worker, per pair
    uint32_t verdict_ring_size = 65536;  // workers -> controlplane
    uint32_t mbufs_per_queue = 8192;
    std::string tokenization_key;        // hex or env:NAME
    int64_t reference_time_ms = 0;       // ISO 8583 year inference; 0 = now
};

// Returns "" when valid, else one message naming the key and the problem.
std::string validate(const dp_config& c);

}  // namespace txscreen
