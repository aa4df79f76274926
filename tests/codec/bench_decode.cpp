// bench_decode: ns per message for the ISO 8583 (three dialects) and JSON decoders,
// PAN tokenization included, over 4096 distinct ~200-byte messages (distinct PANs, so
// nothing is cached). Prints the median of 15 runs and the spread; never fails on time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "codec/iso8583.h"
#include "codec/json_decode.h"

using namespace txscreen;

namespace {

std::string luhn_complete(std::string body) {
    unsigned sum = 0;
    bool dbl = true;  // the check digit will be appended to the right
    for (std::size_t i = body.size(); i-- > 0;) {
        unsigned d = body[i] - '0';
        if (dbl) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return body + static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::vector<clear_txn> make_txns(std::size_t n) {
    std::mt19937_64 rng(42);
    static const char* names[] = {"CORNER GROCERY MARKET", "SHELL OIL 57443", "AMAZON MKTPLACE PMTS",
                                  "STARBUCKS STORE 1123", "UBER TRIP HELP.UBER", "DELTA AIR LINES"};
    static const char* cities[] = {"NEW YORK", "LOS ANGELES", "CHICAGO", "HOUSTON", "PHOENIX"};
    std::vector<clear_txn> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        clear_txn& t = v[i];
        char body[16];
        std::snprintf(body, sizeof body, "4%014llu", static_cast<unsigned long long>(rng() % 100000000000000ULL));
        t.pan = luhn_complete(body);
        t.txn_id = "tx-" + std::to_string(1000000 + i);
        t.event_time_ms = 1'795'000'000'000 + static_cast<int64_t>(i) * 1000;
        t.amount_minor = static_cast<int64_t>(rng() % 100000);
        t.currency = "USD";
        t.merchant_id = "M" + std::to_string(100000000000000ULL + rng() % 1000000);
        t.merchant_name = names[rng() % 6];
        t.city = cities[rng() % 5];
        t.region = "NY";
        t.country = "US";
        t.mcc = 5411;
        t.lat = 40.7;
        t.lon = -74.0;
        t.channel = "pos";
        t.stan = std::to_string(100000 + i % 900000);
        t.rrn = std::to_string(100000000000ULL + i);
        t.terminal_id = "TERM" + std::to_string(1000 + i % 9000);
        t.acquirer_id = "445566";
        t.expiry_yymm = 2812;
        t.device_id = "dev-" + std::to_string(rng() % 1000000);
        t.email = "user" + std::to_string(rng() % 100000) + "@example.com";
    }
    return v;
}

template <class Fn>
void run(const char* label, std::size_t n_msgs, double avg_bytes, Fn&& decode_all) {
    std::vector<double> ns;
    const int reps = 15, passes = 50;
    decode_all();  // warm caches and the branch predictor
    for (int r = 0; r < reps; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        for (int p = 0; p < passes; ++p) decode_all();
        auto t1 = std::chrono::steady_clock::now();
        ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (passes * n_msgs));
    }
    std::sort(ns.begin(), ns.end());
    std::printf("%-28s %7.1f bytes/msg  median %6.1f ns/msg  (min %6.1f, max %6.1f)\n", label, avg_bytes,
                ns[ns.size() / 2], ns.front(), ns.back());
}

}  // namespace

int main() {
    const std::size_t n = 4096;
    const auto txns = make_txns(n);
    const pan_tokenizer tok(std::string(32, 'k'));
    std::printf("bench_decode: %zu distinct messages, tokenization included, median of 15 runs\n", n);

    {
        uint8_t out[card_token_bytes];
        unsigned sink = 0;
        run("pan tokenization (HMAC)", n, 16, [&] {
            for (const auto& t : txns) {
                tok.tokenize_pan(t.pan.data(), t.pan.size(), out);
                sink += out[0];
            }
        });
        std::vector<const char*> ptr;
        std::vector<std::size_t> len;
        for (const auto& t : txns) {
            ptr.push_back(t.pan.data());
            len.push_back(t.pan.size());
        }
        std::vector<uint8_t> outs(n * card_token_bytes);
        run("pan tokenization, batch of 4", n, 16, [&] {
            tok.tokenize_pans(ptr.data(), len.data(), n, reinterpret_cast<uint8_t(*)[card_token_bytes]>(outs.data()));
            sink += outs[0];
        });
        if (sink == 1) std::puts("");
    }
    for (int d = 0; d < 3; ++d) {
        const auto dialect = static_cast<iso_dialect>(d);
        std::vector<std::vector<uint8_t>> msgs(n);
        double bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            encode_iso8583(txns[i], dialect, msgs[i]);
            bytes += msgs[i].size();
        }
        iso_decode_context ctx;
        ctx.tokenizer = &tok;
        ctx.dialect = dialect;
        ctx.reference_time_ms = 1'795'000'000'000;
        Txn out;
        std::size_t rejects = 0;
        std::string label = "iso8583 " + std::string(iso_dialect_name(dialect));
        run(label.c_str(), n, bytes / n, [&] {
            for (const auto& m : msgs) rejects += decode_iso8583(m.data(), m.size(), ctx, out) != reject_reason::none;
        });
        if (rejects) std::printf("  WARNING: %zu rejects\n", rejects);
    }
    {
        std::vector<std::string> msgs(n);
        double bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            encode_json(txns[i], msgs[i]);
            bytes += msgs[i].size();
        }
        json_decoder dec(tok);
        Txn out;
        std::size_t rejects = 0;
        run("json", n, bytes / n, [&] {
            for (const auto& m : msgs) rejects += dec.decode(m.data(), m.size(), out) != reject_reason::none;
        });
        if (rejects) std::printf("  WARNING: %zu rejects\n", rejects);
    }
    return 0;
}
