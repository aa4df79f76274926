// txgen --spike (issue #17): the option's parsing and errors, and what a spike adds to
// a feed: the key's traffic at about x times its rate for the spike's duration, many
// of them small card-testing payments, labelled "spike", on top of an otherwise
// unchanged feed, the same for the same seed.
#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/currency.h"
#include "tools/txgen/generator.h"
#include "tools/txgen/spike_option.h"
#include "tools/txgen/txgen_cli.h"

using namespace txscreen;
using namespace txscreen::txgen;

namespace {

constexpr int64_t minute_ms = 60'000;

generator_config feed_config(uint64_t count, double event_rate) {
    generator_config c;
    c.seed = 21;
    c.count = count;
    c.event_rate = event_rate;
    c.fraud_rate = 0.01;
    return c;
}

std::vector<generated_txn> all_of(const generator_config& c) {
    generator g(c);
    std::vector<generated_txn> out;
    generated_txn t;
    while (g.next(t)) out.push_back(t);
    CHECK(out.size() == g.total());
    return out;
}

std::string parse_error(const std::string& text) {
    spike_spec s;
    return parse_spike_spec(text, s);
}

std::string cli_error(std::vector<std::string> args) {
    txgen_options o;
    args.insert(args.end(), {"--out", "/tmp/unused-txgen-spike.pcap"});
    return parse_args(args, o);
}

}  // namespace

TEST_CASE("--spike specs parse, with defaults and normalised keys", "[unit][txgen][spike]") {
    spike_spec s;
    REQUIRE(parse_spike_spec("mcc=7995,at=10m,x=20", s).empty());
    CHECK(s.kind == spike_spec::key_kind::mcc);
    CHECK(s.key == "7995");
    CHECK(s.at_ms == 10 * minute_ms);
    CHECK(s.for_ms == minute_ms);
    CHECK(s.factor == 20);
    REQUIRE(parse_spike_spec("country=us,at=90s,x=2.5,for=30s", s).empty());
    CHECK(s.kind == spike_spec::key_kind::country);
    CHECK(s.key == "US");
    CHECK(s.at_ms == 90'000);
    CHECK(s.for_ms == 30'000);
    CHECK(s.factor == 2.5);
    REQUIRE(parse_spike_spec("x=3,merchant=TXG000000000042,at=1h", s).empty());
    CHECK(s.kind == spike_spec::key_kind::merchant);
    CHECK(s.key == "TXG000000000042");
    REQUIRE(parse_spike_spec("mcc=742,at=0s,x=1", s).empty());
    CHECK(s.key == "0742");
}

TEST_CASE("bad --spike specs say what is wrong", "[unit][txgen][spike]") {
    CHECK_THAT(parse_error("city=Paris,at=1m,x=2"), Catch::Contains("unknown key 'city'"));
    CHECK_THAT(parse_error("mcc=7995,at=1m,x=0.5"), Catch::Contains("x must be"));
    CHECK_THAT(parse_error("mcc=7995,at=1m,x=-2"), Catch::Contains("x must be"));
    CHECK_THAT(parse_error("mcc=7995,at=1m"), Catch::Contains("needs x="));
    CHECK_THAT(parse_error("mcc=7995,x=2"), Catch::Contains("needs at="));
    CHECK_THAT(parse_error("at=1m,x=2"), Catch::Contains("needs a key"));
    CHECK_THAT(parse_error("mcc=7995,country=US,at=1m,x=2"), Catch::Contains("exactly one of"));
    CHECK_THAT(parse_error("mcc=79950,at=1m,x=2"), Catch::Contains("mcc must be"));
    CHECK_THAT(parse_error("country=USA,at=1m,x=2"), Catch::Contains("country must be"));
    CHECK_THAT(parse_error("mcc=7995,at=10,x=2"), Catch::Contains("at must be a duration"));
    CHECK_THAT(parse_error("mcc=7995,at=1m,x=2,for=0s"), Catch::Contains("for must be"));
    CHECK_THAT(parse_error("mcc7995,at=1m,x=2"), Catch::Contains("not name=value"));
}

TEST_CASE("txgen's command line takes --spike and refuses one outside the feed", "[unit][txgen][spike]") {
    txgen_options o;
    REQUIRE(parse_args({"--out", "/tmp/x.pcap", "--count", "20000", "--spike", "mcc=5411,at=2m,x=3", "--spike=country=GB,at=5m,x=2"}, o)
                .empty());
    REQUIRE(o.gen.spikes.size() == 2);
    CHECK(o.gen.spikes[0].key == "5411");
    CHECK(o.gen.spikes[1].key == "GB");
    // 20000 transactions at 20/s span about 24 minutes from midnight UTC.
    const std::string beyond = cli_error({"--count", "20000", "--spike", "mcc=5411,at=30m,x=3"});
    CHECK_THAT(beyond, Catch::Contains("--spike") && Catch::Contains("beyond the feed") && Catch::Contains("--event-rate 20"));
    CHECK(cli_error({"--count", "20000", "--event-rate", "5", "--spike", "mcc=5411,at=30m,x=3"}).empty());
    CHECK_THAT(cli_error({"--spike", "mcc=5411,at=1m,x=0"}), Catch::Contains("--spike") && Catch::Contains("x must be"));
    CHECK_THAT(cli_error({"--spike", "bogus=1,at=1m,x=2"}), Catch::Contains("--spike") && Catch::Contains("unknown key"));
    CHECK_THAT(cli_error({"--scenarios", "card_testing,spike"}), Catch::Contains("unknown scenario 'spike'"));
    txgen_options j;
    CHECK_THAT(parse_args({"--from-jsonl", "x.jsonl", "--out", "/tmp/x.pcap", "--spike", "mcc=5411,at=1m,x=2"}, j),
               Catch::Contains("--spike applies to generated feeds"));
    CHECK(usage().find("--spike") != std::string::npos);
}

TEST_CASE("a spike multiplies its key's traffic for its duration, on top of the same feed", "[unit][txgen][spike]") {
    const generator_config flat = feed_config(60000, 50);  // about 22 minutes of event time
    generator_config spiked = flat;
    spike_spec s;
    REQUIRE(parse_spike_spec("mcc=5411,at=12m,x=20", s).empty());
    spiked.spikes.push_back(s);
    const std::vector<generated_txn> a = all_of(flat), b = all_of(spiked);

    // The feed without the spike's rows is the flat feed (ids are assigned in stream
    // order, so they shift; everything else is equal).
    std::vector<const generated_txn*> rest;
    for (const generated_txn& t : b)
        if (t.label != scenario::spike) rest.push_back(&t);
    REQUIRE(rest.size() == a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO(i);
        REQUIRE(rest[i]->label == a[i].label);
        REQUIRE(rest[i]->txn.event_time_ms == a[i].txn.event_time_ms);
        REQUIRE(rest[i]->txn.pan == a[i].txn.pan);
        REQUIRE(rest[i]->txn.merchant_id == a[i].txn.merchant_id);
        REQUIRE(rest[i]->txn.amount_minor == a[i].txn.amount_minor);
    }

    // Event times still never go back (a duplicate's copy aside).
    std::map<std::string, int> uses;
    int64_t last_ms = 0;
    for (const generated_txn& t : b) {
        if (++uses[t.txn.txn_id] > 1) continue;
        REQUIRE(t.txn.event_time_ms >= last_ms);
        last_ms = t.txn.event_time_ms;
    }

    // The key's transactions per minute of event time, normal and spike.
    const int64_t at = flat.start_ms + s.at_ms;
    std::map<int64_t, int> key_per_minute;
    int spike_rows = 0, small = 0;
    for (const generated_txn& t : b) {
        if (t.txn.mcc == 5411) ++key_per_minute[(t.txn.event_time_ms - flat.start_ms) / minute_ms];
        if (t.label != scenario::spike) continue;
        ++spike_rows;
        INFO(t.txn.txn_id);
        REQUIRE(t.txn.mcc == 5411);
        REQUIRE(format_label_id(t.label, t.scenario_id) == "P000001");
        REQUIRE(t.txn.event_time_ms >= at);
        REQUIRE(t.txn.event_time_ms < at + s.for_ms + 60'000);  // a burst may run past the end
        small += t.txn.amount_minor <= 500;                       // USD: card-testing sized
    }
    double before = 0;
    for (int m = 6; m < 12; ++m) before += key_per_minute[m];
    before /= 6;
    INFO("key per minute before " << before << ", spike minute " << key_per_minute[12]);
    CHECK(before > 50);
    CHECK(key_per_minute[12] > 12 * before);
    CHECK(key_per_minute[12] < 30 * before);
    CHECK(key_per_minute[14] < 2 * before);
    CHECK(small * 3 > spike_rows);  // the card-testing bursts: a third or more are small

    // Deterministic: the same seed gives the same spike.
    const std::vector<generated_txn> again = all_of(spiked);
    REQUIRE(again.size() == b.size());
    for (std::size_t i = 0; i < b.size(); ++i) {
        REQUIRE(again[i].txn.txn_id == b[i].txn.txn_id);
        REQUIRE(again[i].txn.pan == b[i].txn.pan);
        REQUIRE(again[i].txn.amount_minor == b[i].txn.amount_minor);
    }
}

TEST_CASE("spikes by merchant and country force their key; an unknown key is refused", "[unit][txgen][spike]") {
    generator_config c = feed_config(20000, 20);
    generator plain(c);
    const std::string merchant = plain.people().merchants()[plain.people().online_merchants()[0]].merchant_id;
    spike_spec m, k;
    REQUIRE(parse_spike_spec("merchant=" + merchant + ",at=5m,x=200", m).empty());
    REQUIRE(parse_spike_spec("country=GB,at=8m,x=10,for=2m", k).empty());
    c.spikes = {m, k};
    std::map<std::string, int> per_id;
    for (const generated_txn& t : all_of(c)) {
        if (t.label != scenario::spike) continue;
        const std::string id = format_label_id(t.label, t.scenario_id);
        ++per_id[id];
        if (id == "P000001") REQUIRE(t.txn.merchant_id == merchant);
        else REQUIRE(t.txn.country == "GB");
    }
    CHECK(per_id["P000001"] > 0);
    CHECK(per_id["P000002"] > 0);

    generator_config bad = feed_config(2000, 20);
    REQUIRE(parse_spike_spec("merchant=NOPE,at=1m,x=2", m).empty());
    bad.spikes = {m};
    CHECK_THROWS_WITH(generator(bad), Catch::Contains("--spike merchant=NOPE"));
    REQUIRE(parse_spike_spec("mcc=0001,at=1m,x=2", m).empty());
    bad.spikes = {m};
    CHECK_THROWS_AS(generator(bad), std::invalid_argument);
}
