// txscreen bench's floors (bench_floors.h): the capture held in memory, then each
// stage's work alone over it, repeated, timed in this thread's CPU time (on a shared
// host the wall clock counts time the thread was not running; CPU time does not).
#include "tools/txscreen/bench_floors.h"

#include <pcap/pcap.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "codec/framing.h"
#include "codec/iso8583.h"
#include "codec/iso_wire.h"
#include "codec/json_decode.h"
#include "common/pan_token.h"
#include "controlplane/appliance/appliance_plan.h"
#include "controlplane/appliance/rule_sources.h"
#include "feed/feed_sequencer.h"
#include "feed/packet.h"
#include "rules/state_table.h"
#include "screen/screen.h"
#include "velocity/velocity.h"

namespace txscreen {

namespace {

// ---- the capture, in memory

struct frame_ref {
    std::size_t offset;
    uint32_t length;
    int64_t capture_ms;
};

struct capture_frames {
    std::vector<uint8_t> bytes;
    std::vector<frame_ref> frames;
};

// Each frame starts on its own cache line, as in an mbuf's data room.
void append_frame(capture_frames& cap, const uint8_t* data, uint32_t length, int64_t capture_ms) {
    cap.bytes.resize((cap.bytes.size() + 63) / 64 * 64);
    cap.frames.push_back({cap.bytes.size(), length, capture_ms});
    cap.bytes.insert(cap.bytes.end(), data, data + length);
}

capture_frames load_capture(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* pc = pcap_open_offline(path.c_str(), err);
    if (!pc) throw std::runtime_error(path + ": " + err);
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> closer(pc, pcap_close);
    if (pcap_datalink(pc) != DLT_EN10MB) throw std::runtime_error(path + ": not an Ethernet capture");
    capture_frames cap;
    pcap_pkthdr* h;
    const u_char* data;
    int rc;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1)
        append_frame(cap, data, h->caplen, int64_t{h->ts.tv_sec} * 1000 + h->ts.tv_usec / 1000);
    if (rc == -1) throw std::runtime_error(path + ": " + pcap_geterr(pc));
    if (cap.frames.empty()) throw std::runtime_error(path + ": no packets");
    return cap;
}

// ---- floor 1: the rx stage's work minus the NIC

struct decode_tally {
    uint64_t feed_packets = 0;  // packets to a configured UDP feed
    uint64_t framed = 0;        // messages framed (sequencer duplicates and held ones excluded)
    uint64_t decoded = 0;
};

// What dataplane/rx_stage.cpp does with each packet of a burst, with the same
// functions: L2-L4 parse, feed lookup by UDP port, framing, the MoldUDP64 sequencer,
// deferred decode into a batch of 16, one tokenize_stashed per batch and at the end of
// each burst. What the rx stage then does with a batch (copy it towards a worker's
// ring) is the callback's. TCP feeds are not replayed here.
class rx_decoder {
public:
    using batch_sink = std::function<void(const Txn*, unsigned)>;

    explicit rx_decoder(const dp_config& dp)  // dp: tokenization key resolved
        : _dp(dp), _tokenizer(pan_tokenizer::from_config(dp.tokenization_key, dp.tokenizer)), _json(_tokenizer) {
        const int64_t now_ms = static_cast<int64_t>(std::time(nullptr)) * 1000;
        for (std::size_t f = 0; f < dp.feeds.size(); ++f) {
            const dp_feed_config& fc = dp.feeds[f];
            _iso.push_back({&_tokenizer, fc.wire ? fc.wire.get() : &builtin_wire("binary"),
                            dp.reference_time_ms ? dp.reference_time_ms : now_ms});
            _sequencers.emplace_back();
            if (fc.transport == feed_transport::tcp) continue;
            _by_port[fc.udp_port] = static_cast<uint16_t>(f + 1);
            if (fc.udp_port_b) _by_port[fc.udp_port_b] = static_cast<uint16_t>(f + 1);
        }
    }

    // One pass over the capture, `burst` packets at a time; returns what it counted.
    decode_tally pass(const capture_frames& cap, unsigned burst, const batch_sink& sink) {
        _sink = &sink;
        _tally = {};
        // Each pass meets the capture's sequence numbers afresh, as a first replay does.
        for (std::size_t f = 0; f < _dp.feeds.size(); ++f)
            if (_dp.feeds[f].frame == framing::moldudp64) _sequencers[f] = std::make_unique<feed_sequencer>();
        unsigned left_in_burst = burst;
        for (const frame_ref& fr : cap.frames) {
            _clock_ms = fr.capture_ms;
            packet(cap.bytes.data() + fr.offset, fr.length);
            if (--left_in_burst == 0) {
                route();  // the end of a burst tokenizes what it holds
                left_in_burst = burst;
            }
        }
        route();
        return _tally;
    }

private:
    void packet(const uint8_t* data, uint32_t len) {
        l4_view v;
        udp_view u;
        if (parse_l4(data, len, v) != packet_drop::none || v.proto != ip_proto_udp) return;
        if (udp_of(v, u) != packet_drop::none) return;
        const uint16_t f = _by_port[u.dst_port];
        if (f == 0) return;
        const dp_feed_config& fc = _dp.feeds[f - 1];
        if (fc.vlan != 0 && fc.vlan != u.vlan) return;
        ++_tally.feed_packets;
        const unsigned line = fc.udp_port_b != 0 && u.dst_port == fc.udp_port_b;  // 0 = A, 1 = B
        datagram(f - 1, line, u.payload, u.payload_len);
    }

    void datagram(unsigned feed, unsigned line, const uint8_t* p, uint16_t n) {
        const dp_feed_config& fc = _dp.feeds[feed];
        auto deliver_one = [&](uint64_t seq, const uint8_t* m, std::size_t len) { deliver(feed, seq, m, len); };
        if (fc.frame == framing::raw) {
            (void)for_each_raw_message(p, n, fc.format, deliver_one);  // a framing error ends the datagram
            return;
        }
        mold_header h;
        if (parse_mold_header(p, n, h) != reject_reason::none) return;
        feed_sequencer& seq = *_sequencers[feed];
        if (h.count == 0) return seq.on_heartbeat(h.session, h.first_seq);
        if (h.count == mold_end_of_session) return seq.on_end_of_session(h.session);
        if (seq.on_datagram(h.session, h.first_seq, h.count, line) != sequence_suspect::none) return;  // held
        (void)for_each_mold_message(p, n, h, [&](uint64_t s, const uint8_t* m, std::size_t len) {
            if (seq.on_message(h.session, s) == feed_sequencer::result::accept) deliver(feed, s, m, len);
        });
    }

    void deliver(unsigned feed, uint64_t seq, const uint8_t* msg, std::size_t len) {
        ++_tally.framed;
        Txn& t = _batch[_batched];
        pan_stash& pan = _pan[_batched];
        const reject_reason r = _dp.feeds[feed].format == payload_format::iso8583
                                    ? decode_iso8583_deferred(msg, len, _iso[feed], t, pan)
                                    : _json.decode_deferred(reinterpret_cast<const char*>(msg), len, t, pan);
        if (r != reject_reason::none) return;  // the decoder left `pan` empty
        ++_tally.decoded;
        t.feed_id = static_cast<uint16_t>(feed);
        t.feed_seq = seq;
        t.rx_clock_ms = _clock_ms;
        if (++_batched == batch_capacity) route();
    }

    void route() {
        if (!_batched) return;
        _tokenizer.tokenize_stashed(_pan, _batch, _batched);
        (*_sink)(_batch, _batched);
        _batched = 0;
    }

    static constexpr unsigned batch_capacity = 16;  // rx_lcore::batch_capacity
    const dp_config& _dp;
    pan_tokenizer _tokenizer;
    json_decoder _json;
    std::vector<iso_decode_context> _iso;
    std::vector<std::unique_ptr<feed_sequencer>> _sequencers;
    std::vector<uint16_t> _by_port = std::vector<uint16_t>(65536, 0);  // 0 = none, else feed + 1
    const batch_sink* _sink = nullptr;
    decode_tally _tally;
    int64_t _clock_ms = 0;
    unsigned _batched = 0;
    Txn _batch[batch_capacity];
    pan_stash _pan[batch_capacity];
};

// ---- floor 2: screening alone

// engine::score_burst screens 16 at a time (screen_burst, field-major), worker 0's scratch.
uint64_t screen_pass(const pattern_db& db, const std::vector<Txn>& txns) {
    constexpr std::size_t chunk = 16;
    screen_result out[chunk];
    uint64_t matched = 0;
    for (std::size_t at = 0; at < txns.size(); at += chunk) {
        const std::size_t n = std::min(chunk, txns.size() - at);
        screen_burst(db, 0, txns.data() + at, n, out);
        matched += out[0].n_ids;
    }
    return matched;
}

// ---- floor 3: the velocity tables' cache lines

// What locating one transaction's lines needs, worked out before the clock runs: the
// floor is the memory's, not the hashing's. A hash of 0 means the key is absent.
struct velocity_probe {
    uint64_t key[velocity_key_count];
    uint64_t identity;
};

// The keys the engine updates per transaction: the card always, the others when the
// ruleset has an enabled rule on them (engine::quiescent), or all with track_unused_keys.
unsigned tracked_keys(rule_sources& sources, const engine_config& ec) {
    if (ec.track_unused_keys) return 0xFu;
    unsigned mask = 1u;
    const int slot = sources.rules.register_reader();
    if (const ruleset* rs = sources.rules.quiescent(slot))
        for (int i = 0; i < rs->n_rules; ++i)
            if (rs->rules[i].weight != 0) mask |= 1u << static_cast<unsigned>(rs->rules[i].key);
    sources.rules.unregister_reader(slot);
    return mask;
}

// velocity_shard::prepare's choice of keys and identity, hashed with hash_bytes (any
// uniform hash places lines alike; the shard's own is private to it).
velocity_probe probe_of(const Txn& t, unsigned mask) {
    velocity_probe p{};
    bool token = false;
    for (uint8_t b : t.card_token) token |= b != 0;
    if (token) p.key[0] = hash_bytes(t.card_token, sizeof t.card_token) | 1;
    const auto text_key = [&](unsigned k, const auto& text, uint32_t masked_bit) {
        if ((mask >> k & 1u) && !text.empty() && !(t.masked_fields & masked_bit))
            p.key[k] = hash_bytes(text.data, text.len, k) | 1;
    };
    text_key(1, t.merchant_id, tf_merchant_id);
    text_key(2, t.device_id, tf_device_id);
    text_key(3, t.ip, tf_ip);
    if (!t.txn_id.empty() && !(t.masked_fields & tf_txn_id)) {
        p.identity = hash_bytes(t.txn_id.data, t.txn_id.len, 0x7e1d) | 1;
    } else if (t.stan[0] || t.rrn[0]) {
        const uint64_t h = hash_bytes(t.terminal_id.data, t.terminal_id.len, 0x15087);
        p.identity = hash_bytes(t.stan, sizeof t.stan, hash_bytes(t.rrn, sizeof t.rrn, h)) | 1;
    }
    return p;
}

// Anonymous memory faulted in at once, in 2 MiB pages when the appliance's tables get
// hugepages, else in the pages EAL --no-huge gets (the host's default).
class page_memory {
public:
    page_memory(std::size_t bytes, bool huge) : _bytes((bytes + (2u << 20) - 1) / (2u << 20) * (2u << 20)) {
        void* p = mmap(nullptr, _bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            throw std::runtime_error("cannot map " + std::to_string(_bytes >> 20) + " MiB for the velocity floor's tables");
        if (huge) madvise(p, _bytes, MADV_HUGEPAGE);
        std::memset(p, 0, _bytes);
        _p = static_cast<uint8_t*>(p);
    }
    ~page_memory() { munmap(_p, _bytes); }
    page_memory(const page_memory&) = delete;
    page_memory& operator=(const page_memory&) = delete;
    uint8_t* data() const noexcept { return _p; }

private:
    std::size_t _bytes;
    uint8_t* _p = nullptr;
};

inline uint32_t reduce(uint64_t h, uint32_t n) noexcept {
    return static_cast<uint32_t>((static_cast<unsigned __int128>(h) * n) >> 64);
}

// One transaction's lines while in flight: per key its group's tag line and its entry
// (two lines), and its identity's two dedup lines; nullptr where there is none.
struct line_set {
    const uint8_t* tags[velocity_key_count];
    uint8_t* entry[velocity_key_count];
    uint8_t* dedup[2];
};

// Tables laid out as velocity_shard's (4 KiB groups: a tag line, then 31 entries of two
// lines; dedup lines of 4 slots, a transaction's two choices within one page), of the
// configured capacities, touched as engine::score_burst touches them.
class velocity_floor {
public:
    velocity_floor(const velocity_config& c, unsigned mask, bool huge) : _huge(huge) {
        const uint32_t caps[velocity_key_count] = {c.card_capacity, c.merchant_capacity, c.device_capacity,
                                                   c.ip_capacity};
        for (unsigned k = 0; k < velocity_key_count; ++k) {
            if (!(mask >> k & 1u)) continue;
            _groups[k] = static_cast<uint32_t>((std::max<uint64_t>(caps[k], 64) + group_slots - 1) / group_slots);
            _tables[k] = std::make_unique<page_memory>(std::size_t{_groups[k]} * group_bytes, huge);
        }
        _dedup_lines = static_cast<uint32_t>((std::max<uint64_t>(c.dedup_capacity, 64) + 3) / 4);
        _dedup = std::make_unique<page_memory>(std::size_t{_dedup_lines} * 64, huge);
    }

    // One pass in the worker's bursts (worker_stage.cpp dequeues up to 64).
    uint64_t pass(const std::vector<velocity_probe>& probes) noexcept {
        constexpr std::size_t worker_burst = 64;
        for (std::size_t at = 0; at < probes.size(); at += worker_burst)
            burst(probes.data() + at, std::min(worker_burst, probes.size() - at));
        return _sink;
    }

    bool huge() const noexcept { return _huge; }

private:
    static constexpr uint32_t group_slots = velocity_shard::group_slots;
    static constexpr std::size_t group_bytes = velocity_shard::group_bytes;

    // engine::score_burst's pipeline: tag and dedup lines prefetched 6 transactions
    // ahead, entries (once their tag line is in) 3 ahead, then the update.
    void burst(const velocity_probe* p, std::size_t n) noexcept {
        constexpr std::size_t ahead = 6, ring = 8;
        line_set s[ring];
        const std::size_t first = std::min(n, ahead);
        for (std::size_t j = 0; j < first; ++j) locate(p[j], s[j % ring]);
        for (std::size_t j = 0; j < first && j < ahead / 2; ++j) find_entries(p[j], s[j % ring]);
        for (std::size_t i = 0; i < n; ++i) {
            if (i + ahead < n) locate(p[i + ahead], s[(i + ahead) % ring]);
            if (i + ahead / 2 < n) find_entries(p[i + ahead / 2], s[(i + ahead / 2) % ring]);
            update(s[i % ring]);
        }
    }

    // velocity_shard::prepare: each key's tag line, and the identity's two dedup lines.
    void locate(const velocity_probe& p, line_set& s) const noexcept {
        for (unsigned k = 0; k < velocity_key_count; ++k) {
            s.tags[k] = nullptr;
            s.entry[k] = nullptr;
            if (!p.key[k] || !_tables[k]) continue;
            s.tags[k] = _tables[k]->data() + std::size_t{reduce(p.key[k], _groups[k])} * group_bytes;
            __builtin_prefetch(s.tags[k]);
        }
        s.dedup[0] = s.dedup[1] = nullptr;
        if (!p.identity) return;
        constexpr uint32_t per_page = group_bytes / 64;
        const uint32_t l1 = reduce(p.identity, _dedup_lines);
        uint32_t l2 = (l1 & ~(per_page - 1)) | static_cast<uint32_t>((p.identity >> 40) & (per_page - 1));
        if (l2 >= _dedup_lines || l2 == l1) l2 = (l1 ^ 1u) < _dedup_lines ? l1 ^ 1u : l1 - 1;
        s.dedup[0] = _dedup->data() + std::size_t{l1} * 64;
        s.dedup[1] = _dedup->data() + std::size_t{l2} * 64;
        __builtin_prefetch(s.dedup[0]);
        __builtin_prefetch(s.dedup[1]);
    }

    // velocity_shard::prefetch_entries: the entry's address comes from reading the tag
    // line (here a word that stays 0, so the load cannot be skipped), then its two lines
    // are prefetched (read prefetches, as the shard's).
    void find_entries(const velocity_probe& p, line_set& s) const noexcept {
        for (unsigned k = 0; k < velocity_key_count; ++k) {
            if (!s.tags[k]) continue;
            uint32_t word;
            std::memcpy(&word, s.tags[k], sizeof word);
            const uint32_t slot = (static_cast<uint32_t>(p.key[k] >> 24) + word) % group_slots;
            s.entry[k] = const_cast<uint8_t*>(s.tags[k]) + 64 + std::size_t{slot} * sizeof(velocity_entry);
            __builtin_prefetch(s.entry[k]);
            __builtin_prefetch(s.entry[k] + 64);
        }
    }

    // velocity_shard::observe: the dedup lines read and one slot written, and each
    // entry's two lines read and written (ring on the first, buckets on the second).
    void update(const line_set& s) noexcept {
        if (s.dedup[0]) {
            uint64_t a, b;
            std::memcpy(&a, s.dedup[0], sizeof a);
            std::memcpy(&b, s.dedup[1], sizeof b);
            const uint64_t v = a + b + 1;
            std::memcpy(s.dedup[0] + 8, &v, sizeof v);
        }
        for (unsigned k = 0; k < velocity_key_count; ++k) {
            uint8_t* e = s.entry[k];
            if (!e) continue;
            int64_t last;
            std::memcpy(&last, e + 16, sizeof last);
            ++last;
            std::memcpy(e + 16, &last, sizeof last);
            uint16_t bucket;
            std::memcpy(&bucket, e + 64 + 32, sizeof bucket);
            ++bucket;
            std::memcpy(e + 64 + 32, &bucket, sizeof bucket);
            _sink += static_cast<uint64_t>(last) + bucket;
        }
    }

    bool _huge;
    std::unique_ptr<page_memory> _tables[velocity_key_count];
    uint32_t _groups[velocity_key_count] = {};
    std::unique_ptr<page_memory> _dedup;
    uint32_t _dedup_lines = 0;
    uint64_t _sink = 0;  // what the updates read, so none of them is dead code
};

// "card, device + dedup: 4.8 lines/txn; 1048576 cards; 2 MiB pages"
std::string describe_lines(const std::vector<velocity_probe>& probes, unsigned mask, const velocity_config& c,
                           bool huge) {
    uint64_t lines = 0;
    for (const velocity_probe& p : probes) {
        for (unsigned k = 0; k < velocity_key_count; ++k) lines += (p.key[k] && (mask >> k & 1u)) ? 3 : 0;
        lines += p.identity ? 2 : 0;
    }
    std::string keys;
    for (unsigned k = 0; k < velocity_key_count; ++k)
        if (mask >> k & 1u) keys += (keys.empty() ? "" : ", ") + std::string(velocity_key_name(static_cast<velocity_key>(k)));
    char text[160];
    std::snprintf(text, sizeof text, "%s + dedup: %.1f lines/txn, %u cards, %s", keys.c_str(),
                  static_cast<double>(lines) / static_cast<double>(probes.size()), c.card_capacity,
                  huge ? "2 MiB pages" : "pages as EAL --no-huge");
    return text;
}

// ---- timing

double thread_cpu_s() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One floor: a pass over the capture, the transactions a pass covers, the passes one
// repetition makes and the ns per transaction of each repetition.
struct floor_job {
    std::function<void()> pass;
    uint64_t txns_per_pass = 0;
    unsigned passes = 1;
    std::vector<double> ns;
};

// A first pass warms the caches and the branch predictor and sizes a repetition.
void calibrate(floor_job& j, double repetition_s) {
    const double t0 = thread_cpu_s();
    j.pass();
    const double one = std::max(thread_cpu_s() - t0, 1e-6);
    j.passes = static_cast<unsigned>(std::max(1.0, std::round(repetition_s / one)));
}

void repeat(floor_job& j) {
    const double t0 = thread_cpu_s();
    for (unsigned i = 0; i < j.passes; ++i) j.pass();
    const double s = thread_cpu_s() - t0;
    j.ns.push_back(s * 1e9 / static_cast<double>(j.passes * j.txns_per_pass));
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// ---- what each floor runs over

// In the pipeline the rx stage parses each packet just after net_pcap copied it into a
// fresh mbuf, and the worker screens a Txn the rx stage has just written: both are in
// cache (those copies are the rx floor's and the pipeline's own). Run over the whole
// capture from memory, screening cost ~1.7x and decoding ~1.08x what they cost in
// cache (interleaved, on the development VM). So the decode floor runs over the
// capture's first hot_bytes of packets and the screening floor over hot_txns
// transactions spread evenly over it; the velocity floor runs over every transaction,
// since the tables' footprint is what it measures.
constexpr std::size_t hot_bytes = 256 * 1024;
constexpr std::size_t hot_txns = 512;

// A velocity probe for every decoded transaction, and hot_txns of them spread evenly.
struct corpus {
    decode_tally tally;  // of the whole capture
    std::vector<velocity_probe> probes;
    std::vector<Txn> sample;
};

corpus collect(rx_decoder& dec, const capture_frames& cap, unsigned burst, unsigned mask) {
    corpus c;
    c.tally = dec.pass(cap, burst, [&](const Txn* t, unsigned n) {
        for (unsigned i = 0; i < n; ++i) c.probes.push_back(probe_of(t[i], mask));
    });
    const uint64_t stride = std::max<uint64_t>(1, c.tally.decoded / hot_txns);
    uint64_t seen = 0;
    dec.pass(cap, burst, [&](const Txn* t, unsigned n) {
        for (unsigned i = 0; i < n; ++i, ++seen)
            if (seen % stride == 0 && c.sample.size() < hot_txns) c.sample.push_back(t[i]);
    });
    return c;
}

// The decode floor's packets: the capture's first hot_bytes, or all of it when those
// decode nothing (a capture that opens with other traffic).
struct decode_window {
    capture_frames frames;
    uint64_t decoded = 0;
    std::string text;  // for the printed line
};

decode_window hot_window(rx_decoder& dec, const capture_frames& cap, unsigned burst, uint64_t decoded_all) {
    decode_window w;
    for (const frame_ref& fr : cap.frames) {
        if (!w.frames.frames.empty() && w.frames.bytes.size() + fr.length > hot_bytes) break;
        append_frame(w.frames, cap.bytes.data() + fr.offset, fr.length, fr.capture_ms);
    }
    w.decoded = dec.pass(w.frames, burst, [](const Txn*, unsigned) {}).decoded;
    if (w.decoded == 0) {
        w.frames = cap;
        w.decoded = decoded_all;
    }
    w.text = (w.frames.frames.size() == cap.frames.size() ? "all " : "the first ") +
             std::to_string(w.frames.frames.size()) + " packets (" + std::to_string(w.decoded) + " messages)" +
             (w.frames.bytes.size() <= hot_bytes ? ", in cache" : "");
    return w;
}

std::string nothing_decoded(const std::string& path, std::size_t packets, const decode_tally& t, const dp_config& dp) {
    std::string feeds;
    for (const dp_feed_config& f : dp.feeds)
        if (f.transport == feed_transport::udp)
            feeds += (feeds.empty() ? "" : ", ") + f.name + " (UDP " + std::to_string(f.udp_port) + ")";
    return path + ": no message of its " + std::to_string(packets) + " packets decodes (" +
           std::to_string(t.feed_packets) + " to a configured UDP feed, " + std::to_string(t.framed) +
           " messages framed, none decoded); UDP feeds: " + (feeds.empty() ? "none" : feeds) +
           " (TCP feeds have no floors)";
}

bool eal_no_huge(const dp_config& dp) {
    return std::find(dp.eal_args.begin(), dp.eal_args.end(), "--no-huge") != dp.eal_args.end();
}

// The published pattern database, held as an engine holds it (a reader slot).
class pattern_reader {
public:
    explicit pattern_reader(rule_sources& s)
        : _store(s.screening()), _slot(_store ? _store->register_reader() : -1),
          _db(_store ? _store->quiescent(_slot) : nullptr) {}
    ~pattern_reader() {
        if (_store) _store->unregister_reader(_slot);
    }
    pattern_reader(const pattern_reader&) = delete;
    pattern_reader& operator=(const pattern_reader&) = delete;
    const pattern_db* db() const noexcept { return _db; }

private:
    pattern_store* _store;
    int _slot;
    const pattern_db* _db;
};

// Repetitions interleaved (A B C A B C ...) so a drift in the machine's speed falls on
// every floor alike; each job's median.
std::vector<double> time_jobs(std::vector<floor_job>& jobs, double seconds_each, unsigned repetitions) {
    for (floor_job& j : jobs) calibrate(j, seconds_each / repetitions);
    for (unsigned r = 0; r < repetitions; ++r)
        for (floor_job& j : jobs) repeat(j);
    std::vector<double> medians;
    for (const floor_job& j : jobs) medians.push_back(median(j.ns));
    return medians;
}

}  // namespace

floor_figures measure_floors(const appliance_options& opt, double seconds_each) {
    const appliance_plan plan = plan_appliance(opt);  // the key resolved, EAL's memory chosen
    const capture_frames cap = load_capture(opt.pcaps.at(0));
    rule_sources sources(plan.conf, 1);
    const unsigned mask = tracked_keys(sources, plan.conf.engine);
    const unsigned burst = std::max<unsigned>(1, plan.dp.burst);
    rx_decoder dec(plan.dp);
    const corpus c = collect(dec, cap, burst, mask);
    if (c.tally.decoded == 0) throw std::runtime_error(nothing_decoded(opt.pcaps[0], cap.frames.size(), c.tally, plan.dp));
    const decode_window window = hot_window(dec, cap, burst, c.tally.decoded);
    const pattern_reader patterns(sources);
    velocity_floor vel(plan.conf.engine.velocity, mask, !eal_no_huge(plan.dp));

    floor_figures f;
    f.packets = cap.frames.size();
    f.messages = c.tally.decoded;
    f.decode_window = window.text;
    const std::string& file = plan.conf.screening.patterns;
    f.patterns = !patterns.db() ? "off"
                                : (file.empty() ? "starter patterns" : file) + ", " + std::to_string(c.sample.size()) +
                                      " transactions spread over the capture, in cache";
    f.velocity_lines = describe_lines(c.probes, mask, plan.conf.engine.velocity, vel.huge());
    const rx_decoder::batch_sink drop = [](const Txn*, unsigned) {};
    std::vector<floor_job> jobs;
    jobs.push_back({[&] { dec.pass(window.frames, burst, drop); }, window.decoded});
    jobs.push_back({[&] { vel.pass(c.probes); }, c.probes.size()});
    if (patterns.db()) jobs.push_back({[&] { screen_pass(*patterns.db(), c.sample); }, c.sample.size()});
    const std::vector<double> ns = time_jobs(jobs, seconds_each, f.repetitions);
    f.decode_ns = ns[0];
    f.velocity_ns = ns[1];
    f.screen_ns = patterns.db() ? ns[2] : 0;
    return f;
}

namespace {

// The floors with their running sums; returns the sum.
double print_floors(const floor_figures& f, double rx_ns, double testpmd_pps, double per_packet) {
    std::printf("floors on the same capture, in this process (thread CPU time, median of %u interleaved "
                "repetitions; %llu messages in the capture):\n",
                f.repetitions, static_cast<unsigned long long>(f.messages));
    double sum = 0;
    const auto row = [&](const char* what, double ns, const std::string& detail) {
        sum += ns;
        std::printf("  %-40s %7.1f ns/txn  sum %7.1f%s%s\n", what, ns, sum, detail.empty() ? "" : "   ", detail.c_str());
    };
    char rate[96];
    std::snprintf(rate, sizeof rate, "%.0f packets/s, %.2f messages/packet", testpmd_pps, per_packet);
    if (rx_ns > 0) row("rx only (testpmd rxonly)", rx_ns, rate);
    else std::printf("  %-40s not measured (--no-testpmd, or testpmd gave no rate)\n", "rx only (testpmd rxonly)");
    row("+ parse, framing, decode, tokenization", f.decode_ns, f.decode_window);
    row("+ Hyperscan screening", f.screen_ns, f.patterns);
    row("+ velocity table accesses", f.velocity_ns, f.velocity_lines);
    return sum;
}

double tenth(double v) { return std::round(v * 10) / 10; }

// A figure, or null where it was not measured.
nlohmann::ordered_json figure_or_null(double v, double rounded) {
    return v > 0 ? nlohmann::ordered_json(rounded) : nlohmann::ordered_json(nullptr);
}

}  // namespace

void report_floors(const floor_figures& f, double testpmd_pps, double pipeline_ns, nlohmann::ordered_json& line) {
    const double per_packet = static_cast<double>(f.messages) / static_cast<double>(f.packets);
    const double rx_ns = testpmd_pps > 0 ? 1e9 / (testpmd_pps * per_packet) : 0;
    const double sum = print_floors(f, rx_ns, testpmd_pps, per_packet);
    if (pipeline_ns > 0)
        std::printf("full pipeline: %.1f ns/txn per worker = %.2f x the sum of the floors\n", pipeline_ns,
                    pipeline_ns / sum);
    line["floor_rx_ns"] = figure_or_null(rx_ns, tenth(rx_ns));
    line["floor_decode_ns"] = tenth(f.decode_ns);
    line["floor_screen_ns"] = tenth(f.screen_ns);
    line["floor_velocity_ns"] = tenth(f.velocity_ns);
    line["floors_sum_ns"] = tenth(sum);
    line["floor_messages_per_packet"] = std::round(per_packet * 100) / 100;
    line["pipeline_ns"] = figure_or_null(pipeline_ns, tenth(pipeline_ns));
    line["pipeline_over_floors"] = figure_or_null(pipeline_ns, std::round(pipeline_ns / sum * 100) / 100);
}

}  // namespace txscreen
