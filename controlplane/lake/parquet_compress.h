// Page compression for the Parquet writer: none, Snappy (libsnappy's C API) or ZSTD
// (libzstd, one reused context). Parquet compresses each page on its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "controlplane/lake/parquet_writer.h"

namespace txscreen::parquet {

// parquet.thrift CompressionCodec
inline int32_t codec_thrift_id(parquet_codec c) noexcept {
    switch (c) {
        case parquet_codec::none: return 0;    // UNCOMPRESSED
        case parquet_codec::snappy: return 1;  // SNAPPY
        case parquet_codec::zstd: return 6;    // ZSTD
    }
    return 0;
}

class page_compressor {
public:
    page_compressor(parquet_codec codec, int zstd_level);
    ~page_compressor();
    page_compressor(const page_compressor&) = delete;
    page_compressor& operator=(const page_compressor&) = delete;

    // Replaces `out` with the compressed `in` (a copy for none). False with `error` set
    // when the library refuses.
    bool compress(std::string_view in, std::string& out, std::string& error);

private:
    parquet_codec _codec;
    int _zstd_level;
    void* _zstd = nullptr;  // ZSTD_CCtx
};

}  // namespace txscreen::parquet
