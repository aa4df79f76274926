// A compiled, immutable set of screening patterns: one Hyperscan block-mode database
// per Txn text field (holding only the patterns that apply to that field), the
// pattern table (Hyperscan id -> user id, category, weight), and one scratch space per
// worker.
//
// Lifetime and reload: a pattern_db never changes after build(). A reload builds a new
// one off the dataplane (with its own scratches, so no scratch in use is ever resized)
// and publishes it by pointer; the old one is destroyed, with its databases and
// scratches, once no worker can still hold it (RCU quiescence in the dataplane;
// versioned_publisher in src/rules/publish.h does the same in plain C++).
//
// Threading: const member functions may be called from any thread. scratch(i) belongs
// to worker i alone: two threads must never scan with the same worker index at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "screen/pattern_file.h"
#include "screen/screen_types.h"

struct hs_database;
struct hs_scratch;

namespace txscreen {

// What the scan path needs of a pattern, indexed by its Hyperscan id (dense 0..n-1).
struct pattern_info {
    uint32_t id;                 // user id from the pattern file
    uint8_t weight;              // 0..100
    pattern_category category;
    uint16_t category_bit;       // category_bit(category), precomputed
};

struct pattern_db_options {
    uint32_t version = 1;        // carried into every screen_result
    unsigned workers = 1;        // scratch spaces to allocate: workers 0..workers-1
};

class pattern_db {
public:
    // Compiles `defs` (from parse_patterns / load_pattern_file, or built in code).
    // Returns the database; throws pattern_file_error naming the source, line and
    // pattern when Hyperscan rejects a pattern (or on a duplicate id, a pattern with no
    // field, a weight above 100, or workers == 0), and std::runtime_error when Hyperscan
    // cannot run on this CPU or memory runs out. An empty set is valid (matches nothing).
    static std::unique_ptr<pattern_db> build(std::vector<pattern_def> defs,
                                             const pattern_db_options& opt = {});
    // Parses `text` (errors name `source`) and builds.
    static std::unique_ptr<pattern_db> from_text(std::string_view text, std::string_view source,
                                                 const pattern_db_options& opt = {});
    // Loads the file at `path` and builds.
    static std::unique_ptr<pattern_db> from_file(const std::string& path,
                                                 const pattern_db_options& opt = {});

    ~pattern_db();
    pattern_db(const pattern_db&) = delete;
    pattern_db& operator=(const pattern_db&) = delete;

    uint32_t version() const noexcept { return _version; }
    // Re-stamps the version. Only before the db is published (versioned_publisher's
    // stamp callback); after that the db is shared and must not change.
    void set_version(uint32_t v) noexcept { _version = v; }
    // FNV-1a 64 over the canonical form of the patterns sorted by id (id, regex, flags,
    // category, weight, fields): equal for the same patterns whatever their order,
    // comments or spacing, so an operator can tell whether a reload changed anything.
    uint64_t content_hash() const noexcept { return _content_hash; }
    // Number of patterns in the set.
    std::size_t size() const noexcept { return _info.size(); }
    // Number of patterns that apply to field `f`.
    std::size_t patterns_for(screen_field f) const noexcept {
        return _field_patterns[static_cast<int>(f)];
    }
    // Scratch spaces allocated (valid worker indexes are 0..workers()-1).
    unsigned workers() const noexcept { return static_cast<unsigned>(_scratch.size()); }
    // Bytes of the compiled databases (hs_database_size), and of one scratch.
    std::size_t database_bytes() const noexcept { return _db_bytes; }
    std::size_t scratch_bytes() const noexcept { return _scratch_bytes; }

    // The compiled database of field `f`; nullptr when no pattern applies to it.
    hs_database* database(screen_field f) const noexcept { return _db[static_cast<int>(f)]; }
    // Worker `w`'s scratch (w < workers()); used by screen_txn.
    hs_scratch* scratch(unsigned w) const noexcept { return _scratch[w]; }
    // Table indexed by Hyperscan id.
    const pattern_info* info() const noexcept { return _info.data(); }
    // The definitions as built (for GET /api/v1/patterns and error reports).
    const std::vector<pattern_def>& definitions() const noexcept { return _defs; }
    // The definition with user id `id`, or nullptr.
    const pattern_def* find(uint32_t id) const noexcept;

private:
    pattern_db() = default;

    uint32_t _version = 0;
    uint64_t _content_hash = 0;
    hs_database* _db[screen_field_count] = {};
    std::size_t _field_patterns[screen_field_count] = {};
    std::vector<hs_scratch*> _scratch;
    std::vector<pattern_info> _info;
    std::vector<pattern_def> _defs;
    std::size_t _db_bytes = 0;
    std::size_t _scratch_bytes = 0;
};

}  // namespace txscreen
