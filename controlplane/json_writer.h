// The bounded JSON writer the Kafka encoders share (verdict_json.cpp,
// analytics_json.cpp): writes into a caller-supplied buffer, never allocates, and
// reports overflow instead of cutting an object.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace txscreen::json {

// Bounded append-only writer: once something does not fit, every later write is a
// no-op and finish() reports 0, so callers never see half an object.
class json_writer {
public:
    json_writer(char* out, std::size_t cap) noexcept : _begin(out), _p(out), _end(out + cap) {}

    void raw(std::string_view s) noexcept {
        if (static_cast<std::size_t>(_end - _p) < s.size()) [[unlikely]] {
            _p = _end;
            _overflow = true;
            return;
        }
        std::memcpy(_p, s.data(), s.size());
        _p += s.size();
    }
    void ch(char c) noexcept {
        if (_p == _end) [[unlikely]] {
            _overflow = true;
            return;
        }
        *_p++ = c;
    }
    // `"key":` preceded by a comma unless it is the first member of the object.
    void key(std::string_view k) noexcept {
        // One bounds check per member: the key is a short literal.
        if (static_cast<std::size_t>(_end - _p) < k.size() + 4) [[unlikely]] {
            _p = _end;
            _overflow = true;
            return;
        }
        if (!_first) *_p++ = ',';
        _first = false;
        *_p++ = '"';
        std::memcpy(_p, k.data(), k.size());
        _p += k.size();
        *_p++ = '"';
        *_p++ = ':';
    }
    void open_object() noexcept {
        ch('{');
        _first = true;
    }
    void close_object() noexcept {
        ch('}');
        _first = false;
    }
    void open_array() noexcept {
        ch('[');
        _first = true;
    }
    void close_array() noexcept {
        ch(']');
        _first = false;
    }
    void element() noexcept {
        if (!_first) ch(',');
        _first = false;
    }

    void u64(uint64_t v) noexcept {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        raw({buf, static_cast<std::size_t>(r.ptr - buf)});
    }
    void i64(int64_t v) noexcept {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        raw({buf, static_cast<std::size_t>(r.ptr - buf)});
    }
    // Shortest text that reads back to the same double; JSON has no NaN/Inf -> null.
    void dbl(double v) noexcept {
        if (!std::isfinite(v)) [[unlikely]] {
            raw("null");
            return;
        }
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, v);
        raw({buf, static_cast<std::size_t>(r.ptr - buf)});
    }
    void boolean(bool b) noexcept { raw(b ? "true" : "false"); }

    // A JSON string. Text from feeds may hold control characters or bytes that are not
    // UTF-8 (a fixed_text cut can split a sequence): those become escapes or U+FFFD
    // so the payload is always valid JSON.
    void str(std::string_view s) noexcept {
        static constexpr char hex[] = "0123456789abcdef";
        ch('"');
        const auto* b = reinterpret_cast<const unsigned char*>(s.data());
        std::size_t n = s.size();
        for (std::size_t i = 0; i < n;) {
            // Copy the run of bytes that need no escaping in one go.
            std::size_t run = i;
            while (run < n && b[run] >= 0x20 && b[run] < 0x80 && b[run] != '"' && b[run] != '\\') ++run;
            if (run > i) {
                raw({s.data() + i, run - i});
                i = run;
                if (i == n) break;
            }
            unsigned char c = b[i];
            if (c < 0x80) {
                if (c == '"' || c == '\\') {
                    ch('\\');
                    ch(static_cast<char>(c));
                } else if (c < 0x20) {
                    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                    raw({esc, 6});
                } else {
                    ch(static_cast<char>(c));
                }
                ++i;
                continue;
            }
            std::size_t len = utf8_sequence_length(b + i, n - i);
            if (len == 0) {
                raw("\\ufffd");
                ++i;
            } else {
                raw({s.data() + i, len});
                i += len;
            }
        }
        ch('"');
    }
    // A string of at most `max` bytes from a fixed C buffer that may lack its NUL.
    void cstr(const char* s, std::size_t max) noexcept { str({s, strnlen(s, max)}); }

    // Returns the bytes written, or 0 when the output overflowed.
    std::size_t finish() const noexcept {
        return _overflow ? 0 : static_cast<std::size_t>(_p - _begin);
    }

private:
    // Length of the valid UTF-8 sequence at p (2..4), or 0 when it is not one.
    static std::size_t utf8_sequence_length(const unsigned char* p, std::size_t avail) noexcept {
        unsigned char c = p[0];
        std::size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (avail < len) return 0;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[k] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (p[k] & 0x3f);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        return len;
    }

    char* _begin;
    char* _p;
    char* _end;
    bool _first = true;
    bool _overflow = false;
};

// "12345" with exponent 2 -> "123.45"; exponent 0 -> "12345".
inline void write_decimal_amount(json_writer& w, int64_t minor, unsigned exponent) noexcept {
    char buf[40];
    char* p = buf;
    // Work in unsigned so INT64_MIN has a magnitude.
    uint64_t mag = minor < 0 ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
    if (minor < 0) *p++ = '-';
    if (exponent > 18) exponent = 18;
    uint64_t scale = 1;
    for (unsigned i = 0; i < exponent; ++i) scale *= 10;
    p = std::to_chars(p, buf + sizeof buf, mag / scale).ptr;
    if (exponent > 0) {
        *p++ = '.';
        uint64_t frac = mag % scale;
        for (unsigned i = exponent; i-- > 0;) {
            p[i] = static_cast<char>('0' + frac % 10);
            frac /= 10;
        }
        p += exponent;
    }
    w.ch('"');
    w.raw({buf, static_cast<std::size_t>(p - buf)});
    w.ch('"');
}

}  // namespace txscreen::json
