// A small option parser for the subcommands: --name VALUE / --name=VALUE / flags, the
// EAL pass-through after `--`, and errors that name the option.
#pragma once

#include <cmath>
#include <cstdlib>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <vector>

namespace txscreen {

class option_parser {
public:
    explicit option_parser(const std::vector<std::string>& args) {
        for (std::size_t i = 0; i < args.size(); ++i) {
            if (args[i] == "--") {
                _eal.assign(args.begin() + static_cast<long>(i) + 1, args.end());
                break;
            }
            _args.push_back(args[i]);
        }
    }
    // True when no arguments are left unconsumed.
    bool empty() const { return _pos >= _args.size(); }
    const std::string& peek() const { return _args[_pos]; }
    // If the next argument is `name` (flag), consume it.
    bool flag(const char* name) {
        if (!empty() && _args[_pos] == name) {
            ++_pos;
            return true;
        }
        return false;
    }
    // If the next argument is `name VALUE` or `name=VALUE`, consume it into `out`.
    bool value(const char* name, std::string& out) {
        if (empty()) return false;
        const std::string& a = _args[_pos];
        std::string n = name;
        if (a == n) {
            if (_pos + 1 >= _args.size()) throw std::invalid_argument(n + " needs a value");
            out = _args[_pos + 1];
            _pos += 2;
            return true;
        }
        if (a.rfind(n + "=", 0) == 0) {
            out = a.substr(n.size() + 1);
            ++_pos;
            return true;
        }
        return false;
    }
    template <typename Num>
    bool number(const char* name, Num& out, double lo, double hi) {
        std::string v;
        if (!value(name, v)) return false;
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        // An integer option given a fraction ("--workers 1.9") is a usage error, not 1.
        const bool fraction = std::is_integral_v<Num> && d != std::floor(d);
        if (v.empty() || *end || !(d >= lo && d <= hi) || fraction)
            throw std::invalid_argument(std::string(name) + ": '" + v + "' is not " +
                                        (std::is_integral_v<Num> ? "an integer" : "a number") + " in " +
                                        format_bound(lo) + ".." + format_bound(hi));
        out = static_cast<Num>(d);
        return true;
    }
    [[noreturn]] void unknown() const { throw std::invalid_argument("unknown option '" + peek() + "' (see --help)"); }
    const std::vector<std::string>& eal() const { return _eal; }

private:
    static std::string format_bound(double b) {
        std::string s = std::to_string(b);
        s.erase(s.find_last_not_of('0') + 1);
        if (s.back() == '.') s.pop_back();
        return s;
    }
    std::vector<std::string> _args, _eal;
    std::size_t _pos = 0;
};

}  // namespace txscreen
