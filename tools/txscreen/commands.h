// The txscreen subcommands. Each adds itself and its options to the command line and
// hands back the action main() runs once the whole line parsed; the action returns the
// exit status (0 ok, 1 runtime failure, 2 usage error; `run` also 3: records lost or
// refused, run_losses.h) and prints its own errors.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace txscreen {

struct command {
    CLI::App* cli;              // the subcommand; parsed() when it was given
    std::function<int()> run;
};

// `eal`: the arguments after `--`, for DPDK's EAL unchanged; filled before the action runs.
command add_run_command(CLI::App& app, const std::vector<std::string>& eal);
command add_bench_command(CLI::App& app, const std::vector<std::string>& eal);
command add_demo_command(CLI::App& app, const std::vector<std::string>& eal);
command add_check_config_command(CLI::App& app);
command add_metrics_command(CLI::App& app);
command add_decode_command(CLI::App& app);
command add_lake_command(CLI::App& app);

}  // namespace txscreen
