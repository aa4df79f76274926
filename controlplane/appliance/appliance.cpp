#include "controlplane/appliance/appliance.h"

#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "codec/feed_defaults.h"
#include "common/bounded_file.h"
#include "common/pan_token.h"
#include "config/config_bridge.h"
#include "controlplane/kafka_publisher.h"
#include "controlplane/s3_uploader.h"
#include "controlplane/spool_writer.h"
#include "rules/default_rules.h"
#include "rules/ruleset_store.h"
#include "screen/pattern_store.h"
#include "screen/starter_patterns.h"
#include "controlplane/appliance/appliance_admin.h"
#include "controlplane/appliance/engine_scorer.h"

namespace txscreen {

const char* const demo_token_key = "7478736372656e2d64656d6f2d6b65792d6e6f742d666f722d70726f64756374";

uint64_t pcap_packet_count(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (!p) throw std::runtime_error("pcap " + path + ": " + err);
    uint64_t n = 0;
    pcap_pkthdr* h;
    const u_char* d;
    while (pcap_next_ex(p, &h, &d) == 1) ++n;
    pcap_close(p);
    return n;
}

namespace {

bool hugepages_available() {
    std::ifstream f("/proc/meminfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("HugePages_Free:", 0) == 0) return std::strtoul(line.c_str() + 15, nullptr, 10) > 0;
    return false;
}

bool has_arg(const std::vector<std::string>& args, const char* prefix) {
    for (const auto& a : args)
        if (a.rfind(prefix, 0) == 0) return true;
    return false;
}

// Fills in EAL lcores and memory the caller did not give: enough lcores for the roles
// (mapped onto the CPUs there are), hugepages when reserved, else --no-huge.
std::vector<std::string> eal_defaults(const appliance_config& c) {
    std::vector<std::string> args = c.eal.args;
    const unsigned workers = c.lcores.workers, rx = c.lcores.rx;
    if (!has_arg(args, "-l") && !has_arg(args, "--lcores") && !has_arg(args, "-c")) {
        unsigned need = 1 + (rx == 0 ? 1 : rx + workers);
        unsigned cpus = std::thread::hardware_concurrency();
        if (cpus == 0) cpus = 1;
        std::string spec;
        for (unsigned i = 0; i < need; ++i)
            spec += (i ? "," : "") + std::to_string(i) + "@" + std::to_string(i % cpus);
        args.push_back("--lcores=" + spec);
    }
    const bool no_huge = c.eal.hugepages == hugepage_mode::off ||
                         (c.eal.hugepages == hugepage_mode::automatic && !hugepages_available());
    // Without hugepages: --no-huge even when the caller gave -m (EAL would otherwise
    // look for hugepages and fail), and -m sized for the velocity tables plus the mbuf
    // pools (a looped capture lives whole in its pool) unless given.
    if (no_huge && !has_arg(args, "--no-huge") && !has_arg(args, "--socket-mem")) {
        args.push_back("--no-huge");
        if (!has_arg(args, "-m")) {
            uint64_t mbufs = 0;
            for (const auto& p : c.ports) mbufs += uint64_t{p.rx_queues} * (p.rx_desc + c.dataplane.mbufs_per_queue);
            args.push_back("-m");
            args.push_back(std::to_string(512 + workers * (uint64_t{c.velocity.tables.card_capacity} * 640 >> 20) +
                                          (mbufs * mbuf_memory_bytes >> 20)));
        }
    }
    if (!has_arg(args, "--log-level")) args.push_back("--log-level=lib.eal:warning");
    if (!has_arg(args, "--no-telemetry") && !has_arg(args, "--telemetry")) args.push_back("--no-telemetry");
    return args;
}

}  // namespace

std::string verdict_line(const Verdict& v, const ruleset& rules) {
    const Txn& t = v.txn;
    std::string s;
    s.reserve(160);
    s += std::to_string(t.feed_id);
    s += ':';
    if (!t.txn_id.empty())
        s += t.txn_id.view();
    else
        s += std::string(t.rrn) + "/" + t.stan + "/" + std::string(t.terminal_id.view());
    s += ' ';
    s += token_hex(t.card_token);
    s += " score=" + std::to_string(v.score) + ' ' + decision_name(v.dec);
    if (v.alert) s += " alert";
    if (v.duplicate) s += " duplicate";
    for (int i = 0; i < v.n_reasons; ++i) {
        char buf[96];
        std::snprintf(buf, sizeof buf, " %.*s=%g/%g", static_cast<int>(rules.rule_name(v.reasons[i].rule_id).size()),
                      rules.rule_name(v.reasons[i].rule_id).data(), v.reasons[i].value, v.reasons[i].limit);
        s += buf;
    }
    return s;
}

appliance_result run_appliance(const appliance_options& opt, const verdict_sink& sink, const std::atomic<bool>* stop) {
    appliance_result res;
    appliance_config conf = opt.config;
    for (std::size_t i = 0; i < opt.pcaps.size(); ++i) {
        if (access(opt.pcaps[i].c_str(), R_OK) != 0) throw std::runtime_error("--pcap " + opt.pcaps[i] + ": cannot read the file");
        dp_port_config p;
        p.name = "pcap" + std::to_string(i);
        p.device = "net_pcap" + std::to_string(i) + ",rx_pcap=" + opt.pcaps[i] + (opt.loop ? ",infinite_rx=1" : "");
        conf.ports.push_back(p);
        const uint64_t packets = pcap_packet_count(opt.pcaps[i]);
        if (!opt.loop) res.expected_packets += packets;
        // infinite_rx keeps the whole capture in mbufs of the port's pool.
        if (opt.loop)
            conf.dataplane.mbufs_per_queue =
                std::max<uint32_t>(conf.dataplane.mbufs_per_queue, static_cast<uint32_t>(packets + 4096));
    }
    for (const auto& d : opt.devices) {
        dp_port_config p;
        p.name = "port" + std::to_string(conf.ports.size());
        p.device = d;
        conf.ports.push_back(p);
    }
    if (std::vector<std::string> errs = validate_config(conf); !errs.empty()) {
        std::string all;
        for (const auto& e : errs) all += (all.empty() ? "" : "\n  ") + e;
        throw std::runtime_error("configuration refused:\n  " + all);
    }
    if (opt.no_spool) conf.spool.dir.clear();
    dp_config cfg = to_dp_config(conf);
    if (cfg.tokenization_key.empty()) {
        const char* env = std::getenv("TXSCREEN_TOKEN_KEY");
        cfg.tokenization_key = env && *env ? env : demo_token_key;
    } else {
        std::string key;
        if (!resolve_secret(cfg.tokenization_key, key)) throw std::runtime_error("tokenization.key: " + cfg.tokenization_key + " is not set");
        cfg.tokenization_key = key;
    }
    cfg.eal_args = eal_defaults(conf);
    if (std::string err = validate(cfg); !err.empty()) throw std::runtime_error("config: " + err);
    const unsigned workers = cfg.workers;

    ruleset_store rules;
    std::string rules_text(default_rules_text());
    if (conf.rules.file.empty()) {
        // The shipped defaults (src/rules/default_rules.toml, tuned on txgen feeds).
        auto r = rules.load(rules_text, "default_rules.toml (built in)");
        if (!r.ok()) throw std::runtime_error("built-in ruleset: " + r.error);
    } else {
        // Read once, bounded: the text served by GET /api/v1/rules is the text loaded.
        input_file in = read_input_file(conf.rules.file, input_kind::rules);
        if (!in.ok()) throw std::runtime_error(conf.rules.file + ": " + in.problem);
        rules_text = std::move(in.text);
        auto r = rules.load(rules_text, conf.rules.file);
        if (!r.ok()) throw std::runtime_error(r.error);
    }
    // Kafka comes up before the dataplane so a bad broker list fails at start-up.
    std::unique_ptr<kafka_publisher> kafka;
    const ruleset* names = nullptr;  // the ruleset this (controlplane) thread reads names from
    if (conf.kafka.enabled) {
        kafka_config kc = to_kafka_config(conf);
        // Alerts the broker cannot take yet wait on disk next to the spool, not in
        // memory and not by stalling the dataplane (docs/kafka.md, "Outbox").
        if (!conf.spool.dir.empty()) kc.outbox_dir = conf.spool.dir + "/kafka-outbox";
        if (std::string err = validate_kafka_config(kc); !err.empty()) throw std::runtime_error("kafka: " + err);
        verdict_json_names kn;
        // Called while publishing, on this thread, which holds `names` as a reader.
        kn.rule = [&names](uint32_t, uint16_t id) -> std::string_view {
            return names ? names->rule_name(id) : std::string_view();
        };
        kafka = std::make_unique<kafka_publisher>(kc, kn);
        res.kafka_bootstrap = kafka->bootstrap_servers();
        if (!opt.quiet) std::printf("txscreen: Kafka %s at %s\n", kc.brokers == "embedded" ? "embedded broker" : "brokers",
                                    res.kafka_bootstrap.c_str());
    }

    // Spool: every verdict and reject as Avro (docs/spool.md); S3 upload when an
    // endpoint is configured, else the spool directory is the lake.
    std::unique_ptr<spool_writer> spool;
    std::unique_ptr<s3_uploader> uploader;
    if (!conf.spool.dir.empty()) {
        spool_config sc = to_spool_config(conf);
        // With no uploader nothing drains the spool: past its disk budget rows are
        // refused and counted (screening goes on, `run` exits 3) instead of holding rx
        // forever; with one, rx is held until uploads free room (docs/spool.md).
        sc.refuse_over_budget = conf.s3.endpoint.empty();
        spool = std::make_unique<spool_writer>(std::move(sc), [&names](uint32_t, uint16_t id) -> std::string_view {
            return names ? names->rule_name(id) : std::string_view();
        });
        if (!spool->open()) throw std::runtime_error("spool: " + spool->last_error());
        res.spool_dir = conf.spool.dir;
        if (!conf.s3.endpoint.empty()) {
            uploader = std::make_unique<s3_uploader>(conf.spool.dir, to_s3_config(conf));
            if (!uploader->start()) throw std::runtime_error("s3: " + uploader->last_error());
            spool->on_file_completed([u = uploader.get()](const std::string&) { u->notify(); });
            res.s3_endpoint = conf.s3.endpoint;
        }
    }

    // Screening: the configured pattern file, else the starter set built in.
    pattern_store patterns(workers);
    const bool screening = conf.screening.patterns != "none";
    if (screening) {
        pattern_publish_result pr = conf.screening.patterns.empty()
                                        ? patterns.load(starter_patterns_text(), "starter.patterns (built in)")
                                        : patterns.load_file(conf.screening.patterns);
        if (!pr.ok()) throw std::runtime_error("screening.patterns: " + pr.error);
    }
    engine_config ecfg = to_engine_config(conf);
    engine_scorer scorer(rules, ecfg, workers, screening ? &patterns : nullptr);
    lookup_scorer lookups(scorer);  // admin card lookups answered on the workers' lcores
    dataplane dp(cfg, lookups);
    // Destroyed before `dp` (reverse order), on every path: the engines' velocity tables
    // live in EAL memory, which the dataplane's destructor hands back.
    struct release_engines {
        engine_scorer& s;
        ~release_engines() { s.release_all(); }
    } engines_first{scorer};
    const int cp_slot = rules.register_reader();
    names = rules.quiescent(cp_slot);
    res.ruleset_version = names ? names->version : 0;

    // Admin REST API (docs/admin.md) when a token is configured. Declared after the
    // engines' guard so it stops (and no lookup can reach an engine) before they go.
    std::unique_ptr<appliance_admin> admin;
    std::unique_ptr<admin_server> admin_srv;
    if (!conf.admin.token.empty()) {
        appliance_admin::hooks h;
        h.patterns_text = [&patterns] { return patterns.text(); };
        h.patterns_version = [&patterns] { return patterns.version(); };
        h.put_patterns = [&patterns](std::string_view body) {
            put_result r;
            pattern_publish_result pr = patterns.load(body, "PUT /api/v1/patterns");
            r.ok = pr.ok();
            r.version = pr.ok() ? pr.version : patterns.version();
            r.error = pr.error;
            return r;
        };
        admin = std::make_unique<appliance_admin>(rules, lookups, cfg.tokenization_key, std::move(h));
        admin->set_rules_text(rules_text);
        admin_config ac = to_admin_config(conf);
        if (ac.token.empty()) throw std::runtime_error("admin.token: " + conf.admin.token + " is not set");
        ac.access_log = nullptr;
        admin_srv = std::make_unique<admin_server>(ac, *admin);
        std::string host = ac.address.find(':') != std::string::npos ? "[" + ac.address + "]" : ac.address;
        res.admin_url = std::string(admin_srv->tls() ? "https://" : "http://") + host + ":" + std::to_string(admin_srv->port());
        if (!opt.quiet) std::printf("txscreen: admin API and dashboard at %s/\n", res.admin_url.c_str());
    }
    // Counted per rule id and decision on the hot loop; names are looked up per snapshot.
    std::vector<uint64_t> rule_hits(detector_count + max_user_rules, 0);
    std::array<uint64_t, 16> category_hits{};
    uint64_t decision_counts[3] = {};
    uint32_t last_rs_version = 0, last_pat_version = 0;
    // Kafka is "stalled" while records wait (in the producer, the outbox or held here)
    // and no acknowledgement has arrived since kafka_progress_at.
    std::chrono::steady_clock::time_point kafka_progress_at = std::chrono::steady_clock::now();
    uint64_t kafka_last_acked = 0;
    spool_stats last_spool{};

    dp.start();
    if (!opt.ready_file.empty()) {
        std::ofstream rf(opt.ready_file);
        rf << getpid() << '\n';
        if (!res.admin_url.empty()) rf << "admin " << res.admin_url << '\n';
    }
    using clock = std::chrono::steady_clock;
    const auto t_start = clock::now();
    auto t_first = t_start, t_last_rx = t_start;
    uint64_t last_rx_packets = 0;
    bool stopping = false, seen_first = false;
    std::vector<Verdict> buf(256);
    std::vector<reject_record> rej(256);
    const double tsc_ns = 1e9 / static_cast<double>(dp.tsc_hz());
    auto last_check = t_start;

    auto consume = [&](const Verdict& v) {
        ++res.verdicts;
        res.latency.record(static_cast<uint64_t>(static_cast<double>(v.verdict_tsc - v.txn.rx_tsc) * tsc_ns));
        ++decision_counts[static_cast<unsigned>(v.dec) % 3];
        for (int i = 0; i < v.n_reasons; ++i)
            if (v.reasons[i].rule_id < rule_hits.size()) ++rule_hits[v.reasons[i].rule_id];
        for (uint16_t c = v.pattern_categories; c; c &= c - 1) ++category_hits[__builtin_ctz(c)];
        last_rs_version = v.ruleset_version;
        last_pat_version = v.patterns_version;
        if (v.alert) {
            ++res.alerts;
            if (names && v.n_reasons) ++res.alerts_by_rule[std::string(names->rule_name(v.reasons[0].rule_id))];
        }
        if (sink && names) sink(v, *names);
        if (spool && !spool->append(v)) ++res.spool_refused;
    };
    // Alerts Kafka refused with backpressure wait here, in order; while any wait, no
    // new verdicts are taken, so the dataplane's rings fill and rx stops polling.
    std::deque<Verdict> kafka_wait;
    // An alert refused outright reached neither the broker nor the outbox: counted lost.
    auto count_dropped = [&](publish_result r) {
        if (r == publish_result::unavailable || r == publish_result::encode_error) ++res.kafka_alerts_dropped;
    };
    auto publish = [&](const Verdict& v) {
        if (!kafka) return;
        if (!kafka_wait.empty()) {
            kafka_wait.push_back(v);
            return;
        }
        const publish_result r = kafka->publish(v);
        if (r == publish_result::backpressure) kafka_wait.push_back(v);
        count_dropped(r);
    };
    auto retry_kafka = [&]() {
        while (!kafka_wait.empty()) {
            publish_result r = kafka->publish(kafka_wait.front());
            if (r == publish_result::backpressure) {
                ++res.kafka_backpressure_waits;
                return false;
            }
            count_dropped(r);
            kafka_wait.pop_front();
        }
        return true;
    };

    struct {
        clock::time_point t;
        uint64_t verdicts = 0, alerts = 0, rx = 0;
    } rate_base{t_start};
    std::array<double, 3> rate_now{};
    auto snapshot = [&](bool finished) {
        if (!admin) return;
        appliance_snapshot sn;
        sn.finished = finished;
        sn.dataplane_running = !finished && !stopping;
        sn.stats = dp.stats();
        sn.latency = res.latency;
        sn.verdicts = res.verdicts;
        sn.alerts = res.alerts;
        sn.rejects = res.rejects;
        sn.alerts_by_rule = res.alerts_by_rule;
        for (unsigned d = 0; d < 3; ++d)
            if (decision_counts[d]) sn.decisions[decision_name(static_cast<decision>(d))] = decision_counts[d];
        for (std::size_t id = 0; id < rule_hits.size(); ++id)
            if (rule_hits[id] && names) sn.rule_hits[std::string(names->rule_name(static_cast<uint16_t>(id)))] = rule_hits[id];
        sn.category_hits = category_hits;
        sn.ruleset_version = rules.version();
        sn.last_verdict_ruleset = last_rs_version;
        sn.last_verdict_patterns = last_pat_version;
        sn.patterns_version = last_pat_version;
        if (kafka) {
            sn.have_kafka = true;
            sn.kafka = kafka->counters();
            sn.kafka_ready = kafka->ready();
            uint64_t acked = 0, pending = 0;
            for (const auto& t : sn.kafka.topic) {
                acked += t.acked;
                pending += t.pending();
            }
            const bool waiting = !kafka_wait.empty() || pending > 0 || sn.kafka.outbox.backlog > 0;
            const auto now = clock::now();
            if (!waiting || acked != kafka_last_acked) {
                kafka_progress_at = now;
                kafka_last_acked = acked;
            }
            sn.kafka_stalled_s = std::chrono::duration<double>(now - kafka_progress_at).count();
            sn.kafka_waiting = kafka_wait.size();
            sn.kafka_alerts_dropped = res.kafka_alerts_dropped;
        }
        if (spool) {
            sn.have_spool = true;
            sn.spool = finished ? last_spool : spool->stats();
            sn.spool_writable = finished ? true : spool->writable();
            if (!sn.spool_writable) sn.spool_error = spool->last_error();
        }
        if (uploader) {
            sn.have_s3 = true;
            sn.s3 = uploader->stats();
        }
        sn.velocity = lookups.velocity_totals();
        const auto now = clock::now();
        sn.snapshot_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
        const double dt = std::chrono::duration<double>(now - rate_base.t).count();
        if (dt >= 1.0) {
            rate_now = {static_cast<double>(res.verdicts - rate_base.verdicts) / dt,
                        static_cast<double>(res.alerts - rate_base.alerts) / dt,
                        static_cast<double>(sn.stats.rx.rx_packets - rate_base.rx) / dt};
            rate_base = {now, res.verdicts, res.alerts, sn.stats.rx.rx_packets};
        }
        if (finished) rate_now = {0, 0, 0};
        sn.verdicts_per_s = rate_now[0];
        sn.alerts_per_s = rate_now[1];
        sn.rx_packets_per_s = rate_now[2];
        admin->update(std::move(sn));
    };
    auto last_snapshot = t_start - std::chrono::seconds(1);

    for (;;) {
        // Read "drained" before polling: a worker enqueues its last verdicts before it
        // reports done, so an empty poll after a drained reading means nothing is left.
        const bool was_drained = dp.drained();
        if (admin && clock::now() - last_snapshot > std::chrono::milliseconds(100)) {
            // Also the controlplane's quiescent point: names of a newer ruleset.
            names = rules.quiescent(cp_slot);
            snapshot(false);
            last_snapshot = clock::now();
        }
        // Housekeeping every 5 ms whether or not verdicts keep coming: under sustained
        // load (or Kafka backpressure) the rings never read empty, and a stop request,
        // the spool's fsync interval and the end of input must still be seen.
        if (const auto now = clock::now(); now - last_check > std::chrono::milliseconds(5)) {
            last_check = now;
            if (spool) spool->tick();
            if (!stopping) {
                dp_stats s = dp.stats();
                if (s.rx.rx_packets != last_rx_packets) {
                    if (!seen_first) t_first = now;
                    seen_first = true;
                    last_rx_packets = s.rx.rx_packets;
                    t_last_rx = now;
                }
                double since_start = std::chrono::duration<double>(now - t_start).count();
                double idle = std::chrono::duration<double>(now - t_last_rx).count();
                bool done = (res.expected_packets && s.rx.rx_packets >= res.expected_packets) ||
                            (opt.duration_s > 0 && since_start >= opt.duration_s) ||
                            (!opt.loop && opt.idle_timeout_s > 0 && idle >= opt.idle_timeout_s) ||
                            (stop && stop->load()) || (admin && admin->drain_requested());
                if (done) {
                    stopping = true;
                    dp.stop_rx();
                }
            }
        }
        if (kafka && !retry_kafka()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        // Over its disk budget (with an uploader to drain it) the spool takes nothing
        // new: the rings fill and rx pauses. Once stopping, what is in flight is taken
        // (an overshoot bounded by the rings).
        if (spool && !stopping && spool->should_wait()) {
            t_last_rx = clock::now();  // held input is not idle input
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        unsigned n = dp.poll_verdicts(buf.data(), static_cast<unsigned>(buf.size()));
        for (unsigned i = 0; i < n; ++i) {
            consume(buf[i]);
            publish(buf[i]);
        }
        unsigned m = dp.poll_rejects(rej.data(), static_cast<unsigned>(rej.size()));
        res.rejects += m;
        for (unsigned i = 0; i < m; ++i) {
            if (kafka) kafka->publish_reject(rej[i]);
            if (spool && !spool->append(rej[i])) ++res.spool_refused;
        }
        if (n || m) continue;
        if (was_drained) break;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    res.elapsed_s = std::chrono::duration<double>(clock::now() - (seen_first ? t_first : t_start)).count();
    dp.join();
    lookups.set_workers_stopped();
    res.stats = dp.stats();
    for (unsigned d = 0; d < 3; ++d)
        if (decision_counts[d]) res.decisions[decision_name(static_cast<decision>(d))] = decision_counts[d];
    if (spool) {
        spool->close();  // seals, fsyncs and renames every open file
        spool_stats ss = spool->stats();
        for (std::size_t t = 0; t < spool_table_count; ++t) {
            res.spool_appended += ss.appended[t];
            res.spool_durable += ss.durable[t];
        }
        res.spool_verdicts = ss.appended[static_cast<std::size_t>(spool_table::scored)];
        res.spool_rejects = ss.appended[static_cast<std::size_t>(spool_table::rejects)];
        res.spool_lost = ss.lost;
        res.spool_files = ss.files_completed;
        res.spool_disk_bytes = ss.disk_bytes;
        res.spool_max_bytes = ss.max_disk_bytes;
        res.spool_budget_refused = ss.budget_refused;
        res.spool_budget_waits = ss.budget_waits;
        if (!spool->writable()) res.spool_error = spool->last_error();
    }
    if (uploader) {
        // Give completed files a bounded time to reach S3; whatever is left stays in the
        // spool and the next start uploads it.
        uploader->notify();
        for (int i = 0; i < 300; ++i) {
            s3_uploader_stats us = uploader->stats();
            if (us.backlog_files == 0 && us.uploaded_files >= res.spool_files) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        uploader->stop();
        s3_uploader_stats us = uploader->stats();
        res.s3_uploaded_files = us.uploaded_files;
        res.s3_backlog_files = us.backlog_files;
        res.s3_failures = us.failures;
    }
    if (kafka) {
        // With an outbox, what the broker does not take in the flush budget waits on
        // disk for the next start; without one, allow the broker more time.
        const bool outbox = !kafka->config().outbox_dir.empty();
        kafka->flush(outbox ? kafka->config().shutdown_flush_ms : 30'000);
        if (kafka_embedded_broker* eb = kafka->embedded())  // asked before close() stops it
            res.kafka_embedded_retention_deleted = static_cast<uint64_t>(std::max<int64_t>(0, eb->retention_deleted()));
        kafka->close();  // purges the rest: alerts among it are saved to the outbox
        kafka_counters kcnt = kafka->counters();
        res.kafka_outbox = kcnt.have_outbox;
        res.kafka_alerts_spilled = kcnt.spilled;
        res.kafka_alerts_replayed = kcnt.replayed;
        res.kafka_outbox_recovered = kcnt.outbox.recovered;
        res.kafka_outbox_backlog = kcnt.outbox.backlog;
        res.kafka_outbox_lost = kcnt.outbox.lost;
        res.kafka_outbox_full = kcnt.outbox_full;
        res.kafka_alerts_saved = kcnt[kafka_topic::alerts].saved;
        const auto& a = kcnt[kafka_topic::alerts];
        res.kafka_alerts_produced = a.produced;
        res.kafka_alerts_acked = a.acked;
        res.kafka_alerts_pending = a.pending();
        res.kafka_alerts_failed = a.failed;
        res.kafka_refused = a.refused;
        res.kafka_scored_acked = kcnt[kafka_topic::scored].acked;
        res.kafka_rejects_acked = kcnt[kafka_topic::rejects].acked;
    }
    if (admin) {
        if (spool) last_spool = spool->stats();
        snapshot(true);
        res.reloads_ok = admin->reloads(0, true) + admin->reloads(1, true);
        res.reloads_refused = admin->reloads(0, false) + admin->reloads(1, false);
        if (opt.hold) {
            if (!opt.quiet) std::printf("txscreen: input finished; admin API still serving at %s/ until SIGINT/SIGTERM\n", res.admin_url.c_str());
            std::fflush(stdout);
            while (!(stop && stop->load())) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        admin_srv->stop();
    }
    rules.unregister_reader(cp_slot);
    return res;
}

std::string result_json(const appliance_result& r) {
    const dp_stats& s = r.stats;
    std::ostringstream o;
    o << "{\"rx_packets\":" << s.rx.rx_packets << ",\"feed_packets\":" << s.rx.feed_packets
      << ",\"non_feed_packets\":" << s.rx.non_feed_packets << ",\"non_feed_by_reason\":{";
    bool first = true;
    for (std::size_t i = 1; i < packet_drop_count; ++i) {
        if (!s.rx.drops[i]) continue;
        o << (first ? "" : ",") << '"' << packet_drop_names[i] << "\":" << s.rx.drops[i];
        first = false;
    }
    o << "},\"feed_messages\":" << s.rx.feed_messages << ",\"decoded\":" << s.rx.decoded
      << ",\"rejected\":" << s.rx.rejected << ",\"rejected_by_reason\":{";
    first = true;
    for (std::size_t i = 1; i < reject_reason_count; ++i) {
        if (!s.rx.rejects[i]) continue;
        o << (first ? "" : ",") << '"' << reject_table[i].name << "\":" << s.rx.rejects[i];
        first = false;
    }
    o << "},\"duplicates\":" << s.rx.duplicates << ",\"suspect_messages\":" << s.rx.suspect_messages
      << ",\"framing_errors\":" << s.rx.framing_errors
      << ",\"heartbeats\":" << s.rx.heartbeats << ",\"truncated_fields\":" << s.rx.truncated_fields
      << ",\"pans_masked\":" << s.rx.pans_masked
      << ",\"verdicts\":" << s.work.verdicts << ",\"verdicts_consumed\":" << r.verdicts << ",\"alerts\":" << r.alerts
      << ",\"rejects_consumed\":" << r.rejects << ",\"handoff_stalls\":" << s.rx.handoff_stalls
      << ",\"verdict_stalls\":" << s.work.verdict_stalls << ",\"kafka\":{\"bootstrap\":\"" << r.kafka_bootstrap
      << "\",\"alerts_produced\":" << r.kafka_alerts_produced << ",\"alerts_acked\":" << r.kafka_alerts_acked
      << ",\"alerts_pending\":" << r.kafka_alerts_pending << ",\"alerts_failed\":" << r.kafka_alerts_failed
      << ",\"refused\":" << r.kafka_refused << ",\"backpressure_waits\":" << r.kafka_backpressure_waits
      << ",\"scored_acked\":" << r.kafka_scored_acked << ",\"rejects_acked\":" << r.kafka_rejects_acked
      << ",\"outbox\":" << (r.kafka_outbox ? "true" : "false") << ",\"alerts_spilled\":" << r.kafka_alerts_spilled
      << ",\"alerts_saved\":" << r.kafka_alerts_saved << ",\"outbox_replayed\":" << r.kafka_alerts_replayed
      << ",\"outbox_recovered\":" << r.kafka_outbox_recovered << ",\"outbox_backlog\":" << r.kafka_outbox_backlog
      << ",\"outbox_lost\":" << r.kafka_outbox_lost << ",\"outbox_full\":" << r.kafka_outbox_full
      << ",\"alerts_dropped\":" << r.kafka_alerts_dropped
      << ",\"embedded_retention_deleted\":" << r.kafka_embedded_retention_deleted
      << "},\"spool\":{\"dir\":\"" << r.spool_dir << "\",\"appended\":" << r.spool_appended
      << ",\"verdicts\":" << r.spool_verdicts << ",\"rejects\":" << r.spool_rejects
      << ",\"durable\":" << r.spool_durable << ",\"refused\":" << r.spool_refused << ",\"lost\":" << r.spool_lost
      << ",\"files\":" << r.spool_files << ",\"disk_bytes\":" << r.spool_disk_bytes
      << ",\"max_bytes\":" << r.spool_max_bytes << ",\"budget_refused\":" << r.spool_budget_refused
      << ",\"budget_waits\":" << r.spool_budget_waits << ",\"s3_uploaded_files\":" << r.s3_uploaded_files
      << ",\"s3_backlog_files\":" << r.s3_backlog_files << ",\"s3_failures\":" << r.s3_failures
      << "},\"identities_hold\":"
      << (s.identities_hold() && r.verdicts == s.work.verdicts && r.rejects == s.rx.rejected &&
                  (r.spool_dir.empty() || (r.spool_verdicts == r.verdicts && r.spool_rejects == r.rejects &&
                                           r.spool_durable == r.spool_appended))
              ? "true"
              : "false")
      << ",\"elapsed_s\":" << r.elapsed_s << ",\"ruleset_version\":" << r.ruleset_version
      << ",\"latency_ns\":{\"p50\":" << r.latency.quantile(0.5) << ",\"p99\":" << r.latency.quantile(0.99)
      << ",\"p999\":" << r.latency.quantile(0.999) << ",\"max\":" << r.latency.max() << "},\"workers\":[";
    for (std::size_t w = 0; w < s.per_worker.size(); ++w)
        o << (w ? "," : "") << "{\"txns\":" << s.per_worker[w].txns << ",\"verdicts\":" << s.per_worker[w].verdicts
          << "}";
    o << "],\"ports\":[";
    for (std::size_t p = 0; p < s.ports.size(); ++p)
        o << (p ? "," : "") << "{\"name\":\"" << s.ports[p].name << "\",\"ipackets\":" << s.ports[p].ipackets
          << ",\"imissed\":" << s.ports[p].imissed << ",\"ierrors\":" << s.ports[p].ierrors
          << ",\"rx_nombuf\":" << s.ports[p].rx_nombuf << "}";
    o << "],\"feeds\":[";
    for (std::size_t f = 0; f < s.feeds.size(); ++f)
        o << (f ? "," : "") << "{\"name\":\"" << s.feeds[f].name << "\",\"missing\":" << s.feeds[f].missing
          << ",\"gap_events\":" << s.feeds[f].gap_events << ",\"late_accepted\":" << s.feeds[f].late_accepted
          << ",\"events_late\":" << s.feeds[f].events_late << ",\"events_ahead\":" << s.feeds[f].events_ahead
          << ",\"sequence_resets\":" << s.feeds[f].sequence_resets
          << ",\"suspect_datagrams\":" << suspect_reasons_json(s.feeds[f].suspect_datagrams)
          << ",\"suspect_messages\":" << suspect_reasons_json(s.feeds[f].suspect_messages) << "}";
    o << "],\"alerts_by_rule\":{";
    first = true;
    for (const auto& [k, v] : r.alerts_by_rule) {
        o << (first ? "" : ",") << '"' << k << "\":" << v;
        first = false;
    }
    o << "},\"decisions\":{";
    first = true;
    for (const auto& [k, v] : r.decisions) {
        o << (first ? "" : ",") << '"' << k << "\":" << v;
        first = false;
    }
    o << "}}";
    return o.str();
}

}  // namespace txscreen
