// txgen unit tests: determinism, PANs, labels vs fraud rate, scenario shapes, feed
// packing, pcap bytes, A/B drops, --from-jsonl parsing and command-line errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "codec/framing.h"
#include "codec/iso8583.h"
#include "common/currency.h"
#include "common/pan_token.h"
#include "geo/geo.h"
#include "tests/tools/txgen_test_util.h"
#include "tools/txgen/feed_writer.h"
#include "tools/txgen/generator.h"
#include "tools/txgen/jsonl_reader.h"
#include "tools/txgen/packet_out.h"
#include "tools/txgen/time_text.h"
#include "tools/txgen/txgen_cli.h"
#include "tools/txgen/txgen_run.h"

using namespace txscreen;
using namespace txscreen::txgen;
using txgen_test::memory_output;
using txgen_test::temp_dir;

namespace {

std::vector<generated_txn> generate(const generator_config& c) {
    generator g(c);
    std::vector<generated_txn> v;
    generated_txn t;
    while (g.next(t)) v.push_back(t);
    return v;
}

generator_config small_config(uint64_t count, double fraud_rate, uint64_t seed = 7) {
    generator_config c;
    c.seed = seed;
    c.count = count;
    c.fraud_rate = fraud_rate;
    return c;
}

bool same(const clear_txn& a, const clear_txn& b) {
    return a.txn_id == b.txn_id && a.event_time_ms == b.event_time_ms && a.pan == b.pan &&
           a.amount_minor == b.amount_minor && a.currency == b.currency && a.merchant_id == b.merchant_id &&
           a.merchant_name == b.merchant_name && a.city == b.city && a.country == b.country && a.mcc == b.mcc &&
           a.channel == b.channel && a.device_id == b.device_id && a.ip == b.ip && a.email == b.email &&
           a.stan == b.stan && a.rrn == b.rrn && a.terminal_id == b.terminal_id &&
           (a.lat == b.lat || (std::isnan(a.lat) && std::isnan(b.lat)));
}

// USD value of a transaction (the generator's synthetic rates), in cents.
double usd_cents(const generator& g, const clear_txn& t) {
    for (const merchant_profile& m : g.people().merchants())
        if (m.merchant_id == t.merchant_id) {
            const currency_info* c = currency_by_alpha(t.currency);
            return static_cast<double>(t.amount_minor) / std::pow(10.0, c->exponent) / m.per_usd * 100.0;
        }
    return -1;
}

bool has_descriptor(std::string_view name) {
    for (std::string_view d : blocklisted_descriptors)
        if (name.find(d) != std::string_view::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("the same seed gives the same stream, another seed another one", "[unit][txgen]") {
    const auto a = generate(small_config(20000, 0.05, 42));
    const auto b = generate(small_config(20000, 0.05, 42));
    const auto c = generate(small_config(20000, 0.05, 43));
    REQUIRE(a.size() == 20000);
    REQUIRE(b.size() == 20000);
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO("txn " << i);
        REQUIRE(same(a[i].txn, b[i].txn));
        REQUIRE(a[i].label == b[i].label);
        REQUIRE(a[i].scenario_id == b[i].scenario_id);
    }
    std::size_t differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) differ += a[i].txn.pan != c[i].txn.pan;
    CHECK(differ > a.size() * 9 / 10);
}

TEST_CASE("population PANs are unique, Luhn-valid and of several brands", "[unit][txgen]") {
    const population pop(5, 20000, 2000);
    std::unordered_set<std::string> pans;
    std::set<char> first_digits;
    std::set<std::size_t> lengths;
    for (const card_profile& c : pop.cards()) {
        REQUIRE(luhn_valid(c.pan));
        REQUIRE(pan_valid(c.pan.data(), c.pan.size()));
        pans.insert(c.pan);
        first_digits.insert(c.pan[0]);
        lengths.insert(c.pan.size());
        REQUIRE(c.home_city < pop.cities().size());
        REQUIRE(c.typical_usd_cents >= 1000);
        REQUIRE(!c.email.empty());
        REQUIRE(c.device_count >= 1);
    }
    CHECK(pans.size() == 20000);
    CHECK(first_digits.size() >= 4);  // Visa 4, Mastercard 5/2, Amex 3, Discover/UnionPay 6
    CHECK(lengths.count(15) == 1);
    CHECK(lengths.count(16) == 1);
    for (const merchant_profile& m : pop.merchants()) {
        REQUIRE(m.merchant_id.size() == 15);
        REQUIRE(m.name.size() <= 22);
        REQUIRE(m.terminal_count >= 1);
        REQUIRE(population::terminal_id(m, 0).size() == 8);
        REQUIRE(has_descriptor(m.name) == m.blocklisted);
    }
    std::set<std::string_view> usd_only, local;
    for (const merchant_profile& m : pop.merchants()) usd_only.insert(m.currency);
    const population pop_local(5, 2000, 2000, true);
    for (const merchant_profile& m : pop_local.merchants()) {
        local.insert(m.currency);
        REQUIRE(currency_by_alpha(m.currency) != nullptr);
    }
    CHECK(usd_only == std::set<std::string_view>{"USD"});
    CHECK(local.size() >= 6);
    CHECK(!luhn_valid("4111111111111112"));
    CHECK(luhn_valid("4111111111111111"));
}

TEST_CASE("label counts follow the fraud rate exactly and cover every scenario", "[unit][txgen]") {
    generator g(small_config(100000, 0.02));
    std::array<uint64_t, scenario_count> seen{};
    std::set<uint32_t> ids;
    generated_txn t;
    while (g.next(t)) {
        ++seen[static_cast<std::size_t>(t.label)];
        REQUIRE((t.label == scenario::normal) == (t.scenario_id == 0));
        if (t.scenario_id) ids.insert(t.scenario_id);
    }
    uint64_t fraud = 0;
    for (std::size_t i = 1; i < scenario_count; ++i) {
        if (!is_fraud_scenario(static_cast<scenario>(i))) continue;  // spike: only with --spike
        INFO(scenario_names[i]);
        CHECK(seen[i] > 0);
        CHECK(seen[i] == g.planned()[i]);
        fraud += seen[i];
    }
    CHECK(fraud == 2000);
    CHECK(seen[0] == 98000);
    CHECK(ids.size() > 200);

    generator none(small_config(5000, 0.0));
    uint64_t labelled = 0;
    while (none.next(t)) labelled += t.label != scenario::normal;
    CHECK(labelled == 0);

    generator_config only = small_config(20000, 0.05);
    only.enabled.fill(false);
    only.enabled[static_cast<std::size_t>(scenario::high_amount)] = true;
    generator one(only);
    uint64_t high = 0;
    while (one.next(t)) {
        REQUIRE((t.label == scenario::normal || t.label == scenario::high_amount));
        high += t.label == scenario::high_amount;
    }
    CHECK(high == 1000);
}

TEST_CASE("scenarios have the shape their detectors look for", "[unit][txgen]") {
    generator_config cfg = small_config(60000, 0.05, 11);
    cfg.local_currencies = true;  // scenario amounts must hold in USD terms across currencies
    generator g(cfg);
    std::map<uint32_t, std::vector<generated_txn>> inst;
    std::unordered_map<std::string, int> id_uses;
    std::vector<generated_txn> all;
    generated_txn t;
    int64_t last_ms = 0;
    while (g.next(t)) {
        if (t.scenario_id) inst[t.scenario_id].push_back(t);
        ++id_uses[t.txn.txn_id];
        REQUIRE(t.txn.rrn == t.txn.txn_id);
        REQUIRE(t.txn.rrn.size() == 12);
        REQUIRE(t.txn.stan.size() == 6);
        REQUIRE(t.txn.terminal_id.size() == 8);
        REQUIRE(t.txn.merchant_id.size() == 15);
        REQUIRE(pan_valid(t.txn.pan.data(), t.txn.pan.size()));
        if (t.label != scenario::normal || !has_descriptor(t.txn.merchant_name)) {
        } else {
            FAIL("normal txn at a blocklisted merchant: " << t.txn.merchant_name);
        }
        // Event time never goes back, except a duplicate's copy repeating its original.
        const bool copy = t.label == scenario::duplicate && id_uses[t.txn.txn_id] == 2;
        if (!copy) {
            REQUIRE(t.txn.event_time_ms >= last_ms);
            last_ms = t.txn.event_time_ms;
        }
        if (t.label == scenario::normal) {
            REQUIRE(usd_cents(g, t.txn) < 250000.5);
        }
    }
    for (auto& [u, n] : id_uses) REQUIRE(n <= 2);

    std::array<int, scenario_count> instances{};
    for (auto& [id, v] : inst) {
        const scenario s = v[0].label;
        ++instances[static_cast<std::size_t>(s)];
        INFO(scenario_name(s) << " " << format_scenario_id(id));
        for (auto& x : v) REQUIRE(x.label == s);
        for (auto& x : v) REQUIRE(x.card_index == v[0].card_index);
        const int64_t span = v.back().txn.event_time_ms - v.front().txn.event_time_ms;
        switch (s) {
        case scenario::card_testing: {
            REQUIRE(v.size() >= 3);
            std::set<std::string> merchants;
            for (auto& x : v) {
                REQUIRE(x.txn.currency == "USD");
                REQUIRE(x.txn.amount_minor <= 200);
                REQUIRE(x.txn.channel == "ecom");
                merchants.insert(x.txn.merchant_id);
            }
            REQUIRE(merchants.size() == v.size());
            REQUIRE(span <= 10 * 60000);
            break;
        }
        case scenario::impossible_travel: {
            REQUIRE(v.size() == 2);
            REQUIRE(v[0].txn.channel == "pos");
            REQUIRE(v[1].txn.channel == "pos");
            REQUIRE(span <= 3600000);
            const city_info* a = find_city(v[0].txn.city, v[0].txn.country);
            const city_info* b = find_city(v[1].txn.city, v[1].txn.country);
            REQUIRE(a);
            REQUIRE(b);
            REQUIRE(great_circle_km(a->lat, a->lon, b->lat, b->lon) >= 2000);
            break;
        }
        case scenario::amount_velocity: {
            REQUIRE(v.size() >= 3);
            double sum = 0;
            for (auto& x : v) sum += usd_cents(g, x.txn);
            REQUIRE(sum >= 500000);
            REQUIRE(span <= 30 * 60000);
            break;
        }
        case scenario::account_takeover: {
            const card_profile& c = g.people().cards()[v[0].card_index];
            for (auto& x : v) {
                REQUIRE(x.txn.channel == "ecom");
                REQUIRE(x.txn.device_id != c.devices[0]);
                REQUIRE(x.txn.device_id != c.devices[1]);
                REQUIRE(x.txn.email != c.email);
                REQUIRE(x.txn.ip != c.ip);
                REQUIRE(usd_cents(g, x.txn) >= 100000);
            }
            break;
        }
        case scenario::blocklisted_merchant:
            for (auto& x : v) REQUIRE(has_descriptor(x.txn.merchant_name));
            break;
        case scenario::high_amount: {
            REQUIRE(v.size() == 1);
            const card_profile& c = g.people().cards()[v[0].card_index];
            const double usd = usd_cents(g, v[0].txn);
            REQUIRE(usd >= 500000 * 0.999);
            REQUIRE(usd >= 10.0 * static_cast<double>(c.typical_usd_cents) * 0.999);
            break;
        }
        case scenario::duplicate:
            REQUIRE(v.size() == 2);
            REQUIRE(same(v[0].txn, v[1].txn));  // identical txn_id, STAN, RRN, terminal...
            break;
        case scenario::normal:
        case scenario::spike:
            FAIL(scenario_name(s) << " with a fraud scenario id");
        }
    }
    for (std::size_t i = 1; i < scenario_count; ++i) {
        if (!is_fraud_scenario(static_cast<scenario>(i))) continue;  // spike: only with --spike
        INFO(scenario_names[i]);
        CHECK(instances[i] > 5);
    }
}

TEST_CASE("invalid generator configs are refused with the field named", "[unit][txgen]") {
    generator_config c;
    c.count = 0;
    CHECK(validate(c).find("count") != std::string::npos);
    c.count = 10;
    c.fraud_rate = 0.9;
    CHECK(validate(c).find("fraud rate") != std::string::npos);
    CHECK_THROWS_WITH(generator(c), Catch::Contains("fraud rate"));
}

TEST_CASE("feed writer packs messages within per-datagram and MTU limits", "[unit][txgen]") {
    generator g(small_config(3000, 0.01));
    for (payload_format fmt : {payload_format::iso8583, payload_format::json}) {
        for (framing fr : {framing::moldudp64, framing::raw}) {
            memory_output mem;
            line_fanout lines(mem, 7001, false, 0, 1);
            feed_options o;
            o.format = fmt;
            o.frame = fr;
            o.mtu = 576;
            o.per_datagram = 5;
            feed_writer w(o, lines);
            generator gen(small_config(3000, 0.01));
            generated_txn t;
            while (gen.next(t)) w.add(t.txn);
            w.finish();
            INFO("format " << int(fmt) << " framing " << int(fr));
            REQUIRE(w.messages() == 3000);
            uint64_t total = 0, seq = 1;
            for (auto& p : mem.packets) {
                REQUIRE(p.bytes.size() <= 576 - 28);
                uint64_t n = 0;
                if (fr == framing::moldudp64) {
                    mold_header h;
                    REQUIRE(parse_mold_header(p.bytes.data(), p.bytes.size(), h) == reject_reason::none);
                    REQUIRE(h.first_seq == seq);
                    REQUIRE(for_each_mold_message(p.bytes.data(), p.bytes.size(), h,
                                                  [&](uint64_t, const uint8_t*, std::size_t) { ++n; }) ==
                            reject_reason::none);
                    seq += n;
                } else {
                    REQUIRE(for_each_raw_message(p.bytes.data(), p.bytes.size(), fmt,
                                                 [&](uint64_t, const uint8_t*, std::size_t) { ++n; }) ==
                            reject_reason::none);
                }
                REQUIRE(n >= 1);
                REQUIRE(n <= 5);
                total += n;
            }
            REQUIRE(total == 3000);
            REQUIRE(w.datagrams() == mem.packets.size());
        }
    }
}

TEST_CASE("a message larger than the MTU is an error naming --mtu", "[unit][txgen]") {
    memory_output mem;
    line_fanout lines(mem, 7003, false, 0, 1);
    feed_options o;
    o.format = payload_format::json;
    o.mtu = 576;
    feed_writer w(o, lines);
    generator gen(small_config(1, 0));
    generated_txn g;
    REQUIRE(gen.next(g));
    w.add(g.txn);  // fits
    g.txn.merchant_name = std::string(600, 'A');
    CHECK_THROWS_WITH(w.add(g.txn), Catch::Contains("--mtu 576"));
    CHECK(w.messages() == 1);
}

TEST_CASE("MoldUDP64 heartbeats fill idle event time and end-of-session closes", "[unit][txgen]") {
    memory_output mem;
    line_fanout lines(mem, 7001, false, 0, 1);
    feed_options o;
    o.heartbeat_ms = 1000;
    o.end_of_session = true;
    o.per_datagram = 1;
    feed_writer w(o, lines);
    generator gen(small_config(10, 0));
    generated_txn t;
    int64_t at = 1'000'000'000'000;
    for (int i = 0; i < 3; ++i) {
        gen.next(t);
        t.txn.event_time_ms = at + i * 3500;  // 3.5 s apart: 3 heartbeats in each gap
        w.add(t.txn);
    }
    w.finish();
    CHECK(w.heartbeats() == 6);
    std::vector<std::pair<uint64_t, uint16_t>> seen;  // (seq, count)
    for (auto& p : mem.packets) {
        mold_header h;
        REQUIRE(parse_mold_header(p.bytes.data(), p.bytes.size(), h) == reject_reason::none);
        seen.emplace_back(h.first_seq, h.count);
    }
    REQUIRE(seen.size() == 3 + 6 + 1);
    CHECK(seen[0] == std::pair<uint64_t, uint16_t>{1, 1});
    CHECK(seen[1] == std::pair<uint64_t, uint16_t>{2, 0});  // heartbeat announces the next seq
    CHECK(seen[4] == std::pair<uint64_t, uint16_t>{2, 1});
    CHECK(seen.back() == std::pair<uint64_t, uint16_t>{4, mold_end_of_session});

    // With room for 8 per datagram, a partial datagram still leaves before an idle gap.
    memory_output mem8;
    line_fanout lines8(mem8, 7001, false, 0, 1);
    o.per_datagram = 8;
    o.end_of_session = false;
    feed_writer w8(o, lines8);
    generator gen8(small_config(10, 0));
    for (int i = 0; i < 4; ++i) {
        gen8.next(t);
        t.txn.event_time_ms = at + (i < 2 ? 0 : 3500);  // two together, two after a gap
        w8.add(t.txn);
    }
    w8.finish();
    std::vector<uint16_t> counts;
    for (auto& p : mem8.packets) {
        mold_header h;
        REQUIRE(parse_mold_header(p.bytes.data(), p.bytes.size(), h) == reject_reason::none);
        counts.push_back(h.count);
    }
    CHECK(counts == std::vector<uint16_t>{2, 0, 0, 0, 2});
}

TEST_CASE("pcap file layout, byte by byte, on a three-transaction run", "[unit][txgen]") {
    temp_dir dir;
    txgen_options o;
    REQUIRE(parse_args({"--count", "3", "--fraud-rate", "0", "--out", dir.file("t.pcap"), "--quiet"}, o).empty());
    const txgen_result r = run_txgen(o, nullptr);
    REQUIRE(r.messages == 3);
    REQUIRE(r.datagrams == 1);
    const auto f = txgen_test::read_file(dir.file("t.pcap"));
    REQUIRE(f.size() > 24 + 16 + 42 + 20);
    auto le32 = [&](std::size_t at) { return uint32_t(f[at]) | uint32_t(f[at + 1]) << 8 | uint32_t(f[at + 2]) << 16 | uint32_t(f[at + 3]) << 24; };
    auto le16 = [&](std::size_t at) { return uint16_t(f[at] | f[at + 1] << 8); };
    auto be16 = [&](std::size_t at) { return uint16_t(f[at] << 8 | f[at + 1]); };
    // Global header (host order = little-endian here).
    CHECK(le32(0) == 0xa1b2c3d4);
    CHECK(le16(4) == 2);
    CHECK(le16(6) == 4);
    CHECK(le32(8) == 0);
    CHECK(le32(12) == 0);
    CHECK(le32(16) == 65535);
    CHECK(le32(20) == 1);  // LINKTYPE_ETHERNET
    // Record header: timestamp = the datagram's event time, incl == orig == rest of file.
    const uint32_t incl = le32(32);
    CHECK(le32(36) == incl);
    REQUIRE(f.size() == 24 + 16 + incl);
    CHECK(le32(24) == static_cast<uint32_t>(o.gen.start_ms / 1000) + (le32(28) >= 1000000 ? 1 : 0));
    CHECK(le32(28) < 1000000);
    // Ethernet: multicast MAC for 239.10.0.1, IPv4 EtherType.
    const std::size_t e = 40;
    CHECK(f[e] == 0x01);
    CHECK(f[e + 1] == 0x00);
    CHECK(f[e + 2] == 0x5e);
    CHECK(f[e + 5] == 0x01);
    CHECK(be16(e + 12) == 0x0800);
    // IPv4: version/IHL, total length, TTL, protocol, header checksum verifies.
    const std::size_t ip = e + 14;
    CHECK(f[ip] == 0x45);
    CHECK(be16(ip + 2) == incl - 14);
    CHECK(f[ip + 8] == 64);
    CHECK(f[ip + 9] == 17);
    uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2) sum += be16(ip + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    CHECK(sum == 0xffff);
    CHECK(be16(ip + 12) == 0x0a00);  // 10.0.0.1
    CHECK(be16(ip + 16) == 0xef0a);  // 239.10.0.1
    // UDP: ports, length, checksum over the pseudo-header verifies.
    const std::size_t udp = ip + 20;
    CHECK(be16(udp) == 40000);
    CHECK(be16(udp + 2) == 7001);
    const uint16_t udp_len = be16(udp + 4);
    CHECK(udp_len == incl - 14 - 20);
    uint32_t us = 17 + udp_len;
    for (std::size_t i = 12; i < 20; i += 2) us += be16(ip + i);
    for (std::size_t i = 0; i + 1 < udp_len; i += 2) us += be16(udp + i);
    if (udp_len & 1) us += uint32_t(f[udp + udp_len - 1]) << 8;
    while (us >> 16) us = (us & 0xffff) + (us >> 16);
    CHECK(us == 0xffff);
    // MoldUDP64: session, first sequence 1, three messages that decode.
    const uint8_t* pay = f.data() + udp + 8;
    mold_header h;
    REQUIRE(parse_mold_header(pay, udp_len - 8, h) == reject_reason::none);
    CHECK(std::string(h.session, 10) == "TXGEN00001");
    CHECK(h.first_seq == 1);
    CHECK(h.count == 3);
    const pan_tokenizer tok(std::string("0123456789abcdef0123456789ABCDEF"));
    iso_decode_context ctx{&tok, &builtin_wire("binary"), o.gen.start_ms};
    std::vector<std::string> rrns;
    CHECK(for_each_mold_message(pay, udp_len - 8, h, [&](uint64_t, const uint8_t* m, std::size_t n) {
              Txn t;
              REQUIRE(decode_iso8583(m, n, ctx, t) == reject_reason::none);
              rrns.emplace_back(t.rrn);
          }) == reject_reason::none);
    CHECK(rrns == std::vector<std::string>{"000000000001", "000000000002", "000000000003"});
    // Labels next to the pcap.
    std::ifstream labels(dir.file("t.pcap.labels.csv"));
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(labels, line)) lines.push_back(line);
    CHECK(lines == std::vector<std::string>{"txn_id,label,scenario_id", "000000000001,normal,",
                                            "000000000002,normal,", "000000000003,normal,"});
}

TEST_CASE("A/B lines carry the same datagrams and drop independently", "[unit][txgen]") {
    memory_output mem;
    const double p = 0.2;
    line_fanout lines(mem, 7001, true, p, 99);
    feed_options o;
    o.per_datagram = 1;
    feed_writer w(o, lines);
    generator gen(small_config(20000, 0));
    generated_txn t;
    while (gen.next(t)) w.add(t.txn);
    w.finish();
    std::map<uint64_t, std::vector<uint8_t>> a, b;
    for (auto& pk : mem.packets) {
        mold_header h;
        REQUIRE(parse_mold_header(pk.bytes.data(), pk.bytes.size(), h) == reject_reason::none);
        REQUIRE((pk.port == 7001 || pk.port == 7101));
        (pk.port == 7001 ? a : b)[h.first_seq] = pk.bytes;
    }
    const double n = 20000;
    uint64_t both = 0, only_a = 0, only_b = 0, neither = 0;
    for (uint64_t s = 1; s <= 20000; ++s) {
        const bool in_a = a.count(s), in_b = b.count(s);
        if (in_a && in_b) {
            ++both;
            REQUIRE(a[s] == b[s]);  // same contents, same sequence number
        } else if (in_a) ++only_a;
        else if (in_b) ++only_b;
        else ++neither;
    }
    CHECK(lines.dropped_a() == only_b + neither);
    CHECK(lines.dropped_b() == only_a + neither);
    // Independent drops: each line loses ~p, both lose ~p^2 (4 sigma bounds).
    auto near = [&](double got, double q) { return std::abs(got - n * q) < 4 * std::sqrt(n * q * (1 - q)); };
    CHECK(near(static_cast<double>(lines.dropped_a()), p));
    CHECK(near(static_cast<double>(lines.dropped_b()), p));
    CHECK(near(static_cast<double>(neither), p * p));
    CHECK(near(static_cast<double>(both), (1 - p) * (1 - p)));
}

TEST_CASE("--from-jsonl reads the JSON payload keys and names file and line on errors", "[unit][txgen]") {
    temp_dir dir;
    const std::string path = dir.file("in.jsonl");
    {
        std::ofstream f(path);
        f << R"({"txn_id":"a1","ts":"2026-11-01T10:00:00.250Z","card":"4111111111111111","amount":12.5,"currency":"USD","merchant_id":"M1","merchant_name":"SHOP","mcc":5411,"country":"US","city":"New York","lat":40.7,"lon":-74.0,"channel":"pos","extra":{"x":1}})"
          << "\n\n"
          << R"({"txn_id":"a2","ts":1793491200000,"card_id":"c-9","amount":"1500","currency":"JPY","merchant_id":"M2","channel":"ecom","device_id":"d1","ip":"1.2.3.4","email":"a@b.example","label":"card_testing","scenario_id":"S000001"})"
          << "\n"
          << R"({"txn_id":"a3","ts":"yesterday","card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M"})"
          << "\n";
    }
    jsonl_reader r(path);
    jsonl_record rec;
    REQUIRE(r.next(rec));
    CHECK(rec.txn.txn_id == "a1");
    CHECK(rec.txn.event_time_ms == 1793527200250);
    CHECK(rec.txn.amount_minor == 1250);
    CHECK(rec.txn.mcc == 5411);
    CHECK(rec.txn.lat == Approx(40.7));
    CHECK(rec.label == "normal");
    REQUIRE(r.next(rec));
    CHECK(r.line() == 3);  // the blank line is skipped but counted
    CHECK(rec.txn.card_id == "c-9");
    CHECK(rec.txn.amount_minor == 1500);  // JPY has no minor unit
    CHECK(rec.txn.event_time_ms == 1793491200000);
    CHECK(rec.txn.channel == "ecom");
    CHECK(rec.label == "card_testing");
    CHECK(rec.scenario_id == "S000001");
    CHECK_THROWS_WITH(r.next(rec), Catch::Contains(path + ":4:") && Catch::Contains("\"ts\""));

    struct bad {
        const char* line;
        const char* says;
    } cases[] = {
        {R"(not json)", "not a JSON object"},
        {R"({"ts":1,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M"})", "\"txn_id\""},
        {R"({"txn_id":"x","ts":1,"amount":1,"currency":"USD","merchant_id":"M"})", "\"card\" or \"card_id\""},
        {R"({"txn_id":"x","ts":1,"card":"41x1","amount":1,"currency":"USD","merchant_id":"M"})", "12-19 digits"},
        {R"({"txn_id":"x","ts":1,"card":"4111111111111111","amount":1.234,"currency":"USD","merchant_id":"M"})", "\"amount\""},
        {R"({"txn_id":"x","ts":1,"card":"4111111111111111","amount":1,"currency":"XYZ","merchant_id":"M"})", "ISO 4217"},
        {R"({"txn_id":"x","ts":1,"card":"4111111111111111","amount":1,"currency":"USD"})", "\"merchant_id\""},
        {R"({"txn_id":"x","ts":1,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M","channel":"moto"})", "pos, ecom or atm"},
        {R"({"txn_id":"x","ts":1,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M","mcc":"abc"})", "\"mcc\""},
        {R"({"txn_id":7,"ts":1,"card":"4111111111111111","amount":1,"currency":"USD","merchant_id":"M"})", "\"txn_id\" must be a string"},
    };
    for (const bad& c : cases) {
        const std::string p2 = dir.file("bad.jsonl");
        std::ofstream(p2) << "\n" << c.line << "\n";
        jsonl_reader rb(p2);
        INFO(c.line);
        CHECK_THROWS_WITH(rb.next(rec), Catch::Contains(p2 + ":2:") && Catch::Contains(c.says));
    }
    CHECK_THROWS_WITH(jsonl_reader(dir.file("missing.jsonl")), Catch::Contains("missing.jsonl"));
}

TEST_CASE("decimal amounts convert exactly to minor units", "[unit][txgen]") {
    int64_t v;
    CHECK((parse_amount_minor("12.34", 2, v) && v == 1234));
    CHECK((parse_amount_minor("0.1", 2, v) && v == 10));
    CHECK((parse_amount_minor("7", 3, v) && v == 7000));
    CHECK((parse_amount_minor("1.500", 2, v) && v == 150));
    CHECK(!parse_amount_minor("1.234", 2, v));
    CHECK(!parse_amount_minor("-1", 2, v));
    CHECK(!parse_amount_minor("1e3", 2, v));
    CHECK(!parse_amount_minor("", 2, v));
}

TEST_CASE("RFC 3339 start times parse and format", "[unit][txgen]") {
    int64_t ms;
    REQUIRE(parse_rfc3339_ms("2026-11-01T00:00:00Z", ms));
    CHECK(ms == 1793491200000);
    REQUIRE(parse_rfc3339_ms("2026-11-01T02:00:00.5+02:00", ms));
    CHECK(ms == 1793491200500);
    CHECK(!parse_rfc3339_ms("2026-02-30T00:00:00Z", ms));
    CHECK(!parse_rfc3339_ms("2026-11-01T00:00:00", ms));
    CHECK(format_rfc3339_ms(1793491200500) == "2026-11-01T00:00:00.500Z");
}

TEST_CASE("command-line errors name the option", "[unit][txgen]") {
    auto err = [](std::vector<std::string> a) {
        txgen_options o;
        return parse_args(a, o);
    };
    CHECK(err({"--out", "x.pcap"}).empty());
    CHECK_THAT(err({}), Catch::Contains("--out"));
    CHECK_THAT(err({"--out", "x", "--udp", "h:1"}), Catch::Contains("exactly one"));
    CHECK_THAT(err({"--out", "x", "--format", "xml"}), Catch::Contains("--format"));
    CHECK(err({"--out", "x", "--dialect", "ebcdic"}).empty());  // every shipped dialect by name
    CHECK(err({"--out", "x", "--dialect", "iso93-ascii"}).empty());
    CHECK_THAT(err({"--out", "x", "--dialect", "ebcdic2"}), Catch::Contains("--dialect") && Catch::Contains("ebcdic2"));
    CHECK_THAT(err({"--out", "x", "--dialect", "no/such/file.toml"}), Catch::Contains("no/such/file.toml"));
    CHECK_THAT(err({"--out", "x", "--format", "json", "--dialect", "hex"}), Catch::Contains("iso8583 only"));
    CHECK_THAT(err({"--out", "x", "--count", "0"}), Catch::Contains("--count"));
    CHECK_THAT(err({"--out", "x", "--count"}), Catch::Contains("--count") && Catch::Contains("missing"));
    CHECK_THAT(err({"--out", "x", "--count", "1.9"}), Catch::Contains("--count: '1.9' is not a whole number"));
    CHECK_THAT(err({"--out", "x", "--count=0x10"}), Catch::Contains("--count: '0x10' is not a whole number"));
    CHECK_THAT(err({"--out", "x", "--mtu", "1500.5"}), Catch::Contains("--mtu"));
    CHECK_THAT(err({"--out", "x", "--event-rate", "0"}), Catch::Contains("--event-rate"));
    CHECK_THAT(err({"--out", "x", "--port", "65500"}), Catch::Contains("--port"));
    CHECK_THAT(err({"--out", "x", "--src-ip", "10.0.0"}), Catch::Contains("--src-ip"));
    CHECK_THAT(err({"--out", "x", "--fraud-rate", "2"}), Catch::Contains("--fraud-rate"));
    CHECK_THAT(err({"--out", "x", "--ab-drop-rate", "1"}), Catch::Contains("--ab-drop-rate"));
    CHECK_THAT(err({"--out", "x", "--mtu", "100"}), Catch::Contains("--mtu"));
    CHECK_THAT(err({"--out", "x", "--per-datagram", "0"}), Catch::Contains("--per-datagram"));
    CHECK_THAT(err({"--out", "x", "--session", "ELEVENCHARS"}), Catch::Contains("--session"));
    CHECK_THAT(err({"--out", "x", "--scenarios", "card_testing,bogus"}), Catch::Contains("bogus"));
    CHECK_THAT(err({"--out", "x", "--start", "tomorrow"}), Catch::Contains("--start"));
    CHECK_THAT(err({"--udp", "nohost"}), Catch::Contains("HOST:PORT"));
    CHECK_THAT(err({"--out", "x", "--rate", "10"}), Catch::Contains("--udp only"));
    CHECK_THAT(err({"--out", "x", "--bogus"}), Catch::Contains("--bogus"));
    txgen_options o;
    REQUIRE(parse_args({"--count", "2M", "--out", "f.pcap", "--format", "json", "--framing", "raw"}, o).empty());
    CHECK(o.gen.count == 2000000);
    CHECK(o.labels_path == "f.pcap.labels.csv");
    CHECK(o.feed.format == payload_format::json);
    CHECK(o.feed.frame == framing::raw);
    txgen_options eq;  // --opt=value is --opt value
    REQUIRE(parse_args({"--count=010", "--seed=3", "--mtu=9000", "--out=f.pcap", "--no-labels"}, eq).empty());
    CHECK(eq.gen.count == 10);  // decimal, not octal
    CHECK(eq.gen.seed == 3);
    CHECK(eq.feed.mtu == 9000);
    CHECK(eq.out_path == "f.pcap");
    CHECK(eq.labels_path.empty());
    txgen_options asked;
    REQUIRE(parse_args({"--version"}, asked).empty());
    CHECK(asked.version);
    REQUIRE(parse_args({"--help"}, asked).empty());
    CHECK(asked.help);
    const std::string help = usage();
    for (const char* opt : {"--count", "--seed", "--start", "--event-rate", "--cards", "--merchants", "--fraud-rate", "--local-currencies",
                            "--scenarios", "--format", "--dialect", "--framing", "--session", "--first-seq",
                            "--per-datagram", "--mtu", "--heartbeat-ms", "--end-of-session", "--port",
                            "--ab-drop-rate", "--out", "--labels", "--no-labels", "--src-ip", "--dst-ip", "--udp",
                            "--rate", "--from-jsonl", "--quiet", "--help", "--version"})
        CHECK_THAT(help, Catch::Contains(opt));
}
