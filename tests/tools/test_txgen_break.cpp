// txgen --break (issue #18): the option's parsing and errors, and what a break does to
// a feed: the broken field has the value exactly inside the stretch of event time, and
// every other value of the feed, labels included, is the feed's without the break.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "tools/txgen/break_option.h"
#include "tools/txgen/generator.h"
#include "tools/txgen/txgen_cli.h"
#include "tools/txgen/txgen_run.h"

using namespace txscreen;
using namespace txscreen::txgen;

namespace {

constexpr int64_t minute_ms = 60'000;

generator_config feed_config(uint64_t count) {
    generator_config c;
    c.seed = 18;
    c.count = count;
    c.event_rate = 20;  // from midnight UTC: about 45 minutes for 40000
    c.fraud_rate = 0.01;
    return c;
}

std::vector<generated_txn> all_of(const generator_config& c, uint64_t* broken = nullptr) {
    generator g(c);
    std::vector<generated_txn> out;
    generated_txn t;
    while (g.next(t)) out.push_back(t);
    if (broken) *broken = g.broken();
    return out;
}

std::string parse_error(const std::string& text) {
    break_spec b;
    return parse_break_spec(text, b);
}

std::string cli_error(std::vector<std::string> args) {
    txgen_options o;
    args.insert(args.end(), {"--out", "/tmp/unused-txgen-break.pcap"});
    return parse_args(args, o);
}

}  // namespace

TEST_CASE("--break specs parse, with defaults", "[unit][txgen][break]") {
    break_spec b;
    REQUIRE(parse_break_spec("amount=0,from=1h,for=1h", b).empty());
    CHECK(b.field == break_spec::field_kind::amount);
    CHECK(b.number == 0);
    CHECK(b.from_ms == 60 * minute_ms);
    CHECK(b.for_ms == 60 * minute_ms);
    REQUIRE(parse_break_spec("for=90s,amount=-125", b).empty());
    CHECK(b.number == -125);
    CHECK(b.from_ms == 0);
    REQUIRE(parse_break_spec("currency=", b).empty());
    CHECK(b.field == break_spec::field_kind::currency);
    CHECK(b.text.empty());
    CHECK(b.for_ms > 100LL * 365 * 24 * 60 * minute_ms);  // to the end
    REQUIRE(parse_break_spec("currency=qqq,from=5m", b).empty());
    CHECK(b.text == "QQQ");
    REQUIRE(parse_break_spec("mcc=0,from=10m,for=10m", b).empty());
    CHECK(b.field == break_spec::field_kind::mcc);
    CHECK(b.number == 0);
    REQUIRE(parse_break_spec("merchant=", b).empty());
    CHECK(b.field == break_spec::field_kind::merchant);
    CHECK(break_field_text(b) == "merchant=");
}

TEST_CASE("bad --break specs say which part is wrong", "[unit][txgen][break]") {
    CHECK_THAT(parse_error("country=US"), Catch::Contains("unknown key 'country'"));
    CHECK_THAT(parse_error("amount=0,mcc=0"), Catch::Contains("exactly one of"));
    CHECK_THAT(parse_error("amount=1.5"), Catch::Contains("amount must be a whole number") && Catch::Contains("'1.5'"));
    CHECK_THAT(parse_error("amount="), Catch::Contains("amount must be"));
    CHECK_THAT(parse_error("currency=EURO"), Catch::Contains("currency must be") && Catch::Contains("'EURO'"));
    CHECK_THAT(parse_error("currency=E1R"), Catch::Contains("currency must be"));
    CHECK_THAT(parse_error("mcc=12345"), Catch::Contains("mcc must be") && Catch::Contains("'12345'"));
    CHECK_THAT(parse_error("merchant=" + std::string(25, 'M')), Catch::Contains("merchant must be"));
    CHECK_THAT(parse_error("amount=0,from=1"), Catch::Contains("from must be a duration") && Catch::Contains("'1'"));
    CHECK_THAT(parse_error("amount=0,for=0s"), Catch::Contains("for must be a duration above 0"));
    CHECK_THAT(parse_error("from=1m,for=1m"), Catch::Contains("needs a field"));
    CHECK_THAT(parse_error("amount0"), Catch::Contains("'amount0' is not name=value"));
}

TEST_CASE("txgen's command line takes --break and refuses one outside the feed", "[unit][txgen][break]") {
    txgen_options o;
    REQUIRE(parse_args({"--out", "/tmp/x.pcap", "--count", "20000", "--break", "amount=0,from=2m,for=5m",
                        "--break=merchant=,from=10m"},
                       o)
                .empty());
    REQUIRE(o.gen.breaks.size() == 2);
    CHECK(o.gen.breaks[0].from_ms == 2 * minute_ms);
    CHECK(o.gen.breaks[1].field == break_spec::field_kind::merchant);
    // 20000 transactions at 20/s span about 24 minutes from midnight UTC.
    CHECK_THAT(cli_error({"--count", "20000", "--break", "amount=0,from=2h"}),
               Catch::Contains("--break amount=0,from=2h") && Catch::Contains("beyond the feed"));
    CHECK_THAT(cli_error({"--break", "mcc=99999"}), Catch::Contains("--break") && Catch::Contains("mcc must be"));
    txgen_options j;
    CHECK_THAT(parse_args({"--from-jsonl", "x.jsonl", "--out", "/tmp/x.pcap", "--break", "amount=0"}, j),
               Catch::Contains("--break applies to generated feeds"));
    CHECK(usage().find("--break") != std::string::npos);
}

TEST_CASE("a break sets its field exactly inside its stretch and changes nothing else", "[unit][txgen][break]") {
    const generator_config plain = feed_config(40000);
    const std::vector<generated_txn> a = all_of(plain);
    const int64_t from = plain.start_ms + 10 * minute_ms, to = from + 15 * minute_ms;

    struct field_case {
        const char* spec;
        bool (*broken)(const clear_txn&);
        bool (*same_otherwise)(const clear_txn&, const clear_txn&);
    };
    const field_case cases[] = {
        {"amount=0,from=10m,for=15m", [](const clear_txn& t) { return t.amount_minor == 0; },
         [](const clear_txn& x, const clear_txn& y) { return x.amount_minor == y.amount_minor; }},
        {"currency=,from=10m,for=15m", [](const clear_txn& t) { return t.currency.empty(); },
         [](const clear_txn& x, const clear_txn& y) { return x.currency == y.currency; }},
        {"mcc=0,from=10m,for=15m", [](const clear_txn& t) { return t.mcc == 0; },
         [](const clear_txn& x, const clear_txn& y) { return x.mcc == y.mcc; }},
        {"merchant=BROKEN,from=10m,for=15m", [](const clear_txn& t) { return t.merchant_id == "BROKEN"; },
         [](const clear_txn& x, const clear_txn& y) { return x.merchant_id == y.merchant_id; }},
    };
    for (const field_case& fc : cases) {
        INFO(fc.spec);
        generator_config c = plain;
        break_spec s;
        REQUIRE(parse_break_spec(fc.spec, s).empty());
        c.breaks = {s};
        uint64_t broken = 0;
        const std::vector<generated_txn> b = all_of(c, &broken);
        REQUIRE(b.size() == a.size());
        uint64_t inside = 0, before = 0, after = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            const clear_txn &x = a[i].txn, &y = b[i].txn;
            INFO(i << " " << y.txn_id);
            // Labels, ids, times and every other field are the plain feed's.
            REQUIRE(a[i].label == b[i].label);
            REQUIRE(a[i].scenario_id == b[i].scenario_id);
            REQUIRE(x.txn_id == y.txn_id);
            REQUIRE(x.event_time_ms == y.event_time_ms);
            REQUIRE(x.pan == y.pan);
            REQUIRE(x.channel == y.channel);
            const bool in = y.event_time_ms >= from && y.event_time_ms < to;
            inside += in;
            before += y.event_time_ms < from;
            after += y.event_time_ms >= to;
            if (in) {
                REQUIRE(fc.broken(y));
            } else {
                REQUIRE(fc.same_otherwise(x, y));
                REQUIRE(x.amount_minor == y.amount_minor);
                REQUIRE(x.currency == y.currency);
                REQUIRE(x.mcc == y.mcc);
                REQUIRE(x.merchant_id == y.merchant_id);
            }
        }
        CHECK(broken == inside);
        CHECK(inside > 5000);  // the stretch holds a good part of the feed, with traffic on both sides
        CHECK(before > 5000);
        CHECK(after > 1000);
    }
}

TEST_CASE("a whole-feed break through txgen's run reports what it changed", "[unit][txgen][break]") {
    const std::string out = "/tmp/txscreen-test-txgen-break.pcap";
    txgen_options o;
    REQUIRE(parse_args({"--out", out, "--no-labels", "--count", "2000", "--break", "amount=0"}, o).empty());
    const txgen_result r = run_txgen(o, nullptr);
    CHECK(r.messages == 2000);
    CHECK(r.broken == 2000);
    std::remove(out.c_str());
}
