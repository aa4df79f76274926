// Screening alone (floor_screen.h).
#include "tools/txscreen/floor_screen.h"

#include <algorithm>

#include "controlplane/appliance/rule_sources.h"
#include "screen/screen.h"

namespace txscreen::floors {

pattern_reader::pattern_reader(rule_sources& s)
    : _store(s.screening()), _slot(_store ? _store->register_reader() : -1),
      _db(_store ? _store->quiescent(_slot) : nullptr) {}

pattern_reader::~pattern_reader() {
    if (_store) _store->unregister_reader(_slot);
}

// engine::score_burst screens 16 at a time (screen_burst, field-major), worker 0's scratch.
uint64_t screen_pass(const pattern_db& db, const std::vector<Txn>& txns) {
    constexpr std::size_t chunk = 16;
    screen_result out[chunk];
    uint64_t matched = 0;
    for (std::size_t at = 0; at < txns.size(); at += chunk) {
        const std::size_t n = std::min(chunk, txns.size() - at);
        screen_burst(db, 0, txns.data() + at, n, out);
        matched += out[0].n_ids;
    }
    return matched;
}

}  // namespace txscreen::floors
