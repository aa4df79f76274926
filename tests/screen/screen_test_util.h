// Helpers shared by the screening tests and bench_screen.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

#include "common/txn.h"

namespace txscreen::test {

inline std::string starter_patterns_path() {
    const char* root = std::getenv("TXSCREEN_SOURCE_ROOT");
    return std::string(root ? root : ".") + "/src/screen/patterns/starter.patterns";
}

inline Txn make_txn(std::string_view merchant_name = {}, std::string_view city = {},
                    std::string_view email = {}, std::string_view ip = {}) {
    Txn t;
    t.reset();
    t.merchant_name.assign(merchant_name);
    t.city.assign(city);
    t.email.assign(email);
    t.ip.assign(ip);
    return t;
}

}  // namespace txscreen::test
