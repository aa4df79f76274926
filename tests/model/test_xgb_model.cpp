// xgb_model on small hand-written XGBoost JSON models whose outputs are worked out by
// hand: routing by threshold (a tie goes right), NaN taking each split's default,
// base_score as a margin for each objective, dart weights, features mapped by name; and
// every refusal a user can meet, with the error naming the file, tree and node.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <unistd.h>
#include <string>
#include <vector>

#include "model/xgb_model.h"

using namespace txscreen;

namespace {

constexpr float nan_value = std::numeric_limits<float>::quiet_NaN();
constexpr float inf_value = std::numeric_limits<float>::infinity();

// Two splits: amount < 100 (NaN left), then device_new < 0.5 (NaN right); leaves 0.1,
// 0.2 under it and -0.3 for amount >= 100. Features by position (0 amount, 8 device_new).
const std::string tree_a = R"({"left_children": [1, 3, -1, -1, -1], "right_children": [2, 4, -1, -1, -1],
  "split_indices": [0, 8, 0, 0, 0], "split_conditions": [100, 0.5, -0.3, 0.1, 0.2],
  "default_left": [1, 0, 0, 0, 0], "split_type": [0, 0, 0, 0, 0], "base_weights": [0, 0, 0, 0, 0]})";
// One split: mcc < 5000 (NaN right): 0.25 / -0.25.
const std::string tree_b = R"({"left_children": [1, -1, -1], "right_children": [2, -1, -1],
  "split_indices": [13, 0, 0], "split_conditions": [5000, 0.25, -0.25], "default_left": [0, 0, 0]})";

struct model_spec {
    std::string objective = "reg:squarederror";
    std::string base_score = "5E-1";
    std::string num_class = "0";
    std::string num_feature = "20";
    std::string feature_names = "[]";
    std::vector<std::string> trees{tree_a};
    std::string booster = "gbtree";
    std::string weight_drop = "[]";
};

std::string model_json(const model_spec& s) {
    std::string trees, info;
    for (const std::string& t : s.trees) {
        trees += (trees.empty() ? "" : ", ") + t;
        info += info.empty() ? "0" : ", 0";
    }
    std::string gbtree = R"({"name": "gbtree", "model": {"gbtree_model_param": {"num_trees": ")" +
                         std::to_string(s.trees.size()) + R"("}, "trees": [)" + trees + "], \"tree_info\": [" + info +
                         "]}}";
    std::string booster = gbtree;
    if (s.booster == "dart")
        booster = R"({"name": "dart", "gbtree": )" + gbtree + R"(, "weight_drop": )" + s.weight_drop + "}";
    else if (s.booster != "gbtree")
        booster = R"({"name": ")" + s.booster + R"(", "model": {}})";
    return R"({"learner": {"attributes": {}, "feature_names": )" + s.feature_names +
           R"(, "feature_types": [], "gradient_booster": )" + booster +
           R"(, "learner_model_param": {"base_score": ")" + s.base_score + R"(", "num_class": ")" + s.num_class +
           R"(", "num_feature": ")" + s.num_feature + R"(", "num_target": "1"}, "objective": {"name": ")" +
           s.objective + R"("}}, "version": [1, 7, 4]})";
}

std::shared_ptr<const xgb_model> parse_ok(const model_spec& s) {
    std::string error;
    auto m = xgb_model::parse(model_json(s), "m.json", error);
    INFO(error);
    REQUIRE(m);
    CHECK(error.empty());
    return m;
}

std::string refusal(const std::string& json) {
    std::string error;
    auto m = xgb_model::parse(json, "/x/m.json", error);
    CHECK_FALSE(m);
    return error;
}

struct row {
    float v[feature_count];
    row(float amount, float device_new, float mcc = 0) {
        for (float& x : v) x = 0;
        v[0] = amount, v[8] = device_new, v[13] = mcc;
    }
};

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

TEST_CASE("a split goes left below its threshold, right at or above it", "[unit][model]") {
    auto m = parse_ok({});
    CHECK(m->predict(row(50, 0).v) == 0.5f + 0.1f);
    CHECK(m->predict(row(50, 1).v) == 0.5f + 0.2f);
    CHECK(m->predict(row(100, 0).v) == 0.5f + -0.3f);
    CHECK(m->predict(row(99.99f, 0.5f).v) == 0.5f + 0.2f);
    CHECK(m->predict(row(inf_value, 0).v) == 0.5f + -0.3f);
    CHECK(m->predict(row(-inf_value, 0).v) == 0.5f + 0.1f);
    CHECK(m->trees() == 1);
    CHECK(m->max_depth() == 2);
    CHECK(m->objective() == "reg:squarederror");
    CHECK(m->source() == "m.json");
    CHECK(m->features_used() == std::vector<std::string>{"amount", "device_new"});
}

TEST_CASE("a missing value (NaN) takes each split's default direction", "[unit][model]") {
    auto m = parse_ok({});
    CHECK(m->predict(row(nan_value, 0).v) == 0.5f + 0.1f);  // amount: default left
    CHECK(m->predict(row(nan_value, 1).v) == 0.5f + 0.2f);
    CHECK(m->predict(row(50, nan_value).v) == 0.5f + 0.2f);  // device_new: default right
    CHECK(m->predict(row(nan_value, nan_value).v) == 0.5f + 0.2f);
}

TEST_CASE("trees add up in float after the base margin", "[unit][model]") {
    model_spec s;
    s.trees = {tree_a, tree_b};
    auto m = parse_ok(s);
    CHECK(m->trees() == 2);
    CHECK(m->predict(row(50, 0, 4000).v) == 0.5f + 0.1f + 0.25f);
    CHECK(m->predict(row(50, 0, nan_value).v) == 0.5f + 0.1f + -0.25f);
    CHECK(m->features_used() == std::vector<std::string>{"amount", "device_new", "mcc"});
}

TEST_CASE("each objective turns base_score into a margin and the margin into a score", "[unit][model]") {
    model_spec s;
    s.base_score = "2E-1";
    for (const char* logistic : {"binary:logistic", "reg:logistic"}) {
        s.objective = logistic;
        auto m = parse_ok(s);
        const float base_margin = -std::log(1.0f / 0.2f - 1.0f);  // logit(0.2)
        CHECK(m->predict(row(50, 0).v) == sigmoid(base_margin + 0.1f));
        CHECK(m->predict(row(100, 0).v) == sigmoid(base_margin + -0.3f));
        CHECK(m->predict(row(100, 0).v) == Approx(1 / (1 + std::exp(-(std::log(0.25) - 0.3)))).epsilon(1e-6));
    }
    s.objective = "binary:logitraw";
    CHECK(parse_ok(s)->predict(row(50, 0).v) == 0.2f + 0.1f);
    s.objective = "reg:squarederror";
    CHECK(parse_ok(s)->predict(row(50, 0).v) == 0.2f + 0.1f);
}

TEST_CASE("a dart model's trees count with their weights", "[unit][model]") {
    model_spec s;
    s.booster = "dart";
    s.trees = {tree_a, tree_b};
    s.weight_drop = "[0.5, 2]";
    auto m = parse_ok(s);
    CHECK(m->predict(row(50, 0, 4000).v) == 0.5f + 0.1f * 0.5f + 0.25f * 2.0f);
    s.weight_drop = "[0.5]";
    CHECK_THAT(refusal(model_json(s)), Catch::Contains("weight_drop has 1 entries, expected 2"));
}

TEST_CASE("features are mapped to the engine's vector by name", "[unit][model]") {
    model_spec s;
    s.num_feature = "14";
    // The model's feature 0 is device_new, 8 is mcc, 13 is amount.
    s.feature_names = R"(["device_new", "ip_new", "card_count_1h", "card_count_24h", "card_sum_1h", "card_sum_24h",
        "card_distinct_merchants_1h", "card_distinct_countries_24h", "mcc", "kmh_since_card_present",
        "seconds_since_last_txn", "amount_to_card_mean_24h", "mcc_high_risk", "amount"])";
    s.trees = {tree_a, tree_b};
    auto m = parse_ok(s);
    // tree_a: device_new < 100 (NaN left), then mcc < 0.5 (NaN right); tree_b: amount < 5000.
    CHECK(m->predict(row(4000, 50, 0).v) == 0.5f + 0.1f + 0.25f);
    CHECK(m->predict(row(6000, 200, 0).v) == 0.5f + -0.3f + -0.25f);
    CHECK(m->predict(row(6000, nan_value, 1).v) == 0.5f + 0.2f + -0.25f);
    CHECK(m->features_used() == std::vector<std::string>{"device_new", "mcc", "amount"});
}

TEST_CASE("predict_burst gives predict's values for any burst size", "[unit][model]") {
    model_spec s;
    s.objective = "binary:logistic";
    s.trees = {tree_a, tree_b, tree_a};
    auto m = parse_ok(s);
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0, 200);
    for (std::size_t n : {1u, 7u, 8u, 9u, 32u, 37u}) {
        std::vector<float> rows(n * feature_count), out(n, -1);
        for (float& x : rows) x = rng() % 5 == 0 ? nan_value : u(rng);
        for (std::size_t i = 0; i < n; ++i) rows[i * feature_count + 13] *= 50;  // mcc around 5000
        m->predict_burst(rows.data(), n, out.data());
        for (std::size_t i = 0; i < n; ++i) CHECK(out[i] == m->predict(rows.data() + i * feature_count));
    }
}

TEST_CASE("a corrupt or truncated file is refused, naming it", "[unit][model]") {
    CHECK_THAT(refusal("{\"learner\": "), Catch::StartsWith("model /x/m.json: not a JSON document: parse error"));
    const std::string whole = model_json({});
    CHECK_THAT(refusal(whole.substr(0, whole.size() / 2)), Catch::StartsWith("model /x/m.json: not a JSON document"));
    CHECK_THAT(refusal(""), Catch::StartsWith("model /x/m.json: not a JSON document"));
    CHECK(refusal("[1, 2]") == "model /x/m.json: the document is not an object");
    CHECK(refusal("{}") == "model /x/m.json: the document: no \"learner\"");
    std::string error;
    CHECK_FALSE(xgb_model::load("/nonexistent/m.json", error));
    CHECK(error == "model /nonexistent/m.json: no such file");
}

TEST_CASE("a model it cannot evaluate exactly is refused with the reason", "[unit][model]") {
    model_spec s;
    s.num_class = "3";
    CHECK(refusal(model_json(s)) == "model /x/m.json: a multi-class model (num_class 3) is not supported");
    s = {};
    s.objective = "multi:softprob";
    CHECK_THAT(refusal(model_json(s)), Catch::Contains("objective \"multi:softprob\" is not supported"));
    s = {};
    s.booster = "gblinear";
    CHECK_THAT(refusal(model_json(s)), Catch::Contains("booster \"gblinear\" is not supported"));
    s = {};
    s.objective = "binary:logistic";
    s.base_score = "1.5";
    CHECK_THAT(refusal(model_json(s)), Catch::Contains("base_score 1.500000 is not in (0, 1)"));
    s = {};
    s.base_score = "half";
    CHECK_THAT(refusal(model_json(s)), Catch::Contains("learner_model_param.base_score is not a number: \"half\""));
    s = {};
    s.trees = {R"({"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [0, 0, 0],
        "split_conditions": [1, 2, 3], "default_left": [0, 0, 0], "split_type": [1, 0, 0]})"};
    CHECK(refusal(model_json(s)) == "model /x/m.json: tree 0 node 0: a categorical split (not supported)");
}

TEST_CASE("a model that needs features the engine does not produce is refused", "[unit][model]") {
    model_spec s;
    s.num_feature = "25";
    s.trees = {R"({"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [22, 0, 0],
        "split_conditions": [1, 2, 3], "default_left": [0, 0, 0]})"};
    CHECK(refusal(model_json(s)) == "model /x/m.json: tree 0 node 0: split on feature 22, the engine has 20");
    s.num_feature = "20";
    CHECK(refusal(model_json(s)) == "model /x/m.json: tree 0 node 0: split on feature 22, the model has 20");
    s = {};
    s.num_feature = "2";
    s.feature_names = R"(["amount", "cvv_mismatch"])";
    CHECK(refusal(model_json(s)) == "model /x/m.json: learner.feature_names[1] \"cvv_mismatch\" is not a feature "
                                    "the engine produces (docs/model.md lists them)");
    s.feature_names = R"(["amount"])";
    CHECK(refusal(model_json(s)) == "model /x/m.json: learner.feature_names has 1 names, num_feature is 2");
}

TEST_CASE("a tree whose children are out of range or loop is refused", "[unit][model]") {
    model_spec s;
    s.trees = {R"({"left_children": [1, -1, -1], "right_children": [7, -1, -1], "split_indices": [0, 0, 0],
        "split_conditions": [1, 2, 3], "default_left": [0, 0, 0]})"};
    CHECK(refusal(model_json(s)) ==
          "model /x/m.json: tree 0 node 0: child 7 out of range (the tree has 3 nodes)");
    s.trees = {R"({"left_children": [1, 1, -1], "right_children": [2, 2, -1], "split_indices": [0, 0, 0],
        "split_conditions": [1, 2, 3], "default_left": [0, 0, 0]})"};
    CHECK(refusal(model_json(s)) ==
          "model /x/m.json: tree 0 node 1: child 1 is reached twice (a cycle or a shared node)");
    s.trees = {R"({"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [0, 0, 0],
        "split_conditions": [1, 2], "default_left": [0, 0, 0]})"};
    CHECK(refusal(model_json(s)) ==
          "model /x/m.json: tree 0.split_conditions has 2 entries, expected 3");
    s.trees = {R"({"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [0, 0, 0],
        "default_left": [0, 0, 0]})"};
    CHECK(refusal(model_json(s)) == "model /x/m.json: tree 0: no \"split_conditions\"");
    s.trees = {R"({"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [0, "x", 0],
        "split_conditions": [1, 2, 3], "default_left": [0, 0, 0]})"};
    CHECK(refusal(model_json(s)) == "model /x/m.json: tree 0.split_indices[1] is not an integer");
}

TEST_CASE("a model file is loaded from disk", "[unit][model]") {
    char path[] = "/tmp/txscreen_xgb_XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const std::string json = model_json({});
    REQUIRE(write(fd, json.data(), json.size()) == static_cast<ssize_t>(json.size()));
    close(fd);
    std::string error;
    auto m = xgb_model::load(path, error);
    std::remove(path);
    REQUIRE(m);
    CHECK(m->source() == path);
    CHECK(m->predict(row(50, 0).v) == 0.5f + 0.1f);
}
