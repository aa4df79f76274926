#include "controlplane/appliance/appliance.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "controlplane/appliance/admin_api.h"
#include "controlplane/appliance/analytics_stage.h"
#include "controlplane/appliance/appliance_plan.h"
#include "controlplane/appliance/control_loop.h"
#include "controlplane/appliance/identities.h"
#include "controlplane/appliance/metric_render.h"
#include "controlplane/appliance/packet_path.h"
#include "controlplane/appliance/rule_sources.h"
#include "controlplane/appliance/sink_set.h"

namespace txscreen {

namespace {

std::unique_ptr<admin_api> open_admin(const appliance_plan& plan, rule_sources& sources, packet_path& path,
                                           bool quiet) {
    if (plan.conf.admin.token.empty()) return nullptr;
    const pan_tokenizer tokenizer = pan_tokenizer::from_config(plan.dp.tokenization_key, plan.dp.tokenizer);
    auto admin = std::make_unique<admin_api>(plan.conf, sources, path.lookups(), tokenizer);
    if (!quiet) std::printf("txscreen: admin API and dashboard at %s/\n", admin->url().c_str());
    return admin;
}

input_end input_end_of(const appliance_options& opt, const appliance_plan& plan, const std::atomic<bool>* stop) {
    input_end e;
    e.expected_packets = plan.expected_packets;
    e.duration_s = opt.duration_s;
    e.idle_timeout_s = opt.loop ? 0 : opt.idle_timeout_s;
    e.stop = stop;
    return e;
}

// Tells a supervisor (or a test) that the lcores poll: the pid, and the admin URL.
void write_ready_file(const std::string& path, const admin_api* admin) {
    if (path.empty()) return;
    std::ofstream rf(path);
    rf << getpid() << '\n';
    if (admin) rf << "admin " << admin->url() << '\n';
}

// After the input ended, keeps the admin API serving the final counters until `stop`.
void hold_admin(const appliance_options& opt, const std::atomic<bool>* stop, const std::string& url) {
    if (!opt.hold) return;
    if (!opt.quiet) std::printf("txscreen: input finished; admin API still serving at %s/ until SIGINT/SIGTERM\n", url.c_str());
    std::fflush(stdout);
    while (!(stop && stop->load())) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace

appliance_result run_appliance(const appliance_options& opt, const verdict_sink& observer, const std::atomic<bool>* stop) {
    const appliance_plan plan = plan_appliance(opt);
    rule_sources sources(plan.conf, plan.dp.workers);
    sink_set sinks(plan.conf, opt.quiet);  // before the dataplane: a bad broker list fails first
    packet_path path(plan.dp, plan.conf.engine, sources);
    std::unique_ptr<admin_api> admin = open_admin(plan, sources, path, opt.quiet);
    analytics_stage analytics(plan.conf, sinks);
    control_loop loop(path, sinks, analytics, sources, admin ? &admin->backend() : nullptr, observer,
                      input_end_of(opt, plan, stop));
    path.start();
    write_ready_file(opt.ready_file, admin.get());
    loop.run();
    path.join();
    sinks.close();
    loop.publish_final();
    appliance_result res;
    res.counters = loop.counters();
    res.elapsed_s = loop.elapsed_s();
    res.controlplane_cpu_s = loop.cpu_s();
    res.expected_packets = plan.expected_packets;
    res.ruleset_version = loop.ruleset_version();
    res.kafka_bootstrap = sinks.kafka_bootstrap();
    res.spool_dir = plan.conf.spool.dir;
    sinks.spool_writable(&res.spool_error);
    res.s3_endpoint = plan.conf.spool.dir.empty() ? "" : plan.conf.s3.endpoint;
    if (admin) {
        res.admin_url = admin->url();
        hold_admin(opt, stop, res.admin_url);
        admin->stop();
    }
    return res;
}

nlohmann::ordered_json result_json(const appliance_result& r) {
    nlohmann::ordered_json j = render_counters_json(r.counters);
    const std::vector<identity_check> ids = accounting_identities(r.counters);
    j["identities"] = identities_json(ids);
    j["identities_hold"] = all_hold(ids);
    j["elapsed_s"] = r.elapsed_s;
    j["controlplane_cpu_s"] = r.controlplane_cpu_s;
    j["expected_packets"] = r.expected_packets;
    j["endpoints"] = {{"kafka", r.kafka_bootstrap}, {"spool", r.spool_dir}, {"s3", r.s3_endpoint}, {"admin", r.admin_url}};
    return j;
}

std::string result_text(const appliance_result& r) {
    const appliance_counters& c = r.counters;
    char head[256];
    std::snprintf(head, sizeof head, "%llu verdicts in %.3f s (%.0f/s), rx->verdict p50 %llu ns p99 %llu ns\n",
                  static_cast<unsigned long long>(c.verdicts_consumed), r.elapsed_s,
                  r.elapsed_s > 0 ? static_cast<double>(c.verdicts_consumed) / r.elapsed_s : 0.0,
                  static_cast<unsigned long long>(c.latency.quantile(0.5)),
                  static_cast<unsigned long long>(c.latency.quantile(0.99)));
    std::string out = head + render_summary_lines(c);
    std::string broken;
    for (const identity_check& i : accounting_identities(c))
        if (!i.hold()) broken += std::string(broken.empty() ? "" : ", ") + std::string(i.name);
    out += "  accounting identities: " + (broken.empty() ? std::string("hold") : "BROKEN (" + broken + ")") + '\n';
    return out;
}

}  // namespace txscreen
