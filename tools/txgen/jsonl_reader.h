// --from-jsonl: reads JSON lines with the keys of the JSON payload (docs/feeds.md;
// what streaming producers emit) into clear_txns, so an existing dataset can be
// replayed as a feed.
// Keys: txn_id, ts (RFC 3339 or epoch ms), card (PAN) or card_id, account_id, amount
// (decimal major units, number or string), currency, merchant_id, merchant_name, mcc,
// country, city, lat, lon, channel (pos|ecom|atm), device_id, ip, email; optional
// label and scenario_id are copied to the labels CSV. Unknown keys are ignored.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "codec/clear_txn.h"

namespace txscreen::txgen {

struct jsonl_record {
    clear_txn txn;
    std::string label;        // "normal" unless the line has a "label" key
    std::string scenario_id;  // "" unless the line has a "scenario_id" key
};

class jsonl_reader {
public:
    // Opens `path` ("-" = stdin). Throws std::runtime_error naming the file.
    explicit jsonl_reader(const std::string& path);
    ~jsonl_reader();
    jsonl_reader(const jsonl_reader&) = delete;
    jsonl_reader& operator=(const jsonl_reader&) = delete;

    // Reads the next non-blank line into `out`; returns false at end of file. Throws
    // std::runtime_error "FILE:LINE: what is wrong" for a line that is not a valid
    // transaction (bad JSON, missing or mistyped key, bad ts/amount/channel/currency).
    bool next(jsonl_record& out);
    uint64_t line() const noexcept { return _line; }

private:
    struct impl;
    std::unique_ptr<impl> _impl;
    std::string _path;
    uint64_t _line = 0;
};

// Parses a decimal amount in major units ("12.34", "-0.5" refused) into minor units
// with `exponent` fraction digits; false when not a non-negative decimal with at most
// that many fraction digits or out of range.
bool parse_amount_minor(std::string_view text, int exponent, int64_t& out) noexcept;

}  // namespace txscreen::txgen
