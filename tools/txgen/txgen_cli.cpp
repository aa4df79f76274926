#include "tools/txgen/txgen_cli.h"

#include <algorithm>
#include <limits>

#include "codec/feed_defaults.h"
#include "codec/iso8583.h"
#include "tools/cli_app.h"
#include "tools/txgen/time_text.h"

namespace txscreen::txgen {

namespace {

const char* const description = R"(txgen: synthetic payment-card transaction feeds for txscreen

  txgen --out FILE.pcap [options]            write a capture file (+ labels CSV)
  txgen --udp HOST:PORT [--rate N] [options] send the feed live over UDP
  txgen --from-jsonl FILE --out FILE.pcap    replay JSON lines as a feed)";

const char* const footer = R"(Exit status: 0 success, 1 run-time error (file, network, bad --from-jsonl line),
2 invalid arguments. See docs/feeds.md.)";

// What parsing leaves for the checks that need several options.
struct parse_state {
    bool no_labels = false, labels_given = false, dialect_given = false;
    std::string format = "iso8583", framing_name = "moldudp64";
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
        if (!parse_scenario(name, s) || s == scenario::normal)
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

void add_population_options(CLI::App& app, generator_config& gen) {
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
}

void add_feed_options(CLI::App& app, txgen_options& o, parse_state& p) {
    const char* group = "Feed";
    feed_options& feed = o.feed;
    app.add_option("--format", p.format, "payload format")
        ->type_name("F")->check(CLI::IsMember({"iso8583", "json"}))->capture_default_str()->group(group);
    app.add_option_function<std::string>(
           "--dialect",
           [&feed, &p](const std::string& v) {
               if (!parse_iso_dialect(v, feed.dialect))
                   throw CLI::ValidationError("--dialect", "must be binary, hex or bcd, got '" + v + "'");
               p.dialect_given = true;
           },
           "ISO 8583 dialect: binary | hex | bcd (default binary)")
        ->type_name("D")->group(group);
    app.add_option("--framing", p.framing_name, "datagram framing")
        ->type_name("F")->check(CLI::IsMember({"moldudp64", "raw"}))->capture_default_str()->group(group);
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
    app.add_option("--out", o.out_path, "pcap file (classic libpcap format, Ethernet/IPv4/UDP)")
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
               name[2] == 's' ? "source IPv4 in the pcap (default 10.0.0.1)"
                              : "destination IPv4 in the pcap (default 239.10.0.1)")
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

void build(CLI::App& app, txgen_options& o, parse_state& p) {
    app.name("txgen");
    cli::use_help_layout(app);
    app.description(description);
    app.footer(footer);
    app.add_flag("--version", o.version, "print \"txgen VERSION\" and exit");
    add_population_options(app, o.gen);
    add_feed_options(app, o, p);
    add_output_options(app, o, p);
}

// The checks that need several options; an empty string when the whole line is valid.
std::string finish(txgen_options& o, const parse_state& p) {
    o.feed.format = p.format == "json" ? payload_format::json : payload_format::iso8583;
    o.feed.frame = p.framing_name == "raw" ? framing::raw : framing::moldudp64;
    if (p.dialect_given && o.feed.format != payload_format::iso8583) return "--dialect applies to --format iso8583 only";
    if (o.out_path.empty() == o.udp_host.empty()) return "give exactly one of --out FILE and --udp HOST:PORT";
    if (o.rate > 0 && o.udp_host.empty()) return "--rate applies to --udp only";
    if (o.port && !o.udp_host.empty()) return "--port applies to pcap output; --udp names its own port";
    if (p.no_labels) o.labels_path.clear();
    else if (!p.labels_given && !o.out_path.empty()) o.labels_path = o.out_path + ".labels.csv";
    if (std::string e = validate(o.feed); !e.empty()) return e;
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
    return finish(o, p);
}

std::string usage() {
    txgen_options o;
    parse_state p;
    CLI::App app;
    build(app, o, p);
    return app.help();
}

}  // namespace txscreen::txgen
