// bench_xgb: model cost per transaction: ns per row for 100 full trees of depth 6 (127
// nodes each, random splits over the engine's 20 features, defaults either way), rows
// with 10% missing values; predict() one row at a time against predict_burst() at
// bursts of 32 (and 4, the dataplane's default burst). Runs alternate and the medians
// are printed (thread CPU time, which the shared 2-core dev box distorts least, and wall
// time). Never fails on timing (suite 'perf'). TXSCREEN_BENCH_MODEL=m.json: a real
// model instead.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "model/xgb_model.h"

using namespace txscreen;

namespace {

double cpu_ns() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

double wall_ns() {
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A full tree of `depth` levels in XGBoost's JSON: node i's children are 2i+1, 2i+2.
std::string full_tree(int depth, std::mt19937& rng) {
    const int splits = (1 << depth) - 1, nodes = 2 * splits + 1;
    std::normal_distribution<float> normal(0, 1);
    std::string left, right, split, cond, dleft;
    for (int i = 0; i < nodes; ++i) {
        const bool leaf = i >= splits;
        const char* sep = i ? ", " : "";
        left += sep + std::to_string(leaf ? -1 : 2 * i + 1);
        right += sep + std::to_string(leaf ? -1 : 2 * i + 2);
        split += sep + std::to_string(leaf ? 0 : static_cast<int>(rng() % feature_count));
        cond += sep + std::to_string(leaf ? normal(rng) * 0.1f : normal(rng));
        dleft += sep + std::to_string(rng() & 1);
    }
    return R"({"left_children": [)" + left + R"(], "right_children": [)" + right + R"(], "split_indices": [)" +
           split + R"(], "split_conditions": [)" + cond + R"(], "default_left": [)" + dleft + "]}";
}

std::string synthetic_model(int trees, int depth) {
    std::mt19937 rng(1);
    std::string list, info;
    for (int t = 0; t < trees; ++t) {
        list += (t ? ", " : "") + full_tree(depth, rng);
        info += t ? ", 0" : "0";
    }
    return R"({"learner": {"feature_names": [], "gradient_booster": {"name": "gbtree", "model": {"trees": [)" + list +
           R"(], "tree_info": [)" + info + R"(]}}, "learner_model_param": {"base_score": "5E-1", "num_class": "0",
           "num_feature": "20"}, "objective": {"name": "binary:logistic"}}})";
}

struct timing {
    double cpu, wall;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main() {
    std::string error;
    std::shared_ptr<const xgb_model> m;
    if (const char* path = std::getenv("TXSCREEN_BENCH_MODEL")) m = xgb_model::load(path, error);
    else m = xgb_model::parse(synthetic_model(100, 6), "synthetic 100x6", error);
    if (!m) {
        std::fprintf(stderr, "%s\n", error.c_str());
        return 1;
    }
    constexpr std::size_t rows = 4096, burst = 32;
    std::mt19937 rng(2);
    std::normal_distribution<float> normal(0, 1);
    std::vector<float> x(rows * feature_count), out(rows);
    for (float& v : x) v = rng() % 10 == 0 ? std::numeric_limits<float>::quiet_NaN() : normal(rng);

    auto run = [&](std::size_t bursts) {
        const double c0 = cpu_ns(), w0 = wall_ns();
        if (bursts)
            for (std::size_t i = 0; i < rows; i += bursts) m->predict_burst(&x[i * feature_count], bursts, &out[i]);
        else
            for (std::size_t i = 0; i < rows; ++i) out[i] = m->predict(&x[i * feature_count]);
        return timing{(cpu_ns() - c0) / rows, (wall_ns() - w0) / rows};
    };
    // One row at a time, bursts of 32, and the dataplane's default burst of 4.
    constexpr std::size_t kinds[] = {0, burst, 4};
    std::vector<double> cpu[3], wall[3];
    double check = 0;
    for (int rep = 0; rep < 41; ++rep)
        for (int k = 0; k < 3; ++k) {
            const timing t = run(kinds[k]);
            check += out[rows / 2];
            if (rep > 0) cpu[k].push_back(t.cpu), wall[k].push_back(t.wall);  // rep 0 warms up
        }
    std::printf("model: %s, %zu trees, max depth %d (%zu rows, 40 alternating runs, checksum %.3f)\n",
                m->source().c_str(), m->trees(), m->max_depth(), rows, check);
    for (int k = 0; k < 3; ++k)
        std::printf("%-17s %7.1f ns/row cpu (median), %7.1f ns/row wall\n",
                    k == 0 ? "predict():" : k == 1 ? "predict_burst(32):" : "predict_burst(4):", median(cpu[k]),
                    median(wall[k]));
    return 0;
}
