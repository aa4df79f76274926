// clear_txn: a transaction as a producer (txgen, tests, --from-jsonl) holds it, with the
// clear PAN and ordinary strings. Used only off the packet path: by the encoders that
// turn it into wire bytes, and by tests that compare a decoded Txn with what was sent.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace txscreen {

struct clear_txn {
    std::string txn_id;         // JSON txn_id (ISO: not sent; stan/rrn/terminal identify)
    int64_t event_time_ms = 0;  // UTC epoch ms (ISO field 7 keeps seconds, MMDDhhmmss)
    std::string pan;            // clear PAN digits; empty when card_id is used (JSON only)
    std::string card_id;
    std::string account_id;
    int64_t amount_minor = 0;
    std::string currency = "USD";  // ISO 4217 alpha; encoders map to numeric for ISO 8583
    std::string merchant_id;       // ISO field 42 (15 chars)
    std::string merchant_name;     // ISO field 43 name (22)
    std::string city;              // ISO field 43 city (13)
    std::string region;            // ISO field 43 state (3)
    std::string country;           // ISO 3166 alpha-2
    uint16_t mcc = 0;
    double lat = std::nan("");     // JSON only
    double lon = std::nan("");
    std::string channel = "pos";   // pos | ecom | atm
    std::string device_id;
    std::string ip;
    std::string email;
    // ISO 8583 specifics (ignored by the JSON encoder)
    uint16_t mti = 200;
    std::string processing_code = "000000";
    std::string stan;              // 6 digits
    std::string rrn;               // 12 chars
    std::string terminal_id;       // 8 chars
    std::string acquirer_id;       // up to 11 digits
    std::string pos_entry_mode;    // 3 digits; derived from channel when empty
    std::string pos_condition;     // 2 digits; derived from channel when empty
    std::string auth_code;
    std::string response_code;
    uint16_t expiry_yymm = 0;
    // Sensitive fields a real feed carries; encoders emit them so tests can prove the
    // decoder never copies them anywhere.
    std::string track2;            // field 35
    std::string pin_block;         // field 52, 16 hex chars
    std::string icc;               // field 55, raw bytes
};

}  // namespace txscreen
