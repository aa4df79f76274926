#include "tools/txgen/population.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <unordered_set>

#include "tools/txgen/rng.h"

namespace txscreen::txgen {

namespace {

// Words that build merchant names. None of them, alone or joined, spells a blocklisted
// descriptor or a high-risk category, so normal traffic stays clean for screening.
constexpr std::string_view name_words[] = {
    "BLUE", "RIVER", "OAK", "MAPLE", "SUNNY", "GOLDEN", "NORTH", "HARBOR", "CEDAR", "PINE",
    "SILVER", "GREEN", "ROSE", "STONE", "BRIGHT", "URBAN", "CORNER", "VALLEY", "LAKE", "HILL",
    "PARK", "BAY", "FOX", "ELM", "IRON", "MAIN", "PRIME", "ROYAL", "SUMMIT", "COASTAL",
    "METRO", "WILLOW", "AMBER", "LUCKY", "FRESH", "EAST", "WEST", "SOUTH", "OLD TOWN", "CITY",
};

struct merchant_kind {
    uint16_t mcc;
    std::string_view suffix;
};
// Card-present kinds (no high-risk MCC: 7995, 5967, 4829, 6051, 5993, 7273).
constexpr merchant_kind store_kinds[] = {
    {5411, "MARKET"},   {5411, "GROCERY"},   {5812, "BISTRO"},     {5812, "GRILL"},
    {5814, "BURGERS"},  {5814, "CAFE"},      {5541, "FUEL"},       {5311, "DEPT STORE"},
    {5912, "PHARMACY"}, {5732, "ELECTRONICS"}, {5651, "OUTFITTERS"}, {5942, "BOOKS"},
    {7011, "HOTEL"},    {4121, "TAXI"},      {5200, "HARDWARE"},   {7832, "CINEMA"},
    {5499, "DELI"},     {5661, "SHOES"},     {5995, "PET SUPPLY"}, {5999, "GOODS"},
};
constexpr merchant_kind online_kinds[] = {
    {5999, "ONLINE"},    {5735, "MUSIC"},     {5815, "DIGITAL"}, {4899, "STREAMING"},
    {5732, "TECH STORE"}, {5942, "EBOOKS"},   {5311, "MARKETPLACE"}, {4722, "TRAVEL"},
};
constexpr uint16_t blocklisted_mcc[blocklisted_descriptors.size()] = {6051, 6051, 7995, 7995, 5999, 4829, 4829};
constexpr std::string_view bank_words[] = {"FIRST", "UNION", "CITY", "NATIONAL", "PEOPLES", "CAPITAL", "TRUST"};

constexpr std::string_view first_names[] = {
    "james", "mary", "wei", "fatima", "carlos", "ana", "ivan", "yuki", "amir", "lena",
    "kofi", "priya", "liam", "sofia", "omar", "chen", "noah", "emma", "raj", "mia",
};
constexpr std::string_view last_names[] = {
    "smith", "garcia", "wang", "khan", "silva", "mueller", "ivanov", "tanaka", "cohen", "okafor",
    "patel", "jones", "rossi", "kim", "nguyen", "lopez", "brown", "sato", "haddad", "novak",
};
constexpr std::string_view mail_domains[] = {"mail.example", "inbox.example", "post.example", "webmail.example"};
constexpr uint8_t ip_first_octets[] = {24, 31, 37, 46, 50, 62, 68, 71, 73, 76, 81, 86, 90, 98,
                                       101, 109, 151, 173, 185, 188, 195, 203, 212};

struct bin_entry {
    std::string prefix;  // 6 or 8 digits
    uint8_t pan_len;
};

std::string digits(rng& r, unsigned n) {
    std::string s(n, '0');
    for (auto& c : s) c = static_cast<char>('0' + r.below(10));
    return s;
}

// prefix + tail, by appends (GCC 12 warns falsely on `"4" + std::string&&`).
std::string join(std::string_view prefix, const std::string& tail) {
    std::string s(prefix);
    s += tail;
    return s;
}

char luhn_check_digit(std::string_view body) {
    // Doubling starts from the digit left of the (missing) check digit.
    unsigned sum = 0;
    bool dbl = true;
    for (auto it = body.rbegin(); it != body.rend(); ++it) {
        unsigned d = static_cast<unsigned>(*it - '0');
        if (dbl) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
        dbl = !dbl;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::vector<bin_entry> make_bins(rng& r) {
    std::vector<bin_entry> bins;
    auto add = [&](int count, auto&& make_prefix, uint8_t len) {
        for (int i = 0; i < count; ++i) bins.push_back({make_prefix(), len});
    };
    add(20, [&] { return join("4", digits(r, 5)); }, 16);                                  // Visa
    add(4, [&] { return join("4", digits(r, 7)); }, 16);                                   // Visa, 8-digit BIN
    add(10, [&] { return join(std::to_string(51 + r.below(5)), digits(r, 4)); }, 16);     // Mastercard 51-55
    add(4, [&] { return join(std::to_string(2221 + r.below(500)), digits(r, 2)); }, 16);  // Mastercard 2-series
    add(4, [&] { return join(r.chance(0.5) ? "34" : "37", digits(r, 4)); }, 15);  // Amex
    add(2, [&] { return join("6011", digits(r, 2)); }, 16);                                // Discover
    add(2, [&] { return join(std::to_string(3528 + r.below(62)), digits(r, 2)); }, 16);   // JCB
    add(2, [&] { return join("62", digits(r, 4)); }, 19);                                  // UnionPay
    return bins;
}

// Cumulative weights for weighted picks with binary search.
uint32_t pick_weighted(rng& r, const std::vector<double>& cumulative) {
    const double x = r.uniform() * cumulative.back();
    return static_cast<uint32_t>(std::upper_bound(cumulative.begin(), cumulative.end(), x) - cumulative.begin());
}

}  // namespace

std::string random_ip(rng& r) {
    char b[20];
    std::snprintf(b, sizeof b, "%u.%u.%u.%u", ip_first_octets[r.below(std::size(ip_first_octets))],
                  static_cast<unsigned>(r.below(256)), static_cast<unsigned>(r.below(256)),
                  static_cast<unsigned>(1 + r.below(254)));
    return b;
}

std::string random_device(rng& r) {
    char b[24];
    std::snprintf(b, sizeof b, "dev-%016llx", static_cast<unsigned long long>(r.next()));
    return b;
}

namespace {

std::string store_name(rng& r, std::string_view suffix) {
    // Two words when they fit the 22-char field, one otherwise.
    std::string a(name_words[r.below(std::size(name_words))]);
    std::string b(name_words[r.below(std::size(name_words))]);
    std::string two = a + " " + b + " " + std::string(suffix);
    if (two.size() <= 22 && a != b) return two;
    std::string one = a + " " + std::string(suffix);
    return one.size() <= 22 ? one : std::string(suffix);
}

}  // namespace

fx_rate currency_for_country(std::string_view c) noexcept {
    struct row {
        std::string_view country, currency;
        double per_usd;
    };
    static constexpr row rows[] = {
        {"GB", "GBP", 0.79}, {"JP", "JPY", 150.0}, {"DE", "EUR", 0.93}, {"FR", "EUR", 0.93},
        {"IT", "EUR", 0.93}, {"ES", "EUR", 0.93},  {"NL", "EUR", 0.93}, {"BE", "EUR", 0.93},
        {"AT", "EUR", 0.93}, {"PT", "EUR", 0.93},  {"IE", "EUR", 0.93}, {"GR", "EUR", 0.93},
        {"FI", "EUR", 0.93}, {"CA", "CAD", 1.36},  {"AU", "AUD", 1.52}, {"CH", "CHF", 0.88},
        {"BR", "BRL", 5.0},  {"IN", "INR", 83.0},  {"MX", "MXN", 17.0},
    };
    for (const row& r : rows)
        if (r.country == c) return {r.currency, r.per_usd};
    return {"USD", 1.0};
}

bool luhn_valid(std::string_view d) noexcept {
    if (d.size() < 2) return false;
    unsigned sum = 0;
    bool dbl = false;
    for (auto it = d.rbegin(); it != d.rend(); ++it) {
        if (*it < '0' || *it > '9') return false;
        unsigned v = static_cast<unsigned>(*it - '0');
        if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        sum += v;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

std::string population::terminal_id(const merchant_profile& m, unsigned k) {
    std::string s = "T0000000";
    for (uint32_t v = (m.first_terminal + k) % 10000000u, i = 7; v; v /= 10, --i) s[i] = static_cast<char>('0' + v % 10);
    return s;
}

population::population(uint64_t seed, uint32_t n_cards, uint32_t n_merchants, bool local_currencies,
                       std::span<const city_info> cities) {
    if (cities.empty()) throw std::invalid_argument("txgen: the city table is empty");
    if (n_cards == 0 || n_merchants == 0) throw std::invalid_argument("txgen: cards and merchants must be > 0");
    rng r(rng::derive(seed, 1));

    // Cities weighted by population^0.7 so large cities dominate without swallowing
    // everything; merchants follow the same weights.
    std::vector<double> cum;
    double acc = 0;
    for (const city_info& c : cities) {
        acc += std::pow(std::max<double>(c.population, 1000.0), 0.7);
        cum.push_back(acc);
    }
    _cities.reserve(cities.size());
    for (const city_info& c : cities) _cities.push_back({&c, {}, 0});

    uint32_t next_terminal = 1;
    uint64_t next_mid = 1;
    auto new_merchant = [&](std::string name, uint16_t mcc, uint32_t city, bool online, bool blocklisted) {
        merchant_profile m;
        char id[24];
        std::snprintf(id, sizeof id, "TXG%012llu", static_cast<unsigned long long>(next_mid++));
        m.merchant_id = id;
        m.name = std::move(name);
        m.acquirer_id = std::to_string(100000 + r.below(900000));
        m.mcc = mcc;
        m.city = city;
        m.terminal_count = online ? 1 : static_cast<uint8_t>(1 + r.below(4));
        m.first_terminal = next_terminal;
        next_terminal += m.terminal_count;
        m.online = online;
        m.blocklisted = blocklisted;
        const fx_rate fx = local_currencies ? currency_for_country(cities[city].country) : fx_rate{"USD", 1.0};
        m.currency = fx.currency;
        m.per_usd = fx.per_usd;
        _merchants.push_back(std::move(m));
        return static_cast<uint32_t>(_merchants.size() - 1);
    };

    // Every city gets an ATM and at least one store so any home city works.
    for (uint32_t c = 0; c < cities.size(); ++c) {
        std::string bank = std::string(bank_words[r.below(std::size(bank_words))]) + " BANK ATM";
        _cities[c].atm = new_merchant(std::move(bank), 6011, c, false, false);
        const merchant_kind& k = store_kinds[r.below(std::size(store_kinds))];
        _cities[c].merchants.push_back(new_merchant(store_name(r, k.suffix), k.mcc, c, false, false));
    }
    const uint32_t n_online = std::max<uint32_t>(48, n_merchants / 7);
    for (uint32_t i = 0; i < n_online; ++i) {
        const merchant_kind& k = online_kinds[r.below(std::size(online_kinds))];
        // Online merchants bill in USD from a US-like base half the time so card-testing
        // bursts (<= USD 2) have plenty of merchants to spread across.
        const uint32_t city = pick_weighted(r, cum);
        const uint32_t m = new_merchant(store_name(r, k.suffix), k.mcc, city, true, false);
        if (i % 2 == 0) {
            _merchants[m].currency = "USD";
            _merchants[m].per_usd = 1.0;
        }
        _online.push_back(m);
        if (_merchants[m].currency == "USD") _online_usd.push_back(m);
    }
    for (uint32_t i = 0; i < 3 * blocklisted_descriptors.size(); ++i) {
        const std::size_t d = i % blocklisted_descriptors.size();
        // Name field is 22 chars: the processor prefix only when a 2+ digit store
        // number still fits after it.
        std::string name = r.chance(0.3) ? "SQ *" : "";
        name += blocklisted_descriptors[d];
        if (name.size() + 3 > 22) name = std::string(blocklisted_descriptors[d]);
        const int width = static_cast<int>(std::min<std::size_t>(4, 22 - name.size() - 1));
        char num[8];
        std::snprintf(num, sizeof num, " %0*u", width, static_cast<unsigned>(r.below(width == 4 ? 10000 : 100)));
        name += num;
        const uint32_t m = new_merchant(name, blocklisted_mcc[d], pick_weighted(r, cum), true, true);
        _merchants[m].currency = "USD";
        _merchants[m].per_usd = 1.0;
        _blocklisted.push_back(m);
    }
    while (_merchants.size() < n_merchants + n_online) {
        const uint32_t city = pick_weighted(r, cum);
        const merchant_kind& k = store_kinds[r.below(std::size(store_kinds))];
        _cities[city].merchants.push_back(new_merchant(store_name(r, k.suffix), k.mcc, city, false, false));
    }

    const std::vector<bin_entry> bins = make_bins(r);
    std::vector<double> bin_cum;
    {
        double a = 0;
        for (std::size_t i = 0; i < bins.size(); ++i) bin_cum.push_back(a += 1.0);
    }
    std::unordered_set<std::string> seen;
    seen.reserve(n_cards * 2);
    _cards.reserve(n_cards);
    while (_cards.size() < n_cards) {
        const bin_entry& b = bins[pick_weighted(r, bin_cum)];
        std::string body = b.prefix + digits(r, b.pan_len - 1 - static_cast<unsigned>(b.prefix.size()));
        body.push_back(luhn_check_digit(body));
        if (!seen.insert(body).second) continue;  // PANs are unique within a population
        card_profile c;
        c.pan = std::move(body);
        c.expiry_yymm = static_cast<uint16_t>((27 + r.below(5)) * 100 + 1 + r.below(12));
        c.home_city = pick_weighted(r, cum);
        const std::size_t fi = r.below(std::size(first_names)), li = r.below(std::size(last_names));
        c.email = std::string(first_names[fi]) + "." + std::string(last_names[li]) +
                  std::to_string(r.below(1000)) + "@" + std::string(mail_domains[r.below(std::size(mail_domains))]);
        c.ip = random_ip(r);
        c.device_count = static_cast<uint8_t>(1 + r.below(2));
        for (unsigned d = 0; d < c.device_count; ++d) c.devices[d] = random_device(r);
        const double typical = std::exp(std::log(45.0) + 0.6 * r.normal());
        c.typical_usd_cents = static_cast<int64_t>(std::clamp(typical, 10.0, 400.0) * 100);
        c.ecom_share = static_cast<float>(r.uniform(0.1, 0.4));
        _cards.push_back(std::move(c));
    }
}

}  // namespace txscreen::txgen
