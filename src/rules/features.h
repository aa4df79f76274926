// The engine's feature vector: what it measured about one transaction, as numbers a
// model can be trained on and scored with. Computed once per scored transaction after
// velocity has observed it and screening has run (engine.cpp), carried by the Verdict
// to the scored record (spool table=scored, field `features`, with `features_version`),
// and read by the model detector (detectors/model_score.h).
//
// Versioned: a change of meaning, order or count of the features bumps
// feature_version; docs/model.md lists them. A missing value is NaN (XGBoost's
// "missing"): no device id, no card-present history, a window not measurable for a late
// or ahead event.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace txscreen {

struct detector_input;

inline constexpr int feature_count = 20;
inline constexpr uint8_t feature_version = 1;

struct feature_info {
    std::string_view name;  // the model's feature name (XGBoost feature_names)
    std::string_view doc;
};

// In vector order; names are unique.
extern const std::array<feature_info, feature_count> feature_table;

// Index of feature `name`, or -1.
int feature_index(std::string_view name) noexcept;

// Fills out[0..feature_count) for the transaction `in` describes. No allocation.
void compute_features(const detector_input& in, float out[feature_count]) noexcept;

}  // namespace txscreen
