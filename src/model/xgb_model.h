// Gradient-boosted trees from XGBoost's JSON model (Booster.save_model("m.json")),
// evaluated here, on the worker: no libxgboost at run time. The trees are flattened at
// load into arrays (split feature, threshold, children, default direction, leaf value),
// and predict_burst() walks a burst of rows through each tree together so their loads
// overlap. Predictions equal libxgboost's within 1e-5 (tests/model/test_xgb_exact.cpp,
// which links libxgboost only for the comparison).
//
// Accepted: booster "gbtree" (or "dart" read as gbtree weights), objectives
// binary:logistic, reg:logistic (the sigmoid of the margin) and reg:squarederror,
// binary:logitraw (the margin), base_score, any depth. Features are the engine's
// (features.h): the model's feature_names must each be one of the engine's names, and
// are mapped to its vector by name; a model without names must use at most
// feature_count features, by position. Anything else (corrupt JSON, a multi-class
// model, a split on a feature the engine does not produce, a child index out of range)
// is refused by load() with an error naming the file and what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/features.h"

namespace txscreen {

class xgb_model {
public:
    // Parses a model; nullptr with `error` set ("model /x/m.json: tree 7 node 12: split
    // on feature 31, the engine has 20") when refused.
    static std::shared_ptr<const xgb_model> parse(std::string_view json, const std::string& source,
                                                  std::string& error);
    static std::shared_ptr<const xgb_model> load(const std::string& path, std::string& error);

    // The objective applied to the margin: a probability for the logistic objectives.
    // `row` is the engine's feature vector (feature_count floats, NaN = missing).
    float predict(const float* row) const noexcept;
    // rows: n vectors of feature_count floats, one after the other; out: n predictions.
    // The same values as n predict() calls. No allocation.
    void predict_burst(const float* rows, std::size_t n, float* out) const noexcept;

    std::size_t trees() const noexcept;
    int max_depth() const noexcept;
    const std::string& source() const noexcept { return _source; }
    const std::string& objective() const noexcept { return _objective; }
    // The engine features the model reads (names), in the model's own order.
    const std::vector<std::string>& features_used() const noexcept { return _features_used; }

private:
    xgb_model() = default;
    struct flat;
    std::shared_ptr<const flat> _flat;
    std::string _source, _objective;
    std::vector<std::string> _features_used;
};

}  // namespace txscreen
