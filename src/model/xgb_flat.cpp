// Walks the flattened trees (xgb_flat.h). Every row takes exactly `depth` steps through a
// tree (a leaf keeps it where it is), so the walk has no branch on the data, and a burst
// walks a block of rows through one tree together: their loads are independent and
// overlap. Sums are float, base margin first and then tree by tree, as libxgboost's CPU
// predictor adds them, so the result is the same float.
#include <cmath>
#include <limits>

#include "model/xgb_flat.h"

namespace txscreen {
namespace {

constexpr float plus_inf = std::numeric_limits<float>::infinity();

// The row widened into its slots (xgb_flat.h): NaN read as +inf, then as -inf, then -inf.
void widen(const float* row, float* wide) noexcept {
    for (int f = 0; f < feature_count; ++f) {
        const float x = row[f];
        const bool missing = std::isnan(x);
        wide[f] = missing ? plus_inf : x;
        wide[xgb_nan_left_slot + f] = missing ? -plus_inf : x;
    }
    wide[xgb_minus_inf_slot] = -plus_inf;
}

// One step: to the left child, or the right one after it; a leaf stays (child 0, and
// -inf < its value).
inline uint32_t step(const xgb_node* nodes, uint32_t at, const float* wide) noexcept {
    const xgb_node n = nodes[at];
    // at + child + (go right), written so the compare's flag feeds one subtract-borrow
    return at + n.child + 1u - (wide[n.slot] < n.value);
}

// Rows walked together through each tree: enough independent walks to hide the loads'
// latency (16 was the fastest of 4, 8 and 16 on the 2-vCPU Zen 3 dev box).
constexpr std::size_t block_rows = 16;

template <std::size_t rows>
void margins_block(const xgb_flat_model& m, const float* in, float* out) noexcept {
    float wide[rows][xgb_row_slots];
    float sum[rows];
    uint32_t at[rows];
    for (std::size_t r = 0; r < rows; ++r) widen(in + r * feature_count, wide[r]), sum[r] = m.base_margin;
    const xgb_node* nodes = m.nodes.data();
    // Unrolled over the rows so each row's position stays in a register.
    for (const xgb_tree_span& t : m.trees) {
#pragma GCC unroll 16
        for (std::size_t r = 0; r < rows; ++r) at[r] = t.root;
        for (uint32_t d = 0; d < t.depth; ++d) {
#pragma GCC unroll 16
            for (std::size_t r = 0; r < rows; ++r) at[r] = step(nodes, at[r], wide[r]);
        }
#pragma GCC unroll 16
        for (std::size_t r = 0; r < rows; ++r) sum[r] += nodes[at[r]].value;
    }
    for (std::size_t r = 0; r < rows; ++r) out[r] = sum[r];
}

}  // namespace

float xgb_margin(const xgb_flat_model& m, const float* row) noexcept {
    float wide[xgb_row_slots];
    widen(row, wide);
    const xgb_node* nodes = m.nodes.data();
    float sum = m.base_margin;
    for (const xgb_tree_span& t : m.trees) {
        uint32_t at = t.root;
        for (uint32_t d = 0; d < t.depth; ++d) at = step(nodes, at, wide);
        sum += nodes[at].value;
    }
    return sum;
}

void xgb_margins(const xgb_flat_model& m, const float* rows, std::size_t n, float* out) noexcept {
    std::size_t done = 0;
    for (; done + block_rows <= n; done += block_rows)
        margins_block<block_rows>(m, rows + done * feature_count, out + done);
    // The rest (a small burst: the dataplane's is 4) in blocks of 8, 4, 2 and 1.
    if (n - done >= 8) margins_block<8>(m, rows + done * feature_count, out + done), done += 8;
    if (n - done >= 4) margins_block<4>(m, rows + done * feature_count, out + done), done += 4;
    if (n - done >= 2) margins_block<2>(m, rows + done * feature_count, out + done), done += 2;
    if (n - done >= 1) margins_block<1>(m, rows + done * feature_count, out + done);
}

float xgb_transform_margin(xgb_transform t, float margin) noexcept {
    if (t == xgb_transform::identity) return margin;
    return 1.0f / (1.0f + std::exp(-margin));
}

}  // namespace txscreen
