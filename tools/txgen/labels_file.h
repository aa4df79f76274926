// txgen's labels CSV: one row per transaction in stream order, buffered. The header
// line is the caller's (UDP feeds and TCP conversations carry different columns).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace txscreen::txgen {

inline constexpr std::string_view udp_labels_header = "txn_id,label,scenario_id";

class labels_file {
public:
    // An empty path writes nothing. Throws std::runtime_error naming the path.
    labels_file(const std::string& path, std::string_view header);
    ~labels_file();
    labels_file(const labels_file&) = delete;
    labels_file& operator=(const labels_file&) = delete;

    bool enabled() const noexcept { return _f != nullptr; }
    // One row from its comma-separated cells (without the newline).
    void row(std::string_view cells);
    void row(std::string_view id, std::string_view label, std::string_view scenario_id);
    // Flushes and closes; throws std::runtime_error on a write error.
    void close();

private:
    void drain();
    std::FILE* _f = nullptr;
    std::string _path;
    std::string _buf;
};

}  // namespace txscreen::txgen
