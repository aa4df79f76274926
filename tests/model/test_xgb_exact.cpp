// xgb_model against libxgboost itself (Debian's libxgboost-dev, linked only here): models
// trained through the C API on synthetic data with missing values, saved as JSON, loaded
// by xgb_model; 100,000 rows (with NaN, and values on the split thresholds' grid so ties
// happen) predicted by both must agree within 1e-5. Also with feature names: a shuffled
// subset of the engine's names, mapped by name into the engine's vector.
#include <catch2/catch.hpp>

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "model/xgb_model.h"

using namespace txscreen;

namespace {

constexpr float nan_value = std::numeric_limits<float>::quiet_NaN();

void xgb_check(int rc, const char* what) {
    INFO(what << ": " << XGBGetLastError());
    REQUIRE(rc == 0);
}

// Rows of `cols` features: some on a coarse grid (thresholds then coincide with values),
// some continuous, some heavy-tailed like amounts; about 12% missing.
std::vector<float> synthetic_rows(std::size_t rows, std::size_t cols, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0, 1);
    std::uniform_real_distribution<float> unit(0, 1);
    std::vector<float> x(rows * cols);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) {
            float v = normal(rng);
            if (c % 3 == 0) v = std::round(v * 4) / 4;
            if (c % 3 == 1) v = std::exp(2 * v);
            x[r * cols + c] = unit(rng) < 0.12f ? nan_value : v;
        }
    return x;
}

// Fraud-like labels: an interaction of a few features, missing values informative.
std::vector<float> synthetic_labels(const std::vector<float>& x, std::size_t cols, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> unit(0, 1);
    std::vector<float> y(x.size() / cols);
    for (std::size_t r = 0; r < y.size(); ++r) {
        const float* v = &x[r * cols];
        float s = (std::isnan(v[0]) ? 1.0f : v[0]) + 0.5f * (v[1] > 3 ? 1.0f : 0.0f) - 0.7f * (v[2] > 0.5f);
        if (std::isnan(v[4])) s += 0.8f;
        y[r] = unit(rng) < 1 / (1 + std::exp(-2 * s)) ? 1.0f : 0.0f;
    }
    return y;
}

struct trained {
    BoosterHandle booster = nullptr;
    std::string path;
    ~trained() {
        if (booster) XGBoosterFree(booster);
        if (!path.empty()) std::remove(path.c_str());
    }
};

DMatrixHandle matrix(const std::vector<float>& x, std::size_t cols, const std::vector<const char*>& names) {
    DMatrixHandle m = nullptr;
    xgb_check(XGDMatrixCreateFromMat(x.data(), x.size() / cols, cols, nan_value, &m), "XGDMatrixCreateFromMat");
    if (!names.empty())
        xgb_check(XGDMatrixSetStrFeatureInfo(m, "feature_name", const_cast<const char**>(names.data()), names.size()),
                  "XGDMatrixSetStrFeatureInfo");
    return m;
}

void train(trained& t, std::size_t cols, const std::vector<const char*>& names,
           const std::vector<std::pair<const char*, const char*>>& params, int rounds) {
    const std::vector<float> x = synthetic_rows(20'000, cols, 11);
    const std::vector<float> y = synthetic_labels(x, cols, 12);
    DMatrixHandle dtrain = matrix(x, cols, names);
    xgb_check(XGDMatrixSetFloatInfo(dtrain, "label", y.data(), y.size()), "XGDMatrixSetFloatInfo");
    xgb_check(XGBoosterCreate(&dtrain, 1, &t.booster), "XGBoosterCreate");
    for (auto [k, v] : params) xgb_check(XGBoosterSetParam(t.booster, k, v), k);
    // The C API does not take the names from the DMatrix (Python's Booster does).
    if (!names.empty())
        xgb_check(XGBoosterSetStrFeatureInfo(t.booster, "feature_name", const_cast<const char**>(names.data()),
                                             names.size()),
                  "XGBoosterSetStrFeatureInfo");
    for (int i = 0; i < rounds; ++i) xgb_check(XGBoosterUpdateOneIter(t.booster, i, dtrain), "XGBoosterUpdateOneIter");
    XGDMatrixFree(dtrain);
    t.path = "/tmp/txscreen_xgb_exact_" + std::to_string(getpid()) + ".json";
    xgb_check(XGBoosterSaveModel(t.booster, t.path.c_str()), "XGBoosterSaveModel");
}

std::vector<float> xgb_predict(BoosterHandle b, const std::vector<float>& x, std::size_t cols,
                               const std::vector<const char*>& names) {
    DMatrixHandle d = matrix(x, cols, names);
    bst_ulong len = 0;
    const float* out = nullptr;
    xgb_check(XGBoosterPredict(b, d, 0, 0, 0, &len, &out), "XGBoosterPredict");
    std::vector<float> p(out, out + len);
    XGDMatrixFree(d);
    return p;
}

// The engine's vector for each model row: model column j goes to engine slot engine_of[j],
// the other slots hold values the model must not read (NaN or noise).
std::vector<float> engine_rows(const std::vector<float>& x, std::size_t cols, const std::vector<int>& engine_of) {
    const std::size_t rows = x.size() / cols;
    std::vector<float> e(rows * feature_count, 12345.0f);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < cols; ++j) e[r * feature_count + engine_of[j]] = x[r * cols + j];
    return e;
}

struct comparison {
    float max_diff = 0;
    std::size_t equal = 0;
};

comparison compare(const xgb_model& m, const std::vector<float>& engine, const std::vector<float>& expected) {
    const std::size_t rows = expected.size();
    std::vector<float> burst(rows);
    for (std::size_t i = 0; i < rows; i += 32)
        m.predict_burst(engine.data() + i * feature_count, std::min<std::size_t>(32, rows - i), burst.data() + i);
    comparison c;
    for (std::size_t i = 0; i < rows; ++i) {
        const float single = m.predict(engine.data() + i * feature_count);
        REQUIRE(single == burst[i]);
        c.max_diff = std::max(c.max_diff, std::fabs(single - expected[i]));
        c.equal += single == expected[i];
    }
    return c;
}

void check_exact(const char* label, const std::vector<std::pair<const char*, const char*>>& params, int rounds,
                 const std::vector<const char*>& names, std::size_t expect_trees) {
    const std::size_t cols = names.empty() ? feature_count : names.size();
    trained t;
    train(t, cols, names, params, rounds);
    std::string error;
    auto m = xgb_model::load(t.path, error);
    INFO(error);
    REQUIRE(m);
    CHECK(m->trees() == expect_trees);
    CHECK(m->max_depth() <= 6);
    for (const std::string& used : m->features_used())
        CHECK((names.empty() || std::find(names.begin(), names.end(), used) != names.end()));
    std::vector<int> engine_of(cols);
    for (std::size_t j = 0; j < cols; ++j) engine_of[j] = names.empty() ? static_cast<int>(j) : feature_index(names[j]);
    const std::vector<float> x = synthetic_rows(100'000, cols, 99);
    const comparison c = compare(*m, engine_rows(x, cols, engine_of), xgb_predict(t.booster, x, cols, names));
    std::printf("%s: %zu trees, max depth %d: max |diff| %.3g, %zu of 100000 predictions bit-identical\n", label,
                m->trees(), m->max_depth(), static_cast<double>(c.max_diff), c.equal);
    CHECK(c.max_diff <= 1e-5f);
}

const std::vector<std::pair<const char*, const char*>> logistic_100x6 = {
    {"objective", "binary:logistic"}, {"max_depth", "6"}, {"eta", "0.1"}, {"tree_method", "hist"},
    {"nthread", "1"}, {"seed", "3"}};

}  // namespace

TEST_CASE("binary:logistic, 100 trees of depth 6: libxgboost's predictions within 1e-5", "[integration][model]") {
    check_exact("binary:logistic", logistic_100x6, 100, {}, 100);
}

TEST_CASE("feature names: a shuffled subset of the engine's, mapped by name", "[integration][model]") {
    std::vector<const char*> names;
    for (const feature_info& f : feature_table) names.push_back(f.name.data());
    std::shuffle(names.begin(), names.end(), std::mt19937(5));
    names.resize(12);
    // feature_table's names are string literals, so data() is NUL-terminated.
    check_exact("binary:logistic, 12 named features", logistic_100x6, 100, names, 100);
}

TEST_CASE("other objectives and boosters agree with libxgboost", "[integration][model]") {
    check_exact("binary:logitraw base_score 0.3",
                {{"objective", "binary:logitraw"}, {"max_depth", "6"}, {"base_score", "0.3"}, {"nthread", "1"}},
                30, {}, 30);
    check_exact("reg:squarederror approx",
                {{"objective", "reg:squarederror"}, {"max_depth", "4"}, {"tree_method", "approx"}, {"nthread", "1"}},
                30, {}, 30);
    check_exact("dart binary:logistic",
                {{"objective", "binary:logistic"}, {"booster", "dart"}, {"max_depth", "6"}, {"rate_drop", "0.2"},
                 {"nthread", "1"}, {"seed", "4"}},
                30, {}, 30);
}
