// The admin REST API and dashboard as a component: listens from construction (so
// /healthz answers while the rest starts) until stop(). Only when admin.token is set.
#pragma once

#include <memory>
#include <string>

#include "controlplane/appliance/appliance_config.h"
#include "controlplane/admin_server.h"
#include "controlplane/appliance/appliance_admin.h"

namespace txscreen {

class admin_api {
public:
    // Throws std::runtime_error when the token's secret is unset or the address is taken.
    admin_api(const appliance_config& conf, rule_sources& sources, lookup_scorer& lookups,
                   const pan_tokenizer& tokenizer);
    ~admin_api();
    appliance_admin& backend() noexcept { return _backend; }
    const std::string& url() const noexcept { return _url; }
    void stop();

private:
    appliance_admin _backend;
    std::unique_ptr<admin_server> _server;
    std::string _url;
};

}  // namespace txscreen
