// bench_kafka: alerts published per second to a loopback broker (the embedded mock
// cluster, or TXSCREEN_KAFKA_BROKERS), per compression codec. Prints figures only.
//
// usage: bench_kafka [alerts per codec (default 500000)] [codec ...]
#include <chrono>
#include <filesystem>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "controlplane/kafka_publisher.h"

using namespace txscreen;
using clock_type = std::chrono::steady_clock;

namespace {

Verdict make_alert(uint32_t i) {
    Verdict v;
    std::memset(static_cast<void*>(&v), 0, sizeof v);
    Txn& t = v.txn;
    t.reset();
    t.event_time_ms = 1709296496000 + i;
    t.amount_minor = 1000 + i % 100000;
    for (std::size_t b = 0; b < card_token_bytes; ++b) t.card_token[b] = static_cast<uint8_t>(b * 31);
    std::memcpy(t.card_token, &i, sizeof i);
    t.currency = 840;
    t.currency_exponent = 2;
    t.mcc = 5999;
    t.chan = channel::ecom;
    t.feed_seq = i;
    t.pan_len = 16;
    std::memcpy(t.card_bin, "41111111", 8);
    std::memcpy(t.card_last4, "1234", 4);
    char id[24];
    std::snprintf(id, sizeof id, "tx-%010u", i);
    t.txn_id.assign(id);
    t.merchant_id.assign("M-0042");
    t.merchant_name.assign("Online Electronics Store");
    t.city.assign("New York");
    std::memcpy(t.country, "US", 2);
    v.score = 85;
    v.dec = decision::block;
    v.alert = true;
    v.ruleset_version = 3;
    v.n_reasons = 2;
    v.reasons[0] = verdict_reason{1, 40, {}, 5, 3};
    v.reasons[1] = verdict_reason{4, 45, {}, 2500.0, 1000.0};
    v.rx_ns = 1709296496000000000 + i;
    v.verdict_ns = v.rx_ns + 900;
    return v;
}

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    uint32_t n = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 500'000;
    std::vector<std::string> codecs;
    for (int i = 2; i < argc; ++i) codecs.emplace_back(argv[i]);
    if (codecs.empty()) codecs = {"lz4", "zstd", "none"};
    const char* ext = std::getenv("TXSCREEN_KAFKA_BROKERS");

    // Encoding alone, for reference.
    {
        Verdict v = make_alert(1);
        char buf[verdict_json_max_bytes];
        std::size_t bytes = 0;
        auto t0 = clock_type::now();
        for (uint32_t i = 0; i < n; ++i) {
            v.txn.feed_seq = i;
            bytes += write_verdict_json(v, {}, buf, sizeof buf);
        }
        double s = seconds_since(t0);
        std::printf("verdict_json: %.0f verdicts/s, %.0f ns each, %.0f bytes average\n", n / s, s * 1e9 / n,
                    double(bytes) / n);
    }

    // Batching for throughput, the same in every run below.
    auto bench_config = [&](const std::string& codec) {
        kafka_config cfg;
        cfg.brokers = ext ? ext : "embedded";
        cfg.compression = codec;
        cfg.linger_ms = 20;
        cfg.batch_messages = 100'000;
        cfg.batch_bytes = 4'000'000;
        return cfg;
    };
    for (const std::string& codec : codecs) {
        kafka_publisher pub(bench_config(codec));
        // Warm up: connection, metadata, producer id.
        pub.offer(make_alert(0));
        pub.flush(10'000);

        Verdict v = make_alert(1);
        uint64_t backpressured = 0;
        auto t0 = clock_type::now();
        for (uint32_t i = 0; i < n; ++i) {
            std::memcpy(v.txn.card_token, &i, sizeof i);
            v.txn.feed_seq = i;
            if (pub.offer(v) == sink_answer::held)
                while (pub.holding()) ++backpressured;
        }
        double publish_s = seconds_since(t0);
        int left = pub.flush(60'000);
        double total_s = seconds_since(t0);
        kafka_counters c = pub.counters();
        std::printf("kafka %-5s: %u alerts: publish %.0f msg/s, acked end-to-end %.0f msg/s "
                    "(acked %llu, failed %llu, left %d, backpressure retries %llu) broker %s\n",
                    codec.c_str(), n, n / publish_s, n / total_s,
                    static_cast<unsigned long long>(c[kafka_topic::alerts].acked - 1),
                    static_cast<unsigned long long>(c[kafka_topic::alerts].failed), left,
                    static_cast<unsigned long long>(backpressured), ext ? ext : "embedded");
    }
    // Outbox: during an outage (the embedded broker down, a 100,000-message in-memory
    // backlog) alerts spill to disk; when the broker returns the poll thread replays
    // them. Spill rate = how many alerts/s an outage can absorb; replay rate = how
    // fast the backlog drains afterwards.
    if (!ext) {
        char tmpl[] = "/tmp/txscreen-bench-outbox-XXXXXX";
        if (!::mkdtemp(tmpl)) return 1;
        kafka_config cfg = bench_config("lz4");  // embedded: ext is unset here
        cfg.max_backlog_messages = 100'000;
        cfg.backpressure_wait_ms = 1;
        cfg.outbox_dir = tmpl;
        {
            kafka_publisher pub(cfg);
            pub.offer(make_alert(0));
            pub.flush(10'000);
            pub.embedded()->set_down(-1);
            Verdict v = make_alert(1);
            uint64_t spilled = 0, other = 0;
            auto t0 = clock_type::now();
            for (uint32_t i = 0; i < n; ++i) {
                std::memcpy(v.txn.card_token, &i, sizeof i);
                v.txn.feed_seq = i;
                const sink_answer a = pub.offer(v);
                spilled += a == sink_answer::spilled;
                other += a != sink_answer::spilled && a != sink_answer::accepted;
            }
            double spill_s = seconds_since(t0);
            kafka_counters c = pub.counters();
            std::printf("outbox spill : %u alerts with the broker down: %.0f msg/s (spilled %llu, in memory %llu, "
                        "refused %llu), %.1f MiB on disk\n",
                        n, n / spill_s, static_cast<unsigned long long>(spilled),
                        static_cast<unsigned long long>(n - spilled - other), static_cast<unsigned long long>(other),
                        c.outbox.bytes / 1048576.0);
            pub.embedded()->set_up(-1);
            auto t1 = clock_type::now();
            int left = pub.flush(300'000);
            double drain_s = seconds_since(t1);
            c = pub.counters();
            std::printf("outbox replay: broker back: %llu replayed and %llu acked in %.2f s = %.0f msg/s (left %d)\n",
                        static_cast<unsigned long long>(c.replayed),
                        static_cast<unsigned long long>(c[kafka_topic::alerts].acked - 1), drain_s,
                        c.replayed / drain_s, left);
        }
        std::filesystem::remove_all(tmpl);
    }
    return 0;
}
