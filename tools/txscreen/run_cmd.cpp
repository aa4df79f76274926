// txscreen run: the appliance on DPDK ports until the input ends or SIGINT/SIGTERM.
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "config/config_checks.h"
#include "controlplane/appliance/appliance.h"
#include "tools/cli_app.h"
#include "tools/txscreen/commands.h"
#include "controlplane/appliance/run_losses.h"

namespace txscreen {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

const char* const run_footer = R"(Runs the dataplane on the configured ports (and any given here), scores every
transaction, publishes alerts to Kafka and prints a summary. Without --config the
built-in defaults apply (docs/config.md): the four feeds txgen writes by default,
the embedded Kafka broker. With --pcap the capture is processed once, drained, and
the command exits. SIGINT/SIGTERM stop rx, finish in-flight verdicts, flush Kafka
and exit. Options given here override the file, whatever their order.

EAL arguments after `--`; when not given there: lcores for the roles, --no-huge -m N
when no hugepages are reserved, and a per-process --file-prefix.

exit status:
  0  every record taken reached its sinks (rejected input is counted, not lost)
  1  runtime failure (a port, the spool, Kafka or the admin API could not start)
  2  usage or configuration error; nothing started
  3  the run finished but records were lost or refused: spool rows refused (disk
     full, I/O error, or over spool.max_bytes with no [s3] uploader) or never made
     durable, alerts Kafka did not take and no outbox saved, --verdicts-out lines
     not written; the summary prints one "lost:" line per kind (docs/runbook.md))";

// What `run` parsed: the appliance options (the --config file, then every other option
// over it) and what stays on the command line's side.
struct run_state {
    appliance_options opt;
    std::string config_path;
    std::vector<std::string> config_errors;  // from loading --config; reported before anything starts
    std::string summary_json, verdicts_out;
    bool admin_flag = false;
};

// The file and the inputs. CLI11 runs option callbacks in the order the options are
// added, after the whole line parsed: --config comes first, so every later option
// overrides the file whatever its place on the line.
void add_input_options(CLI::App& cmd, run_state& s) {
    cmd.add_option_function<std::string>(
           "--config",
           [&s](const std::string& path) {
               s.config_path = path;
               config_result r = load_config_file(path);
               if (r.ok()) s.opt.config = std::move(r.config);
               else s.config_errors = std::move(r.errors);
           },
           "appliance configuration (TOML, docs/config.md; check it with check-config)")
        ->type_name("FILE");
    cmd.add_option("--pcap", s.opt.pcaps, "a capture to replay through a net_pcap vdev (repeatable)")
        ->type_name("FILE")->allow_extra_args(false);
    cmd.add_flag("--loop", s.opt.loop,
                 "replay the --pcap captures forever (net_pcap infinite_rx) until SIGINT/SIGTERM; "
                 "use raw framing (a looped MoldUDP64 capture repeats its sequence numbers: "
                 "duplicates, or for a long capture a confirmed sequence reset each pass)");
    cmd.add_option("--device", s.opt.devices, "any other DPDK device: vdev args or a PCI address (repeatable)")
        ->type_name("ARGS")->allow_extra_args(false);
    cmd.add_option("--idle-timeout", s.opt.idle_timeout_s, "stop when no packet arrives for S seconds")
        ->type_name("S")->check(cli::in_range(0.0, 86400.0))->capture_default_str();
}

// Lcores, engine and sinks: fields of the configuration.
void add_config_options(CLI::App& cmd, run_state& s) {
    appliance_config& c = s.opt.config;
    cmd.add_option("--workers", c.dataplane.workers, "worker lcores owning card shards, 1..64")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(1u, 64u))->capture_default_str();
    cmd.add_option("--rx-lcores", c.dataplane.rx_lcores,
                   "rx lcores, 0..64 (0: one lcore receives and scores, run to completion; "
                   "more than 1 worker needs one, and gets one when not given)")
        ->type_name("N")->transform(cli::whole_number())->check(cli::in_range(0u, 64u))->capture_default_str();
    cmd.add_option("--rules", c.rules.file, "ruleset TOML (default: the built-in ruleset, docs/rules.md)")
        ->type_name("FILE");
    cmd.add_option("--cards", c.engine.velocity.card_capacity, "card entries per worker, 1024..4000000000")
        ->type_name("N")->transform(cli::whole_number())
        ->check(cli::in_range(uint64_t{1024}, uint64_t{4'000'000'000}))->capture_default_str();
    cmd.add_option("--token-key", c.dataplane.tokenization_key,
                   "tokenization key in hex: 32 digits for [tokenization] tokenizer = \"aes-cmac\" (the default), "
                   "32 or more for \"hmac-sha256\" (default $TXSCREEN_TOKEN_KEY, else the demo key, with a warning)")
        ->type_name("HEX");
    cmd.add_option_function<std::string>(
           "--tokenizer",
           [&c](const std::string& v) {
               c.dataplane.tokenizer = token_method_named(v);
               c.dataplane.tokenizer_set = true;
           },
           "what makes card tokens ([tokenization] tokenizer): aes-cmac (the default) or hmac-sha256 "
           "(the tokens systems downstream already hold; docs/feeds.md, Tokenizers)")
        ->type_name("NAME")->check(CLI::IsMember({"aes-cmac", "hmac-sha256"}));
    cmd.add_option_function<std::string>(
           "--brokers", [&c](const std::string& v) { c.kafka.brokers = v, c.kafka.enabled = true; },
           "Kafka bootstrap servers host:port,... or \"embedded\" (an in-process broker on "
           "loopback; the default)")
        ->type_name("LIST");
    cmd.add_flag_callback("--no-kafka", [&c] { c.kafka.enabled = false; }, "do not publish to Kafka");
    cmd.add_flag_callback("--publish-scored", [&c] { c.kafka.publish_scored = true; },
                          "also publish every verdict to txscreen.scored");
    cmd.add_option("--spool", c.spool.dir, "spool directory for the Avro files")->type_name("DIR")->capture_default_str();
    cmd.add_flag("--no-spool", s.opt.no_spool,
                 "write no Avro spool (benchmarks and tests only: without the spool a Kafka "
                 "outage or a crash loses records)");
    cmd.add_option("--s3-endpoint", c.s3.endpoint,
                   "upload completed spool files to this S3-compatible endpoint (bucket and "
                   "credentials from --config or AWS_* variables)")
        ->type_name("URL");
}

// The admin API and what the command writes.
void add_output_options(CLI::App& cmd, run_state& s) {
    appliance_config& c = s.opt.config;
    cmd.add_option_function<std::string>(
           "--admin",
           [&s, &c](const std::string& v) {
               if (!parse_host_port(v, c.admin.address, c.admin.port))
                   throw CLI::ValidationError("--admin", "'" + v + "' is not ADDR:PORT (e.g. 127.0.0.1:8080, [::1]:0)");
               s.admin_flag = true;
           },
           "serve the admin REST API and dashboard there (docs/admin.md; port 0 = any free "
           "port, printed and written to --ready-file); the bearer token comes from "
           "[admin] token, --admin-token or $TXSCREEN_ADMIN_TOKEN")
        ->type_name("ADDR:PORT");
    cmd.add_option("--admin-token", c.admin.token, "admin bearer token (or env:NAME), at least 16 characters")
        ->type_name("TOKEN");
    cmd.add_flag("--hold", s.opt.hold,
                 "after the input ends and all is drained, keep the admin API up with the "
                 "final counters until SIGINT/SIGTERM");
    cmd.add_option("--summary-json", s.summary_json, "write the final counters (identities included) as JSON")
        ->type_name("FILE");
    cmd.add_option("--verdicts-out", s.verdicts_out, "write one canonical line per verdict (no timestamps)")
        ->type_name("FILE");
    cmd.add_option("--ready-file", s.opt.ready_file, "create FILE once the dataplane is polling (for scripts)")
        ->type_name("FILE");
    cmd.add_flag("--quiet", s.opt.quiet, "print nothing but errors");
}

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

// What needs the whole line and the file: config errors, the EAL arguments, options that
// need another. Prints the problem and returns exit_usage, else 0.
int finish_options(run_state& s, const std::vector<std::string>& eal) {
    if (!s.config_errors.empty()) {
        for (const auto& e : s.config_errors) std::fprintf(stderr, "%s\n", e.c_str());
        std::fprintf(stderr, "txscreen run: %zu error(s) in %s; nothing started\n", s.config_errors.size(),
                     s.config_path.c_str());
        return cli::exit_usage;
    }
    appliance_config& c = s.opt.config;
    c.dataplane.eal_args.insert(c.dataplane.eal_args.end(), eal.begin(), eal.end());
    if (s.admin_flag && c.admin.token.empty()) {
        const char* env = std::getenv("TXSCREEN_ADMIN_TOKEN");
        if (!env || !*env) {
            std::fprintf(stderr, "txscreen run: --admin needs a bearer token: set [admin] token, --admin-token or "
                                 "TXSCREEN_ADMIN_TOKEN\n");
            return cli::exit_usage;
        }
        c.admin.token = "env:TXSCREEN_ADMIN_TOKEN";
    }
    if (s.opt.hold && c.admin.token.empty()) {
        std::fprintf(stderr, "txscreen run: --hold keeps the admin API up: give --admin ADDR:PORT too\n");
        return cli::exit_usage;
    }
    if (c.dataplane.workers > 1 && c.dataplane.rx_lcores == 0) c.dataplane.rx_lcores = 1;
    if (s.opt.pcaps.empty() && s.opt.devices.empty() && c.dataplane.ports.empty()) {
        std::fprintf(stderr, "txscreen run: no input: give --pcap FILE or --device ARGS, or [[port]] in --config (see --help)\n");
        return cli::exit_usage;
    }
    return 0;
}

int run_command(run_state& state, const std::vector<std::string>& eal) {
    if (int rc = finish_options(state, eal); rc != 0) return rc;
    const appliance_options& opt = state.opt;
    const std::string &summary_json = state.summary_json, &verdicts_out = state.verdicts_out;
    if (opt.config.dataplane.tokenization_key.empty() && !std::getenv("TXSCREEN_TOKEN_KEY") && !opt.quiet)
        std::fprintf(stderr, "txscreen run: warning: using the built-in demo tokenization key; set "
                             "TXSCREEN_TOKEN_KEY (hex) for real card data\n");
    else if (!opt.config.dataplane.tokenizer_set && !opt.quiet)
        std::fprintf(stderr, "warning: %s\n", tokenizer_default_warning);

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

    nlohmann::ordered_json json = result_json(res);
    json["loss"] = losses_json(losses);
    if (!summary_json.empty()) {
        std::ofstream f(summary_json);
        f << json.dump() << '\n';
        if (!f) throw std::runtime_error("--summary-json " + summary_json + ": cannot write");
    }
    if (!opt.quiet) std::printf("txscreen run: %s", result_text(res).c_str());
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

}  // namespace

command add_run_command(CLI::App& app, const std::vector<std::string>& eal) {
    CLI::App* cmd = app.add_subcommand("run", "screen traffic on DPDK ports: captures, vdevs, NICs");
    cmd->footer(run_footer);
    auto state = std::make_shared<run_state>();
    add_input_options(*cmd, *state);  // first: --config
    add_config_options(*cmd, *state);
    add_output_options(*cmd, *state);
    return {cmd, [state, &eal] { return run_command(*state, eal); }};
}

}  // namespace txscreen
