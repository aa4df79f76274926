#include "controlplane/lake/parquet_compress.h"

#include <snappy-c.h>
#include <zstd.h>

namespace txscreen::parquet {

page_compressor::page_compressor(parquet_codec codec, int zstd_level) : _codec(codec), _zstd_level(zstd_level) {
    if (codec == parquet_codec::zstd) _zstd = ZSTD_createCCtx();
}

page_compressor::~page_compressor() { ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(_zstd)); }

bool page_compressor::compress(std::string_view in, std::string& out, std::string& error) {
    switch (_codec) {
        case parquet_codec::none:
            out.assign(in);
            return true;
        case parquet_codec::snappy: {
            std::size_t len = snappy_max_compressed_length(in.size());
            out.resize(len);
            if (snappy_compress(in.data(), in.size(), out.data(), &len) != SNAPPY_OK) {
                error = "snappy compression failed";
                return false;
            }
            out.resize(len);
            return true;
        }
        case parquet_codec::zstd: {
            if (!_zstd) { error = "zstd: no compression context (out of memory)"; return false; }
            out.resize(ZSTD_compressBound(in.size()));
            const std::size_t len = ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(_zstd), out.data(), out.size(),
                                                      in.data(), in.size(), _zstd_level);
            if (ZSTD_isError(len)) {
                error = std::string("zstd compression failed: ") + ZSTD_getErrorName(len);
                return false;
            }
            out.resize(len);
            return true;
        }
    }
    error = "unknown codec";
    return false;
}

}  // namespace txscreen::parquet
