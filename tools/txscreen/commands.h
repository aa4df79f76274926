// The txscreen subcommands; each returns the process exit status (0 ok, 1 runtime
// failure, 2 usage error; `run` also 3: records lost or refused, run_losses.h) and
// prints its own errors.
#pragma once

#include <string>
#include <vector>

namespace txscreen {

int cmd_run(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);
int cmd_demo(const std::vector<std::string>& args);
int cmd_check_config(const std::vector<std::string>& args);

}  // namespace txscreen
