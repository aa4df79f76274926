// txscreen bench: the full dataplane on a net_pcap vdev replaying a capture forever
// (infinite_rx=1) for a set time, several runs, and in the same invocation the rate of
// dpdk-testpmd --forward-mode=rxonly on the same vdev and capture (the I/O ceiling).
// Each run is a child process (EAL initialises once per process). Then, in this process
// on the same capture, the floors the pipeline cannot beat (bench_floors.h) and the
// pipeline's time per transaction over their sum. Prints medians and, as the last
// line, one JSON object for scripts.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>


#include <nlohmann/json.hpp>

#include "controlplane/appliance/appliance.h"
#include "controlplane/appliance/identities.h"
#include "tools/cli_app.h"
#include "tools/txscreen/bench_floors.h"
#include "tools/txscreen/commands.h"

namespace txscreen {

namespace {

const char* const bench_footer = R"(Replays FILE through net_pcap with infinite_rx=1 for --duration seconds, --runs
times (each in its own process), through rx -> decode -> screen -> velocity ->
rules -> verdict ring. Prints per-run and median messages/s (verdicts, and on TCP
feeds the responses' outcomes; per worker too),
rx->verdict latency p50/p99/p999 (TSC; from burst receive to the verdict on the
controlplane ring), and the dpdk-testpmd rxonly packet rate on the same capture.
Last line: {"tx_per_s":..,"workers":..,"p50_ns":..,"p99_ns":..,"p999_ns":..,
"testpmd_rxonly_pps":..,"floor_decode_ns":..,"pipeline_over_floors":..,...}. Figures
only; nothing passes or fails on them.

Floors: after the runs, this process measures on the same capture (UDP feeds only)
what each stage costs alone, in thread CPU time, each for about a quarter of
--duration (median of 5 interleaved repetitions), in ns per transaction:
  rx only      1e9 / (testpmd packets/s x the capture's messages per packet)
  decode       the rx stage's work minus the NIC: L2-L4 parse, feed lookup, framing
               (MoldUDP64 with its sequencer), deferred decode, tokenize_stashed per
               batch of 16 and per burst of --burst packets, over the capture's first
               256 KiB of packets, in cache as the rx stage finds a packet net_pcap
               has just copied (from memory it costs ~8% more)
  screen       Hyperscan, 16 at a time, with the config's patterns (the starter set by
               default) over 512 decoded transactions spread over the capture, in cache
               as the worker finds them (from memory it costs ~1.7x)
  velocity     the cache lines the engine touches per transaction in the velocity
               tables (tag line and entry of the card and of each key the ruleset has a
               rule on, two dedup lines), in tables of the configured sizes (--cards)
               and page size, prefetched and updated in the engine's pipelined order,
               with no window arithmetic, for every transaction: the memory's floor
Each is printed with the running sum, then the pipeline's ns per transaction per
worker (1e9 x workers / msg/s) over the sum of the floors. With separate rx lcores the
stages overlap across lcores, so the ratio is indicative only. --no-floors skips them.

Use a raw-framed capture (txgen --framing raw): a looped MoldUDP64 capture repeats
its sequence numbers, so each pass is held as a suspect jump back, then re-based
(docs/feeds.md, Sequencing), which measures the sequencer, not the pipeline. Every
replay after the first re-scores the same transactions (the engine flags them as
duplicates), so use a capture with as many transactions as the run should see fresh.
A TCP capture (txgen --transport tcp, feeds from --config) replays whole
conversations: each pass opens its connections anew. --beside runs a second capture
interleaved with the first (the same transactions over UDP raw framing, say) and
prints the difference in ns per message; --beside-config runs the same capture under
a second configuration (say with [aggregates], [spikes] and a [[webhook]], beside one
with them off) and prints both medians and each one's controlplane CPU per verdict.
EAL arguments go after `--`.)";

struct bench_state {
    appliance_options opt;
    unsigned runs = 3;
    bool testpmd = true;
    bool floors = true;
    std::string beside;  // a second capture, run interleaved with the first
    std::string beside_config;  // or the same capture under a second configuration
    std::vector<std::string> config_errors;
};

void add_bench_options(CLI::App& cmd, bench_state& s) {
    appliance_config& c = s.opt.config;
    s.opt.pcaps.resize(1);
    cmd.add_option_function<std::string>(
           "--config",
           [&s](const std::string& path) {
               config_result r = load_config_file(path);
               if (!r.ok()) {
                   s.config_errors = std::move(r.errors);
                   return;
               }
               const bool kafka = s.opt.config.kafka.enabled;
               s.opt.config = std::move(r.config);
               s.opt.config.kafka.enabled = kafka;
           },
           "appliance configuration (its feeds, [tcp] sizes, rules); Kafka stays off")
        ->type_name("FILE");
    cmd.add_option("--pcap", s.opt.pcaps[0], "capture to replay (e.g. from txgen)")->type_name("FILE")->required();
    cmd.add_option("--beside", s.beside,
                   "a second capture run interleaved with --pcap (A B A B ...), e.g. the same transactions "
                   "over UDP beside TCP: both medians and the difference in ns per message are printed")
        ->type_name("FILE");
    cmd.add_option("--beside-config", s.beside_config,
                   "run --pcap again under this configuration, interleaved (A B A B ...): e.g. with "
                   "[aggregates], [spikes] and a [[webhook]] beside one without, to price them per verdict")
        ->type_name("FILE")->check(CLI::ExistingFile);
    cmd.add_option("--duration", s.opt.duration_s, "seconds per run, 1..3600")
        ->type_name("S")->check(cli::in_range(1.0, 3600.0))->capture_default_str();
    cmd.add_option("--runs", s.runs, "runs, 1..99; medians are reported")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(1u, 99u))->capture_default_str();
    cmd.add_option("--workers", c.dataplane.workers, "worker lcores, 1..64 (more than 1 adds an rx lcore)")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(1u, 64u))->capture_default_str();
    cmd.add_option("--rx-lcores", c.dataplane.rx_lcores, "rx lcores, 0..64 (0 = run to completion with 1 worker)")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(0u, 64u))->capture_default_str();
    cmd.add_option("--cards", c.engine.velocity.card_capacity, "card entries per worker, 1024..4000000000")
        ->type_name("N")->transform(cli::whole_number())
        ->check(cli::in_range(uint64_t{1024}, uint64_t{4'000'000'000}))->capture_default_str();
    cmd.add_option("--burst", c.dataplane.burst,
                   "packets per rx burst, 1..64 ([dataplane] burst): the latency bound, since a "
                   "burst is scored before the next is read")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(1, 64))->capture_default_str();
    cmd.add_flag_callback("--no-testpmd", [&s] { s.testpmd = false; }, "skip the testpmd ceiling");
    cmd.add_flag_callback("--no-floors", [&s] { s.floors = false; },
                          "skip the floors (decode, screening, velocity accesses measured alone; see below)");
    cmd.add_flag("--no-spool", s.opt.no_spool,
                 "write no Avro spool: the controlplane only counts verdicts, so the figures "
                 "are the dataplane's alone (by default every verdict is spooled, as in "
                 "production, and on a host with few CPUs the spool's thread can hold the "
                 "workers back through the ring)");
}

struct run_figures {
    double tx_per_s = 0;
    double pps = 0;
    uint64_t p50 = 0, p99 = 0, p999 = 0;
    double controlplane_ns = 0;  // the control loop thread's CPU per verdict
    std::vector<double> per_worker;
    bool identities = false;
};

run_figures child_run(const appliance_options& opt) {
    int fd[2];
    if (pipe(fd) != 0) throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        run_figures f;
        try {
            appliance_result r = run_appliance(opt, {});
            const appliance_counters& c = r.counters;
            // Messages: verdicts, and on TCP feeds the responses' outcomes too.
            f.tx_per_s = static_cast<double>(c.verdicts_consumed + c.outcomes_consumed) / r.elapsed_s;
            f.pps = static_cast<double>(c.dp.rx.rx_packets) / r.elapsed_s;
            f.p50 = c.latency.quantile(0.5);
            f.p99 = c.latency.quantile(0.99);
            f.p999 = c.latency.quantile(0.999);
            f.identities = all_hold(accounting_identities(c));
            f.controlplane_ns = c.verdicts_consumed ? r.controlplane_cpu_s * 1e9 / static_cast<double>(c.verdicts_consumed) : 0;
            std::string line = std::to_string(f.tx_per_s) + " " + std::to_string(f.pps) + " " + std::to_string(f.p50) +
                               " " + std::to_string(f.p99) + " " + std::to_string(f.p999) + " " +
                               std::to_string(f.identities ? 1 : 0) + " " + std::to_string(f.controlplane_ns);
            for (const auto& w : r.counters.dp.per_worker) {
                line += ' ';  // (not " " + to_string(): GCC 12 raises a false -Wrestrict there)
                line += std::to_string(static_cast<double>(w.verdicts) / r.elapsed_s);
            }
            line += "\n";
            if (write(fd[1], line.data(), line.size()) < 0) _exit(1);
            _exit(0);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "txscreen bench: %s\n", e.what());
            _exit(1);
        }
    }
    close(fd[1]);
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = read(fd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.empty()) throw std::runtime_error("a bench run failed");
    run_figures f;
    int ident = 0;
    char* p = out.data();
    f.tx_per_s = std::strtod(p, &p);
    f.pps = std::strtod(p, &p);
    f.p50 = std::strtoull(p, &p, 10);
    f.p99 = std::strtoull(p, &p, 10);
    f.p999 = std::strtoull(p, &p, 10);
    ident = static_cast<int>(std::strtol(p, &p, 10));
    f.identities = ident == 1;
    f.controlplane_ns = std::strtod(p, &p);
    while (*p && *p != '\n') f.per_worker.push_back(std::strtod(p, &p));
    return f;
}

// Median of testpmd's "Rx-pps:" readings over `seconds` (the first two dropped as ramp-up).
double testpmd_rxonly_pps(const std::string& pcap, double seconds, uint64_t packets) {
    // The whole capture lives in mbufs (infinite_rx): size EAL memory for it.
    const uint64_t mem_mb = 512 + ((packets + 16384) * mbuf_memory_bytes >> 20);
    std::string cmd = "timeout -s INT " + std::to_string(static_cast<int>(seconds) + 3) +
                      " dpdk-testpmd --no-huge -m " + std::to_string(mem_mb) + " --file-prefix=txscreen-testpmd-" +
                      std::to_string(getpid()) +
                      " --no-pci -l 0-1 --log-level=lib.eal:error"
                      " --vdev 'net_pcap0,rx_pcap=" + pcap + ",infinite_rx=1' -- --forward-mode=rxonly"
                      " --stats-period=1 --nb-cores=1 --total-num-mbufs=" + std::to_string(packets + 16384) + " -a 2>&1";
    FILE* f = popen(cmd.c_str(), "r");
    if (!f) return 0;
    std::vector<double> v;
    char line[512];
    while (std::fgets(line, sizeof line, f))
        if (const char* q = std::strstr(line, "Rx-pps:")) v.push_back(std::strtod(q + 7, nullptr));
    pclose(f);
    std::system(("rm -rf /var/run/dpdk/txscreen-testpmd-" + std::to_string(getpid())).c_str());
    if (v.size() > 2) v.erase(v.begin(), v.begin() + 2);
    v.erase(std::remove(v.begin(), v.end(), 0.0), v.end());
    if (v.empty()) {
        std::fprintf(stderr, "txscreen bench: dpdk-testpmd gave no Rx-pps reading (command: %s)\n", cmd.c_str());
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <typename T>
T median(std::vector<T> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

struct series_medians {
    double tx = 0, pps = 0;
    uint64_t p50 = 0, p99 = 0, p999 = 0;
    double controlplane_ns = 0;
};

series_medians medians_of(const std::vector<run_figures>& all) {
    std::vector<double> tx, pps, cp;
    std::vector<uint64_t> p50, p99, p999;
    for (const auto& f : all) {
        tx.push_back(f.tx_per_s);
        pps.push_back(f.pps);
        p50.push_back(f.p50);
        p99.push_back(f.p99);
        p999.push_back(f.p999);
        cp.push_back(f.controlplane_ns);
    }
    return {median(tx), median(pps), median(p50), median(p99), median(p999), median(cp)};
}

void print_run(const char* label, unsigned i, const run_figures& f) {
    std::printf("%srun %u: %.0f msg/s (%.0f packets/s)  p50 %llu ns  p99 %llu ns  p999 %llu ns  controlplane %.0f "
                "CPU ns/verdict  identities %s  per worker:",
                label, i + 1, f.tx_per_s, f.pps, static_cast<unsigned long long>(f.p50),
                static_cast<unsigned long long>(f.p99), static_cast<unsigned long long>(f.p999), f.controlplane_ns,
                f.identities ? "hold" : "BROKEN");
    for (double w : f.per_worker) std::printf(" %.0f", w);
    std::printf("\n");
    std::fflush(stdout);
}

// The --beside capture's medians, and the per-message difference of --pcap over it.
void add_beside(nlohmann::ordered_json& line, const series_medians& a, const series_medians& b, unsigned runs) {
    const double ns_a = a.tx > 0 ? 1e9 / a.tx : 0, ns_b = b.tx > 0 ? 1e9 / b.tx : 0;
    std::printf("median of %u runs of --beside: %.0f msg/s; --pcap costs %.1f ns per message, --beside %.1f: "
                "difference %+.1f ns per message\n",
                runs, b.tx, ns_a, ns_b, ns_a - ns_b);
    line["beside_tx_per_s"] = std::llround(b.tx);
    line["beside_p99_ns"] = b.p99;
    line["ns_per_message"] = std::round(ns_a * 10) / 10;
    line["beside_ns_per_message"] = std::round(ns_b * 10) / 10;
    line["difference_ns_per_message"] = std::round((ns_a - ns_b) * 10) / 10;
    std::printf("controlplane CPU per verdict: --pcap %.1f ns, beside %.1f ns: difference %+.1f ns\n",
                a.controlplane_ns, b.controlplane_ns, a.controlplane_ns - b.controlplane_ns);
    line["controlplane_ns_per_verdict"] = std::round(a.controlplane_ns * 10) / 10;
    line["beside_controlplane_ns_per_verdict"] = std::round(b.controlplane_ns * 10) / 10;
}

// The floors beside the pipeline, each for a quarter of a run's duration. A capture
// they cannot read is a message, not a failed bench: the runs' figures still stand.
void add_floors(nlohmann::ordered_json& line, const appliance_options& opt, double testpmd_pps, double pipeline_ns) {
    std::fflush(stdout);  // the runs' lines first, also when a floor's error goes to stderr
    try {
        report_floors(measure_floors(opt, opt.duration_s / 4), testpmd_pps, pipeline_ns, line);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "txscreen bench: floors: %s\n", e.what());
    }
}

int bench_command(bench_state& state, const std::vector<std::string>& eal) {
    if (!state.config_errors.empty()) {
        for (const auto& e : state.config_errors) std::fprintf(stderr, "%s\n", e.c_str());
        return 2;
    }
    appliance_options& opt = state.opt;
    appliance_config& c = opt.config;
    c.dataplane.eal_args.insert(c.dataplane.eal_args.end(), eal.begin(), eal.end());
    if (c.dataplane.workers > 1 && c.dataplane.rx_lcores == 0) c.dataplane.rx_lcores = 1;
    const unsigned runs = state.runs;
    appliance_options beside = opt;
    if (!state.beside.empty()) beside.pcaps = {state.beside};
    if (!state.beside_config.empty()) {
        config_result r = load_config_file(state.beside_config);
        if (!r.ok()) {
            for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
            return 2;
        }
        beside.config = std::move(r.config);
        beside.config.kafka.enabled = false;
        beside.config.dataplane = c.dataplane;  // the same ports, lcores and feeds: only the controlplane differs
        state.beside = state.beside_config;
    }

    const uint64_t packets = pcap_packet_count(opt.pcaps[0]);
    double ceiling = state.testpmd ? testpmd_rxonly_pps(opt.pcaps[0], opt.duration_s, packets) : 0;
    if (state.testpmd) std::printf("testpmd rxonly on the same capture: %.0f packets/s\n", ceiling);
    std::vector<run_figures> all, all_beside;
    for (unsigned i = 0; i < runs; ++i) {
        all.push_back(child_run(opt));
        print_run("", i, all.back());
        if (state.beside.empty()) continue;
        all_beside.push_back(child_run(beside));
        print_run("--beside ", i, all_beside.back());
    }
    const series_medians m = medians_of(all);
    std::printf("median of %u runs: %.0f msg/s with %u worker(s); p50 %llu ns p99 %llu ns p999 %llu ns; "
                "testpmd ceiling %.0f packets/s\n",
                runs, m.tx, c.dataplane.workers, static_cast<unsigned long long>(m.p50),
                static_cast<unsigned long long>(m.p99), static_cast<unsigned long long>(m.p999), ceiling);
    nlohmann::ordered_json line = {
        {"tx_per_s", std::llround(m.tx)},  {"packets_per_s", std::llround(m.pps)},
        {"workers", c.dataplane.workers}, {"rx_lcores", c.dataplane.rx_lcores},
        {"p50_ns", m.p50},                {"p99_ns", m.p99},
        {"p999_ns", m.p999},              {"testpmd_rxonly_pps", std::llround(ceiling)},
        {"runs", runs},                   {"duration_s", opt.duration_s},
        {"burst", c.dataplane.burst},     {"spool", !opt.no_spool},
        {"controlplane_ns_per_verdict", std::round(m.controlplane_ns * 10) / 10}};
    if (state.floors) add_floors(line, opt, ceiling, m.tx > 0 ? 1e9 * c.dataplane.workers / m.tx : 0);
    if (!state.beside.empty()) add_beside(line, m, medians_of(all_beside), runs);
    std::printf("%s\n", line.dump().c_str());
    return 0;
}

}  // namespace

command add_bench_command(CLI::App& app, const std::vector<std::string>& eal) {
    CLI::App* cmd = app.add_subcommand("bench", "loop a capture: throughput, latency, testpmd ceiling");
    cmd->footer(bench_footer);
    auto state = std::make_shared<bench_state>();
    appliance_config& c = state->opt.config;
    c.kafka.enabled = false;  // the dataplane's figures, not the broker's
    state->opt.loop = true;
    state->opt.duration_s = 10;
    state->opt.quiet = true;
    add_bench_options(*cmd, *state);
    return {cmd, [state, &eal] { return bench_command(*state, eal); }};
}

}  // namespace txscreen
