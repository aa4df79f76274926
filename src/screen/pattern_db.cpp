#include "screen/pattern_db.h"

#include <hs/hs.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

namespace txscreen {

namespace {

uint64_t fnv1a(uint64_t h, const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

uint64_t content_hash_of(const std::vector<pattern_def>& defs) {
    std::vector<const pattern_def*> by_id(defs.size());
    for (std::size_t i = 0; i < defs.size(); ++i) by_id[i] = &defs[i];
    std::sort(by_id.begin(), by_id.end(), [](auto* a, auto* b) { return a->id < b->id; });
    uint64_t h = 14695981039346656037ull;
    for (const pattern_def* p : by_id) {
        // Flags enter as Hyperscan bits so "is" and "si" hash alike.
        const uint32_t nums[] = {p->id, p->hs_flags, static_cast<uint32_t>(p->category),
                                 p->weight, p->fields, static_cast<uint32_t>(p->regex.size())};
        h = fnv1a(h, nums, sizeof nums);
        h = fnv1a(h, p->regex.data(), p->regex.size());
    }
    return h;
}

}  // namespace

pattern_db::~pattern_db() {
    for (hs_scratch_t* s : _scratch) hs_free_scratch(s);
    for (hs_database_t* d : _db) hs_free_database(d);
}

std::unique_ptr<pattern_db> pattern_db::build(std::vector<pattern_def> defs,
                                              const pattern_db_options& opt) {
    if (opt.workers == 0) throw std::invalid_argument("pattern_db: workers must be at least 1");
    if (hs_valid_platform() != HS_SUCCESS)
        throw std::runtime_error("pattern_db: Hyperscan needs SSSE3, which this CPU lacks");

    // Sets built in code get the same checks as parsed files.
    std::unordered_map<uint32_t, const pattern_def*> by_id;
    for (const pattern_def& p : defs) {
        auto shown = [&] { return format_pattern(p); };
        if (p.id == 0) throw pattern_file_error(p.source, p.line, shown(), "pattern id 0 (ids start at 1)");
        if (p.weight > max_pattern_weight)
            throw pattern_file_error(p.source, p.line, shown(), "weight above 100");
        if (p.fields == 0 || p.fields >= (1u << screen_field_count))
            throw pattern_file_error(p.source, p.line, shown(), "pattern applies to no known field");
        if (static_cast<int>(p.category) >= pattern_category_count)
            throw pattern_file_error(p.source, p.line, shown(), "unknown category");
        auto [it, ok] = by_id.emplace(p.id, &p);
        if (!ok)
            throw pattern_file_error(p.source, p.line, shown(),
                                     "duplicate pattern id " + std::to_string(p.id) +
                                         " (first defined on line " + std::to_string(it->second->line) + ")");
    }

    std::unique_ptr<pattern_db> db(new pattern_db());
    db->_version = opt.version;
    db->_content_hash = content_hash_of(defs);
    db->_info.reserve(defs.size());
    for (const pattern_def& p : defs)
        db->_info.push_back({p.id, p.weight, p.category, category_bit(p.category)});

    // One database per field, each holding only that field's patterns; the Hyperscan
    // id of a pattern is its index in _info so a match maps to its entry directly.
    hs_scratch_t* proto = nullptr;
    struct proto_guard {
        hs_scratch_t*& s;
        ~proto_guard() { hs_free_scratch(s); }
    } guard{proto};
    std::vector<const char*> exprs;
    std::vector<unsigned> flags, ids;
    for (int f = 0; f < screen_field_count; ++f) {
        exprs.clear();
        flags.clear();
        ids.clear();
        for (unsigned i = 0; i < defs.size(); ++i) {
            if (!(defs[i].fields & (1u << f))) continue;
            exprs.push_back(defs[i].regex.c_str());
            flags.push_back(defs[i].hs_flags);
            ids.push_back(i);
        }
        db->_field_patterns[f] = exprs.size();
        if (exprs.empty()) continue;
        hs_compile_error_t* err = nullptr;
        hs_error_t rc = hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                                         static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK,
                                         nullptr, &db->_db[f], &err);
        if (rc != HS_SUCCESS) {
            std::string msg = err && err->message ? err->message : "compile failed";
            int at = err ? err->expression : -1;
            hs_free_compile_error(err);
            // Hyperscan's advice (HS_FLAG_ALLOWEMPTY) is not available in pattern files:
            // a pattern matching the empty string would hit every transaction.
            if (msg.find("empty buffer") != std::string::npos)
                msg = "pattern matches the empty string (it would match every transaction)";
            if (at >= 0 && static_cast<std::size_t>(at) < ids.size()) {
                const pattern_def& p = defs[ids[at]];
                throw pattern_file_error(p.source, p.line, format_pattern(p),
                                         std::string("Hyperscan rejected the regex for field ") +
                                             screen_field_names[f] + ": " + msg);
            }
            throw pattern_file_error(defs.empty() ? "" : defs.front().source, 0, "",
                                     std::string("Hyperscan could not compile the database for field ") +
                                         screen_field_names[f] + ": " + msg);
        }
        std::size_t sz = 0;
        if (hs_database_size(db->_db[f], &sz) == HS_SUCCESS) db->_db_bytes += sz;
        // One prototype scratch grown to fit every field's database.
        if (hs_alloc_scratch(db->_db[f], &proto) != HS_SUCCESS)
            throw std::runtime_error("pattern_db: hs_alloc_scratch failed");
    }

    if (proto) {
        hs_scratch_size(proto, &db->_scratch_bytes);
        db->_scratch.reserve(opt.workers);
        for (unsigned w = 0; w < opt.workers; ++w) {
            hs_scratch_t* s = nullptr;
            if (hs_clone_scratch(proto, &s) != HS_SUCCESS)
                throw std::runtime_error("pattern_db: hs_clone_scratch failed");
            db->_scratch.push_back(s);
        }
    } else {
        // No database at all: workers still get (null) slots so indexes stay valid.
        db->_scratch.assign(opt.workers, nullptr);
    }
    db->_defs = std::move(defs);
    return db;
}

std::unique_ptr<pattern_db> pattern_db::from_text(std::string_view text, std::string_view source,
                                                  const pattern_db_options& opt) {
    return build(parse_patterns(text, source), opt);
}

std::unique_ptr<pattern_db> pattern_db::from_file(const std::string& path,
                                                  const pattern_db_options& opt) {
    return build(load_pattern_file(path), opt);
}

const pattern_def* pattern_db::find(uint32_t id) const noexcept {
    for (const pattern_def& p : _defs)
        if (p.id == id) return &p;
    return nullptr;
}

}  // namespace txscreen
