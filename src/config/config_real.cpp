#include "config/config_real.h"

#include <cmath>
#include <sstream>

namespace txscreen {

void get_real(const toml_section& s, std::string_view name, double& out) {
    const toml::node* n = s.node(name);
    if (!n) return;
    if (n->is_floating_point()) out = n->as_floating_point()->get();
    else if (n->is_integer()) out = static_cast<double>(n->as_integer()->get());
    else s.wrong_type(*n, s.key(name), "a number");
}

void check_real(config_errors& e, const std::string& key, double v, real_range r) {
    const bool below = r.lo_open ? !(v > r.lo) : !(v >= r.lo);
    if (below || !(v <= r.hi) || !std::isfinite(v)) {
        std::ostringstream got;
        got << v;
        e.fail(key, std::string("must be ") + r.text + ", got " + got.str());
    }
}

}  // namespace txscreen
