#include "controlplane/avro_container.h"

#include <cstring>

#include "controlplane/avro_encode.h"

namespace txscreen {

using namespace avro;

namespace {
constexpr uint8_t magic[4] = {'O', 'b', 'j', 1};
constexpr std::string_view key_schema = "avro.schema";
constexpr std::string_view key_codec = "avro.codec";
constexpr std::string_view codec_null = "null";
}  // namespace

std::size_t avro_write_header(std::string_view schema_json, const uint8_t sync[avro_sync_bytes], uint8_t* out,
                              std::size_t cap) noexcept {
    const std::size_t need = 4 + 4 * max_varint_bytes + key_schema.size() + schema_json.size() + key_codec.size() +
                             codec_null.size() + 2 + avro_sync_bytes;
    if (cap < need) return 0;
    uint8_t* p = out;
    std::memcpy(p, magic, 4);
    p += 4;
    p = put_long(p, 2);  // one map block of two entries
    p = put_bytes(p, key_schema.data(), key_schema.size());
    p = put_bytes(p, schema_json.data(), schema_json.size());
    p = put_bytes(p, key_codec.data(), key_codec.size());
    p = put_bytes(p, codec_null.data(), codec_null.size());
    p = put_long(p, 0);
    std::memcpy(p, sync, avro_sync_bytes);
    p += avro_sync_bytes;
    return static_cast<std::size_t>(p - out);
}

std::size_t avro_seal_block(uint8_t* buf, std::size_t data_len, uint64_t records,
                            const uint8_t sync[avro_sync_bytes]) noexcept {
    uint8_t hdr[avro_block_header_max];
    uint8_t* h = put_long(hdr, static_cast<int64_t>(records));
    h = put_long(h, static_cast<int64_t>(data_len));
    const std::size_t hlen = static_cast<std::size_t>(h - hdr);
    const std::size_t start = avro_block_header_max - hlen;
    std::memcpy(buf + start, hdr, hlen);
    std::memcpy(buf + avro_block_header_max + data_len, sync, avro_sync_bytes);
    return start;
}

avro_scan_result avro_scan_container(const uint8_t* data, std::size_t len, bool validate_records) noexcept {
    avro_scan_result r;
    const uint8_t* p = data;
    const uint8_t* end = data + len;
    if (len < 4 || std::memcmp(p, magic, 4) != 0) {
        r.error = "not an Avro container file (bad magic)";
        return r;
    }
    p += 4;
    std::string_view schema;
    for (;;) {
        int64_t n;
        if (!get_long(p, end, n)) { r.error = "header metadata cut short"; return r; }
        if (n == 0) break;
        if (n < 0) {
            int64_t bytes;
            if (!get_long(p, end, bytes)) { r.error = "header metadata cut short"; return r; }
            n = -n;
        }
        for (int64_t i = 0; i < n; ++i) {
            int64_t kl, vl;
            if (!get_long(p, end, kl) || kl < 0 || kl > end - p) { r.error = "header metadata cut short"; return r; }
            std::string_view key(reinterpret_cast<const char*>(p), static_cast<std::size_t>(kl));
            p += kl;
            if (!get_long(p, end, vl) || vl < 0 || vl > end - p) { r.error = "header metadata cut short"; return r; }
            std::string_view val(reinterpret_cast<const char*>(p), static_cast<std::size_t>(vl));
            p += vl;
            if (key == key_schema) schema = val;
            if (key == key_codec && val != codec_null) { r.error = "unsupported codec"; return r; }
        }
    }
    if (end - p < static_cast<std::ptrdiff_t>(avro_sync_bytes)) { r.error = "header sync marker cut short"; return r; }
    const uint8_t* sync = p;
    p += avro_sync_bytes;
    r.header_ok = true;
    r.header_len = r.valid_end = static_cast<std::size_t>(p - data);

    bool known = false;
    spool_table table = spool_table::scored;
    for (int i = 0; i < spool_table_count; ++i) {
        const auto t = static_cast<spool_table>(i);
        if (schema == avro_schema_json(t)) {
            known = true;
            table = t;
            std::string_view n = spool_table_name(t);
            std::memcpy(r.schema_name, n.data(), n.size());
        }
    }

    while (p < end) {
        int64_t count, size;
        const uint8_t* q = p;
        if (!get_long(q, end, count) || !get_long(q, end, size)) { r.error = "block header cut short"; break; }
        if (count <= 0 || size < 0) { r.error = "block header is not valid"; break; }
        if (size > end - q || end - q - size < static_cast<std::ptrdiff_t>(avro_sync_bytes)) {
            r.error = "block cut short";
            break;
        }
        if (std::memcmp(q + size, sync, avro_sync_bytes) != 0) { r.error = "block does not end in the sync marker"; break; }
        if (validate_records && known) {
            const uint8_t* rp = q;
            const uint8_t* rend = q + size;
            bool ok = true;
            for (int64_t i = 0; i < count && ok; ++i) ok = skip_avro_record(table, rp, rend);
            if (!ok || rp != rend) { r.error = "block records do not match its count and size"; break; }
        }
        p = q + size + avro_sync_bytes;
        r.valid_end = static_cast<std::size_t>(p - data);
        ++r.blocks;
        r.records += static_cast<uint64_t>(count);
    }
    return r;
}

}  // namespace txscreen
