// txgen: synthetic transaction feeds (see docs/feeds.md and txgen --help).
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tools/txgen/txgen_cli.h"
#include "tools/txgen/txgen_run.h"
#include "tools/version.h"

int main(int argc, char** argv) {
    using namespace txscreen::txgen;
    txgen_options o;
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (std::string err = parse_args(args, o); !err.empty()) {
        std::fprintf(stderr, "txgen: %s\nTry 'txgen --help'.\n", err.c_str());
        return 2;
    }
    if (o.help) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    if (o.version) {
        std::puts("txgen " TXSCREEN_VERSION);
        return 0;
    }
    try {
        const txgen_result r = run_txgen(o, o.quiet ? nullptr : stderr);
        if (!o.quiet && o.carrier == transport::tcp) {
            const tcp_report& t = r.tcp;
            std::fprintf(stderr,
                         "txgen: %llu requests and %llu responses (%llu declined) on %llu TCP connections to port %u, "
                         "%llu packets in %.2f s\n",
                         static_cast<unsigned long long>(t.requests), static_cast<unsigned long long>(t.responses),
                         static_cast<unsigned long long>(t.declined), static_cast<unsigned long long>(t.connections),
                         r.port_a, static_cast<unsigned long long>(t.packets), r.seconds);
            std::fprintf(stderr,
                         "txgen: %llu data segments: %llu lost (%llu requests, %llu responses cut), %llu reordered, "
                         "%llu retransmitted\n",
                         static_cast<unsigned long long>(t.segments.data_segments),
                         static_cast<unsigned long long>(t.segments.lost),
                         static_cast<unsigned long long>(t.requests_lost),
                         static_cast<unsigned long long>(t.responses_lost),
                         static_cast<unsigned long long>(t.segments.reordered),
                         static_cast<unsigned long long>(t.segments.retransmitted));
        } else if (!o.quiet) {
            std::fprintf(stderr, "txgen: %llu txns in %llu datagrams (%llu packets written",
                         static_cast<unsigned long long>(r.messages), static_cast<unsigned long long>(r.datagrams),
                         static_cast<unsigned long long>(r.packets));
            if (o.ab_drop_rate >= 0)
                std::fprintf(stderr, ", A line port %u dropped %llu, B line port %u dropped %llu", r.port_a,
                             static_cast<unsigned long long>(r.dropped_a), r.port_a + 100u,
                             static_cast<unsigned long long>(r.dropped_b));
            else
                std::fprintf(stderr, ", port %u", r.port_a);
            std::fprintf(stderr, ") in %.2f s, %.0f txns/s\n", r.seconds,
                         r.seconds > 0 ? static_cast<double>(r.messages) / r.seconds : 0.0);
            if (r.send_errors) std::fprintf(stderr, "txgen: %llu UDP sends failed\n",
                                            static_cast<unsigned long long>(r.send_errors));
        }
        if (!o.quiet && o.from_jsonl.empty()) {
            std::fprintf(stderr, "txgen: labels:");
            for (std::size_t i = 0; i < scenario_count; ++i)
                if (r.labels[i]) std::fprintf(stderr, " %s=%llu", std::string(scenario_names[i]).c_str(),
                                              static_cast<unsigned long long>(r.labels[i]));
            std::fprintf(stderr, "%s%s\n", o.labels_path.empty() ? "" : " -> ", o.labels_path.c_str());
            if (!o.gen.breaks.empty())
                std::fprintf(stderr, "txgen: --break changed %llu transactions\n",
                             static_cast<unsigned long long>(r.broken));
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
