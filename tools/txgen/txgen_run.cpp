#include "tools/txgen/txgen_run.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "codec/feed_defaults.h"
#include "tools/txgen/jsonl_reader.h"
#include "tools/txgen/time_text.h"

namespace txscreen::txgen {

namespace {

bool parse_u64(const std::string& s, uint64_t& out) {
    // Plain digits, optionally with a k/M/G suffix (1M = 1000000).
    if (s.empty()) return false;
    std::size_t n = s.size();
    uint64_t mult = 1;
    switch (s.back()) {
    case 'k': case 'K': mult = 1000; --n; break;
    case 'm': case 'M': mult = 1000000; --n; break;
    case 'g': case 'G': mult = 1000000000; --n; break;
    default: break;
    }
    if (n == 0 || n > 15) return false;
    uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    out = v * mult;
    return true;
}

bool parse_double(const std::string& s, double& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(out);
}

struct progress_meter {
    std::FILE* f;
    uint64_t total;  // 0 = unknown (--from-jsonl)
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now(), last = t0;

    void tick(uint64_t done) {
        if (!f || (done & 8191) != 0) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::seconds(1)) return;
        last = now;
        const double el = std::chrono::duration<double>(now - t0).count();
        const double rate = static_cast<double>(done) / el;
        if (total)
            std::fprintf(f, "txgen: %llu/%llu txns (%.0f%%), %.0f txns/s, ETA %.0f s\n",
                         static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                         100.0 * static_cast<double>(done) / static_cast<double>(total), rate,
                         static_cast<double>(total - done) / rate);
        else
            std::fprintf(f, "txgen: %llu txns, %.0f txns/s\n", static_cast<unsigned long long>(done), rate);
        std::fflush(f);
    }
};

// Buffered labels CSV writer.
class labels_file {
public:
    explicit labels_file(const std::string& path) : _path(path) {
        if (path.empty()) return;
        _f = std::fopen(path.c_str(), "w");
        if (!_f) throw std::runtime_error("txgen: cannot create labels file " + path + ": " + std::strerror(errno));
        _buf.reserve(1 << 16);
        _buf = "txn_id,label,scenario_id\n";
    }
    ~labels_file() {
        if (_f) std::fclose(_f);
    }
    void row(std::string_view id, std::string_view label, std::string_view scenario_id) {
        if (!_f) return;
        _buf.append(id).append(1, ',').append(label).append(1, ',').append(scenario_id).append(1, '\n');
        if (_buf.size() > (1 << 16) - 256) drain();
    }
    void close() {
        if (!_f) return;
        drain();
        const bool err = std::ferror(_f) != 0;
        const int rc = std::fclose(_f);
        _f = nullptr;
        if (err || rc) throw std::runtime_error("txgen: writing " + _path + " failed: " + std::strerror(errno));
    }

private:
    void drain() {
        std::fwrite(_buf.data(), 1, _buf.size(), _f);
        _buf.clear();
    }
    std::FILE* _f = nullptr;
    std::string _path;
    std::string _buf;
};

std::string digits12(uint64_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "%012llu", static_cast<unsigned long long>(v % 1000000000000ull));
    return b;
}

}  // namespace

std::string usage() {
    return R"(txgen: synthetic payment-card transaction feeds for txscreen

Usage:
  txgen --out FILE.pcap [options]            write a capture file (+ labels CSV)
  txgen --udp HOST:PORT [--rate N] [options] send the feed live over UDP
  txgen --from-jsonl FILE --out FILE.pcap    replay JSON lines as a feed

Population and traffic (ignored with --from-jsonl):
  --count N           transactions to generate, k/M suffixes allowed (default 100000)
  --seed S            PRNG seed; the same seed gives the same feed (default 1)
  --start TIME        event time of the first transaction, RFC 3339
                      (default 2026-11-01T00:00:00Z)
  --event-rate R      mean transactions per second of event time; a diurnal curve
                      (peak 16:00 UTC, trough 04:00 UTC) modulates it (default 20)
  --cards N           cards in the population (default count/5 within [1000, 200000])
  --merchants N       card-present merchants (default cards/10 within [500, 20000])
  --fraud-rate F      fraction of transactions that belong to fraud scenarios,
                      0 to 0.5 (default 0.01)
  --local-currencies  merchants bill in their country's currency (EUR, GBP, JPY, CAD,
                      AUD, CHF, BRL, INR, MXN; fixed synthetic rates) instead of USD
  --scenarios LIST    comma-separated scenario types to inject (default all):
                      card_testing, impossible_travel, amount_velocity,
                      account_takeover, blocklisted_merchant, high_amount, duplicate

Feed:
  --format F          iso8583 | json (default iso8583)
  --dialect D         ISO 8583 dialect: binary | hex | bcd (default binary)
  --framing F         moldudp64 | raw (default moldudp64)
  --session NAME      MoldUDP64 session, 1-10 characters (default TXGEN00001)
  --first-seq N       MoldUDP64 sequence number of the first message (default 1)
  --per-datagram K    messages per datagram, 1-1000 (default 8)
  --mtu M             IP MTU bounding each datagram, 576-9000 (default 1500)
  --heartbeat-ms MS   MoldUDP64 heartbeat after MS of idle event time (default 0 = off)
  --end-of-session    finish with a MoldUDP64 end-of-session datagram
  --port P            UDP destination port (default: iso8583/moldudp64 7001,
                      iso8583/raw 7002, json/moldudp64 7003, json/raw 7004)
  --ab-drop-rate P    also write the B line (port + 100, same datagrams and sequence
                      numbers); each line drops each datagram with probability P,
                      independently (0 <= P < 1; default: A line only)

Output:
  --out FILE          pcap file (classic libpcap format, Ethernet/IPv4/UDP)
  --labels FILE       labels CSV "txn_id,label,scenario_id", one row per transaction
                      (default FILE.labels.csv next to --out; none with --udp)
  --no-labels         do not write a labels CSV
  --src-ip A          source IPv4 in the pcap (default 10.0.0.1)
  --dst-ip A          destination IPv4 in the pcap (default 239.10.0.1)
  --udp HOST:PORT     send live UDP to HOST:PORT instead of writing a pcap
  --rate N            live mode: pace to N messages per second (default 0 = unpaced)
  --from-jsonl FILE   read transactions from JSON lines (docs/feeds.md keys; "-" = stdin)
  --quiet             no progress or summary on stderr
  --help              this text
  --version           print "txgen VERSION" and exit

Exit status: 0 success, 1 run-time error (file, network, bad --from-jsonl line),
2 invalid arguments. See docs/feeds.md.
)";
}

std::string parse_args(const std::vector<std::string>& given, txgen_options& o) {
    // "--opt=value" is "--opt value".
    std::vector<std::string> args;
    for (const std::string& a : given) {
        const std::size_t eq = a.find('=');
        if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
            args.push_back(a.substr(0, eq));
            args.push_back(a.substr(eq + 1));
        } else {
            args.push_back(a);
        }
    }
    bool no_labels = false, labels_given = false, dialect_given = false;
    std::string format = "iso8583", fr = "moldudp64";
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::string& v) -> bool {
            if (i + 1 >= args.size()) return false;
            v = args[++i];
            return true;
        };
        std::string v;
        auto need = [&]() -> std::string { return a + " needs a value"; };
        if (a == "--help" || a == "-h") {
            o.help = true;
        } else if (a == "--version") {
            o.version = true;
        } else if (a == "--quiet" || a == "-q") {
            o.quiet = true;
        } else if (a == "--end-of-session") {
            o.feed.end_of_session = true;
        } else if (a == "--local-currencies") {
            o.gen.local_currencies = true;
        } else if (a == "--no-labels") {
            no_labels = true;
        } else if (a == "--count") {
            if (!value(v)) return need();
            if (!parse_u64(v, o.gen.count) || o.gen.count == 0) return "--count must be a positive integer, got '" + v + "'";
        } else if (a == "--seed") {
            if (!value(v)) return need();
            if (!parse_u64(v, o.gen.seed)) return "--seed must be a non-negative integer, got '" + v + "'";
        } else if (a == "--start") {
            if (!value(v)) return need();
            if (!parse_rfc3339_ms(v, o.gen.start_ms) || o.gen.start_ms < 0)
                return "--start must be an RFC 3339 time such as 2026-11-01T00:00:00Z, got '" + v + "'";
        } else if (a == "--event-rate") {
            if (!value(v)) return need();
            if (!parse_double(v, o.gen.event_rate) || o.gen.event_rate <= 0 || o.gen.event_rate > 1e7)
                return "--event-rate must be a number in (0, 10000000], got '" + v + "'";
        } else if (a == "--cards" || a == "--merchants") {
            if (!value(v)) return need();
            uint64_t n;
            if (!parse_u64(v, n) || n == 0 || n > 50'000'000) return a + " must be an integer in [1, 50000000], got '" + v + "'";
            (a == "--cards" ? o.gen.cards : o.gen.merchants) = static_cast<uint32_t>(n);
        } else if (a == "--fraud-rate") {
            if (!value(v)) return need();
            if (!parse_double(v, o.gen.fraud_rate) || o.gen.fraud_rate < 0 || o.gen.fraud_rate > 0.5)
                return "--fraud-rate must be a number in [0, 0.5], got '" + v + "'";
        } else if (a == "--scenarios") {
            if (!value(v)) return need();
            o.gen.enabled.fill(false);
            std::size_t pos = 0;
            while (pos <= v.size()) {
                const std::size_t comma = std::min(v.find(',', pos), v.size());
                const std::string name = v.substr(pos, comma - pos);
                scenario s;
                if (!parse_scenario(name, s) || s == scenario::normal)
                    return "--scenarios: unknown scenario '" + name + "' (see --help)";
                o.gen.enabled[static_cast<std::size_t>(s)] = true;
                pos = comma + 1;
            }
        } else if (a == "--format") {
            if (!value(v)) return need();
            if (v != "iso8583" && v != "json") return "--format must be iso8583 or json, got '" + v + "'";
            format = v;
        } else if (a == "--dialect") {
            if (!value(v)) return need();
            if (!parse_iso_dialect(v, o.feed.dialect)) return "--dialect must be binary, hex or bcd, got '" + v + "'";
            dialect_given = true;
        } else if (a == "--framing") {
            if (!value(v)) return need();
            if (v != "moldudp64" && v != "raw") return "--framing must be moldudp64 or raw, got '" + v + "'";
            fr = v;
        } else if (a == "--session") {
            if (!value(v)) return need();
            o.feed.session = v;
        } else if (a == "--first-seq") {
            if (!value(v)) return need();
            if (!parse_u64(v, o.feed.first_seq) || o.feed.first_seq == 0) return "--first-seq must be >= 1, got '" + v + "'";
        } else if (a == "--per-datagram" || a == "--mtu") {
            if (!value(v)) return need();
            uint64_t n;
            if (!parse_u64(v, n) || n > 100000) return a + " must be an integer, got '" + v + "'";
            (a == "--mtu" ? o.feed.mtu : o.feed.per_datagram) = static_cast<unsigned>(n);
        } else if (a == "--heartbeat-ms") {
            if (!value(v)) return need();
            uint64_t n;
            if (!parse_u64(v, n)) return "--heartbeat-ms must be a non-negative integer, got '" + v + "'";
            o.feed.heartbeat_ms = static_cast<int64_t>(n);
        } else if (a == "--port") {
            if (!value(v)) return need();
            uint64_t n;
            if (!parse_u64(v, n) || n == 0 || n > 65535 - default_b_line_offset)
                return "--port must be in [1, " + std::to_string(65535 - default_b_line_offset) + "], got '" + v + "'";
            o.port = static_cast<uint16_t>(n);
        } else if (a == "--ab-drop-rate") {
            if (!value(v)) return need();
            if (!parse_double(v, o.ab_drop_rate) || o.ab_drop_rate < 0 || o.ab_drop_rate >= 1)
                return "--ab-drop-rate must be a number in [0, 1), got '" + v + "'";
        } else if (a == "--out") {
            if (!value(v)) return need();
            o.out_path = v;
        } else if (a == "--labels") {
            if (!value(v)) return need();
            o.labels_path = v;
            labels_given = true;
        } else if (a == "--src-ip" || a == "--dst-ip") {
            if (!value(v)) return need();
            if (!parse_ipv4(v, a == "--src-ip" ? o.ends.src_ip : o.ends.dst_ip))
                return a + " must be an IPv4 address, got '" + v + "'";
        } else if (a == "--udp") {
            if (!value(v)) return need();
            const std::size_t colon = v.rfind(':');
            uint64_t p;
            if (colon == std::string::npos || colon == 0 || !parse_u64(v.substr(colon + 1), p) || p == 0 ||
                p > 65535 - default_b_line_offset)
                return "--udp must be HOST:PORT with a port in [1, 65435], got '" + v + "'";
            o.udp_host = v.substr(0, colon);
            if (o.udp_host.size() > 2 && o.udp_host.front() == '[' && o.udp_host.back() == ']')
                o.udp_host = o.udp_host.substr(1, o.udp_host.size() - 2);
            o.udp_port = static_cast<uint16_t>(p);
        } else if (a == "--rate") {
            if (!value(v)) return need();
            if (!parse_double(v, o.rate) || o.rate < 0) return "--rate must be a non-negative number, got '" + v + "'";
        } else if (a == "--from-jsonl") {
            if (!value(v)) return need();
            o.from_jsonl = v;
        } else {
            return "unknown option '" + a + "'";
        }
    }
    if (o.help || o.version) return {};
    o.feed.format = format == "json" ? payload_format::json : payload_format::iso8583;
    o.feed.frame = fr == "raw" ? framing::raw : framing::moldudp64;
    if (dialect_given && o.feed.format != payload_format::iso8583) return "--dialect applies to --format iso8583 only";
    if (o.out_path.empty() == o.udp_host.empty()) return "give exactly one of --out FILE and --udp HOST:PORT";
    if (o.rate > 0 && o.udp_host.empty()) return "--rate applies to --udp only";
    if (o.port && !o.udp_host.empty()) return "--port applies to pcap output; --udp names its own port";
    if (no_labels) o.labels_path.clear();
    else if (!labels_given && !o.out_path.empty()) o.labels_path = o.out_path + ".labels.csv";
    if (std::string e = validate(o.feed); !e.empty()) return e;
    if (std::string e = validate(o.gen); !e.empty()) return e;
    return {};
}

txgen_result run_txgen(const txgen_options& o, std::FILE* progress) {
    const auto t0 = std::chrono::steady_clock::now();
    txgen_result res;
    res.port_a = !o.udp_host.empty() ? o.udp_port : o.port ? o.port : default_feed_port(o.feed.format, o.feed.frame);

    std::unique_ptr<packet_output> out;
    pcap_writer* pcap = nullptr;
    udp_output* udp = nullptr;
    if (!o.udp_host.empty()) {
        auto u = std::make_unique<udp_output>(o.udp_host, o.udp_port);
        udp = u.get();
        out = std::move(u);
    } else {
        auto p = std::make_unique<pcap_writer>(o.out_path, o.ends);
        pcap = p.get();
        out = std::move(p);
    }
    line_fanout lines(*out, res.port_a, o.ab_drop_rate >= 0, std::max(0.0, o.ab_drop_rate), o.gen.seed, o.rate);
    feed_writer writer(o.feed, lines);
    labels_file labels(o.labels_path);
    const bool iso = o.feed.format == payload_format::iso8583;

    if (!o.from_jsonl.empty()) {
        jsonl_reader reader(o.from_jsonl);
        progress_meter meter{progress, 0};
        jsonl_record rec;
        uint64_t n = 0;
        uint32_t stan = 0;
        while (reader.next(rec)) {
            clear_txn& t = rec.txn;
            if (iso) {
                if (t.pan.empty())
                    throw std::runtime_error("txgen: " + o.from_jsonl + ":" + std::to_string(reader.line()) +
                                             ": ISO 8583 output needs \"card\" (a PAN); this line has only card_id");
                // The RRN identifies an ISO message: the producer's txn_id when it fits
                // an RRN (12 alphanumerics), else a 12-digit counter.
                const bool fits = t.txn_id.size() == 12 &&
                                  t.txn_id.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
                                      std::string::npos;
                t.rrn = fits ? t.txn_id : digits12(n + 1);
                stan = stan % 999999 + 1;
                char b[8];
                std::snprintf(b, sizeof b, "%06u", stan);
                t.stan = b;
                if (t.terminal_id.empty()) t.terminal_id = "T0000001";
            }
            writer.add(t);
            labels.row(iso ? std::string_view(t.rrn) : std::string_view(t.txn_id), rec.label, rec.scenario_id);
            meter.tick(++n);
        }
    } else {
        generator gen(o.gen);
        progress_meter meter{progress, o.gen.count};
        generated_txn g;
        uint64_t n = 0;
        while (gen.next(g)) {
            writer.add(g.txn);
            ++res.labels[static_cast<std::size_t>(g.label)];
            labels.row(g.txn.rrn, scenario_name(g.label), g.scenario_id ? format_scenario_id(g.scenario_id) : "");
            meter.tick(++n);
        }
    }
    writer.finish();
    out->close();
    labels.close();

    res.messages = writer.messages();
    res.datagrams = writer.datagrams();
    res.heartbeats = writer.heartbeats();
    res.first_seq = o.feed.first_seq;
    res.next_seq = writer.next_seq();
    res.packets = lines.sent_a() + lines.sent_b();
    res.dropped_a = lines.dropped_a();
    res.dropped_b = lines.dropped_b();
    if (udp) res.send_errors = udp->send_errors();
    (void)pcap;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace txscreen::txgen
