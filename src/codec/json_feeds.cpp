#include "codec/json_feeds.h"

#include <string.h>  // explicit_bzero

namespace txscreen {

json_feeds::json_feeds(const pan_tokenizer& tokenizer, const std::vector<const json_map*>& maps)
    : _decoder(tokenizer), _canonical(std::make_unique<char[]>(json_max_message)) {
    for (const json_map* m : maps) _maps.push_back(m ? std::make_unique<json_map_translator>(*m) : nullptr);
}

json_feeds::~json_feeds() = default;

reject_reason json_feeds::decode_deferred(unsigned feed, const char* msg, std::size_t len, Txn& out,
                                          pan_stash& pan) noexcept {
    json_map_translator* map = feed < _maps.size() ? _maps[feed].get() : nullptr;
    if (!map) return _decoder.decode_deferred(msg, len, out, pan);
    std::size_t n = 0;
    if (reject_reason r = map->translate(msg, len, _canonical.get(), n); r != reject_reason::none) [[unlikely]] {
        pan.what = pan_stash::kind::none;   // nothing held: the decoder never ran
        pan.len = 0;
        return r;
    }
    const reject_reason r = _decoder.decode_deferred(_canonical.get(), n, out, pan);
    // The translated copy held the clear PAN; only `pan` may keep it until tokenized.
    explicit_bzero(_canonical.get(), n);
    return r;
}

}  // namespace txscreen
