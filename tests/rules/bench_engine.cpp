// bench_engine: velocity + detectors + user rules per transaction with the shipped
// default ruleset over 1M active cards. Prints median ns/txn over batches and memory
// per card entry. Never fails on timing (suite 'perf'). Screening is not included yet:
// src/screen had not landed when this was written.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "rules/engine.h"

using namespace txscreen;

int main() {
    const char* root = std::getenv("TXSCREEN_SOURCE_ROOT");
    ruleset_store store;
    auto r = store.load_file(std::string(root ? root : ".") + "/src/rules/default_rules.toml");
    if (!r.ok()) {
        std::fprintf(stderr, "%s\n", r.error.c_str());
        return 1;
    }
    const uint32_t cards = 1'000'000;
    engine_config cfg;
    cfg.velocity.card_capacity = 1u << 21;
    cfg.velocity.device_capacity = 1u << 22;  // 2M devices in the feed
    cfg.velocity.ip_capacity = 1u << 21;
    cfg.velocity.dedup_capacity = 1u << 22;
    engine eng(store, cfg);

    std::mt19937_64 rng(42);
    const std::size_t n = 1u << 21;
    std::vector<Txn> txns(n);
    const char* countries[] = {"US", "US", "US", "GB", "FR", "DE"};
    int64_t t = 1'700'000'000'000;
    for (std::size_t i = 0; i < n; ++i) {
        Txn& x = txns[i];
        x.reset();
        uint64_t card = rng() % cards;
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
    // Warm-up pass touches every card so the measured pass runs on 1M live entries.
    Verdict v;
    for (std::size_t i = 0; i < n / 2; ++i) eng.score(txns[i], v);
    const std::size_t batch = 8192;
    std::vector<double> per_txn;
    uint64_t alerts = 0;
    for (std::size_t b = n / 2; b + batch <= n; b += batch) {
        auto t0 = std::chrono::steady_clock::now();
        for (std::size_t i = b; i < b + batch; ++i) {
            eng.score(txns[i], v);
            alerts += v.alert;
        }
        auto t1 = std::chrono::steady_clock::now();
        eng.quiescent();
        per_txn.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / batch);
    }
    std::sort(per_txn.begin(), per_txn.end());
    std::printf("bench_engine: velocity+rules, default ruleset (%d user rules), %u active cards\n",
                store.quiescent(store.register_reader())->n_rules, cards);
    std::printf("  median %.1f ns/txn  p10 %.1f  p90 %.1f  (%zu batches of %zu)\n", per_txn[per_txn.size() / 2],
                per_txn[per_txn.size() / 10], per_txn[per_txn.size() * 9 / 10], per_txn.size(), batch);
    std::printf("  memory: %zu bytes per card entry, %.1f MiB shard state total\n", engine::bytes_per_card(),
                static_cast<double>(eng.state_bytes()) / (1 << 20));
    std::printf("  alerts in measured pass: %llu; card evictions %llu\n",
                static_cast<unsigned long long>(alerts),
                static_cast<unsigned long long>(eng.velocity().counters().evicted[0]));
    return 0;
}
