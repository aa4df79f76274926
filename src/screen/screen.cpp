#include "screen/screen.h"

#include <hs/hs.h>

#include "screen/screen_cache.h"

namespace txscreen {

namespace {

// Adds one reported pattern to `r` (a pattern reports once per field; across fields the
// same id may come again and counts once). False once `r` holds max_screen_ids ids.
inline bool add_match(screen_result& r, const pattern_info& p, uint8_t field_bit) noexcept {
    r.fields |= field_bit;
    for (int i = 0; i < r.n_ids; ++i)
        if (r.ids[i] == p.id) return true;
    r.ids[r.n_ids++] = p.id;
    r.categories |= p.category_bit;
    unsigned w = unsigned(r.weight) + p.weight;
    r.weight = static_cast<uint8_t>(w > max_pattern_weight ? max_pattern_weight : w);
    if (r.n_ids < max_screen_ids) return true;
    r.full = true;
    return false;
}

struct match_context {
    const pattern_info* info;
    screen_result* r;
    uint8_t field_bit;
};

int on_match(unsigned int hs_id, unsigned long long /*from*/, unsigned long long /*to*/,
             unsigned int /*flags*/, void* ctx_ptr) {
    auto* ctx = static_cast<match_context*>(ctx_ptr);
    // 1 ends this scan; screen_burst skips the txn's remaining fields.
    return add_match(*ctx->r, ctx->info[hs_id], ctx->field_bit) ? 0 : 1;
}

static_assert(decltype(Txn::merchant_name)::capacity <= screen_cache::max_text &&
                  decltype(Txn::city)::capacity <= screen_cache::max_text &&
                  decltype(Txn::merchant_id)::capacity <= screen_cache::max_text &&
                  decltype(Txn::terminal_id)::capacity <= screen_cache::max_text,
              "every text of a field the scan cache keeps fits an entry");

// One field's scan on its own, for the cache: the Hyperscan ids in report order. More
// than screen_cache::max_ids ends the scan (the field is not kept).
struct field_scan {
    uint32_t hs_ids[screen_cache::max_ids + 1];
    unsigned n = 0;
};

int on_field_match(unsigned int hs_id, unsigned long long, unsigned long long, unsigned int, void* ctx_ptr) {
    auto* f = static_cast<field_scan*>(ctx_ptr);
    for (unsigned i = 0; i < f->n; ++i)
        if (f->hs_ids[i] == hs_id) return 0;   // kept distinct: 8 of them always fill a result
    f->hs_ids[f->n++] = hs_id;
    return f->n > screen_cache::max_ids ? 1 : 0;
}

// Replays a field's ids into `r` as on_match would have seen them.
inline void replay(screen_result& r, const pattern_info* info, const uint32_t* hs_ids, unsigned n,
                   uint8_t field_bit) noexcept {
    for (unsigned i = 0; i < n; ++i)
        if (!add_match(r, info[hs_ids[i]], field_bit)) return;
}

// Scans `text` into `r`, through the cache: a kept scan is replayed, a new one is
// scanned on its own, kept when it fits, and replayed. The result is the same as the
// direct scan's: Hyperscan reports a text's matches in the same order every time, and
// 8 ids of a field alone always fill `r` (its ids are distinct).
inline bool scan_cached(screen_cache& cache, screen_cache::entry* slot, unsigned f, const pattern_db& db,
                        hs_database_t* hdb, hs_scratch_t* scratch, std::string_view text, screen_result& r) noexcept {
    const uint8_t bit = static_cast<uint8_t>(1u << f);
    const pattern_info* info = db.info();
    if (const screen_cache::entry* e = cache.find(slot, f, text, db.version())) {
        ++cache.hits;
        replay(r, info, e->hs_ids, e->n_ids, bit);
        return true;
    }
    ++cache.misses;
    field_scan fs;
    hs_error_t rc = hs_scan(hdb, text.data(), static_cast<unsigned>(text.size()), 0, scratch, on_field_match, &fs);
    // A failed scan keeps what it reported before failing, as the direct scan does.
    replay(r, info, fs.hs_ids, fs.n, bit);
    if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) [[unlikely]]
        return false;
    if (fs.n <= screen_cache::max_ids) cache.keep(slot, f, text, db.version(), fs.hs_ids, fs.n);  // text fits: static_assert above
    return true;
}

}  // namespace

void screen_burst(const pattern_db& db, unsigned worker, const Txn* txns, std::size_t n,
                  screen_result* out, screen_cache* cache) noexcept {
    for (std::size_t j = 0; j < n; ++j) {
        out[j] = screen_result{};
        out[j].version = db.version();
        out[j].error = worker >= db.workers();
    }
    if (worker >= db.workers()) [[unlikely]]
        return;
    if (cache && !cache->enabled()) cache = nullptr;
    hs_scratch_t* scratch = db.scratch(worker);
    constexpr std::size_t most = 32;
    screen_cache::entry* slots[most];
    for (int f = 0; f < screen_field_count; ++f) {
        hs_database_t* hdb = db.database(static_cast<screen_field>(f));
        if (!hdb) continue;
        // The field's cache slots first, so their misses overlap (prefetched).
        const bool cached = cache && n <= most && screen_cache::keeps(unsigned(f));
        for (std::size_t j = 0; cached && j < n; ++j) {
            std::string_view text = field_text(txns[j], static_cast<screen_field>(f));
            slots[j] = text.empty() ? nullptr : cache->slot(unsigned(f), text);
        }
        match_context ctx{db.info(), nullptr, static_cast<uint8_t>(1u << f)};
        for (std::size_t j = 0; j < n; ++j) {
            screen_result& r = out[j];
            if (r.full) continue;   // 8 ids from earlier fields: this txn is done
            std::string_view text = field_text(txns[j], static_cast<screen_field>(f));
            if (text.empty()) continue;
            if (cached) {
                r.error |= !scan_cached(*cache, slots[j], unsigned(f), db, hdb, scratch, text, r);
                continue;
            }
            ctx.r = &r;
            hs_error_t rc = hs_scan(hdb, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
                                    on_match, &ctx);
            if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) [[unlikely]]
                r.error = true;
        }
    }
}

screen_result screen_txn(const pattern_db& db, unsigned worker, const Txn& t, screen_cache* cache) noexcept {
    screen_result r;
    screen_burst(db, worker, &t, 1, &r, cache);
    return r;
}

}  // namespace txscreen
