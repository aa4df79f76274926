// libFuzzer target: MoldUDP64 and raw framing, feeding every framed message on to the
// decoder it would reach in the rx stage. First byte: 0 mold+iso, 1 mold+json,
// 2 raw+iso, 3 raw+json.
#include <cstddef>
#include <cstdint>

#include "codec/framing.h"
#include "codec/iso8583.h"
#include "codec/json_decode.h"
#include "fuzz_common.h"

using namespace txscreen;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    static json_decoder json(fuzz::tokenizer());
    iso_decode_context iso;
    iso.tokenizer = &fuzz::tokenizer();
    iso.reference_time_ms = 1'790'000'000'000;
    const unsigned mode = data[0] % 4;
    const payload_format fmt = (mode & 1) ? payload_format::json : payload_format::iso8583;
    const uint8_t* p = data + 1;
    const std::size_t n = size - 1;

    std::size_t delivered = 0;
    uint64_t last_seq = 0;
    auto on_message = [&](uint64_t seq, const uint8_t* msg, std::size_t len) {
        // Messages must lie inside the datagram and sequences must count up by one.
        if (msg < p || msg + len > p + n || len == 0) std::abort();
        if (delivered && mode < 2 && seq != last_seq + 1) std::abort();
        last_seq = seq;
        ++delivered;
        Txn t;
        reject_reason r = fmt == payload_format::json
                              ? json.decode(reinterpret_cast<const char*>(msg), len, t)
                              : decode_iso8583(msg, len, iso, t);
        fuzz::check_result(r, t);
    };
    if (mode < 2) {
        mold_header h;
        if (parse_mold_header(p, n, h) != reject_reason::none) return 0;
        reject_reason r = for_each_mold_message(p, n, h, on_message);
        if (r == reject_reason::none && h.count != 0 && h.count != mold_end_of_session && delivered != h.count)
            std::abort();
    } else {
        for_each_raw_message(p, n, fmt, on_message);
    }
    return 0;
}
