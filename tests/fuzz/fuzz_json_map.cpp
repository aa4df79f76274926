// libFuzzer target: [feed.json_map] translation (codec/json_map.h), then json_decoder
// on what it wrote. Every input goes through three fixed maps: txscreen's own keys (the
// 'json' seeds are canonical messages), a producer's names with nested pointers, an
// array index, ~0/~1 escapes and epoch seconds, and minor units with a fixed currency.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "codec/json_decode.h"
#include "codec/json_map.h"
#include "fuzz_common.h"

using namespace txscreen;

namespace {

json_map identity_map() {
    json_map m;
    for (const auto& k : json_map_keys) (m.*k.field).pointer = std::string("/").append(k.name);
    return m;
}

json_map producer_map() {
    json_map m;
    m.txn_id.pointer = "/transaction_id";
    m.card.pointer = "/card_number";
    m.card_id.pointer = "/customer/ids/0";
    m.account_id.pointer = "/customer/a~1c";
    m.amount.pointer = "/amount";
    m.currency.pointer = "/currency";
    m.ts.pointer = "/timestamp";
    m.ts_unit = json_time_unit::s;
    m.merchant_id.pointer = "/merchant_id";
    m.merchant_name.pointer = "/merchant";
    m.mcc.pointer = "/category_code";
    m.country.pointer = "/location/country";
    m.city.pointer = "/location/city";
    m.lat.pointer = "/location/lat";
    m.lon.pointer = "/location/lon";
    m.channel.pointer = "/channel";
    m.device_id.pointer = "/device~0id";
    m.ip.pointer = "/ip_address";
    m.email.pointer = "/email";
    return m;
}

json_map minor_map() {
    json_map m = identity_map();
    m.currency.pointer.clear();
    m.fixed_currency = "KWD";
    m.amount_unit = json_amount_unit::minor;
    m.ts_unit = json_time_unit::rfc3339;
    m.merchant_name.pointer = "/txn_id";  // one value, two keys
    return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static json_decoder dec(fuzz::tokenizer());
    static json_map_translator identity(identity_map()), producer(producer_map()), minor(minor_map());
    static char out[json_max_message];
    for (json_map_translator* tr : {&identity, &producer, &minor}) {
        std::size_t n = 1;
        reject_reason r = tr->translate(reinterpret_cast<const char*>(data), size, out, n);
        if (r != reject_reason::none) {
            // The translator's own reasons only, and nothing written.
            if (n != 0) std::abort();
            if (r != reject_reason::json_syntax && r != reject_reason::json_bad_type &&
                r != reject_reason::json_too_large)
                std::abort();
            continue;
        }
        if (n < 2 || n > json_max_message || out[0] != '{' || out[n - 1] != '}') std::abort();
        Txn t;
        r = dec.decode(out, n, t);
        if (r == reject_reason::json_too_large) std::abort();
        fuzz::check_result(r, t);
    }
    return 0;
}
