#include "screen/screen.h"

#include <hs/hs.h>

namespace txscreen {

namespace {

struct match_context {
    const pattern_info* info;
    screen_result* r;
    uint8_t field_bit;
};

int on_match(unsigned int hs_id, unsigned long long /*from*/, unsigned long long /*to*/,
             unsigned int /*flags*/, void* ctx_ptr) {
    auto* ctx = static_cast<match_context*>(ctx_ptr);
    screen_result& r = *ctx->r;
    const pattern_info& p = ctx->info[hs_id];
    r.fields |= ctx->field_bit;
    // Single-match flags make a pattern report once per field; across fields the
    // same id may come again and counts once.
    for (int i = 0; i < r.n_ids; ++i)
        if (r.ids[i] == p.id) return 0;
    r.ids[r.n_ids++] = p.id;
    r.categories |= p.category_bit;
    unsigned w = unsigned(r.weight) + p.weight;
    r.weight = static_cast<uint8_t>(w > max_pattern_weight ? max_pattern_weight : w);
    if (r.n_ids == max_screen_ids) {
        r.full = true;
        return 1;  // ends this scan; screen_txn skips the remaining fields
    }
    return 0;
}

}  // namespace

void screen_burst(const pattern_db& db, unsigned worker, const Txn* txns, std::size_t n,
                  screen_result* out) noexcept {
    for (std::size_t j = 0; j < n; ++j) {
        out[j] = screen_result{};
        out[j].version = db.version();
        out[j].error = worker >= db.workers();
    }
    if (worker >= db.workers()) [[unlikely]]
        return;
    hs_scratch_t* scratch = db.scratch(worker);
    for (int f = 0; f < screen_field_count; ++f) {
        hs_database_t* hdb = db.database(static_cast<screen_field>(f));
        if (!hdb) continue;
        match_context ctx{db.info(), nullptr, static_cast<uint8_t>(1u << f)};
        for (std::size_t j = 0; j < n; ++j) {
            screen_result& r = out[j];
            if (r.full) continue;   // 8 ids from earlier fields: this txn is done
            std::string_view text = field_text(txns[j], static_cast<screen_field>(f));
            if (text.empty()) continue;
            ctx.r = &r;
            hs_error_t rc = hs_scan(hdb, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
                                    on_match, &ctx);
            if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) [[unlikely]]
                r.error = true;
        }
    }
}

screen_result screen_txn(const pattern_db& db, unsigned worker, const Txn& t) noexcept {
    screen_result r;
    screen_burst(db, worker, &t, 1, &r);
    return r;
}

}  // namespace txscreen
