// The published pattern-database cell, like rules/ruleset_store.h: the controlplane
// compiles a pattern file off the dataplane and publishes it; engines pick up the
// newest database at their quiescent point (rules/publish.h explains the grace
// period). A refused file leaves the published database in place.
#pragma once

#include <cstdint>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>

#include "common/bounded_file.h"
#include "rules/publish.h"
#include "screen/pattern_db.h"

namespace txscreen {

struct pattern_publish_result {
    uint32_t version = 0;  // version given to the new database; 0 when refused
    std::string error;     // when refused: the parse/compile error naming source and line
    bool ok() const noexcept { return version != 0; }
};

class pattern_store {
public:
    // `workers`: scratch spaces each database allocates (engine_config::worker indexes
    // 0..workers-1 are valid).
    explicit pattern_store(unsigned workers) : _workers(workers == 0 ? 1 : workers) {}

    // Parses and compiles `text` (errors name `source`, the line and the pattern) and
    // publishes it, stamped with the next version (monotonic from 1). Never throws.
    pattern_publish_result load(std::string_view text, std::string_view source) {
        pattern_publish_result res;
        std::unique_ptr<pattern_db> db;
        try {
            pattern_db_options o;
            o.workers = _workers;
            db = pattern_db::from_text(text, source, o);
        } catch (const std::exception& e) {
            res.error = e.what();
            return res;
        }
        std::lock_guard g(_text_mutex);  // text and version change together
        res.version = _pub.publish(std::move(db), [](pattern_db& d, uint32_t v) { d.set_version(v); });
        _text.assign(text);
        return res;
    }
    // Reads `path` and loads it; an unreadable file, one that is not a regular file or
    // one over the pattern-file limit (common/bounded_file.h) is an error naming the path.
    pattern_publish_result load_file(const std::string& path) {
        input_file in = read_input_file(path, input_kind::patterns);
        if (!in.ok()) {
            pattern_publish_result res;
            res.error = path + ": " + in.problem;
            return res;
        }
        return load(in.text, path);
    }

    // The text of the live database ("" before the first publish).
    std::string text() const {
        std::lock_guard g(_text_mutex);
        return _text;
    }
    uint32_t version() const noexcept { return _pub.version(); }
    unsigned workers() const noexcept { return _workers; }

    int register_reader() { return _pub.register_reader(); }
    void unregister_reader(int slot) { _pub.unregister_reader(slot); }
    // Engine quiescent point: newest database (nullptr before the first publish).
    const pattern_db* quiescent(int slot) noexcept { return _pub.quiescent(slot); }
    // Retired databases still waiting for an engine to pass a quiescent point.
    std::size_t reclaim() { return _pub.reclaim(); }

private:
    unsigned _workers;
    versioned_publisher<pattern_db> _pub;
    mutable std::mutex _text_mutex;
    std::string _text;
};

}  // namespace txscreen
