// ns per PAN of AES-128-CMAC: aes_cmac_128::mac_burst over bursts of 32 PANs, one
// aes_cmac_128::mac per PAN, and OpenSSL's EVP_MAC per PAN (one keyed context,
// re-initialised per PAN: OpenSSL's cheapest use). Prints one line per variant (median
// and range of 9 interleaved runs of ~0.2 s each) and a JSON line. Never fails on timing.
// Times are the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a small shared machine a
// parallel build preempts the bench, which wall-clock time would count; the wall-clock
// median is printed too.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <time.h>

#include "common/aes_cmac.h"

using txscreen::aes_cmac_128;

namespace {

constexpr std::size_t burst = 32;
constexpr std::size_t pans_total = 4096;  // the working set cycled through (L1/L2-resident)
constexpr int runs = 9;
constexpr double run_seconds = 0.2;

struct pan_set {
    std::vector<std::string> text;
    std::vector<const uint8_t*> msgs;
    std::vector<std::size_t> lens;
    std::vector<uint8_t> macs;  // 16 bytes per PAN
    std::vector<uint8_t*> outs;
};

pan_set make_pans(std::mt19937_64& rng, std::size_t min_len, std::size_t max_len) {
    pan_set s;
    for (std::size_t i = 0; i < pans_total; ++i) {
        std::string pan(min_len + rng() % (max_len - min_len + 1), '0');
        for (auto& c : pan) c = static_cast<char>('0' + rng() % 10);
        s.text.push_back(pan);
    }
    s.macs.resize(16 * pans_total);
    for (std::size_t i = 0; i < pans_total; ++i) {
        s.msgs.push_back(reinterpret_cast<const uint8_t*>(s.text[i].data()));
        s.lens.push_back(s.text[i].size());
        s.outs.push_back(s.macs.data() + 16 * i);
    }
    return s;
}

// One pass over the working set; returns the number of PANs MACed.
using pass_fn = std::function<std::size_t(pan_set&)>;

struct variant {
    const char* name;
    pass_fn pass;
    int passes_per_run = 1;
    std::vector<double> cpu_ns_per_pan;
    std::vector<double> wall_ns_per_pan;
};

double thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Runs `passes` passes; records CPU and wall ns per PAN.
void time_passes(variant& v, pan_set& pans, int passes) {
    std::size_t done = 0;
    const double cpu0 = thread_cpu_ns();
    const auto wall0 = std::chrono::steady_clock::now();
    for (int p = 0; p < passes; ++p) done += v.pass(pans);
    const auto wall1 = std::chrono::steady_clock::now();
    const double cpu1 = thread_cpu_ns();
    v.cpu_ns_per_pan.push_back((cpu1 - cpu0) / static_cast<double>(done));
    v.wall_ns_per_pan.push_back(std::chrono::duration<double, std::nano>(wall1 - wall0).count() /
                                static_cast<double>(done));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

class openssl_cmac {
public:
    explicit openssl_cmac(const std::string& key) {
        EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
        _ctx = EVP_MAC_CTX_new(mac);
        EVP_MAC_free(mac);
        char cipher[] = "AES-128-CBC";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                                     OSSL_PARAM_construct_end()};
        if (!_ctx || !EVP_MAC_init(_ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params)) {
            std::fprintf(stderr, "bench_aes_cmac: OpenSSL CMAC setup failed\n");
            std::exit(1);
        }
    }
    ~openssl_cmac() { EVP_MAC_CTX_free(_ctx); }
    openssl_cmac(const openssl_cmac&) = delete;
    openssl_cmac& operator=(const openssl_cmac&) = delete;
    void mac(const uint8_t* msg, std::size_t len, uint8_t* out) {
        std::size_t written = 0;
        // A null key re-initialises with the key already set.
        if (!EVP_MAC_init(_ctx, nullptr, 0, nullptr) || !EVP_MAC_update(_ctx, msg, len) ||
            !EVP_MAC_final(_ctx, out, &written, 16)) {
            std::fprintf(stderr, "bench_aes_cmac: OpenSSL CMAC failed\n");
            std::exit(1);
        }
    }

private:
    EVP_MAC_CTX* _ctx = nullptr;
};

}  // namespace

int main() {
    std::mt19937_64 rng(20240519);
    std::string key(16, '\0');
    for (auto& c : key) c = static_cast<char>(rng());
    const aes_cmac_128 cmac(key);
    openssl_cmac reference(key);
    pan_set pans16 = make_pans(rng, 16, 16);
    pan_set pans_mixed = make_pans(rng, 12, 19);

    auto burst_pass = [&cmac](pan_set& s) {
        for (std::size_t i = 0; i < pans_total; i += burst)
            cmac.mac_burst(s.msgs.data() + i, s.lens.data() + i, burst, s.outs.data() + i);
        return pans_total;
    };
    auto single_pass = [&cmac](pan_set& s) {
        for (std::size_t i = 0; i < pans_total; ++i) cmac.mac(s.msgs[i], s.lens[i], s.outs[i]);
        return pans_total;
    };
    auto openssl_pass = [&reference](pan_set& s) {
        for (std::size_t i = 0; i < pans_total; ++i) reference.mac(s.msgs[i], s.lens[i], s.outs[i]);
        return pans_total;
    };
    std::vector<variant> variants = {
        {"mac_burst_32", burst_pass},
        {"mac_single", single_pass},
        {"openssl_evp_mac", openssl_pass},
    };
    std::vector<pan_set*> inputs = {&pans16, &pans16, &pans16};
    // The same burst kernel on PANs of mixed lengths (12-19 digits: 1 or 2 blocks).
    variants.push_back({"mac_burst_32_mixed_12_19", burst_pass});
    inputs.push_back(&pans_mixed);

    // The three implementations must agree before their speed means anything.
    std::vector<uint8_t> a(16), b(16);
    for (std::size_t i = 0; i < pans_total; ++i) {
        cmac.mac(pans16.msgs[i], 16, a.data());
        reference.mac(pans16.msgs[i], 16, b.data());
        if (a != b) {
            std::fprintf(stderr, "bench_aes_cmac: aes_cmac_128 and OpenSSL disagree on PAN %zu\n", i);
            return 1;
        }
    }

    // Calibrate passes so that one run takes about run_seconds, then interleave runs.
    for (std::size_t v = 0; v < variants.size(); ++v) {
        time_passes(variants[v], *inputs[v], 20);
        const double ns = variants[v].cpu_ns_per_pan.back();
        variants[v].passes_per_run = std::max(1, static_cast<int>(run_seconds * 1e9 / (ns * pans_total)));
        variants[v].cpu_ns_per_pan.clear();
        variants[v].wall_ns_per_pan.clear();
    }
    for (int r = 0; r < runs; ++r)
        for (std::size_t v = 0; v < variants.size(); ++v) time_passes(variants[v], *inputs[v], variants[v].passes_per_run);

    std::printf("AES-128-CMAC, 16-digit PANs (mixed: 12-19), AES-NI %s, %d runs of ~%.1f s, CPU time\n",
                cmac.uses_aes_ni() ? "on" : "off (OpenSSL fallback)", runs, run_seconds);
    std::string json = "{\"bench\":\"aes_cmac\",\"aes_ni\":" + std::string(cmac.uses_aes_ni() ? "true" : "false");
    for (const auto& v : variants) {
        const double med = median(v.cpu_ns_per_pan), wall = median(v.wall_ns_per_pan);
        const auto [lo, hi] = std::minmax_element(v.cpu_ns_per_pan.begin(), v.cpu_ns_per_pan.end());
        std::printf("%-26s %7.2f ns/PAN (min %.2f, max %.2f; wall-clock median %.2f)\n", v.name, med, *lo, *hi, wall);
        char buf[200];
        std::snprintf(buf, sizeof buf, ",\"%s_ns\":%.2f,\"%s_min_ns\":%.2f,\"%s_max_ns\":%.2f,\"%s_wall_ns\":%.2f", v.name,
                      med, v.name, *lo, v.name, *hi, v.name, wall);
        json += buf;
    }
    std::printf("%s}\n", json.c_str());
    return 0;
}
