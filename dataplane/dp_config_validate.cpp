// dp_config's validator, in three passes: every field against its own range, the
// layout as a whole (checks that skip entries already wrong: they would only repeat
// that problem), then the captures the vdevs read.
#include <arpa/inet.h>

#include <cctype>
#include <climits>
#include <exception>
#include <map>
#include <set>

#include "common/pan_token.h"
#include "config/config_errors.h"
#include "dataplane/dp_config.h"
#include "dataplane/dp_config_ranges.h"

namespace txscreen {

namespace {

std::string port_key(std::size_t i) { return "port[" + std::to_string(i) + "]"; }
std::string feed_key(std::size_t i) { return "feed[" + std::to_string(i) + "]"; }

// "0000:03:00.0" or "03:00.0" (the forms dpdk-devbind.py prints).
bool is_pci_address(std::string_view s) {
    auto hex_run = [&](std::size_t& i, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k, ++i)
            if (i >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
        return true;
    };
    std::size_t i = 0;
    if (s.size() == 12) {
        if (!hex_run(i, 4) || s[i++] != ':') return false;
    } else if (s.size() != 7) {
        return false;
    }
    return hex_run(i, 2) && s[i++] == ':' && hex_run(i, 2) && s[i++] == '.' && i + 1 == s.size() &&
           s[i] >= '0' && s[i] <= '7';
}

// The vdev's name (up to the first comma) and the value of `arg=` in its arguments.
std::string vdev_name(const std::string& device) { return device.substr(0, device.find(',')); }
std::string vdev_arg(const std::string& device, std::string_view arg) {
    std::size_t pos = 0;
    while ((pos = device.find(',', pos)) != std::string::npos) {
        ++pos;
        if (device.compare(pos, arg.size(), arg) == 0 && pos + arg.size() < device.size() &&
            device[pos + arg.size()] == '=') {
            std::size_t start = pos + arg.size() + 1;
            return device.substr(start, device.find(',', start) - start);
        }
    }
    return {};
}

// ---- pass 1: fields
void validate_eal(const dp_config& c, config_errors& e) {
    for (std::size_t i = 0; i < c.eal_args.size(); ++i) {
        const std::string& a = c.eal_args[i];
        if (a.rfind("--vdev", 0) == 0)
            e.fail("eal.args[" + std::to_string(i) + "]", "\"" + a + "\": devices belong in a [[port]] (device = \"net_...\")");
        else if (a == "--no-huge" && c.hugepages == hugepage_mode::on)
            e.fail("eal.hugepages", "\"on\" contradicts \"--no-huge\" in eal.args (use hugepages = \"off\")");
    }
}

void validate_port_fields(const dp_config& c, config_errors& e) {
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const auto& p = c.ports[i];
        const std::string k = port_key(i);
        check_not_empty(e, k + ".name", p.name, "a name for logs and metrics, e.g. \"nic0\"");
        if (p.device.empty())
            e.fail(k + ".device", "missing: a DPDK vdev (\"net_pcap0,rx_pcap=FILE\") or a PCI address (\"0000:03:00.0\")");
        else if (p.device.rfind("net_", 0) != 0 && !is_pci_address(p.device))
            e.fail(k + ".device", "\"" + p.device + "\" is neither a DPDK vdev (net_...) nor a PCI address (0000:03:00.0)");
        check_int(e, k + ".rx_queues", p.rx_queues, dp_ranges::rx_queues);
        check_int(e, k + ".rx_desc", p.rx_desc, dp_ranges::rx_desc);
    }
}

void validate_tcp_feed(const dp_feed_config& f, const std::string& k, config_errors& e) {
    if (f.tcp_port == 0) e.fail(k + ".port", "missing: the TCP port of the feed's server side (1..65535)");
    if (f.format != payload_format::iso8583)
        e.fail(k + ".payload", "transport = \"tcp\" carries ISO 8583 behind a length header: payload must be \"iso8583\"");
    check_int(e, k + ".header_bytes", f.tcp.header_bytes, dp_ranges::header_bytes);
    check_int(e, k + ".max_message", f.tcp.max_message, dp_ranges::max_message);
    if (const char* why = f.tcp.invalid_reason()) e.fail(k + ".max_message", why);
    uint8_t addr[16];
    if (!f.server.empty() && inet_pton(AF_INET, f.server.c_str(), addr) != 1 &&
        inet_pton(AF_INET6, f.server.c_str(), addr) != 1)
        e.fail(k + ".server", "\"" + f.server + "\" is not an IPv4 or IPv6 address");
}

void validate_feed_fields(const dp_config& c, config_errors& e) {
    for (std::size_t i = 0; i < c.feeds.size(); ++i) {
        const auto& f = c.feeds[i];
        const std::string k = feed_key(i);
        check_not_empty(e, k + ".name", f.name, "a name such as \"iso8583-mold\"");
        check_int(e, k + ".vlan", f.vlan, dp_ranges::vlan);
        if (f.transport == feed_transport::tcp)
            validate_tcp_feed(f, k, e);
        else if (f.udp_port == 0)
            e.fail(k + ".port", "missing: the feed's UDP destination port (1..65535)");
        if (f.json_fields) validate(*f.json_fields, k + ".json_map", e);
    }
}

void validate_tcp(const dp_config& c, config_errors& e) {
    check_int(e, "tcp.flows", c.tcp.flows, dp_ranges::flows);
    check_int(e, "tcp.flow_buffer", c.tcp.flow_buffer, dp_ranges::flow_buffer);
    check_int(e, "tcp.memcap", static_cast<int64_t>(c.tcp.memcap), dp_ranges::memcap);
    check_int(e, "tcp.idle_timeout", c.tcp.idle_timeout_ms, dp_ranges::idle_timeout_ms);
    check_int(e, "tcp.pending", c.tcp.pending, dp_ranges::pending);
    check_int(e, "tcp.response_timeout", c.tcp.response_timeout_ms, dp_ranges::response_timeout_ms);
}

void validate_sizes(const dp_config& c, config_errors& e) {
    check_int(e, "lcores.rx", c.rx_lcores, dp_ranges::rx_lcores);
    check_int(e, "lcores.workers", c.workers, dp_ranges::workers);
    check_int(e, "dataplane.burst", c.burst, dp_ranges::burst);
    check_pow2(e, "dataplane.txn_ring_size", c.txn_ring_size, dp_ranges::ring);
    check_pow2(e, "dataplane.verdict_ring_size", c.verdict_ring_size, dp_ranges::ring);
    check_int(e, "dataplane.mbufs_per_queue", c.mbufs_per_queue, dp_ranges::mbufs);
}

void validate_tokenization(const dp_config& c, config_errors& e) {
    if (c.tokenization_key.empty()) return;
    try {
        (void)pan_tokenizer::from_config(c.tokenization_key, c.tokenizer);
    } catch (const std::exception& ex) {
        // pan_tokenizer names the key in its own words; this line already does.
        std::string why = ex.what();
        for (std::string_view lead : {"tokenization key: ", "tokenization key "})
            if (why.rfind(lead, 0) == 0) {
                why.erase(0, lead.size());
                break;
            }
        // The size rule is the tokenizer's own and its message says it; other problems
        // (not hex, an unset variable) get the syntax.
        const bool names_size = why.find("bytes") != std::string::npos;
        e.fail("tokenization.key", names_size ? why : why + " (hex: 32 digits for aes-cmac, 32 or more for hmac-sha256; or \"env:NAME\")");
    }
}

// ---- pass 2: the layout
void check_port_names(const dp_config& c, config_errors& e) {
    std::map<std::string, std::size_t> names, devices;
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const auto& p = c.ports[i];
        const std::string k = port_key(i);
        auto [named, fresh_name] = names.emplace(p.name, i);
        if (!e.clean(k)) continue;
        if (!fresh_name)
            e.fail(k + ".name", "\"" + p.name + "\" is already port[" + std::to_string(named->second) + "]'s name");
        const std::string dev = p.device.rfind("net_", 0) == 0 ? vdev_name(p.device) : p.device;
        if (auto [it, fresh] = devices.emplace(dev, i); !fresh)
            e.fail(k + ".device", "\"" + dev + "\" is already port[" + std::to_string(it->second) + "]'s device");
    }
}

// What the feeds' checks learn about the ports and lcores.
struct feed_layout {
    bool any_port_feed = false;          // some feed may arrive on any port
    std::set<std::string> referenced;    // port names some receive_on lists
    std::size_t ab_feed = SIZE_MAX;      // the first feed with a B line
};

void check_udp_ports(const dp_config& c, std::size_t i, config_errors& e,
                     std::map<uint16_t, std::pair<std::size_t, const char*>>& owner) {
    const auto& f = c.feeds[i];
    const std::string k = feed_key(i);
    for (auto [port, key] : {std::pair<uint16_t, const char*>{f.udp_port, "port"}, {f.udp_port_b, "port_b"}}) {
        if (port == 0) continue;
        auto [it, fresh] = owner.emplace(port, std::pair<std::size_t, const char*>{i, key});
        if (fresh) continue;
        const auto& [other, other_key] = it->second;
        if (other == i)
            e.fail(k + "." + key, "UDP port " + std::to_string(port) +
                                      " is also this feed's port; the B line needs its own port");
        else
            e.fail(k + "." + key, "UDP port " + std::to_string(port) + " is already feed[" + std::to_string(other) + "] (" +
                                      c.feeds[other].name + ")'s " + other_key + "; two feeds cannot share a UDP port");
    }
}

void check_receive_on(const dp_config& c, std::size_t i, config_errors& e, feed_layout& layout) {
    const auto& names = c.feeds[i].receive_on;
    for (std::size_t j = 0; j < names.size(); ++j) {
        bool known = false;
        for (const auto& p : c.ports) known |= p.name == names[j];
        if (known) {
            layout.referenced.insert(names[j]);
            continue;
        }
        std::string what = "\"" + names[j] + "\" is not the name of any [[port]]";
        if (c.ports.empty()) what += " (no [[port]] is configured)";
        e.fail(feed_key(i) + ".receive_on[" + std::to_string(j) + "]", what);
        layout.any_port_feed = true;
    }
}

feed_layout check_feeds(const dp_config& c, config_errors& e) {
    feed_layout layout;
    std::map<std::string, std::size_t> names;
    std::map<uint16_t, std::pair<std::size_t, const char*>> udp_owner;  // port -> (feed, "port"/"port_b")
    std::map<uint16_t, std::size_t> tcp_owner;                           // server port -> feed
    for (std::size_t i = 0; i < c.feeds.size(); ++i) {
        const auto& f = c.feeds[i];
        const std::string k = feed_key(i);
        // A feed that is already wrong (or lists no ports) might receive on any port:
        // do not blame a port for it.
        if (f.receive_on.empty() || !e.clean(k)) layout.any_port_feed = true;
        if (!e.clean(k)) continue;
        if (auto [it, fresh] = names.emplace(f.name, i); !fresh)
            e.fail(k + ".name", "\"" + f.name + "\" is already feed[" + std::to_string(it->second) + "]'s name");
        if (f.transport == feed_transport::tcp) {
            if (auto [it, fresh] = tcp_owner.emplace(f.tcp_port, i); !fresh)
                e.fail(k + ".port", "TCP port " + std::to_string(f.tcp_port) + " is already feed[" +
                                        std::to_string(it->second) + "] (" + c.feeds[it->second].name +
                                        ")'s; two TCP feeds cannot share a server port");
        } else {
            check_udp_ports(c, i, e, udp_owner);
        }
        if (f.udp_port_b && f.frame != framing::moldudp64)
            e.fail(k + ".port_b", "A/B arbitration needs sequence numbers: framing must be \"moldudp64\"");
        else if (f.udp_port_b && layout.ab_feed == SIZE_MAX)
            layout.ab_feed = i;
        check_receive_on(c, i, e, layout);
    }
    if (c.feeds.empty()) e.fail("feed", "missing: at least one [[feed]] (name, port, framing, payload)");
    // Every port must receive some feed, or its queues are polled for nothing.
    if (!layout.any_port_feed)
        for (std::size_t i = 0; i < c.ports.size(); ++i)
            if (e.clean(port_key(i)) && !layout.referenced.count(c.ports[i].name))
                e.fail(port_key(i), "port \"" + c.ports[i].name + "\" receives no feed (no [[feed]] lists it in receive_on)");
    return layout;
}

void check_lcores(const dp_config& c, const feed_layout& layout, config_errors& e) {
    const unsigned rx = c.rx_lcores, workers = c.workers;
    if (!e.clean("lcores")) return;
    if (rx == 0 && workers > 1) {
        e.fail("lcores.rx", "0 (run to completion) works with exactly 1 worker; set rx >= 1 for " +
                                std::to_string(workers) + " workers");
    } else if (layout.ab_feed != SIZE_MAX && rx > 1) {
        e.fail("lcores.rx", "must be 0 or 1 while feed[" + std::to_string(layout.ab_feed) + "] (" +
                                c.feeds[layout.ab_feed].name +
                                ") has a B line (port_b): one sequencer must see both lines, got " + std::to_string(rx));
    } else if (rx + workers > dp_ranges::max_total_lcores) {
        e.fail("lcores.workers", "rx + workers must be at most " + std::to_string(dp_ranges::max_total_lcores) +
                                     ", got " + std::to_string(rx + workers));
    } else if (!c.ports.empty()) {
        unsigned queues = 0;
        for (const auto& p : c.ports) queues += p.rx_queues;
        if (rx > queues)
            e.fail("lcores.rx", std::to_string(rx) + " rx lcores but the ports have " + std::to_string(queues) +
                                    " rx queue(s) in all: each rx lcore needs at least one queue (raise "
                                    "port.rx_queues or lower lcores.rx)");
    }
}

// ---- pass 3: files
void check_captures(const dp_config& c, config_errors& e) {
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const auto& d = c.ports[i].device;
        if (d.rfind("net_pcap", 0) != 0) continue;
        if (std::string f = vdev_arg(d, "rx_pcap"); !f.empty()) check_file(e, port_key(i) + ".device", f);
    }
}

}  // namespace

void validate(const dp_config& c, config_errors& e) {
    validate_eal(c, e);
    validate_port_fields(c, e);
    validate_feed_fields(c, e);
    validate_sizes(c, e);
    validate_tcp(c, e);
    validate_tokenization(c, e);
    check_port_names(c, e);
    check_lcores(c, check_feeds(c, e), e);
    check_captures(c, e);
}

std::string validate(const dp_config& c) {
    config_errors e;
    if (c.ports.empty()) e.fail("port", "missing: at least one port");
    if (c.tokenization_key.empty()) e.fail("tokenization.key", "missing: the key (hex: 32 digits for aes-cmac, 32 or more for hmac-sha256)");
    validate(c, e);
    return e.first();
}

}  // namespace txscreen
