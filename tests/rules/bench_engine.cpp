// bench_engine: screening + velocity + detectors + user rules per transaction with the
// shipped default ruleset and the starter pattern set (merchant name, e-mail and IP
// screened) over 1M active cards. Prints median ns/txn over batches and memory per card
// entry. Never fails on timing (suite 'perf'). TXSCREEN_BENCH_NO_SCREEN=1: without
// screening, for comparison. TXSCREEN_BENCH_MODEL=m.json: with that XGBoost model
// attached to the ruleset (the model detector's step, once per burst).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "model/xgb_model.h"
#include "rules/engine.h"
#include "screen/pattern_store.h"
#include "screen/starter_patterns.h"

using namespace txscreen;

// Optional arguments: active cards (1000000) and transactions (2^21), e.g. a reduced
// run under valgrind --tool=callgrind.
// Thread CPU time: on the shared 2-core dev box (load 5-10) wall time mostly measures
// the time this thread sits descheduled; both are printed.
static double cpu_ns() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char** argv) {
    const char* root = std::getenv("TXSCREEN_SOURCE_ROOT");
    ruleset_store store;
    auto r = load_ruleset_file(std::string(root ? root : ".") + "/src/rules/default_rules.toml");
    if (!r.ok()) {
        std::fprintf(stderr, "%s\n", r.error.c_str());
        return 1;
    }
    if (const char* model_path = std::getenv("TXSCREEN_BENCH_MODEL")) {
        std::string error;
        r.rules->model = xgb_model::load(model_path, error);
        if (!r.rules->model) {
            std::fprintf(stderr, "%s\n", error.c_str());
            return 1;
        }
        std::printf("model: %s, %zu trees, depth %d\n", model_path, r.rules->model->trees(),
                    r.rules->model->max_depth());
    }
    store.publish(std::move(r.rules));
    const uint32_t cards = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 1'000'000;
    engine_config cfg;
    // Load ~0.9 in every table: 1M cards, 2M devices, 1M IPs.
    cfg.velocity.card_capacity = cards + cards / 10;
    cfg.velocity.device_capacity = 2 * cards + cards / 5;
    cfg.velocity.ip_capacity = cards + cards / 10;
    cfg.velocity.dedup_capacity = 1u << 22;
    pattern_store patterns(1);
    const bool screening = std::getenv("TXSCREEN_BENCH_NO_SCREEN") == nullptr;
    if (screening) {
        auto p = patterns.load(starter_patterns_text(), "starter.patterns");
        if (!p.ok()) {
            std::fprintf(stderr, "%s\n", p.error.c_str());
            return 1;
        }
        cfg.patterns = &patterns;
    }
    engine eng(store, cfg);

    std::mt19937_64 rng(42);
    const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::size_t(1) << 21;
    std::vector<Txn> txns(n);
    const char* countries[] = {"US", "US", "US", "GB", "FR", "DE"};
    int64_t t = 1'700'000'000'000;
    for (std::size_t i = 0; i < n; ++i) {
        Txn& x = txns[i];
        x.reset();
        // The first `cards` txns touch every card once, so the measured pass (second
        // half) runs on `cards` live entries.
        uint64_t card = i < cards ? i : rng() % cards;
        std::memcpy(x.card_token, &card, 8);
        x.card_token[9] = 7;
        t += 1 + rng() % 3;
        x.event_time_ms = t;
        x.amount_minor = static_cast<int64_t>(100 + rng() % 20000);
        x.currency = 840;
        x.currency_exponent = 2;
        x.mcc = 5411;
        x.chan = (rng() & 1) ? channel::pos : channel::ecom;
        char buf[48];
        std::snprintf(buf, sizeof buf, "MERCH%05u", static_cast<unsigned>(rng() % 50000));
        x.merchant_id.assign(buf);
        static const char* names[] = {"CORNER GROCERY", "CITY FUEL", "ACME HARDWARE", "BLUE CAFE", "METRO PHARMACY",
                                      "ONLINE CASINO ROYAL", "GIFT CARD MALL", "BOOK NOOK"};
        std::snprintf(buf, sizeof buf, "%s %03u", names[rng() % 8], static_cast<unsigned>(rng() % 1000));
        x.merchant_name.assign(buf);
        std::snprintf(buf, sizeof buf, "user%07u@%s", static_cast<unsigned>(card),
                      (rng() % 50) ? "example.com" : "mailinator.com");
        x.email.assign(buf);
        std::snprintf(buf, sizeof buf, "dev-%07u", static_cast<unsigned>(card * 3 + (rng() % 2)));
        x.device_id.assign(buf);
        std::snprintf(buf, sizeof buf, "10.%u.%u.%u", unsigned(card >> 16 & 255), unsigned(card >> 8 & 255),
                      unsigned(card & 255));
        x.ip.assign(buf);
        std::snprintf(buf, sizeof buf, "T%llu", static_cast<unsigned long long>(i));
        x.txn_id.assign(buf);
        std::memcpy(x.country, countries[rng() % 6], 3);
        if (x.chan == channel::pos) {
            x.lat = 40.0f + static_cast<float>(rng() % 100) / 10.0f;
            x.lon = -74.0f + static_cast<float>(rng() % 100) / 10.0f;
        }
    }
    // Warm-up pass: every card (see above).
    Verdict v;
    for (std::size_t i = 0; i < n / 2; ++i) eng.score(txns[i], v);
    // Batches alternate between score_burst (bursts of 32, as the dataplane dequeues)
    // and score() per txn, so both see the same state and machine load.
    const std::size_t batch = 8192, burst = 32;
    std::vector<double> burst_ns, single_ns, burst_cpu, single_cpu;
    std::vector<Verdict> out(burst);
    uint64_t alerts = 0;
    bool use_burst = true;
    // Each sub-batch is first copied into a small buffer (untimed), as the dataplane
    // hands the engine freshly decoded txns; streaming the 576-byte records from a
    // 1 GiB array would otherwise be timed too.
    const std::size_t sub = 1024;
    std::vector<Txn> buf(sub);
    for (std::size_t b = n / 2; b + batch <= n; b += batch, use_burst = !use_burst) {
        double wall = 0, cpu = 0;
        for (std::size_t s0 = b; s0 < b + batch; s0 += sub) {
            std::memcpy(static_cast<void*>(buf.data()), &txns[s0], sub * sizeof(Txn));
            auto t0 = std::chrono::steady_clock::now();
            const double c0 = cpu_ns();
            if (use_burst) {
                for (std::size_t i = 0; i < sub; i += burst) {
                    eng.score_burst(&buf[i], burst, out.data());
                    for (const Verdict& x : out) alerts += x.alert;
                }
            } else {
                for (std::size_t i = 0; i < sub; ++i) {
                    eng.score(buf[i], v);
                    alerts += v.alert;
                }
            }
            const double c1 = cpu_ns();
            auto t1 = std::chrono::steady_clock::now();
            wall += std::chrono::duration<double, std::nano>(t1 - t0).count();
            cpu += c1 - c0;
        }
        eng.quiescent();
        (use_burst ? burst_ns : single_ns).push_back(wall / batch);
        (use_burst ? burst_cpu : single_cpu).push_back(cpu / batch);
    }
    std::sort(burst_ns.begin(), burst_ns.end());
    std::sort(single_ns.begin(), single_ns.end());
    std::sort(burst_cpu.begin(), burst_cpu.end());
    std::sort(single_cpu.begin(), single_cpu.end());
    std::printf("bench_engine: %s, default ruleset (%d user rules), %u active cards\n",
                screening ? "screening (starter patterns: merchant_name, email, ip) + velocity + rules"
                          : "velocity + rules (screening off)",
                store.quiescent(store.register_reader())->n_rules, cards);
    if (screening) {
        const pattern_db* db = eng.current_patterns();
        std::printf("  patterns: %zu (merchant_name %zu, email %zu, ip %zu), %llu txns screened\n", db->size(),
                    db->patterns_for(screen_field::merchant_name), db->patterns_for(screen_field::email),
                    db->patterns_for(screen_field::ip), static_cast<unsigned long long>(eng.counters().screened));
        const engine_counters& c = eng.counters();
        std::printf("  scan cache: %llu field texts found, %llu scanned (%.1f%% found)\n",
                    static_cast<unsigned long long>(c.screen_cache_hits),
                    static_cast<unsigned long long>(c.screen_cache_misses),
                    100.0 * double(c.screen_cache_hits) / double(c.screen_cache_hits + c.screen_cache_misses + 1));
    }
    auto line = [](const char* what, const std::vector<double>& x) {
        if (x.empty()) return;
        std::printf("  %-22s median %.1f ns/txn  p10 %.1f  p90 %.1f  (%zu batches of %zu)\n", what, x[x.size() / 2],
                    x[x.size() / 10], x[x.size() * 9 / 10], x.size(), std::size_t(8192));
    };
    line("score_burst (32/burst)", burst_ns);
    line("score (one at a time)", single_ns);
    line("  cpu time, burst", burst_cpu);
    line("  cpu time, one", single_cpu);
    std::printf("  memory: %zu bytes per card entry, %.1f MiB shard state total\n", engine::bytes_per_card(),
                static_cast<double>(eng.state_bytes()) / (1 << 20));
    std::printf("  alerts in measured pass: %llu; card evictions %llu\n",
                static_cast<unsigned long long>(alerts),
                static_cast<unsigned long long>(eng.velocity().counters().evicted[0]));
    return 0;
}
