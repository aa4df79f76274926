// Pattern-file parsing and compile errors: what an operator sees when a file is wrong.
#include <catch2/catch.hpp>

#include <hs/hs.h>

#include <string>

#include "screen/pattern_db.h"
#include "screen/pattern_file.h"
#include "screen/pattern_store.h"

using namespace txscreen;
using Catch::Matchers::Contains;

namespace {

// Returns the message of the pattern_file_error thrown by building `text`.
std::string build_error(const std::string& text) {
    try {
        pattern_db::from_text(text, "test.patterns");
    } catch (const pattern_file_error& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("parse: fields of a pattern line", "[unit][screen]") {
    auto defs = parse_patterns(
        "# comment line\n"
        "\n"
        "   7:/online ?casino/i  gambling 60 merchant_name,city   # trailing comment\n"
        "8:/a\\/b/ blocklist 0 ip\n"
        "9:/x.y/smi8 crypto 100 email\r\n",
        "f.patterns");
    REQUIRE(defs.size() == 3);
    CHECK(defs[0].id == 7);
    CHECK(defs[0].regex == "online ?casino");
    CHECK(defs[0].category == pattern_category::gambling);
    CHECK(defs[0].weight == 60);
    CHECK(defs[0].fields == (field_bit(screen_field::merchant_name) | field_bit(screen_field::city)));
    CHECK(defs[0].line == 3);
    CHECK(defs[0].source == "f.patterns");
    CHECK((defs[0].hs_flags & HS_FLAG_CASELESS) != 0);
    CHECK((defs[0].hs_flags & HS_FLAG_SINGLEMATCH) != 0);
    // An escaped slash stays in the regex; the first unescaped one closes it.
    CHECK(defs[1].regex == "a\\/b");
    CHECK(defs[1].weight == 0);
    CHECK(defs[1].line == 4);
    CHECK(defs[2].hs_flags == (HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL | HS_FLAG_MULTILINE |
                               HS_FLAG_CASELESS | HS_FLAG_UTF8));
    CHECK(defs[2].weight == 100);
    CHECK(format_pattern(defs[0]) == "7:/online ?casino/i gambling 60 merchant_name,city");
}

TEST_CASE("parse errors name file, line and pattern", "[unit][screen]") {
    const std::string ok = "1:/ok/i gambling 10 merchant_name\n";
    struct { std::string line; std::string reason; } cases[] = {
        {"2:/casino/i gamble 50 merchant_name", "unknown category 'gamble'"},
        {"2:/casino/i gambling 101 merchant_name", "weight '101' is not an integer 0..100"},
        {"2:/casino/i gambling -1 merchant_name", "weight '-1'"},
        {"2:/casino/i gambling ten merchant_name", "weight 'ten'"},
        {"2:/casino/i gambling 50 merchant", "unknown field 'merchant'"},
        {"2:/casino/i gambling 50 merchant_name,", "unknown field ''"},
        {"2:/casino/q gambling 50 merchant_name", "unknown or repeated flag 'q'"},
        {"2:/casino/ii gambling 50 merchant_name", "unknown or repeated flag 'i'"},
        {"2:/casino/W gambling 50 merchant_name", "flag 'W' needs flag '8'"},
        {"1:/dup/ crypto 5 email", "duplicate pattern id 1 (first defined on line 1)"},
        {"0:/zero/ crypto 5 email", "pattern id 0 out of range"},
        {"x:/casino/ crypto 5 email", "pattern id 'x' is not a number"},
        {"99999999999:/casino/ crypto 5 email", "out of range"},
        {"2 casino crypto 5 email", "expected 'id:/regex/flags"},
        {"2:casino/ crypto 5 email", "expected '/' after the pattern id"},
        {"2:/casino crypto 5 email", "regex is not closed"},
        {"2:// crypto 5 email", "empty regex"},
        {"2:/casino/i gambling 50", "expected 'category weight fields'"},
        {"2:/casino/i gambling 50 ip extra", "unexpected text 'extra'"},
    };
    for (const auto& c : cases) {
        INFO(c.line);
        std::string msg = build_error(ok + c.line + "\n");
        CHECK_THAT(msg, Contains("test.patterns:2: "));
        CHECK_THAT(msg, Contains(c.reason));
        CHECK_THAT(msg, Contains("'" + c.line + "'"));
    }
    // The error type carries the parts separately for the admin API.
    try {
        parse_patterns(ok + "\n# c\n5:/x/ nope 1 ip\n", "a.patterns");
        FAIL("no error");
    } catch (const pattern_file_error& e) {
        CHECK(e.file() == "a.patterns");
        CHECK(e.line() == 4);
        CHECK(e.pattern() == "5:/x/ nope 1 ip");
        CHECK_THAT(e.reason(), Contains("allowed: gambling, crypto, gift_card"));
    }
}

TEST_CASE("Hyperscan compile errors name file, line and pattern", "[unit][screen]") {
    const std::string text =
        "1:/fine/i gambling 10 merchant_name\n"
        "# a comment\n"
        "2:/also fine/ crypto 10 merchant_name,email\n"
        "3:/(a)\\1/ crypto 10 email\n";  // back-references are not supported by Hyperscan
    std::string msg = build_error(text);
    CHECK_THAT(msg, Contains("test.patterns:4: "));
    CHECK_THAT(msg, Contains("Hyperscan rejected the regex for field email: Back-references"));
    CHECK_THAT(msg, Contains("3:/(a)\\1/ crypto 10 email"));

    // A pattern that matches the empty string is refused (it would match every txn).
    msg = build_error("1:/x/ crypto 1 ip\n2:/y/ crypto 1 ip\n3:/a*/ adult 5 ip\n");
    CHECK_THAT(msg, Contains("test.patterns:3: "));
    CHECK_THAT(msg, Contains("3:/a*/ adult 5 ip"));
    CHECK_THAT(msg, Contains("pattern matches the empty string"));

    msg = build_error("1:/[z-a]/ crypto 1 city\n");
    CHECK_THAT(msg, Contains("test.patterns:1: "));
    CHECK_THAT(msg, Contains("field city"));
}

TEST_CASE("load_pattern_file: unreadable file names the path", "[unit][screen]") {
    try {
        load_pattern_file("/nonexistent/dir/x.patterns");
        FAIL("no error");
    } catch (const pattern_file_error& e) {
        CHECK(std::string(e.what()) == "/nonexistent/dir/x.patterns: no such file");
        CHECK(e.line() == 0);
    }
}

TEST_CASE("load_pattern_file: a device or directory is refused at once, naming it", "[unit][screen]") {
    // /dev/zero was an endless read; a directory read as an empty file.
    CHECK_THROWS_WITH(load_pattern_file("/dev/zero"), "/dev/zero: not a regular file (character device)");
    CHECK_THROWS_WITH(load_pattern_file("/"), "/: is a directory");
    pattern_store store(1);
    pattern_publish_result r = store.load_file("/dev/zero");
    CHECK_FALSE(r.ok());
    CHECK(r.error == "/dev/zero: not a regular file (character device)");
    CHECK(store.version() == 0);
}

TEST_CASE("build: definitions made in code are validated too", "[unit][screen]") {
    pattern_def p;
    p.id = 5;
    p.regex = "abc";
    p.hs_flags = HS_FLAG_SINGLEMATCH;
    p.fields = field_bit(screen_field::ip);
    p.source = "api";
    p.line = 0;
    pattern_def q = p;
    CHECK_THROWS_WITH(pattern_db::build({p, q}), Contains("duplicate pattern id 5"));
    q.id = 6;
    q.fields = 0;
    CHECK_THROWS_WITH(pattern_db::build({p, q}), Contains("applies to no known field"));
    q.fields = 1;
    q.weight = 101;
    CHECK_THROWS_WITH(pattern_db::build({p, q}), Contains("weight above 100"));
    q.weight = 1;
    CHECK(pattern_db::build({p, q})->size() == 2);
    CHECK_THROWS_AS(pattern_db::build({p}, {1, 0}), std::invalid_argument);
}
