// JSON field maps ([feed.json_map], docs/feeds.md "JSON field maps"): where each key of
// txscreen's own JSON is in a producer's message (an RFC 6901 JSON pointer) and how its
// value converts, and the translator that rewrites one producer message into txscreen's
// JSON for json_decoder. Translating, not decoding, keeps every check, the PAN masking,
// the tokenization and the reject reasons those of the canonical path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "codec/json_decode.h"  // json_max_message
#include "common/reject.h"

namespace txscreen {

class toml_section;
class config_errors;

enum class json_time_unit : uint8_t { ms, s, rfc3339 };  // ms = canonical default
enum class json_amount_unit : uint8_t { major, minor };

struct json_map_field {
    std::string pointer;  // RFC 6901 JSON pointer, "" = not mapped
};

struct json_map {
    // One entry per canonical key; pointer "" = not mapped.
    json_map_field txn_id, card, card_id, account_id, amount, currency, merchant_id, merchant_name, mcc,
        country, city, lat, lon, channel, device_id, ip, email, ts;
    json_time_unit ts_unit = json_time_unit::ms;
    json_amount_unit amount_unit = json_amount_unit::major;
    std::string fixed_currency;  // currency = { value = "EUR" }: used for every message
    bool empty() const noexcept;  // nothing mapped
};

// The canonical keys (docs/feeds.md "JSON payload", "Keys"), in that table's order,
// which is also the order the translator writes them in.
struct json_map_key {
    std::string_view name;
    json_map_field json_map::*field;
};
inline constexpr std::array<json_map_key, 18> json_map_keys = {{
    {"txn_id", &json_map::txn_id},
    {"ts", &json_map::ts},
    {"card", &json_map::card},
    {"card_id", &json_map::card_id},
    {"account_id", &json_map::account_id},
    {"amount", &json_map::amount},
    {"currency", &json_map::currency},
    {"merchant_id", &json_map::merchant_id},
    {"merchant_name", &json_map::merchant_name},
    {"mcc", &json_map::mcc},
    {"country", &json_map::country},
    {"city", &json_map::city},
    {"lat", &json_map::lat},
    {"lon", &json_map::lon},
    {"channel", &json_map::channel},
    {"device_id", &json_map::device_id},
    {"ip", &json_map::ip},
    {"email", &json_map::email},
}};

// Reads a [feed.json_map] table: each key a canonical name, each value a pointer string
// or an inline table:
//   txn_id = "/transaction_id"
//   amount = { pointer = "/amount_cents", unit = "minor" }   # "major" (default) | "minor"
//   currency = { value = "EUR" }                              # or "/currency", { pointer = ... }
//   ts = { pointer = "/timestamp", unit = "s" }               # "s" | "ms" | "rfc3339"; plain = "ms"
// Problems (unknown keys, wrong types, unknown units) name their key. Init time only.
void read_json_map(const toml_section& s, json_map& m);

// Every pointer "" or RFC 6901 ('/'-separated, '~' only as ~0 or ~1); txn_id, amount,
// merchant_id, ts and one of card / card_id mapped; currency mapped or fixed (not both),
// a fixed one an ISO 4217 alpha code. Keys are named `key_prefix` + "." + key.
void validate(const json_map& m, const std::string& key_prefix, config_errors& errors);

// "" when `pointer` is a valid RFC 6901 pointer (or ""), else why not.
std::string json_pointer_problem(std::string_view pointer);

class json_map_translator {
public:
    // Init time: compiles the pointers into one tree walked once per message and sizes
    // its parser. Throws std::bad_alloc when that memory is not there, and
    // std::invalid_argument for a map validate() refuses a pointer of.
    explicit json_map_translator(const json_map& m);
    ~json_map_translator();
    json_map_translator(const json_map_translator&) = delete;
    json_map_translator& operator=(const json_map_translator&) = delete;

    // Translates one producer message (at most json_max_message bytes) into canonical
    // JSON in `out` (capacity json_max_message bytes), setting out_len. No allocation.
    // Returns reject_reason::none, json_too_large (input, or the output would not fit),
    // json_syntax (not JSON, not an object, anything after it) or json_bad_type (a mapped
    // value of a type its canonical key cannot take, or a ts conversion out of range).
    // A pointer that does not resolve, or resolves to null, leaves its key out. `out`
    // holds the clear PAN afterwards (the caller wipes it); the translator's own copy of
    // the message is wiped before returning.
    reject_reason translate(const char* msg, std::size_t len, char* out, std::size_t& out_len) noexcept;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace txscreen
