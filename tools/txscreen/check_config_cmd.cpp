// txscreen check-config: validate a configuration file and explain it, starting nothing;
// or (--dialect) one ISO 8583 dialect file on its own, for someone writing one.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "codec/iso_wire.h"
#include "config/config_errors.h"
#include "controlplane/appliance/appliance_config.h"
#include "tools/cli_app.h"
#include "tools/txscreen/commands.h"

namespace txscreen {

namespace {

int print_errors(const std::string& what, const std::vector<std::string>& errors) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    std::fprintf(stderr, "%s: %zu error(s)\n", what.c_str(), errors.size());
    return cli::exit_usage;
}

int check_config(const std::string& path) {
    const config_result r = load_config_file(path);
    if (!r.ok()) return print_errors(path, r.errors);
    std::printf("%s", explain(r.config).c_str());
    std::printf("%s: valid\n", path.c_str());
    return 0;
}

// The dialect (a built-in name or a file relative to the working directory) compiled
// with its standard's default map, as a feed naming it without [feed.map] would be.
int check_dialect(const std::string& name) {
    config_errors errors;  // bare: a dialect file names itself
    const std::shared_ptr<const iso_wire> wire = compile_dialect(name, {}, errors);
    if (!wire) return print_errors(name, errors.take());
    const iso::dialect_def& d = wire->dialect;
    std::printf("dialect %s (%s, base %s, standard %s)\n", wire->name.c_str(), name.c_str(), d.base.c_str(),
                d.standard.c_str());
    if (!d.description.empty()) std::printf("  %s\n", d.description.c_str());
    std::printf("  %s\n", wire->summary().c_str());
    for (const auto& w : d.warnings) std::printf("warning: %s\n", w.c_str());
    std::printf("%s: valid\n", name.c_str());
    return 0;
}

}  // namespace

command add_check_config_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("check-config", "validate a config file and explain it (docs/config.md)");
    cmd->footer(
        "Loads and validates FILE (docs/config.md) without starting anything, with the\n"
        "ISO 8583 dialect files and [feed.map] tables its feeds name. Every error goes to\n"
        "stderr on its own line naming the file, line and key (exit 2); a valid file\n"
        "prints the effective configuration on stdout (exit 0).\n"
        "With --dialect D instead: checks one dialect (a built-in name or a .toml/.xml\n"
        "file) with its standard's default map, and prints what the decoder will do.");
    auto path = std::make_shared<std::string>();
    auto dialect = std::make_shared<std::string>();
    auto* file_opt = cmd->add_option("FILE", *path, "the appliance configuration (TOML)")->type_name("");
    auto* dialect_opt =
        cmd->add_option("--dialect", *dialect, "check one ISO 8583 dialect (name or file) instead")->type_name("D");
    file_opt->excludes(dialect_opt);
    return {cmd, [path, dialect] {
                if (!dialect->empty()) return check_dialect(*dialect);
                if (path->empty()) {
                    std::fprintf(stderr, "check-config: give FILE or --dialect D (see --help)\n");
                    return cli::exit_usage;
                }
                return check_config(*path);
            }};
}

}  // namespace txscreen
