#include "controlplane/appliance/admin_api.h"

#include <stdexcept>

#include "config/config_checks.h"

namespace txscreen {

admin_api::admin_api(const appliance_config& conf, rule_sources& sources, lookup_scorer& lookups,
                               const pan_tokenizer& tokenizer)
    : _backend(sources, lookups, tokenizer) {
    admin_config ac = conf.admin;
    if (!resolve_secret(conf.admin.token, ac.token) || ac.token.empty())
        throw std::runtime_error("admin.token: " + conf.admin.token + " is not set");
    ac.access_log = nullptr;
    _server = std::make_unique<admin_server>(ac, _backend);
    const std::string host = ac.address.find(':') != std::string::npos ? "[" + ac.address + "]" : ac.address;
    _url = std::string(_server->tls() ? "https://" : "http://") + host + ":" + std::to_string(_server->port());
}

admin_api::~admin_api() { stop(); }

void admin_api::stop() {
    if (_server) _server->stop();
}

}  // namespace txscreen
