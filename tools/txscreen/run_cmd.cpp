// txscreen run: the appliance on DPDK ports until the input ends or SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "tools/txscreen/appliance.h"
#include "tools/txscreen/commands.h"
#include "tools/txscreen/option_parser.h"

namespace txscreen {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

const char* const run_help = R"(usage: txscreen run [options] [-- EAL args]

Runs the dataplane on the given ports with the default feeds (docs/feeds.md: the
ports txgen writes to by default), scores every transaction and prints a summary.
With --pcap the capture is processed once, drained, and the command exits 0.
SIGINT/SIGTERM stop rx, finish in-flight verdicts and exit 0.

options:
  --pcap FILE           a capture to replay through a net_pcap vdev (repeatable)
  --device ARGS         any other DPDK device: vdev args or a PCI address (repeatable)
  --workers N           worker lcores owning card shards (default 1)
  --rx-lcores N         rx lcores (default 0: one lcore receives and scores, run
                        to completion; N >= 1 is required for more than 1 worker)
  --rules FILE          ruleset TOML (default: the built-in ruleset, docs/rules.md)
  --cards N             card entries per worker (default 1048576)
  --token-key HEX       tokenization key (default $TXSCREEN_TOKEN_KEY, else the
                        demo key, with a warning)
  --idle-timeout S      stop when no packet arrives for S seconds (default 3)
  --brokers LIST        publish alerts (and rejects) to Kafka: host:port,... or
                        "embedded" for an in-process broker on loopback
  --publish-scored      also publish every verdict to txscreen.scored
  --summary-json FILE   write the final counters (identities included) as JSON
  --verdicts-out FILE   write one canonical line per verdict (no timestamps)
  --ready-file FILE     create FILE once the dataplane is polling (for scripts)
  --quiet               print nothing but errors
EAL defaults when not given after `--`: lcores for the roles, --no-huge -m N when
no hugepages are reserved, and a per-process --file-prefix.
)";

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
    appliance_options opt;
    std::string summary_json, verdicts_out;
    try {
        option_parser p(args);
        while (!p.empty()) {
            std::string v;
            if (p.flag("--help") || p.flag("-h")) {
                std::fputs(run_help, stdout);
                return 0;
            }
            if (p.value("--pcap", v)) opt.pcaps.push_back(v);
            else if (p.value("--device", v)) opt.devices.push_back(v);
            else if (p.number("--workers", opt.workers, 1, 64)) {}
            else if (p.number("--rx-lcores", opt.rx_lcores, 0, 64)) {}
            else if (p.value("--rules", opt.rules_file)) {}
            else if (p.number("--cards", opt.cards_per_worker, 1024, 1e9)) {}
            else if (p.value("--token-key", opt.tokenization_key)) {}
            else if (p.number("--idle-timeout", opt.idle_timeout_s, 0, 86400)) {}
            else if (p.value("--brokers", opt.brokers)) {}
            else if (p.flag("--publish-scored")) opt.publish_scored = true;
            else if (p.value("--summary-json", summary_json)) {}
            else if (p.value("--verdicts-out", verdicts_out)) {}
            else if (p.value("--ready-file", opt.ready_file)) {}
            else if (p.flag("--quiet")) opt.quiet = true;
            else p.unknown();
        }
        opt.eal_args = p.eal();
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "txscreen run: %s\n", e.what());
        return 2;
    }
    if (opt.pcaps.empty() && opt.devices.empty()) {
        std::fprintf(stderr, "txscreen run: no input: give --pcap FILE or --device ARGS (see --help)\n");
        return 2;
    }
    if (opt.workers > 1 && opt.rx_lcores == 0) opt.rx_lcores = 1;
    if (opt.tokenization_key.empty() && !std::getenv("TXSCREEN_TOKEN_KEY") && !opt.quiet)
        std::fprintf(stderr, "txscreen run: warning: using the built-in demo tokenization key; set "
                             "TXSCREEN_TOKEN_KEY (hex) for real card data\n");

    std::ofstream vout;
    if (!verdicts_out.empty()) {
        vout.open(verdicts_out);
        if (!vout) throw std::runtime_error("--verdicts-out " + verdicts_out + ": cannot write");
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    verdict_sink sink;
    if (vout.is_open()) sink = [&](const Verdict& v, const ruleset& r) { vout << verdict_line(v, r) << '\n'; };
    appliance_result res = run_appliance(opt, sink, &g_stop);

    std::string json = result_json(res);
    if (!summary_json.empty()) {
        std::ofstream f(summary_json);
        f << json << '\n';
        if (!f) throw std::runtime_error("--summary-json " + summary_json + ": cannot write");
    }
    if (!opt.quiet) {
        const dp_stats& s = res.stats;
        std::printf("txscreen run: %llu packets, %llu messages: %llu decoded, %llu rejected, %llu duplicates\n",
                    static_cast<unsigned long long>(s.rx.rx_packets), static_cast<unsigned long long>(s.rx.feed_messages),
                    static_cast<unsigned long long>(s.rx.decoded), static_cast<unsigned long long>(s.rx.rejected),
                    static_cast<unsigned long long>(s.rx.duplicates));
        std::printf("  verdicts %llu, alerts %llu, %.0f verdicts/s, rx->verdict p50 %llu ns p99 %llu ns\n",
                    static_cast<unsigned long long>(res.verdicts), static_cast<unsigned long long>(res.alerts),
                    res.elapsed_s > 0 ? static_cast<double>(res.verdicts) / res.elapsed_s : 0.0,
                    static_cast<unsigned long long>(res.latency.quantile(0.5)),
                    static_cast<unsigned long long>(res.latency.quantile(0.99)));
        for (const auto& f : s.feeds)
            if (f.missing || f.gap_events) std::printf("  feed %s: %llu sequence numbers missing\n", f.name.c_str(),
                                                       static_cast<unsigned long long>(f.missing));
        if (!opt.brokers.empty())
            std::printf("  kafka %s: alerts produced %llu, acknowledged %llu, pending %llu, failed %llu\n",
                        res.kafka_bootstrap.c_str(), static_cast<unsigned long long>(res.kafka_alerts_produced),
                        static_cast<unsigned long long>(res.kafka_alerts_acked),
                        static_cast<unsigned long long>(res.kafka_alerts_pending),
                        static_cast<unsigned long long>(res.kafka_alerts_failed));
        std::printf("  accounting identities: %s\n", s.identities_hold() && res.verdicts == s.work.verdicts ? "hold" : "BROKEN");
    }
    return 0;
}

}  // namespace txscreen
