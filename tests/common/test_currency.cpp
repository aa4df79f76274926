#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "common/currency.h"

using namespace txscreen;

namespace {
struct expected_currency {
    const char* alpha;
    uint16_t numeric;
    uint8_t exponent;
};
}  // namespace

TEST_CASE("major currencies resolve both ways with their exponent", "[unit][currency]") {
    const expected_currency cases[] = {
        {"USD", 840, 2}, {"EUR", 978, 2}, {"GBP", 826, 2}, {"JPY", 392, 0}, {"KWD", 414, 3},
        {"BHD", 48, 3},  {"CLP", 152, 0}, {"ISK", 352, 0}, {"CLF", 990, 4}, {"UYW", 927, 4},
        {"KRW", 410, 0}, {"VND", 704, 0}, {"TND", 788, 3}, {"OMR", 512, 3}, {"JOD", 400, 3},
        {"IQD", 368, 3}, {"LYD", 434, 3}, {"CHF", 756, 2}, {"CNY", 156, 2}, {"INR", 356, 2},
        {"ALL", 8, 2},   {"XOF", 952, 0}, {"XAF", 950, 0}, {"BRL", 986, 2}, {"MXN", 484, 2},
    };
    for (const auto& c : cases) {
        INFO(c.alpha);
        const currency_info* a = currency_by_alpha(c.alpha);
        REQUIRE(a != nullptr);
        CHECK(std::string_view(a->alpha) == c.alpha);
        CHECK(a->numeric == c.numeric);
        CHECK(a->exponent == c.exponent);
        const currency_info* n = currency_by_numeric(c.numeric);
        REQUIRE(n != nullptr);
        CHECK(n == a);
    }
}

TEST_CASE("every code in the table round-trips alpha <-> numeric", "[unit][currency]") {
    // Walk all 1000 numeric slots: each hit must resolve back through its alpha code.
    int found = 0;
    for (uint16_t num = 0; num < 1000; ++num) {
        const currency_info* c = currency_by_numeric(num);
        if (!c) continue;
        ++found;
        INFO(num);
        CHECK(c->numeric == num);
        CHECK(c->exponent <= 4);
        CHECK(currency_by_alpha(std::string_view(c->alpha, 3)) == c);
    }
    // ISO 4217 list one has ~180 active codes (N.A.-exponent units included).
    CHECK(found >= 150);
    CHECK(found <= 200);
}

TEST_CASE("replaced currencies: ANG and XCG share 532, numeric resolves to XCG", "[unit][currency]") {
    const currency_info* ang = currency_by_alpha("ANG");
    const currency_info* xcg = currency_by_alpha("XCG");
    REQUIRE(ang);
    REQUIRE(xcg);
    CHECK(ang->numeric == 532);
    CHECK(currency_by_numeric(532) == xcg);
    // Withdrawn codes stay unknown.
    CHECK(currency_by_alpha("HRK") == nullptr);  // Croatia adopted EUR in 2023
    CHECK(currency_by_numeric(191) == nullptr);
    CHECK(currency_by_alpha("DEM") == nullptr);
}

TEST_CASE("unknown, lower-case and malformed codes give nullptr", "[unit][currency]") {
    CHECK(currency_by_numeric(0) == nullptr);
    CHECK(currency_by_numeric(1) == nullptr);
    CHECK(currency_by_numeric(999) == nullptr);  // XXX "no currency" is not accepted
    CHECK(currency_by_numeric(963) == nullptr);  // XTS testing code
    CHECK(currency_by_numeric(1000) == nullptr);
    CHECK(currency_by_numeric(65535) == nullptr);
    CHECK(currency_by_alpha("usd") == nullptr);
    CHECK(currency_by_alpha("Usd") == nullptr);
    CHECK(currency_by_alpha("US") == nullptr);
    CHECK(currency_by_alpha("") == nullptr);
    CHECK(currency_by_alpha("USDX") == nullptr);
    CHECK(currency_by_alpha("ZZZ") == nullptr);
    CHECK(currency_by_alpha("AAA") == nullptr);
    CHECK(currency_by_alpha("XXX") == nullptr);
    CHECK(currency_by_alpha("U$D") == nullptr);
    CHECK(currency_by_alpha("840") == nullptr);
    CHECK(currency_by_alpha(std::string_view("US\0", 3)) == nullptr);
    CHECK(currency_by_alpha("\xff\xff\xff") == nullptr);
    // A view into a longer buffer: only its 3 bytes count.
    const std::string s = "EURO";
    const currency_info* e = currency_by_alpha(std::string_view(s).substr(0, 3));
    REQUIRE(e);
    CHECK(e->numeric == 978);
}
