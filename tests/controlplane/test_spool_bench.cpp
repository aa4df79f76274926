// bench_spool: spool appends per second on one thread (Avro encoding + io_uring writes
// + periodic fsync), to a temp dir on the spool's usual disk and to /dev/shm. Prints
// figures; never fails on timing.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "controlplane/spool_writer.h"
#include "rules/ruleset.h"
#include "test_spool_util.h"

using namespace txscreen;

static void run(const char* label, const std::string& base, uint64_t n) {
    char t[256];
    std::snprintf(t, sizeof t, "%s/bench-spool-XXXXXX", base.c_str());
    if (!mkdtemp(t)) {
        std::printf("%s: cannot create a temp dir under %s\n", label, base.c_str());
        return;
    }
    std::vector<Verdict> vs;
    for (uint64_t i = 0; i < 4096; ++i) vs.push_back(test::make_verdict(i * 7 + 1, 1709294400000, 1));  // no alerts
    spool_config c;
    c.dir = t;
    spool_writer s(c);
    const ruleset names;  // reason names resolved as the appliance does
    s.use_ruleset(&names);
    if (!s.open()) {
        std::printf("%s: %s\n", label, s.last_error().c_str());
        return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < n; ++i) {
        Verdict& v = vs[i & 4095];
        v.txn.event_time_ms = 1709294400000 + static_cast<int64_t>(i / 1000);  // ~1000 records per event ms
        s.offer(v);
        if ((i & 4095) == 0) s.tick();
    }
    const auto t1 = std::chrono::steady_clock::now();
    s.close();
    const auto t2 = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const double total = std::chrono::duration<double>(t2 - t0).count();
    const spool_stats st = s.stats();
    std::printf("%-9s %llu appends in %.3f s = %.2f M records/s (%.0f MB/s, %.0f B/record); "
                "incl. final fsync+rename %.2f M records/s; durable %llu, files %llu, fsyncs %llu\n",
                label, static_cast<unsigned long long>(n), secs, n / secs / 1e6, st.bytes_written / secs / 1e6,
                static_cast<double>(st.bytes_written) / n, n / total / 1e6,
                static_cast<unsigned long long>(st.durable[0]), static_cast<unsigned long long>(st.files_completed),
                static_cast<unsigned long long>(st.fsyncs));
    std::error_code ec;
    std::filesystem::remove_all(t, ec);
}

int main() {
    const uint64_t n = 3'000'000;
    run("/tmp", "/tmp", n);
    run("/dev/shm", "/dev/shm", n);
    return 0;
}
