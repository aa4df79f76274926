// The flattened form of an XGBoost model (xgb_model.h): every tree's nodes in one array,
// each tree breadth-first from its root with the two children of a node side by side, so
// one node is 8 bytes and the right child is the left one plus one. Built by
// xgb_json.cpp, walked by xgb_flat.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/xgb_model.h"

namespace txscreen {

// Missing values and default directions cost nothing in the walk: each row is first
// widened into `xgb_row_slots` floats: its features with NaN read as +inf (slots
// [0, feature_count): a NaN there goes right), again with NaN read as -inf (slots
// [feature_count, 2*feature_count): a NaN goes left) and one -inf. A split whose default
// is left reads the second copy. Thresholds are finite, so `x < threshold` then decides
// every case exactly as libxgboost does (NaN takes the default, +-inf compare as numbers).
inline constexpr int xgb_nan_left_slot = feature_count;
inline constexpr int xgb_minus_inf_slot = 2 * feature_count;
inline constexpr int xgb_row_slots = 2 * feature_count + 1;

// A split: `value` is its threshold, `slot` the widened row's slot it reads, `child` the
// distance to its left child (the right one follows it). A leaf: `value` is its output
// (already multiplied by a dart tree's weight), it reads the -inf slot (always < value)
// and its child is itself (distance 0), so a walk that has reached it stays there and
// every row takes the same number of steps through a tree, with no branch on the data.
struct xgb_node {
    float value;
    uint16_t slot;
    uint16_t child;
};
static_assert(sizeof(xgb_node) == 8);
inline constexpr std::size_t xgb_max_tree_nodes = 65535;  // a child distance fits 16 bits

enum class xgb_transform : uint8_t { identity, sigmoid };

struct xgb_tree_span {
    uint32_t root;   // index in nodes
    uint32_t depth;  // steps from the root to its deepest leaf
};

struct xgb_flat_model {
    std::vector<xgb_node> nodes;
    std::vector<xgb_tree_span> trees;
    float base_margin = 0;  // where the sum starts (XGBoost's base_score as a margin)
    xgb_transform transform = xgb_transform::identity;
    int max_depth = 0;
    std::string objective;
    std::vector<std::string> features_used;  // engine names, in the model's feature order
};

// xgb_model's private state is the flat model (a distinct name so the free functions
// below can build and read it).
struct xgb_model::flat : xgb_flat_model {};

// Reads XGBoost's JSON model into `out`; false with `error` (without the source's name)
// when refused. xgb_json.cpp.
bool xgb_read_json(std::string_view json, xgb_flat_model& out, std::string& error);

// The margin (base margin plus every tree's leaf, summed in float in tree order, as
// libxgboost does) of one row, and of n rows (row-major, feature_count floats each).
// xgb_flat.cpp; no allocation.
float xgb_margin(const xgb_flat_model& m, const float* row) noexcept;
void xgb_margins(const xgb_flat_model& m, const float* rows, std::size_t n, float* out) noexcept;
// The objective's transform of a margin.
float xgb_transform_margin(xgb_transform t, float margin) noexcept;

}  // namespace txscreen
