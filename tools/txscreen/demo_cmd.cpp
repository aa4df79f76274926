// txscreen demo: generate a labelled synthetic feed with txgen, run the appliance on it
// (DPDK net_pcap, the engine, the embedded Kafka broker), and print what a person wants
// to see: volume, throughput, latency, alerts by rule, and detection per fraud scenario
// against the ground-truth labels.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "controlplane/appliance/appliance.h"
#include "controlplane/appliance/identities.h"
#include "controlplane/verdict_json.h"
#include "tools/cli_app.h"
#include "tools/txgen/txgen_cli.h"
#include "tools/txgen/txgen_run.h"
#include "tools/txscreen/commands.h"
#include "tools/txscreen/label_eval.h"

namespace txscreen {

namespace {

const char* const demo_footer = R"(Generates a labelled synthetic ISO 8583 / MoldUDP64 feed (txgen: a population of
cards and merchants with fraud scenarios injected), replays it through the appliance
(DPDK net_pcap, screening, velocity, rules) with an embedded Kafka broker on loopback,
and prints a summary: throughput, rx->verdict latency, alerts by rule, and detection
per scenario against the labels. Files go to --dir: feed.pcap, labels.csv,
verdicts.jsonl (every verdict in the Kafka JSON schema, docs/kafka.md), summary.json.
EAL arguments go after `--`.)";

struct demo_state {
    uint64_t count = 200000, seed = 7;
    std::string dir = "txscreen-demo";
    bool kafka = true;
    appliance_options opt;
};

void add_demo_options(CLI::App& cmd, demo_state& s) {
    cmd.add_option("--count", s.count, "transactions to generate, 1000..100000000 (k/M suffixes: 2k, 1M)")
        ->type_name("N")->transform(cli::whole_number(true))
        ->check(cli::in_range(uint64_t{1000}, uint64_t{100'000'000}))->capture_default_str();
    cmd.add_option("--seed", s.seed, "generator seed; the same seed gives the same feed")
        ->type_name("S")->transform(cli::whole_number())->capture_default_str();
    cmd.add_option("--workers", s.opt.config.dataplane.workers, "worker lcores, 1..64")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(1u, 64u))->capture_default_str();
    cmd.add_option("--dir", s.dir, "where the files go")->type_name("DIR")->capture_default_str();
    cmd.add_flag_callback("--no-kafka", [&s] { s.kafka = false; }, "do not start the embedded Kafka broker");
}

void load_labels(const std::string& path, label_eval& ev) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error("labels " + path + ": cannot read");
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line)) {
        std::size_t a = line.find(','), b = line.find(',', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        ev.add_label(line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1));
    }
}

std::string txn_ref(const Txn& t) { return t.txn_id.empty() ? std::string(t.rrn) : std::string(t.txn_id.view()); }

// Step 1: txgen writes the labelled feed (`pcap`, `labels`) and says what it holds.
void generate_feed(uint64_t count, uint64_t seed, const std::string& pcap, const std::string& labels) {
    std::printf("1. generating %llu labelled transactions (txgen, seed %llu) ...\n",
                static_cast<unsigned long long>(count), static_cast<unsigned long long>(seed));
    std::fflush(stdout);
    txgen::txgen_options g;
    std::string err = txgen::parse_args({"--count", std::to_string(count), "--seed", std::to_string(seed), "--out", pcap,
                                         "--labels", labels, "--format", "iso8583", "--framing", "moldudp64", "--quiet"},
                                        g);
    if (!err.empty()) throw std::runtime_error("txgen: " + err);
    txgen::txgen_result gr = txgen::run_txgen(g, nullptr);
    std::printf("   %llu ISO 8583 messages in %llu MoldUDP64 datagrams -> %s (%.1f s)\n   labels:",
                static_cast<unsigned long long>(gr.messages), static_cast<unsigned long long>(gr.datagrams), pcap.c_str(),
                gr.seconds);
    for (std::size_t s = 0; s < txgen::scenario_count; ++s)
        if (gr.labels[s]) std::printf(" %s=%llu", std::string(txgen::scenario_name(static_cast<txgen::scenario>(s))).c_str(),
                                      static_cast<unsigned long long>(gr.labels[s]));
    std::printf("\n");
}

// Step 2: the appliance screens the feed; every verdict goes to `ev` and, in the Kafka
// JSON schema, to DIR/verdicts.jsonl.
appliance_result screen_feed(appliance_options& opt, bool kafka, const std::string& dir, const std::string& pcap,
                             label_eval& ev) {
    std::printf("2. screening it: DPDK net_pcap -> decode -> velocity -> rules -> verdicts%s ...\n",
                kafka ? " -> Kafka (embedded broker)" : "");
    std::fflush(stdout);
    opt.pcaps = {pcap};
    opt.quiet = true;
    opt.idle_timeout_s = 10;
    opt.config.kafka.enabled = kafka;
    opt.config.spool.dir = dir + "/spool";
    opt.config.kafka.brokers = "embedded";
    std::ofstream vout(dir + "/verdicts.jsonl");
    std::vector<char> jbuf(8192);
    verdict_json_names names;
    const ruleset* current = nullptr;
    names.rule = [&current](uint32_t, uint16_t id) -> std::string_view {
        return current ? current->rule_name(id) : std::string_view();
    };
    appliance_result r = run_appliance(opt, [&](const Verdict& v, const ruleset& rs) {
        current = &rs;
        ev.add_verdict(txn_ref(v.txn), v.dec != decision::allow, v.alert);
        std::size_t n = write_verdict_json(v, names, jbuf.data(), jbuf.size());
        vout.write(jbuf.data(), static_cast<std::streamsize>(n));
        vout.put('\n');
    });
    vout.close();
    std::ofstream(dir + "/summary.json") << result_json(r).dump() << '\n';
    return r;
}

// Step 3: what a person wants to see, detection per scenario against the labels included.
void print_summary(const appliance_result& r, const label_eval& ev, unsigned workers, const std::string& dir) {
    const appliance_counters& c = r.counters;
    const dp_stats& s = c.dp;
    std::printf("\n3. summary\n");
    std::printf("   transactions   %llu decoded, %llu rejected, %llu duplicates (A/B), %llu verdicts\n",
                static_cast<unsigned long long>(s.rx.decoded), static_cast<unsigned long long>(s.rx.rejected),
                static_cast<unsigned long long>(s.rx.duplicates), static_cast<unsigned long long>(c.verdicts_consumed));
    std::printf("   throughput     %.0f transactions/s with %u worker(s) (%.2f s, including table warm-up)\n",
                r.elapsed_s > 0 ? static_cast<double>(c.verdicts_consumed) / r.elapsed_s : 0.0, workers, r.elapsed_s);
    std::printf("   latency        rx burst -> verdict: p50 %.1f us, p99 %.1f us, p99.9 %.1f us (capture replayed\n"
                "                  as fast as it can be read, so these include queueing behind the backlog)\n",
                c.latency.quantile(0.5) / 1e3, c.latency.quantile(0.99) / 1e3, c.latency.quantile(0.999) / 1e3);
    std::printf("   decisions     ");
    for (unsigned d = 0; d < 3; ++d)
        if (c.decisions[d])
            std::printf(" %s=%llu", decision_name(static_cast<decision>(d)), static_cast<unsigned long long>(c.decisions[d]));
    std::printf("\n   alerts         %llu, by top rule:", static_cast<unsigned long long>(c.alerts));
    for (const auto& [k, v] : c.alerts_by_rule) std::printf(" %s=%llu", k.c_str(), static_cast<unsigned long long>(v));
    std::printf("\n\n   detection per scenario: an instance is flagged when one of its transactions got\n"
                "   review or block, alerted when one raised an alert\n");
    std::printf("   %-22s %9s %8s %8s %8s %8s\n", "scenario", "instances", "flagged", "rate", "alerted", "rate");
    for (const auto& row : ev.rows())
        std::printf("   %-22s %9zu %8zu %7.1f%% %8zu %7.1f%%\n", row.scenario.c_str(), row.instances, row.flagged,
                    100 * row.flag_rate(), row.caught, 100 * row.detection());
    std::printf("   precision: flags %.1f%% (%llu of %llu on scenario transactions), alerts %.1f%% (%llu of %llu)\n",
                100 * ev.flag_precision(), static_cast<unsigned long long>(ev.true_flags()),
                static_cast<unsigned long long>(ev.flags()), 100 * ev.precision(),
                static_cast<unsigned long long>(ev.true_alerts()), static_cast<unsigned long long>(ev.alerts()));
    if (c.kafka) {
        const kafka_topic_counters& a = (*c.kafka)[kafka_topic::alerts];
        std::printf("\n   kafka          embedded broker %s: %llu alerts produced, %llu acknowledged, %llu pending\n",
                    r.kafka_bootstrap.c_str(), static_cast<unsigned long long>(a.produced),
                    static_cast<unsigned long long>(a.acked), static_cast<unsigned long long>(a.pending()));
    }
    uint64_t appended = 0, durable = 0;
    for (std::size_t t = 0; c.spool && t < spool_table_count; ++t) {
        appended += c.spool->appended[t];
        durable += c.spool->durable[t];
    }
    std::printf("   spool          %s: %llu records in %llu Avro files, %llu durable (table=scored|alerts|rejects|outcomes/dt=/hour=)\n",
                r.spool_dir.c_str(), static_cast<unsigned long long>(appended),
                static_cast<unsigned long long>(c.spool ? c.spool->files_completed : 0),
                static_cast<unsigned long long>(durable));
    std::printf("   files          %s/: feed.pcap, labels.csv, verdicts.jsonl (every verdict), summary.json\n",
                dir.c_str());
    std::printf("   accounting     %s\n", all_hold(accounting_identities(c))
                                                 ? "rx = feed + non-feed, messages = decoded + rejected + duplicates + suspect, "
                                                   "decoded = verdicts = consumed = spooled: all hold"
                                                 : "IDENTITIES BROKEN (see summary.json)");
}

int demo_command(demo_state& state, const std::vector<std::string>& eal) {
    appliance_options& opt = state.opt;
    opt.config.dataplane.eal_args.insert(opt.config.dataplane.eal_args.end(), eal.begin(), eal.end());
    if (opt.config.dataplane.workers > 1) opt.config.dataplane.rx_lcores = 1;
    ::mkdir(state.dir.c_str(), 0755);
    const std::string pcap = state.dir + "/feed.pcap", labels = state.dir + "/labels.csv";
    std::printf("txscreen demo\n=============\n");
    generate_feed(state.count, state.seed, pcap, labels);
    label_eval ev;
    load_labels(labels, ev);
    const appliance_result r = screen_feed(opt, state.kafka, state.dir, pcap, ev);
    print_summary(r, ev, opt.config.dataplane.workers, state.dir);
    return 0;
}

}  // namespace

command add_demo_command(CLI::App& app, const std::vector<std::string>& eal) {
    CLI::App* cmd = app.add_subcommand("demo", "screen a labelled synthetic feed, print a summary");
    cmd->footer(demo_footer);
    auto state = std::make_shared<demo_state>();
    add_demo_options(*cmd, *state);
    return {cmd, [state, &eal] { return demo_command(*state, eal); }};
}

}  // namespace txscreen
