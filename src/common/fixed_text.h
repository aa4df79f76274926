// fixed_text<N>: a text field of at most N bytes stored inline (no heap), as used in
// Txn and Verdict. Assigning a longer value keeps the first N bytes and reports the
// truncation so the caller can count it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace txscreen {

template <std::size_t N>
struct fixed_text {
    static_assert(N > 0 && N < 256, "fixed_text length is stored in one byte");
    static constexpr std::size_t capacity = N;

    char data[N];
    uint8_t len;

    // Copies up to N bytes of `s`; returns true when `s` was longer and got truncated.
    bool assign(std::string_view s) noexcept {
        std::size_t n = s.size() < N ? s.size() : N;
        if (n) std::memcpy(data, s.data(), n);
        len = static_cast<uint8_t>(n);
        return s.size() > N;
    }
    void clear() noexcept { len = 0; }
    bool empty() const noexcept { return len == 0; }
    std::size_t size() const noexcept { return len; }
    std::string_view view() const noexcept { return {data, len}; }
    bool operator==(std::string_view s) const noexcept { return view() == s; }
};

}  // namespace txscreen
