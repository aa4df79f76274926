// Acceptance: txgen writes a feed to a pcap; reading it back with libpcap, unwrapping
// the framing and decoding every message with txscreen's decoders yields exactly the
// generated transactions (counts, contiguous sequence numbers, zero rejects, labels),
// and a sample matches the in-process regenerated clear_txns field by field.
#include <catch2/catch.hpp>
#include <pcap/pcap.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "codec/feed_defaults.h"
#include "codec/framing.h"
#include "codec/iso8583.h"
#include "codec/iso_wire.h"
#include "codec/json_decode.h"
#include "common/currency.h"
#include "common/pan_scrub.h"
#include "common/pan_token.h"
#include "tests/tools/txgen_test_util.h"
#include "tools/txgen/generator.h"
#include "tools/txgen/txgen_cli.h"
#include "tools/txgen/txgen_run.h"

using namespace txscreen;
using namespace txscreen::txgen;

namespace {

const pan_tokenizer& test_tokenizer() {
    static const pan_tokenizer tok(std::string("txgen-roundtrip-key-0123456789ab"));
    return tok;
}

std::string_view trimmed(std::string_view s, std::size_t max) {
    s = s.substr(0, std::min(max, s.size()));
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

// A text as the decoders store it: PAN-shaped runs masked (docs/feeds.md, "PANs in free
// text"). txgen's device ids are 16 hex digits: about 1 in 2000 is all decimal digits,
// and 1 in 10 of those passes Luhn.
std::string stored(std::string s) {
    scrub_pans(s.data(), s.size());
    return s;
}

// A shipped dialect file by path (src/codec/dialects/NAME.toml), the way a config names one.
std::string dialect_file(const std::string& name) {
    const char* root = std::getenv("TXSCREEN_SOURCE_ROOT");
    return std::string(root ? root : "..") + "/src/codec/dialects/" + name + ".toml";
}

// Field-by-field comparison of a decoded Txn with what the generator produced. An
// ISO 8583:1993 dialect's default map has no entry mode or condition code (its 22 and 25
// mean other things), so e-commerce reads as pos there; its MTI carries version 1.
void check_fields(const clear_txn& c, const Txn& t, payload_format fmt, bool iso1993 = false) {
    INFO("txn " << c.txn_id);
    uint8_t token[card_token_bytes];
    test_tokenizer().tokenize_pan(c.pan.data(), c.pan.size(), token);
    CHECK(std::memcmp(token, t.card_token, card_token_bytes) == 0);
    CHECK(std::string_view(t.card_bin) == std::string_view(c.pan).substr(0, c.pan.size() >= 16 ? 8 : 6));
    CHECK(std::string_view(t.card_last4) == std::string_view(c.pan).substr(c.pan.size() - 4));
    CHECK(t.pan_len == c.pan.size());
    CHECK(t.amount_minor == c.amount_minor);
    const currency_info* cur = currency_by_alpha(c.currency);
    REQUIRE(cur);
    CHECK(t.currency == cur->numeric);
    CHECK(t.currency_exponent == cur->exponent);
    CHECK(t.mcc == c.mcc);
    const channel want = c.channel == "ecom" && !iso1993 ? channel::ecom
                         : c.channel == "atm"                ? channel::atm
                                                             : channel::pos;
    CHECK(t.chan == want);
    CHECK(std::string_view(t.country) == c.country);
    CHECK(t.merchant_id.view() == stored(c.merchant_id));
    CHECK(t.device_id.view() == stored(c.device_id));
    CHECK(t.ip.view() == stored(c.ip));
    CHECK(t.email.view() == stored(c.email));
    if (fmt == payload_format::iso8583) {
        CHECK(t.event_time_ms == c.event_time_ms / 1000 * 1000);  // field 7 keeps seconds
        CHECK(std::string_view(t.stan) == c.stan);
        CHECK(std::string_view(t.rrn) == c.rrn);
        CHECK(t.terminal_id.view() == c.terminal_id);
        CHECK(t.acquirer_id.view() == c.acquirer_id);
        CHECK(t.merchant_name.view() == trimmed(c.merchant_name, 22));
        CHECK(t.city.view() == trimmed(c.city, 13));
        CHECK(t.expiry_yymm == c.expiry_yymm);
        CHECK(t.mti == (iso1993 ? 1200 : 200));
    } else {
        CHECK(t.event_time_ms == c.event_time_ms);
        CHECK(t.txn_id.view() == c.txn_id);
        CHECK(t.merchant_name.view() == c.merchant_name);
        CHECK(t.city.view() == c.city);
        CHECK(t.has_coords() == !std::isnan(c.lat));
        if (!std::isnan(c.lat)) {
            CHECK(t.lat == Approx(c.lat).margin(1e-4));
            CHECK(t.lon == Approx(c.lon).margin(1e-4));
        }
    }
}

struct roundtrip_result {
    uint64_t packets = 0, decoded = 0, rejects = 0, compared = 0, label_rows = 0;
};

// Generates `count` transactions with txgen's run (the binary's code path) into a pcap,
// then reads it back and checks every message against a regenerated stream.
roundtrip_result roundtrip(uint64_t count, const std::string& format, const std::string& framing_name,
                           const std::string& dialect, uint64_t sample_every, bool local_currencies = true) {
    txgen_test::temp_dir dir;
    txgen_options o;
    std::vector<std::string> args = {"--count", std::to_string(count), "--seed", "2026", "--format", format,
                                     "--framing", framing_name, "--out", dir.file("feed.pcap"), "--quiet"};
    if (!dialect.empty()) args.insert(args.end(), {"--dialect", dialect});
    if (local_currencies) args.push_back("--local-currencies");  // JPY (0 digits) etc. on the wire
    REQUIRE(parse_args(args, o).empty());
    const txgen_result r = run_txgen(o, nullptr);
    REQUIRE(r.messages == count);

    const payload_format fmt = o.feed.format;
    const bool mold = o.feed.frame == framing::moldudp64;
    const uint16_t port = default_feed_port(fmt, o.feed.frame);

    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t* pc = pcap_open_offline(dir.file("feed.pcap").c_str(), errbuf);
    REQUIRE(pc != nullptr);
    CHECK(pcap_datalink(pc) == DLT_EN10MB);

    generator regen(o.gen);  // same config, same seed: the same stream
    std::ifstream labels(o.labels_path);
    std::string row;
    REQUIRE(std::getline(labels, row));
    CHECK(row == "txn_id,label,scenario_id");

    json_decoder jdec(test_tokenizer());
    REQUIRE((fmt == payload_format::json || o.feed.wire));
    const iso_decode_context ctx{&test_tokenizer(), o.feed.wire.get(), o.gen.start_ms};
    const bool iso1993 = o.feed.wire && o.feed.wire->dialect.standard == "iso8583-1993";
    roundtrip_result res;
    uint64_t expected_seq = 1;
    generated_txn g;
    Txn t;
    pcap_pkthdr* hdr;
    const u_char* data;
    int rc;
    auto be16 = [](const u_char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); };
    auto on_message = [&](uint64_t seq, const uint8_t* msg, std::size_t len) {
        if (mold) {
            REQUIRE(seq == expected_seq);  // contiguous across datagrams
            ++expected_seq;
        }
        const reject_reason rr = fmt == payload_format::iso8583
                                     ? decode_iso8583(msg, len, ctx, t)
                                     : jdec.decode(reinterpret_cast<const char*>(msg), len, t);
        if (rr != reject_reason::none) {
            ++res.rejects;
            FAIL_CHECK("reject " << reject_name(rr) << " at message " << res.decoded + res.rejects);
            return;
        }
        ++res.decoded;
        REQUIRE(regen.next(g));
        // Identity on every message; all fields on a sample.
        if (fmt == payload_format::iso8583) REQUIRE(std::string_view(t.rrn) == g.txn.rrn);
        else REQUIRE(t.txn_id.view() == g.txn.txn_id);
        REQUIRE(std::getline(labels, row));
        ++res.label_rows;
        const std::string want = g.txn.rrn + "," + std::string(scenario_name(g.label)) + "," +
                                 format_scenario_id(g.scenario_id);
        REQUIRE(row == want);
        if (res.decoded % sample_every == 1 || g.label != scenario::normal) {
            check_fields(g.txn, t, fmt, iso1993);
            ++res.compared;
        }
    };
    while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
        ++res.packets;
        REQUIRE(hdr->caplen == hdr->len);
        REQUIRE(hdr->caplen >= 42);
        REQUIRE(be16(data + 12) == 0x0800);  // IPv4, untagged
        const u_char* ip = data + 14;
        REQUIRE((ip[0] >> 4) == 4);
        const std::size_t ihl = (ip[0] & 15u) * 4;
        REQUIRE(be16(ip + 2) == hdr->caplen - 14);
        REQUIRE(ip[9] == 17);
        const u_char* udp = ip + ihl;
        REQUIRE(be16(udp + 2) == port);
        const std::size_t udp_len = be16(udp + 4);
        REQUIRE(udp_len == hdr->caplen - 14 - ihl);
        const uint8_t* pay = udp + 8;
        const std::size_t n = udp_len - 8;
        if (mold) {
            mold_header h;
            REQUIRE(parse_mold_header(pay, n, h) == reject_reason::none);
            REQUIRE(std::string(h.session, 10) == "TXGEN00001");
            REQUIRE(h.first_seq == expected_seq);
            REQUIRE(for_each_mold_message(pay, n, h, on_message) == reject_reason::none);
        } else {
            REQUIRE(for_each_raw_message(pay, n, fmt, on_message) == reject_reason::none);
        }
    }
    CHECK(rc == PCAP_ERROR_BREAK);  // end of file, not a read error
    pcap_close(pc);
    CHECK_FALSE(regen.next(g));     // nothing generated that the pcap lacks
    CHECK_FALSE(std::getline(labels, row));
    if (mold) CHECK(expected_seq == count + 1);
    CHECK(res.packets == r.datagrams);
    return res;
}

}  // namespace

TEST_CASE("1M ISO 8583 transactions over MoldUDP64 decode back exactly", "[integration][txgen]") {
    // The binary dialect loaded from its file, as a feed naming the file would load it.
    const roundtrip_result r = roundtrip(1'000'000, "iso8583", "moldudp64", dialect_file("binary"), 997, false);
    CHECK(r.decoded == 1'000'000);
    CHECK(r.label_rows == 1'000'000);
    CHECK(r.rejects == 0);
    CHECK(r.compared > 1000);
}

TEST_CASE("JSON over raw framing decodes back exactly", "[roundtrip][txgen]") {
    const roundtrip_result r = roundtrip(40'000, "json", "raw", "", 97);
    CHECK(r.decoded == 40'000);
    CHECK(r.rejects == 0);
}

TEST_CASE("JSON over MoldUDP64 decodes back exactly", "[roundtrip][txgen]") {
    const roundtrip_result r = roundtrip(20'000, "json", "moldudp64", "", 97);
    CHECK(r.decoded == 20'000);
    CHECK(r.rejects == 0);
}

TEST_CASE("every shipped ISO 8583 dialect decodes back exactly", "[roundtrip][txgen]") {
    for (const char* d : {"hex", "bcd", "ebcdic"}) {
        INFO("dialect " << d);
        const roundtrip_result r = roundtrip(40'000, "iso8583", "moldudp64", d, 97);
        CHECK(r.decoded == 40'000);
        CHECK(r.rejects == 0);
    }
    const roundtrip_result raw = roundtrip(20'000, "iso8583", "raw", "binary", 97);
    CHECK(raw.decoded == 20'000);
    CHECK(raw.rejects == 0);
    INFO("dialect file " << dialect_file("ebcdic"));  // by file as well as by name
    const roundtrip_result file = roundtrip(10'000, "iso8583", "raw", dialect_file("ebcdic"), 97);
    CHECK(file.decoded == 10'000);
    CHECK(file.rejects == 0);
}

// 1993's field 43 is LLVAR; its default map reads name and city as slices of it
// (43[0:22], 43[22:35]), which come back trimmed of their padding like 1987's.
TEST_CASE("ISO 8583:1993 (iso93-ascii) decodes back exactly", "[roundtrip][txgen]") {
    for (const std::string& d : {std::string("iso93-ascii"), dialect_file("iso93-ascii")}) {
        INFO("dialect " << d);
        const roundtrip_result r = roundtrip(20'000, "iso8583", "moldudp64", d, 97);
        CHECK(r.decoded == 20'000);
        CHECK(r.rejects == 0);
    }
}
