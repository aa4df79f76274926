#include "tools/txgen/labels_file.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace txscreen::txgen {

namespace {
constexpr std::size_t buffer_bytes = 1 << 16;
}

labels_file::labels_file(const std::string& path, std::string_view header) : _path(path) {
    if (path.empty()) return;
    _f = std::fopen(path.c_str(), "w");
    if (!_f) throw std::runtime_error("txgen: cannot create labels file " + path + ": " + std::strerror(errno));
    _buf.reserve(buffer_bytes);
    _buf.append(header).append(1, '\n');
}

labels_file::~labels_file() {
    if (_f) std::fclose(_f);
}

void labels_file::row(std::string_view cells) {
    if (!_f) return;
    _buf.append(cells).append(1, '\n');
    if (_buf.size() > buffer_bytes - 256) drain();
}

void labels_file::row(std::string_view id, std::string_view label, std::string_view scenario_id) {
    if (!_f) return;
    _buf.append(id).append(1, ',').append(label).append(1, ',').append(scenario_id).append(1, '\n');
    if (_buf.size() > buffer_bytes - 256) drain();
}

void labels_file::close() {
    if (!_f) return;
    drain();
    const bool err = std::ferror(_f) != 0;
    const int rc = std::fclose(_f);
    _f = nullptr;
    if (err || rc) throw std::runtime_error("txgen: writing " + _path + " failed: " + std::strerror(errno));
}

void labels_file::drain() {
    std::fwrite(_buf.data(), 1, _buf.size(), _f);
    _buf.clear();
}

}  // namespace txscreen::txgen
