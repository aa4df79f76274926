// xgb_model: reading a model file (xgb_json.cpp) and scoring with it (xgb_flat.cpp).
#include "model/xgb_model.h"

#include "common/bounded_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "model/xgb_flat.h"

namespace txscreen {

std::shared_ptr<const xgb_model> xgb_model::parse(std::string_view json, const std::string& source,
                                                  std::string& error) {
    auto f = std::make_shared<flat>();
    if (!xgb_read_json(json, *f, error)) {
        error = "model " + source + ": " + error;
        return nullptr;
    }
    std::shared_ptr<xgb_model> m(new xgb_model());
    m->_source = source;
    m->_objective = f->objective;
    m->_features_used = f->features_used;
    m->_flat = std::move(f);
    return m;
}

// Read bounded (a FIFO or /dev/zero given as the path is refused, not read forever).
std::shared_ptr<const xgb_model> xgb_model::load(const std::string& path, std::string& error) {
    input_file in = read_input_file(path, input_kind::model);
    if (!in.ok()) {
        error = "model " + path + ": " + in.problem;
        return nullptr;
    }
    return parse(in.text, path, error);
}

float xgb_model::predict(const float* row) const noexcept {
    return xgb_transform_margin(_flat->transform, xgb_margin(*_flat, row));
}

void xgb_model::predict_burst(const float* rows, std::size_t n, float* out) const noexcept {
    xgb_margins(*_flat, rows, n, out);
    for (std::size_t i = 0; i < n; ++i) out[i] = xgb_transform_margin(_flat->transform, out[i]);
}

std::size_t xgb_model::trees() const noexcept { return _flat->trees.size(); }

int xgb_model::max_depth() const noexcept { return _flat->max_depth; }

}  // namespace txscreen
