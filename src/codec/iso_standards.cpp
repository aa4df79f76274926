// The two standards a dialect names as its base (iso_dialect.h): ISO 8583:1987 and
// :1993 data elements 2..128 as types and lengths, every encoding ASCII, no field
// marked explicit, so a dialect file's [encoding] re-derives them all.
//
// The 1987 table is the one src/codec/iso8583.cpp decodes today (txscreen's, not jPOS's:
// field 65 is b8, 93 an5, 96 b8; docs/feeds.md lists the differences). The 1993 table
// is the 1987 one with the elements whose type or length the 1993 edition changed
// (design16.md section 2.7, after jPOS ISO93APackager). Field 1 (the secondary bitmap)
// is the decoder's own and stays undefined here; field 65 is an 8-byte b field.
#include "codec/iso_dialect.h"

#include <array>

namespace txscreen::iso {
namespace {

struct element_row {
    uint8_t field;
    content type;
    uint8_t prefix_digits;  // 0: fixed
    uint16_t max;
    const char* name;
};

constexpr element_row iso1987_rows[] = {
    {2, content::n, 2, 19, "primary account number"},
    {3, content::n, 0, 6, "processing code"},
    {4, content::n, 0, 12, "amount, transaction"},
    {5, content::n, 0, 12, "amount, settlement"},
    {6, content::n, 0, 12, "amount, cardholder billing"},
    {7, content::n, 0, 10, "transmission date & time MMDDhhmmss"},
    {8, content::n, 0, 8, "amount, cardholder billing fee"},
    {9, content::n, 0, 8, "conversion rate, settlement"},
    {10, content::n, 0, 8, "conversion rate, cardholder billing"},
    {11, content::n, 0, 6, "systems trace audit number"},
    {12, content::n, 0, 6, "time, local transaction hhmmss"},
    {13, content::n, 0, 4, "date, local transaction MMDD"},
    {14, content::n, 0, 4, "date, expiration YYMM"},
    {15, content::n, 0, 4, "date, settlement"},
    {16, content::n, 0, 4, "date, conversion"},
    {17, content::n, 0, 4, "date, capture"},
    {18, content::n, 0, 4, "merchant type"},
    {19, content::n, 0, 3, "acquiring institution country code"},
    {20, content::n, 0, 3, "PAN extended, country code"},
    {21, content::n, 0, 3, "forwarding institution country code"},
    {22, content::n, 0, 3, "point of service entry mode"},
    {23, content::n, 0, 3, "card sequence number"},
    {24, content::n, 0, 3, "network international identifier"},
    {25, content::n, 0, 2, "point of service condition code"},
    {26, content::n, 0, 2, "point of service PIN capture code"},
    {27, content::n, 0, 1, "authorization identification response length"},
    {28, content::xn, 0, 8, "amount, transaction fee"},
    {29, content::xn, 0, 8, "amount, settlement fee"},
    {30, content::xn, 0, 8, "amount, transaction processing fee"},
    {31, content::xn, 0, 8, "amount, settlement processing fee"},
    {32, content::n, 2, 11, "acquiring institution identification code"},
    {33, content::n, 2, 11, "forwarding institution identification code"},
    {34, content::ns, 2, 28, "primary account number, extended"},
    {35, content::z, 2, 37, "track 2 data"},
    {36, content::n, 3, 104, "track 3 data"},
    {37, content::an, 0, 12, "retrieval reference number"},
    {38, content::an, 0, 6, "authorization identification response"},
    {39, content::an, 0, 2, "response code"},
    {40, content::an, 0, 3, "service restriction code"},
    {41, content::ans, 0, 8, "card acceptor terminal identification"},
    {42, content::ans, 0, 15, "card acceptor identification code"},
    {43, content::ans, 0, 40, "card acceptor name/location"},
    {44, content::an, 2, 25, "additional response data"},
    {45, content::an, 2, 76, "track 1 data"},
    {46, content::an, 3, 999, "additional data - ISO"},
    {47, content::an, 3, 999, "additional data - national"},
    {48, content::an, 3, 999, "additional data - private"},
    {49, content::an, 0, 3, "currency code, transaction"},
    {50, content::an, 0, 3, "currency code, settlement"},
    {51, content::an, 0, 3, "currency code, cardholder billing"},
    {52, content::b, 0, 8, "personal identification number data"},
    {53, content::n, 0, 16, "security related control information"},
    {54, content::an, 3, 120, "additional amounts"},
    {55, content::ans, 3, 999, "reserved ISO"},
    {56, content::ans, 3, 999, "reserved ISO"},
    {57, content::ans, 3, 999, "reserved national"},
    {58, content::ans, 3, 999, "reserved national"},
    {59, content::ans, 3, 999, "reserved national"},
    {60, content::ans, 3, 999, "reserved national"},
    {61, content::ans, 3, 999, "reserved private"},
    {62, content::ans, 3, 999, "reserved private"},
    {63, content::ans, 3, 999, "reserved private"},
    {64, content::b, 0, 8, "message authentication code"},
    {65, content::b, 0, 8, "bitmap, tertiary"},
    {66, content::n, 0, 1, "settlement code"},
    {67, content::n, 0, 2, "extended payment code"},
    {68, content::n, 0, 3, "receiving institution country code"},
    {69, content::n, 0, 3, "settlement institution country code"},
    {70, content::n, 0, 3, "network management information code"},
    {71, content::n, 0, 4, "message number"},
    {72, content::n, 0, 4, "message number, last"},
    {73, content::n, 0, 6, "date, action YYMMDD"},
    {74, content::n, 0, 10, "credits, number"},
    {75, content::n, 0, 10, "credits reversal, number"},
    {76, content::n, 0, 10, "debits, number"},
    {77, content::n, 0, 10, "debits reversal, number"},
    {78, content::n, 0, 10, "transfer, number"},
    {79, content::n, 0, 10, "transfer reversal, number"},
    {80, content::n, 0, 10, "inquiries, number"},
    {81, content::n, 0, 10, "authorizations, number"},
    {82, content::n, 0, 12, "credits, processing fee amount"},
    {83, content::n, 0, 12, "credits, transaction fee amount"},
    {84, content::n, 0, 12, "debits, processing fee amount"},
    {85, content::n, 0, 12, "debits, transaction fee amount"},
    {86, content::n, 0, 16, "credits, amount"},
    {87, content::n, 0, 16, "credits reversal, amount"},
    {88, content::n, 0, 16, "debits, amount"},
    {89, content::n, 0, 16, "debits reversal, amount"},
    {90, content::n, 0, 42, "original data elements"},
    {91, content::an, 0, 1, "file update code"},
    {92, content::an, 0, 2, "file security code"},
    {93, content::an, 0, 5, "response indicator"},
    {94, content::an, 0, 7, "service indicator"},
    {95, content::an, 0, 42, "replacement amounts"},
    {96, content::b, 0, 8, "message security code"},
    {97, content::xn, 0, 16, "amount, net settlement"},
    {98, content::ans, 0, 25, "payee"},
    {99, content::n, 2, 11, "settlement institution identification code"},
    {100, content::n, 2, 11, "receiving institution identification code"},
    {101, content::ans, 2, 17, "file name"},
    {102, content::ans, 2, 28, "account identification 1"},
    {103, content::ans, 2, 28, "account identification 2"},
    {104, content::ans, 3, 100, "transaction description"},
    {105, content::ans, 3, 999, "reserved ISO"},
    {106, content::ans, 3, 999, "reserved ISO"},
    {107, content::ans, 3, 999, "reserved ISO"},
    {108, content::ans, 3, 999, "reserved ISO"},
    {109, content::ans, 3, 999, "reserved ISO"},
    {110, content::ans, 3, 999, "reserved ISO"},
    {111, content::ans, 3, 999, "reserved ISO"},
    {112, content::ans, 3, 999, "reserved national"},
    {113, content::ans, 3, 999, "reserved national"},
    {114, content::ans, 3, 999, "reserved national"},
    {115, content::ans, 3, 999, "reserved national"},
    {116, content::ans, 3, 999, "reserved national"},
    {117, content::ans, 3, 999, "reserved national"},
    {118, content::ans, 3, 999, "reserved national"},
    {119, content::ans, 3, 999, "reserved national"},
    {120, content::ans, 3, 999, "reserved private"},
    {121, content::ans, 3, 999, "reserved private"},
    {122, content::ans, 3, 999, "reserved private"},
    {123, content::ans, 3, 999, "reserved private"},
    {124, content::ans, 3, 999, "reserved private"},
    {125, content::ans, 3, 999, "reserved private"},
    {126, content::ans, 3, 999, "reserved private"},
    {127, content::ans, 3, 999, "reserved private"},
    {128, content::b, 0, 8, "message authentication code"},
};
static_assert(std::size(iso1987_rows) == 127, "fields 2..128");

// What ISO 8583:1993 changed (the rest is as 1987). Field 39 is the 3-digit action code,
// 24 the function code, 12 a full local date and time (YYMMDDhhmmss).
constexpr element_row iso1993_changes[] = {
    {12, content::n, 0, 12, "date and time, local transaction"},
    {13, content::n, 0, 4, "date, effective"},
    {15, content::n, 0, 6, "date, settlement"},
    {22, content::an, 0, 12, "point of service data code"},
    {24, content::n, 0, 3, "function code"},
    {25, content::n, 0, 4, "message reason code"},
    {26, content::n, 0, 4, "card acceptor business code"},
    {28, content::n, 0, 6, "date, reconciliation"},
    {29, content::n, 0, 3, "reconciliation indicator"},
    {30, content::n, 0, 24, "amounts, original"},
    {31, content::ans, 2, 99, "acquirer reference data"},
    {39, content::n, 0, 3, "action code"},
    {40, content::n, 0, 3, "service code"},
    {43, content::ans, 2, 99, "card acceptor name/location"},
    {44, content::ans, 2, 99, "additional response data"},
    {46, content::ans, 3, 204, "amounts, fees"},
    {53, content::b, 2, 48, "security related control information"},
    {55, content::b, 3, 255, "integrated circuit card system related data"},
    {56, content::n, 2, 35, "original data elements"},
    {57, content::n, 0, 3, "authorization life cycle code"},
    {58, content::n, 2, 11, "authorizing agent institution identification code"},
    {66, content::ans, 3, 204, "amounts, original fees"},
    {70, content::n, 0, 3, "country code, authorizing agent"},
    {71, content::n, 0, 8, "message number"},
    {72, content::ans, 3, 999, "data record"},
    {82, content::n, 0, 10, "inquiries reversal, number"},
    {83, content::n, 0, 10, "payments, number"},
    {84, content::n, 0, 10, "payments reversal, number"},
    {85, content::n, 0, 10, "fee collections, number"},
    {90, content::n, 0, 10, "authorizations reversal, number"},
    {91, content::n, 0, 3, "country code, transaction destination institution"},
    {92, content::n, 0, 3, "country code, transaction originator institution"},
    {93, content::n, 2, 11, "transaction destination institution identification code"},
    {94, content::n, 2, 11, "transaction originator institution identification code"},
    {95, content::ans, 2, 99, "card issuer reference data"},
    {96, content::b, 3, 999, "key management data"},
    {99, content::an, 2, 11, "settlement institution identification code"},
    {105, content::n, 0, 16, "credits, chargeback amount"},
    {106, content::n, 0, 16, "debits, chargeback amount"},
    {107, content::n, 0, 10, "credits, chargeback number"},
    {108, content::n, 0, 10, "debits, chargeback number"},
    {109, content::ans, 2, 84, "credits, fee amounts"},
    {110, content::ans, 2, 84, "debits, fee amounts"},
};

// Every encoding ASCII, as the header promises: a dialect file re-derives them.
field_def element(const element_row& r) {
    field_def f;
    f.defined = true;
    f.type = r.type;
    f.prefix_digits = r.prefix_digits;
    f.prefix = r.prefix_digits ? prefix_enc::ascii : prefix_enc::none;
    f.max = r.max;
    f.enc = 0;  // num_enc::ascii, text_enc::ascii and bin_enc::raw are all 0
    f.name = r.name;
    return f;
}

dialect_def make_1987() {
    dialect_def d;
    d.name = d.base = "iso8583-1987";
    d.description = "ISO 8583:1987 data elements (txscreen's table), ASCII";
    for (const element_row& r : iso1987_rows) d.fields[r.field] = element(r);
    return d;
}

dialect_def make_1993() {
    dialect_def d = make_1987();
    d.name = d.base = "iso8583-1993";
    d.description = "ISO 8583:1993 data elements, ASCII";
    for (const element_row& r : iso1993_changes) d.fields[r.field] = element(r);
    return d;
}

}  // namespace

const dialect_def* standard(std::string_view base) noexcept {
    // Built on first use (names are std::strings); init time only.
    static const dialect_def iso1987 = make_1987();
    static const dialect_def iso1993 = make_1993();
    if (base == "iso8583-1987") return &iso1987;
    if (base == "iso8583-1993") return &iso1993;
    return nullptr;
}

std::string_view content_name(content c) noexcept {
    switch (c) {
        case content::n: return "n";
        case content::a: return "a";
        case content::an: return "an";
        case content::ans: return "ans";
        case content::ns: return "ns";
        case content::as: return "as";
        case content::s: return "s";
        case content::b: return "b";
        case content::z: return "z";
        case content::xn: return "xn";
    }
    return "?";
}

}  // namespace txscreen::iso
