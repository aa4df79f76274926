// txscreen run: the appliance on DPDK ports until the input ends or SIGINT/SIGTERM.
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "controlplane/appliance/appliance.h"
#include "tools/txscreen/commands.h"
#include "tools/txscreen/option_parser.h"
#include "tools/txscreen/run_losses.h"

namespace txscreen {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

const char* const run_help = R"(usage: txscreen run [--config FILE] [options] [-- EAL args]

Runs the dataplane on the configured ports (and any given here), scores every
transaction, publishes alerts to Kafka and prints a summary. Without --config the
built-in defaults apply (docs/config.md): the four feeds txgen writes by default,
the embedded Kafka broker. With --pcap the capture is processed once, drained, and
the command exits. SIGINT/SIGTERM stop rx, finish in-flight verdicts, flush Kafka
and exit. Options given here override the file.

exit status:
  0  every record taken reached its sinks (rejected input is counted, not lost)
  1  runtime failure (a port, the spool, Kafka or the admin API could not start)
  2  usage or configuration error; nothing started
  3  the run finished but records were lost or refused: spool rows refused (disk
     full, I/O error, or over spool.max_bytes with no [s3] uploader) or never made
     durable, alerts Kafka did not take and no outbox saved, --verdicts-out lines
     not written; the summary prints one "lost:" line per kind (docs/runbook.md)

options:
  --config FILE         appliance configuration (TOML; check it with check-config)
  --pcap FILE           a capture to replay through a net_pcap vdev (repeatable)
  --loop                replay the --pcap captures forever (net_pcap infinite_rx)
                        until SIGINT/SIGTERM; use raw framing (a looped MoldUDP64
                        capture repeats its sequence numbers: duplicates, or for a
                        long capture a confirmed sequence reset each pass)
  --device ARGS         any other DPDK device: vdev args or a PCI address (repeatable)
  --workers N           worker lcores owning card shards (default 1)
  --rx-lcores N         rx lcores (default 0: one lcore receives and scores, run
                        to completion; N >= 1 is required for more than 1 worker)
  --rules FILE          ruleset TOML (default: the built-in ruleset, docs/rules.md)
  --cards N             card entries per worker (default 1048576)
  --token-key HEX       tokenization key (default $TXSCREEN_TOKEN_KEY, else the
                        demo key, with a warning)
  --idle-timeout S      stop when no packet arrives for S seconds (default 3)
  --brokers LIST        Kafka bootstrap servers host:port,... or "embedded" (an
                        in-process broker on loopback; the default)
  --no-kafka            do not publish to Kafka
  --publish-scored      also publish every verdict to txscreen.scored
  --spool DIR           spool directory for the Avro files (default ./txscreen-spool)
  --no-spool            write no Avro spool (benchmarks and tests only: without the
                        spool a Kafka outage or a crash loses records)
  --s3-endpoint URL     upload completed spool files to this S3-compatible endpoint
                        (bucket and credentials from --config or AWS_* variables)
  --admin ADDR:PORT     serve the admin REST API and dashboard there (docs/admin.md;
                        port 0 = any free port, printed and written to --ready-file);
                        the bearer token comes from [admin] token, --admin-token or
                        $TXSCREEN_ADMIN_TOKEN
  --admin-token TOKEN   admin bearer token (or env:NAME), at least 16 characters
  --hold                after the input ends and all is drained, keep the admin API
                        up with the final counters until SIGINT/SIGTERM
  --summary-json FILE   write the final counters (identities included) as JSON
  --verdicts-out FILE   write one canonical line per verdict (no timestamps)
  --ready-file FILE     create FILE once the dataplane is polling (for scripts)
  --quiet               print nothing but errors
EAL defaults when not given after `--`: lcores for the roles, --no-huge -m N when
no hugepages are reserved, and a per-process --file-prefix.
)";

// Closes --verdicts-out; returns the lines that did not reach the file (0 when all
// did): a full disk fails the stream, and the file then holds fewer lines than written.
uint64_t close_verdicts_out(std::ofstream& vout, const std::string& path, uint64_t lines) {
    if (!vout.is_open()) return 0;
    vout.close();
    if (!vout.fail()) return 0;
    std::ifstream in(path, std::ios::binary);
    uint64_t in_file = 0;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0)
        for (std::streamsize i = 0; i < in.gcount(); ++i) in_file += buf[i] == '\n';
    std::fprintf(stderr, "txscreen run: --verdicts-out %s: write failed (%llu of %llu lines in the file)\n",
                 path.c_str(), static_cast<unsigned long long>(in_file), static_cast<unsigned long long>(lines));
    return lines > in_file ? lines - in_file : 1;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
    appliance_options opt;
    std::string summary_json, verdicts_out;
    bool admin_flag = false;
    try {
        // The file first, so every other option overrides it whatever the order.
        for (std::size_t i = 0; i < args.size() && args[i] != "--"; ++i) {
            std::string path;
            if (args[i] == "--config" && i + 1 < args.size()) path = args[i + 1];
            else if (args[i].rfind("--config=", 0) == 0) path = args[i].substr(9);
            else continue;
            config_result r = load_config_file(path);
            if (!r.ok()) {
                for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
                std::fprintf(stderr, "txscreen run: %zu error(s) in %s; nothing started\n", r.errors.size(), path.c_str());
                return 2;
            }
            opt.config = r.config;
        }
        appliance_config& c = opt.config;
        option_parser p(args);
        while (!p.empty()) {
            std::string v;
            if (p.flag("--help") || p.flag("-h")) {
                std::fputs(run_help, stdout);
                return 0;
            }
            if (p.value("--config", v)) {}
            else if (p.value("--pcap", v)) opt.pcaps.push_back(v);
            else if (p.value("--device", v)) opt.devices.push_back(v);
            else if (p.flag("--loop")) opt.loop = true;
            else if (p.number("--workers", c.lcores.workers, 1, 64)) {}
            else if (p.number("--rx-lcores", c.lcores.rx, 0, 64)) {}
            else if (p.value("--rules", c.rules.file)) {}
            else if (p.number("--cards", c.velocity.tables.card_capacity, 1024, 4e9)) {}
            else if (p.value("--token-key", c.tokenization.key)) {}
            else if (p.number("--idle-timeout", opt.idle_timeout_s, 0, 86400)) {}
            else if (p.value("--brokers", c.kafka.brokers)) c.kafka.enabled = true;
            else if (p.flag("--no-kafka")) c.kafka.enabled = false;
            else if (p.flag("--publish-scored")) c.kafka.publish_scored = true;
            else if (p.value("--spool", c.spool.dir)) {}
            else if (p.flag("--no-spool")) opt.no_spool = true;
            else if (p.value("--s3-endpoint", c.s3.endpoint)) {}
            else if (p.value("--admin", c.admin.listen)) admin_flag = true;
            else if (p.value("--admin-token", c.admin.token)) {}
            else if (p.flag("--hold")) opt.hold = true;
            else if (p.value("--summary-json", summary_json)) {}
            else if (p.value("--verdicts-out", verdicts_out)) {}
            else if (p.value("--ready-file", opt.ready_file)) {}
            else if (p.flag("--quiet")) opt.quiet = true;
            else p.unknown();
        }
        for (const auto& a : p.eal()) c.eal.args.push_back(a);
        if (admin_flag && c.admin.token.empty()) {
            const char* env = std::getenv("TXSCREEN_ADMIN_TOKEN");
            if (!env || !*env)
                throw std::invalid_argument("--admin needs a bearer token: set [admin] token, --admin-token or "
                                            "TXSCREEN_ADMIN_TOKEN");
            c.admin.token = "env:TXSCREEN_ADMIN_TOKEN";
        }
        if (opt.hold && c.admin.token.empty())
            throw std::invalid_argument("--hold keeps the admin API up: give --admin ADDR:PORT too");
        if (c.lcores.workers > 1 && c.lcores.rx == 0) c.lcores.rx = 1;
    } catch (const std::invalid_argument& e) {
        std::fprintf(stderr, "txscreen run: %s\n", e.what());
        return 2;
    }
    if (opt.pcaps.empty() && opt.devices.empty() && opt.config.ports.empty()) {
        std::fprintf(stderr, "txscreen run: no input: give --pcap FILE or --device ARGS, or [[port]] in --config (see --help)\n");
        return 2;
    }
    if (opt.config.tokenization.key.empty() && !std::getenv("TXSCREEN_TOKEN_KEY") && !opt.quiet)
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
    uint64_t vout_lines = 0;
    if (vout.is_open())
        sink = [&](const Verdict& v, const ruleset& r) {
            vout << verdict_line(v, r) << '\n';
            ++vout_lines;
        };
    appliance_result res = run_appliance(opt, sink, &g_stop);
    const uint64_t vout_unwritten = close_verdicts_out(vout, verdicts_out, vout_lines);
    const std::vector<loss_kind> losses = run_losses(res, verdicts_out, vout_unwritten);
    const uint64_t lost = total_lost(losses);

    std::string json = result_json(res);
    json.insert(json.size() - 1, ",\"loss\":" + losses_json(losses));  // into the outer object
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
        for (const auto& f : s.feeds) {
            uint64_t held = 0, held_messages = 0;
            for (std::size_t i = 1; i < sequence_suspect_count; ++i) {
                held += f.suspect_datagrams[i];
                held_messages += f.suspect_messages[i];
            }
            if (held || f.sequence_resets)
                std::printf("  feed %s: %llu datagrams (%llu messages) held back as suspect sequence jumps, %llu "
                            "confirmed (sequence resets)\n",
                            f.name.c_str(), static_cast<unsigned long long>(held),
                            static_cast<unsigned long long>(held_messages),
                            static_cast<unsigned long long>(f.sequence_resets));
        }
        if (!res.spool_dir.empty())
            std::printf("  spool %s: %llu records appended, %llu durable, %llu refused, %llu lost, %llu files%s\n",
                        res.spool_dir.c_str(), static_cast<unsigned long long>(res.spool_appended),
                        static_cast<unsigned long long>(res.spool_durable),
                        static_cast<unsigned long long>(res.spool_refused),
                        static_cast<unsigned long long>(res.spool_lost), static_cast<unsigned long long>(res.spool_files),
                        res.s3_endpoint.empty() ? "" : (", " + std::to_string(res.s3_uploaded_files) + " uploaded to " + res.s3_endpoint).c_str());
        if (opt.config.kafka.enabled)
            std::printf("  kafka %s: alerts produced %llu, acknowledged %llu, pending %llu, failed %llu\n",
                        res.kafka_bootstrap.c_str(), static_cast<unsigned long long>(res.kafka_alerts_produced),
                        static_cast<unsigned long long>(res.kafka_alerts_acked),
                        static_cast<unsigned long long>(res.kafka_alerts_pending),
                        static_cast<unsigned long long>(res.kafka_alerts_failed));
        if (opt.config.kafka.enabled && res.kafka_outbox &&
            (res.kafka_alerts_spilled || res.kafka_alerts_replayed || res.kafka_outbox_backlog))
            std::printf("  kafka outbox %s/kafka-outbox: spilled %llu, published from it %llu (%llu from an earlier run), "
                        "left for the next start %llu\n",
                        res.spool_dir.c_str(), static_cast<unsigned long long>(res.kafka_alerts_spilled + res.kafka_alerts_saved),
                        static_cast<unsigned long long>(res.kafka_alerts_replayed),
                        static_cast<unsigned long long>(res.kafka_outbox_recovered),
                        static_cast<unsigned long long>(res.kafka_outbox_backlog));
        if (res.kafka_embedded_retention_deleted)
            std::printf("  kafka embedded broker: %llu records deleted by retention (each partition keeps its newest "
                        "5 MiB; not loss)\n",
                        static_cast<unsigned long long>(res.kafka_embedded_retention_deleted));
        if (res.spool_budget_waits || res.spool_budget_refused)
            std::printf("  spool disk budget: %llu of %llu bytes at the end; rx held %llu times for it, %llu rows "
                        "refused over it\n",
                        static_cast<unsigned long long>(res.spool_disk_bytes),
                        static_cast<unsigned long long>(res.spool_max_bytes),
                        static_cast<unsigned long long>(res.spool_budget_waits),
                        static_cast<unsigned long long>(res.spool_budget_refused));
        std::printf("  accounting identities: %s\n", s.identities_hold() && res.verdicts == s.work.verdicts ? "hold" : "BROKEN");
    }
    if (lost == 0) return 0;
    // Loss is an error: said even with --quiet, on stdout with the summary, else stderr.
    std::FILE* out = opt.quiet ? stderr : stdout;
    for (const auto& k : losses)
        if (k.count)
            std::fprintf(out, "  lost: %s: %llu %s\n", k.where.c_str(), static_cast<unsigned long long>(k.count),
                         k.what.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "txscreen run: %llu records lost or refused (see the \"lost:\" lines); exit %d\n",
                 static_cast<unsigned long long>(lost), exit_records_lost);
    return exit_records_lost;
}

int cmd_check_config(const std::vector<std::string>& args) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs("usage: txscreen check-config FILE\n\nLoads and validates FILE (docs/config.md) without starting anything: every\n"
                   "error is printed on its own line naming the file, line and key (exit 2);\n"
                   "a valid file prints the effective configuration (exit 0).\n",
                   args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    config_result r = load_config_file(args[0]);
    if (!r.ok()) {
        for (const auto& e : r.errors) std::printf("%s\n", e.c_str());
        std::printf("%s: %zu error(s)\n", args[0].c_str(), r.errors.size());
        return 2;
    }
    std::printf("%s", explain(r.config).c_str());
    std::printf("%s: valid\n", args[0].c_str());
    return 0;
}

}  // namespace txscreen
