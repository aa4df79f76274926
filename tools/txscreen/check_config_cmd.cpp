// txscreen check-config: validate a configuration file and explain it, starting nothing.
#include <cstdio>
#include <memory>
#include <string>

#include "controlplane/appliance/appliance_config.h"
#include "tools/cli_app.h"
#include "tools/txscreen/commands.h"

namespace txscreen {

command add_check_config_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("check-config", "validate a config file and explain it (docs/config.md)");
    cmd->footer(
        "Loads and validates FILE (docs/config.md) without starting anything. Every error\n"
        "goes to stderr on its own line naming the file, line and key (exit 2); a valid\n"
        "file prints the effective configuration on stdout (exit 0).");
    auto path = std::make_shared<std::string>();
    cmd->add_option("FILE", *path, "the appliance configuration (TOML)")->type_name("")->required();
    return {cmd, [path] {
                const config_result r = load_config_file(*path);
                if (!r.ok()) {
                    for (const auto& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
                    std::fprintf(stderr, "%s: %zu error(s)\n", path->c_str(), r.errors.size());
                    return cli::exit_usage;
                }
                std::printf("%s", explain(r.config).c_str());
                std::printf("%s: valid\n", path->c_str());
                return 0;
            }};
}

}  // namespace txscreen
