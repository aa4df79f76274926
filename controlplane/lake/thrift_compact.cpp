#include "controlplane/lake/thrift_compact.h"

namespace txscreen {

void thrift_compact_writer::varint(uint64_t v) {
    while (v >= 0x80) {
        _out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    _out.push_back(static_cast<char>(v));
}

void thrift_compact_writer::field_header(int16_t id, thrift_type t) {
    const int delta = id - _last_id;
    if (delta > 0 && delta <= 15) {
        _out.push_back(static_cast<char>((delta << 4) | static_cast<int>(t)));
    } else {
        _out.push_back(static_cast<char>(t));
        varint(zigzag(id));
    }
    _last_id = id;
}

void thrift_compact_writer::struct_begin() {
    _outer_ids.push_back(_last_id);
    _last_id = 0;
}

void thrift_compact_writer::struct_end() {
    _out.push_back(0);  // stop
    _last_id = _outer_ids.back();
    _outer_ids.pop_back();
}

void thrift_compact_writer::field_bool(int16_t id, bool v) {
    field_header(id, v ? thrift_type::bool_true : thrift_type::bool_false);
}

void thrift_compact_writer::field_i16(int16_t id, int16_t v) {
    field_header(id, thrift_type::i16);
    varint(zigzag(v));
}

void thrift_compact_writer::field_i32(int16_t id, int32_t v) {
    field_header(id, thrift_type::i32);
    varint(zigzag(v));
}

void thrift_compact_writer::field_i64(int16_t id, int64_t v) {
    field_header(id, thrift_type::i64);
    varint(zigzag(v));
}

void thrift_compact_writer::field_binary(int16_t id, std::string_view v) {
    field_header(id, thrift_type::binary);
    element_binary(v);
}

void thrift_compact_writer::element_binary(std::string_view v) {
    varint(v.size());
    _out.append(v);
}

void thrift_compact_writer::field_struct_begin(int16_t id) {
    field_header(id, thrift_type::structure);
    struct_begin();
}

void thrift_compact_writer::field_list_begin(int16_t id, thrift_type element, std::size_t size) {
    field_header(id, thrift_type::list);
    if (size < 15) {
        _out.push_back(static_cast<char>((size << 4) | static_cast<std::size_t>(element)));
    } else {
        _out.push_back(static_cast<char>(0xf0 | static_cast<int>(element)));
        varint(size);
    }
}

}  // namespace txscreen
