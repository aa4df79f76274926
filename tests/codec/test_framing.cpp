#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "codec/framing.h"

using namespace txscreen;

namespace {

using bytes = std::vector<uint8_t>;

struct delivered {
    uint64_t seq;
    std::string msg;
};

struct mold_result {
    reject_reason header;
    reject_reason body;
    mold_header h;
    std::vector<delivered> msgs;
};

mold_result parse_mold(const bytes& d) {
    mold_result r{};
    r.header = parse_mold_header(d.data(), d.size(), r.h);
    r.body = reject_reason::none;
    if (r.header != reject_reason::none) return r;
    r.body = for_each_mold_message(d.data(), d.size(), r.h, [&](uint64_t seq, const uint8_t* m, std::size_t n) {
        r.msgs.push_back({seq, std::string(reinterpret_cast<const char*>(m), n)});
    });
    return r;
}

std::pair<reject_reason, std::vector<delivered>> parse_raw(const bytes& d, payload_format fmt) {
    std::vector<delivered> msgs;
    reject_reason r = for_each_raw_message(d.data(), d.size(), fmt, [&](uint64_t seq, const uint8_t* m, std::size_t n) {
        msgs.push_back({seq, std::string(reinterpret_cast<const char*>(m), n)});
    });
    return {r, msgs};
}

bytes from(std::string_view s) { return bytes(s.begin(), s.end()); }

void append(bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

// Hand-written MoldUDP64 datagram, session "SESS01" (padded), seq 0x0102030405060708,
// two messages "abc" and "hello".
bytes hand_datagram() {
    bytes d = from("SESS01    ");
    for (uint8_t b : {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}) d.push_back(b);
    d.push_back(0x00);
    d.push_back(0x02);  // count 2
    d.push_back(0x00);
    d.push_back(0x03);
    append(d, "abc");
    d.push_back(0x00);
    d.push_back(0x05);
    append(d, "hello");
    return d;
}

}  // namespace

TEST_CASE("MoldUDP64 builder emits the exact header and message layout", "[unit][framing]") {
    bytes d;
    mold_begin(d, "SESS01", 0x0102030405060708ULL);
    CHECK(d.size() == mold_header_len);
    mold_append(d, reinterpret_cast<const uint8_t*>("abc"), 3);
    mold_append(d, reinterpret_cast<const uint8_t*>("hello"), 5);
    CHECK(d == hand_datagram());
    CHECK(d.size() == 20 + 2 + 3 + 2 + 5);
}

TEST_CASE("MoldUDP64 parser reads session, sequence, count and messages", "[unit][framing]") {
    mold_result r = parse_mold(hand_datagram());
    REQUIRE(r.header == reject_reason::none);
    CHECK(std::string(r.h.session, 10) == "SESS01    ");
    CHECK(r.h.first_seq == 0x0102030405060708ULL);
    CHECK(r.h.count == 2);
    CHECK(r.body == reject_reason::none);
    REQUIRE(r.msgs.size() == 2);
    CHECK(r.msgs[0].seq == 0x0102030405060708ULL);
    CHECK(r.msgs[0].msg == "abc");
    CHECK(r.msgs[1].seq == 0x0102030405060709ULL);
    CHECK(r.msgs[1].msg == "hello");
}

TEST_CASE("MoldUDP64 session longer than 10 bytes is cut; binary payloads survive", "[unit][framing]") {
    bytes d;
    mold_begin(d, "ABCDEFGHIJKLMN", 7);
    const uint8_t bin[] = {0x00, 0xFF, '\n', 0x00};
    mold_append(d, bin, sizeof bin);
    mold_result r = parse_mold(d);
    CHECK(std::string(r.h.session, 10) == "ABCDEFGHIJ");
    REQUIRE(r.msgs.size() == 1);
    CHECK(r.msgs[0].seq == 7);
    CHECK(r.msgs[0].msg == std::string("\x00\xFF\n\x00", 4));
}

TEST_CASE("MoldUDP64 heartbeat and end of session deliver nothing", "[unit][framing]") {
    bytes hb;
    mold_control(hb, "S1", 1234, 0);
    REQUIRE(hb.size() == mold_header_len);
    CHECK(hb[18] == 0x00);
    CHECK(hb[19] == 0x00);
    mold_result r = parse_mold(hb);
    CHECK(r.header == reject_reason::none);
    CHECK(r.body == reject_reason::none);
    CHECK(r.h.count == 0);
    CHECK(r.h.first_seq == 1234);  // a heartbeat announces the next expected sequence
    CHECK(r.msgs.empty());

    bytes eos;
    mold_control(eos, "S1", 1234, mold_end_of_session);
    CHECK(eos[18] == 0xFF);
    CHECK(eos[19] == 0xFF);
    r = parse_mold(eos);
    CHECK(r.body == reject_reason::none);
    CHECK(r.h.count == 0xFFFF);
    CHECK(r.msgs.empty());
}

TEST_CASE("MoldUDP64 rejects: each reason, messages before the error delivered", "[unit][framing]") {
    SECTION("frame_truncated: shorter than the 20-byte header") {
        bytes d = hand_datagram();
        d.resize(19);
        mold_header h;
        CHECK(parse_mold_header(d.data(), d.size(), h) == reject_reason::frame_truncated);
        CHECK(parse_mold_header(d.data(), 0, h) == reject_reason::frame_truncated);
    }
    SECTION("frame_bad_length: second message runs past the end") {
        bytes d = hand_datagram();
        d.pop_back();  // "hell"
        mold_result r = parse_mold(d);
        CHECK(r.body == reject_reason::frame_bad_length);
        REQUIRE(r.msgs.size() == 1);
        CHECK(r.msgs[0].msg == "abc");
    }
    SECTION("frame_count_mismatch: count says 3, datagram holds 2") {
        bytes d = hand_datagram();
        d[19] = 3;
        mold_result r = parse_mold(d);
        CHECK(r.body == reject_reason::frame_count_mismatch);
        CHECK(r.msgs.size() == 2);
    }
    SECTION("frame_count_mismatch: only one byte of the next length prefix") {
        bytes d = hand_datagram();
        d[19] = 3;
        d.push_back(0x00);
        mold_result r = parse_mold(d);
        CHECK(r.body == reject_reason::frame_count_mismatch);
        CHECK(r.msgs.size() == 2);
    }
    SECTION("frame_trailing_bytes: count says 1, two messages follow") {
        bytes d = hand_datagram();
        d[19] = 1;
        mold_result r = parse_mold(d);
        CHECK(r.body == reject_reason::frame_trailing_bytes);
        REQUIRE(r.msgs.size() == 1);
        CHECK(r.msgs[0].msg == "abc");
    }
    SECTION("frame_empty_message: zero length after a good message") {
        bytes d;
        mold_begin(d, "S", 10);
        mold_append(d, reinterpret_cast<const uint8_t*>("x"), 1);
        d.push_back(0);
        d.push_back(0);
        d[19] = 2;
        mold_result r = parse_mold(d);
        CHECK(r.body == reject_reason::frame_empty_message);
        REQUIRE(r.msgs.size() == 1);
        CHECK(r.msgs[0].seq == 10);
    }
}

TEST_CASE("raw ISO 8583 framing: 2-byte big-endian length prefix per message", "[unit][framing]") {
    bytes d;
    raw_append(d, payload_format::iso8583, reinterpret_cast<const uint8_t*>("0200abc"), 7);
    std::string big(300, 'z');
    raw_append(d, payload_format::iso8583, reinterpret_cast<const uint8_t*>(big.data()), big.size());
    REQUIRE(d.size() == 2 + 7 + 2 + 300);
    CHECK(d[0] == 0x00);
    CHECK(d[1] == 0x07);
    CHECK(d[9] == 0x01);  // 300 = 0x012C
    CHECK(d[10] == 0x2C);

    auto [r, msgs] = parse_raw(d, payload_format::iso8583);
    CHECK(r == reject_reason::none);
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].msg == "0200abc");
    CHECK(msgs[0].seq == 0);
    CHECK(msgs[1].msg == big);

    SECTION("frame_truncated: datagram under 2 bytes") {
        bytes one{0x00};
        CHECK(parse_raw(one, payload_format::iso8583).first == reject_reason::frame_truncated);
        CHECK(parse_raw(bytes{}, payload_format::iso8583).first == reject_reason::frame_truncated);
    }
    SECTION("frame_bad_length: last message cut short") {
        bytes cut = d;
        cut.pop_back();
        auto [r2, m2] = parse_raw(cut, payload_format::iso8583);
        CHECK(r2 == reject_reason::frame_bad_length);
        CHECK(m2.size() == 1);
    }
    SECTION("frame_trailing_bytes: one stray byte after the last message") {
        bytes extra = d;
        extra.push_back(0x00);
        auto [r2, m2] = parse_raw(extra, payload_format::iso8583);
        CHECK(r2 == reject_reason::frame_trailing_bytes);
        CHECK(m2.size() == 2);
    }
    SECTION("frame_empty_message: zero length prefix") {
        bytes z = d;
        z.push_back(0);
        z.push_back(0);
        auto [r2, m2] = parse_raw(z, payload_format::iso8583);
        CHECK(r2 == reject_reason::frame_empty_message);
        CHECK(m2.size() == 2);
    }
}

TEST_CASE("raw JSON framing: newline separated, blank lines skipped", "[unit][framing]") {
    bytes d;
    raw_append(d, payload_format::json, reinterpret_cast<const uint8_t*>("{\"a\":1}"), 7);
    raw_append(d, payload_format::json, reinterpret_cast<const uint8_t*>("{\"b\":2}"), 7);
    CHECK(d == from("{\"a\":1}\n{\"b\":2}\n"));

    auto [r, msgs] = parse_raw(d, payload_format::json);
    CHECK(r == reject_reason::none);
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].msg == "{\"a\":1}");
    CHECK(msgs[1].msg == "{\"b\":2}");

    // No trailing newline, blank lines in between and at the start.
    auto [r2, m2] = parse_raw(from("\n{\"a\":1}\n\n\n{\"b\":2}"), payload_format::json);
    CHECK(r2 == reject_reason::none);
    REQUIRE(m2.size() == 2);
    CHECK(m2[0].msg == "{\"a\":1}");
    CHECK(m2[1].msg == "{\"b\":2}");

    // Only newlines, or nothing: no messages, no error.
    CHECK(parse_raw(from("\n\n"), payload_format::json).second.empty());
    CHECK(parse_raw(bytes{}, payload_format::json).second.empty());
    CHECK(parse_raw(bytes{}, payload_format::json).first == reject_reason::none);
}
