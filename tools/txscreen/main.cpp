// txscreen: the appliance's command line. See `txscreen --help`.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "tools/cli_app.h"
#include "tools/txscreen/commands.h"
#include "tools/version.h"

using namespace txscreen;

namespace {

const char* const footer = R"(`txscreen COMMAND --help` explains a command and each of its options.
Everything after `--` goes to DPDK's EAL unchanged (lcores, memory, devices).

exit status: 0 ok, 1 runtime failure, 2 usage or configuration error; `run` also
3: it finished but records were lost or refused (`txscreen run --help`).)";

bool is_command(const CLI::App& app, const std::string& word) {
    const auto all = app.get_subcommands([](const CLI::App*) { return true; });
    return std::any_of(all.begin(), all.end(), [&](const CLI::App* c) { return c->get_name() == word; });
}

}  // namespace

int main(int argc, char** argv) {
    // The arguments after `--` are DPDK's: split them off before CLI11 sees them.
    std::vector<std::string> args(argv + 1, argv + argc), eal;
    if (auto dashes = std::find(args.begin(), args.end(), "--"); dashes != args.end()) {
        eal.assign(dashes + 1, args.end());
        args.erase(dashes, args.end());
    }
    CLI::App app{"txscreen: screens payment-card transactions at wire speed.", "txscreen"};
    cli::use_help_layout(app);  // before the subcommands, which inherit it
    app.set_version_flag("--version", "txscreen " TXSCREEN_VERSION, "print \"txscreen VERSION\" and exit");
    app.require_subcommand(1);
    app.footer(footer);
    const std::vector<command> commands = {add_run_command(app, eal), add_bench_command(app, eal),
                                           add_demo_command(app, eal), add_check_config_command(app),
                                           add_metrics_command(app), add_decode_command(app),
                                           add_lake_command(app)};
    const CLI::App* help = app.add_subcommand("help", "this text");
    if (args.empty()) {
        std::fputs(app.help().c_str(), stderr);
        return cli::exit_usage;
    }
    if (args[0][0] != '-' && !is_command(app, args[0])) {
        std::fprintf(stderr, "txscreen: unknown command '%s'\nTry 'txscreen --help'.\n", args[0].c_str());
        return cli::exit_usage;
    }
    try {
        std::reverse(args.begin(), args.end());  // CLI11 takes a vector last argument first
        app.parse(args);
    } catch (const CLI::ParseError& e) {
        return cli::exit_status(app, e);
    }
    if (help->parsed()) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    }
    for (const command& c : commands) {
        if (!c.cli->parsed()) continue;
        try {
            return c.run();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "txscreen %s: %s\n", c.cli->get_name().c_str(), e.what());
            return 1;
        }
    }
    return cli::exit_usage;  // require_subcommand(1) leaves no other case
}
