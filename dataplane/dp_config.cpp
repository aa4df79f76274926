// dp_config: reading the dataplane's sections, its explain() lines and the default
// feeds. Validation: dp_config_validate.cpp. An iso8583 feed's dialect (a built-in name
// or a file relative to the config's folder) and its [feed.map] are loaded and compiled
// here, at read time, so their problems carry the config's lines.
#include "dataplane/dp_config.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "codec/feed_defaults.h"
#include "codec/iso_dialect_detail.h"
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

// ---- The dialect and the map

// Compiled dialects of map-less feeds by resolved name: feeds that name the same one
// share it.
using wire_cache = std::map<std::string, std::shared_ptr<const iso_wire>>;

// The built-ins are compiled once per process (builtin_wire); a feed holds them unowned.
std::shared_ptr<const iso_wire> builtin_handle(std::string_view name) {
    return std::shared_ptr<const iso_wire>(std::shared_ptr<const iso_wire>(), &builtin_wire(name));
}

// The config file's folder (where dialect paths start): toml++ keeps the name the
// document was parsed under.
std::filesystem::path config_dir(const toml_section& s) {
    const auto& path = s.raw().source().path;
    return path ? std::filesystem::path(*path).parent_path() : std::filesystem::path();
}

uint32_t line_of(const toml_section& s, std::string_view name) {
    const toml::node* n = s.raw().get(name);
    return n ? n->source().begin.line : s.raw().source().begin.line;
}

// A dialect file's problems, each with its own file and line, under the feed's key:
// "txscreen.toml:12: feed[0].dialect: dialects/acme.toml:5: fields.48.tag_chars: ...".
void report_dialect_errors(const toml_section& s, config_errors& local) {
    const uint32_t line = line_of(s, "dialect");
    for (const std::string& text : local.take()) {
        const std::size_t cut = text.rfind(": ");
        if (cut == std::string::npos) s.errors().fail_at(line, s.key("dialect"), text);
        else s.errors().fail_at(line, s.key("dialect") + ": " + text.substr(0, cut), text.substr(cut + 2));
    }
}

// compile_wire names its problems "<source>[:<line>]: <key>: <what>". Compiled under a
// marker source, each is filed under the feed: a map problem ("map.ip") at the config's
// key and line; anything else is about the dialect ("fields.61", "layouts[2].sub.DI",
// "message.header") and names the dialect file, and its line where the model has one,
// under the feed's `dialect`. Problems that share a key are joined, so none is lost.
constexpr std::string_view compile_marker = "@";

struct compile_problem {
    uint32_t line = 0;  // the one compile_wire gave: a field's in its file, a map entry's in the config
    std::string key, what;
};

compile_problem parse_compile_problem(std::string_view text) {
    compile_problem p;
    if (text.starts_with(compile_marker)) text.remove_prefix(compile_marker.size());
    if (text.starts_with(':') && !text.starts_with(": "))
        for (text.remove_prefix(1); !text.empty() && text[0] >= '0' && text[0] <= '9'; text.remove_prefix(1))
            p.line = p.line * 10 + static_cast<uint32_t>(text[0] - '0');
    if (text.starts_with(": ")) text.remove_prefix(2);
    const std::size_t colon = text.find(": ");
    if (colon == std::string_view::npos) {
        p.what = std::string(text);
    } else {
        p.key = std::string(text.substr(0, colon));
        p.what = std::string(text.substr(colon + 2));
    }
    return p;
}

// The number after `prefix` in `key` ("fields.61" -> 61), or -1.
long number_after(std::string_view key, std::string_view prefix) {
    if (!key.starts_with(prefix)) return -1;
    key.remove_prefix(prefix.size());
    long n = 0;
    std::size_t i = 0;
    for (; i < key.size() && i < 6 && key[i] >= '0' && key[i] <= '9'; ++i) n = n * 10 + (key[i] - '0');
    return i ? n : -1;
}

// Where the dialect defines what `key` names: a field, or a layout's sub-field (or,
// for the layout itself, the field that has it). Line 0 when the model has none.
iso::source_loc definition_of(const iso::dialect_def& d, std::string_view key) {
    if (const long f = number_after(key, "fields."); f >= 2 && f <= 128)
        return d.fields[static_cast<std::size_t>(f)].where;
    const long l = number_after(key, "layouts[");
    if (l < 0 || static_cast<std::size_t>(l) >= d.layouts.size()) return {};
    const iso::layout_def& layout = d.layouts[static_cast<std::size_t>(l)];
    if (const std::size_t sub = key.find("].sub."); sub != std::string_view::npos)
        for (const auto& [id, def] : layout.subs)
            if (key.substr(sub + 6) == id) return def.where;
    for (const iso::field_def& f : d.fields)
        if (f.defined && f.layout != iso::layout_kind::none && f.layout_index == static_cast<uint32_t>(l)) return f.where;
    return {};
}

// "dialects/acme.toml:14": the file of the definition, else the file the feed names.
std::string dialect_place(const iso::dialect_def& d, const compile_problem& p) {
    const iso::source_loc where = definition_of(d, p.key);
    const bool known = where.line && where.file < d.files.size();
    std::string place = known ? d.files[where.file] : d.files.empty() ? d.name : d.files.back();
    const uint32_t line = known ? where.line : 0;
    if (line) place.append(1, ':').append(std::to_string(line));
    return place;
}

// The config line of a map key ("map.layout.48.bitmap_bytes"): its deepest table or
// value in [feed.map].
uint32_t map_line(const toml_section& s, std::string_view key) {
    const toml::node* n = s.raw().get("map");
    if (!n) return line_of(s, "dialect");
    uint32_t line = n->source().begin.line;
    key.remove_prefix(std::min(key.size(), std::string_view("map.").size()));
    while (!key.empty() && n->is_table()) {
        const std::size_t dot = key.find('.');
        n = n->as_table()->get(key.substr(0, dot));
        if (!n) break;
        line = n->source().begin.line;
        key.remove_prefix(dot == std::string_view::npos ? key.size() : dot + 1);
    }
    return line;
}

void report_compile_errors(const toml_section& s, const iso::dialect_def& d, config_errors& local) {
    struct filed {
        uint32_t line;
        std::string key, what;
    };
    std::vector<filed> problems;
    for (const std::string& text : local.take()) {
        const compile_problem p = parse_compile_problem(text);
        filed f;
        if (p.key.starts_with("map.")) {
            f = {p.line ? p.line : map_line(s, p.key), s.key(p.key), p.what};
        } else {
            std::string key = s.key("dialect") + ": " + dialect_place(d, p);
            if (!p.key.empty()) key += ": " + p.key;
            f = {line_of(s, "dialect"), std::move(key), p.what};
        }
        auto same = std::find_if(problems.begin(), problems.end(), [&](const filed& e) { return e.key == f.key; });
        if (same == problems.end()) problems.push_back(std::move(f));
        else same->what += "; " + f.what;
    }
    for (const filed& f : problems) s.errors().fail_at(f.line, f.key, f.what);
}

// load_dialect -> the default map of its standard -> [feed.map] -> compile_wire.
std::shared_ptr<const iso_wire> compile_feed_wire(const toml_section& s, const std::string& dialect,
                                                  const std::optional<toml_section>& map) {
    iso::dialect_def d;
    config_errors dialect_errors;  // bare: a dialect file names itself
    if (!load_dialect(dialect, config_dir(s), d, dialect_errors)) {
        report_dialect_errors(s, dialect_errors);
        return nullptr;
    }
    const iso::map_def* start = iso::default_map(d.standard);
    iso::map_def m = start ? *start : iso::map_def{};
    if (map && !iso::read_map_toml(map->raw(), "", s.key("map"), m, s.errors())) return nullptr;
    config_errors compile_errors;
    auto wire = compile_wire(d, m, compile_marker, compile_errors);
    report_compile_errors(s, d, compile_errors);
    return wire;
}

void read_dialect(const toml_section& s, dp_feed_config& f, wire_cache& cache) {
    const bool named = s.get_string("dialect", f.dialect);
    if (s.node("map") && f.format == payload_format::json && s.errors().clean(s.key("payload")))
        s.fail("map", "only applies to payload = \"iso8583\" (this feed is json)");
    if (named && f.format == payload_format::json && s.errors().clean(s.key("payload")))
        s.fail("dialect", "only applies to payload = \"iso8583\" (this feed is json)");
    if (f.format != payload_format::iso8583 || !s.errors().clean(s.key("dialect"))) return;
    if (f.dialect.empty()) {
        s.fail("dialect", "expected a built-in name (" + std::string(iso::detail::builtin_dialect_list) +
                              ") or a .toml or .xml file");
        return;
    }
    const std::optional<toml_section> map = s.table("map");
    if (s.raw().get("map") && !map) return;  // not a table: reported
    if (!map && iso::detail::builtin_dialect_text(f.dialect)) {
        f.wire = builtin_handle(f.dialect);
    } else if (auto it = cache.find(f.dialect); !map && it != cache.end()) {
        f.wire = it->second;
    } else {
        f.wire = compile_feed_wire(s, f.dialect, map);
        if (!map && f.wire) cache.emplace(f.dialect, f.wire);
    }
    f.tcp.wire = f.wire.get();
}

dp_feed_config read_feed(const toml_section& s, wire_cache& cache) {
    s.only_keys({"name", "transport", "port", "port_b", "server", "vlan", "framing", "header_bytes", "max_message",
                 "payload", "dialect", "map", "receive_on", "json_map"});
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
    read_dialect(s, f, cache);
    s.get_string_list("receive_on", f.receive_on);
    if (auto m = s.table("json_map")) {
        if (f.format != payload_format::json) {
            s.fail("json_map", "only applies to payload = \"json\"");
        } else if (f.transport == feed_transport::tcp) {
            s.fail("json_map", "only applies to transport = \"udp\"");
        } else {
            auto fields = std::make_shared<json_map>();
            read_json_map(*m, *fields);
            f.json_fields = std::move(fields);
        }
    }
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
    wire_cache cache;
    for (const toml_section& s : tables) c.feeds.push_back(read_feed(s, cache));
}

// "iso8583 (dialect bcd: fast path: bcd/binary bitmap; ...)".
std::string iso_text(const dp_feed_config& f) {
    std::string text = "iso8583 (dialect " + f.dialect;
    if (f.wire) text += ": " + f.wire->summary();
    return text + ")";
}

void explain_feed(const dp_feed_config& f, explanation& out) {
    if (f.transport == feed_transport::tcp) {
        out.lines << "  feed " << f.name << ": tcp server port " << f.tcp_port;
        if (!f.server.empty()) out.lines << " at " << f.server;
        if (f.vlan) out.lines << " vlan " << f.vlan;
        out.lines << ", " << tcp_framing_name(f.tcp.kind);
        if (f.tcp.header_bytes) out.lines << " + " << f.tcp.header_bytes << "-byte header";
        out.lines << ", " << iso_text(f) << ", messages up to " << f.tcp.max_message
                  << " bytes; requests screened, responses paired\n";
        return;
    }
    out.lines << "  feed " << f.name << ": udp " << f.udp_port;
    if (f.udp_port_b) out.lines << " + B line " << f.udp_port_b << " (arbitrated)";
    if (f.vlan) out.lines << " vlan " << f.vlan;
    out.lines << ", " << (f.frame == framing::moldudp64 ? "moldudp64" : "raw") << ", "
              << (f.format == payload_format::iso8583 ? iso_text(f) : std::string("json"));
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
        s->only_keys({"key", "tokenizer"});
        s->get_string("key", c.tokenization_key);
        s->get_enum("tokenizer", c.tokenizer,
                    {{"aes-cmac", token_method::aes_cmac}, {"hmac-sha256", token_method::hmac_sha256}});
        c.tokenizer_set = s->node("tokenizer") != nullptr;
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
    for (const auto& f : c.feeds)  // what an imported jPOS file could not say exactly
        if (f.wire)
            for (const auto& w : f.wire->dialect.warnings)
                out.warnings.push_back("feed " + f.name + ": dialect " + f.dialect + ": " + w);
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
        if (!c.tokenizer_set) out.warnings.push_back(tokenizer_default_warning);
    }
    out.lines << "  tokenizer: " << token_method_name(c.tokenizer) << "\n";
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
        if (f == payload_format::iso8583) d.wire = builtin_handle(d.dialect);
        d.tcp.wire = d.wire.get();
        feeds.push_back(std::move(d));
    };
    add("iso8583-mold", payload_format::iso8583, framing::moldudp64);
    add("iso8583-raw", payload_format::iso8583, framing::raw);
    add("json-mold", payload_format::json, framing::moldudp64);
    add("json-raw", payload_format::json, framing::raw);
    return feeds;
}

std::vector<const json_map*> json_maps_of(const dp_config& c) {
    std::vector<const json_map*> maps;
    for (const dp_feed_config& f : c.feeds) maps.push_back(f.json_fields.get());
    return maps;
}

}  // namespace txscreen
