// model: the ruleset's gradient-boosted trees (model/xgb_model.h) scored this
// transaction's feature vector (rules/features.h) at or above the threshold. The
// reason's value is the model's probability, its limit the threshold.
//
// The engine evaluates the model once per burst, after every other detector has run
// for each of its transactions (engine.cpp), and only then passes the probability in
// detector_input::model_probability; before that, and for a ruleset without a model,
// it is NaN and this detector never fires.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "rules/detectors/detector.h"

namespace txscreen {

struct model_detector {
    static constexpr std::string_view name = "model";
    static constexpr std::string_view description = "the ruleset's model scored the transaction at or above the threshold";
    static constexpr uint8_t default_weight = 60;

    struct settings {
        double model_threshold = 0.5;  // probability 0..1
    };

    static constexpr std::array<std::string_view, 1> keys = {"threshold"};

    static bool parse(const settings_node& section, settings& s) {
        return section.number("threshold", 0, 1, s.model_threshold);
    }

    // The decision on a probability (NaN: no model, never fires).
    static bool judge(float probability, const settings& s, detector_hit& hit) noexcept {
        if (!(probability >= s.model_threshold)) return false;
        hit.value = probability;
        hit.limit = s.model_threshold;
        return true;
    }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        return judge(in.model_probability, s, hit);
    }
};

}  // namespace txscreen
