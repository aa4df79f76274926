// high_risk_mcc: the merchant category is on the ruleset's high-risk list.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

inline constexpr int max_high_risk_mccs = 64;

struct high_risk_mcc_detector {
    static constexpr std::string_view name = "high_risk_mcc";
    static constexpr std::string_view description = "merchant category on the high-risk list";
    static constexpr uint8_t default_weight = 25;

    struct settings {
        int n_high_risk_mccs = 0;
        uint16_t high_risk_mccs[max_high_risk_mccs] = {};

        bool is_high_risk_mcc(uint16_t mcc) const noexcept {
            for (int i = 0; i < n_high_risk_mccs; ++i)
                if (high_risk_mccs[i] == mcc) return true;
            return false;
        }
    };

    static constexpr std::array<std::string_view, 1> keys = {"mccs"};

    // mccs = [7995, 5967]: errors name the list, at the element's place.
    static bool parse(const settings_node& section, settings& s) {
        const settings_node list = section.get("mccs");
        if (!list.present()) return true;
        if (!list.is_array()) return list.fail("expected an array of MCC integers");
        s.n_high_risk_mccs = 0;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const settings_node e = list.at(i);
            if (!e.is_integer()) return list.fail_at(e, "expected an integer MCC 1..9999");
            const int64_t v = e.as_integer();
            if (v < 1 || v > 9999) return list.fail_at(e, std::to_string(v) + " is not an MCC 1..9999");
            if (s.n_high_risk_mccs >= max_high_risk_mccs)
                return list.fail_at(e, "too many MCCs (at most " + std::to_string(max_high_risk_mccs) + ")");
            s.high_risk_mccs[s.n_high_risk_mccs++] = static_cast<uint16_t>(v);
        }
        return true;
    }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        const uint16_t mcc = in.txn.mcc;
        if (mcc == 0 || !s.is_high_risk_mcc(mcc)) return false;
        hit.value = mcc;
        hit.limit = 0;
        return true;
    }
};

}  // namespace txscreen
