// txgen's synthetic population: cards (Luhn-valid PANs of several brands, home city,
// usual devices, IP, e-mail, typical spend) and merchants (names from word lists, MCC,
// city, 15-char merchant id, terminals), all drawn from one seed. Built once before
// generation; read-only afterwards.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "geo/geo.h"
#include "tools/txgen/rng.h"

namespace txscreen::txgen {

// Descriptors of merchants that screening pattern sets are expected to block. A
// blocklisted merchant's name holds one of them verbatim, upper case, sometimes after a
// processor prefix ("SQ *") and always followed by a store number:
// "SQ *CRYPTO EXCHANGE 0412". Normal merchants' word lists never produce them.
inline constexpr std::array<std::string_view, 7> blocklisted_descriptors = {
    "BITCOIN ATM", "CRYPTO EXCHANGE", "ONLINE CASINO", "SPORTS BETTING",
    "GIFT CARD MALL", "WIRE TRANSFER", "MONEY TRANSFER",
};

struct card_profile {
    std::string pan;            // clear PAN, Luhn-valid, 15-19 digits
    uint16_t expiry_yymm;
    uint32_t home_city;         // index into population::cities()
    std::string email;
    std::string ip;             // usual IPv4 (text)
    std::string devices[2];     // usual device ids
    uint8_t device_count;       // 1 or 2
    int64_t typical_usd_cents;  // typical ticket in USD cents
    float ecom_share;           // fraction of the card's normal traffic that is e-commerce
};

struct merchant_profile {
    std::string merchant_id;    // 15 chars (ISO 8583 field 42)
    std::string name;           // <= 22 chars (ISO 8583 field 43 name part)
    std::string acquirer_id;    // digits (field 32)
    uint16_t mcc;
    uint32_t city;              // index into population::cities()
    uint32_t first_terminal;    // terminal ids are "T" + 7 digits from this number
    uint8_t terminal_count;
    bool online;                // e-commerce merchant (no card-present traffic)
    bool blocklisted;           // name carries a blocklisted descriptor
    std::string_view currency;  // ISO 4217 alpha the merchant bills in
    double per_usd;             // units of `currency` per USD (fixed synthetic rates)
};

struct city_entry {
    const city_info* info;
    std::vector<uint32_t> merchants;  // card-present merchants located here
    uint32_t atm;                     // the city's bank ATM merchant
};

// Currency of a merchant country (alpha-2) and how many units of it one USD buys; a
// handful of major currencies, USD for every other country.
struct fx_rate {
    std::string_view currency;
    double per_usd;
};
fx_rate currency_for_country(std::string_view alpha2) noexcept;

class population {
public:
    // Builds `cards` cards and about `merchants` merchants over the given cities (the
    // world_cities() table by default). Throws std::invalid_argument when the city
    // table is empty or counts are zero.
    // With local_currencies, merchants bill in their country's currency (fixed
    // synthetic rates); otherwise every merchant bills USD.
    population(uint64_t seed, uint32_t cards, uint32_t merchants, bool local_currencies = false,
               std::span<const city_info> cities = world_cities());

    std::span<const card_profile> cards() const noexcept { return _cards; }
    std::span<const merchant_profile> merchants() const noexcept { return _merchants; }
    std::span<const city_entry> cities() const noexcept { return _cities; }
    // Online merchants (e-commerce) by currency class: all, and those billing in USD.
    std::span<const uint32_t> online_merchants() const noexcept { return _online; }
    std::span<const uint32_t> online_usd_merchants() const noexcept { return _online_usd; }
    std::span<const uint32_t> blocklisted_merchants() const noexcept { return _blocklisted; }

    // Writes the 8-char terminal id of terminal k (< terminal_count) of merchant m.
    static std::string terminal_id(const merchant_profile& m, unsigned k);

private:
    std::vector<card_profile> _cards;
    std::vector<merchant_profile> _merchants;
    std::vector<city_entry> _cities;
    std::vector<uint32_t> _online, _online_usd, _blocklisted;
};

// A fresh device id ("dev-" + 16 hex) / public-looking IPv4 address from `r`.
std::string random_device(rng& r);
std::string random_ip(rng& r);

// True when the digits pass the Luhn check (txgen's own check, used to build PANs).
bool luhn_valid(std::string_view digits) noexcept;

}  // namespace txscreen::txgen
