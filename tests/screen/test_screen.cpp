// Screening behaviour: the starter set's coverage and false positives, the result a
// worker gets (ids, categories, weight, version), and hot swap of pattern databases.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rules/publish.h"
#include "screen/pattern_db.h"
#include "screen/screen.h"
#include "screen/screen_cache.h"
#include "screen_test_util.h"

using namespace txscreen;
using txscreen::test::make_txn;

namespace {

const pattern_db& starter() {
    static std::unique_ptr<pattern_db> db =
        pattern_db::from_file(test::starter_patterns_path(), {7, 2});
    return *db;
}

bool has_id(const screen_result& r, uint32_t id) {
    for (int i = 0; i < r.n_ids; ++i)
        if (r.ids[i] == id) return true;
    return false;
}

std::string describe(const pattern_db& db, const screen_result& r) {
    std::string s;
    for (int i = 0; i < r.n_ids; ++i) {
        const pattern_def* d = db.find(r.ids[i]);
        s += (d ? format_pattern(*d) : std::to_string(r.ids[i])) + "\n";
    }
    return s;
}

}  // namespace

TEST_CASE("starter set: parses, compiles, covers every category", "[unit][screen]") {
    const pattern_db& db = starter();
    CHECK(db.size() >= 300);
    CHECK(db.version() == 7);
    CHECK(db.workers() == 2);
    CHECK(db.database_bytes() > 0);
    std::set<pattern_category> cats;
    for (const auto& d : db.definitions()) cats.insert(d.category);
    CHECK(cats.size() == static_cast<std::size_t>(pattern_category_count));
    CHECK(db.patterns_for(screen_field::merchant_name) >= 200);
    CHECK(db.patterns_for(screen_field::email) >= 50);
    CHECK(db.patterns_for(screen_field::ip) >= 30);
    CHECK(db.database(screen_field::city) == nullptr);  // no starter pattern looks at city
    CHECK(db.patterns_for(screen_field::city) == 0);
}

TEST_CASE("starter set: txgen's blocklisted descriptors match their category", "[unit][screen]") {
    struct { const char* name; pattern_category cat; } cases[] = {
        {"BITCOIN ATM", pattern_category::crypto},
        {"CRYPTO EXCHANGE", pattern_category::crypto},
        {"ONLINE CASINO", pattern_category::gambling},
        {"SPORTS BETTING", pattern_category::gambling},
        {"GIFT CARD MALL", pattern_category::gift_card},
        {"WIRE TRANSFER", pattern_category::money_transfer},
        {"MONEY TRANSFER", pattern_category::money_transfer},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        // As JSON carries it, and as ISO 8583 field 43 pads it to 22 characters.
        for (std::string name : {std::string(c.name), std::string(c.name) + std::string(22 - std::strlen(c.name), ' '),
                                 std::string(c.name) + " 0042"}) {
            screen_result r = screen_txn(starter(), 0, make_txn(name, "NEW YORK"));
            CHECK(r.n_ids >= 1);
            CHECK((r.categories & category_bit(c.cat)) != 0);
            CHECK(r.weight > 0);
            CHECK(r.fields == field_bit(screen_field::merchant_name));
            CHECK(r.version == 7);
            CHECK_FALSE(r.error);
        }
    }
}

TEST_CASE("starter set: matches on each category", "[unit][screen]") {
    struct { const char* merchant; const char* email; const char* ip; pattern_category cat; } cases[] = {
        {"BET365 LONDON", "", "", pattern_category::gambling},
        {"DRAFTKINGS*SPORTSBOOK", "", "", pattern_category::gambling},
        {"POKERSTARS.COM", "", "", pattern_category::gambling},
        {"NATIONAL LOTTERY", "", "", pattern_category::gambling},
        {"Paddy Power", "", "", pattern_category::gambling},
        {"COINBASE INC", "", "", pattern_category::crypto},
        {"BINANCE.COM", "", "", pattern_category::crypto},
        {"MOONPAY*BTC", "", "", pattern_category::crypto},
        {"BITCOIN DEPOT 1123", "", "", pattern_category::crypto},
        {"CRYPTO.COM", "", "", pattern_category::crypto},
        {"PAYSAFECARD", "", "", pattern_category::gift_card},
        {"VANILLA GIFT", "", "", pattern_category::gift_card},
        {"BITREFILL", "", "", pattern_category::gift_card},
        {"WESTERN UNION 8823", "", "", pattern_category::money_transfer},
        {"MONEYGRAM", "", "", pattern_category::money_transfer},
        {"SKRILL LTD", "", "", pattern_category::money_transfer},
        {"REMITLY* PAYMENT", "", "", pattern_category::money_transfer},
        {"CHATURBATE", "", "", pattern_category::adult},
        {"CCBILL.COM*", "", "", pattern_category::adult},
        {"", "john.doe@mailinator.com", "", pattern_category::disposable_email},
        {"", "X@YOPMAIL.FR", "", pattern_category::disposable_email},
        {"", "a@sub.guerrillamail.com", "", pattern_category::disposable_email},
        {"", "z@my-temp-mail.xyz", "", pattern_category::disposable_email},
        {"", "", "185.220.101.47", pattern_category::anonymizer_ip},
        {"", "", "199.249.230.88", pattern_category::anonymizer_ip},
        {"", "", "209.141.45.3", pattern_category::anonymizer_ip},
        {"", "", "2A0B:F4C2::1", pattern_category::anonymizer_ip},
        {"", "", "0.0.0.0", pattern_category::blocklist},
        {"", "user@example.com", "", pattern_category::blocklist},
    };
    for (const auto& c : cases) {
        INFO(c.merchant << " | " << c.email << " | " << c.ip);
        screen_result r = screen_txn(starter(), 1, make_txn(c.merchant, "", c.email, c.ip));
        CHECK(r.n_ids >= 1);
        CHECK((r.categories & category_bit(c.cat)) != 0);
    }
}

TEST_CASE("starter set: no match on ordinary merchants, cities, e-mails and IPs", "[unit][screen]") {
    const char* merchants[] = {
        "WALMART SUPERCENTER", "WAL-MART #1234", "TARGET T-0912", "COSTCO WHSE #0455",
        "KROGER #123", "SAFEWAY 1442", "PUBLIX SUPER MARKETS", "WHOLE FOODS MKT",
        "TRADER JOE'S #512", "ALDI 44021", "LIDL GB LONDON", "TESCO STORES 2231",
        "SAINSBURYS S/MKTS", "CARREFOUR MARKET", "GEANT CASINO", "CASINO SUPERMARCHE",
        "LOTTE MART", "EDEKA CENTER", "REWE MARKT", "MERCADONA",
        "SHELL OIL 57442", "CHEVRON 0093", "EXXONMOBIL 4471", "BP CONNECT",
        "TEXACO", "7-ELEVEN 33102", "CIRCLE K 1201", "SPEEDWAY 0445",
        "STARBUCKS STORE 1234", "MCDONALD'S F1234", "BURGER KING #991", "SUBWAY 00332",
        "CHIPOTLE 1123", "DOMINO'S 6612", "PIZZA HUT 0021", "WENDY'S #442",
        "TACO BELL #3321", "KFC Y112", "NANDOS CHICKEN", "PRET A MANGER",
        "POKE BAR", "BETTY'S TEA ROOM", "ALPHABET CAFE", "CORAL GABLES DENTAL",
        "GEMINI DINER", "KRAKEN RUM BAR", "WISE OWL PUB", "MARIA'S BAKERY",
        "DELTA AIR LINES", "UNITED AIRLINES", "AMERICAN AIRLINES", "SOUTHWEST AIRLINES",
        "RYANAIR", "EASYJET", "LUFTHANSA", "BRITISH AIRWAYS", "EMIRATES AIRLINE",
        "AIR FRANCE", "HILTON HOTELS", "MARRIOTT 33 LONDON", "HOLIDAY INN EXPRESS",
        "AIRBNB * HMQ23", "BOOKING.COM", "EXPEDIA 7221", "UBER TRIP", "LYFT RIDE",
        "AMAZON.COM", "AMZN MKTP US", "APPLE.COM/BILL", "NETFLIX.COM", "SPOTIFY P0A2",
        "GOOGLE *YOUTUBE", "MICROSOFT*XBOX", "PLAYSTATION NETWORK", "STEAMGAMES.COM",
        "BEST BUY 00012", "GAMESTOP 4421", "HOME DEPOT 0442", "IKEA", "ZARA", "H&M",
        "CVS PHARMACY #2234", "WALGREENS #1121", "BOOTS THE CHEMIST", "DOLLAR GENERAL",
        "AUTOZONE 1223", "JIFFY LUBE", "PARKING SLOT 12", "HARRY'S BAR",
        "PAYPAL *EBAY", "SQ *COFFEE CART", "CITY OF CHICAGO", "USPS PO 0012",
        "HORSESHOE BAY RESORT", "GREEN LEAF CAFE", "GOLDEN PALACE CHINESE", "STAKEHOUSE GRILL",
    };
    for (const char* m : merchants) {
        screen_result r = screen_txn(starter(), 0, make_txn(m, "LAS VEGAS"));
        INFO(m << " matched:\n" << describe(starter(), r));
        CHECK(r.n_ids == 0);
        CHECK(r.categories == 0);
        CHECK(r.weight == 0);
    }
    const char* emails[] = {"john.smith@gmail.com", "a.b@yahoo.co.uk", "ceo@bigcorp.com",
                            "x@outlook.com", "someone@protonmail.com", "mail@tempo.de",
                            "jane@icloud.com", "mailinator.fan@gmail.com"};
    for (const char* e : emails) {
        screen_result r = screen_txn(starter(), 0, make_txn("", "", e));
        INFO(e << " matched:\n" << describe(starter(), r));
        CHECK(r.n_ids == 0);
    }
    const char* ips[] = {"8.8.8.8", "1.1.1.1", "192.168.1.20", "10.0.0.1", "185.220.99.1",
                         "86.185.220.101", "2001:db8::1", "52.95.110.1"};
    for (const char* ip : ips) {
        screen_result r = screen_txn(starter(), 0, make_txn("", "", "", ip));
        INFO(ip << " matched:\n" << describe(starter(), r));
        CHECK(r.n_ids == 0);
    }
}

TEST_CASE("screen_txn: distinct ids, capped weight, early stop at 8", "[unit][screen]") {
    // Ten patterns that all match "abc", on two fields; weights 30 each.
    std::string text;
    for (int i = 1; i <= 10; ++i)
        text += std::to_string(i) + ":/abc/ " + (i % 2 ? "gambling" : "crypto") + " 30 merchant_name,city\n";
    auto db = pattern_db::from_text(text, "mem", {3, 1});
    screen_result r = screen_txn(*db, 0, make_txn("xx abc", "abc"));
    CHECK(r.n_ids == 8);
    CHECK(r.full);
    CHECK(r.weight == 100);
    CHECK(r.categories == (category_bit(pattern_category::gambling) | category_bit(pattern_category::crypto)));
    CHECK(r.fields == field_bit(screen_field::merchant_name));  // city never scanned: 8 already
    std::set<uint32_t> ids(r.ids, r.ids + r.n_ids);
    CHECK(ids.size() == 8);
    for (uint32_t id : ids) CHECK((id >= 1 && id <= 10));

    // The same pattern hitting two fields counts once, with its weight once.
    auto db2 = pattern_db::from_text("5:/abc/ adult 30 merchant_name,city\n6:/zzz/ crypto 20 city\n",
                                     "mem", {4, 1});
    r = screen_txn(*db2, 0, make_txn("abc", "abc zzz"));
    CHECK(r.n_ids == 2);
    CHECK(r.ids[0] == 5);
    CHECK(r.ids[1] == 6);
    CHECK(r.weight == 50);
    CHECK_FALSE(r.full);
    CHECK(r.fields == (field_bit(screen_field::merchant_name) | field_bit(screen_field::city)));
    CHECK(r.version == 4);

    // Into a Verdict.
    Verdict v{};
    apply_screen_result(r, v);
    CHECK(v.n_patterns == 2);
    CHECK(v.pattern_ids[1] == 6);
    CHECK(v.patterns_version == 4);
    CHECK(v.pattern_categories == (category_bit(pattern_category::adult) | category_bit(pattern_category::crypto)));
}

TEST_CASE("screen_txn: every field, empty fields, bad worker, empty set", "[unit][screen]") {
    auto db = pattern_db::from_text(
        "1:/^M1$/ blocklist 1 merchant_id\n2:/^T1$/ blocklist 1 terminal_id\n"
        "3:/^D1$/ blocklist 1 device_id\n4:/^C1$/ blocklist 1 city\n",
        "mem", {1, 3});
    Txn t = make_txn();
    t.merchant_id.assign("M1");
    t.terminal_id.assign("T1");
    t.device_id.assign("D1");
    screen_result r = screen_txn(*db, 2, t);
    CHECK(r.n_ids == 3);
    CHECK(has_id(r, 1));
    CHECK(has_id(r, 2));
    CHECK(has_id(r, 3));
    CHECK(r.fields == (field_bit(screen_field::merchant_id) | field_bit(screen_field::terminal_id) |
                       field_bit(screen_field::device_id)));
    CHECK(screen_txn(*db, 0, make_txn()).n_ids == 0);

    r = screen_txn(*db, 3, t);
    CHECK(r.error);
    CHECK(r.n_ids == 0);

    auto empty = pattern_db::from_text("# nothing\n", "mem", {1, 2});
    CHECK(empty->size() == 0);
    r = screen_txn(*empty, 1, make_txn("ONLINE CASINO"));
    CHECK(r.n_ids == 0);
    CHECK_FALSE(r.error);
}

TEST_CASE("screen_burst: the results of screen_txn per txn, field by field", "[unit][screen]") {
    // Overlapping patterns on several fields so that some txns fill up (8 ids) in the
    // first field and must not be scanned further, others match across fields.
    std::string text;
    for (int i = 1; i <= 10; ++i)
        text += std::to_string(i) + ":/abc/ " + (i % 2 ? "gambling" : "crypto") + " 30 merchant_name,city\n";
    text += "20:/zzz/ crypto 20 city,email\n21:/@mailinator\\.com$/ disposable_email 15 email\n";
    text += "22:/^10\\.9\\./ anonymizer_ip 25 ip\n";
    auto db = pattern_db::from_text(text, "mem", {9, 2});
    const char* names[] = {"", "xx abc", "CORNER SHOP", "abc"};
    const char* cities[] = {"", "abc", "zzz", "PARIS"};
    const char* emails[] = {"", "a@mailinator.com", "zzz@example.com", "b@example.com"};
    const char* ips[] = {"", "10.9.1.1", "10.1.1.1"};
    std::vector<Txn> txns;
    for (const char* n : names)
        for (const char* c : cities)
            for (const char* e : emails)
                for (const char* ip : ips) txns.push_back(make_txn(n, c, e, ip));
    REQUIRE(txns.size() == 192);
    std::vector<screen_result> got(txns.size());
    for (unsigned worker : {0u, 1u}) {
        screen_burst(*db, worker, txns.data(), txns.size(), got.data());
        std::size_t full = 0, matched = 0;
        for (std::size_t j = 0; j < txns.size(); ++j) {
            INFO("txn " << j);
            const screen_result want = screen_txn(*db, worker, txns[j]);
            CHECK(std::memcmp(&got[j], &want, sizeof want) == 0);
            full += want.full;
            matched += want.n_ids > 0;
        }
        CHECK(full > 0);
        CHECK(matched > full);
    }
    // A worker without scratch: every result says error, nothing is scanned.
    screen_burst(*db, 2, txns.data(), 3, got.data());
    for (int j = 0; j < 3; ++j) {
        CHECK(got[j].error);
        CHECK(got[j].n_ids == 0);
        CHECK(got[j].version == 9);
    }
}

TEST_CASE("screen_burst with a scan cache: the results without one, hit or miss, across a swap",
          "[unit][screen]") {
    // Merchant fields (kept by the cache) with 0, 1, 5, 7 (the most an entry keeps), 9
    // and 12 matches (12 ids in 40 bytes, merchant_name's size); a city that fills the
    // result at the first id of a kept entry; e-mails (not kept). Caches of 64 slots, of
    // 1 (every lookup collides) and of 0 (off).
    std::string text;
    for (int i = 1; i <= 12; ++i) text += std::to_string(i) + ":/k" + std::to_string(i) + "x/ gambling 9 merchant_name,city\n";
    text += "20:/zzz/ crypto 20 city,email,merchant_id\n21:/abc/ crypto 7 merchant_name,terminal_id\n";
    auto db = pattern_db::from_text(text, "mem", {9, 1});
    auto matches = [](int n) {
        std::string s;
        for (int i = 1; i <= n; ++i) s += "k" + std::to_string(i) + "x";
        return s;
    };
    REQUIRE(matches(12).size() <= decltype(Txn::merchant_name)::capacity);
    const std::vector<std::string> names = {"", "CORNER SHOP", matches(1), matches(5), matches(7), matches(9),
                                            matches(12), "abc zzz k3x", std::string(40, 'a')};
    std::vector<Txn> txns;
    for (int round = 0; round < 3; ++round)   // every text again: the cache's hits
        for (const std::string& n : names)
            for (const char* city : {"", "zzz", "k4x k5x k6x", "k8x k9x"}) {
                Txn t = make_txn(n.c_str(), city, round == 1 ? "zzz@example.com" : "a@b.c");
                REQUIRE(t.merchant_name.view() == n);
                t.merchant_id.assign(round == 2 ? "zzz" : "M1");
                t.terminal_id.assign("abc");
                txns.push_back(t);
            }
    const std::size_t slots = GENERATE(64u, 1u, 0u);
    INFO("cache slots " << slots);
    screen_cache cache(slots, [](void*, std::size_t n, std::size_t a) { return std::aligned_alloc(a, n); },
                       [](void*, void* p) { std::free(p); }, nullptr);
    std::size_t full = 0;
    auto check_all = [&](const pattern_db& d) {
        for (std::size_t at = 0; at < txns.size(); at += 16) {
            const std::size_t n = std::min<std::size_t>(16, txns.size() - at);
            screen_result got[16];
            screen_burst(d, 0, txns.data() + at, n, got, &cache);
            for (std::size_t j = 0; j < n; ++j) {
                INFO("txn " << at + j << " merchant '" << txns[at + j].merchant_name.view() << "' city '"
                            << txns[at + j].city.view() << "'");
                const screen_result want = screen_txn(d, 0, txns[at + j]);
                CHECK(std::memcmp(&got[j], &want, sizeof want) == 0);
                const screen_result one = screen_txn(d, 0, txns[at + j], &cache);
                CHECK(std::memcmp(&one, &want, sizeof want) == 0);
                full += want.full;
            }
        }
    };
    check_all(*db);
    CHECK(full > 0);
    if (slots == 64) CHECK(cache.hits > cache.misses);
    if (slots == 0) CHECK(cache.hits + cache.misses == 0);
    // Another pattern set: nothing of the first may be replayed.
    auto db2 = pattern_db::from_text("1:/k1x/ adult 50 merchant_name\n30:/CORNER/ crypto 5 merchant_name\n", "mem2", {10, 1});
    cache.new_generation();
    const uint64_t misses = cache.misses;
    check_all(*db2);
    if (slots != 0) CHECK(cache.misses > misses);
    CHECK_FALSE(screen_cache::keeps(unsigned(screen_field::email)));
    CHECK(screen_cache::keeps(unsigned(screen_field::merchant_name)));
}

TEST_CASE("content hash: same patterns same hash, any change a new hash", "[unit][screen]") {
    auto a = pattern_db::from_text("1:/abc/is gambling 10 city\n2:/def/ crypto 5 ip,email\n", "a");
    auto b = pattern_db::from_text("# reordered\n2:/def/   crypto 5 ip,email\n\n1:/abc/si gambling 10 city # c\n", "b");
    auto c = pattern_db::from_text("1:/abc/is gambling 11 city\n2:/def/ crypto 5 ip,email\n", "c");
    auto d = pattern_db::from_text("1:/abc/is gambling 10 city\n2:/deg/ crypto 5 ip,email\n", "d");
    CHECK(a->content_hash() == b->content_hash());
    CHECK(a->content_hash() != c->content_hash());
    CHECK(a->content_hash() != d->content_hash());
    CHECK(a->content_hash() != 0);
}

namespace {

// Pattern set number v: pattern id 100+v matches "ONLINE CASINO", so a result shows
// which set produced it.
std::unique_ptr<pattern_db> numbered_set(uint32_t v) {
    std::string text = std::to_string(100 + v) + ":/online casino/i gambling 50 merchant_name\n" +
                       "1:/wire transfer/i money_transfer " + std::to_string(v % 100) + " merchant_name\n";
    return pattern_db::from_text(text, "set" + std::to_string(v), {v, 2});
}

}  // namespace

TEST_CASE("hot swap: a scanner keeps running while new dbs are published", "[unit][screen]") {
    std::atomic<std::shared_ptr<const pattern_db>> current{std::shared_ptr<const pattern_db>(numbered_set(1))};
    constexpr uint32_t last_version = 25;
    std::atomic<bool> done{false};
    std::atomic<uint32_t> last_seen{0};
    uint64_t scans = 0, wrong = 0, backwards = 0;
    std::set<uint32_t> seen;

    std::thread scanner([&] {
        const Txn t = make_txn("ONLINE CASINO");
        while (!done.load()) {
            std::shared_ptr<const pattern_db> db = current.load();
            screen_result r = screen_txn(*db, 1, t);
            ++scans;
            // Each set's id says which set matched: the result must come from the db
            // it names, never a mix of two.
            if (r.version != db->version() || r.n_ids != 1 || r.ids[0] != 100 + r.version) ++wrong;
            if (r.version < last_seen.load()) ++backwards;
            seen.insert(r.version);
            last_seen.store(r.version);
        }
    });
    while (last_seen.load() != 1) std::this_thread::yield();
    for (uint32_t v = 2; v <= last_version; ++v) {
        // Build while the scanner runs on the previous set, publish, then wait until
        // the scanner has used the new one so every version gets scanned.
        std::shared_ptr<const pattern_db> next(numbered_set(v));
        current.store(std::move(next));
        while (last_seen.load() != v) std::this_thread::yield();
    }
    done = true;
    scanner.join();
    CHECK(scans >= last_version);
    CHECK(wrong == 0);
    CHECK(backwards == 0);
    CHECK(last_seen.load() == last_version);
    CHECK(seen.size() == last_version);
}

TEST_CASE("hot swap through versioned_publisher: old dbs freed after quiescence", "[unit][screen]") {
    versioned_publisher<pattern_db> pub;
    int slot = pub.register_reader();
    REQUIRE(slot >= 0);
    pub.publish(numbered_set(0), [](pattern_db& d, uint32_t v) { d.set_version(v); });
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> wrong{0}, scans{0};
    std::atomic<uint32_t> max_version{0};
    std::thread worker([&] {
        const Txn t = make_txn("online casino");
        const pattern_db* db = pub.quiescent(slot);
        while (!stop.load(std::memory_order_relaxed)) {
            // A burst of scans with the cached pointer, then a quiescent point.
            for (int i = 0; i < 64; ++i) {
                screen_result r = screen_txn(*db, 0, t);
                // The set's pattern ids were numbered before the publisher re-stamped
                // the version, so check the result against the db's own table.
                if (r.version != db->version() || r.n_ids != 1 ||
                    db->find(r.ids[0]) == nullptr || db->find(r.ids[0])->category != pattern_category::gambling)
                    wrong.fetch_add(1);
                scans.fetch_add(1, std::memory_order_relaxed);
            }
            db = pub.quiescent(slot);
            max_version.store(db->version());
        }
        pub.unregister_reader(slot);
    });
    uint32_t last = 0;
    for (uint32_t v = 1; v <= 20; ++v) last = pub.publish(numbered_set(v), [](pattern_db& d, uint32_t ver) { d.set_version(ver); });
    while (max_version.load() < last) std::this_thread::yield();
    stop = true;
    worker.join();
    CHECK(wrong.load() == 0);
    CHECK(scans.load() > 0);
    CHECK(max_version.load() == last);
    CHECK(last == 21);
    // The worker went offline: every retired db can be (and is) freed now.
    CHECK(pub.reclaim() == 0);
}
