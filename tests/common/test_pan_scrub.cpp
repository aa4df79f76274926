#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "common/pan_scrub.h"
#include "common/pan_token.h"
#include "luhn_complete.h"

using namespace txscreen;
using txscreen::test::luhn_complete;

namespace {

// The same number with its check digit wrong.
std::string luhn_broken(const std::string& pan) {
    std::string s = pan;
    s.back() = static_cast<char>('0' + (s.back() - '0' + 1) % 10);
    return s;
}

struct scrubbed {
    std::string text;
    unsigned count;
};

scrubbed scrub(std::string s) {
    const unsigned n = scrub_pans(s.data(), s.size());
    return {s, n};
}

// What a masked PAN of these digits looks like: first 6 and last 4 kept.
std::string masked(const std::string& pan) {
    return pan.substr(0, 6) + std::string(pan.size() - 10, '*') + pan.substr(pan.size() - 4);
}

std::string random_pan(std::mt19937_64& rng, std::size_t len) {
    std::string body(1, static_cast<char>('1' + rng() % 9));
    while (body.size() + 1 < len) body += static_cast<char>('0' + rng() % 10);
    return luhn_complete(body);
}

// Reference for pan_scrub_candidate: 12 consecutive characters that are digits or a
// single space/dash between digits, and for texts of at most 64 bytes 12 digits in all.
bool candidate_reference(const std::string& s) {
    if (s.size() <= 64 && std::count_if(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }) < 12)
        return false;
    std::size_t run = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool digit = c >= '0' && c <= '9';
        const bool sep = (c == ' ' || c == '-') && i > 0 && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                         std::isdigit(static_cast<unsigned char>(s[i + 1]));
        run = digit || sep ? run + 1 : 0;
        if (run >= 12) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("Luhn-valid runs of 12 to 19 digits are masked, BIN and last 4 kept", "[unit][pan_scrub]") {
    std::mt19937_64 rng(7);
    for (std::size_t len = 12; len <= 19; ++len) {
        for (int k = 0; k < 50; ++k) {
            const std::string pan = random_pan(rng, len);
            REQUIRE(pan_valid(pan.data(), pan.size()));
            INFO(pan);
            scrubbed s = scrub("x " + pan + " y");
            CHECK(s.text == "x " + masked(pan) + " y");
            CHECK(s.count == 1);
            // The same digits with a wrong check digit are no PAN: nothing changes.
            const std::string bad = luhn_broken(pan);
            s = scrub("x " + bad + " y");
            CHECK(s.text == "x " + bad + " y");
            CHECK(s.count == 0);
        }
    }
    CHECK(scrub("SHOP 4111111111111111").text == "SHOP 411111******1111");
    CHECK(scrub("378282246310005").text == "378282*****0005");  // 15-digit Amex
}

TEST_CASE("runs shorter than 12 or longer than 19 digits are not PANs", "[unit][pan_scrub]") {
    std::mt19937_64 rng(11);
    for (std::size_t len : {2u, 8u, 11u, 20u, 24u, 40u}) {
        for (int k = 0; k < 50; ++k) {
            const std::string n = random_pan(rng, len);  // Luhn-valid, wrong length
            INFO(n);
            scrubbed s = scrub("id " + n);
            CHECK(s.text == "id " + n);
            CHECK(s.count == 0);
        }
    }
}

TEST_CASE("non-Luhn ids and zero-padded counters are left alone", "[unit][pan_scrub]") {
    // Leading zeros are not part of a PAN (no issuer number starts with 0): txgen's
    // 12-digit zero-padded txn ids and RRNs stay clear even when they pass Luhn.
    const std::string counter = luhn_complete("00000000001");  // "000000000018"
    REQUIRE(pan_valid(counter.data(), counter.size()));
    CHECK(scrub(counter).text == counter);
    CHECK(scrub("TXG" + counter).count == 0);
    // A PAN written with leading zeros is still a PAN: the zeros stay, then BIN and last 4.
    CHECK(scrub("0004111111111111111").text == "000411111******1111");
    // Random numeric ids that fail Luhn: none is touched.
    std::mt19937_64 rng(3);
    for (int k = 0; k < 2000; ++k) {
        std::string id = luhn_broken(random_pan(rng, 12 + rng() % 8));
        const std::string text = "ORD-" + id + "/A";
        CHECK(scrub(text).text == text);
    }
    // Hex device ids, dates, IPs, phone numbers.
    for (const char* t : {"dev-3a41b2c9d0e1f2a3", "2026-11-23T10:00:00.123Z", "203.0.113.7", "2001:db8::1",
                          "+1 415-555-0123", "+44 20 7946 0958", "tx-1000123"}) {
        INFO(t);
        CHECK(scrub(t).count == 0);
        CHECK(scrub(t).text == t);
    }
}

TEST_CASE("spaced and dashed digit groups are one PAN", "[unit][pan_scrub]") {
    CHECK(scrub("4111 1111 1111 1111").text == "4111 11** **** 1111");
    CHECK(scrub("4111-1111-1111-1111").text == "4111-11**-****-1111");
    CHECK(scrub("card 4111 1111-1111 1111 ok").text == "card 4111 11**-**** 1111 ok");
    CHECK(scrub("3782 822463 10005").text == "3782 82**** *0005");  // Amex 4-6-5
    const std::string pan19 = luhn_complete("621234567890123456");
    const std::string spaced19 = pan19.substr(0, 4) + " " + pan19.substr(4, 4) + " " + pan19.substr(8, 4) + " " +
                                 pan19.substr(12, 4) + " " + pan19.substr(16);
    scrubbed s = scrub(spaced19);
    CHECK(s.count == 1);
    CHECK(s.text == pan19.substr(0, 4) + " " + pan19.substr(4, 2) + "** **** ***" + pan19.substr(15, 1) + " " +
                        pan19.substr(16));
    // Two separators in a row, other separators, or a group too long to join: not joined.
    for (const char* t : {"4111  1111  1111  1111", "4111.1111.1111.1111", "4111/1111/1111/1111", "4111 -1111 1111 1111"}) {
        INFO(t);
        CHECK(scrub(t).text == t);
    }
    CHECK(scrub("4111 1111 1111 1112").count == 0);  // Luhn fails
    // Two PANs in one text are two.
    s = scrub("a 4111 1111 1111 1111 b 5500-0000-0000-0004 c");
    CHECK(s.text == "a 4111 11** **** 1111 b 5500-00**-****-0004 c");
    CHECK(s.count == 2);
}

TEST_CASE("a number written next to a PAN does not hide it", "[unit][pan_scrub]") {
    // Every joined range that passes Luhn is masked: whatever range a neighbouring group
    // forms with part of the PAN, no more than the PAN's first 6 and last 4 stay clear.
    std::mt19937_64 rng(5);
    for (int k = 0; k < 500; ++k) {
        const std::string pan = random_pan(rng, 16);
        const std::string spaced = pan.substr(0, 4) + " " + pan.substr(4, 4) + " " + pan.substr(8, 4) + " " + pan.substr(12);
        const std::string before = std::to_string(1000 + rng() % 9000), after = std::to_string(100 + rng() % 900);
        scrubbed s = scrub(before + " " + spaced + " " + after);
        INFO(s.text);
        const std::string mid = s.text.substr(before.size() + 1, spaced.size());
        // Digits 7..12 of the PAN (positions 7, 8, 10-13, 15, 16 of "dddd dddd dddd dddd").
        for (std::size_t p : {7u, 8u, 10u, 11u, 12u, 13u}) CHECK(mid[p] == '*');
        CHECK(s.count >= 1);
    }
    CHECK(scrub("4111111111111111 0").text == "411111******1111 0");
    CHECK(scrub("12 4111111111111111").text == "12 411111******1111");
}

TEST_CASE("track 2 and track 1 shapes: PAN and the data after it are masked", "[unit][pan_scrub]") {
    scrubbed s = scrub("SHOP ;4111111111111111=29");
    CHECK(s.text == "SHOP ;411111******1111=**");
    CHECK(s.count == 1);
    CHECK(scrub(";4111111111111111=29121010000012345?").text == ";411111******1111=*****************?");
    // In a stripe shape the PAN is masked even when its check digit is wrong.
    CHECK(scrub(";4111111111111112=2912101?").text == ";411111******1112=*******?");
    CHECK(scrub("4111111111111112=2912101").text == "411111******1112=*******");
    // Track 2 with the 'D' separator of its binary encoding: the data after it (which
    // may hold the CVV) is masked too, Luhn or not (review finding).
    CHECK(scrub("4111111111111111D29121010000012345").text == "411111******1111D*****************");
    CHECK(scrub(";4111111111111112d2912101?").text == ";411111******1112d*******?");
    CHECK(scrub("%B4111111111111111^DOE/JOHN^2912101000000000?").text ==
          "%B411111******1111^DOE/JOHN^****************?");
    CHECK(scrub("%B4111111111111112^DOE/JOHN^2912").text == "%B411111******1112^DOE/JOHN^****");
    // Digits in track 1's name are judged on their own (fuzz finding: they were skipped
    // when the track data after the name was masked ahead of them).
    const std::string in_name = luhn_complete("11122222222222");
    s = scrub("%B4111222222222222^D" + in_name + "^DOE");
    CHECK(s.text == "%B411122******2222^D" + masked(in_name) + "^DOE");
    CHECK(s.count == 2);
    // Not a stripe: '=' without ';' and without 4 digits after it, non-Luhn digits.
    const std::string id = "123456789012";
    REQUIRE_FALSE(pan_valid(id.data(), id.size()));
    CHECK(scrub("ref " + id + "=12").text == "ref " + id + "=12");
    CHECK(scrub("x" + id + "^y").text == "x" + id + "^y");
}

TEST_CASE("PANs at the edges of the text and of the SIMD windows", "[unit][pan_scrub]") {
    const std::string pan = "4111111111111111";
    CHECK(scrub(pan).text == masked(pan));
    CHECK(scrub(pan + "X").text == masked(pan) + "X");
    CHECK(scrub(std::string("X") + pan).text == std::string("X") + masked(pan));
    CHECK(scrub("ABC" + pan + "XYZ").text == "ABC" + masked(pan) + "XYZ");
    const std::string pan12 = luhn_complete("41111111111");
    CHECK(scrub(pan12).text == masked(pan12));
    CHECK(scrub(pan12.substr(0, 11)).count == 0);
    // Every offset in texts longer than one 64-byte window, plain and spaced; the short
    // spaced one has fewer than 12 digits on either side of a window edge (a fuzz finding:
    // the windows' digit count once hid it).
    const std::string spaced = "4111 1111 1111 1111", spaced13 = "422 222 222 2222";
    const std::string masked_spaced = "4111 11** **** 1111", masked_spaced13 = "422 222 *** 2222";
    for (std::size_t total : {64u, 65u, 116u, 118u, 120u, 200u}) {
        for (const std::string& p : {pan, spaced, spaced13}) {
            for (std::size_t off = 0; off + p.size() <= total; ++off) {
                std::string t(total, 'a');
                t.replace(off, p.size(), p);
                INFO(total << " " << off << " " << p);
                REQUIRE(pan_scrub_candidate(t.data(), t.size()));
                scrubbed s = scrub(t);
                CHECK(s.count == 1);
                CHECK(s.text.substr(off, p.size()) ==
                      (p == pan ? masked(pan) : p == spaced ? masked_spaced : masked_spaced13));
            }
        }
    }
}

TEST_CASE("pan_scrub_candidate agrees with a byte-at-a-time reference", "[unit][pan_scrub]") {
    std::mt19937_64 rng(9);
    const char alphabet[] = "0123456789 -a";
    for (int k = 0; k < 20000; ++k) {
        std::string t(rng() % 150, ' ');
        const unsigned skew = rng() % 3;  // some texts mostly digits, some mostly not
        for (char& c : t) c = skew == 0 ? alphabet[rng() % 13] : skew == 1 ? alphabet[rng() % 11] : alphabet[10 + rng() % 3];
        INFO('"' << t << '"');
        const bool got = pan_scrub_candidate(t.data(), t.size());
        REQUIRE(got == candidate_reference(t));
        if (!got) {
            // No candidate: the full parse must agree that nothing is there.
            std::string copy = t;
            CHECK(scrub_pans_parse(copy.data(), copy.size()) == 0);
            CHECK(copy == t);
        }
    }
}

TEST_CASE("scrubbing only turns digits into '*'", "[unit][pan_scrub]") {
    // Dense digit soup: PANs, stray digits, separators. A second pass may find more
    // (a masked PAN splits a run into new groups) but never brings a digit back.
    std::mt19937_64 rng(13);
    for (int k = 0; k < 2000; ++k) {
        std::string t;
        while (t.size() < 60) {
            switch (rng() % 4) {
                case 0: t += random_pan(rng, 12 + rng() % 8); break;
                case 1: t += " "; break;
                case 2: t += "-"; break;
                default: t += static_cast<char>('0' + rng() % 10); break;
            }
        }
        const scrubbed once = scrub(t);
        REQUIRE(once.text.size() == t.size());
        for (std::size_t i = 0; i < t.size(); ++i) {
            if (once.text[i] != t[i]) CHECK((once.text[i] == '*' && t[i] >= '0' && t[i] <= '9'));
        }
    }
    // PANs between words: a second pass changes nothing.
    for (int k = 0; k < 500; ++k) {
        std::string t = "pay";
        for (int j = 0; j < 3; ++j) {
            t += ' ';
            t += random_pan(rng, 12 + rng() % 8);
            t += " to x";
        }
        const scrubbed once = scrub(t), twice = scrub(once.text);
        CHECK(once.count == 3);
        CHECK(twice.text == once.text);
        CHECK(twice.count == 0);
    }
}

TEST_CASE("whole_text_pan: a card_id that is exactly one PAN", "[unit][pan_scrub]") {
    char out[pan_stash::capacity] = {};
    auto whole = [&](const std::string& s) { return std::string(out, whole_text_pan(s.data(), s.size(), out)); };
    CHECK(whole("4111111111111111") == "4111111111111111");
    CHECK(whole("4111 1111 1111 1111") == "4111111111111111");
    CHECK(whole("4111-1111-1111-1111") == "4111111111111111");
    CHECK(whole("0004111111111111111") == "4111111111111111");
    CHECK(whole("378282246310005") == "378282246310005");
    for (const char* no : {"", "4111111111111112", "cust-4111111111111111", "4111111111111111 ", " 4111111111111111",
                           "4111  1111 1111 1111", "41111111111111111111", "000000000018", "4111 111111111111",
                           "1 2 3 4 5 6 7 8 9 0 1 2"}) {
        INFO(no);
        CHECK(whole(no).empty());
    }
    // A refused candidate leaves no digits behind in `out`.
    const std::string bad = "4111111111111112";
    CHECK(whole_text_pan(bad.data(), bad.size(), out) == 0);
    CHECK(std::string(out, 16) == std::string(16, '\0'));
}

TEST_CASE("the examples of docs/feeds.md, PANs in free text", "[unit][pan_scrub]") {
    CHECK(scrub("SHOP ;4111111111111111=2912101?").text == "SHOP ;411111******1111=*******?");
    CHECK(scrub("5105 1051 0510 5100").text == "5105 10** **** 5100");
    CHECK(scrub("cust-4111111111111111").text == "cust-411111******1111");
    CHECK(scrub("%B4111111111111111^DOE/JOHN^2912101").text == "%B411111******1111^DOE/JOHN^*******");
    CHECK(scrub("0004111111111111111").text == "000411111******1111");
    for (const char* same : {"4111111111111112", "tx-000000000018", "dev-3a41b2c9d0e1f2a3", "Order 4111.1111.1111.1111",
                             "411111 1111111111", "41111111111111110000"}) {
        INFO(same);
        CHECK(scrub(same).text == same);
    }
    // A number next to a spaced PAN does not shift the match off it.
    CHECK(scrub("Order 1234 4111 1111 1111 1111").text.find("4111 11** **** 1111") != std::string::npos);
}
