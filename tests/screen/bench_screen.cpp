// bench_screen: median nanoseconds to screen one transaction's merchant_name, city and
// email with the starter pattern set (one worker, warm caches). Prints figures; never
// fails on timing (meson suite 'perf').
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "screen/pattern_db.h"
#include "screen/screen.h"
#include "screen_test_util.h"

using namespace txscreen;

int main(int argc, char** argv) {
    const std::size_t n_txns = argc > 1 ? std::stoul(argv[1]) : 4096;
    const int passes = argc > 2 ? std::stoi(argv[2]) : 200;
    const int repeats = 9;

    auto t0 = std::chrono::steady_clock::now();
    auto db = pattern_db::from_file(test::starter_patterns_path(), {1, 1});
    auto t1 = std::chrono::steady_clock::now();

    // Mostly ordinary traffic with ~3% screened hits, as a real feed would be.
    const char* ordinary[] = {"WALMART SUPERCENTER", "STARBUCKS STORE 1234", "SHELL OIL 57442",
                              "AMAZON.COM", "UBER TRIP", "MCDONALD'S F1234", "TESCO STORES 2231",
                              "DELTA AIR LINES", "CVS PHARMACY #2234", "HOME DEPOT 0442",
                              "NETFLIX.COM", "KROGER #123", "CHIPOTLE 1123", "IKEA"};
    const char* risky[] = {"ONLINE CASINO", "BITCOIN ATM", "GIFT CARD MALL", "WIRE TRANSFER",
                           "COINBASE INC", "BET365 LONDON"};
    const char* cities[] = {"NEW YORK", "LONDON", "SAO PAULO", "TOKYO", "CHICAGO", "PARIS"};
    const char* emails[] = {"john.smith@gmail.com", "a.b@yahoo.co.uk", "jane@icloud.com",
                            "x@outlook.com", "m.rossi@libero.it", "throw@mailinator.com"};
    std::mt19937_64 rng(42);
    std::vector<Txn> txns(n_txns);
    std::size_t expected_hits = 0;
    for (Txn& t : txns) {
        bool bad = rng() % 100 < 3;
        t = test::make_txn(bad ? risky[rng() % std::size(risky)] : ordinary[rng() % std::size(ordinary)],
                           cities[rng() % std::size(cities)], emails[rng() % std::size(emails)]);
        expected_hits += bad;
    }

    // Median over `repeats` of the mean ns per transaction of `passes` passes.
    uint64_t hits = 0;
    auto measure = [&](const std::vector<Txn>& set, std::vector<double>& ns_per_txn) {
        for (int rep = 0; rep < repeats; ++rep) {
            hits = 0;
            auto a = std::chrono::steady_clock::now();
            for (int p = 0; p < passes; ++p)
                for (const Txn& t : set) hits += screen_txn(*db, 0, t).n_ids > 0;
            auto b = std::chrono::steady_clock::now();
            ns_per_txn.push_back(std::chrono::duration<double, std::nano>(b - a).count() /
                                 (double(passes) * double(set.size())));
        }
        std::sort(ns_per_txn.begin(), ns_per_txn.end());
        return ns_per_txn[ns_per_txn.size() / 2];
    };
    // One field alone, to see where the time goes.
    auto only = [&](screen_field f) {
        std::vector<Txn> v = txns;
        for (Txn& t : v)
            for (int g = 0; g < screen_field_count; ++g)
                if (g != static_cast<int>(f)) {
                    if (g == static_cast<int>(screen_field::merchant_name)) t.merchant_name.clear();
                    if (g == static_cast<int>(screen_field::city)) t.city.clear();
                    if (g == static_cast<int>(screen_field::email)) t.email.clear();
                }
        std::vector<double> ns;
        return measure(v, ns);
    };
    const double merchant_only = only(screen_field::merchant_name);
    const double email_only = only(screen_field::email);
    std::vector<double> ns_per_txn;
    measure(txns, ns_per_txn);
    std::printf("bench_screen: %zu patterns (%zu merchant_name, %zu email, %zu ip), db %zu KiB, "
                "scratch %zu KiB, build %.1f ms\n",
                db->size(), db->patterns_for(screen_field::merchant_name),
                db->patterns_for(screen_field::email), db->patterns_for(screen_field::ip),
                db->database_bytes() / 1024, db->scratch_bytes() / 1024,
                std::chrono::duration<double, std::milli>(t1 - t0).count());
    std::printf("bench_screen: fields merchant_name+city+email, %zu txns x %d passes x %d repeats, "
                "%.1f%% with a hit per pass (%zu seeded risky names)\n",
                n_txns, passes, repeats, 100.0 * double(hits) / double(passes * n_txns), expected_hits);
    std::printf("bench_screen: median %.1f ns/txn (min %.1f, max %.1f) = %.2f M txn/s per core\n",
                ns_per_txn[ns_per_txn.size() / 2], ns_per_txn.front(), ns_per_txn.back(),
                1e3 / ns_per_txn[ns_per_txn.size() / 2]);
    std::printf("bench_screen: one field alone: merchant_name %.1f ns, email %.1f ns "
                "(city has no starter pattern: not scanned)\n", merchant_only, email_only);
    return 0;
}
