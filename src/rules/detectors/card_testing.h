// card_testing: many small amounts at distinct merchants within the window. Keeps a
// card's newest small transactions (time, 16-bit merchant tag) in
// detector_state::smalls.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct card_testing_detector {
    static constexpr std::string_view name = "card_testing";
    static constexpr std::string_view description = "many small amounts across distinct merchants within the window";
    static constexpr uint8_t default_weight = 60;

    struct settings {
        int64_t card_testing_window_ms = 600'000;
        double card_testing_max_amount_major = 5.0;  // "small" means amount <= this
        uint32_t card_testing_min_count = 3;         // small transactions incl. this one
        uint32_t card_testing_min_merchants = 3;     // distinct merchants among them
    };

    static constexpr std::array<std::string_view, 4> keys = {"window", "max_amount", "min_count", "min_merchants"};

    static bool parse(const settings_node& section, settings& s) {
        return section.duration("window", s.card_testing_window_ms) &&
               section.number("max_amount", 0.01, 1e6, s.card_testing_max_amount_major) &&
               section.integer("min_count", 2, 64, s.card_testing_min_count) &&
               section.integer("min_merchants", 1, 64, s.card_testing_min_merchants);
    }

    static int64_t history_ms(const settings& s) noexcept { return s.card_testing_window_ms; }

    static bool evaluate(const detector_input& in, const settings& s, detector_state& st, detector_hit& hit) noexcept {
        if (!in.applied) return false;
        const int64_t small = std::llround(s.card_testing_max_amount_major * in.scale);
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
            if (h == 0 || h > now || now - h > s.card_testing_window_ms) continue;
            ++n_small;
            bool seen = false;
            for (uint32_t j = 0; j < n_merchants; ++j) seen |= merchants[j] == e.merchant[i];
            if (!seen) merchants[n_merchants++] = e.merchant[i];
        }
        e.time_ms[e.next] = now;
        e.merchant[e.next] = m16;
        e.next = (e.next + 1) % small_txn_slots;
        if (now > e.last_time_ms) e.last_time_ms = now;
        if (n_small < s.card_testing_min_count || n_merchants < s.card_testing_min_merchants) return false;
        hit.value = n_small;
        hit.limit = s.card_testing_min_count;
        return true;
    }
};

}  // namespace txscreen
