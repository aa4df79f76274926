// bench_pairing: CPU ns per request/response exchange through a pairing_table (flow/
// pairing.h) at a steady number of requests in flight: add_request + set_token for
// the request, match_response (outcome written) for the response, expire() once per
// exchange as the rx lcore calls it per poll. Medians of 7 runs of this thread's CPU
// time; never fails on time.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <vector>

#include "flow/pairing.h"

using namespace txscreen;

namespace {

double thread_cpu_ns() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

constexpr int64_t base_ms = 1'797'292'800'000;

// One request and one response record, rewritten per exchange as the rx stage's
// freshly decoded (cache-hot) Txn would be: exchange k has field 7 = base + k seconds.
void make_exchange(Txn& req, Txn& resp) {
    req.reset();
    req.mti = 200;
    std::memcpy(req.stan, "004711", 7);
    std::memcpy(req.rrn, "612300004711", 13);
    req.terminal_id.assign("TERM0001");
    req.merchant_id.assign("MERCHANT000001");
    req.amount_minor = 4200;
    resp = req;
    resp.mti = 210;
    resp.amount_minor = 0;
    std::memcpy(resp.response_code, "05", 3);
}

double run_once(uint32_t in_flight) {
    pairing_config cfg;
    cfg.capacity = std::max<uint32_t>(4096, in_flight + 1024);
    pairing_table table{cfg};
    Txn req, resp, out;
    make_exchange(req, resp);
    const uint64_t n = 2'000'000;
    const double start = thread_cpu_ns();
    for (uint64_t k = 0; k < n; ++k) {
        const int64_t now = static_cast<int64_t>(k) * 1000;
        req.event_time_ms = base_ms + static_cast<int64_t>(k) * 1000;
        std::memcpy(req.card_token, &k, sizeof k);
        const pending_handle h = table.add_request(1, req, now);
        table.set_token(h, req.card_token);
        if (k >= in_flight) {
            resp.event_time_ms = base_ms + static_cast<int64_t>(k - in_flight) * 1000;
            table.match_response(1, resp, now, out);
        }
        table.expire(now);
    }
    const double ns = (thread_cpu_ns() - start) / static_cast<double>(n);
    if (table.counters().paired != n - in_flight)
        std::printf("  (unexpected: %llu paired)\n", static_cast<unsigned long long>(table.counters().paired));
    return ns;
}

}  // namespace

int main() {
    std::printf("bench_pairing: CPU ns per exchange (request + response + expire), median of 7\n");
    for (uint32_t in_flight : {64u, 2048u, 60000u}) {
        std::vector<double> runs;
        for (int r = 0; r < 7; ++r) runs.push_back(run_once(in_flight));
        std::sort(runs.begin(), runs.end());
        std::printf("%6u in flight   median %6.1f ns   (min %6.1f)\n", in_flight, runs[3], runs[0]);
    }
}
