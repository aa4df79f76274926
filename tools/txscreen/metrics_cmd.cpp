// txscreen metrics: the appliance's metric catalog as a Markdown table (docs/metrics.md).
#include <cstdio>

#include "controlplane/appliance/metric_render.h"
#include "tools/cli_app.h"
#include "tools/txscreen/commands.h"

namespace txscreen {

command add_metrics_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("metrics", "list every counter the appliance exports (docs/metrics.md)");
    cmd->footer(
        "Prints the metric catalog as a Markdown table: Prometheus name, type, labels,\n"
        "path in /api/v1/stats and --summary-json, meaning. Starts nothing.");
    return {cmd, [] {
                std::printf("%s", render_catalog_markdown().c_str());
                return 0;
            }};
}

}  // namespace txscreen
