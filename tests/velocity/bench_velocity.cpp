// bench_velocity: median ns per observe + rule queries with 1M active cards.
// Prints figures only; never fails on timing (meson suite 'perf').
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "velocity_test_util.h"

using namespace txscreen;
using namespace vt;

int main() {
    velocity_config cfg;
    cfg.card_capacity = 1'200'000;
    cfg.merchant_capacity = 1 << 16;
    cfg.device_capacity = 1 << 10;
    cfg.ip_capacity = 1 << 10;
    cfg.dedup_capacity = 1 << 20;
    velocity_shard shard;
    const char* err = shard.init(cfg, velocity_heap_allocator());
    if (err) {
        std::fprintf(stderr, "bench_velocity: %s\n", err);
        return 1;
    }
    const uint32_t n_cards = 1'000'000;
    std::mt19937_64 rng(1);
    std::vector<std::string> merchants;
    for (int m = 0; m < 5000; ++m) merchants.push_back("merchant-" + std::to_string(m));

    // Pre-build a pool of transactions so the timed loop measures velocity only.
    const size_t pool_n = 1 << 16;
    std::vector<Txn> pool(pool_n);
    int64_t clock = t0;
    for (uint32_t c = 0; c < n_cards; ++c) {   // warm: every card active
        Txn t = make_txn(c, clock, 1000, merchants[c % merchants.size()], "US");
        shard.observe(t);
        clock += 1;
    }
    const int rounds = 80;
    std::vector<double> observe_ns, query_ns, both_ns, piped_ns;
    constexpr size_t ring = 16;
    velocity_prepared prep[ring];
    volatile int64_t sink = 0;
    uint64_t id = 1;
    for (int round = 0; round < rounds; ++round) {
        for (size_t i = 0; i < pool_n; ++i) {
            clock += 2;
            pool[i] = make_txn(uint32_t(rng() % n_cards), clock, int64_t(rng() % 50'000),
                               merchants[rng() % merchants.size()], (rng() & 1) ? "US" : "GB");
            pool[i].txn_id.assign("tx" + std::to_string(id++));
        }
        // Odd rounds: observe as score_burst does, keys and tag lines prepared `ahead`
        // txns before, entries prefetched ahead / 2 before; even rounds one at a time.
        const bool piped = round & 1;
        auto a = std::chrono::steady_clock::now();
        const velocity_entry* last[64];
        if (piped) {
            constexpr size_t ahead = 6;  // engine::score_burst
            for (size_t j = 0; j < ahead; ++j) shard.prepare(pool[j], prep[j]);
            for (size_t j = 0; j < ahead / 2; ++j) shard.prefetch_entries(prep[j]);
            for (size_t i = 0; i < pool_n; ++i) {
                if (i + ahead < pool_n) shard.prepare(pool[i + ahead], prep[(i + ahead) % ring]);
                if (i + ahead / 2 < pool_n) shard.prefetch_entries(prep[(i + ahead / 2) % ring]);
                last[i & 63] = shard.observe(pool[i], prep[i % ring]).entry[0];
            }
        } else {
            for (size_t i = 0; i < pool_n; ++i) last[i & 63] = shard.observe(pool[i]).entry[0];
        }
        auto b = std::chrono::steady_clock::now();
        for (size_t i = 0; i < pool_n; ++i) {
            const velocity_entry* e = shard.find_card(pool[i].card_token);
            if (!e) continue;
            int64_t now = pool[i].event_time_ms;
            sink = sink + velocity_count_within(*e, now, 5000) + velocity_sum_within(*e, now, 3'600'000) +
                   velocity_distinct_merchants_within(*e, now, 600'000) +
                   velocity_distinct_countries_within(*e, now, 86'400'000) +
                   (velocity_nth_latest_time(*e, 3) > now - 10'000);
        }
        auto c = std::chrono::steady_clock::now();
        (void)last;
        double o = std::chrono::duration<double, std::nano>(b - a).count() / pool_n;
        double q = std::chrono::duration<double, std::nano>(c - b).count() / pool_n;
        if (piped) {
            piped_ns.push_back(o);
            continue;
        }
        observe_ns.push_back(o);
        query_ns.push_back(q);
        both_ns.push_back(o + q);
    }
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    const auto& n = shard.counters();
    std::printf("bench_velocity: entry %zu B, %u active cards, card table %u slots (%.1f MiB), "
                "shard %.1f MiB\n",
                sizeof(velocity_entry), n_cards, shard.capacity(velocity_key::card),
                shard.capacity(velocity_key::card) * 128.0 / 1048576.0,
                velocity_shard::bytes_needed(cfg) / 1048576.0);
    std::printf("bench_velocity: median ns per txn: observe (dedup+card+merchant) %.1f, "
                "5 queries (find+count/sum/distinct x2/nth) %.1f, total %.1f\n",
                median(observe_ns), median(query_ns), median(both_ns));
    std::printf("bench_velocity: median ns per txn: observe pipelined (prepare 6 ahead, entries 3 ahead, as "
                "engine::score_burst) %.1f\n",
                median(piped_ns));
    std::printf("bench_velocity: evicted %llu, inserted %llu\n",
                (unsigned long long)n.evicted[0], (unsigned long long)n.inserted[0]);
    return 0;
}
