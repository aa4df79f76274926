#include "controlplane/s3_sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace txscreen {

namespace {

std::string hex(const unsigned char* d, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s(2 * n, '0');
    for (std::size_t i = 0; i < n; ++i) {
        s[2 * i] = digits[d[i] >> 4];
        s[2 * i + 1] = digits[d[i] & 0xf];
    }
    return s;
}

std::string hmac(std::string_view key, std::string_view msg) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
         msg.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string lower(std::string_view s) {
    std::string o(s);
    for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
}

// Header values: trim and collapse runs of spaces (SigV4 "Trimall").
std::string trimall(std::string_view v) {
    std::string o;
    bool space = false;
    for (char c : v) {
        if (c == ' ' || c == '\t') {
            space = !o.empty();
            continue;
        }
        if (space) o.push_back(' ');
        space = false;
        o.push_back(c);
    }
    return o;
}

}  // namespace

std::string sha256_hex(const void* data, std::size_t len) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(static_cast<const unsigned char*>(data), len, d);
    return hex(d, sizeof d);
}

std::string sigv4_uri_encode(std::string_view s, bool keep_slash) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string o;
    o.reserve(s.size() * 3);
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
            o.push_back(static_cast<char>(c));
        } else {
            o.push_back('%');
            o.push_back(digits[c >> 4]);
            o.push_back(digits[c & 0xf]);
        }
    }
    return o;
}

std::string amz_date_from_unix(long long t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[20];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

sigv4_result sigv4_sign(const sigv4_request& r, const sigv4_credentials& creds, std::string_view amz_date,
                        std::string_view region, std::string_view service) {
    sigv4_result out;
    // Query: encode names and values, sort by name then value.
    std::vector<std::pair<std::string, std::string>> q;
    for (const auto& [k, v] : r.query) q.emplace_back(sigv4_uri_encode(k, false), sigv4_uri_encode(v, false));
    std::sort(q.begin(), q.end());
    std::string query;
    for (const auto& [k, v] : q) {
        if (!query.empty()) query.push_back('&');
        query += k + "=" + v;
    }
    // Headers: lower-case names, sorted; duplicate names joined with commas.
    std::vector<std::pair<std::string, std::string>> h;
    for (const auto& [k, v] : r.headers) h.emplace_back(lower(k), trimall(v));
    std::stable_sort(h.begin(), h.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string canon_headers;
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (i > 0 && h[i].first == h[i - 1].first) {
            canon_headers.pop_back();  // the '\n'
            canon_headers += "," + h[i].second + "\n";
            continue;
        }
        canon_headers += h[i].first + ":" + h[i].second + "\n";
        if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
        out.signed_headers += h[i].first;
    }
    out.canonical_request = r.method + "\n" + (r.canonical_uri.empty() ? "/" : r.canonical_uri) + "\n" + query +
                            "\n" + canon_headers + "\n" + out.signed_headers + "\n" + r.payload_sha256;

    const std::string date(amz_date.substr(0, 8));
    const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
    out.string_to_sign = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" +
                         sha256_hex(out.canonical_request.data(), out.canonical_request.size());

    std::string k = hmac("AWS4" + creds.secret_key, date);
    k = hmac(k, region);
    k = hmac(k, service);
    k = hmac(k, "aws4_request");
    const std::string sig = hmac(k, out.string_to_sign);
    out.signature = hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
    out.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.access_key + "/" + scope +
                        ", SignedHeaders=" + out.signed_headers + ", Signature=" + out.signature;
    return out;
}

}  // namespace txscreen
