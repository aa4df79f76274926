#include <catch2/catch.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/aes_cmac.h"

using namespace txscreen;

namespace {

using mac_t = std::array<uint8_t, aes_cmac_128::mac_bytes>;

std::string hex(const uint8_t* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
    }
    return s;
}
std::string hex(const mac_t& m) { return hex(m.data(), m.size()); }

std::string unhex(std::string_view h) {
    std::string out;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16));
    return out;
}

const uint8_t* bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// The reference: OpenSSL's own CMAC, keyed afresh for every message.
mac_t openssl_cmac(const std::string& key, const uint8_t* msg, std::size_t len) {
    EVP_MAC* cmac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
    REQUIRE(cmac != nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(cmac);
    REQUIRE(ctx != nullptr);
    char cipher[] = "AES-128-CBC";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                                 OSSL_PARAM_construct_end()};
    REQUIRE(EVP_MAC_init(ctx, bytes(key), key.size(), params) == 1);
    static const uint8_t nothing = 0;
    REQUIRE(EVP_MAC_update(ctx, len ? msg : &nothing, len) == 1);
    mac_t out{};
    std::size_t written = 0;
    REQUIRE(EVP_MAC_final(ctx, out.data(), &written, out.size()) == 1);
    REQUIRE(written == out.size());
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(cmac);
    return out;
}

mac_t one_mac(const aes_cmac_128& cmac, const uint8_t* msg, std::size_t len) {
    mac_t out{};
    cmac.mac(msg, len, out.data());
    return out;
}

// mac_burst over all messages at once; one output per message.
std::vector<mac_t> burst_macs(const aes_cmac_128& cmac, const std::vector<const uint8_t*>& msgs,
                              const std::vector<std::size_t>& lens) {
    std::vector<mac_t> out(msgs.size());
    std::vector<uint8_t*> outs;
    for (auto& o : out) outs.push_back(o.data());
    cmac.mac_burst(msgs.data(), lens.data(), msgs.size(), outs.data());
    return out;
}

// Sets (value non-null) or unsets an environment variable for its lifetime, then
// restores what the process had, so the tests pass whatever the caller's environment.
class scoped_env {
public:
    scoped_env(const char* name, const char* value) : _name(name) {
        if (const char* old = std::getenv(name)) _old = old, _had = true;
        if (value) setenv(name, value, 1);
        else unsetenv(name);
    }
    ~scoped_env() {
        if (_had) setenv(_name, _old.c_str(), 1);
        else unsetenv(_name);
    }
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

private:
    const char* _name;
    std::string _old;
    bool _had = false;
};

// Builds its aes_cmac_128 with TXSCREEN_NO_AES_NI set or unset, so both the AES-NI
// kernels and the OpenSSL fallback are exercised.
aes_cmac_128 make_cmac(const std::string& key, bool fallback) {
    scoped_env env("TXSCREEN_NO_AES_NI", fallback ? "1" : nullptr);
    return aes_cmac_128(key);
}

std::string random_key(std::mt19937_64& rng) {
    std::string key(aes_cmac_128::key_bytes, '\0');
    for (auto& c : key) c = static_cast<char>(rng());
    return key;
}

std::string random_pan(std::mt19937_64& rng) {
    const std::size_t len = 12 + rng() % 8;  // 12..19 digits
    std::string pan(len, '0');
    for (auto& c : pan) c = static_cast<char>('0' + rng() % 10);
    return pan;
}

std::string random_bytes(std::mt19937_64& rng, std::size_t len) {
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

// What aes_cmac_128 should detect: AES-NI is used only on x86-64 CPUs that have it.
bool cpu_has_aes_ni() {
#if defined(__x86_64__)
    return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
#else
    return false;
#endif
}

const std::string rfc_key = unhex("2b7e151628aed2a6abf7158809cf4f3c");
const std::string rfc_message = unhex(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");

}  // namespace

TEST_CASE("RFC 4493 section 4 examples, one at a time and in one burst", "[unit][cmac]") {
    const bool fallback = GENERATE(false, true);
    INFO("fallback " << fallback);
    const aes_cmac_128 cmac = make_cmac(rfc_key, fallback);
    CHECK(cmac.uses_aes_ni() == (cpu_has_aes_ni() && !fallback));
    const std::size_t lens[] = {0, 16, 40, 64};
    const char* expected[] = {"bb1d6929e95937287fa37d129b756746", "070a16b46b4d4144f79bdd9dd04a287c",
                              "dfa66747de9ae63030ca32611497c827", "51f0bebf7e3b9d92fc49741779363cfe"};
    std::vector<const uint8_t*> msgs;
    std::vector<std::size_t> burst_lens;
    for (int i = 0; i < 4; ++i) {
        CHECK(hex(one_mac(cmac, bytes(rfc_message), lens[i])) == expected[i]);
        msgs.push_back(bytes(rfc_message));
        burst_lens.push_back(lens[i]);
    }
    CHECK(hex(one_mac(cmac, nullptr, 0)) == expected[0]);
    const auto burst = burst_macs(cmac, msgs, burst_lens);
    for (int i = 0; i < 4; ++i) CHECK(hex(burst[i]) == expected[i]);
}

TEST_CASE("uses AES-NI exactly when the CPU has it and the environment allows it", "[unit][cmac]") {
    CHECK(make_cmac(rfc_key, false).uses_aes_ni() == cpu_has_aes_ni());
    CHECK_FALSE(make_cmac(rfc_key, true).uses_aes_ni());
}

TEST_CASE("200,000 random PANs equal OpenSSL's CMAC, random keys", "[unit][cmac]") {
    const bool fallback = GENERATE(false, true);
    INFO("fallback " << fallback);
    std::mt19937_64 rng(fallback ? 4493 : 38);
    constexpr int keys = 200, pans_per_key = 1000, burst = 32;
    int mismatches = 0;
    for (int k = 0; k < keys; ++k) {
        const std::string key = random_key(rng);
        const aes_cmac_128 cmac = make_cmac(key, fallback);
        std::vector<std::string> pans;
        for (int i = 0; i < pans_per_key; ++i) pans.push_back(random_pan(rng));
        for (int b = 0; b < pans_per_key; b += burst) {
            std::vector<const uint8_t*> msgs;
            std::vector<std::size_t> lens;
            for (int i = b; i < b + burst && i < pans_per_key; ++i) {
                msgs.push_back(bytes(pans[i]));
                lens.push_back(pans[i].size());
            }
            const auto got = burst_macs(cmac, msgs, lens);
            for (std::size_t i = 0; i < msgs.size(); ++i) {
                const mac_t want = openssl_cmac(key, msgs[i], lens[i]);
                if (got[i] != want || one_mac(cmac, msgs[i], lens[i]) != want) {
                    if (++mismatches <= 5) FAIL_CHECK("PAN " << pans[b + i] << " key " << hex(bytes(key), 16));
                }
            }
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("random messages of 0-64 bytes (and longer) equal OpenSSL's CMAC", "[unit][cmac]") {
    const bool fallback = GENERATE(false, true);
    INFO("fallback " << fallback);
    std::mt19937_64 rng(fallback ? 17 : 800);
    int mismatches = 0;
    for (int k = 0; k < 100; ++k) {
        const std::string key = random_key(rng);
        const aes_cmac_128 cmac = make_cmac(key, fallback);
        std::vector<std::string> messages;
        for (std::size_t len = 0; len <= 64; ++len) messages.push_back(random_bytes(rng, len));
        for (int i = 0; i < 100; ++i) messages.push_back(random_bytes(rng, rng() % 65));
        for (std::size_t len : {65, 80, 100, 255, 1000}) messages.push_back(random_bytes(rng, len));
        std::vector<const uint8_t*> msgs;
        std::vector<std::size_t> lens;
        for (const auto& m : messages) {
            msgs.push_back(bytes(m));
            lens.push_back(m.size());
        }
        const auto got = burst_macs(cmac, msgs, lens);
        for (std::size_t i = 0; i < msgs.size(); ++i) {
            const mac_t want = openssl_cmac(key, msgs[i], lens[i]);
            if (got[i] != want || one_mac(cmac, msgs[i], lens[i]) != want) {
                if (++mismatches <= 5) FAIL_CHECK("length " << lens[i] << " key " << hex(bytes(key), 16));
            }
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("mac_parts equals OpenSSL's CMAC of the two parts joined, at every split", "[unit][cmac]") {
    const bool fallback = GENERATE(false, true);
    INFO("fallback " << fallback);
    std::mt19937_64 rng(fallback ? 23 : 901);
    int mismatches = 0;
    for (int k = 0; k < 40; ++k) {
        const std::string key = random_key(rng);
        const aes_cmac_128 cmac = make_cmac(key, fallback);
        for (std::size_t len : {0, 1, 3, 15, 16, 17, 31, 32, 33, 55, 64, 200, 1000}) {
            const std::string m = random_bytes(rng, len);
            const mac_t want = openssl_cmac(key, bytes(m), m.size());
            for (std::size_t split = 0; split <= len; split += (len > 40 ? 7 : 1)) {
                mac_t got{};
                cmac.mac_parts(bytes(m), split, bytes(m) + split, len - split, got.data());
                if (got != want && ++mismatches <= 5) FAIL_CHECK("length " << len << " split " << split);
            }
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("mac_burst equals mac for every burst size 1-40 with mixed lengths", "[unit][cmac]") {
    const bool fallback = GENERATE(false, true);
    INFO("fallback " << fallback);
    std::mt19937_64 rng(fallback ? 5 : 6);
    const std::string key = random_key(rng);
    const aes_cmac_128 cmac = make_cmac(key, fallback);
    for (int round = 0; round < 20; ++round) {
        for (std::size_t n = 1; n <= 40; ++n) {
            // Some rounds add messages past burst_max_len, which burst hands to mac().
            const std::size_t longest = round % 4 == 3 ? 150 : 64;
            std::vector<std::string> messages;
            std::vector<const uint8_t*> msgs;
            std::vector<std::size_t> lens;
            for (std::size_t i = 0; i < n; ++i) messages.push_back(random_bytes(rng, rng() % (longest + 1)));
            for (const auto& m : messages) {
                msgs.push_back(bytes(m));
                lens.push_back(m.size());
            }
            const auto got = burst_macs(cmac, msgs, lens);
            for (std::size_t i = 0; i < n; ++i) {
                INFO("burst of " << n << ", message " << i << " of " << lens[i] << " bytes");
                CHECK(hex(got[i]) == hex(one_mac(cmac, msgs[i], lens[i])));
                if (round == 0) CHECK(hex(got[i]) == hex(openssl_cmac(key, msgs[i], lens[i])));
            }
        }
    }
}

TEST_CASE("messages flush against unmapped pages are read within their bounds", "[unit][cmac]") {
    // Each message ends where a PROT_NONE page starts (or starts where one ends): a
    // load past msg + len or before msg faults, so this test crashes on an unbounded load.
    const bool fallback = GENERATE(false, true);
    INFO("fallback " << fallback);
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    auto* map = static_cast<uint8_t*>(mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    REQUIRE(map != MAP_FAILED);
    REQUIRE(mprotect(map, page, PROT_NONE) == 0);
    REQUIRE(mprotect(map + 2 * page, page, PROT_NONE) == 0);
    uint8_t* usable = map + page;
    std::mt19937_64 rng(99);
    for (std::size_t i = 0; i < page; ++i) usable[i] = static_cast<uint8_t>('0' + rng() % 10);
    const std::string key = random_key(rng);
    const aes_cmac_128 cmac = make_cmac(key, fallback);
    std::vector<const uint8_t*> msgs;
    std::vector<std::size_t> lens;
    for (std::size_t len = 0; len <= 80; ++len) {
        msgs.push_back(usable + page - len);  // ends at the guard page
        lens.push_back(len);
        msgs.push_back(usable);  // starts right after the guard page
        lens.push_back(len);
    }
    const auto got = burst_macs(cmac, msgs, lens);
    for (std::size_t i = 0; i < msgs.size(); ++i) {
        INFO("length " << lens[i]);
        const mac_t want = openssl_cmac(key, msgs[i], lens[i]);
        CHECK(hex(got[i]) == hex(want));
        CHECK(hex(one_mac(cmac, msgs[i], lens[i])) == hex(want));
    }
    munmap(map, 3 * page);
}

TEST_CASE("a key that is not 16 bytes is refused with its size", "[unit][cmac]") {
    CHECK_THROWS_AS(aes_cmac_128(""), std::invalid_argument);
    CHECK_THROWS_WITH(aes_cmac_128(std::string(15, 'k')), Catch::Contains("16 bytes") && Catch::Contains("got 15"));
    CHECK_THROWS_WITH(aes_cmac_128(std::string(17, 'k')), Catch::Contains("got 17"));
    CHECK_THROWS_WITH(aes_cmac_128(std::string(32, 'k')), Catch::Contains("got 32"));
    CHECK_THROWS_WITH(make_cmac(std::string(8, 'k'), true), Catch::Contains("got 8"));
}

TEST_CASE("copies MAC like the original; one object serves several threads", "[unit][cmac]") {
    const bool fallback = GENERATE(false, true);
    INFO("fallback " << fallback);
    std::mt19937_64 rng(7);
    const std::string key = random_key(rng), other_key = random_key(rng);
    const aes_cmac_128 original = make_cmac(key, fallback);
    const aes_cmac_128 copy(original);
    aes_cmac_128 assigned = make_cmac(other_key, !fallback);
    assigned = original;
    CHECK(copy.uses_aes_ni() == original.uses_aes_ni());
    CHECK(assigned.uses_aes_ni() == original.uses_aes_ni());
    const std::string pan = "4111111111111111";
    const std::string want = hex(openssl_cmac(key, bytes(pan), pan.size()));
    CHECK(hex(one_mac(copy, bytes(pan), pan.size())) == want);
    CHECK(hex(one_mac(assigned, bytes(pan), pan.size())) == want);

    std::vector<std::string> pans;
    for (int i = 0; i < 2000; ++i) pans.push_back(random_pan(rng));
    std::vector<std::string> expected;
    for (const auto& p : pans) expected.push_back(hex(openssl_cmac(key, bytes(p), p.size())));
    int bad[2] = {0, 0};
    auto work = [&](int t) {
        for (int rep = 0; rep < 5; ++rep)
            for (std::size_t i = 0; i < pans.size(); ++i)
                if (hex(one_mac(original, bytes(pans[i]), pans[i].size())) != expected[i]) ++bad[t];
    };
    std::thread a(work, 0), b(work, 1);
    a.join();
    b.join();
    CHECK(bad[0] == 0);
    CHECK(bad[1] == 0);
}
