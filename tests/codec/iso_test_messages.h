// Random ISO 8583 transactions for the decoder tests and the bench (test-only), written
// with the encoder txscreen shipped before dialect files (legacy_iso_encode.h), so
// the messages do not depend on the code under test.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "codec/clear_txn.h"
#include "legacy_iso_encode.h"

namespace txscreen::iso_test {

inline std::string luhn_pan(std::mt19937_64& rng, std::size_t len) {
    std::string s(len - 1, '0');
    s[0] = static_cast<char>('1' + rng() % 9);
    for (std::size_t i = 1; i < s.size(); ++i) s[i] = static_cast<char>('0' + rng() % 10);
    unsigned sum = 0;
    bool dbl = true;
    for (std::size_t i = s.size(); i-- > 0;) {
        unsigned d = static_cast<unsigned>(s[i] - '0');
        if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        dbl = !dbl;
    }
    return s + static_cast<char>('0' + (10 - sum % 10) % 10);
}

inline std::string random_text(std::mt19937_64& rng, std::size_t min, std::size_t max) {
    static constexpr std::string_view chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-&'#/";
    const std::size_t n = min + rng() % (max - min + 1);
    std::string s(n, ' ');
    for (auto& c : s) c = chars[rng() % chars.size()];
    if (n) s.back() = chars[rng() % 62];  // no trailing space: the wire pads with spaces
    return s;
}

inline std::string random_digits(std::mt19937_64& rng, std::size_t n) {
    std::string s(n, '0');
    for (auto& c : s) c = static_cast<char>('0' + rng() % 10);
    return s;
}

// A request or response with every field txscreen reads, some optional ones absent;
// now and then a PAN in a text field (masked by both decoders).
inline clear_txn random_txn(std::mt19937_64& rng, bool sensitive = true) {
    static const char* currencies[] = {"USD", "EUR", "JPY", "KWD", "GBP", "CLF", ""};
    static const char* channels[] = {"pos", "ecom", "atm"};
    clear_txn t;
    t.pan = luhn_pan(rng, 12 + rng() % 8);
    t.event_time_ms = 1'790'000'000'000 + static_cast<int64_t>(rng() % 10'000'000'000);
    t.amount_minor = static_cast<int64_t>(rng() % 1'000'000'000'000);
    t.currency = currencies[rng() % 7];
    t.channel = channels[rng() % 3];
    t.mcc = static_cast<uint16_t>(rng() % 10000);
    t.merchant_id = random_text(rng, 1, 15);
    t.merchant_name = rng() % 10 ? random_text(rng, 0, 22) : luhn_pan(rng, 16);
    t.city = random_text(rng, 0, 13);
    t.region = random_text(rng, 0, 3);
    t.country = rng() % 5 ? random_text(rng, 2, 2) : "";
    if (rng() % 2) t.device_id = rng() % 10 ? random_text(rng, 1, 40) : "dev " + luhn_pan(rng, 15);
    if (rng() % 2) t.ip = random_text(rng, 7, 45);
    if (rng() % 2) t.email = random_text(rng, 5, 64);
    if (rng() % 3) t.account_id = rng() % 10 ? random_text(rng, 1, 28) : luhn_pan(rng, 16);
    t.mti = static_cast<uint16_t>(rng() % 4 == 0 ? 110 : rng() % 2 ? 100 : 200);
    if (t.mti == 110 && rng() % 2) t.pan.clear();
    t.processing_code = random_digits(rng, 6);
    t.stan = random_digits(rng, 6);
    t.rrn = random_text(rng, 12, 12);
    t.terminal_id = random_text(rng, 1, 8);
    t.acquirer_id = random_digits(rng, 1 + rng() % 11);
    if (rng() % 2) t.auth_code = random_text(rng, 6, 6);
    if (t.mti == 110 || rng() % 2) t.response_code = random_digits(rng, 2);
    if (rng() % 2) t.expiry_yymm = static_cast<uint16_t>(rng() % 100 * 100 + 1 + rng() % 12);
    if (sensitive && rng() % 2 && !t.pan.empty())
        t.track2 = t.pan + "=" + random_digits(rng, 1 + rng() % (36 - t.pan.size()));
    if (sensitive && rng() % 2) t.pin_block = "0123456789ABCDEF";
    if (sensitive && rng() % 2) t.icc = std::string("\x9f\x26\x08", 3) + random_text(rng, 8, 8);
    return t;
}

// One random change to a message: a byte overwritten (often with a digit or a space),
// bytes cut or inserted; what a damaged or hostile feed sends.
inline void mutate(std::mt19937_64& rng, std::vector<uint8_t>& m) {
    if (m.empty()) return;
    const std::size_t at = rng() % m.size();
    switch (rng() % 6) {
        case 0: m[at] = static_cast<uint8_t>(rng()); break;
        case 1: m[at] = static_cast<uint8_t>('0' + rng() % 10); break;
        case 2: m[at] = static_cast<uint8_t>(rng() % 2 ? ' ' : 'D'); break;
        case 3: m.resize(at); break;
        case 4: m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), static_cast<uint8_t>('0' + rng() % 10)); break;
        default: m[at] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
    }
}

}  // namespace txscreen::iso_test
