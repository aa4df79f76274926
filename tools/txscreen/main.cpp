// txscreen: the appliance's command line. See `txscreen --help`.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/appliance/appliance.h"
#include "tools/txscreen/commands.h"
#include "tools/version.h"

using namespace txscreen;

namespace {

const char* const usage = R"(txscreen: screens payment-card transactions at wire speed.

usage: txscreen COMMAND [options] [-- EAL args]

commands:
  run      run the appliance on DPDK ports (net_pcap captures, other vdevs, NICs)
  bench    replay a capture in a loop and print throughput, latency and the
           dpdk-testpmd rxonly ceiling of the same capture
  demo     generate a labelled synthetic feed, screen it, print a summary
  check-config FILE
           validate a configuration file and explain it (docs/config.md)
  help     this text; `txscreen COMMAND --help` explains a command
  --version
           print "txscreen VERSION" and exit

Everything after `--` goes to DPDK's EAL unchanged (lcores, memory, devices).

exit status: 0 ok, 1 runtime failure, 2 usage or configuration error; `run` also
3: it finished but records were lost or refused (`txscreen run --help`).
)";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(usage, stderr);
        return 2;
    }
    std::string_view cmd = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    if (cmd == "help" || cmd == "--help" || cmd == "-h") {
        std::fputs(usage, stdout);
        return 0;
    }
    if (cmd == "--version") {
        std::puts("txscreen " TXSCREEN_VERSION);
        return 0;
    }
    try {
        if (cmd == "run") return cmd_run(args);
        if (cmd == "bench") return cmd_bench(args);
        if (cmd == "demo") return cmd_demo(args);
        if (cmd == "check-config") return cmd_check_config(args);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "txscreen %s: %s\n", argv[1], e.what());
        return 1;
    }
    std::fprintf(stderr, "txscreen: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
