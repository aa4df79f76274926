// The appliance configuration: one TOML file (docs/config.md lists every key) parsed
// into one struct whose members carry their defaults, and validated completely before
// anything starts: every field by its own validator (naming the key and its allowed
// range), then the layout as a whole (ports, feeds and lcores that cannot work
// together), then the files it names (rules, patterns, TLS, pcaps).
//
// Without a config file, default_appliance_config() is what `txscreen run` uses: the
// four feeds txgen writes by default (docs/feeds.md), the embedded Kafka broker and a
// local spool directory. Ports then come from the command line (--pcap, --device).
//
// Errors are lines a person can act on, one per problem:
//   txscreen.toml:12: lcores.workers: must be 1..64, got 0
//   txscreen.toml:3: kafka.compresion: unknown key (did you mean 'compression'?)
//   txscreen.toml:20: screening.patterns: /x/y.patterns: no such file
//
// Loading runs at init only: it allocates and reads files, never on the packet path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/dp_config.h"  // dp_port_config, dp_feed_config: plain structs, no DPDK
#include "velocity/velocity.h"

namespace txscreen {

// [eal]
enum class hugepage_mode : uint8_t { automatic = 0, on = 1, off = 2 };
// "auto", "on", "off".
std::string_view hugepage_mode_name(hugepage_mode m) noexcept;

struct eal_section {
    std::vector<std::string> args;            // extra EAL arguments, after the defaults
    // auto: hugepages when the host has free ones, else --no-huge; on: required
    // (EAL fails without them); off: always --no-huge.
    hugepage_mode hugepages = hugepage_mode::automatic;
};

// [[feed]]: the dataplane's feed plus the [[port]]s it arrives on.
struct feed_section {
    dp_feed_config feed;                      // name, udp ports, vlan, framing, payload, dialect
    // Names of [[port]]s this feed arrives on; empty = any port. Used to refuse
    // layouts with a port that receives no feed (the rx stage matches feeds by UDP
    // destination on every port).
    std::vector<std::string> receive_on;
};

// [lcores]
struct lcores_section {
    unsigned rx = 0;       // rx lcores; 0 = run to completion (needs workers = 1)
    unsigned workers = 1;  // worker lcores, each owning a card shard (1..64)
};

// [dataplane]: burst and ring sizes (defaults fit every test and benchmark).
struct dataplane_section {
    // Packets per rx_burst (1..64). A burst is scored before the next is read, so this
    // bounds rx->verdict latency: 4 keeps p99 ~70 us at the throughput of 32 (~7
    // messages per packet at ~1.5 us each; docs/dataplane.md, "Burst size").
    uint16_t burst = 4;
    uint32_t txn_ring_size = 4096;        // rx -> worker ring, per pair (power of two >= 64)
    uint32_t verdict_ring_size = 65536;   // workers -> controlplane (power of two >= 64)
    uint32_t mbufs_per_queue = 8192;      // mbufs per rx queue beyond its descriptors
};

// [tokenization]
struct tokenization_section {
    // HMAC key: hex (at least 32 digits, "0x" optional) or "env:NAME" (hex in that
    // variable, checked at load). Empty: $TXSCREEN_TOKEN_KEY when set, else the
    // built-in demo key (never for real card data; `run` warns).
    std::string key;
};

// [screening]
struct screening_section {
    // Pattern file (docs/patterns.md); empty = the starter set built into the binary;
    // "none" = no screening.
    std::string patterns;
};

// [rules]
struct rules_section {
    std::string file;      // ruleset TOML (docs/rules.md); empty = the built-in ruleset
};

// [velocity]: per-worker state tables (docs/velocity.md).
struct velocity_section {
    velocity_config tables;               // capacities, probe limit, ttl, lateness, dedup window
    std::size_t repeat_entries = 1 << 18;     // engine_config::repeat_entries
    std::size_t small_txn_entries = 1 << 17;  // engine_config::small_txn_entries
};

// [kafka]: mirrors kafka_config (controlplane/kafka_publisher.h) field for field.
struct kafka_section {
    bool enabled = true;                  // false: alerts only go to the spool
    std::string brokers = "embedded";     // "embedded" or "host:port,host:port"
    int embedded_brokers = 1;
    int embedded_partitions = 4;
    std::string client_id = "txscreen";
    std::string topic_alerts = "txscreen.alerts";
    std::string topic_scored = "txscreen.scored";
    std::string topic_rejects = "txscreen.rejects";
    bool publish_scored = false;
    std::string compression = "lz4";      // none | gzip | snappy | lz4 | zstd
    int linger_ms = 5;
    int batch_bytes = 1'000'000;
    int batch_messages = 10'000;
    int max_backlog_messages = 1'000'000;
    int max_backlog_kbytes = 1'048'576;   // 1 GiB
    int64_t outbox_max_bytes = 4LL << 30;  // disk for alerts beyond the backlog (<spool.dir>/kafka-outbox)
    int backpressure_wait_ms = 50;
    int message_timeout_ms = 0;           // 0 = wait for the broker forever
    int shutdown_flush_ms = 10'000;
    int poll_interval_ms = 100;
    std::vector<std::pair<std::string, std::string>> properties;  // extra librdkafka settings
};

// [spool]: mirrors spool_config (controlplane/spool_writer.h).
struct spool_section {
    std::string dir = "./txscreen-spool";  // created when missing
    std::string host;                       // file name prefix; "" = the host name
    uint64_t rotate_bytes = 128ull << 20;   // close a file at this size...
    uint32_t rotate_ms = 60'000;            // ...or this long after it was opened
    uint32_t block_bytes = 256u << 10;      // Avro block (and io_uring write) size
    uint32_t fsync_interval_ms = 200;       // open files are fsynced this often
    uint32_t max_open_files = 16;           // partitions open at once
    bool write_alerts = true;               // alerts also to table=alerts
    uint64_t max_bytes = 8ull << 30;        // disk budget for spool files (docs/spool.md, "Disk budget")
};

// [s3]: mirrors s3_config (controlplane/s3_client.h); no endpoint = no upload, the
// spool dir is the lake. Credentials: literal, "env:NAME", or "" for the AWS_*
// variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
struct s3_section {
    std::string endpoint;                  // "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000"
    std::string region;                    // "" = $AWS_REGION / $AWS_DEFAULT_REGION, else us-east-1
    std::string bucket;
    std::string prefix;                    // key prefix inside the bucket ("lake/txscreen/")
    std::string access_key;
    std::string secret_key;
    std::string session_token;
    uint64_t multipart_threshold = 64ull << 20;  // files at least this big go multipart
    uint64_t part_size = 16ull << 20;            // multipart part size
    uint32_t connect_timeout_ms = 5000;
    uint32_t request_timeout_ms = 120'000;
    uint32_t retry_base_ms = 200;          // first backoff, doubled per retry...
    uint32_t retry_max_ms = 30'000;        // ...up to this
    uint32_t scan_interval_ms = 1000;      // how often completed spool files are looked for
    bool verify_head = false;              // HEAD each object after upload, compare the size
};

// [admin]: REST API and dashboard (admin_config, controlplane/admin_server.h).
struct admin_section {
    std::string listen = "127.0.0.1:8080";  // host:port, "[::1]:8080"; port 0 = ephemeral
    // Bearer token, or "env:NAME" (at least 16 characters). Empty: the admin API is
    // not started (admin_server requires a token); a non-loopback listen address
    // without a token is an error.
    std::string token;
    std::string tls_cert;                   // PEM files; both or neither (HTTPS when set)
    std::string tls_key;
    unsigned max_connections = 64;
    unsigned io_threads = 1;
    unsigned backend_threads = 2;
};

struct appliance_config {
    std::string source = "<defaults>";      // the file it was loaded from
    eal_section eal;
    std::vector<dp_port_config> ports;      // [[port]]; may be empty (ports from the CLI)
    std::vector<feed_section> feeds;        // [[feed]]
    lcores_section lcores;
    dataplane_section dataplane;
    tokenization_section tokenization;
    screening_section screening;
    rules_section rules;
    velocity_section velocity;
    kafka_section kafka;
    spool_section spool;
    s3_section s3;
    admin_section admin;
};

// The configuration with no file: every default above, the four txgen default feeds
// (iso8583-mold 7001/7101, iso8583-raw 7002, json-mold 7003/7103, json-raw 7004), no
// ports. Always valid (validate_config returns no errors).
appliance_config default_appliance_config();

struct config_result {
    appliance_config config;          // defaults overlaid by the file; meaningful when ok()
    std::vector<std::string> errors;  // one line each: "<file>:<line>: <key>: <problem>"
    bool ok() const noexcept { return errors.empty(); }
};

// Parses `toml_text` (its name in messages: `source_name`), overlays it on the defaults
// and validates everything (validate_config). Keys absent from the text keep their
// defaults; a file with [[feed]] tables replaces the default feeds. Never throws.
config_result load_config(std::string_view toml_text, std::string_view source_name);
// Reads `path` and loads it; an unreadable file is one error naming the path.
config_result load_config_file(const std::string& path);

// Cross-field and file checks on a config built in code (or after command-line
// overrides such as --pcap ports): impossible port/feed/lcore layouts, files that do
// not exist or do not parse, env: variables that are not set. Returns one line per
// problem, "" prefixes with `cfg.source`; empty when valid.
std::vector<std::string> validate_config(const appliance_config& cfg);

// The value of a key given as literal or "env:NAME". Returns false (and leaves `out`
// alone) when it names an environment variable that is not set or empty.
bool resolve_secret(const std::string& spec, std::string& out);

// Splits "host:port" or "[v6]:port" (port 0..65535). Returns false when malformed.
bool parse_listen_address(const std::string& listen, std::string& host, uint16_t& port);

// A human summary of the effective configuration, several lines, secrets masked
// (for `txscreen check-config`): layout, feeds, memory per worker, where alerts and
// files go, and warnings (demo key, no ports, admin API off).
std::string explain(const appliance_config& cfg);

// Parses a duration "250ms", "5s", "10m", "25h", "7d" (a bare "0" is 0). Returns -1
// when malformed or above 1000 days.
int64_t parse_config_duration_ms(std::string_view text) noexcept;
// Parses a size "512B", "64KiB", "64MiB", "1GiB", "1TiB", "1kB", "1MB", "1GB" (a bare
// "0" is 0). Returns -1 when malformed or above 2^50 bytes.
int64_t parse_config_size_bytes(std::string_view text) noexcept;

}  // namespace txscreen
