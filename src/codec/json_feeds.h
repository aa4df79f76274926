// JSON decoding for an lcore's feeds: a feed in txscreen's own keys goes straight to
// json_decoder; a feed with [feed.json_map] is translated into those keys first
// (json_map.h). The rx stage and `txscreen bench`'s decode floor both decode through
// this, so the floor cannot drift from the pipeline. One per lcore; decode allocates
// nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "codec/json_decode.h"
#include "codec/json_map.h"

namespace txscreen {

class json_feeds {
public:
    // `maps[f]`: feed f's map, or null (txscreen's keys, or not a JSON feed). Throws
    // std::bad_alloc at start-up when the decoders' memory is not there.
    json_feeds(const pan_tokenizer& tokenizer, const std::vector<const json_map*>& maps);
    ~json_feeds();
    json_feeds(const json_feeds&) = delete;
    json_feeds& operator=(const json_feeds&) = delete;

    // json_decoder::decode_deferred of feed `feed`'s message, through its map.
    reject_reason decode_deferred(unsigned feed, const char* msg, std::size_t len, Txn& out, pan_stash& pan) noexcept;

private:
    json_decoder _decoder;
    std::vector<std::unique_ptr<json_map_translator>> _maps;  // per feed
    std::unique_ptr<char[]> _canonical;                      // a translated message
};

}  // namespace txscreen
