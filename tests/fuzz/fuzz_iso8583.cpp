// libFuzzer target: ISO 8583 decoder in all three dialects. The first byte picks the
// dialect; the rest is one message.
#include <cstddef>
#include <cstdint>

#include "codec/iso8583.h"
#include "fuzz_common.h"

using namespace txscreen;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    iso_decode_context ctx;
    ctx.tokenizer = &fuzz::tokenizer();
    ctx.dialect = static_cast<iso_dialect>(data[0] % 3);
    ctx.reference_time_ms = 1'790'000'000'000;  // 2026-09
    Txn t;
    reject_reason r = decode_iso8583(data + 1, size - 1, ctx, t);
    fuzz::check_result(r, t);
    return 0;
}
