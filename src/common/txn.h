// The decoded transaction: one fixed-size record per feed message, written by the
// decoders (ISO 8583 or JSON) and read by screening, velocity and rules. No heap, no
// std::string. The clear PAN never reaches this struct: decoders store only the token
// (a keyed MAC, see pan_token.h), the BIN and the last four digits.
//
// Text sizes are part of the record's contract (docs/feeds.md); a longer input is cut
// to the size and the field's bit is set in `truncated`, which the rx stage counts.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/fixed_text.h"

namespace txscreen {

enum class channel : uint8_t { unknown = 0, pos = 1, ecom = 2, atm = 3 };

enum class payload_format : uint8_t { iso8583 = 0, json = 1 };

// What a Txn on the rx -> worker ring stands for: a transaction to screen, or the
// issuer's outcome of one screened earlier (a request paired with its response on a
// TCP feed: docs/feeds.md, "TCP feeds"). Outcomes are not scored; they update the
// card's state (declines) and leave as outcome records.
enum class txn_kind : uint8_t { request = 0, outcome = 1 };

// Bits of Txn::truncated, one per text field that can be cut.
enum txn_field_bit : uint32_t {
    tf_txn_id = 1u << 0,
    tf_card_id = 1u << 1,
    tf_account_id = 1u << 2,
    tf_merchant_id = 1u << 3,
    tf_merchant_name = 1u << 4,
    tf_city = 1u << 5,
    tf_device_id = 1u << 6,
    tf_ip = 1u << 7,
    tf_email = 1u << 8,
    tf_terminal_id = 1u << 9,
    tf_acquirer_id = 1u << 10,
    tf_region = 1u << 11,
};

inline constexpr std::size_t card_token_bytes = 16;  // a 128-bit MAC (common/pan_token.h)

struct alignas(64) Txn {
    // ---- cache line 0: what velocity and rules read for every transaction
    int64_t event_time_ms;   // transaction time, Unix epoch milliseconds, UTC
    int64_t amount_minor;    // amount in minor units of `currency` (cents for USD)
    uint8_t card_token[card_token_bytes];  // MAC(key, PAN or "id:"+card_id): AES-CMAC or HMAC-SHA256/128
    uint64_t feed_seq;       // MoldUDP64 sequence number (0 for raw framing)
    uint64_t rx_tsc;         // TSC when the rx burst holding the message was received
    int64_t rx_clock_ms;     // receive clock, epoch ms: the capture's timestamp when the
                             // NIC gives one (pcap replays), else the host clock at rx;
                             // 0 = unknown (event time is then not bounded)
    uint16_t currency;       // ISO 4217 numeric (840 = USD); 0 when unknown
    uint16_t mcc;            // merchant category code, 0 when absent
    uint16_t mti;            // ISO 8583 MTI as a number (200 for "0200"); 0 for JSON
    uint16_t feed_id;        // index of the feed in config
    uint8_t currency_exponent;  // minor-unit digits of `currency` (2 for USD, 0 for JPY)
    channel chan;
    payload_format format;
    uint8_t pan_len;         // digits in the clear PAN (0 when the feed gave card_id)
    uint32_t truncated;      // txn_field_bit set for each text field cut to size
    float lat;               // NaN when the message carries no coordinates
    float lon;

    // ---- card and account
    char card_bin[9];        // first 6 digits (8 when the PAN has >= 16 digits), NUL-padded
    char card_last4[5];      // last four digits, NUL-terminated
    uint16_t expiry_yymm;    // field 14 as YYMM number, 0 when absent
    fixed_text<32> card_id;  // JSON "card_id" when the producer sends no PAN
    fixed_text<32> account_id;

    // ---- identifiers
    fixed_text<40> txn_id;   // JSON txn_id; empty for ISO 8583 (stan/rrn/terminal identify it)
    char stan[7];            // field 11, 6 digits, NUL-terminated ("" when absent)
    char rrn[13];            // field 37
    char auth_code[7];       // field 38
    char response_code[4];   // field 39: 1987 response code (2) or 1993 action code (3)
    char processing_code[7]; // field 3
    char pos_entry_mode[4];  // field 22
    char pos_condition[3];   // field 25
    uint8_t pans_masked;     // PANs the decoder masked in text fields (pan_scrub.h), max 255
    uint32_t masked_fields;  // txn_field_bit set for each text field a PAN was masked in
    uint32_t local_time;     // field 12 hhmmss as a number
    uint16_t local_date;     // field 13 MMDD as a number
    fixed_text<11> acquirer_id;   // field 32
    fixed_text<8> terminal_id;    // field 41

    // ---- merchant
    fixed_text<24> merchant_id;    // JSON merchant_id or ISO field 42 (card acceptor id)
    fixed_text<40> merchant_name;  // JSON merchant_name or ISO 43 name part (22)
    fixed_text<24> city;           // JSON city or ISO 43 city part (13)
    fixed_text<3> region;          // ISO 43 state part
    char country[3];               // ISO 3166 alpha-2, NUL-terminated ("" when absent)

    // ---- device / e-commerce
    fixed_text<40> device_id;
    fixed_text<45> ip;             // text form, IPv4 or IPv6
    fixed_text<64> email;

    // ---- issuer outcome (kind == outcome; zero for requests)
    txn_kind kind;
    uint16_t request_mti;        // MTI of the paired request (200 for "0200")
    uint32_t issuer_response_us; // response rx time minus request rx time, microseconds
    int64_t request_rx_ns;       // when the request was received, ns since the epoch

    bool has_coords() const noexcept { return !std::isnan(lat) && !std::isnan(lon); }

    // 64-bit key for sharding and hashing: the first 8 token bytes (already uniform).
    uint64_t card_key() const noexcept {
        uint64_t k;
        std::memcpy(&k, card_token, sizeof k);
        return k;
    }

    // Zeroes every field and sets lat/lon to NaN; decoders call it first.
    void reset() noexcept {
        std::memset(static_cast<void*>(this), 0, sizeof *this);
        lat = lon = std::nanf("");
    }
};

static_assert(sizeof(Txn) % 64 == 0);
static_assert(sizeof(Txn) <= 640, "Txn grew: keep the record within 10 cache lines");

}  // namespace txscreen
