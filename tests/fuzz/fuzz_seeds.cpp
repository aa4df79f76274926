// fuzz_seeds KIND DIR: writes a seed corpus of valid inputs for one fuzz target, made
// with the project's encoders, so libFuzzer starts from messages that reach deep code.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <cstring>
#include <initializer_list>
#include <fstream>
#include <string>
#include <vector>

#include "codec/framing.h"
#include "codec/iso8583.h"
#include "codec/iso8583_encode.h"
#include "codec/iso_wire.h"
#include "codec/json_decode.h"

namespace txscreen {  // the shipped dialect files (src/codec/dialects), seeds for dialect_toml
std::string_view dialect_binary_text() noexcept;
std::string_view dialect_bcd_text() noexcept;
std::string_view dialect_ebcdic_text() noexcept;
std::string_view dialect_iso93_ascii_text() noexcept;
}  // namespace txscreen

using namespace txscreen;

namespace {

std::vector<clear_txn> samples() {
    std::vector<clear_txn> v;
    clear_txn a;
    a.txn_id = "t-0001";
    a.event_time_ms = 1'795'000'000'123;
    a.pan = "4111111111111111";
    a.amount_minor = 1999;
    a.currency = "USD";
    a.merchant_id = "MERCH0000000001";
    a.merchant_name = "CORNER GROCERY";
    a.city = "NEW YORK";
    a.region = "NY";
    a.country = "US";
    a.mcc = 5411;
    a.stan = "000123";
    a.rrn = "000000000001";
    a.terminal_id = "TERM0001";
    a.acquirer_id = "123456";
    a.expiry_yymm = 2812;
    v.push_back(a);

    clear_txn b = a;
    b.txn_id = "t-0002";
    b.pan = "5500005555555559";
    b.currency = "JPY";
    b.amount_minor = 12000;
    b.channel = "ecom";
    b.device_id = "dev-abcdef";
    b.ip = "203.0.113.9";
    b.email = "someone@example.com";
    b.lat = 35.68;
    b.lon = 139.69;
    b.track2 = "5500005555555559=28121010000000000000";
    b.pin_block = "0123456789ABCDEF";
    b.icc = std::string("\x9f\x26\x08\x01\x02\x03\x04\x05\x06\x07\x08", 11);
    v.push_back(b);

    clear_txn c = a;
    c.txn_id = "t-0003";
    c.pan.clear();
    c.card_id = "card-42";
    c.currency = "KWD";
    c.amount_minor = 1234;
    c.channel = "atm";
    c.mcc = 6011;
    v.push_back(c);

    // PANs in text fields (pan_scrub.h): the decoders' scrub path, masked and counted.
    clear_txn d = b;
    d.txn_id = "t 4111 1111 1111 1111";
    d.merchant_name = "S;4242424242424242=29";
    d.city = "4222222222222";
    d.merchant_id = "378282246310005";
    d.device_id = "%B4111111111111111^DOE/J^2912";
    d.email = "5105-1051-0510-5100@example.com";
    d.account_id = "AC 6011111111111117";
    v.push_back(d);
    clear_txn e = c;
    e.txn_id = "t-0005";
    e.card_id = "4000 0566 5566 5556";
    v.push_back(e);
    return v;
}

// fuzz_sequencer's 14-byte records: datagrams of 8 messages from `firsts` on line A of
// session 0, each followed by its B-line copy.
std::vector<uint8_t> sequencer_events(std::initializer_list<uint64_t> firsts) {
    std::vector<uint8_t> out;
    for (uint64_t first : firsts)
        for (uint8_t line = 0; line < 2; ++line) {
            uint8_t r[14] = {0, 0, line};
            std::memcpy(r + 3, &first, sizeof first);
            r[11] = 7;  // 8 messages (count % 64 + 1)
            out.insert(out.end(), r, r + sizeof r);
        }
    return out;
}

// fuzz_tcp_stream's input: config byte, then records (op, delta, len, payload) that
// open a connection and carry `stream` client-to-server in `mss`-byte segments; with
// `swap`, each pair of segments arrives in reverse order.
std::vector<uint8_t> tcp_conversation(uint8_t config, const std::vector<uint8_t>& stream, std::size_t mss, bool swap) {
    std::vector<uint8_t> out{config};
    auto record = [&](uint8_t op, int16_t delta, const uint8_t* p, std::size_t n) {
        out.insert(out.end(), {op, static_cast<uint8_t>(delta), static_cast<uint8_t>(static_cast<uint16_t>(delta) >> 8),
                               static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8)});
        out.insert(out.end(), p, p + n);
    };
    record(2 | 4, 0, nullptr, 0);     // SYN
    record(2 | 0x10, 0, nullptr, 0);  // SYN-ACK
    for (std::size_t off = 0; off < stream.size(); off += 2 * mss) {
        const std::size_t a = std::min(mss, stream.size() - off);
        const std::size_t b = std::min(mss, stream.size() - off - a);
        if (swap && b) {
            record(4, static_cast<int16_t>(a), stream.data() + off + a, b);
            record(4, static_cast<int16_t>(-static_cast<int>(a + b)), stream.data() + off, a);
            record(4, static_cast<int16_t>(b), nullptr, 0);  // back to the end
        } else {
            record(4, 0, stream.data() + off, a);
            if (b) record(4, 0, stream.data() + off + a, b);
        }
    }
    record(2 | 4 | 0x20, 0, nullptr, 0);  // FIN
    return out;
}

void write(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: fuzz_seeds framing|iso8583|json|pan_scrub|sequencer|tcp_stream DIR\n");
        return 2;
    }
    const std::string kind = argv[1], dir = argv[2];
    const auto txns = samples();
    int n = 0;
    if (kind == "iso8583") {
        // Byte 0 picks the dialect as fuzz_iso8583 reads it (5: binary, generic decoder).
        static const char* const dialects[] = {"binary", "hex", "bcd", "ebcdic", "iso93-ascii", "binary"};
        for (int d = 0; d < 6; ++d)
            for (const auto& t : txns) {
                if (t.pan.empty()) continue;
                std::vector<uint8_t> m{static_cast<uint8_t>(d)};
                encode_iso8583(t, builtin_wire(dialects[d]), m);
                write(dir, "iso-" + std::to_string(n++), m);
            }
    } else if (kind == "json") {
        for (const auto& t : txns) {
            std::string s;
            encode_json(t, s);
            write(dir, "json-" + std::to_string(n++), std::vector<uint8_t>(s.begin(), s.end()));
        }
    } else if (kind == "framing") {
        for (unsigned mode = 0; mode < 4; ++mode) {
            const payload_format fmt = (mode & 1) ? payload_format::json : payload_format::iso8583;
            std::vector<uint8_t> dgram;
            if (mode < 2) mold_begin(dgram, "SESSION01", 1);
            for (const auto& t : txns) {
                std::vector<uint8_t> msg;
                if (fmt == payload_format::json) {
                    std::string s;
                    encode_json(t, s);
                    msg.assign(s.begin(), s.end());
                } else {
                    if (t.pan.empty()) continue;
                    encode_iso8583(t, builtin_wire("binary"), msg);
                }
                if (mode < 2)
                    mold_append(dgram, msg.data(), msg.size());
                else
                    raw_append(dgram, fmt, msg.data(), msg.size());
            }
            dgram.insert(dgram.begin(), static_cast<uint8_t>(mode));
            write(dir, "frame-" + std::to_string(n++), dgram);
        }
        std::vector<uint8_t> hb;
        mold_control(hb, "SESSION01", 4, 0);
        hb.insert(hb.begin(), uint8_t{0});
        write(dir, "frame-heartbeat", hb);
    } else if (kind == "pan_scrub") {
        for (const char* t : {"SHOP ;4111111111111111=2912101?", "4111 1111 1111 1111", "3782-822463-10005",
                              "%B4111111111111111^DOE/JOHN^2912101000?", "0004111111111111111 x 12 4111111111111111 0",
                              "1234 4111 1111 1111 1111 567", "dev-3a41b2c9d0e1f2a3", "000000000018"}) {
            const std::string s(t);
            write(dir, "text-" + std::to_string(n++), std::vector<uint8_t>(s.begin(), s.end()));
        }
    } else if (kind == "tcp_stream") {
        std::vector<uint8_t> stream;  // len2be frames
        for (const auto& t : txns) {
            if (t.pan.empty()) continue;
            std::vector<uint8_t> msg;
            encode_iso8583(t, builtin_wire("binary"), msg);
            stream.push_back(static_cast<uint8_t>(msg.size() >> 8));
            stream.push_back(static_cast<uint8_t>(msg.size()));
            stream.insert(stream.end(), msg.begin(), msg.end());
        }
        write(dir, "tcp-packed", tcp_conversation(0, stream, 1448, false));
        write(dir, "tcp-straddle", tcp_conversation(0, stream, 97, false));
        write(dir, "tcp-reorder", tcp_conversation(0, stream, 130, true));
    } else if (kind == "dialect_toml") {
        const std::string_view texts[] = {
            dialect_binary_text(), dialect_bcd_text(), dialect_ebcdic_text(), dialect_iso93_ascii_text(),
            "name = \"link\"\nbase = \"bcd\"\n[encoding]\ntext = \"ebcdic\"\n[fields]\n2 = { enc = \"bcd-right\" }\n"
            "48 = false\n[fields.60]\ntype = \"n\"\nlen = \"LL\"\nmax = 12\nprefix = \"binary\"\nprefix_counts = \"bytes\"\n",
            "base = \"iso8583-1993\"\n[message]\nheader = 5\nbitmap_bytes = 8\n[fields.43]\nlen = 40\ntype = \"ans\"\n",
            "base = \"ebcdic\"\n[fields.48]\nlayout = \"tlv\"\nlead = 1\n[fields.48.sub.DI]\ntype = \"ans\"\nlen = \"LL\"\n"
            "max = 40\n[fields.62]\ntype = \"b\"\nlen = \"LL\"\nmax = 255\nprefix = \"binary\"\nlayout = \"bitmap\"\n"
            "bitmap_bytes = 1\n[fields.62.sub.2]\ntype = \"n\"\nlen = 15\nenc = \"bcd\"\nlayout = \"positional\"\n"
            "[fields.62.sub.2.sub.1]\ntype = \"n\"\nlen = 3\n"};
        for (std::string_view t : texts)
            write(dir, "dialect-" + std::to_string(n++), std::vector<uint8_t>(t.begin(), t.end()));
    } else if (kind == "dialect_xml") {  // jPOS GenericPackager files, written here (jPOS is AGPL)
        const std::string_view head =
            "<?xml version=\"1.0\"?>\n<!DOCTYPE isopackager PUBLIC \"-//jPOS/jPOS Generic Packager DTD 1.0//EN\" "
            "\"http://jpos.org/dtd/generic-packager-1.0.dtd\">\n<!-- fuzz seed -->\n<isopackager headerLength=\"2\">\n";
        const std::string_view texts[] = {
            "<isofield id=\"0\" length=\"4\" name=\"MTI\" class=\"org.jpos.iso.IFB_NUMERIC\" pad=\"true\"/>\n"
            "<isofield id=\"1\" length=\"16\" name=\"BITMAP\" class=\"org.jpos.iso.IFB_BITMAP\"/>\n"
            "<isofield id=\"2\" length=\"19\" name=\"PAN\" class=\"org.jpos.iso.IFB_LLNUM\" pad=\"false\"/>\n"
            "<isofield id=\"4\" length=\"12\" name=\"AMOUNT\" class=\"org.jpos.iso.IFB_NUMERIC\" pad=\"true\"/>\n"
            "<isofield id=\"28\" length=\"9\" name=\"FEE\" class=\"org.jpos.iso.IFB_AMOUNT\" pad=\"true\"/>\n"
            "<isofield id=\"43\" length=\"40\" name=\"NAME &amp; LOC\" class=\"org.jpos.iso.IF_CHAR\"/>\n"
            "<isofield id=\"52\" length=\"8\" name=\"PIN\" class=\"org.jpos.iso.IFB_BINARY\"/>\n"
            "</isopackager>\n",
            "<isofield id='0' length='4' name='MTI' class='org.jpos.iso.IFE_NUMERIC'/>\n"
            "<isofield id='1' length='16' name='BITMAP' class='org.jpos.iso.IFE_BITMAP'/>\n"
            "<isofield id='2' length='19' name='PAN' class='org.jpos.iso.IFE_LLNUM'/>\n"
            "<isofield id='32' length='11' name='ACQ' class='org.jpos.iso.IFEB_LLNUM'/>\n"
            "<isofieldpackager id='60' length='99' name='POS' class='org.jpos.iso.IFE_LLBINARY' emitBitmap='false'\n"
            "    packager='org.jpos.iso.packager.GenericSubFieldPackager'>\n"
            "  <isofield id='1' length='2' name='TYPE' class='org.jpos.iso.IFE_NUMERIC'/>\n"
            "  <isofield id='2' length='10' name='POSTAL' class='org.jpos.iso.IFE_LLCHAR'/>\n"
            "</isofieldpackager>\n"
            "<isofieldpackager id='127' length='999' name='PRIVATE' class='org.jpos.iso.IFB_LLLBINARY'\n"
            "    packager='org.jpos.iso.packager.GenericSubFieldPackager'>\n"
            "  <isofield id='1' length='2' name='BITMAP' class='org.jpos.iso.IFE_BITMAP'/>\n"
            "  <isofield id='2' length='20' name='XID' class='org.jpos.iso.IFE_CHAR'/>\n"
            "  <isofield id='3' length='9' name='AMT' class='org.jpos.iso.IFE_AMOUNT'/>\n"
            "</isofieldpackager>\n"
            "</isopackager>\n",
            "<isofield id='0' length='4' name='MTI' class='org.jpos.iso.IFA_NUMERIC'/>\n"
            "<isofield id='1' length='16' name='BITMAP' class='org.jpos.iso.IFA_BITMAP'/>\n"
            "<isofieldpackager id='48' length='999' name='ADDITIONAL' class='org.jpos.iso.IFA_LLLCHAR'\n"
            "    packager='org.jpos.iso.packager.GenericTaggedFieldsPackager'\n"
            "    tagMapper='org.jpos.iso.packager.TTDecimalTagMapper' tagSize='2' lenSize='2'>\n"
            "  <isofield id='1' length='20' name='ONE' class='org.jpos.iso.IFA_TTLLCHAR'/>\n"
            "  <isofield id='586' length='40' name='DEVICE' class='org.jpos.iso.IFA_TTLLCHAR'/>\n"
            "</isofieldpackager>\n"
            "</isopackager>\n"};
        for (std::string_view t : texts) {
            std::string xml(head);
            xml += t;
            write(dir, "dialect-xml-" + std::to_string(n++), std::vector<uint8_t>(xml.begin(), xml.end()));
        }
    } else if (kind == "xgb_model") {  // a small model written for the test (tests/model)
        const char* root = std::getenv("TXSCREEN_SOURCE_ROOT");
        std::ifstream in(std::string(root ? root : ".") + "/tests/model/fuzz_seed_model.json", std::ios::binary);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (text.empty()) {
            std::fprintf(stderr, "fuzz_seeds: tests/model/fuzz_seed_model.json not found (TXSCREEN_SOURCE_ROOT)\n");
            return 2;
        }
        write(dir, "xgb-model", std::vector<uint8_t>(text.begin(), text.end()));
    } else if (kind == "sequencer") {
        write(dir, "seq-stream", sequencer_events({1, 9, 17, 25, 33, 41}));
        write(dir, "seq-jump", sequencer_events({1, 9, 1'000'000, 17, 25, 0xfffffffffffffffeull, 33}));
        write(dir, "seq-renumber", sequencer_events({1, 9, 5'000'000, 5'000'008, 5'000'016, 5'000'024}));
    } else {
        std::fprintf(stderr, "fuzz_seeds: unknown kind '%s' (framing|iso8583|json|pan_scrub|sequencer|tcp_stream)\n",
                     kind.c_str());
        return 2;
    }
    return 0;
}
