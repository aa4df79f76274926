// libFuzzer target: the ISO 8583 decoders. The first byte picks the dialect: the five
// shipped files (binary, hex and bcd on the fast path, ebcdic and iso93-ascii on the
// generic one), binary forced through the generic decoder, and a dialect whose map
// reaches into tlv, positional, bitmapped (BCD inside binary) and delimited sub-fields;
// the rest is one message.
// For binary, hex and bcd both decoders run and must agree: the same reason, and on
// success the same Txn and the same stashed PAN (tests/codec/test_iso_wire.cpp).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <toml++/toml.h>

#include "codec/iso8583.h"
#include "codec/iso_map.h"
#include "codec/iso_wire.h"
#include "config/config_errors.h"
#include "codec/iso_wire_tables.h"
#include "fuzz_common.h"
#include "../codec/visa62_field.h"

using namespace txscreen;

namespace {

constexpr int64_t reference_ms = 1'790'000'000'000;  // 2026-09

void check_detail(reject_reason r, const iso_reject_detail& d, std::size_t len) {
    if (r != reject_reason::none && (d.field > 128 || d.offset > len)) std::abort();
}

// Sub-field layouts of every kind, read by a map (tests/codec/test_iso_wire.cpp).
const iso_wire& layouts_wire() {
    static const std::shared_ptr<const iso_wire> w = [] {
        config_errors errors;
        iso::dialect_def d;
        const bool ok = iso::parse_dialect_toml("base = \"binary\"\n" + std::string(iso_test::visa62_field) + R"([fields.63]
layout = "positional"
[fields.63.sub.1]
type = "an"
len = 2
[fields.63.sub.2]
type = "n"
len = "LL"
max = 4
[fields.61]
layout = "delimited"
delimiter = "|"
)", "fuzz.toml", d, errors);
        iso::map_def m = *iso::default_map("iso8583-1987");
        const toml::table t = toml::parse(
            "auth_code = \"62.1\"\nstan = \"62.2[9:15]\"\nregion = \"63.1\"\nmcc = \"63.2\"\ncity = \"61.2\"\n"
            "ip = { from = \"64[0:4]\", convert = \"ipv4-binary\" }\nterminal_id = \"48.TI\"\n");
        if (!ok || !iso::read_map_toml(t, "fuzz.toml", "map", m, errors)) std::abort();
        auto compiled = compile_wire(d, m, "fuzz.toml", errors);
        if (!compiled) std::abort();
        return compiled;
    }();
    return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static const char* const names[] = {"binary", "hex", "bcd", "ebcdic", "iso93-ascii", "binary"};
    const unsigned pick = data[0] % 7;
    const iso_wire& w = pick == 6 ? layouts_wire() : builtin_wire(names[pick]);
    const uint8_t* msg = data + 1;
    const std::size_t len = size - 1;
    iso_decode_context ctx{&fuzz::tokenizer(), &w, reference_ms};
    Txn t;
    iso_reject_detail where;
    if (pick == 5) {  // binary through the generic decoder, tokenized as the rx stage does
        pan_stash pan{};
        const reject_reason r = decode_generic(msg, len, w, reference_ms, t, pan, &where);
        if (r == reject_reason::none) fuzz::tokenizer().tokenize_stashed(&pan, &t, 1);
        fuzz::check_result(r, t);
        check_detail(r, where, len);
        pan.wipe();
        return 0;
    }
    const reject_reason r = decode_iso8583(msg, len, ctx, t, &where);
    fuzz::check_result(r, t);
    check_detail(r, where, len);
    if (pick <= 2) {
        Txn a, b;
        pan_stash pa{}, pb{};
        const reject_reason ra = decode_iso8583_deferred(msg, len, ctx, a, pa);
        const reject_reason rb = decode_generic(msg, len, w, reference_ms, b, pb, nullptr);
        if (ra != rb || ra != r) std::abort();
        if (ra == reject_reason::none &&
            (std::memcmp(&a, &b, sizeof(Txn)) != 0 || pa.what != pb.what || pa.len != pb.len ||
             std::memcmp(pa.text, pb.text, pa.len) != 0))
            std::abort();
        pa.wipe();
        pb.wipe();
    }
    return 0;
}
