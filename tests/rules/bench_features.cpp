// bench_features: the cost of compute_features (rules/features.h) per transaction, as
// the engine pays it: right after velocity has observed the txn (its card entry is in
// cache). Velocity observes a burst of 32 txns untimed, then compute_features runs over
// the burst timed. 100K active cards (every key tracked, so the IP and merchant
// features read their entries too). Prints the median ns/txn over batches. Never fails
// on timing (suite 'perf'). TXSCREEN_BENCH_MODEL=m.json: also times that model's
// predict_burst over each burst's 32 feature rows (the engine's model step).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <random>
#include <vector>

#include "model/xgb_model.h"
#include "rules/detectors/table.h"
#include "rules/features.h"
#include "velocity/velocity.h"

using namespace txscreen;

// Wall time (a vDSO read, unlike the thread CPU clock's syscall, which would cost more
// than a burst's features); the median over batches drops those descheduled.
static double now_ns() {
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char** argv) {
    const uint32_t cards = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 100'000;
    const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : std::size_t(1) << 20;
    velocity_config cfg;
    cfg.card_capacity = cards + cards / 10;
    cfg.merchant_capacity = 1 << 16;
    cfg.device_capacity = 2 * cards + cards / 5;
    cfg.ip_capacity = cards + cards / 10;
    cfg.dedup_capacity = 1u << 20;
    velocity_shard vel;
    if (const char* err = vel.init(cfg, velocity_heap_allocator())) {
        std::fprintf(stderr, "%s\n", err);
        return 1;
    }
    detector_settings det;
    det.n_high_risk_mccs = 3;
    det.high_risk_mccs[0] = 7995;
    det.high_risk_mccs[1] = 5967;
    det.high_risk_mccs[2] = 6051;

    std::shared_ptr<const xgb_model> model;
    if (const char* path = std::getenv("TXSCREEN_BENCH_MODEL")) {
        std::string error;
        model = xgb_model::load(path, error);
        if (!model) {
            std::fprintf(stderr, "%s\n", error.c_str());
            return 1;
        }
    }

    std::mt19937_64 rng(42);
    std::vector<Txn> txns(n);
    int64_t t = 1'700'000'000'000;
    for (std::size_t i = 0; i < n; ++i) {
        Txn& x = txns[i];
        x.reset();
        const uint64_t card = i < cards ? i : rng() % cards;
        std::memcpy(x.card_token, &card, 8);
        x.card_token[9] = 7;
        t += 1 + static_cast<int64_t>(rng() % 3);
        x.event_time_ms = t;
        x.amount_minor = static_cast<int64_t>(100 + rng() % 20000);
        x.currency = 840;
        x.currency_exponent = 2;
        x.mcc = (rng() % 20) ? 5411 : 7995;
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
        std::memcpy(x.country, (rng() % 6) ? "US" : "GB", 3);
        if (x.chan == channel::pos) {
            x.lat = 40.0f + static_cast<float>(rng() % 100) / 10.0f;
            x.lon = -74.0f + static_cast<float>(rng() % 100) / 10.0f;
        }
    }
    const std::size_t warm = std::min<std::size_t>(cards, n / 2);
    for (std::size_t i = 0; i < warm; ++i) vel.observe(txns[i]);

    constexpr std::size_t burst = 32;
    const detector_keys keys{};
    observe_result obs[burst];
    alignas(64) float rows[burst][feature_count];
    float probability[burst];
    std::vector<double> per_txn, model_per_txn;
    double sink = 0;
    const std::size_t batch = 8192;
    for (std::size_t b = warm; b + batch <= n; b += batch) {
        double cpu = 0, model_ns = 0;
        for (std::size_t s0 = b; s0 < b + batch; s0 += burst) {
            for (std::size_t j = 0; j < burst; ++j) obs[j] = vel.observe(txns[s0 + j]);
            const double c0 = now_ns();
            for (std::size_t j = 0; j < burst; ++j) {
                const Txn& x = txns[s0 + j];
                const detector_input in{.txn = x,
                                        .velocity = cfg,
                                        .obs = obs[j],
                                        .card = obs[j].entry[0],
                                        .screen = nullptr,
                                        .patterns = nullptr,
                                        .keys = keys,
                                        .now_ms = x.event_time_ms,
                                        .scale = 100.0,
                                        .amount_major = static_cast<double>(x.amount_minor) / 100.0,
                                        .history = 0,
                                        .applied = obs[j].status == observe_status::applied,
                                        .measured = true,
                                        .settings = &det};
                compute_features(in, rows[j]);
            }
            cpu += now_ns() - c0;
            if (model) {
                const double m0 = now_ns();
                model->predict_burst(&rows[0][0], burst, probability);
                model_ns += now_ns() - m0;
                for (float p : probability) sink += p;
            }
            for (std::size_t j = 0; j < burst; ++j) sink += rows[j][1];
        }
        per_txn.push_back(cpu / batch);
        if (model) model_per_txn.push_back(model_ns / batch);
    }
    std::sort(per_txn.begin(), per_txn.end());
    std::sort(model_per_txn.begin(), model_per_txn.end());
    if (per_txn.empty()) return 0;
    std::printf("bench_features: compute_features after observe, %u active cards, bursts of %zu\n", cards, burst);
    std::printf("  wall median %.1f ns/txn  p10 %.1f  p90 %.1f  (%zu batches of %zu; checksum %.0f)\n",
                per_txn[per_txn.size() / 2], per_txn[per_txn.size() / 10], per_txn[per_txn.size() * 9 / 10],
                per_txn.size(), batch, sink);
    if (model)
        std::printf("  model %s (%zu trees, depth %d): predict_burst of %zu rows, wall median %.1f ns/txn  p10 %.1f  "
                    "p90 %.1f\n",
                    model->source().c_str(), model->trees(), model->max_depth(), burst,
                    model_per_txn[model_per_txn.size() / 2], model_per_txn[model_per_txn.size() / 10],
                    model_per_txn[model_per_txn.size() * 9 / 10]);
    return 0;
}
