// bench_aggregates: what the 1-minute aggregates cost the controlplane per verdict.
// Synthetic verdicts (10K merchants, 300 MCCs, 50 countries, 4 channels, 2 feeds, 3
// currencies, 1M cards) spread over 10 minutes of event time with a few seconds of
// disorder; add() timed alone, then advance() (closing windows, sorting and emitting
// rows) and the spike detector over the rows, per verdict. Prints figures only.
//
// usage: bench_aggregates [verdicts (default 1000000)] [1000 | 10000: that top_merchants only]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "controlplane/analytics/minute_aggregator.h"
#include "controlplane/analytics/spike_detector.h"

using namespace txscreen;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr int64_t t0 = 1'709'296'440'000;
constexpr int64_t span_ms = 10 * 60'000;

std::vector<Verdict> make_verdicts(std::size_t n) {
    std::vector<Verdict> out(n);
    std::mt19937_64 rng(42);
    const char* countries[50];
    static char names[50][3];
    for (int i = 0; i < 50; ++i) {
        names[i][0] = static_cast<char>('A' + i / 26), names[i][1] = static_cast<char>('A' + i % 26), names[i][2] = 0;
        countries[i] = names[i];
    }
    const uint16_t currencies[] = {840, 978, 826};
    for (std::size_t i = 0; i < n; ++i) {
        Verdict& v = out[i];
        std::memset(static_cast<void*>(&v), 0, sizeof v);
        Txn& t = v.txn;
        t.reset();
        t.event_time_ms = t0 + static_cast<int64_t>(i) * span_ms / static_cast<int64_t>(n) +
                          static_cast<int64_t>(rng() % 5'000);
        char merchant[16];
        std::snprintf(merchant, sizeof merchant, "M%06u", static_cast<unsigned>(rng() % 10'000));
        t.merchant_id.assign(merchant);
        t.mcc = static_cast<uint16_t>(1000 + rng() % 300);
        std::memcpy(t.country, countries[rng() % 50], 2);
        t.chan = static_cast<channel>(rng() % 4);
        t.feed_id = static_cast<uint16_t>(rng() % 2);
        t.currency = currencies[rng() % 3];
        t.currency_exponent = 2;
        t.amount_minor = static_cast<int64_t>(rng() % 100'000);
        const uint64_t card = rng() % 1'000'000;
        std::memcpy(t.card_token, &card, sizeof card);
        v.alert = rng() % 50 == 0;
        v.dec = v.alert ? decision::review : decision::allow;
        v.rx_ns = t.event_time_ms * 1'000'000;
        v.verdict_ns = v.rx_ns + 2'000 + static_cast<int64_t>(rng() % 20'000);
    }
    return out;
}

double ns_since(clock_type::time_point t) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t).count());
}

void run(const char* label, const aggregates_config& conf, const std::vector<Verdict>& verdicts) {
    minute_aggregator agg(conf, {"feed-a", "feed-b"}, "");
    spike_detector spikes(spike_config{}, {"feed-a", "feed-b"});
    uint64_t rows = 0, spike_events = 0;
    double add_ns = 0, advance_ns = 0;
    std::map<int64_t, uint32_t> merchant_rows;  // by window: never above top_merchants (+ "other")
    auto emit = [&](const aggregate_record& r) {
        ++rows;
        if (r.dimension == agg_dimension::merchant) ++merchant_rows[r.window_start_ms];
        spikes.observe(r, [&](const spike_event&) { ++spike_events; });
    };
    constexpr std::size_t batch = 1024;  // the control loop advances once per poll of the rings
    for (std::size_t i = 0; i < verdicts.size(); i += batch) {
        const std::size_t end = std::min(verdicts.size(), i + batch);
        auto t = clock_type::now();
        for (std::size_t j = i; j < end; ++j) agg.add(verdicts[j]);
        add_ns += ns_since(t);
        t = clock_type::now();
        agg.advance(emit);
        advance_ns += ns_since(t);
    }
    auto t = clock_type::now();
    agg.flush(emit);
    advance_ns += ns_since(t);
    for (const auto& [start, count] : merchant_rows)
        if (count > conf.top_merchants + 1)
            std::printf("window %lld: %u merchant rows!\n", static_cast<long long>(start), count);
    const double n = static_cast<double>(verdicts.size());
    const aggregate_counters c = agg.counters();
    std::printf("%-28s add %6.1f ns/verdict, advance+emit+spikes %5.1f ns/verdict, total %6.1f ns/verdict; "
                "%llu windows, %llu rows, %llu folded, %llu spikes\n",
                label, add_ns / n, advance_ns / n, (add_ns + advance_ns) / n,
                static_cast<unsigned long long>(c.windows_closed), static_cast<unsigned long long>(rows),
                static_cast<unsigned long long>(c.merchants_folded), static_cast<unsigned long long>(spike_events));
}

// What reading the fields the aggregator reads costs alone (the verdicts stream from
// memory here; in the appliance they come hot off the ring).
void input_floor(const std::vector<Verdict>& verdicts) {
    uint64_t sum = 0;
    const auto t = clock_type::now();
    for (const Verdict& v : verdicts)
        sum += static_cast<uint64_t>(v.txn.event_time_ms + v.txn.amount_minor + v.rx_ns + v.verdict_ns) +
               v.txn.merchant_id.len + static_cast<uint8_t>(v.txn.country[0]) + v.txn.mcc + v.txn.card_key() + v.alert;
    const double ns = ns_since(t) / static_cast<double>(verdicts.size());
    std::printf("%-28s %6.1f ns/verdict (checksum %llu)\n", "reading the verdicts alone", ns,
                static_cast<unsigned long long>(sum % 1000));
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1'000'000;
    const std::vector<Verdict> verdicts = make_verdicts(n);
    std::printf("bench_aggregates: %zu verdicts, 10K merchants, 300 MCCs, 50 countries over 10 minutes\n", n);
    // A third argument runs one of them alone (1000 or 10000), for perf stat.
    const long only = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 0;
    input_floor(verdicts);
    aggregates_config conf;
    for (int round = 0; round < 2; ++round) {  // the second round runs with warm caches and allocator
        conf.top_merchants = 1000;
        if (only == 0 || only == 1000) run("top_merchants 1000 (default)", conf, verdicts);
        conf.top_merchants = 10'000;
        if (only == 0 || only == 10'000) run("top_merchants 10000", conf, verdicts);
    }
    return 0;
}
