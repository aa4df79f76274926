#include "rules/engine_config.h"

#include <iterator>
#include <vector>

#include "config/config_explain.h"
#include "config/toml_section.h"

namespace txscreen {

namespace {

constexpr int_range range_engine_entries{1024, 1 << 28};

}  // namespace

void read_velocity_section(const toml_section& s, engine_config& c) {
    std::vector<std::string_view> keys(std::begin(velocity_config_keys), std::end(velocity_config_keys));
    keys.insert(keys.end(), {"repeat_entries", "small_txn_entries"});
    s.only_keys(keys);
    read_velocity_fields(s, c.velocity);
    s.get_int("repeat_entries", c.repeat_entries, range_engine_entries);
    s.get_int("small_txn_entries", c.small_txn_entries, range_engine_entries);
}

void validate(const engine_config& c, config_errors& e) {
    validate(c.velocity, e);
    check_int(e, "velocity.repeat_entries", static_cast<int64_t>(c.repeat_entries), range_engine_entries);
    check_int(e, "velocity.small_txn_entries", static_cast<int64_t>(c.small_txn_entries), range_engine_entries);
}

void explain(const engine_config& c, unsigned workers, explanation& out) { explain(c.velocity, workers, out); }

}  // namespace txscreen
