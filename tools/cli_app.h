// What txscreen, txgen and txscreen-kafka-broker share on top of CLI11: one exit
// convention (--help and --version print on stdout and exit 0; every usage error is one
// line on stderr naming the option, exit 2), integer options that take only whole
// numbers, and one help layout.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>

namespace txscreen::cli {

inline constexpr int exit_usage = 2;

// A transform for integer options: decimal digits only, so "1.9" is refused rather than
// read as 1 and "010" is ten (CLI11 reads integers with strtoll base 0: octal, hex).
// With `si_suffix`, k/M/G multiply by a thousand, a million, a billion ("2M").
inline CLI::Validator whole_number(bool si_suffix = false) {
    return CLI::Validator(
        [si_suffix](std::string& value) -> std::string {
            std::string digits = value;
            uint64_t scale = 1;
            if (si_suffix && !digits.empty()) {
                switch (digits.back()) {
                case 'k': case 'K': scale = 1'000; break;
                case 'm': case 'M': scale = 1'000'000; break;
                case 'g': case 'G': scale = 1'000'000'000; break;
                default: break;
                }
                if (scale != 1) digits.pop_back();
            }
            if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
                return "'" + value + "' is not a whole number" + (si_suffix ? " (k, M, G suffixes allowed)" : "");
            digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
            if (digits.size() > 19 || std::stoull(digits) > UINT64_MAX / scale) return "'" + value + "' is too large";
            const uint64_t n = std::stoull(digits);
            value = std::to_string(n * scale);
            return {};
        },
        "", "whole number");
}

// A range check, "must be 1..64, got 0" as the config file's errors say it. The
// option's help text states the bounds (CLI11's Range would print them in the type
// column, and doubles as 86400.000000).
template <typename T>
CLI::Validator in_range(T lo, T hi) {
    return CLI::Validator(
        [lo, hi](std::string& value) -> std::string {
            T v{};
            if (!CLI::detail::lexical_cast(value, v)) return "'" + value + "' is not a number";
            if (v >= lo && v <= hi) return {};
            std::ostringstream bounds;
            bounds << std::setprecision(15) << "must be " << lo << ".." << hi << ", got " << value;
            return bounds.str();
        },
        "");
}

// Help for an 80-column terminal: "--name TYPE", then the description word-wrapped,
// ending with the default when the option shows one.
class help_formatter : public CLI::Formatter {
public:
    help_formatter() { column_width(26); }

    std::string make_description(const CLI::App* app) const override {
        const std::string text = CLI::Formatter::make_description(app);
        return text.empty() ? text : text + "\n";  // a blank line before "Usage:"
    }
    std::string make_option_opts(const CLI::Option* opt) const override {
        if (opt->get_type_size() == 0) return {};
        const std::string type = opt->get_type_name();
        return (type.empty() ? "" : " " + type) + (opt->get_required() ? " (required)" : "");
    }
    std::string make_option_desc(const CLI::Option* opt) const override {
        std::string text = opt->get_description();
        if (!opt->get_default_str().empty()) text += " (default " + opt->get_default_str() + ")";
        return wrap(text, 80 - get_column_width());
    }

private:
    static std::string wrap(const std::string& text, std::size_t width) {
        std::string out, line, word;
        std::istringstream words(text);
        while (words >> word) {
            if (!line.empty() && line.size() + 1 + word.size() > width) {
                out += line + '\n';
                line.clear();
            }
            line += (line.empty() ? "" : " ") + word;
        }
        return out + line;
    }
};

// The layout and the help flag every tool shares; before adding subcommands, which
// inherit both.
inline void use_help_layout(CLI::App& app) {
    app.formatter(std::make_shared<help_formatter>());
    app.set_help_flag("-h,--help", "print this help and exit");
}

// For a parse error: prints the help or version it calls for, or "PROG: the error" and
// a pointer to --help on stderr, and returns the exit status (0 or exit_usage). PROG
// names the subcommand too when one was given ("txscreen run").
inline int exit_status(const CLI::App& app, const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    std::string prog = app.get_name();
    for (const CLI::App* sub : app.get_subcommands()) prog += " " + sub->get_name();
    std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", prog.c_str(), e.what(), prog.c_str());
    return exit_usage;
}

}  // namespace txscreen::cli
