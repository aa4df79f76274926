// Reads the JSON model libxgboost writes (Booster.save_model("m.json"); XGBoost 1.7's
// schema: learner.learner_model_param, learner.objective, learner.feature_names,
// learner.gradient_booster) and flattens its trees (xgb_flat.h). Anything we could not
// evaluate exactly as libxgboost does is refused, naming the key, tree and node.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/xgb_flat.h"

namespace txscreen {
namespace {

// Numbers are parsed straight to float (strtof) as libxgboost reads them: a threshold
// read as a double and then rounded to float could land on a neighbouring float.
using fjson = nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t, std::uint64_t, float>;

struct refused {
    std::string why;
};

[[noreturn]] void refuse(std::string why) { throw refused{std::move(why)}; }

const fjson& member(const fjson& obj, const char* key, const std::string& where) {
    if (!obj.is_object()) refuse(where + " is not an object");
    auto it = obj.find(key);
    if (it == obj.end()) refuse(where + ": no \"" + key + "\"");
    return *it;
}

const fjson& array_member(const fjson& obj, const char* key, const std::string& where) {
    const fjson& a = member(obj, key, where);
    if (!a.is_array()) refuse(where + "." + key + " is not an array");
    return a;
}

const fjson& array_member(const fjson& obj, const char* key, const std::string& where, std::size_t size) {
    const fjson& a = array_member(obj, key, where);
    if (a.size() != size)
        refuse(where + "." + key + " has " + std::to_string(a.size()) + " entries, expected " + std::to_string(size));
    return a;
}

const std::string& text(const fjson& v, const std::string& where) {
    if (!v.is_string()) refuse(where + " is not a string");
    return v.get_ref<const std::string&>();
}

// learner_model_param holds its numbers as strings ("5E-1"; "[5E-1]" in later versions).
float float_text(const fjson& v, const std::string& where) {
    std::string s = text(v, where);
    if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
    char* end = nullptr;
    errno = 0;
    const float f = std::strtof(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(f))
        refuse(where + " is not a number: \"" + s + "\"");
    return f;
}

long int_text(const fjson& v, const std::string& where) {
    const std::string& s = text(v, where);
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE || n < 0 || n > 1'000'000'000)
        refuse(where + " is not a count: \"" + s + "\"");
    return n;
}

std::string element(const std::string& where, const char* key, std::size_t i) {
    return where + "." + key + "[" + std::to_string(i) + "]";
}

int64_t int_at(const fjson& a, std::size_t i, const char* key, const std::string& where) {
    const fjson& v = a[i];
    if (v.is_number_integer()) return v.get<int64_t>();
    refuse(element(where, key, i) + " is not an integer");
}

float float_at(const fjson& a, std::size_t i, const char* key, const std::string& where) {
    const fjson& v = a[i];
    if (!v.is_number()) refuse(element(where, key, i) + " is not a number");
    const float f = v.get<float>();
    if (!std::isfinite(f)) refuse(element(where, key, i) + " is not a finite float");
    return f;
}

bool flag_at(const fjson& a, std::size_t i, const char* key, const std::string& where) {
    const fjson& v = a[i];
    if (v.is_boolean()) return v.get<bool>();
    const int64_t n = v.is_number_integer() ? v.get<int64_t>() : -1;
    if (n != 0 && n != 1) refuse(element(where, key, i) + " is not 0 or 1");
    return n == 1;
}

// One tree as the JSON holds it (node ids are the arrays' indexes).
struct raw_tree {
    std::vector<int64_t> left, right, split;
    std::vector<float> condition;
    std::vector<uint8_t> default_left;
};

void refuse_categorical(const fjson& t, std::size_t n, const std::string& where) {
    auto it = t.find("split_type");
    if (it == t.end()) return;
    if (!it->is_array() || it->size() != n) refuse(where + ".split_type does not match its nodes");
    for (std::size_t i = 0; i < n; ++i)
        if (int_at(*it, i, "split_type", where) != 0)
            refuse(where + " node " + std::to_string(i) + ": a categorical split (not supported)");
}

raw_tree read_tree(const fjson& t, const std::string& where) {
    const fjson& left = array_member(t, "left_children", where);
    const std::size_t n = left.size();
    if (n == 0) refuse(where + " has no nodes");
    if (n > xgb_max_tree_nodes)
        refuse(where + " has " + std::to_string(n) + " nodes, at most " + std::to_string(xgb_max_tree_nodes) +
               " are supported");
    const fjson& right = array_member(t, "right_children", where, n);
    const fjson& split = array_member(t, "split_indices", where, n);
    const fjson& cond = array_member(t, "split_conditions", where, n);
    const fjson& dleft = array_member(t, "default_left", where, n);
    refuse_categorical(t, n, where);
    raw_tree r;
    r.left.resize(n), r.right.resize(n), r.split.resize(n), r.condition.resize(n), r.default_left.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        r.left[i] = int_at(left, i, "left_children", where);
        r.right[i] = int_at(right, i, "right_children", where);
        r.split[i] = int_at(split, i, "split_indices", where);
        r.condition[i] = float_at(cond, i, "split_conditions", where);
        r.default_left[i] = flag_at(dleft, i, "default_left", where);
    }
    return r;
}

// The model's features: the engine index each model feature reads, or -1 (a model
// feature beyond the engine's vector: refused when a split uses it).
struct feature_map {
    std::vector<int> engine;
    std::vector<std::string> names;
    std::vector<uint8_t> used;
};

feature_map map_features(const fjson& learner, long num_feature) {
    feature_map m;
    auto it = learner.find("feature_names");
    const bool named = it != learner.end() && it->is_array() && !it->empty();
    if (named && static_cast<long>(it->size()) != num_feature)
        refuse("learner.feature_names has " + std::to_string(it->size()) + " names, num_feature is " +
               std::to_string(num_feature));
    for (long i = 0; i < num_feature; ++i) {
        int e = i < feature_count ? static_cast<int>(i) : -1;
        if (named) {
            const std::string where = element("learner", "feature_names", static_cast<std::size_t>(i));
            const std::string& name = text((*it)[static_cast<std::size_t>(i)], where);
            e = feature_index(name);
            if (e < 0)
                refuse(where + " \"" + name + "\" is not a feature the engine produces (docs/model.md lists them)");
            for (int seen : m.engine)
                if (seen == e) refuse(where + " \"" + name + "\" is named twice");
        }
        m.engine.push_back(e);
        m.names.emplace_back(e >= 0 ? feature_table[static_cast<std::size_t>(e)].name : std::string_view{});
    }
    m.used.assign(m.engine.size(), 0);
    return m;
}

void refuse_categorical_features(const fjson& learner) {
    auto it = learner.find("feature_types");
    if (it == learner.end() || !it->is_array()) return;
    for (const fjson& t : *it)
        if (t.is_string() && t.get_ref<const std::string&>() == "c")
            refuse("learner.feature_types: categorical features are not supported");
}

// The engine-vector slot a split reads (xgb_flat.h), checked against the model's and
// the engine's features.
uint16_t split_slot(const raw_tree& t, std::size_t node, feature_map& fm, const std::string& where) {
    const int64_t f = t.split[node];
    const std::string at = where + " node " + std::to_string(node);
    if (f < 0 || f >= static_cast<int64_t>(fm.engine.size()))
        refuse(at + ": split on feature " + std::to_string(f) + ", the model has " + std::to_string(fm.engine.size()));
    const int e = fm.engine[static_cast<std::size_t>(f)];
    if (e < 0)
        refuse(at + ": split on feature " + std::to_string(f) + ", the engine has " + std::to_string(feature_count));
    fm.used[static_cast<std::size_t>(f)] = 1;
    return static_cast<uint16_t>(e + (t.default_left[node] ? xgb_nan_left_slot : 0));
}

void check_child(const raw_tree& t, std::size_t node, int64_t child, std::vector<uint8_t>& seen,
                 const std::string& where) {
    const std::string at = where + " node " + std::to_string(node);
    if (child <= 0 || child >= static_cast<int64_t>(t.left.size()))
        refuse(at + ": child " + std::to_string(child) + " out of range (the tree has " +
               std::to_string(t.left.size()) + " nodes)");
    if (seen[static_cast<std::size_t>(child)])
        refuse(at + ": child " + std::to_string(child) + " is reached twice (a cycle or a shared node)");
    seen[static_cast<std::size_t>(child)] = 1;
}

// Appends a tree breadth-first from its root, the two children of a split side by side.
void flatten(const raw_tree& t, float weight, feature_map& fm, const std::string& where, xgb_flat_model& out) {
    const std::size_t n = t.left.size();
    if (out.nodes.size() + n > 0xffffffffu) refuse(where + ": the model has too many nodes");
    struct pending {
        std::size_t node;
        uint32_t at, depth;
    };
    std::vector<pending> queue{{0, static_cast<uint32_t>(out.nodes.size()), 0}};
    std::vector<uint8_t> seen(n, 0);
    seen[0] = 1;
    const uint32_t root = static_cast<uint32_t>(out.nodes.size());
    uint32_t depth = 0;
    out.nodes.push_back({});
    for (std::size_t q = 0; q < queue.size(); ++q) {
        const pending p = queue[q];
        if (t.left[p.node] == -1) {
            if (t.right[p.node] != -1)
                refuse(where + " node " + std::to_string(p.node) + ": a leaf (left child -1) with right child " +
                       std::to_string(t.right[p.node]));
            const float value = t.condition[p.node] * weight;
            if (!std::isfinite(value))
                refuse(where + " node " + std::to_string(p.node) + ": leaf value times weight is not finite");
            out.nodes[p.at] = {value, static_cast<uint16_t>(xgb_minus_inf_slot), 0};
            depth = std::max(depth, p.depth);
            continue;
        }
        check_child(t, p.node, t.left[p.node], seen, where);
        check_child(t, p.node, t.right[p.node], seen, where);
        const auto child_at = static_cast<uint32_t>(out.nodes.size());
        out.nodes[p.at] = {t.condition[p.node], split_slot(t, p.node, fm, where),
                           static_cast<uint16_t>(child_at - p.at)};
        out.nodes.push_back({}), out.nodes.push_back({});
        queue.push_back({static_cast<std::size_t>(t.left[p.node]), child_at, p.depth + 1});
        queue.push_back({static_cast<std::size_t>(t.right[p.node]), child_at + 1, p.depth + 1});
    }
    out.trees.push_back({root, depth});
    out.max_depth = std::max(out.max_depth, static_cast<int>(depth));
}

// Sets the transform and the base margin (libxgboost's ProbToMargin of base_score).
void read_objective(const fjson& learner, float base_score, xgb_flat_model& out) {
    const std::string& name = text(member(member(learner, "objective", "learner"), "name", "learner.objective"),
                                   "learner.objective.name");
    out.objective = name;
    if (name == "binary:logistic" || name == "reg:logistic") {
        if (!(base_score > 0.0f && base_score < 1.0f))
            refuse("base_score " + std::to_string(base_score) + " is not in (0, 1), as " + name + " needs");
        out.transform = xgb_transform::sigmoid;
        out.base_margin = -std::log(1.0f / base_score - 1.0f);
    } else if (name == "binary:logitraw" || name == "reg:squarederror") {
        out.transform = xgb_transform::identity;
        out.base_margin = base_score;
    } else {
        refuse("objective \"" + name +
               "\" is not supported (binary:logistic, reg:logistic, binary:logitraw and reg:squarederror are)");
    }
}

// The gbtree model object and, for dart, each tree's weight.
const fjson& booster_model(const fjson& learner, std::vector<float>& weights) {
    const fjson& gb = member(learner, "gradient_booster", "learner");
    const std::string& name = text(member(gb, "name", "learner.gradient_booster"), "learner.gradient_booster.name");
    if (name == "gbtree") return member(gb, "model", "learner.gradient_booster");
    if (name != "dart") refuse("booster \"" + name + "\" is not supported (gbtree and dart are)");
    const fjson& model = member(member(gb, "gbtree", "learner.gradient_booster"), "model",
                                "learner.gradient_booster.gbtree");
    const std::size_t trees = array_member(model, "trees", "learner.gradient_booster.gbtree.model").size();
    const fjson& w = array_member(gb, "weight_drop", "learner.gradient_booster", trees);
    for (std::size_t i = 0; i < trees; ++i)
        weights.push_back(float_at(w, i, "weight_drop", "learner.gradient_booster"));
    return model;
}

void read_trees(const fjson& model, const std::vector<float>& weights, feature_map& fm, xgb_flat_model& out) {
    const std::string where = "gradient_booster.model";
    const fjson& trees = array_member(model, "trees", where);
    const fjson& info = array_member(model, "tree_info", where, trees.size());
    for (std::size_t i = 0; i < trees.size(); ++i) {
        if (int_at(info, i, "tree_info", where) != 0)
            refuse(element(where, "tree_info", i) + " is not 0: a multi-class model (not supported)");
        const std::string tree = "tree " + std::to_string(i);
        flatten(read_tree(trees[i], tree), weights.empty() ? 1.0f : weights[i], fm, tree, out);
    }
}

void read_model(const fjson& doc, xgb_flat_model& out) {
    const fjson& learner = member(doc, "learner", "the document");
    const fjson& param = member(learner, "learner_model_param", "learner");
    const std::string where = "learner.learner_model_param";
    const long num_class = int_text(member(param, "num_class", where), where + ".num_class");
    if (num_class > 1) refuse("a multi-class model (num_class " + std::to_string(num_class) + ") is not supported");
    if (auto it = param.find("num_target"); it != param.end() && int_text(*it, where + ".num_target") > 1)
        refuse("a multi-target model (num_target " + it->get_ref<const std::string&>() + ") is not supported");
    const long num_feature = int_text(member(param, "num_feature", where), where + ".num_feature");
    // The engine has feature_count features; a model may name them in any order, but
    // never more than a few thousand columns (a bound before anything is allocated).
    constexpr long max_model_features = 4096;
    if (num_feature < 0 || num_feature > max_model_features)
        refuse(where + ".num_feature is " + std::to_string(num_feature) + ": at most " +
               std::to_string(max_model_features) + " (the engine produces " + std::to_string(feature_count) + ")");
    read_objective(learner, float_text(member(param, "base_score", where), where + ".base_score"), out);
    refuse_categorical_features(learner);
    feature_map fm = map_features(learner, num_feature);
    std::vector<float> weights;
    read_trees(booster_model(learner, weights), weights, fm, out);
    for (std::size_t f = 0; f < fm.used.size(); ++f)
        if (fm.used[f]) out.features_used.push_back(fm.names[f]);
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string parse_message(const char* what) {
    std::string s = what;
    if (auto end = s.find("] "); !s.empty() && s.front() == '[' && end != std::string::npos) s.erase(0, end + 2);
    return s;
}

}  // namespace

bool xgb_read_json(std::string_view json, xgb_flat_model& out, std::string& error) {
    fjson doc;
    try {
        doc = fjson::parse(json.begin(), json.end());
    } catch (const fjson::exception& e) {
        error = "not a JSON document: " + parse_message(e.what());
        return false;
    } catch (const std::exception& e) {
        error = std::string("cannot parse: ") + e.what();
        return false;
    }
    try {
        read_model(doc, out);
    } catch (const refused& r) {
        error = r.why;
        return false;
    } catch (const fjson::exception& e) {
        error = "unexpected JSON: " + parse_message(e.what());
        return false;
    } catch (const std::exception& e) {  // out of memory on a huge model
        error = std::string("cannot load: ") + e.what();
        return false;
    }
    return true;
}

}  // namespace txscreen
