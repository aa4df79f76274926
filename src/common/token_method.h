// Which keyed function turns a PAN into its card token ([tokenization] tokenizer;
// common/pan_token.h computes both).
#pragma once

#include <cstdint>
#include <string_view>

namespace txscreen {

enum class token_method : uint8_t { aes_cmac, hmac_sha256 };

// "aes-cmac" / "hmac-sha256": the config file's names.
const char* token_method_name(token_method m) noexcept;
// The method token_method_name calls `name` (a command line's already checked choice):
// "hmac-sha256" is HMAC, anything else AES-CMAC.
inline token_method token_method_named(std::string_view name) noexcept {
    return name == "hmac-sha256" ? token_method::hmac_sha256 : token_method::aes_cmac;
}

}  // namespace txscreen
