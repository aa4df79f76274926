// libFuzzer target: JSON transaction decoder.
#include <cstddef>
#include <cstdint>

#include "codec/json_decode.h"
#include "fuzz_common.h"

using namespace txscreen;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static json_decoder dec(fuzz::tokenizer());
    Txn t;
    reject_reason r = dec.decode(reinterpret_cast<const char*>(data), size, t);
    fuzz::check_result(r, t);
    return 0;
}
