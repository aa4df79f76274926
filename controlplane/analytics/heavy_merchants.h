// Which merchants keep a row of their own when a window has more than top_merchants
// (controlplane/analytics/minute_aggregator.h): the busiest half of the top_merchants
// of the latest closed window are admitted whenever they appear; the other half of the
// rows go to the first merchants of the window. So the merchants that carry the volume
// keep their rows (and their spike baselines) from one minute to the next, while a
// merchant that suddenly bursts still finds room, and a window never holds more than
// top_merchants merchant rows. Learnt at each window close; a lookup is a binary
// search, made once per merchant and window (when its row is first needed).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "controlplane/analytics/window_table.h"

namespace txscreen {

class heavy_merchants {
public:
    // The `keep` merchant rows of `rows` with the most transactions ("other" excluded).
    void learn(const std::vector<agg_row>& rows, uint32_t keep) {
        _by_volume.clear();
        for (const agg_row& r : rows)
            if (r.key.dimension == static_cast<uint8_t>(agg_dimension::merchant) && r.key.view() != "other")
                _by_volume.push_back({r.transactions, &r.key});
        const std::size_t n = std::min<std::size_t>(keep, _by_volume.size());
        std::nth_element(_by_volume.begin(), _by_volume.begin() + static_cast<std::ptrdiff_t>(n), _by_volume.end(),
                         [](const ranked& a, const ranked& b) { return a.transactions > b.transactions; });
        _keys.clear();
        for (std::size_t i = 0; i < n; ++i) _keys.push_back(*_by_volume[i].key);
        std::sort(_keys.begin(), _keys.end(), less);
    }
    bool contains(const agg_key& k) const noexcept { return std::binary_search(_keys.begin(), _keys.end(), k, less); }
    uint32_t size() const noexcept { return static_cast<uint32_t>(_keys.size()); }

private:
    struct ranked {
        uint64_t transactions;
        const agg_key* key;
    };
    static bool less(const agg_key& a, const agg_key& b) noexcept { return std::memcmp(&a, &b, sizeof a) < 0; }

    std::vector<ranked> _by_volume;  // scratch of learn(), capacity kept
    std::vector<agg_key> _keys;      // sorted
};

}  // namespace txscreen
