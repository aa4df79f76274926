// The appliance config: defaults, the documented example, and one error per broken
// fixture (tests/config/broken/*.toml name the key they must be refused for in their
// first line: "# expect: lcores.workers").
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "config/config_checks.h"
#include "controlplane/appliance/appliance_config.h"

using namespace txscreen;
namespace fs = std::filesystem;

namespace {

// Fixtures name files relative to the source root (as an operator's config names them
// relative to the working directory), so the tests run from there.
fs::path source_root() {
    const char* r = std::getenv("TXSCREEN_SOURCE_ROOT");
    fs::path root = r && *r ? fs::path(r) : fs::path(__FILE__).parent_path().parent_path().parent_path();
    fs::current_path(root);
    return root;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string joined(const std::vector<std::string>& errors) {
    std::string s;
    for (const auto& e : errors) s += e + "\n";
    return s;
}

void require_same_feed(const dp_feed_config& a, const dp_feed_config& b) {
    CHECK(a.name == b.name);
    CHECK(a.udp_port == b.udp_port);
    CHECK(a.udp_port_b == b.udp_port_b);
    CHECK(a.vlan == b.vlan);
    CHECK(a.frame == b.frame);
    CHECK(a.format == b.format);
    CHECK(a.dialect == b.dialect);
    CHECK(a.wire.get() == b.wire.get());  // built-ins are compiled once and shared
    CHECK(a.tcp.wire == b.tcp.wire);
    CHECK(a.receive_on == b.receive_on);
    CHECK(a.transport == b.transport);
    CHECK(a.tcp_port == b.tcp_port);
    CHECK(a.server == b.server);
    CHECK(a.tcp.kind == b.tcp.kind);
    CHECK(a.tcp.header_bytes == b.tcp.header_bytes);
    CHECK(a.tcp.max_message == b.tcp.max_message);
}

// Field-by-field equality of everything but `source`.
void require_same_config(const appliance_config& a, const appliance_config& b) {
    const dp_config &da = a.dataplane, &db = b.dataplane;
    CHECK(da.eal_args == db.eal_args);
    CHECK(da.hugepages == db.hugepages);
    REQUIRE(da.ports.size() == db.ports.size());
    for (std::size_t i = 0; i < da.ports.size(); ++i) {
        CHECK(da.ports[i].name == db.ports[i].name);
        CHECK(da.ports[i].device == db.ports[i].device);
        CHECK(da.ports[i].rx_queues == db.ports[i].rx_queues);
        CHECK(da.ports[i].rx_desc == db.ports[i].rx_desc);
    }
    REQUIRE(da.feeds.size() == db.feeds.size());
    for (std::size_t i = 0; i < da.feeds.size(); ++i) require_same_feed(da.feeds[i], db.feeds[i]);
    CHECK(da.rx_lcores == db.rx_lcores);
    CHECK(da.workers == db.workers);
    CHECK(da.burst == db.burst);
    CHECK(da.txn_ring_size == db.txn_ring_size);
    CHECK(da.verdict_ring_size == db.verdict_ring_size);
    CHECK(da.mbufs_per_queue == db.mbufs_per_queue);
    CHECK(da.tokenization_key == db.tokenization_key);
    CHECK(da.tcp.flows == db.tcp.flows);
    CHECK(da.tcp.flow_buffer == db.tcp.flow_buffer);
    CHECK(da.tcp.memcap == db.tcp.memcap);
    CHECK(da.tcp.idle_timeout_ms == db.tcp.idle_timeout_ms);
    CHECK(da.tcp.pending == db.tcp.pending);
    CHECK(da.tcp.response_timeout_ms == db.tcp.response_timeout_ms);
    CHECK(a.screening.patterns == b.screening.patterns);
    CHECK(a.screening.cache_entries == b.screening.cache_entries);
    CHECK(a.engine.screen_cache_entries == b.engine.screen_cache_entries);
    CHECK(a.rules.file == b.rules.file);
    const auto &va = a.engine.velocity, &vb = b.engine.velocity;
    CHECK(va.card_capacity == vb.card_capacity);
    CHECK(va.merchant_capacity == vb.merchant_capacity);
    CHECK(va.device_capacity == vb.device_capacity);
    CHECK(va.ip_capacity == vb.ip_capacity);
    CHECK(va.dedup_capacity == vb.dedup_capacity);
    CHECK(va.probe_limit == vb.probe_limit);
    CHECK(va.ttl_ms == vb.ttl_ms);
    CHECK(va.allowed_lateness_ms == vb.allowed_lateness_ms);
    CHECK(va.dedup_window_ms == vb.dedup_window_ms);
    CHECK(va.max_future_skew_ms == vb.max_future_skew_ms);
    CHECK(a.engine.repeat_entries == b.engine.repeat_entries);
    CHECK(a.engine.small_txn_entries == b.engine.small_txn_entries);
    const auto &ka = a.kafka, &kb = b.kafka;
    CHECK(ka.enabled == kb.enabled);
    CHECK(ka.brokers == kb.brokers);
    CHECK(ka.embedded_brokers == kb.embedded_brokers);
    CHECK(ka.embedded_partitions == kb.embedded_partitions);
    CHECK(ka.client_id == kb.client_id);
    CHECK(ka.topic_alerts == kb.topic_alerts);
    CHECK(ka.topic_scored == kb.topic_scored);
    CHECK(ka.topic_outcomes == kb.topic_outcomes);
    CHECK(ka.publish_outcomes == kb.publish_outcomes);
    CHECK(ka.topic_rejects == kb.topic_rejects);
    CHECK(ka.topic_aggregates == kb.topic_aggregates);
    const analytics_config &na = a.analytics, &nb = b.analytics;
    CHECK(na.cases.enabled == nb.cases.enabled);
    CHECK(na.cases.window_ms == nb.cases.window_ms);
    CHECK(na.cases.notify_interval_ms == nb.cases.notify_interval_ms);
    CHECK(na.cases.max_open == nb.cases.max_open);
    CHECK(na.aggregates.enabled == nb.aggregates.enabled);
    CHECK(na.aggregates.window_ms == nb.aggregates.window_ms);
    CHECK(na.aggregates.allowed_lateness_ms == nb.aggregates.allowed_lateness_ms);
    CHECK(na.aggregates.top_merchants == nb.aggregates.top_merchants);
    CHECK(na.aggregates.max_correction_age_ms == nb.aggregates.max_correction_age_ms);
    CHECK(na.aggregates.max_open_windows == nb.aggregates.max_open_windows);
    CHECK(na.spikes.enabled == nb.spikes.enabled);
    CHECK(na.spikes.z_threshold == nb.spikes.z_threshold);
    CHECK(na.spikes.alpha == nb.spikes.alpha);
    CHECK(na.spikes.warmup_windows == nb.spikes.warmup_windows);
    CHECK(na.spikes.min_transactions == nb.spikes.min_transactions);
    CHECK(na.spikes.min_alerts == nb.spikes.min_alerts);
    CHECK(na.spikes.min_stddev_ratio == nb.spikes.min_stddev_ratio);
    CHECK(na.spikes.min_rejects == nb.spikes.min_rejects);
    CHECK(a.webhooks.size() == b.webhooks.size());
    CHECK(ka.publish_scored == kb.publish_scored);
    CHECK(ka.compression == kb.compression);
    CHECK(ka.linger_ms == kb.linger_ms);
    CHECK(ka.batch_bytes == kb.batch_bytes);
    CHECK(ka.batch_messages == kb.batch_messages);
    CHECK(ka.max_backlog_messages == kb.max_backlog_messages);
    CHECK(ka.max_backlog_kbytes == kb.max_backlog_kbytes);
    CHECK(ka.outbox_max_bytes == kb.outbox_max_bytes);
    CHECK(ka.backpressure_wait_ms == kb.backpressure_wait_ms);
    CHECK(ka.message_timeout_ms == kb.message_timeout_ms);
    CHECK(ka.shutdown_flush_ms == kb.shutdown_flush_ms);
    CHECK(ka.poll_interval_ms == kb.poll_interval_ms);
    CHECK(ka.properties == kb.properties);
    CHECK(a.spool.dir == b.spool.dir);
    CHECK(a.spool.host == b.spool.host);
    CHECK(a.spool.max_file_bytes == b.spool.max_file_bytes);
    CHECK(a.spool.max_file_age_ms == b.spool.max_file_age_ms);
    CHECK(a.spool.block_bytes == b.spool.block_bytes);
    CHECK(a.spool.sync_interval_ms == b.spool.sync_interval_ms);
    CHECK(a.spool.max_open_files == b.spool.max_open_files);
    CHECK(a.spool.write_alerts == b.spool.write_alerts);
    CHECK(a.spool.max_disk_bytes == b.spool.max_disk_bytes);
    CHECK(a.s3.endpoint == b.s3.endpoint);
    CHECK(a.s3.region == b.s3.region);
    CHECK(a.s3.bucket == b.s3.bucket);
    CHECK(a.s3.prefix == b.s3.prefix);
    CHECK(a.s3.access_key == b.s3.access_key);
    CHECK(a.s3.secret_key == b.s3.secret_key);
    CHECK(a.s3.session_token == b.s3.session_token);
    CHECK(a.s3.multipart_threshold == b.s3.multipart_threshold);
    CHECK(a.s3.part_size == b.s3.part_size);
    CHECK(a.s3.connect_timeout_ms == b.s3.connect_timeout_ms);
    CHECK(a.s3.request_timeout_ms == b.s3.request_timeout_ms);
    CHECK(a.s3.retry_base_ms == b.s3.retry_base_ms);
    CHECK(a.s3.retry_max_ms == b.s3.retry_max_ms);
    CHECK(a.s3.verify_head == b.s3.verify_head);
    CHECK(a.admin.address == b.admin.address);
    CHECK(a.admin.port == b.admin.port);
    CHECK(a.admin.token == b.admin.token);
    CHECK(a.admin.tls_cert_file == b.admin.tls_cert_file);
    CHECK(a.admin.tls_key_file == b.admin.tls_key_file);
    CHECK(a.admin.max_connections == b.admin.max_connections);
    CHECK(a.admin.io_threads == b.admin.io_threads);
    CHECK(a.admin.backend_threads == b.admin.backend_threads);
}

}  // namespace

TEST_CASE("default config: valid, the four txgen feeds, embedded broker, local spool", "[unit][config]") {
    source_root();
    appliance_config c = default_appliance_config();
    INFO(joined(validate_config(c)));
    CHECK(validate_config(c).empty());
    const auto& feeds = c.dataplane.feeds;
    REQUIRE(feeds.size() == 4);
    struct expect {
        const char* name;
        uint16_t port, port_b;
        framing fr;
        payload_format pf;
    };
    const expect want[] = {
        {"iso8583-mold", 7001, 7101, framing::moldudp64, payload_format::iso8583},
        {"iso8583-raw", 7002, 0, framing::raw, payload_format::iso8583},
        {"json-mold", 7003, 7103, framing::moldudp64, payload_format::json},
        {"json-raw", 7004, 0, framing::raw, payload_format::json},
    };
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(feeds[i].name == want[i].name);
        CHECK(feeds[i].udp_port == want[i].port);
        CHECK(feeds[i].udp_port_b == want[i].port_b);
        CHECK(feeds[i].frame == want[i].fr);
        CHECK(feeds[i].format == want[i].pf);
        CHECK(feeds[i].dialect == "binary");
        CHECK(feeds[i].wire.get() == (want[i].pf == payload_format::iso8583 ? &builtin_wire("binary") : nullptr));
        CHECK(feeds[i].tcp.wire == feeds[i].wire.get());
    }
    CHECK(c.dataplane.ports.empty());
    CHECK(c.dataplane.rx_lcores == 0);
    CHECK(c.dataplane.workers == 1);
    CHECK(c.kafka.enabled);
    CHECK(c.kafka.brokers == "embedded");
    CHECK(c.spool.dir == "./txscreen-spool");
    CHECK(listen_text(c.admin) == "127.0.0.1:8080");
    CHECK(c.s3.endpoint.empty());
}

TEST_CASE("an empty file is the default config", "[unit][config]") {
    config_result r = load_config("", "empty.toml");
    INFO(joined(r.errors));
    REQUIRE(r.ok());
    require_same_config(r.config, default_appliance_config());
    CHECK(r.config.source == "empty.toml");
}

TEST_CASE("docs/txscreen.example.toml loads and equals the defaults it documents", "[unit][config]") {
    const fs::path root = source_root();
    config_result r = load_config_file((root / "docs/txscreen.example.toml").string());
    INFO(joined(r.errors));
    REQUIRE(r.ok());
    require_same_config(r.config, default_appliance_config());
    // Every key the docs list appears in the example, and the other way round.
    const std::string doc = slurp(root / "docs/config.md");
    const std::string example = slurp(root / "docs/txscreen.example.toml");
    for (const char* key : {"hugepages", "rx_queues", "rx_desc", "receive_on", "txn_ring_size", "dedup_window",
                            "allowed_lateness", "max_backlog_size", "outbox_max_size", "backpressure_wait", "rotate_size", "rotate_age",
                            "fsync_interval", "write_alerts", "multipart_threshold", "part_size", "retry_max",
                            "session_token", "tls_cert", "tls_key", "max_connections", "small_txn_entries", "flow_buffer",
                            "memcap", "response_timeout", "header_bytes", "max_message", "transport", "notify_interval",
                            "top_merchants", "max_correction_age", "max_open_windows", "z_threshold", "warmup_windows",
                            "min_stddev_ratio", "min_rejects", "cache_entries"}) {
        INFO(key);
        CHECK(doc.find(std::string("`") + key + "`") != std::string::npos);
        CHECK(example.find(key) != std::string::npos);
    }
}

TEST_CASE("each broken fixture yields exactly one error naming its key", "[unit][config]") {
    const fs::path dir = source_root() / "tests/config/broken";
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 15);
    ::unsetenv("TXSCREEN_CONFIG_TEST_UNSET_VARIABLE");
    for (const auto& f : files) {
        const std::string text = slurp(f);
        const std::string tag = "# expect: ";
        REQUIRE(text.rfind(tag, 0) == 0);
        const std::string key = text.substr(tag.size(), text.find('\n') - tag.size());
        // Loaded from a relative path, as an operator names it.
        const std::string rel = fs::relative(f).string();
        config_result r = load_config_file(rel);
        INFO(rel << " expects " << key << "\n" << joined(r.errors));
        REQUIRE(r.errors.size() == 1);
        const std::string& e = r.errors[0];
        // "<file>:<line>: <key>: <what>" with the line of the offending key or table.
        CHECK(e.rfind(rel + ":", 0) == 0);
        const long line = std::strtol(e.c_str() + rel.size() + 1, nullptr, 10);
        CHECK(line >= 2);
        CHECK(e.find(": " + key + ":") != std::string::npos);
    }
}

TEST_CASE("error lines name the file, line, key and what is allowed", "[unit][config]") {
    source_root();
    SECTION("out of range") {
        auto r = load_config("[lcores]\nrx = 1\nworkers = 0\n", "txscreen.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0] == "txscreen.toml:3: lcores.workers: must be 1..64, got 0");
    }
    SECTION("wrong type") {
        auto r = load_config("[lcores]\nworkers = \"4\"\n", "t.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0] == "t.toml:2: lcores.workers: expected an integer 1..64, got a string");
    }
    SECTION("near-miss key gets a suggestion") {
        auto r = load_config("\n[kafka]\ncompresion = \"zstd\"\n", "t.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0] == "t.toml:3: kafka.compresion: unknown key (did you mean 'compression'?)");
        auto s = load_config("[velocity]\nttl_ms = 5\n", "t.toml");
        REQUIRE(s.errors.size() == 1);
        CHECK(s.errors[0] == "t.toml:2: velocity.ttl_ms: unknown key (did you mean 'ttl'?)");
        auto t = load_config("[[feed]]\nnmae = \"x\"\nname = \"x\"\nport = 9\n", "t.toml");
        REQUIRE(t.errors.size() == 1);
        CHECK(t.errors[0] == "t.toml:2: feed[0].nmae: unknown key (did you mean 'name'?)");
    }
    SECTION("far-off key lists what is allowed") {
        auto r = load_config("[rules]\nwhatever = 1\n", "t.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0] == "t.toml:2: rules.whatever: unknown key (allowed: file)");
    }
    SECTION("missing file") {
        auto r = load_config("[screening]\npatterns = \"/x/y.patterns\"\n", "t.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0] == "t.toml:2: screening.patterns: /x/y.patterns: no such file");
    }
    SECTION("bad duration") {
        auto r = load_config("[kafka]\nlinger = \"5\"\n", "t.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0].find("t.toml:2: kafka.linger: bad duration \"5\"") == 0);
        auto s = load_config("[kafka]\nlinger = \"16m\"\n", "t.toml");
        REQUIRE(s.errors.size() == 1);
        CHECK(s.errors[0] == "t.toml:2: kafka.linger: must be 0..15m, got \"16m\"");
    }
    SECTION("every problem is listed, each once") {
        auto r = load_config("[lcores]\nworkers = 0\n[spool]\nwrite_alerts = \"yes\"\n[admin]\nlisten = \"localhost\"\n",
                             "t.toml");
        INFO(joined(r.errors));
        REQUIRE(r.errors.size() == 3);
        CHECK(r.errors[0].find("lcores.workers") != std::string::npos);
        CHECK(r.errors[1] == "t.toml:4: spool.write_alerts: expected true or false, got a string");
        CHECK(r.errors[2].find("t.toml:6: admin.listen: \"localhost\" is not host:port") == 0);
    }
    SECTION("the config file itself") {
        auto r = load_config_file("/nonexistent/txscreen.toml");
        REQUIRE(r.errors.size() == 1);
        CHECK(r.errors[0] == "/nonexistent/txscreen.toml: no such file");
    }
}

TEST_CASE("a file overrides what it names and keeps every other default", "[unit][config]") {
    source_root();
    ::setenv("TXSCREEN_CONFIG_TEST_KEY", "00112233445566778899aabbccddeeff", 1);
    ::setenv("TXSCREEN_CONFIG_TEST_TOKEN", "a-long-admin-bearer-token", 1);
    const char* text = R"(
[eal]
args = ["--log-level=7"]
hugepages = "off"

[[port]]
name = "nic0"
device = "0000:03:00.0"
rx_queues = 4

[[port]]
name = "pcap0"
device = "net_pcap0,rx_pcap=tests/config/data/key.pem"

[lcores]
rx = 1
workers = 4

[[feed]]
name = "cards"
port = 9001
port_b = 9101
vlan = 42
framing = "moldudp64"
payload = "iso8583"
dialect = "hex"
receive_on = ["nic0", "pcap0"]

[tokenization]
key = "env:TXSCREEN_CONFIG_TEST_KEY"

[velocity]
card_capacity = 11500000
ttl = "2d"

[kafka]
brokers = ["kafka1:9092", "kafka2:9092"]
publish_scored = true
max_backlog_size = "256MiB"
outbox_max_size = "20GiB"

[kafka.properties]
"security.protocol" = "SASL_SSL"

[spool]
rotate_age = "30s"

[admin]
listen = "0.0.0.0:9443"
token = "env:TXSCREEN_CONFIG_TEST_TOKEN"
)";
    auto r = load_config(text, "prod.toml");
    INFO(joined(r.errors));
    REQUIRE(r.ok());
    const auto& c = r.config;
    const dp_config& d = c.dataplane;
    CHECK(d.eal_args == std::vector<std::string>{"--log-level=7"});
    CHECK(d.hugepages == hugepage_mode::off);
    REQUIRE(d.ports.size() == 2);
    CHECK(d.ports[0].rx_queues == 4);
    CHECK(d.ports[1].rx_desc == 1024);
    CHECK(d.workers == 4);
    REQUIRE(d.feeds.size() == 1);  // a file's feeds replace the defaults
    CHECK(d.feeds[0].udp_port_b == 9101);
    CHECK(d.feeds[0].vlan == 42);
    CHECK(d.feeds[0].dialect == "hex");
    CHECK(d.feeds[0].wire.get() == &builtin_wire("hex"));
    CHECK(c.engine.velocity.card_capacity == 11'500'000u);
    CHECK(c.engine.velocity.ttl_ms == 2 * 86'400'000LL);
    CHECK(c.engine.velocity.probe_limit == 16u);
    CHECK(c.kafka.brokers == "kafka1:9092,kafka2:9092");
    CHECK(c.kafka.max_backlog_kbytes == 256 * 1024);
    CHECK(c.kafka.outbox_max_bytes == 20LL << 30);
    CHECK(c.kafka.compression == "lz4");
    REQUIRE(c.kafka.properties.size() == 1);
    CHECK(c.kafka.properties[0].first == "security.protocol");
    CHECK(c.spool.max_file_age_ms == 30'000);
    CHECK(c.admin.address == "0.0.0.0");
    CHECK(c.admin.port == 9443);

    // explain(): the layout in words, secrets masked.
    const std::string x = explain(c);
    INFO(x);
    CHECK(x.find("1 rx + 4 worker(s)") != std::string::npos);
    CHECK(x.find("feed cards: udp 9001 + B line 9101 (arbitrated) vlan 42, moldudp64, iso8583 (dialect hex: " +
                 builtin_wire("hex").summary() + "), on nic0 pcap0") != std::string::npos);
    CHECK(x.find("from $TXSCREEN_CONFIG_TEST_KEY") != std::string::npos);
    CHECK(x.find("a-long-admin-bearer-token") == std::string::npos);
    CHECK(x.find("kafka1:9092,kafka2:9092") != std::string::npos);
    CHECK(x.find("warning: tokenization.key") == std::string::npos);

    // The same file with the key's variable unset is refused before anything starts.
    ::unsetenv("TXSCREEN_CONFIG_TEST_KEY");
    auto u = load_config(text, "prod.toml");
    REQUIRE(u.errors.size() == 1);
    CHECK(u.errors[0] ==
          "prod.toml:30: tokenization.key: environment variable TXSCREEN_CONFIG_TEST_KEY is not set (hex: 32 "
          "digits for aes-cmac, 32 or more for hmac-sha256; or \"env:NAME\")");
}

TEST_CASE("validate_config checks configs built in code (command-line overrides)", "[unit][config]") {
    source_root();
    appliance_config c = default_appliance_config();
    c.dataplane.workers = 3;
    auto e = validate_config(c);
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "<defaults>: lcores.rx: 0 (run to completion) works with exactly 1 worker; set rx >= 1 for 3 workers");
    c.dataplane.rx_lcores = 1;
    c.dataplane.workers = 65;
    e = validate_config(c);
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "<defaults>: lcores.workers: must be 1..64, got 65");
    c.dataplane.workers = 2;
    dp_port_config p;
    p.name = "pcap0";
    p.device = "net_pcap0,rx_pcap=/nonexistent/in.pcap";
    c.dataplane.ports.push_back(p);
    e = validate_config(c);
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "<defaults>: port[0].device: /nonexistent/in.pcap: no such file");
    c.dataplane.ports.clear();
    c.dataplane.txn_ring_size = 1000;
    e = validate_config(c);
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "<defaults>: dataplane.txn_ring_size: must be a power of two in 64..16777216, got 1000");
}

TEST_CASE("explain() of the defaults warns about what a production run must set", "[unit][config]") {
    const std::string x = explain(default_appliance_config());
    INFO(x);
    CHECK(x.find("run to completion") != std::string::npos);
    CHECK(x.find("feed iso8583-mold: udp 7001 + B line 7101") != std::string::npos);
    CHECK(x.find("feed json-raw: udp 7004, raw, json") != std::string::npos);
    CHECK(x.find("embedded broker") != std::string::npos);
    CHECK(x.find("./txscreen-spool") != std::string::npos);
    CHECK(x.find("warning: tokenization.key not set") != std::string::npos);
    CHECK(x.find("warning: no [[port]]") != std::string::npos);
    CHECK(x.find("admin: off") != std::string::npos);
    // 1 Mi cards at 128 bytes: at least 128 MiB per worker for the card table alone.
    CHECK(x.find("MiB (") != std::string::npos);
}

// ---- one validator per component: what check-config refuses, the component refuses
// in the same words when it is handed the same values in code

TEST_CASE("a component refuses a bad config in the words check-config uses", "[unit][config]") {
    source_root();
    auto only_error = [](const char* toml) {
        auto r = load_config(toml, "t.toml");
        REQUIRE(r.errors.size() == 1);
        return r.errors[0];
    };
    kafka_config k;
    k.linger_ms = 16 * 60'000;
    CHECK(validate_kafka_config(k) == "kafka.linger: must be 0..15m, got 16m");
    CHECK(only_error("[kafka]\nlinger = \"16m\"\n") == "t.toml:2: kafka.linger: must be 0..15m, got \"16m\"");

    spool_config sp;
    sp.block_bytes = 2 << 20;
    sp.max_file_bytes = 1 << 20;
    CHECK(validate_spool_config(sp) == "spool.rotate_size: must be at least spool.block_size (2MiB), got 1MiB");
    CHECK(only_error("[spool]\nrotate_size = \"1MiB\"\nblock_size = \"2MiB\"\n") ==
          "t.toml:2: spool.rotate_size: must be at least spool.block_size (2MiB), got 1MiB");

    velocity_config v;
    v.probe_limit = 2;
    CHECK(std::string(velocity_validate(v)) == "velocity.probe_limit: must be 4..64, got 2");
    CHECK(only_error("\n[velocity]\nprobe_limit = 2\n") == "t.toml:3: velocity.probe_limit: must be 4..64, got 2");

    s3_config s;
    s.retry_base_ms = 10'000;
    s.retry_max_ms = 1000;
    CHECK(validate_s3_config(s) == "s3.retry_max: must be at least s3.retry_base (10s), got 1s");

    admin_config a;
    a.token = "too-short";
    CHECK_THROWS_WITH(validate(a), "admin.token: must be at least 16 characters");
    CHECK(only_error("[admin]\ntoken = \"too-short\"\n") == "t.toml:2: admin.token: must be at least 16 characters");
}

TEST_CASE("the dataplane's start check also needs a port and a tokenization key", "[unit][config]") {
    source_root();
    appliance_config c = default_appliance_config();
    REQUIRE(validate_config(c).empty());
    CHECK(validate(c.dataplane) == "port: missing: at least one port");
    dp_port_config p;
    p.name = "null0";
    p.device = "net_null0";
    c.dataplane.ports.push_back(p);
    CHECK(validate(c.dataplane) == "tokenization.key: missing: the key (hex: 32 digits for aes-cmac, 32 or more for hmac-sha256)");
    c.dataplane.tokenization_key = "00112233445566778899aabbccddeeff";
    CHECK(validate(c.dataplane) == "");
    // Layouts the config refuses, the dataplane refuses too.
    c.dataplane.workers = 2;  // with rx = 0
    CHECK(validate(c.dataplane).rfind("lcores.rx: 0 (run to completion)", 0) == 0);
    c.dataplane.rx_lcores = 2;  // two sequencers for the A/B feeds
    c.dataplane.ports[0].rx_queues = 2;
    CHECK(validate(c.dataplane).rfind("lcores.rx: must be 0 or 1 while feed[0] (iso8583-mold) has a B line", 0) == 0);
    c.dataplane.rx_lcores = 1;
    CHECK(validate(c.dataplane) == "");
}

TEST_CASE("s3 credentials given as env: reach the uploader resolved; admin listen is an address and a port",
          "[unit][config]") {
    source_root();
    ::setenv("TXSCREEN_CONFIG_TEST_AK", "AKIDEXAMPLE", 1);
    ::setenv("TXSCREEN_CONFIG_TEST_SK", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    ::setenv("TXSCREEN_CONFIG_TEST_TOKEN", "0123456789abcdef0123", 1);
    const std::string text = "[s3]\nendpoint = \"http://127.0.0.1:9000\"\nbucket = \"lake\"\n"
                             "access_key = \"env:TXSCREEN_CONFIG_TEST_AK\"\nsecret_key = \"env:TXSCREEN_CONFIG_TEST_SK\"\n"
                             "part_size = \"8MiB\"\n"
                             "[admin]\nlisten = \"[::1]:0\"\ntoken = \"env:TXSCREEN_CONFIG_TEST_TOKEN\"\n";
    auto r = load_config(text, "t.toml");
    INFO(joined(r.errors));
    REQUIRE(r.ok());
    s3_config s = r.config.s3;
    s3_config_from_env(s);  // what s3_uploader does with it
    CHECK(s.access_key == "AKIDEXAMPLE");
    CHECK(s.secret_key == "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    CHECK(s.part_size == 8u << 20);
    CHECK(validate_s3_config(s) == "");
    CHECK(r.config.admin.address == "::1");
    CHECK(r.config.admin.port == 0);
    CHECK(listen_text(r.config.admin) == "[::1]:0");
    const std::string x = explain(r.config);
    INFO(x);
    CHECK(x.find("AKIDEXAMPLE") == std::string::npos);
    CHECK(x.find("access key from $TXSCREEN_CONFIG_TEST_AK") != std::string::npos);
    CHECK(x.find("admin: http://[::1]:0, token from $TXSCREEN_CONFIG_TEST_TOKEN") != std::string::npos);

    ::unsetenv("TXSCREEN_CONFIG_TEST_SK");
    auto u = load_config(text, "t.toml");
    REQUIRE(u.errors.size() == 1);
    CHECK(u.errors[0] == "t.toml:5: s3.secret_key: environment variable TXSCREEN_CONFIG_TEST_SK is not set");
}

TEST_CASE("durations and sizes", "[unit][config]") {
    CHECK(parse_config_duration_ms("250ms") == 250);
    CHECK(parse_config_duration_ms("5s") == 5000);
    CHECK(parse_config_duration_ms("10m") == 600'000);
    CHECK(parse_config_duration_ms("25h") == 90'000'000);
    CHECK(parse_config_duration_ms("7d") == 604'800'000);
    CHECK(parse_config_duration_ms("0") == 0);
    CHECK(parse_config_duration_ms("0s") == 0);
    for (const char* bad : {"", "5", "s", "-1s", "5 s", "1.5s", "5sec", "99999999999999d"}) {
        INFO(bad);
        CHECK(parse_config_duration_ms(bad) == -1);
    }
    CHECK(parse_config_size_bytes("512B") == 512);
    CHECK(parse_config_size_bytes("64KiB") == 65536);
    CHECK(parse_config_size_bytes("64MiB") == 64LL << 20);
    CHECK(parse_config_size_bytes("1GiB") == 1LL << 30);
    CHECK(parse_config_size_bytes("1MB") == 1'000'000);
    CHECK(parse_config_size_bytes("0") == 0);
    for (const char* bad : {"", "64", "MiB", "64mib", "64 MiB", "-1MiB", "2000000TiB"}) {
        INFO(bad);
        CHECK(parse_config_size_bytes(bad) == -1);
    }
}

// ---- bounded inputs (issue #13 item 4): only regular files within their limit are read

namespace {

// A scratch directory for special files, removed at the end.
struct scratch_dir {
    fs::path path = fs::temp_directory_path() / ("txscreen-config-inputs-" + std::to_string(::getpid()));
    scratch_dir() {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~scratch_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string name(const std::string& n) const { return (path / n).string(); }
};

}  // namespace

TEST_CASE("the config file must be a regular file within 16 MiB; refusals name it and say why", "[unit][config]") {
    source_root();
    scratch_dir d;
    const auto started = std::chrono::steady_clock::now();
    auto only_error = [](const std::string& path) {
        config_result r = load_config_file(path);
        INFO(joined(r.errors));
        CHECK_FALSE(r.ok());
        return r.errors.size() == 1 ? r.errors[0] : joined(r.errors);
    };
    // Formerly an endless read growing memory at ~200 MB/s.
    CHECK(only_error("/dev/zero") == "/dev/zero: not a regular file (character device)");
    // Formerly read as an empty file, i.e. "valid, the defaults".
    CHECK(only_error(d.path.string()) == d.path.string() + ": is a directory");
    const std::string fifo = d.name("txscreen.toml");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);  // no writer: an open() would block forever
    CHECK(only_error(fifo) == fifo + ": not a regular file (FIFO)");
    const std::string big = d.name("big.toml");
    std::ofstream(big).close();
    fs::resize_file(big, (16u << 20) + 1);  // sparse
    CHECK(only_error(big) == big + ": larger than the 16 MiB limit for a config file (16777217 bytes)");
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));

    // A symlink to a regular file is how /etc/txscreen often points at a release.
    const std::string link = d.name("current.toml");
    fs::create_symlink(fs::absolute("docs/txscreen.example.toml"), link);
    config_result r = load_config_file(link);
    INFO(joined(r.errors));
    CHECK(r.ok());
    CHECK(r.config.source == link);
}

TEST_CASE("rules, pattern and TLS files the config names are bounded the same way", "[unit][config]") {
    source_root();
    scratch_dir d;
    auto errors_of = [](const std::string& toml) { return load_config(toml, "t.toml").errors; };

    auto e = errors_of("[rules]\nfile = \"/dev/zero\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "t.toml:2: rules.file: /dev/zero: not a regular file (character device)");
    e = errors_of("[rules]\nfile = \"" + d.path.string() + "\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "t.toml:2: rules.file: " + d.path.string() + ": is a directory");
    const std::string big = d.name("rules.toml");
    std::ofstream(big).close();
    fs::resize_file(big, (16u << 20) + 1);
    e = errors_of("[rules]\nfile = \"" + big + "\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "t.toml:2: rules.file: " + big + ": larger than the 16 MiB limit for a rules file (16777217 bytes)");

    const std::string fifo = d.name("x.patterns");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    e = errors_of("\n[screening]\npatterns = \"" + fifo + "\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "t.toml:3: screening.patterns: " + fifo + ": not a regular file (FIFO)");
    e = errors_of("[screening]\npatterns = \"/dev/zero\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == "t.toml:2: screening.patterns: /dev/zero: not a regular file (character device)");

    e = errors_of("[admin]\ntls_cert = \"/dev/zero\"\ntls_key = \"" + d.path.string() + "\"\n");
    REQUIRE(e.size() == 2);
    CHECK(e[0] == "t.toml:2: admin.tls_cert: /dev/zero: not a regular file (character device)");
    CHECK(e[1] == "t.toml:3: admin.tls_key: " + d.path.string() + ": is a directory");

    // Symlinks to regular files load.
    fs::create_symlink(fs::absolute("src/rules/default_rules.toml"), d.name("rules-link.toml"));
    e = errors_of("[rules]\nfile = \"" + d.name("rules-link.toml") + "\"\n");
    INFO(joined(e));
    CHECK(e.empty());
}

TEST_CASE("an admin token that HTTP could not carry exactly is refused", "[unit][config]") {
    for (const char* bad : {" a-long-admin-bearer-token", "a-long-admin-bearer-token ", "a-long-admin\tbearer-token"}) {
        INFO('"' << bad << '"');
        auto e = load_config(std::string("[admin]\ntoken = \"") + bad + "\"\n", "t.toml").errors;
        REQUIRE(e.size() == 1);
        CHECK(e[0].rfind("t.toml:2: admin.token: must not begin or end with a space", 0) == 0);
    }
    CHECK(load_config("[admin]\ntoken = \"a-long-admin-bearer-token\"\n", "t.toml").ok());
}

// ---- ISO 8583 dialects and maps per feed (issue #16)

namespace {

void write_file(const fs::path& p, std::string_view text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// A jPOS GenericPackager file with the 1993 shapes of 12 and 39.
constexpr std::string_view jpos_1993 = R"(<?xml version="1.0"?>
<isopackager>
  <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="1" length="16" name="BIT MAP" class="org.jpos.iso.IFA_BITMAP"/>
  <isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>
  <isofield id="4" length="12" name="AMOUNT" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="7" length="10" name="TRANSMISSION" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="12" length="12" name="LOCAL" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="39" length="3" name="ACTION" class="org.jpos.iso.IFA_NUMERIC"/>
</isopackager>
)";

const dp_feed_config& feed_named(const dp_config& d, std::string_view name) {
    for (const auto& f : d.feeds)
        if (f.name == name) return f;
    FAIL("no feed " << name);
    return d.feeds.front();
}

const iso::map_entry* map_entry_of(const iso_wire& w, iso::map_target t) {
    for (const auto& e : w.map.entries)
        if (e.target == t) return &e;
    return nullptr;
}

}  // namespace

TEST_CASE("a feed's dialect: a built-in name, a file beside the config, a jPOS file, a [feed.map]", "[unit][config]") {
    scratch_dir d;
    write_file(d.path / "dialects/link.toml", "base = \"ebcdic\"\n[fields.48]\nlayout = \"tlv\"\n");
    write_file(d.path / "links/acme.xml", jpos_1993);
    const std::string text = R"([[feed]]
name = "named"
port = 7001
dialect = "bcd"

[[feed]]
name = "file"
port = 7002
dialect = "dialects/link.toml"

[[feed]]
name = "same-file"
transport = "tcp"
port = 7003
dialect = "dialects/link.toml"

[[feed]]
name = "jpos"
port = 7004
dialect = "links/acme.xml"
[feed.map]
base = "none"
pan = "2"
amount = "4"
event_time = "7"
local_time = { from = "12", convert = "yymmddhhmmss" }
response_code = "39"
required_request = [2, 4, 7]
required_response = [7, 39]

[[feed]]
name = "mapped"
port = 7005
[feed.map]
device_id = "48.XX"
email = false
)";
    // The config's own folder is where dialect paths start.
    config_result r = load_config(text, (d.path / "txscreen.toml").string());
    INFO(joined(r.errors));
    REQUIRE(r.ok());
    const dp_config& c = r.config.dataplane;

    const dp_feed_config& named = feed_named(c, "named");
    CHECK(named.wire.get() == &builtin_wire("bcd"));

    const dp_feed_config& file = feed_named(c, "file");
    REQUIRE(file.wire);
    CHECK(file.wire->name == "link");
    CHECK(file.wire->dialect.mti == iso::num_enc::ebcdic);
    CHECK(file.wire->dialect.fields[48].layout == iso::layout_kind::tlv);
    CHECK(file.wire->dialect.files.back() == (d.path / "dialects/link.toml").string());
    const dp_feed_config& same = feed_named(c, "same-file");
    CHECK(same.wire == file.wire);  // one compiled dialect for both feeds
    CHECK(same.tcp.wire == file.wire.get());

    const dp_feed_config& jpos = feed_named(c, "jpos");
    REQUIRE(jpos.wire);
    CHECK(jpos.wire->dialect.standard == "iso8583-1993");
    CHECK(jpos.wire->map.base == "none");
    CHECK(jpos.wire->map.entries.size() == 5);
    REQUIRE(map_entry_of(*jpos.wire, iso::map_target::local_time));
    CHECK(map_entry_of(*jpos.wire, iso::map_target::local_time)->conv == iso::converter::yymmddhhmmss);
    CHECK(jpos.wire->map.required_response == std::vector<uint8_t>{7, 39});

    const dp_feed_config& mapped = feed_named(c, "mapped");
    REQUIRE(mapped.wire);
    CHECK(mapped.dialect == "binary");
    CHECK(mapped.wire.get() != &builtin_wire("binary"));
    REQUIRE(map_entry_of(*mapped.wire, iso::map_target::device_id));
    CHECK(map_entry_of(*mapped.wire, iso::map_target::device_id)->from[0].text == "48.XX");
    CHECK(map_entry_of(*mapped.wire, iso::map_target::device_id)->line == 35);
    CHECK(map_entry_of(*mapped.wire, iso::map_target::email) == nullptr);
    CHECK(map_entry_of(*mapped.wire, iso::map_target::pan));

    const std::string x = explain(r.config);
    INFO(x);
    CHECK(x.find("feed named: udp 7001, moldudp64, iso8583 (dialect bcd: " + builtin_wire("bcd").summary() + ")") !=
          std::string::npos);
    CHECK(x.find("feed file: udp 7002, moldudp64, iso8583 (dialect dialects/link.toml: " + file.wire->summary() + ")") !=
          std::string::npos);
    CHECK(x.find("feed same-file: tcp server port 7003, len2be, iso8583 (dialect dialects/link.toml: ") !=
          std::string::npos);
}

TEST_CASE("dialect and map problems name the config's line and key; a dialect file's keep their own", "[unit][config]") {
    scratch_dir d;
    const std::string cfg = (d.path / "txscreen.toml").string();
    auto errors_of = [&](const std::string& text) { return load_config(text, cfg).errors; };
    const std::string feed = "[[feed]]\nname = \"f\"\nport = 7001\n";  // lines 1-3

    auto e = errors_of(feed + "dialect = \"bcdx\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == cfg + ":4: feed[0].dialect: \"bcdx\": no built-in dialect of that name (binary, hex, bcd, ebcdic, "
                        "iso93-ascii), and a dialect file's name ends in .toml or .xml");

    e = errors_of(feed + "dialect = \"dialects/missing.toml\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == cfg + ":4: feed[0].dialect: " + (d.path / "dialects/missing.toml").string() + ": no such file");

    e = errors_of(feed + "dialect = \"\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == cfg + ":4: feed[0].dialect: expected a built-in name (binary, hex, bcd, ebcdic, iso93-ascii) or a "
                        ".toml or .xml file");

    write_file(d.path / "bad.toml", "base = \"binary\"\n\n[fields.48]\nlayout = \"tlv\"\ntag_chars = 9\nlen_digits = 0\n");
    e = errors_of(feed + "dialect = \"bad.toml\"\n");
    REQUIRE(e.size() == 2);
    const std::string bad = (d.path / "bad.toml").string();
    CHECK(e[0] == cfg + ":4: feed[0].dialect: " + bad + ":5: fields.48.tag_chars: must be 1..8, got 9");
    CHECK(e[1] == cfg + ":4: feed[0].dialect: " + bad + ":6: fields.48.len_digits: must be 1..4, got 0");

    e = errors_of(feed + "[feed.map]\nip = { from = \"48.IP\", convert = \"ipv6\" }\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].starts_with(cfg + ":5: feed[0].map.ip.convert: \"ipv6\" is not a converter (text, digits,"));

    e = errors_of(feed + "[feed.map]\npan = \"2\"\nregion = \"1\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == cfg + ":6: feed[0].map.region: \"1\": field 1 is the secondary bitmap");

    // Paths are checked against the dialect when it compiles, still on the config's line.
    e = errors_of(feed + "[feed.map]\n\ndevice_id = \"127.5\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].starts_with(cfg + ":6: feed[0].map.device_id: "));

    e = errors_of(feed + "map = 3\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == cfg + ":4: feed[0].map: expected a table [feed[0].map]");

    e = errors_of(feed + "payload = \"json\"\n[feed.map]\npan = \"2\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0] == cfg + ":5: feed[0].map: only applies to payload = \"iso8583\" (this feed is json)");
}

TEST_CASE("a dialect's compile problems name its file and line, every one; a map's keep the config's line",
          "[unit][config]") {
    scratch_dir d;
    const std::string cfg = (d.path / "txscreen.toml").string();
    auto errors_of = [&](const std::string& text) { return load_config(text, cfg).errors; };
    const std::string feed = "[[feed]]\nname = \"f\"\nport = 7001\n";  // lines 1-3

    // Fixed fields wider on the wire than the decoder takes (4096 bytes): the file's
    // loader counts units and accepts them, compile_wire does not. 62 is the base file's.
    write_file(d.path / "dialects/inner.toml",
               "base = \"iso8583-1987\"\n\n[fields.62]\ntype = \"b\"\nlen = 3000\nenc = \"hex-ascii\"\n");
    write_file(d.path / "dialects/link.toml", "base = \"inner.toml\"\n\n[fields.48]\nlayout = \"tlv\"\n\n"
                                              "[fields.63]\ntype = \"b\"\nlen = 2500\nenc = \"hex-ebcdic\"\n");
    const std::string inner = (d.path / "dialects/inner.toml").string(), link = (d.path / "dialects/link.toml").string();
    auto e = errors_of(feed + "dialect = \"dialects/link.toml\"\n");
    REQUIRE(e.size() == 2);
    CHECK(e[0] == cfg + ":4: feed[0].dialect: " + inner + ":3: fields.62: a fixed field takes 1 to 4096 bytes on the wire");
    CHECK(e[1] == cfg + ":4: feed[0].dialect: " + link + ":6: fields.63: a fixed field takes 1 to 4096 bytes on the wire");

    // A jPOS file: each problem names the XML file and its isofield's line.
    write_file(d.path / "links/big.xml", R"(<?xml version="1.0"?>
<isopackager>
  <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="1" length="16" name="BIT MAP" class="org.jpos.iso.IFA_BITMAP"/>
  <isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>
  <isofield id="61" length="5000" name="BIG" class="org.jpos.iso.IFB_BINARY"/>
  <isofield id="62" length="4097" name="BIGGER" class="org.jpos.iso.IFA_NUMERIC"/>
</isopackager>
)");
    const std::string xml = (d.path / "links/big.xml").string();
    e = errors_of(feed + "dialect = \"links/big.xml\"\n");
    REQUIRE(e.size() == 2);
    CHECK(e[0].starts_with(cfg + ":4: feed[0].dialect: " + xml + ":6: "));
    CHECK(e[1].starts_with(cfg + ":4: feed[0].dialect: " + xml + ":7: "));
    // A message-level problem names the file the feed names.
    write_file(d.path / "links/header.xml", R"(<?xml version="1.0"?>
<isopackager headerLength="100">
  <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="1" length="16" name="BIT MAP" class="org.jpos.iso.IFA_BITMAP"/>
  <isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>
</isopackager>
)");
    e = errors_of(feed + "dialect = \"links/header.xml\"\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].starts_with(cfg + ":4: feed[0].dialect: " + (d.path / "links/header.xml").string() + ":"));

    // Map problems found when the map compiles: each on its own config line, the
    // channel's too (a map entry without a target of its own).
    e = errors_of(feed + "[feed.map]\n\ndevice_id = \"127.5\"\nip = \"127.6\"\n"
                         "channel = { from = \"127.7\", ecom = [\"1\"] }\n");
    REQUIRE(e.size() == 3);
    CHECK(e[0].starts_with(cfg + ":6: feed[0].map.device_id: 127.5: "));
    CHECK(e[1].starts_with(cfg + ":7: feed[0].map.ip: 127.6: "));
    CHECK(e[2].starts_with(cfg + ":8: feed[0].map.channel: 127.7: "));
}
