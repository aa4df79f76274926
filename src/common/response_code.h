// ISO 8583 responses: which MTIs are responses and which field-39 response codes
// (1987: two characters) or action codes (1993: three digits) are approvals. Used by the decoder (a response may omit fields 2 and 4), the
// request/response pairing (flow/pairing.h: `declined` outcomes) and txgen.
//
// Approvals (everything else, an empty or unknown code included, is a decline):
//   00  approved or completed successfully
//   08  honour with identification
//   10  approved for partial amount
//   11  approved (VIP)
//   16  approved, update track 3
//   85  no reason to decline (account, address or CVV2 verification; Visa, Mastercard)
//   Y1  offline approved (EMV, terminal-generated)
//   Y3  unable to go online, offline approved (EMV, terminal-generated)
// Z1 and Z3, their offline-declined twins, are declines like any other code.
//
// ISO 8583:1993 action codes (three digits): 000-099 are approvals (000 approved, 001
// honour with identification, 002 approved for partial amount, 003 approved (VIP), ...);
// 100 and above are declines, pick-ups and other actions.
#pragma once

#include <cstdint>
#include <string_view>

namespace txscreen {

// True for a response MTI: the function (third) digit is odd (0110, 0130, 0210, 0230,
// 0410, 0430, 0810); its request has the even digit below it (0100, 0120, ...).
constexpr bool mti_is_response(uint16_t mti) noexcept { return (mti / 10) & 1u; }

// What a request and its response share: the message class and the function pair
// (0100/0110 -> 10, 0200/0210 -> 20, 0420/0421/0430 -> 42). The origin digit is left
// out, so a repeat (0421) pairs like its original (0420).
constexpr uint16_t mti_pair_class(uint16_t mti) noexcept { return static_cast<uint16_t>((mti / 10) & ~1u); }

namespace detail {
constexpr uint16_t code2(char a, char b) noexcept {
    return static_cast<uint16_t>(static_cast<uint8_t>(a) << 8 | static_cast<uint8_t>(b));
}
// The two characters of a field-39 code; an empty code reads as 0 (no approval).
constexpr uint16_t code2(const char* code) noexcept { return code[0] ? code2(code[0], code[1]) : 0; }
// A 1993 action code: exactly three digits.
constexpr bool action_code(const char* code) noexcept {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    return code[0] && code[1] && code[2] && digit(code[0]) && digit(code[1]) && digit(code[2]) && !code[3];
}
}  // namespace detail

// True unless `code` (field 39 as the decoder stores it: 2 or 3 characters and a NUL,
// Txn::response_code) is one of the approvals listed above.
constexpr bool response_declined(const char* code) noexcept {
    using detail::code2;
    if (code[0] && code[1] && code[2]) return !(detail::action_code(code) && code[0] == '0');
    switch (code2(code)) {
        case code2('0', '0'):
        case code2('0', '8'):
        case code2('1', '0'):
        case code2('1', '1'):
        case code2('1', '6'):
        case code2('8', '5'):
        case code2('Y', '1'):
        case code2('Y', '3'):
            return false;
        default:
            return true;
    }
}

// A short name for the common codes (logs, txgen labels, docs); "" for the others.
constexpr std::string_view response_code_name(const char* code) noexcept {
    using detail::code2;
    if (code[0] && code[1] && code[2]) {
        if (!detail::action_code(code) || code[0] != '0' || code[1] != '0') return "";
        switch (code[2]) {
            case '0': return "approved";
            case '1': return "honour_with_id";
            case '2': return "partial_approval";
            case '3': return "approved_vip";
            default: return "";
        }
    }
    switch (code2(code)) {
        case code2('0', '0'): return "approved";
        case code2('0', '1'): return "refer_to_issuer";
        case code2('0', '4'): return "pick_up_card";
        case code2('0', '5'): return "do_not_honour";
        case code2('0', '8'): return "honour_with_id";
        case code2('1', '0'): return "partial_approval";
        case code2('1', '1'): return "approved_vip";
        case code2('1', '2'): return "invalid_transaction";
        case code2('1', '3'): return "invalid_amount";
        case code2('1', '4'): return "invalid_card_number";
        case code2('1', '6'): return "approved_update_track3";
        case code2('4', '1'): return "lost_card";
        case code2('4', '3'): return "stolen_card";
        case code2('5', '1'): return "insufficient_funds";
        case code2('5', '4'): return "expired_card";
        case code2('5', '5'): return "incorrect_pin";
        case code2('5', '7'): return "not_permitted_to_cardholder";
        case code2('5', '9'): return "suspected_fraud";
        case code2('6', '1'): return "exceeds_amount_limit";
        case code2('6', '2'): return "restricted_card";
        case code2('6', '5'): return "exceeds_frequency_limit";
        case code2('8', '5'): return "no_reason_to_decline";
        case code2('9', '1'): return "issuer_unavailable";
        case code2('9', '6'): return "system_malfunction";
        case code2('Y', '1'): return "offline_approved";
        case code2('Y', '3'): return "offline_approved_unable_online";
        case code2('Z', '1'): return "offline_declined";
        case code2('Z', '3'): return "offline_declined_unable_online";
        default: return "";
    }
}

static_assert(!response_declined("00") && response_declined("05") && response_declined("") &&
              !response_declined("000") && !response_declined("002") && response_declined("100") &&
              response_declined("909") && response_declined("0A0"));

}  // namespace txscreen
