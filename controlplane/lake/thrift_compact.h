// The Thrift compact protocol, write side only, as much of it as Parquet's metadata
// (parquet.thrift: FileMetaData, PageHeader) needs: structs with delta-coded field ids,
// i32/i64 as zigzag varints, binary, lists, booleans folded into the field header.
// Spec: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace txscreen {

enum class thrift_type : uint8_t {
    bool_true = 1, bool_false = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, dbl = 7,
    binary = 8, list = 9, set = 10, map = 11, structure = 12,
};

// Appends to `out`. Usage: struct_begin(); field_i32(1, v); ...; struct_end(). A field
// of struct type: field_struct_begin(id) ... struct_end(). A list of structs:
// field_list_begin(id, thrift_type::structure, n), then n times struct_begin() ... struct_end().
class thrift_compact_writer {
public:
    explicit thrift_compact_writer(std::string& out) : _out(out) {}

    void struct_begin();
    void struct_end();  // writes the stop byte
    void field_bool(int16_t id, bool v);
    void field_i16(int16_t id, int16_t v);
    void field_i32(int16_t id, int32_t v);
    void field_i64(int16_t id, int64_t v);
    void field_binary(int16_t id, std::string_view v);
    void field_struct_begin(int16_t id);
    void field_list_begin(int16_t id, thrift_type element, std::size_t size);
    // List elements of the scalar kinds.
    void element_i32(int32_t v) { varint(zigzag(v)); }
    void element_binary(std::string_view v);

    static uint64_t zigzag(int64_t v) noexcept {
        return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
    }
    void varint(uint64_t v);

private:
    void field_header(int16_t id, thrift_type t);

    std::string& _out;
    int16_t _last_id = 0;
    std::vector<int16_t> _outer_ids;  // last field id of each enclosing struct
};

}  // namespace txscreen
