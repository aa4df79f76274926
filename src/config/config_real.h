// Settings with a fraction (shares, factors, smoothing constants): toml_section's
// getters read integers, durations and sizes; these read a number that may have a
// fraction and check it against an interval worded for the message.
#pragma once

#include <string>
#include <string_view>

#include "config/config_errors.h"
#include "config/toml_section.h"

namespace txscreen {

// An interval, closed at `hi` and at `lo` unless lo_open; `text` words it for messages
// ("above 0 and at most 1").
struct real_range {
    double lo, hi;
    bool lo_open;
    const char* text;
};

// Reads `name` into `out` when present: a float, or an integer taken as one.
void get_real(const toml_section& s, std::string_view name, double& out);
// "must be <r.text>, got <v>" when v is outside r or not finite.
void check_real(config_errors& e, const std::string& key, double v, real_range r);

}  // namespace txscreen
