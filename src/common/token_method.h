// Which keyed function turns a PAN into its card token ([tokenization] tokenizer;
// common/pan_token.h computes both).
#pragma once

#include <cstdint>

namespace txscreen {

enum class token_method : uint8_t { aes_cmac, hmac_sha256 };

// "aes-cmac" / "hmac-sha256": the config file's names.
const char* token_method_name(token_method m) noexcept;

}  // namespace txscreen
