#include "controlplane/lake/parquet_encoding.h"

#include <functional>

namespace txscreen::parquet {

namespace {

void put_varint(std::string& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

template <class T>
std::size_t run_length(const T* v, std::size_t from, std::size_t n, std::size_t limit) noexcept {
    std::size_t k = from + 1;
    while (k < n && k - from < limit && v[k] == v[from]) ++k;
    return k - from;
}

template <class T>
void put_rle_run(std::string& out, T value, std::size_t count, int width) {
    put_varint(out, static_cast<uint64_t>(count) << 1);
    const uint32_t x = value;
    for (int byte = 0; byte < (width + 7) / 8; ++byte) out.push_back(static_cast<char>(x >> (8 * byte)));
}

// Bit-packs `groups` groups of 8 values starting at v[from]; past n it packs zeros.
template <class T>
void put_bit_packed(std::string& out, const T* v, std::size_t from, std::size_t n, std::size_t groups, int width) {
    put_varint(out, (static_cast<uint64_t>(groups) << 1) | 1);
    uint64_t acc = 0;
    int bits = 0;
    for (std::size_t k = from; k < from + groups * 8; ++k) {
        acc |= static_cast<uint64_t>(k < n ? static_cast<uint32_t>(v[k]) : 0) << bits;
        bits += width;
        while (bits >= 8) {
            out.push_back(static_cast<char>(acc));
            acc >>= 8;
            bits -= 8;
        }
    }
}

template <class T>
void rle_hybrid(std::string& out, const T* v, std::size_t n, int width) {
    constexpr std::size_t min_rle = 8, max_groups = 63;  // 63 groups: a one-byte header, as parquet-mr
    std::size_t k = 0;
    while (k < n) {
        const std::size_t run = run_length(v, k, n, n);
        if (run >= min_rle) {
            put_rle_run(out, v[k], run, width);
            k += run;
            continue;
        }
        // Bit-pack whole groups until a long run starts at a group boundary.
        std::size_t groups = 1;
        while (groups < max_groups && k + groups * 8 < n && run_length(v, k + groups * 8, n, min_rle) < min_rle)
            ++groups;
        put_bit_packed(out, v, k, n, groups, width);
        k += groups * 8;
    }
}

uint64_t mix(uint64_t x) noexcept { return x * 0x9e3779b97f4a7c15ull; }

// Open addressing over ids into `keys` (first-seen order); grows at half load.
template <class Key, class Hash>
class dict_table {
public:
    explicit dict_table(Hash hash) : _hash(hash), _slots(1024, 0), _mask(1023) {}

    uint32_t id_of(const Key& key, bool& inserted) {
        std::size_t s = _hash(key) & _mask;
        while (_slots[s]) {
            if (keys[_slots[s] - 1] == key) { inserted = false; return _slots[s] - 1; }
            s = (s + 1) & _mask;
        }
        keys.push_back(key);
        _slots[s] = static_cast<uint32_t>(keys.size());
        inserted = true;
        if (keys.size() * 2 > _slots.size()) grow();
        return static_cast<uint32_t>(keys.size() - 1);
    }

    std::vector<Key> keys;

private:
    void grow() {
        _slots.assign(_slots.size() * 2, 0);
        _mask = _slots.size() - 1;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            std::size_t s = _hash(keys[i]) & _mask;
            while (_slots[s]) s = (s + 1) & _mask;
            _slots[s] = static_cast<uint32_t>(i + 1);
        }
    }

    Hash _hash;
    std::vector<uint32_t> _slots;  // 0 = empty, else id + 1
    std::size_t _mask;
};

// Numbers are keyed by their bit pattern, so NaNs (and -0 against +0) stay distinct
// and each value reads back bit for bit.
template <class T>
bool numeric_dictionary(const std::vector<T>& v, std::size_t max_bytes, dictionary& out) {
    using bits_t = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    dict_table<bits_t, uint64_t (*)(bits_t)> table([](bits_t b) { return mix(b) >> 32; });
    out.indices.resize(v.size());
    const std::size_t max_keys = max_bytes / sizeof(T);
    for (std::size_t k = 0; k < v.size(); ++k) {
        bool inserted = false;
        out.indices[k] = table.id_of(std::bit_cast<bits_t>(v[k]), inserted);
        if (inserted && table.keys.size() > max_keys) return false;
    }
    out.size = static_cast<uint32_t>(table.keys.size());
    put_plain(out.plain, table.keys.data(), table.keys.size());
    return true;
}

bool string_dictionary(const column_batch& c, std::size_t max_bytes, dictionary& out) {
    dict_table<std::string_view, std::hash<std::string_view>> table{std::hash<std::string_view>()};
    const std::size_t n = c.str_end.size();
    out.indices.resize(n);
    std::size_t bytes = 0;
    for (std::size_t k = 0; k < n; ++k) {
        bool inserted = false;
        const std::string_view s = c.str(k);
        out.indices[k] = table.id_of(s, inserted);
        if (!inserted) continue;
        bytes += 4 + s.size();
        if (bytes > max_bytes) return false;
    }
    out.size = static_cast<uint32_t>(table.keys.size());
    out.plain.reserve(bytes);
    out.strings = std::move(table.keys);
    for (const std::string_view s : out.strings) {
        const uint32_t len = static_cast<uint32_t>(s.size());
        put_plain(out.plain, &len, 1);
        out.plain.append(s);
    }
    return true;
}

}  // namespace

void put_plain_bools(std::string& out, const uint8_t* v, std::size_t n) {
    for (std::size_t k = 0; k < n; k += 8) {
        uint8_t byte = 0;
        for (std::size_t bit = 0; bit < 8 && k + bit < n; ++bit) byte = static_cast<uint8_t>(byte | (v[k + bit] ? 1u : 0u) << bit);
        out.push_back(static_cast<char>(byte));
    }
}

void put_plain_strings(std::string& out, const column_batch& c, std::size_t from, std::size_t to) {
    for (std::size_t k = from; k < to; ++k) {
        const std::string_view s = c.str(k);
        const uint32_t len = static_cast<uint32_t>(s.size());
        put_plain(out, &len, 1);
        out.append(s);
    }
}

void put_rle_hybrid(std::string& out, const uint8_t* v, std::size_t n, int width) { rle_hybrid(out, v, n, width); }
void put_rle_hybrid(std::string& out, const uint32_t* v, std::size_t n, int width) { rle_hybrid(out, v, n, width); }

bool build_dictionary(const column_batch& c, std::size_t max_bytes, dictionary& out) {
    out = dictionary{};
    switch (c.type) {
        case lake_type::int32: return numeric_dictionary(c.i32, max_bytes, out);
        case lake_type::int64:
        case lake_type::timestamp_ms:
        case lake_type::decimal18_4: return numeric_dictionary(c.i64, max_bytes, out);
        case lake_type::float32: return numeric_dictionary(c.f32, max_bytes, out);
        case lake_type::float64: return numeric_dictionary(c.f64, max_bytes, out);
        case lake_type::string: return string_dictionary(c, max_bytes, out);
        default: return false;
    }
}

}  // namespace txscreen::parquet
