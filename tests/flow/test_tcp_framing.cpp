#include <catch2/catch.hpp>

#include "flow/tcp_framing.h"
#include "test_tcp_support.h"

using namespace txscreen;
using namespace txscreen::tcptest;

TEST_CASE("framing names and length prefixes", "[unit][tcp]") {
    tcp_framing_kind k;
    REQUIRE(parse_tcp_framing("len2le", k));
    CHECK(k == tcp_framing_kind::len2le);
    CHECK(tcp_framing_name(k) == "len2le");
    CHECK_FALSE(parse_tcp_framing("len3", k));

    tcp_framing f;
    const uint8_t be[] = {0x01, 0x02};
    CHECK(f.read_length(be) == 0x0102);
    f.kind = tcp_framing_kind::len2le;
    CHECK(f.read_length(be) == 0x0201);
    f.kind = tcp_framing_kind::len4ascii;
    CHECK(f.prefix_bytes() == 4);
    CHECK(f.read_length(reinterpret_cast<const uint8_t*>("0123")) == 123);
    CHECK(f.read_length(reinterpret_cast<const uint8_t*>("01x3")) == 0);

    f.header_bytes = 5;
    f.max_message = 100;
    CHECK_FALSE(f.length_ok(0));
    CHECK_FALSE(f.length_ok(5));  // header only: an empty message
    CHECK(f.length_ok(6));
    CHECK(f.length_ok(105));
    CHECK_FALSE(f.length_ok(106));

    CHECK(f.invalid_reason() == nullptr);
    f.max_message = 9995;  // 5 + 9995 > 9999: four digits cannot say it
    CHECK(f.invalid_reason() != nullptr);
    f.kind = tcp_framing_kind::len2be;
    CHECK(f.invalid_reason() == nullptr);
    f.max_message = 4;
    CHECK(f.invalid_reason() != nullptr);
}

TEST_CASE("MTI and bitmap plausibility by dialect", "[unit][tcp]") {
    auto u = [](const char* s) { return reinterpret_cast<const uint8_t*>(s); };
    const iso_wire& binary = builtin_wire("binary");
    for (const char* ok : {"0200", "0110", "0420", "0800", "1200", "2100"})
        CHECK(iso_mti_plausible(u(ok), 4, binary));
    for (const char* bad : {"0000", "0900", "3200", "0260", "020x", "\x02\x00\x00\x00"})
        CHECK_FALSE(iso_mti_plausible(u(bad), 4, binary));
    CHECK_FALSE(iso_mti_plausible(u("020"), 3, binary));  // too short to hold one
    const uint8_t bcd_ok[] = {0x02, 0x10}, bcd_bad[] = {0x30, 0x00};
    CHECK(iso_mti_plausible(bcd_ok, 2, builtin_wire("bcd")));
    CHECK_FALSE(iso_mti_plausible(bcd_bad, 2, builtin_wire("bcd")));
    const uint8_t ebcdic_ok[] = {0xF0, 0xF2, 0xF1, 0xF0};
    CHECK(iso_mti_plausible(ebcdic_ok, 4, builtin_wire("ebcdic")));
    CHECK_FALSE(iso_mti_plausible(u("0210"), 4, builtin_wire("ebcdic")));

    const iso_wire& hex = builtin_wire("hex");
    CHECK(iso_bitmap_plausible(u("7234054128C28805"), hex));
    CHECK(iso_bitmap_plausible(u("7234054128c28805"), hex));
    CHECK_FALSE(iso_bitmap_plausible(u("0000000000000000"), hex));
    CHECK_FALSE(iso_bitmap_plausible(u("7234054128C2880G"), hex));
    const uint8_t zero[8] = {}, some[8] = {0x72, 0, 0, 0, 0, 0, 0, 0};
    CHECK_FALSE(iso_bitmap_plausible(zero, binary));
    CHECK(iso_bitmap_plausible(some, builtin_wire("bcd")));
    CHECK(iso_mti_bytes(builtin_wire("bcd")) == 2);
    CHECK(iso_bitmap_bytes(hex) == 16);
}

TEST_CASE("a boundary is found at frame starts and almost nowhere else", "[unit][tcp]") {
    for (const char* d : {"binary", "hex", "bcd", "ebcdic", "iso93-ascii"}) {
        tcp_framing f;
        f.wire = &builtin_wire(d);
        f.header_bytes = 5;
        const framed_stream s = make_stream(f, 1, 20);
        std::size_t false_starts = 0;
        for (std::size_t i = 0; i + 1 < s.bytes.size(); ++i) {
            const bool is_start = std::find(s.starts.begin(), s.starts.end(), i) != s.starts.end();
            const boundary_check r = f.check_boundary(s.bytes.data() + i, s.bytes.size() - i);
            if (is_start)
                CHECK(r == boundary_check::yes);
            else
                false_starts += r == boundary_check::yes;
        }
        INFO("dialect " << d);
        CHECK(false_starts == 0);
        // Too few bytes to see the MTI and bitmap: undecided, not rejected.
        CHECK(f.check_boundary(s.bytes.data(), 1) == boundary_check::need_more);
        CHECK(f.check_boundary(s.bytes.data(), 2 + 5 + 3) == boundary_check::need_more);
    }
}
