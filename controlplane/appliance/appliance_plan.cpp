#include "controlplane/appliance/appliance_plan.h"

#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "common/pan_token.h"
#include "config/config_checks.h"
#include "screen/screen_cache.h"

namespace txscreen {

const char* const demo_token_key = "747873637265656e2d64656d6f2d3136";  // "txscreen-demo-16": 16 bytes, a key for either tokenizer

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

// Enough lcores for the roles, mapped onto the CPUs there are.
std::string default_lcores(const appliance_config& c) {
    const unsigned need = 1 + (c.dataplane.rx_lcores == 0 ? 1 : c.dataplane.rx_lcores + c.dataplane.workers);
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    std::string spec;
    for (unsigned i = 0; i < need; ++i) spec += (i ? "," : "") + std::to_string(i) + "@" + std::to_string(i % cpus);
    return "--lcores=" + spec;
}

// -m for --no-huge: the velocity tables and scan caches plus the mbuf pools (a looped
// capture lives whole in its pool).
std::string default_memory_mb(const appliance_config& c) {
    uint64_t mbufs = 0;
    for (const auto& p : c.dataplane.ports) mbufs += uint64_t{p.rx_queues} * (p.rx_desc + c.dataplane.mbufs_per_queue);
    const uint64_t cache_entries = c.screening.patterns == "none" ? 0 : std::bit_floor(c.engine.screen_cache_entries);
    const uint64_t per_worker = (uint64_t{c.engine.velocity.card_capacity} * 640 >> 20) +
                                (cache_entries * sizeof(screen_cache::entry) >> 20);
    return std::to_string(512 + c.dataplane.workers * per_worker + (mbufs * mbuf_memory_bytes >> 20));
}

// Fills in EAL lcores and memory the caller did not give: hugepages when reserved, else
// --no-huge (even when the caller gave -m: EAL would otherwise look for hugepages).
std::vector<std::string> eal_defaults(const appliance_config& c) {
    std::vector<std::string> args = c.dataplane.eal_args;
    if (!has_arg(args, "-l") && !has_arg(args, "--lcores") && !has_arg(args, "-c")) args.push_back(default_lcores(c));
    const bool no_huge = c.dataplane.hugepages == hugepage_mode::off ||
                         (c.dataplane.hugepages == hugepage_mode::automatic && !hugepages_available());
    if (no_huge && !has_arg(args, "--no-huge") && !has_arg(args, "--socket-mem")) {
        args.push_back("--no-huge");
        if (!has_arg(args, "-m")) {
            args.push_back("-m");
            args.push_back(default_memory_mb(c));
        }
    }
    if (!has_arg(args, "--log-level")) args.push_back("--log-level=lib.eal:warning");
    if (!has_arg(args, "--no-telemetry") && !has_arg(args, "--telemetry")) args.push_back("--no-telemetry");
    return args;
}

// Each --pcap becomes a net_pcap port, each --device a port of its own.
void add_command_line_ports(const appliance_options& opt, appliance_plan& plan) {
    for (std::size_t i = 0; i < opt.pcaps.size(); ++i) {
        if (access(opt.pcaps[i].c_str(), R_OK) != 0) throw std::runtime_error("--pcap " + opt.pcaps[i] + ": cannot read the file");
        dp_port_config p;
        p.name = "pcap" + std::to_string(i);
        p.device = "net_pcap" + std::to_string(i) + ",rx_pcap=" + opt.pcaps[i] + (opt.loop ? ",infinite_rx=1" : "");
        plan.conf.dataplane.ports.push_back(p);
        const uint64_t packets = pcap_packet_count(opt.pcaps[i]);
        if (!opt.loop) plan.expected_packets += packets;
        // infinite_rx keeps the whole capture in mbufs of the port's pool.
        if (opt.loop)
            plan.conf.dataplane.mbufs_per_queue =
                std::max<uint32_t>(plan.conf.dataplane.mbufs_per_queue, static_cast<uint32_t>(packets + 4096));
    }
    for (const auto& d : opt.devices) {
        dp_port_config p;
        p.name = "port" + std::to_string(plan.conf.dataplane.ports.size());
        p.device = d;
        plan.conf.dataplane.ports.push_back(p);
    }
}

// A key from $TXSCREEN_TOKEN_KEY is seen first here (check-config sees only the
// file's): refuse it now, naming where it came from (`origin`: "" for the file's or the
// demo key), not after EAL has started.
void check_token_key(const dp_config& dp, const char* origin) {
    try {
        (void)pan_tokenizer::from_config(dp.tokenization_key, dp.tokenizer);
    } catch (const std::exception& e) {
        std::string why = e.what();
        if (why.rfind("tokenization key: ", 0) == 0) why.erase(0, 18);
        throw std::runtime_error(std::string("tokenization key") + origin + ": " + why);
    }
}

}  // namespace

std::string tokenization_key(const std::string& configured) {
    if (configured.empty()) {
        const char* env = std::getenv("TXSCREEN_TOKEN_KEY");
        return env && *env ? env : demo_token_key;
    }
    std::string key;
    if (!resolve_secret(configured, key)) throw std::runtime_error("tokenization.key: " + configured + " is not set");
    return key;
}

appliance_plan plan_appliance(const appliance_options& opt) {
    appliance_plan plan;
    plan.conf = opt.config;
    add_command_line_ports(opt, plan);
    if (std::vector<std::string> errs = validate_config(plan.conf); !errs.empty()) {
        std::string all;
        for (const auto& e : errs) all += (all.empty() ? "" : "\n  ") + e;
        throw std::runtime_error("configuration refused:\n  " + all);
    }
    if (opt.no_spool) plan.conf.spool.dir.clear();
    plan.dp = plan.conf.dataplane;
    const char* env_key = std::getenv("TXSCREEN_TOKEN_KEY");
    const bool from_env = plan.dp.tokenization_key.empty() && env_key && *env_key;
    plan.dp.tokenization_key = tokenization_key(plan.dp.tokenization_key);
    check_token_key(plan.dp, from_env ? " ($TXSCREEN_TOKEN_KEY)" : "");
    plan.dp.eal_args = eal_defaults(plan.conf);
    return plan;
}

}  // namespace txscreen
