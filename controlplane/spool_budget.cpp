#include "controlplane/spool_budget.h"

#include <filesystem>
#include <string_view>

namespace txscreen {

namespace fs = std::filesystem;

namespace {

bool is_spool_file(const fs::path& p) {
    const std::string name = p.filename().string();
    const auto ends = [&name](std::string_view s) {
        return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    return ends(".avro") || ends(".avro.tmp");
}

// Sums the spool files below one table=* directory in one walk.
uint64_t walk_table(const fs::path& table_dir, std::error_code& ec) {
    uint64_t total = 0;
    for (auto it = fs::recursive_directory_iterator(table_dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        std::error_code fec;
        if (!it->is_regular_file(fec) || !is_spool_file(it->path())) continue;
        // A file the uploader removes between listing and stat is simply gone.
        const uintmax_t size = it->file_size(fec);
        if (!fec) total += size;
    }
    return total;
}

// The uploader removes emptied partition directories while we walk, which ends a walk
// early: its partial sum would read low, so the walk starts again (a few times; then
// the scan fails and the last figure stands).
uint64_t table_bytes(const fs::path& table_dir, std::error_code& ec) {
    for (int attempt = 0; attempt < 4; ++attempt) {
        const uint64_t total = walk_table(table_dir, ec);
        if (ec != std::errc::no_such_file_or_directory) return total;
        std::error_code gone;
        if (!fs::exists(table_dir, gone)) {  // the whole table went: nothing of it is on disk
            ec.clear();
            return 0;
        }
    }
    return 0;
}

}  // namespace

uint64_t spool_files_bytes(const std::string& dir, std::error_code& ec) noexcept {
    ec.clear();
    try {
        uint64_t total = 0;
        for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
            std::error_code dec;
            if (!it->is_directory(dec) || it->path().filename().string().rfind("table=", 0) != 0) continue;
            total += table_bytes(it->path(), ec);
            if (ec) break;
        }
        return total;
    } catch (const std::exception&) {  // std::bad_alloc building paths
        ec = std::make_error_code(std::errc::not_enough_memory);
        return 0;
    }
}

bool spool_budget::scan(const std::string& dir, int64_t now_ms) noexcept {
    _last_scan_ms = now_ms;
    std::error_code ec;
    const uint64_t found = spool_files_bytes(dir, ec);
    if (ec) return false;  // keep the old figure: it never reads low
    _bytes.store(found, std::memory_order_relaxed);
    return true;
}

}  // namespace txscreen
