// bench_decode: ns per message for the ISO 8583 (five dialects) and JSON decoders,
// PAN tokenization included, over 4096 distinct ~200-byte messages (distinct PANs, so
// nothing is cached): one message at a time (decode_iso8583, json_decoder::decode) and
// as the rx stage does it (deferred decodes, one tokenize_stashed per 16 messages).
// PAN scrubbing of text fields is included; lines with PANs in the text (its slow path)
// and the scrubber alone show its cost (docs/feeds.md, "PANs in free text").
// Prints medians of 15 runs (CPU time and wall time); never fails on time. An argument
// runs only the lines whose label contains it ("bench_decode json").
//
// Tokenizers (issue #19): HMAC-SHA256 and AES-128-CMAC tokens side by side, runs
// interleaved, alone and inside the binary, hex and bcd decodes; then ebcdic and
// iso93-ascii (the generic decoder) and binary forced through the generic decoder, with
// AES-CMAC tokens (the default).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "codec/iso8583.h"
#include "codec/iso8583_encode.h"
#include "codec/iso_wire.h"
#include "codec/iso_wire_tables.h"
#include "codec/json_decode.h"
#include "legacy_iso_encode.h"
#include "common/pan_scrub.h"
#include "../common/luhn_complete.h"

using namespace txscreen;
using txscreen::test::luhn_complete;

namespace {

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

double thread_cpu_ns() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// Prints the median wall time per message and the median of this thread's CPU time
// per message: on a shared, loaded machine the wall figure includes time the thread
// was not running, the CPU figure does not (it is the one to compare across runs).
const char* g_only = nullptr;  // argv[1]: run only the lines whose label contains it

template <class Fn>
void run(const char* label, std::size_t n_msgs, double avg_bytes, Fn&& decode_all) {
    if (g_only && !std::strstr(label, g_only)) return;
    std::vector<double> wall, cpu;
    const int reps = 15, passes = 50;
    decode_all();  // warm caches and the branch predictor
    for (int r = 0; r < reps; ++r) {
        const double c0 = thread_cpu_ns();
        auto t0 = std::chrono::steady_clock::now();
        for (int p = 0; p < passes; ++p) decode_all();
        auto t1 = std::chrono::steady_clock::now();
        const double c1 = thread_cpu_ns();
        wall.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (passes * n_msgs));
        cpu.push_back((c1 - c0) / (passes * n_msgs));
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf("%-34s %6.1f B/msg  cpu median %6.1f ns/msg (min %6.1f)  wall median %6.1f (max %6.1f)\n", label,
                avg_bytes, cpu[cpu.size() / 2], cpu.front(), wall[wall.size() / 2], wall.back());
}

// Two decoders over the same messages, their runs interleaved (A, B, A, B ...) so a
// machine's drift in speed falls on both alike; medians of each.
template <class FnA, class FnB>
void run_pair(const char* label_a, const char* label_b, std::size_t n_msgs, double avg_bytes, FnA&& a, FnB&& b) {
    if (g_only && !std::strstr(label_a, g_only) && !std::strstr(label_b, g_only)) return;
    std::vector<double> cpu[2], wall[2];
    const int reps = 15, passes = 50;
    a();
    b();
    for (int r = 0; r < reps; ++r)
        for (int which = 0; which < 2; ++which) {
            const double c0 = thread_cpu_ns();
            auto t0 = std::chrono::steady_clock::now();
            for (int p = 0; p < passes; ++p) which ? b() : a();
            auto t1 = std::chrono::steady_clock::now();
            const double c1 = thread_cpu_ns();
            wall[which].push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (passes * n_msgs));
            cpu[which].push_back((c1 - c0) / (passes * n_msgs));
        }
    for (int which = 0; which < 2; ++which) {
        std::sort(cpu[which].begin(), cpu[which].end());
        std::sort(wall[which].begin(), wall[which].end());
        std::printf("%-46s %6.1f B/msg  cpu median %6.1f ns/msg (min %6.1f)  wall median %6.1f\n",
                    which ? label_b : label_a, avg_bytes, cpu[which][reps / 2], cpu[which].front(), wall[which][reps / 2]);
    }
    std::printf("  -> %+.1f%% (cpu medians)\n", 100.0 * (cpu[1][reps / 2] / cpu[0][reps / 2] - 1.0));
}

// Decodes msgs[0..n) in batches of `batch` (as the rx stage does): deferred decode into
// a batch of Txns and PAN stashes, then one tokenize_stashed call per batch.
template <class Decode>
std::size_t decode_batched(std::size_t n, const pan_tokenizer& tok, Txn* txns, pan_stash* stash, Decode&& decode) {
    constexpr std::size_t batch = 16;
    std::size_t rejects = 0;
    for (std::size_t i = 0; i < n; i += batch) {
        const std::size_t k = n - i < batch ? n - i : batch;
        for (std::size_t j = 0; j < k; ++j) rejects += decode(i + j, txns[j], stash[j]) != reject_reason::none;
        tok.tokenize_stashed(stash, txns, k);
    }
    return rejects;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1) g_only = argv[1];
    const std::size_t n = 4096;
    const auto txns = make_txns(n);
    const pan_tokenizer hmac(std::string(32, 'k'), token_method::hmac_sha256);
    const pan_tokenizer cmac(std::string(16, 'k'), token_method::aes_cmac);
    const pan_tokenizer& tok = cmac;  // the default tokenizer
    std::printf("bench_decode: %zu distinct messages, tokenization included, median of 15 runs\n", n);

    std::vector<const char*> ptr;
    std::vector<std::size_t> len;
    for (const auto& t : txns) {
        ptr.push_back(t.pan.data());
        len.push_back(t.pan.size());
    }
    {
        uint8_t out[card_token_bytes];
        unsigned sink = 0;
        auto one_at_a_time = [&](const pan_tokenizer& t) {
            return [&] {
                for (std::size_t i = 0; i < n; ++i) {
                    t.tokenize_pan(ptr[i], len[i], out);
                    sink += out[0];
                }
            };
        };
        run_pair("pan token, one at a time, hmac-sha256", "pan token, one at a time, aes-cmac", n, 16, one_at_a_time(hmac),
                 one_at_a_time(cmac));
        std::vector<uint8_t> outs(n * card_token_bytes);
        auto all_at_once = [&](const pan_tokenizer& t) {
            return [&] {
                t.tokenize_pans(ptr.data(), len.data(), n, reinterpret_cast<uint8_t(*)[card_token_bytes]>(outs.data()));
                sink += outs[0];
            };
        };
        run_pair("pan token, tokenize_pans, hmac-sha256", "pan token, tokenize_pans, aes-cmac", n, 16, all_at_once(hmac),
                 all_at_once(cmac));
        if (sink == 1) std::puts("");
    }
    constexpr std::size_t batch = 16;
    std::vector<Txn> txn_batch(batch);
    std::vector<pan_stash> stash(batch);
    {
        std::size_t i = 0;
        auto stashed = [&](const pan_tokenizer& t) {
            return [&] {
                for (std::size_t b = 0; b < n; b += batch) {
                    for (std::size_t j = 0; j < batch; ++j, i = (i + 1) % n)
                        stash[j].hold(pan_stash::kind::pan, ptr[i], len[i]);
                    t.tokenize_stashed(stash.data(), txn_batch.data(), batch);
                }
            };
        };
        run_pair("pan token, tokenize_stashed 16, hmac-sha256", "pan token, tokenize_stashed 16, aes-cmac", n, 16,
                 stashed(hmac), stashed(cmac));
    }
    static const char* const dialect_names[] = {"binary", "hex", "bcd"};
    for (int d = 0; d < 3; ++d) {
        // The same messages, the same decoder (the fast path on the wire compiled from the
        // shipped dialect file), tokens by each tokenizer.
        std::vector<std::vector<uint8_t>> msgs(n);
        double bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            legacy_iso::encode_iso8583(txns[i], static_cast<legacy_iso::iso_dialect>(d), msgs[i]);
            bytes += msgs[i].size();
        }
        const iso_wire& w = builtin_wire(dialect_names[d]);
        const iso_decode_context ctx{&tok, &w, 1'795'000'000'000};
        std::size_t rejects = 0;
        const std::string name = dialect_names[d];
        auto decode_with = [&](const pan_tokenizer& t) {
            return [&] {
                rejects += decode_batched(n, t, txn_batch.data(), stash.data(), [&](std::size_t i, Txn& x, pan_stash& s) {
                    return decode_iso8583_deferred(msgs[i].data(), msgs[i].size(), ctx, x, s);
                });
            };
        };
        run_pair(("iso8583 " + name + ", batched 16, hmac-sha256").c_str(),
                 ("iso8583 " + name + ", batched 16, aes-cmac").c_str(), n, bytes / n, decode_with(hmac), decode_with(cmac));
        Txn out;
        run(("iso8583 " + name + ", one at a time").c_str(), n, bytes / n, [&] {
            for (const auto& m : msgs) rejects += decode_iso8583(m.data(), m.size(), ctx, out) != reject_reason::none;
        });
        if (rejects) std::printf("  WARNING: %zu rejects\n", rejects);
    }
    for (const char* name : {"ebcdic", "iso93-ascii", "binary"}) {
        // The generic decoder: the two shipped dialects that need it, and binary forced
        // through it (compare with the binary lines above).
        const iso_wire& w = builtin_wire(name);
        const bool forced = std::string_view(name) == "binary";
        std::vector<std::vector<uint8_t>> msgs(n);
        double bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            encode_iso8583(txns[i], w, msgs[i]);
            bytes += msgs[i].size();
        }
        const iso_decode_context ctx{&tok, &w, 1'795'000'000'000};
        std::size_t rejects = 0;
        const std::string label = "iso8583 " + std::string(name) + (forced ? " forced generic" : " (generic)") + ", batched 16";
        run(label.c_str(), n, bytes / n, [&] {
            rejects += decode_batched(n, tok, txn_batch.data(), stash.data(), [&](std::size_t i, Txn& t, pan_stash& s) {
                return forced ? decode_generic(msgs[i].data(), msgs[i].size(), w, ctx.reference_time_ms, t, s, nullptr)
                              : decode_iso8583_deferred(msgs[i].data(), msgs[i].size(), ctx, t, s);
            });
        });
        if (rejects) std::printf("  WARNING: %zu rejects\n", rejects);
    }
    {
        // PAN scrubbing's worst common case on ISO: every message has a PAN in field 43's
        // name and in field 48's e-mail (each masked, counted).
        std::vector<std::vector<uint8_t>> msgs(n);
        double bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            clear_txn t = txns[i];
            t.merchant_name = "SHOP " + txns[(i + 1) % n].pan;
            t.email = txns[(i + 2) % n].pan + "@example.com";
            encode_iso8583(t, builtin_wire("binary"), msgs[i]);
            bytes += msgs[i].size();
        }
        const iso_decode_context ctx{&tok, &builtin_wire("binary"), 1'795'000'000'000};
        std::size_t rejects = 0;
        run("iso8583 binary, 2 PANs in text, batched 16", n, bytes / n, [&] {
            rejects += decode_batched(n, tok, txn_batch.data(), stash.data(), [&](std::size_t i, Txn& t, pan_stash& s) {
                return decode_iso8583_deferred(msgs[i].data(), msgs[i].size(), ctx, t, s);
            });
        });
        if (rejects) std::printf("  WARNING: %zu rejects\n", rejects);
    }
    {
        // The scrubber alone: the candidate test over the ten text fields of a decoded
        // rich Txn (no PAN: what every message pays), and a full scrub of a text with one.
        std::vector<Txn> decoded(n);
        json_decoder dec(tok);
        for (std::size_t i = 0; i < n; ++i) {
            std::string m;
            encode_json(txns[i], m);
            dec.decode(m.data(), m.size(), decoded[i]);
        }
        unsigned sink = 0;
        run("pan scrub: candidate test, 10 fields", n, 0, [&] {
            for (const Txn& t : decoded) {
                sink += pan_scrub_candidate(t.txn_id.data, t.txn_id.len) + pan_scrub_candidate(t.card_id.data, t.card_id.len) +
                        pan_scrub_candidate(t.account_id.data, t.account_id.len) +
                        pan_scrub_candidate(t.merchant_id.data, t.merchant_id.len) +
                        pan_scrub_candidate(t.merchant_name.data, t.merchant_name.len) +
                        pan_scrub_candidate(t.city.data, t.city.len) + pan_scrub_candidate(t.device_id.data, t.device_id.len) +
                        pan_scrub_candidate(t.ip.data, t.ip.len) + pan_scrub_candidate(t.email.data, t.email.len) +
                        pan_scrub_candidate(t.region.data, t.region.len);
            }
        });
        std::vector<std::string> texts(n);
        for (std::size_t i = 0; i < n; ++i) texts[i] = "SHOP ;" + txns[i].pan + "=2912101 NEW YORK";
        std::vector<std::string> work = texts;
        run("pan scrub: one track-2 PAN in 40 bytes", n, 40, [&] {
            for (std::size_t i = 0; i < n; ++i) {
                std::memcpy(work[i].data(), texts[i].data(), texts[i].size());
                sink += scrub_pans(work[i].data(), work[i].size());
            }
        });
        if (sink == 1) std::puts("");
    }
    for (int rich = 0; rich < 3; ++rich) {
        // Typical: what a streaming-pipeline producer sends for a card-present purchase
        // (~200 bytes). Rich: the same plus city, coordinates, device and e-mail. PANs:
        // rich with a PAN in merchant_name and one in the e-mail (scrubbing's slow path).
        std::vector<std::string> msgs(n);
        double bytes = 0;
        for (std::size_t i = 0; i < n; ++i) {
            clear_txn t = txns[i];
            if (!rich) {
                t.city.clear();
                t.lat = t.lon = std::nan("");
                t.device_id.clear();
                t.email.clear();
            } else if (rich == 2) {
                t.merchant_name = "SHOP " + txns[(i + 1) % n].pan;
                t.email = txns[(i + 2) % n].pan + "@example.com";
            }
            encode_json(t, msgs[i]);
            bytes += msgs[i].size();
        }
        json_decoder dec(tok);
        Txn out;
        std::size_t rejects = 0;
        static const char* const kind[] = {"json typical", "json rich", "json rich, 2 PANs in text"};
        run((std::string(kind[rich]) + ", one at a time").c_str(), n, bytes / n, [&] {
            for (const auto& m : msgs) rejects += dec.decode(m.data(), m.size(), out) != reject_reason::none;
        });
        run((std::string(kind[rich]) + ", batched 16 (rx)").c_str(), n, bytes / n, [&] {
            rejects += decode_batched(n, tok, txn_batch.data(), stash.data(), [&](std::size_t i, Txn& t, pan_stash& s) {
                return dec.decode_deferred(msgs[i].data(), msgs[i].size(), t, s);
            });
        });
        if (rejects) std::printf("  WARNING: %zu rejects\n", rejects);
    }
    return 0;
}
