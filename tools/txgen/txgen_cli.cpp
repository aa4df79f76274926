#include "tools/txgen/txgen_cli.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "codec/feed_defaults.h"
#include "tools/cli_app.h"
#include "flow/tcp_framing.h"
#include "tools/txgen/break_option.h"
#include "tools/txgen/spike_option.h"
#include "tools/txgen/time_text.h"

namespace txscreen::txgen {

namespace {

const char* const description = R"(txgen: synthetic payment-card transaction feeds for txscreen

  txgen --out FILE.pcap [options]            write a capture file (+ labels CSV)
  txgen --udp HOST:PORT [--rate N] [options] send the feed live over UDP
  txgen --from-jsonl FILE --out FILE.pcap    replay JSON lines as a feed
  txgen --transport tcp --out FILE.pcap      ISO 8583 over TCP: requests and responses)";

const char* const footer = R"(Exit status: 0 success, 1 run-time error (file, network, bad --from-jsonl line),
2 invalid arguments. See docs/feeds.md.)";

// What parsing leaves for the checks that need several options.
struct parse_state {
    bool no_labels = false, labels_given = false, dialect_given = false, framing_given = false;
    std::string format = "iso8583", framing_name = "moldudp64", transport_name = "udp";
    std::vector<std::string> udp_only, tcp_only;  // option names given on the line
    std::vector<std::string> spikes;              // --spike values, in order
    std::vector<std::string> breaks;              // --break values, in order
};

// A check after the range check (which refuses what is not a number): `what` says
// what the value must be, for the open ends of (0, 1e7] and [0, 1).
CLI::Validator number_is(bool (*ok)(double), const std::string& what) {
    return CLI::Validator(
        [ok, what](std::string& v) { return ok(std::stod(v)) ? std::string() : "must be " + what + ", got " + v; }, "");
}

void set_scenarios(generator_config& gen, const std::string& list) {
    gen.enabled.fill(false);
    for (std::size_t pos = 0; pos <= list.size();) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        const std::string name = list.substr(pos, comma - pos);
        scenario s;
        if (!parse_scenario(name, s) || !is_fraud_scenario(s))
            throw CLI::ValidationError("--scenarios", "unknown scenario '" + name + "' (see --help)");
        gen.enabled[static_cast<std::size_t>(s)] = true;
        pos = comma + 1;
    }
}

void set_udp(txgen_options& o, const std::string& v) {
    const std::size_t colon = v.rfind(':');
    const std::string port = colon == std::string::npos ? "" : v.substr(colon + 1);
    const unsigned max_port = 65535 - default_b_line_offset;
    if (colon == 0 || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(port) == 0 || std::stoul(port) > max_port)
        throw CLI::ValidationError("--udp", "must be HOST:PORT with a port in [1, " + std::to_string(max_port) +
                                                "], got '" + v + "'");
    o.udp_host = v.substr(0, colon);
    if (o.udp_host.size() > 2 && o.udp_host.front() == '[' && o.udp_host.back() == ']')
        o.udp_host = o.udp_host.substr(1, o.udp_host.size() - 2);
    o.udp_port = static_cast<uint16_t>(std::stoul(port));
}

void add_population_options(CLI::App& app, generator_config& gen, parse_state& p) {
    const char* group = "Population and traffic (ignored with --from-jsonl)";
    app.add_option("--count", gen.count, "transactions to generate, 1..10000000000, k/M/G suffixes allowed")
        ->type_name("N")->transform(cli::whole_number(true))
        ->check(cli::in_range(uint64_t{1}, uint64_t{10'000'000'000}))->capture_default_str()->group(group);
    app.add_option("--seed", gen.seed, "PRNG seed; the same seed gives the same feed")
        ->type_name("S")->transform(cli::whole_number(true))->capture_default_str()->group(group);
    app.add_option_function<std::string>(
           "--start",
           [&gen](const std::string& v) {
               if (!parse_rfc3339_ms(v, gen.start_ms) || gen.start_ms < 0)
                   throw CLI::ValidationError("--start", "must be an RFC 3339 time such as 2026-11-01T00:00:00Z, got '" +
                                                             v + "'");
           },
           "event time of the first transaction, RFC 3339 (default 2026-11-01T00:00:00Z)")
        ->type_name("TIME")->group(group);
    app.add_option("--event-rate", gen.event_rate,
                   "mean transactions per second of event time, (0, 10000000]; a diurnal "
                   "curve (peak 16:00 UTC, trough 04:00 UTC) modulates it")
        ->type_name("R")->check(cli::in_range(0.0, 1e7))
        ->check(number_is([](double r) { return r > 0; }, "above 0"))
        ->capture_default_str()->group(group);
    app.add_option("--cards", gen.cards, "cards in the population, 1..50000000 (default count/5 within "
                                         "[1000, 200000])")
        ->type_name("N")->transform(cli::whole_number(true))->check(cli::in_range(1u, 50'000'000u))->group(group);
    app.add_option("--merchants", gen.merchants, "card-present merchants, 1..50000000 (default cards/10 within "
                                                 "[500, 20000])")
        ->type_name("N")->transform(cli::whole_number(true))->check(cli::in_range(1u, 50'000'000u))->group(group);
    app.add_option("--fraud-rate", gen.fraud_rate, "fraction of transactions that belong to fraud scenarios, 0..0.5")
        ->type_name("F")->check(cli::in_range(0.0, 0.5))->capture_default_str()->group(group);
    app.add_flag("--local-currencies", gen.local_currencies,
                 "merchants bill in their country's currency (EUR, GBP, JPY, CAD, AUD, "
                 "CHF, BRL, INR, MXN; fixed synthetic rates) instead of USD")
        ->group(group);
    app.add_option_function<std::string>(
           "--scenarios", [&gen](const std::string& v) { set_scenarios(gen, v); },
           "comma-separated scenario types to inject (default all): card_testing, "
           "impossible_travel, amount_velocity, account_takeover, blocklisted_merchant, "
           "high_amount, duplicate")
        ->type_name("LIST")->group(group);
    app.add_option("--spike", p.spikes,
                   "inject a traffic spike: KEY=VALUE (mcc=7995, merchant=ID or country=CC), at=DURATION after "
                   "--start, x=FACTOR (>= 1: the key's traffic runs at x times its normal rate), optional "
                   "for=DURATION (default 1m); durations: 500ms, 90s, 10m, 1h. Extra transactions on top of "
                   "--count, labelled \"spike\" (id P000001 for the first --spike), about half of them "
                   "card-testing bursts so the key's alert rate rises too. Repeatable")
        ->type_name("SPEC")->allow_extra_args(false)
        ->check(CLI::Validator(
            [](std::string& v) {
                spike_spec spec;
                return parse_spike_spec(v, spec);
            },
            ""))
        ->group(group);
    app.add_option("--break", p.breaks,
                   "write one field wrong for a stretch of event time, to test data-quality checks: FIELD=VALUE "
                   "(amount=MINOR_UNITS, currency=CODE or currency= for none, mcc=0-9999, merchant=ID or "
                   "merchant= for none), optional from=DURATION after --start (default 0s) and for=DURATION "
                   "(default: to the end). Only that field changes; labels stay right. Repeatable")
        ->type_name("SPEC")->allow_extra_args(false)
        ->check(CLI::Validator(
            [](std::string& v) {
                break_spec spec;
                return parse_break_spec(v, spec);
            },
            ""))
        ->group(group);
}

void add_feed_options(CLI::App& app, txgen_options& o, parse_state& p) {
    const char* group = "Feed";
    feed_options& feed = o.feed;
    app.add_option("--format", p.format, "payload format")
        ->type_name("F")->check(CLI::IsMember({"iso8583", "json"}))->capture_default_str()->group(group);
    app.add_option_function<std::string>(
           "--dialect", [&feed, &p](const std::string& v) { feed.dialect = v, p.dialect_given = true; },
           "ISO 8583 dialect: a built-in name (binary, hex, bcd, ebcdic, iso93-ascii) or a dialect file "
           "(.toml, or .xml in jPOS GenericPackager form), written with the default map of its standard "
           "(default binary)")
        ->type_name("NAME|FILE")->group(group);
    app.add_option_function<std::string>(
           "--framing", [&p](const std::string& v) { p.framing_name = v, p.framing_given = true; },
           "framing: UDP datagrams moldudp64 | raw (default moldudp64); TCP streams len2be | len2le | "
           "len4ascii (default len2be)")
        ->type_name("F")->check(CLI::IsMember({"moldudp64", "raw", "len2be", "len2le", "len4ascii"}))->group(group);
    app.add_option("--session", feed.session, "MoldUDP64 session, 1-10 characters")
        ->type_name("NAME")->capture_default_str()->group(group);
    app.add_option("--first-seq", feed.first_seq, "MoldUDP64 sequence number of the first message, >= 1")
        ->type_name("N")->transform(cli::whole_number(true))
        ->check(cli::in_range(uint64_t{1}, std::numeric_limits<uint64_t>::max()))->capture_default_str()->group(group);
    app.add_option("--per-datagram", feed.per_datagram, "messages per datagram, 1..1000")
        ->type_name("K")->transform(cli::whole_number())->check(cli::in_range(1u, 1000u))->capture_default_str()
        ->group(group);
    app.add_option("--mtu", feed.mtu, "IP MTU bounding each datagram, 576..9000")
        ->type_name("M")->transform(cli::whole_number())->check(cli::in_range(576u, 9000u))->capture_default_str()
        ->group(group);
    app.add_option("--heartbeat-ms", feed.heartbeat_ms, "MoldUDP64 heartbeat after MS of idle event time (0 = off)")
        ->type_name("MS")->transform(cli::whole_number())->capture_default_str()->group(group);
    app.add_flag("--end-of-session", feed.end_of_session, "finish with a MoldUDP64 end-of-session datagram")
        ->group(group);
    app.add_option("--port", o.port, "UDP destination port, 1..65435 (default: iso8583/moldudp64 7001, "
                                     "iso8583/raw 7002, json/moldudp64 7003, json/raw 7004)")
        ->type_name("P")->transform(cli::whole_number())
        ->check(cli::in_range(1, 65535 - static_cast<int>(default_b_line_offset)))->group(group);
    app.add_option("--ab-drop-rate", o.ab_drop_rate,
                   "also write the B line (port + 100, same datagrams and sequence numbers); "
                   "each line drops each datagram with probability P, independently "
                   "(0 <= P < 1; default: A line only)")
        ->type_name("P")->check(cli::in_range(0.0, 1.0))
        ->check(number_is([](double p) { return p < 1; }, "below 1 (a line dropping every datagram carries nothing)"))->group(group);
}

void add_output_options(CLI::App& app, txgen_options& o, parse_state& p) {
    const char* group = "Output";
    app.add_option("--out", o.out_path, "pcap file (classic libpcap format; Ethernet/IPv4/UDP, or TCP with --transport tcp)")
        ->type_name("FILE")->group(group);
    app.add_option_function<std::string>(
           "--labels", [&o, &p](const std::string& v) { o.labels_path = v, p.labels_given = true; },
           "labels CSV \"txn_id,label,scenario_id\", one row per transaction (default "
           "FILE.labels.csv next to --out; none with --udp)")
        ->type_name("FILE")->group(group);
    app.add_flag("--no-labels", p.no_labels, "do not write a labels CSV")->group(group);
    for (const char* name : {"--src-ip", "--dst-ip"}) {
        uint32_t& ip = name[2] == 's' ? o.ends.src_ip : o.ends.dst_ip;
        app.add_option_function<std::string>(
               name,
               [&ip, name](const std::string& v) {
                   if (!parse_ipv4(v, ip)) throw CLI::ValidationError(name, "must be an IPv4 address, got '" + v + "'");
               },
               name[2] == 's' ? "source (TCP: client) IPv4 in the pcap (default 10.0.0.1)"
                              : "destination (TCP: server) IPv4 in the pcap (default 239.10.0.1, TCP 10.0.0.2)")
            ->type_name("A")->group(group);
    }
    app.add_option_function<std::string>(
           "--udp", [&o](const std::string& v) { set_udp(o, v); }, "send live UDP to HOST:PORT instead of writing a pcap")
        ->type_name("HOST:PORT")->group(group);
    app.add_option("--rate", o.rate, "live mode: pace to N messages per second, 0..1000000000 (0 = unpaced)")
        ->type_name("N")->check(cli::in_range(0.0, 1e9))->capture_default_str()
        ->group(group);
    app.add_option("--from-jsonl", o.from_jsonl, "read transactions from JSON lines (docs/feeds.md keys; \"-\" = stdin)")
        ->type_name("FILE")->group(group);
    app.add_flag("-q,--quiet", o.quiet, "no progress or summary on stderr")->group(group);
}

// "A-B" milliseconds, A <= B.
void set_response_ms(issuer_config& issuer, const std::string& v) {
    const std::size_t dash = v.find('-');
    const std::string lo = v.substr(0, dash), hi = dash == std::string::npos ? lo : v.substr(dash + 1);
    auto number = [](const std::string& s) {
        return !s.empty() && s.size() <= 7 && s.find_first_not_of("0123456789") == std::string::npos;
    };
    if (!number(lo) || !number(hi) || std::stol(lo) > std::stol(hi))
        throw CLI::ValidationError("--response-ms", "must be MIN-MAX milliseconds with MIN <= MAX, got '" + v + "'");
    issuer.response_us_min = std::stol(lo) * 1000;
    issuer.response_us_max = std::stol(hi) * 1000;
}

void add_tcp_options(CLI::App& app, txgen_options& o, parse_state& p) {
    const char* group = "TCP conversations (--transport tcp; docs/feeds.md)";
    tcp_options& tcp = o.tcp;
    app.add_option("--transport", p.transport_name,
                   "udp: datagram feed; tcp: ISO 8583 requests and issuer responses on TCP connections")
        ->type_name("T")->check(CLI::IsMember({"udp", "tcp"}))->capture_default_str()->group(group);
    auto rate = [&](const char* name, double& v, const char* what) {
        app.add_option(name, v, what)->type_name("R")->check(cli::in_range(0.0, 1.0))->capture_default_str()->group(group);
    };
    app.add_option("--tcp-port", tcp.ends.server_port, "the issuer's (server's) TCP port, 1..65535")
        ->type_name("P")->transform(cli::whole_number())->check(cli::in_range(1, 65535))->capture_default_str()
        ->group(group);
    app.add_option("--connections", tcp.connections, "TCP connections, 1..20000; each request picks one at random")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(1u, 20000u))->capture_default_str()
        ->group(group);
    app.add_option("--header-bytes", tcp.header_bytes,
                   "network header (TPDU) bytes after the length prefix, counted by it, 0..64")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(0u, 64u))->capture_default_str()
        ->group(group);
    app.add_option("--mss", tcp.mss, "TCP maximum segment size, 64..9000 (default 1460, IPv6 1440)")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(64u, 9000u))->group(group);
    app.add_option_function<double>(
           "--coalesce-ms", [&tcp](double ms) { tcp.coalesce_us = static_cast<int64_t>(ms * 1000 + 0.5); },
           "a direction's bytes wait at most MS to fill an MSS segment (0 = each message is sent at once; "
           "default 10)")
        ->type_name("MS")->check(cli::in_range(0.0, 60000.0))->group(group);
    rate("--decline-rate", tcp.issuer.decline_rate, "share of requests the issuer declines (card testing: at least 0.7)");
    rate("--no-response-rate", tcp.issuer.no_response_rate, "share of requests the issuer never answers");
    app.add_option_function<std::string>(
           "--response-ms", [&tcp](const std::string& v) { set_response_ms(tcp.issuer, v); },
           "issuer response time, uniform in MIN-MAX milliseconds (default 20-300)")
        ->type_name("MIN-MAX")->group(group);
    rate("--tcp-loss", tcp.faults.loss, "share of data segments missing from the capture");
    rate("--tcp-reorder", tcp.faults.reorder,
         "share of data segments captured just after a later one of their direction");
    rate("--tcp-retransmit", tcp.faults.retransmit, "share of data segments captured twice");
    app.add_option_function<uint64_t>(
           "--isn",
           [&tcp](uint64_t v) { tcp.isn = static_cast<uint32_t>(v), tcp.isn_given = true; },
           "initial sequence number of every direction (default random; 4294967000 wraps at once)")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(uint64_t{0}, uint64_t{4294967295}))
        ->group(group);
    app.add_flag("--ipv6", tcp.ends.ipv6, "IPv6 (fd00::1 client, fd00::2 server) instead of IPv4")->group(group);
    app.add_option("--vlan", tcp.ends.vlan, "802.1Q VLAN id on every frame, 1..4094")
        ->type_name("ID")->transform(cli::whole_number())->check(cli::in_range(1, 4094))->group(group);
    app.add_option("--tcp-report", tcp.report_path, "write what was sent and lost as JSON to FILE")
        ->type_name("FILE")->group(group);
    p.tcp_only = {"--tcp-port", "--connections", "--header-bytes", "--mss", "--coalesce-ms", "--decline-rate",
                  "--no-response-rate", "--response-ms", "--tcp-loss", "--tcp-reorder", "--tcp-retransmit", "--isn",
                  "--ipv6", "--vlan", "--tcp-report"};
    p.udp_only = {"--session", "--first-seq", "--per-datagram", "--mtu", "--heartbeat-ms", "--end-of-session",
                  "--port", "--ab-drop-rate", "--udp", "--rate"};
}

void build(CLI::App& app, txgen_options& o, parse_state& p) {
    app.name("txgen");
    cli::use_help_layout(app);
    app.description(description);
    app.footer(footer);
    app.add_flag("--version", o.version, "print \"txgen VERSION\" and exit");
    add_population_options(app, o.gen, p);
    add_feed_options(app, o, p);
    add_output_options(app, o, p);
    add_tcp_options(app, o, p);
}

// The first option of `names` given on the line, or an empty string.
std::string first_given(const CLI::App& app, const std::vector<std::string>& names) {
    for (const std::string& n : names)
        if (app.count(n) > 0) return n;
    return {};
}

// The checks of --transport tcp.
std::string finish_tcp(const CLI::App& app, txgen_options& o, const parse_state& p) {
    if (std::string n = first_given(app, p.udp_only); !n.empty()) return n + " applies to --transport udp only";
    if (o.feed.format != payload_format::iso8583) return "--transport tcp carries --format iso8583 only";
    if (o.out_path.empty()) return "--transport tcp needs --out FILE";
    if (p.framing_given && !parse_tcp_framing(p.framing_name, o.tcp.framing))
        return "--framing for --transport tcp is len2be, len2le or len4ascii, got '" + p.framing_name + "'";
    const bool addresses = app.count("--src-ip") + app.count("--dst-ip") > 0;
    if (addresses && o.tcp.ends.ipv6) return "--src-ip and --dst-ip are IPv4 addresses; not with --ipv6";
    if (app.count("--src-ip")) o.tcp.ends.client_ip4 = o.ends.src_ip;
    if (app.count("--dst-ip")) o.tcp.ends.server_ip4 = o.ends.dst_ip;
    return validate(o.tcp);
}

// --spike values into o.gen.spikes, each checked against the feed's event-time span.
std::string finish_spikes(txgen_options& o, const parse_state& p) {
    if (!p.spikes.empty() && !o.from_jsonl.empty()) return "--spike applies to generated feeds, not --from-jsonl";
    for (const std::string& text : p.spikes) {
        spike_spec spec;
        if (std::string e = parse_spike_spec(text, spec); !e.empty()) return "--spike: " + e;
        if (std::string e = check_spike_in_feed(spec, o.gen); !e.empty()) return "--spike " + text + ": " + e;
        o.gen.spikes.push_back(spec);
    }
    return {};
}

// --break values into o.gen.breaks, each checked against the feed's event-time span.
std::string finish_breaks(txgen_options& o, const parse_state& p) {
    if (!p.breaks.empty() && !o.from_jsonl.empty()) return "--break applies to generated feeds, not --from-jsonl";
    for (const std::string& text : p.breaks) {
        break_spec spec;
        if (std::string e = parse_break_spec(text, spec); !e.empty()) return "--break: " + e;
        if (std::string e = check_break_in_feed(spec, o.gen); !e.empty()) return "--break " + text + ": " + e;
        o.gen.breaks.push_back(spec);
    }
    return {};
}

// The checks that need several options; an empty string when the whole line is valid.
std::string finish(const CLI::App& app, txgen_options& o, const parse_state& p) {
    o.feed.format = p.format == "json" ? payload_format::json : payload_format::iso8583;
    o.feed.frame = p.framing_name == "raw" ? framing::raw : framing::moldudp64;
    o.carrier = p.transport_name == "tcp" ? transport::tcp : transport::udp;
    if (p.dialect_given && o.feed.format != payload_format::iso8583) return "--dialect applies to --format iso8583 only";
    if (o.carrier == transport::udp) {
        if (std::string n = first_given(app, p.tcp_only); !n.empty()) return n + " applies to --transport tcp only";
        if (p.framing_name != "moldudp64" && p.framing_name != "raw")
            return "--framing for UDP feeds is moldudp64 or raw, got '" + p.framing_name + "'";
    }
    if (o.out_path.empty() == o.udp_host.empty()) return "give exactly one of --out FILE and --udp HOST:PORT";
    if (o.rate > 0 && o.udp_host.empty()) return "--rate applies to --udp only";
    if (o.port && !o.udp_host.empty()) return "--port applies to pcap output; --udp names its own port";
    if (p.no_labels) o.labels_path.clear();
    else if (!p.labels_given && !o.out_path.empty()) o.labels_path = o.out_path + ".labels.csv";
    if (o.carrier == transport::tcp)
        if (std::string e = finish_tcp(app, o, p); !e.empty()) return e;
    if (std::string e = finish_spikes(o, p); !e.empty()) return e;
    if (std::string e = finish_breaks(o, p); !e.empty()) return e;
    if (std::string e = validate(o.feed); !e.empty()) return e;
    if (o.feed.format == payload_format::iso8583) {
        std::string errors;
        o.feed.wire = load_wire(o.feed.dialect, std::filesystem::current_path(), errors);
        if (!o.feed.wire) return "--dialect " + o.feed.dialect + ":\n" + errors;
    }
    return validate(o.gen);
}

}  // namespace

std::string parse_args(const std::vector<std::string>& args, txgen_options& o) {
    CLI::App app;
    parse_state p;
    build(app, o, p);
    try {
        app.parse(std::vector<std::string>(args.rbegin(), args.rend()));  // CLI11 takes them last first
    } catch (const CLI::CallForHelp&) {
        o.help = true;
        return {};
    } catch (const CLI::ParseError& e) {
        return e.what();
    }
    if (o.version) return {};
    return finish(app, o, p);
}

std::string usage() {
    txgen_options o;
    parse_state p;
    CLI::App app;
    build(app, o, p);
    return app.help();
}

}  // namespace txscreen::txgen
