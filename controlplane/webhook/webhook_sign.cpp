#include "controlplane/webhook/webhook_sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace txscreen {

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex(2 * mac_len, '0');
    for (unsigned int i = 0; i < mac_len; ++i) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 15];
    }
    return hex;
}

std::string webhook_signature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
    const std::string t = std::to_string(unix_seconds);
    std::string signed_text;
    signed_text.reserve(t.size() + 1 + body.size());
    signed_text.append(t).append(".").append(body);
    return "t=" + t + ",v1=" + hmac_sha256_hex(secret, signed_text);
}

}  // namespace txscreen
