// The published-ruleset cell: controlplane threads load TOML into a new ruleset and
// publish it; workers pick up the newest at their quiescent point (publish.h explains
// the grace period). A refused ruleset leaves the published one in place.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "rules/publish.h"
#include "rules/ruleset.h"

namespace txscreen {

struct ruleset_publish_result {
    uint32_t version = 0;  // version given to the new ruleset; 0 when refused
    std::string error;     // load_ruleset's error when refused
    bool ok() const noexcept { return version != 0; }
};

class ruleset_store {
public:
    // Publishes `rs`, stamping it with the next version (monotonic from 1). Returns it.
    uint32_t publish(std::unique_ptr<ruleset> rs) {
        return _pub.publish(std::move(rs), [](ruleset& r, uint32_t v) { r.version = v; });
    }
    // Loads TOML and publishes it when valid; otherwise returns the error and the
    // current ruleset stays.
    // `model`: what the `model` detector scores with (nullptr: none).
    ruleset_publish_result load(std::string_view toml_text, std::string_view source,
                                std::shared_ptr<const xgb_model> model = nullptr) {
        ruleset_publish_result res;
        auto r = load_ruleset(toml_text, source);
        if (!r.ok()) {
            res.error = std::move(r.error);
            return res;
        }
        r.rules->model = std::move(model);
        res.version = publish(std::move(r.rules));
        return res;
    }
    ruleset_publish_result load_file(const std::string& path) {
        ruleset_publish_result res;
        auto r = load_ruleset_file(path);
        if (!r.ok()) {
            res.error = std::move(r.error);
            return res;
        }
        res.version = publish(std::move(r.rules));
        return res;
    }

    int register_reader() { return _pub.register_reader(); }
    void unregister_reader(int slot) { _pub.unregister_reader(slot); }
    // Worker quiescent point: newest ruleset (nullptr before the first publish).
    const ruleset* quiescent(int slot) noexcept { return _pub.quiescent(slot); }
    uint32_t version() const noexcept { return _pub.version(); }
    // Retired rulesets still waiting for a worker to pass a quiescent point.
    std::size_t reclaim() { return _pub.reclaim(); }

private:
    versioned_publisher<ruleset> _pub;
};

}  // namespace txscreen
