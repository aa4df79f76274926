// libFuzzer target: xgb_model::parse on arbitrary bytes. A refusal must say why; a model
// that parses must predict a few rows (missing values, infinities, extremes) without a
// crash or a sanitizer report, predict_burst agreeing with predict.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "model/xgb_model.h"

using namespace txscreen;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    std::string error;
    auto m = xgb_model::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json", error);
    if (!m) {
        if (error.rfind("model fuzz.json: ", 0) != 0) std::abort();
        return 0;
    }
    constexpr float inf = std::numeric_limits<float>::infinity();
    constexpr float specials[] = {0.0f, std::numeric_limits<float>::quiet_NaN(), inf, -inf, 1e30f, -1e-30f};
    constexpr std::size_t rows = 6;
    float x[rows * feature_count], out[rows];
    for (std::size_t r = 0; r < rows; ++r)
        for (int f = 0; f < feature_count; ++f) x[r * feature_count + f] = specials[(r + f) % 6];
    m->predict_burst(x, rows, out);
    for (std::size_t r = 0; r < rows; ++r) {
        const float one = m->predict(x + r * feature_count);
        if (std::memcmp(&one, &out[r], sizeof one) != 0) std::abort();
    }
    if (m->max_depth() < 0 || m->features_used().size() > static_cast<std::size_t>(feature_count)) std::abort();
    return 0;
}
