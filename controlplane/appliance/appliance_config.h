// The appliance configuration: one TOML file (docs/config.md lists every key) read into
// one struct whose members are the components' own configs. Each component owns its
// struct, defaults, reader, validator and explain() lines in its own folder
// (dataplane/dp_config.h, controlplane/kafka_config.h, ...); this file only says which
// section goes to which component and what the appliance runs with no file.
//
// Without a config file, default_appliance_config() is what `txscreen run` uses: the
// four feeds txgen writes by default (docs/feeds.md), the embedded Kafka broker and a
// local spool directory. Ports then come from the command line (--pcap, --device).
//
// Errors are lines a person can act on, one per problem, in file order:
//   txscreen.toml:12: lcores.workers: must be 1..64, got 0
//   txscreen.toml:3: kafka.compresion: unknown key (did you mean 'compression'?)
//   txscreen.toml:20: screening.patterns: /x/y.patterns: no such file
//
// Loading runs at init only: it allocates and reads files, never on the packet path.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/admin_config.h"
#include "controlplane/analytics/analytics_config.h"
#include "controlplane/kafka_config.h"
#include "controlplane/lake/lake_config.h"
#include "controlplane/s3_config.h"
#include "controlplane/spool_config.h"
#include "controlplane/webhook/webhook_config.h"
#include "dataplane/dp_config.h"
#include "rules/engine_config.h"
#include "rules/rules_config.h"
#include "screen/screening_config.h"

namespace txscreen {

struct appliance_config {
    std::string source = "<defaults>";  // the file it was loaded from
    dp_config dataplane;                // [eal], [[port]], [[feed]], [lcores], [dataplane], [tokenization]
    screening_config screening;         // [screening]
    rules_config rules;                 // [rules]
    engine_config engine;               // [velocity]
    kafka_config kafka;                 // [kafka]
    spool_config spool;                 // [spool]
    s3_config s3;                       // [s3]
    admin_config admin;                 // [admin]
    analytics_config analytics;         // [cases], [aggregates], [spikes]
    std::vector<webhook_config> webhooks;  // [[webhook]]
    lake_config lake;                   // [lake]: Parquet copies, data-quality reports
    std::string model_path;             // [model] path: XGBoost JSON model ("" = none)
};

// The configuration with no file: every component's defaults and the four txgen
// default feeds, no ports. Always valid (validate_config returns no errors).
appliance_config default_appliance_config();

struct config_result {
    appliance_config config;          // defaults overlaid by the file; meaningful when ok()
    std::vector<std::string> errors;  // one line each: "<file>:<line>: <key>: <problem>"
    bool ok() const noexcept { return errors.empty(); }
};

// Parses `toml_text` (its name in messages: `source_name`), overlays it on the defaults
// and validates everything. Keys absent from the text keep their defaults; a file with
// [[feed]] tables replaces the default feeds. Never throws.
config_result load_config(std::string_view toml_text, std::string_view source_name);
// Reads `path` (a bounded regular file) and loads it; an unreadable file is one error
// naming the path.
config_result load_config_file(const std::string& path);

// Every component's validate() on a config built in code (or after command-line
// overrides such as --pcap ports): ranges, impossible layouts, files that do not exist
// or do not parse, env: variables that are not set. One line per problem, prefixed
// with `cfg.source`; empty when valid.
std::vector<std::string> validate_config(const appliance_config& cfg);

// A human summary of the effective configuration, several lines, secrets masked
// (for `txscreen check-config`): layout, feeds, memory per worker, where alerts and
// files go, and warnings (demo key, no ports, admin API off).
std::string explain(const appliance_config& cfg);

}  // namespace txscreen
