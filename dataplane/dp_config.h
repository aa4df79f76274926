// Dataplane configuration: EAL arguments, ports, feeds, lcore roles, burst, ring and
// pool sizes and the tokenization key ([eal], [[port]], [[feed]], [lcores],
// [dataplane] and [tokenization] in the config file; docs/config.md). One struct with
// its defaults, its reader, its validator (the only range check of these fields: the
// dataplane's constructor runs it too) and its explain() lines. Plain structs, no DPDK.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codec/framing.h"
#include "codec/iso8583.h"
#include "codec/iso_wire.h"
#include "codec/json_map.h"
#include "common/txn.h"
#include "flow/tcp_framing.h"

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

// [eal] hugepages: auto = hugepages when the host has free ones, else --no-huge; on =
// required (EAL fails without them); off = always --no-huge.
enum class hugepage_mode : uint8_t { automatic = 0, on = 1, off = 2 };
// "auto", "on", "off".
std::string_view hugepage_mode_name(hugepage_mode m) noexcept;

struct dp_port_config {
    std::string name;        // for people and metrics: "pcap0"
    std::string device;      // vdev args ("net_pcap0,rx_pcap=f.pcap") or PCI address
    uint16_t rx_queues = 1;  // RSS queues
    uint16_t rx_desc = 1024;
};

// How a feed's messages arrive: UDP datagrams (MoldUDP64 or raw framing), or both
// directions of TCP connections seen on a tap (docs/feeds.md, "TCP feeds").
enum class feed_transport : uint8_t { udp = 0, tcp = 1 };

struct dp_feed_config {
    std::string name;
    feed_transport transport = feed_transport::udp;
    uint16_t udp_port = 0;    // A line (or the only line)
    uint16_t udp_port_b = 0;  // B line of an arbitrated feed; 0 when none
    uint16_t vlan = 0;        // 0: any VLAN / untagged
    framing frame = framing::moldudp64;
    payload_format format = payload_format::iso8583;
    // `dialect` as written (a built-in name or a path, docs/feeds.md "Dialects") and the
    // dialect compiled with the feed's [feed.map]; the reader sets `wire` (iso8583 feeds).
    std::string dialect = "binary";
    std::shared_ptr<const iso_wire> wire;
    // Names of ports this feed arrives on; empty = any port. Only validation reads it
    // (a port no feed lists is refused): the rx stage matches feeds by UDP
    // destination on every port.
    std::vector<std::string> receive_on;
    // TCP feeds: the server side's port and (optionally) address; segments to it carry
    // requests, segments from it responses. `tcp.wire` mirrors `wire`.
    uint16_t tcp_port = 0;
    std::string server;  // IPv4 or IPv6 text; empty = any address
    tcp_framing tcp;
    // JSON feeds: the producer's field names ([feed.json_map], docs/feeds.md "JSON field
    // maps"); null = txscreen's own JSON keys.
    std::shared_ptr<const json_map> json_fields;
};

// [tcp]: what each rx lcore preallocates for TCP feeds (docs/config.md).
struct dp_tcp_config {
    uint32_t flows = 16384;                  // connections tracked per rx lcore
    uint32_t flow_buffer = 65536;            // bytes one direction may hold (partial message + out of order)
    uint64_t memcap = 64ull << 20;           // bytes of held segments per rx lcore, all flows together
    int64_t idle_timeout_ms = 600'000;       // a connection silent this long is forgotten
    uint32_t pending = 65536;                // requests awaiting their response, per rx lcore
    int64_t response_timeout_ms = 30'000;    // a response later than this does not pair
};

struct dp_config;
// Each feed's [feed.json_map], or null, by feed index (json_feeds' argument).
std::vector<const json_map*> json_maps_of(const dp_config& c);

struct dp_config {
    std::vector<std::string> eal_args;  // passed to rte_eal_init after argv[0]
    hugepage_mode hugepages = hugepage_mode::automatic;  // the caller turns it into eal_args
    std::vector<dp_port_config> ports;  // may be empty in a config file (ports from the CLI)
    std::vector<dp_feed_config> feeds;
    dp_tcp_config tcp;
    // Lcore roles among the EAL worker lcores (the main lcore runs the controlplane).
    // rx_lcores == 0 means run to completion: each lcore both receives and scores.
    unsigned rx_lcores = 0;
    unsigned workers = 1;                // each owning a card shard
    // Packets per rte_eth_rx_burst. A burst is scored before the next is read, so this
    // bounds rx->verdict latency: 4 keeps p99 ~70 us at the throughput of 32 (~7
    // messages per packet at ~1.5 us each; docs/dataplane.md, "Burst size").
    uint16_t burst = 4;
    uint32_t txn_ring_size = 4096;       // rx -> worker, per pair (power of two)
    uint32_t verdict_ring_size = 65536;  // workers -> controlplane (power of two)
    uint32_t mbufs_per_queue = 8192;     // mbufs per rx queue beyond its descriptors
    // Token key: hex ("0x" optional; 32 digits for aes-cmac, 32+ for hmac) or "env:NAME" (the dataplane
    // takes it resolved). Empty in a config: $TXSCREEN_TOKEN_KEY, else the demo key.
    std::string tokenization_key;
    // What turns a PAN into its token ([tokenization] tokenizer, common/pan_token.h).
    token_method tokenizer = token_method::aes_cmac;
    bool tokenizer_set = false;  // named in the file or on the command line (else: the default)
    int64_t reference_time_ms = 0;       // ISO 8583 year inference; 0 = now
};

// Said when a real key comes with no tokenizer named: a deployment upgrading from
// HMAC tokens (the only tokenizer before aes-cmac became the default) must name it.
inline constexpr const char* tokenizer_default_warning =
    "[tokenization] tokenizer not set: card tokens are AES-CMAC (the default); a deployment "
    "whose stored tokens are HMAC-SHA256 (every txscreen before the aes-cmac tokenizer) sets "
    "tokenizer = \"hmac-sha256\" to keep them";

// The top-level sections dp_config is read from.
inline constexpr std::string_view dp_config_sections[] = {"eal",       "port",         "feed", "lcores",
                                                          "dataplane", "tokenization", "tcp"};
// Reads those sections from the document `root`. [[feed]] tables replace c.feeds (an
// operator lists what arrives); [[port]] tables replace c.ports.
void read_dp_sections(const toml_section& root, dp_config& c);
// Every field against its range, then the layout as a whole (ports, feeds and lcores
// that cannot work together), then the captures vdevs read. Keys as the config file
// names them ("port[0].rx_queues", "lcores.rx"). Ports may be empty, the key unset.
void validate(const dp_config& c, config_errors& errors);
// The dataplane's start check: validate() plus at least one port and a tokenization
// key. "" when it can start, else the first problem.
std::string validate(const dp_config& c);
// Layout, ports, feeds, sizes and the tokenization key (masked); warnings for no port
// and the demo key.
void explain(const dp_config& c, explanation& out);

// The four feeds txgen writes by default (docs/feeds.md): iso8583-mold 7001/7101,
// iso8583-raw 7002, json-mold 7003/7103, json-raw 7004.
std::vector<dp_feed_config> txgen_default_feeds();

}  // namespace txscreen
