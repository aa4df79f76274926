// card_testing: many small amounts at distinct merchants within the window. Keeps a
// card's newest small transactions (time, 16-bit merchant tag) in
// detector_state::smalls.
#pragma once

#include <cmath>

#include "rules/detectors/detector.h"

namespace txscreen {

inline bool evaluate_card_testing(const detector_input& in, detector_state& st, detector_hit& hit) noexcept {
    if (!in.applied) return false;
    const detector_settings& d = in.det;
    const int64_t small = std::llround(d.card_testing_max_amount_major * in.scale);
    if (in.txn.amount_minor > small) return false;
    const int64_t now = in.now_ms;
    bool created;
    small_txn_entry& e = st.smalls.find_or_insert(in.keys.card_key, now, created);
    const uint16_t m16 = static_cast<uint16_t>(in.keys.merchant_hash);
    uint16_t merchants[small_txn_slots + 1];
    uint32_t n_small = 1, n_merchants = 1;
    merchants[0] = m16;
    for (int i = 0; i < small_txn_slots; ++i) {
        const int64_t h = e.time_ms[i];
        if (h == 0 || h > now || now - h > d.card_testing_window_ms) continue;
        ++n_small;
        bool seen = false;
        for (uint32_t j = 0; j < n_merchants; ++j) seen |= merchants[j] == e.merchant[i];
        if (!seen) merchants[n_merchants++] = e.merchant[i];
    }
    e.time_ms[e.next] = now;
    e.merchant[e.next] = m16;
    e.next = (e.next + 1) % small_txn_slots;
    if (now > e.last_time_ms) e.last_time_ms = now;
    if (n_small < d.card_testing_min_count || n_merchants < d.card_testing_min_merchants) return false;
    hit.value = n_small;
    hit.limit = d.card_testing_min_count;
    return true;
}

}  // namespace txscreen
