// dp_config: reading the dataplane's sections, its explain() lines and the default
// feeds. Validation: dp_config_validate.cpp.
#include "dataplane/dp_config.h"

#include "codec/feed_defaults.h"
#include "config/config_explain.h"
#include "config/toml_section.h"
#include "dataplane/dp_config_ranges.h"

namespace txscreen {

namespace {

void read_eal(const toml_section& s, dp_config& c) {
    s.only_keys({"args", "hugepages"});
    s.get_string_list("args", c.eal_args);
    s.get_enum("hugepages", c.hugepages,
               {{"auto", hugepage_mode::automatic}, {"on", hugepage_mode::on}, {"off", hugepage_mode::off}});
}

void read_ports(const toml_section& root, dp_config& c) {
    std::vector<toml_section> tables = root.table_array("port");
    if (tables.empty()) return;
    c.ports.clear();
    for (const toml_section& s : tables) {
        s.only_keys({"name", "device", "rx_queues", "rx_desc"});
        dp_port_config p;
        s.get_string("name", p.name);
        s.get_string("device", p.device);
        s.get_int("rx_queues", p.rx_queues, dp_ranges::rx_queues);
        s.get_int("rx_desc", p.rx_desc, dp_ranges::rx_desc);
        c.ports.push_back(std::move(p));
    }
}

void read_udp_feed(const toml_section& s, dp_feed_config& f) {
    s.get_int("port", f.udp_port, dp_ranges::udp_port);
    if (const toml::node* n = s.raw().get("port_b"); n && n->is_integer() && n->as_integer()->get() == 0)
        s.node("port_b");  // 0 spells "no B line" explicitly
    else
        s.get_int("port_b", f.udp_port_b, dp_ranges::udp_port);
    s.get_enum("framing", f.frame, {{"moldudp64", framing::moldudp64}, {"raw", framing::raw}});
}

void read_tcp_feed(const toml_section& s, dp_feed_config& f) {
    s.get_int("port", f.tcp_port, dp_ranges::udp_port);
    s.get_string("server", f.server);
    s.get_enum("framing", f.tcp.kind,
               {{"len2be", tcp_framing_kind::len2be},
                {"len2le", tcp_framing_kind::len2le},
                {"len4ascii", tcp_framing_kind::len4ascii}});
    s.get_int("header_bytes", f.tcp.header_bytes, dp_ranges::header_bytes);
    s.get_int("max_message", f.tcp.max_message, dp_ranges::max_message);
    for (const char* udp_only : {"port_b"})
        if (s.raw().get(udp_only)) s.fail(udp_only, "only applies to transport = \"udp\" (this feed is tcp)");
}

dp_feed_config read_feed(const toml_section& s) {
    s.only_keys({"name", "transport", "port", "port_b", "server", "vlan", "framing", "header_bytes", "max_message",
                 "payload", "dialect", "receive_on"});
    dp_feed_config f;
    s.get_string("name", f.name);
    s.get_enum("transport", f.transport, {{"udp", feed_transport::udp}, {"tcp", feed_transport::tcp}});
    if (f.transport == feed_transport::tcp) {
        read_tcp_feed(s, f);
    } else {
        read_udp_feed(s, f);
        for (const char* tcp_only : {"server", "header_bytes", "max_message"})
            if (s.raw().get(tcp_only)) s.fail(tcp_only, "only applies to transport = \"tcp\"");
    }
    s.get_int("vlan", f.vlan, dp_ranges::vlan);
    s.get_enum("payload", f.format, {{"iso8583", payload_format::iso8583}, {"json", payload_format::json}});
    s.get_enum("dialect", f.dialect,
               {{"binary", iso_dialect::binary_bitmap}, {"hex", iso_dialect::hex_bitmap}, {"bcd", iso_dialect::bcd}});
    f.tcp.dialect = f.dialect;
    if (s.raw().get("dialect") && f.format == payload_format::json && s.errors().clean(s.key("payload")))
        s.fail("dialect", "only applies to payload = \"iso8583\" (this feed is json)");
    s.get_string_list("receive_on", f.receive_on);
    return f;
}

void read_tcp(const toml_section& s, dp_tcp_config& t) {
    s.only_keys({"flows", "flow_buffer", "memcap", "idle_timeout", "pending", "response_timeout"});
    s.get_int("flows", t.flows, dp_ranges::flows);
    s.get_size("flow_buffer", t.flow_buffer, dp_ranges::flow_buffer);
    s.get_size("memcap", t.memcap, dp_ranges::memcap);
    s.get_duration("idle_timeout", t.idle_timeout_ms, dp_ranges::idle_timeout_ms);
    s.get_int("pending", t.pending, dp_ranges::pending);
    s.get_duration("response_timeout", t.response_timeout_ms, dp_ranges::response_timeout_ms);
}

void read_feeds(const toml_section& root, dp_config& c) {
    std::vector<toml_section> tables = root.table_array("feed");
    if (tables.empty()) return;
    c.feeds.clear();
    for (const toml_section& s : tables) c.feeds.push_back(read_feed(s));
}

void explain_feed(const dp_feed_config& f, explanation& out) {
    if (f.transport == feed_transport::tcp) {
        out.lines << "  feed " << f.name << ": tcp server port " << f.tcp_port;
        if (!f.server.empty()) out.lines << " at " << f.server;
        if (f.vlan) out.lines << " vlan " << f.vlan;
        out.lines << ", " << tcp_framing_name(f.tcp.kind);
        if (f.tcp.header_bytes) out.lines << " + " << f.tcp.header_bytes << "-byte header";
        out.lines << ", iso8583 (" << iso_dialect_name(f.dialect) << "), messages up to " << f.tcp.max_message
                  << " bytes; requests screened, responses paired\n";
        return;
    }
    out.lines << "  feed " << f.name << ": udp " << f.udp_port;
    if (f.udp_port_b) out.lines << " + B line " << f.udp_port_b << " (arbitrated)";
    if (f.vlan) out.lines << " vlan " << f.vlan;
    out.lines << ", " << (f.frame == framing::moldudp64 ? "moldudp64" : "raw") << ", "
              << (f.format == payload_format::iso8583 ? "iso8583 (" + std::string(iso_dialect_name(f.dialect)) + ")"
                                                      : "json");
    if (!f.receive_on.empty()) {
        out.lines << ", on";
        for (const auto& n : f.receive_on) out.lines << ' ' << n;
    }
    out.lines << "\n";
}

}  // namespace

std::string_view hugepage_mode_name(hugepage_mode m) noexcept {
    switch (m) {
        case hugepage_mode::automatic: return "auto";
        case hugepage_mode::on: return "on";
        case hugepage_mode::off: return "off";
    }
    return "auto";
}

void read_dp_sections(const toml_section& root, dp_config& c) {
    if (auto s = root.table("eal")) read_eal(*s, c);
    read_ports(root, c);
    read_feeds(root, c);
    if (auto s = root.table("lcores")) {
        s->only_keys({"rx", "workers"});
        s->get_int("rx", c.rx_lcores, dp_ranges::rx_lcores);
        s->get_int("workers", c.workers, dp_ranges::workers);
    }
    if (auto s = root.table("dataplane")) {
        s->only_keys({"burst", "txn_ring_size", "verdict_ring_size", "mbufs_per_queue"});
        s->get_int("burst", c.burst, dp_ranges::burst);
        s->get_int("txn_ring_size", c.txn_ring_size, dp_ranges::ring);
        s->get_int("verdict_ring_size", c.verdict_ring_size, dp_ranges::ring);
        s->get_int("mbufs_per_queue", c.mbufs_per_queue, dp_ranges::mbufs);
    }
    if (auto s = root.table("tokenization")) {
        s->only_keys({"key"});
        s->get_string("key", c.tokenization_key);
    }
    if (auto s = root.table("tcp")) read_tcp(*s, c.tcp);
}

void explain(const dp_config& c, explanation& out) {
    if (c.rx_lcores == 0)
        out.lines << "  lcores: run to completion (1 lcore receives, decodes and scores)\n";
    else
        out.lines << "  lcores: " << c.rx_lcores << " rx + " << c.workers << " worker(s), card shards by token\n";
    out.lines << "  eal: hugepages " << hugepage_mode_name(c.hugepages);
    for (const auto& a : c.eal_args) out.lines << ' ' << a;
    out.lines << "\n";
    if (c.ports.empty()) {
        out.lines << "  ports: none in the config (give --pcap FILE or --device ARGS)\n";
        out.warnings.push_back("no [[port]]: `txscreen run` needs --pcap or --device");
    }
    for (const auto& p : c.ports)
        out.lines << "  port " << p.name << ": " << p.device << ", " << p.rx_queues << " rx queue(s) x " << p.rx_desc
                  << " descriptors\n";
    for (const auto& f : c.feeds) explain_feed(f, out);
    bool any_tcp = false;
    for (const auto& f : c.feeds) any_tcp |= f.transport == feed_transport::tcp;
    if (any_tcp)
        out.lines << "  tcp: " << c.tcp.flows << " connections, " << c.tcp.pending << " pending requests and "
                  << (c.tcp.memcap >> 20) << " MiB of held segments per rx lcore; idle " << c.tcp.idle_timeout_ms / 1000
                  << " s, responses within " << c.tcp.response_timeout_ms << " ms\n";
    out.lines << "  burst " << c.burst << ", rings txn " << c.txn_ring_size << " verdict " << c.verdict_ring_size << ", "
              << c.mbufs_per_queue << " mbufs per queue\n";
    if (c.tokenization_key.empty()) {
        out.lines << "  tokenization key: $TXSCREEN_TOKEN_KEY, else the built-in demo key\n";
        out.warnings.push_back("tokenization.key not set: the demo key is not for real card data");
    } else {
        out.lines << "  tokenization key: " << mask_secret(c.tokenization_key) << "\n";
    }
}

std::vector<dp_feed_config> txgen_default_feeds() {
    std::vector<dp_feed_config> feeds;
    // Each payload/framing pair on its own port, MoldUDP64 feeds with a B line at
    // port + 100.
    auto add = [&](const char* name, payload_format f, framing fr) {
        dp_feed_config d;
        d.name = name;
        d.format = f;
        d.frame = fr;
        d.udp_port = default_feed_port(f, fr);
        if (fr == framing::moldudp64) d.udp_port_b = static_cast<uint16_t>(d.udp_port + default_b_line_offset);
        feeds.push_back(std::move(d));
    };
    add("iso8583-mold", payload_format::iso8583, framing::moldudp64);
    add("iso8583-raw", payload_format::iso8583, framing::raw);
    add("json-mold", payload_format::json, framing::moldudp64);
    add("json-raw", payload_format::json, framing::raw);
    return feeds;
}

}  // namespace txscreen
