// Vocabulary of screening: the categories a pattern can belong to and the Txn text
// fields a pattern can apply to. Each is declared once here and yields both the enum
// and its name (the pattern file spells them by name; docs/patterns.md lists them).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/txn.h"

namespace txscreen {

// Categories, one bit each in Verdict::pattern_categories (bit = 1 << value).
#define TXSCREEN_PATTERN_CATEGORIES(_)                                                  \
    _(gambling, "online casinos, sportsbooks, poker, lotteries, bingo")                 \
    _(crypto, "crypto exchanges, on/off-ramps, bitcoin ATMs")                           \
    _(gift_card, "gift card resellers, prepaid and stored-value cards")                 \
    _(money_transfer, "wire and remittance services, e-money wallets")                  \
    _(disposable_email, "throwaway e-mail domains")                                     \
    _(anonymizer_ip, "Tor exits, VPN and bullet-proof hosting ranges")                  \
    _(adult, "adult content, cams and their billing descriptors")                       \
    _(blocklist, "values an operator blocks outright (placeholders, known bad ids)")

enum class pattern_category : uint8_t {
#define TXSCREEN_CAT_ENUM(name, desc) name,
    TXSCREEN_PATTERN_CATEGORIES(TXSCREEN_CAT_ENUM)
#undef TXSCREEN_CAT_ENUM
};

inline constexpr int pattern_category_count = 0
#define TXSCREEN_CAT_COUNT(name, desc) +1
    TXSCREEN_PATTERN_CATEGORIES(TXSCREEN_CAT_COUNT)
#undef TXSCREEN_CAT_COUNT
    ;
static_assert(pattern_category_count <= 16, "categories must fit Verdict::pattern_categories");

inline constexpr const char* pattern_category_names[] = {
#define TXSCREEN_CAT_NAME(name, desc) #name,
    TXSCREEN_PATTERN_CATEGORIES(TXSCREEN_CAT_NAME)
#undef TXSCREEN_CAT_NAME
};

// Returns the category's name as spelled in pattern files ("gift_card").
inline constexpr const char* pattern_category_name(pattern_category c) noexcept {
    return pattern_category_names[static_cast<int>(c)];
}
// Returns the bit of `c` in a category mask.
inline constexpr uint16_t category_bit(pattern_category c) noexcept {
    return static_cast<uint16_t>(1u << static_cast<unsigned>(c));
}
// Returns the category named `name` (exact, lower case), or nullopt.
inline constexpr std::optional<pattern_category> parse_pattern_category(std::string_view name) noexcept {
    for (int i = 0; i < pattern_category_count; ++i)
        if (name == pattern_category_names[i]) return static_cast<pattern_category>(i);
    return std::nullopt;
}

// Txn text fields that patterns can be applied to. One Hyperscan database per field.
#define TXSCREEN_SCREEN_FIELDS(_)   \
    _(merchant_name)                \
    _(city)                         \
    _(merchant_id)                  \
    _(email)                        \
    _(device_id)                    \
    _(ip)                           \
    _(terminal_id)

enum class screen_field : uint8_t {
#define TXSCREEN_FIELD_ENUM(name) name,
    TXSCREEN_SCREEN_FIELDS(TXSCREEN_FIELD_ENUM)
#undef TXSCREEN_FIELD_ENUM
};

inline constexpr int screen_field_count = 0
#define TXSCREEN_FIELD_COUNT(name) +1
    TXSCREEN_SCREEN_FIELDS(TXSCREEN_FIELD_COUNT)
#undef TXSCREEN_FIELD_COUNT
    ;

inline constexpr const char* screen_field_names[] = {
#define TXSCREEN_FIELD_NAME(name) #name,
    TXSCREEN_SCREEN_FIELDS(TXSCREEN_FIELD_NAME)
#undef TXSCREEN_FIELD_NAME
};

// Returns the field's name as spelled in pattern files ("merchant_name").
inline constexpr const char* screen_field_name(screen_field f) noexcept {
    return screen_field_names[static_cast<int>(f)];
}
// Returns the bit of `f` in a field mask.
inline constexpr uint8_t field_bit(screen_field f) noexcept {
    return static_cast<uint8_t>(1u << static_cast<unsigned>(f));
}
// Returns the field named `name` (exact, lower case), or nullopt.
inline constexpr std::optional<screen_field> parse_screen_field(std::string_view name) noexcept {
    for (int i = 0; i < screen_field_count; ++i)
        if (name == screen_field_names[i]) return static_cast<screen_field>(i);
    return std::nullopt;
}

// Returns the text of field `f` of `t` (a view into the Txn, possibly empty).
inline std::string_view field_text(const Txn& t, screen_field f) noexcept {
    switch (f) {
        case screen_field::merchant_name: return t.merchant_name.view();
        case screen_field::city: return t.city.view();
        case screen_field::merchant_id: return t.merchant_id.view();
        case screen_field::email: return t.email.view();
        case screen_field::device_id: return t.device_id.view();
        case screen_field::ip: return t.ip.view();
        case screen_field::terminal_id: return t.terminal_id.view();
    }
    return {};
}

}  // namespace txscreen
