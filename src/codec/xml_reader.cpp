#include "codec/xml_reader.h"

#include <cstring>

namespace txscreen::xml {

const std::string* element::find(std::string_view attr) const noexcept {
    for (const attribute& a : attributes)
        if (a.name == attr) return &a.value;
    return nullptr;
}

namespace {

// Thrown inside the reader only; parse() turns it into a parse_error.
struct malformed {
    uint32_t line;
    std::string what;
};

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_name_start(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) noexcept { return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

// Appends code point `cp` as UTF-8 (attribute values are UTF-8 text).
void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class reader {
public:
    explicit reader(std::string_view text) : _text(text) {}

    void document(element& root) {
        skip_misc(true);
        if (at_end() || peek() != '<') fail("expected the document element");
        element_at(root, 1);
        skip_misc(false);
        if (!at_end()) fail("text after the document element");
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw malformed{_line, what}; }
    bool at_end() const noexcept { return _pos >= _text.size(); }
    char peek() const noexcept { return _text[_pos]; }
    bool starts(std::string_view s) const noexcept { return _text.substr(_pos, s.size()) == s; }
    void advance(std::size_t n) {
        for (std::size_t i = 0; i < n && _pos < _text.size(); ++i, ++_pos)
            if (_text[_pos] == '\n') ++_line;
    }
    void skip_spaces() {
        while (!at_end() && is_space(peek())) advance(1);
    }
    // Moves past the next `end`; `what` names the construct left open at the end of input.
    void skip_past(std::string_view end, const char* what) {
        const std::size_t at = _text.find(end, _pos);
        if (at == std::string_view::npos) fail(std::string("unterminated ") + what);
        advance(at + end.size() - _pos);
    }

    // Whitespace, comments and processing instructions (and, before the root, one DOCTYPE).
    void skip_misc(bool prolog) {
        for (;;) {
            skip_spaces();
            if (starts("<!--")) {
                comment();
            } else if (starts("<?")) {
                skip_past("?>", "processing instruction");
            } else if (prolog && starts("<!DOCTYPE")) {
                doctype();
                prolog = false;
            } else {
                return;
            }
        }
    }
    void comment() {
        advance(4);
        const std::size_t at = _text.find("--", _pos);
        if (at == std::string_view::npos) fail("unterminated comment");
        advance(at - _pos);
        if (!starts("-->")) fail("\"--\" inside a comment");
        advance(3);
    }
    // <!DOCTYPE name PUBLIC "..." "..."> with no internal subset: entity declarations
    // would let a file expand text without bound, so a '[' is refused.
    void doctype() {
        advance(9);
        char quote = 0;
        for (; !at_end(); advance(1)) {
            const char c = peek();
            if (quote) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '[') {
                fail("a DOCTYPE internal subset (entity declarations) is not supported");
            } else if (c == '>') {
                advance(1);
                return;
            }
        }
        fail("unterminated DOCTYPE");
    }

    std::string name(const char* what) {
        if (at_end() || !is_name_start(peek())) fail(std::string("expected ") + what);
        const std::size_t start = _pos;
        while (!at_end() && is_name_char(peek())) advance(1);
        return std::string(_text.substr(start, _pos - start));
    }

    void element_at(element& e, unsigned depth) {
        if (depth > max_depth) fail("elements nested deeper than " + std::to_string(max_depth));
        e.line = _line;
        advance(1);  // '<'
        e.name = name("an element name");
        if (attributes(e)) return;  // empty element, "/>"
        content(e, depth);
    }

    // Reads the attributes and the end of the start tag; true for "/>".
    bool attributes(element& e) {
        for (;;) {
            const bool spaced = !at_end() && is_space(peek());
            skip_spaces();
            if (at_end()) fail("unterminated start tag <" + e.name + ">");
            if (starts("/>")) {
                advance(2);
                return true;
            }
            if (peek() == '>') {
                advance(1);
                return false;
            }
            if (!spaced) fail("expected a space before an attribute in <" + e.name + ">");
            attribute a;
            a.name = name("an attribute name");
            skip_spaces();
            if (at_end() || peek() != '=') fail("expected '=' after attribute \"" + a.name + "\"");
            advance(1);
            skip_spaces();
            a.value = quoted_value(a.name);
            if (e.find(a.name)) fail("attribute \"" + a.name + "\" given twice in <" + e.name + ">");
            if (e.attributes.size() == max_attributes) fail("more than " + std::to_string(max_attributes) + " attributes in <" + e.name + ">");
            e.attributes.push_back(std::move(a));
        }
    }

    std::string quoted_value(const std::string& attr) {
        if (at_end() || (peek() != '"' && peek() != '\'')) fail("attribute \"" + attr + "\": value must be quoted");
        const char quote = peek();
        advance(1);
        std::string value;
        for (;;) {
            if (at_end()) fail("attribute \"" + attr + "\": unterminated value");
            const char c = peek();
            if (c == quote) break;
            if (c == '<') fail("attribute \"" + attr + "\": '<' in a value (write &lt;)");
            if (c == '&') {
                entity(value);
            } else {
                value += c;
                advance(1);
            }
        }
        advance(1);
        return value;
    }

    void entity(std::string& out) {
        // Only the next few bytes: a file of '&'s must not make this quadratic.
        const std::size_t near = _text.substr(_pos, 12).find(';');
        if (near == std::string_view::npos) fail("'&' that does not start an entity reference (write &amp;)");
        const std::size_t semi = _pos + near;
        const std::string_view ref = _text.substr(_pos + 1, semi - _pos - 1);
        static constexpr std::pair<std::string_view, char> named[] = {
            {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
        for (const auto& [n, c] : named)
            if (ref == n) {
                out += c;
                advance(semi + 1 - _pos);
                return;
            }
        if (ref.size() >= 2 && ref[0] == '#') {
            const bool hex = ref[1] == 'x';
            uint32_t cp = 0;
            const std::string_view digits = ref.substr(hex ? 2 : 1);
            bool ok = !digits.empty();
            for (char d : digits) {
                const int v = (d >= '0' && d <= '9') ? d - '0' : hex && (d | 0x20) >= 'a' && (d | 0x20) <= 'f' ? (d | 0x20) - 'a' + 10 : -1;
                if (v < 0 || cp > 0x10FFFF) ok = false;
                else cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
            }
            if (ok && cp > 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF)) {
                append_utf8(out, cp);
                advance(semi + 1 - _pos);
                return;
            }
        }
        fail("unknown entity reference &" + std::string(ref) + ";");
    }

    // Children up to the matching end tag; character data is skipped.
    void content(element& e, unsigned depth) {
        for (;;) {
            const std::size_t lt = _text.find('<', _pos);
            if (lt == std::string_view::npos) {
                advance(_text.size() - _pos);
                fail("<" + e.name + "> is not closed");
            }
            advance(lt - _pos);
            if (starts("</")) {
                advance(2);
                const std::string closing = name("an element name after \"</\"");
                if (closing != e.name) fail("</" + closing + "> closes <" + e.name + ">");
                skip_spaces();
                if (at_end() || peek() != '>') fail("expected '>' after </" + closing);
                advance(1);
                return;
            }
            if (starts("<!--")) comment();
            else if (starts("<?")) skip_past("?>", "processing instruction");
            else if (starts("<!")) fail("CDATA sections and declarations are not supported inside elements");
            else element_at(e.children.emplace_back(), depth + 1);
        }
    }

    std::string_view _text;
    std::size_t _pos = 0;
    uint32_t _line = 1;
};

}  // namespace

bool parse(std::string_view text, element& root, parse_error& error) {
    root = element{};
    if (text.size() > max_input_bytes) {
        error = {1, "file is larger than " + std::to_string(max_input_bytes) + " bytes"};
        return false;
    }
    try {
        reader(text).document(root);
        return true;
    } catch (const malformed& m) {
        error = {m.line, "not well-formed: " + m.what};
        return false;
    }
}

}  // namespace txscreen::xml
