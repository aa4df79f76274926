#include "controlplane/appliance/appliance_config.h"

#include <exception>
#include <iterator>

#include "common/bounded_file.h"
#include "config/config_explain.h"
#include "config/toml_section.h"

namespace txscreen {

namespace {

void read_sections(const toml_section& root, appliance_config& c) {
    std::vector<std::string_view> sections(std::begin(dp_config_sections), std::end(dp_config_sections));
    sections.insert(sections.end(), {"screening", "rules", "velocity", "kafka", "spool", "s3", "admin", "cases", "aggregates", "spikes", "webhook", "lake", "model"});
    root.only_keys(sections);
    read_dp_sections(root, c.dataplane);
    if (auto s = root.table("screening")) read_screening_section(*s, c.screening);
    if (auto s = root.table("rules")) read_rules_section(*s, c.rules);
    if (auto s = root.table("velocity")) read_velocity_section(*s, c.engine);
    c.engine.screen_cache_entries = c.screening.cache_entries;
    if (auto s = root.table("kafka")) read_kafka_section(*s, c.kafka);
    if (auto s = root.table("spool")) read_spool_section(*s, c.spool);
    if (auto s = root.table("s3")) read_s3_section(*s, c.s3);
    if (auto s = root.table("admin")) read_admin_section(*s, c.admin);
    read_analytics_sections(root, c.analytics);
    read_webhook_tables(root, c.webhooks);
    read_lake_section(root, c.lake);
    if (auto s = root.table("model")) {
        s->only_keys({"path"});
        s->get_string("path", c.model_path, "a path to an XGBoost JSON model");
    }
}

// Each component's validate() covers its own section; the webhooks' disk queue is the
// one check that spans two.
void validate_all(const appliance_config& c, config_errors& e) {
    validate(c.dataplane, e);
    validate(c.screening, e);
    validate(c.rules, e);
    validate(c.engine, e);
    validate(c.kafka, e);
    validate(c.spool, e);
    validate(c.s3, e);
    validate(c.admin, e);
    validate(c.analytics, e);
    validate(c.webhooks, e);
    validate(c.lake, e);
    if (c.lake.parquet && c.spool.dir.empty())
        e.fail("lake.parquet", "needs [spool] dir: Parquet files are made from the spool's Avro files");
    if (!c.webhooks.empty() && c.spool.dir.empty())
        e.fail("webhook", "needs [spool] dir: notifications wait in <spool.dir>/webhook-outbox until delivered");
}

}  // namespace

appliance_config default_appliance_config() {
    appliance_config c;
    c.dataplane.feeds = txgen_default_feeds();
    return c;
}

std::vector<std::string> validate_config(const appliance_config& cfg) {
    config_errors e(cfg.source);
    validate_all(cfg, e);
    return e.take();
}

config_result load_config(std::string_view toml_text, std::string_view source_name) {
    config_result res;
    res.config = default_appliance_config();
    res.config.source = std::string(source_name);
    std::string syntax_error;
    std::optional<toml::table> root = parse_toml(toml_text, source_name, syntax_error);
    if (!root) {
        res.errors.push_back(syntax_error);
        return res;
    }
    config_errors e(res.config.source);
    try {
        read_sections(toml_section(*root, "", e), res.config);
    } catch (const std::exception& ex) {
        e.fail("config", std::string("internal error while reading: ") + ex.what());
    }
    validate_all(res.config, e);
    res.errors = e.take();
    return res;
}

config_result load_config_file(const std::string& path) {
    input_file in = read_input_file(path, input_kind::config);
    if (!in.ok()) {
        config_result res;
        res.config = default_appliance_config();
        res.config.source = path;
        res.errors.push_back(path + ": " + in.problem);
        return res;
    }
    return load_config(in.text, path);
}

std::string explain(const appliance_config& c) {
    explanation x;
    x.lines << "config: " << c.source << "\n";
    x.lines << "dataplane:\n";
    explain(c.dataplane, x);
    x.lines << "engine:\n";
    explain(c.screening, x);
    explain(c.rules, x);
    explain(c.engine, c.dataplane.workers, x);
    x.lines << "controlplane:\n";
    explain(c.kafka, c.spool.dir.empty() ? "" : c.spool.dir + "/kafka-outbox", x);
    explain(c.spool, !c.s3.endpoint.empty(), x);
    explain(c.s3, x);
    explain(c.admin, x);
    explain(c.analytics, x);
    explain(c.lake, x);
    if (!c.model_path.empty()) x.lines << "  model: " << c.model_path << " (XGBoost trees scored on the workers; [detector.model])\n";
    explain(c.webhooks, x);
    return x.text();
}

}  // namespace txscreen
