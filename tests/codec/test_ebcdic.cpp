// The EBCDIC tables (codec/ebcdic.h): every byte against glibc's iconv, the round trips
// payment text relies on, and the documented differences between the code pages.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <unistd.h>

#include "codec/ebcdic.h"

using namespace txscreen;
using iso::code_page;

namespace {

constexpr code_page all_pages[] = {code_page::cp1047, code_page::cp037, code_page::cp500};

// Bytes 0x00..0xFF through `iconv -f <page> -t ISO-8859-1`; empty when iconv or its
// module is missing (the caller skips with a message).
std::string iconv_all_bytes(const char* page) {
    char path[] = "/tmp/txscreen-ebcdic-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) return {};
    for (unsigned b = 0; b < 256; ++b) {
        const auto c = static_cast<unsigned char>(b);
        if (write(fd, &c, 1) != 1) break;
    }
    close(fd);
    const std::string cmd = std::string("iconv -f ") + page + " -t ISO-8859-1 " + path + " 2>/dev/null";
    std::string out;
    if (FILE* p = popen(cmd.c_str(), "r")) {
        char buf[512];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
        if (pclose(p) != 0) out.clear();
    }
    unlink(path);
    return out;
}

}  // namespace

TEST_CASE("every byte of every EBCDIC table matches iconv") {
    for (code_page cp : all_pages) {
        const char* page = ebcdic::iconv_name(cp);
        INFO("code page " << page);
        const std::string expected = iconv_all_bytes(page);
        if (expected.size() != 256) {
            WARN("skipped: `iconv -f " << page << " -t ISO-8859-1` is unavailable (iconv or its gconv module missing)");
            continue;
        }
        const auto& to = ebcdic::to_latin1(cp);
        const auto& from = ebcdic::from_latin1(cp);
        for (unsigned e = 0; e < 256; ++e) {
            INFO("EBCDIC byte " << e);
            CHECK(to[e] == static_cast<unsigned char>(expected[e]));
            CHECK(from[static_cast<unsigned char>(expected[e])] == e);
        }
    }
}

TEST_CASE("printable ASCII, digits and space round-trip in every code page") {
    for (code_page cp : all_pages) {
        INFO("code page " << ebcdic::iconv_name(cp));
        const auto& to = ebcdic::to_latin1(cp);
        const auto& from = ebcdic::from_latin1(cp);
        for (unsigned a = 0x20; a < 0x7F; ++a) {
            INFO("ASCII " << a);
            CHECK(to[from[a]] == a);
            CHECK(from[a] >= 0x40);  // printable EBCDIC starts at 40 (space)
        }
        for (unsigned d = 0; d < 10; ++d) {
            CHECK(to[0xF0 + d] == '0' + d);
            CHECK(from['0' + d] == 0xF0 + d);
        }
        CHECK(to[0x40] == ' ');
        CHECK(from[' '] == 0x40);
        CHECK(to[0xC1] == 'A');
        CHECK(to[0xE9] == 'Z');
        CHECK(to[0x81] == 'a');
        CHECK(to[0xA9] == 'z');
        // The characters payment text uses sit at the same bytes in all three pages.
        const std::string common = ".,-/=@:'&*()+#";
        const unsigned char at[] = {0x4B, 0x6B, 0x60, 0x61, 0x7E, 0x7C, 0x7A, 0x7D, 0x50, 0x5C, 0x4D, 0x5D, 0x4E, 0x7B};
        for (std::size_t i = 0; i < common.size(); ++i) CHECK(to[at[i]] == static_cast<unsigned char>(common[i]));
    }
}

TEST_CASE("cp037 and cp1047 differ in exactly the six documented bytes") {
    const auto& c037 = ebcdic::to_latin1(code_page::cp037);
    const auto& c1047 = ebcdic::to_latin1(code_page::cp1047);
    struct diff { unsigned e, in037, in1047; };
    const diff six[] = {{0x5F, 0xAC, 0x5E}, {0xAD, 0xDD, 0x5B}, {0xB0, 0x5E, 0xAC},
                        {0xBA, 0x5B, 0xDD}, {0xBB, 0x5D, 0xA8}, {0xBD, 0xA8, 0x5D}};
    int differing = 0;
    for (unsigned e = 0; e < 256; ++e) differing += c037[e] != c1047[e];
    CHECK(differing == 6);
    for (const diff& d : six) {
        INFO("EBCDIC byte " << d.e);
        CHECK(c037[d.e] == d.in037);
        CHECK(c1047[d.e] == d.in1047);
    }
    // So '[' ']' '^' go to different bytes: cp1047 AD BD 5F, cp037 BA BB B0.
    CHECK(ebcdic::from_latin1(code_page::cp1047)['['] == 0xAD);
    CHECK(ebcdic::from_latin1(code_page::cp037)['['] == 0xBA);
    CHECK(ebcdic::from_latin1(code_page::cp1047)['^'] == 0x5F);
    CHECK(ebcdic::from_latin1(code_page::cp037)['^'] == 0xB0);
}

TEST_CASE("cp500 differs from cp037 in the seven documented bytes, ! and | included") {
    const auto& c037 = ebcdic::to_latin1(code_page::cp037);
    const auto& c500 = ebcdic::to_latin1(code_page::cp500);
    int differing = 0;
    for (unsigned e = 0; e < 256; ++e) differing += c037[e] != c500[e];
    CHECK(differing == 7);
    CHECK(c037[0x4F] == '|');
    CHECK(c500[0x4F] == '!');
    CHECK(c037[0x5A] == '!');
    CHECK(c500[0x5A] == ']');
    CHECK(c500[0x4A] == '[');
}
