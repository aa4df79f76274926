#include "tools/txgen/txgen_run.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "codec/feed_defaults.h"
#include "tools/txgen/jsonl_reader.h"

namespace txscreen::txgen {

namespace {

struct progress_meter {
    std::FILE* f;
    uint64_t total;  // 0 = unknown (--from-jsonl)
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now(), last = t0;

    void tick(uint64_t done) {
        if (!f || (done & 8191) != 0) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::seconds(1)) return;
        last = now;
        const double el = std::chrono::duration<double>(now - t0).count();
        const double rate = static_cast<double>(done) / el;
        if (total)
            std::fprintf(f, "txgen: %llu/%llu txns (%.0f%%), %.0f txns/s, ETA %.0f s\n",
                         static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                         100.0 * static_cast<double>(done) / static_cast<double>(total), rate,
                         static_cast<double>(total - done) / rate);
        else
            std::fprintf(f, "txgen: %llu txns, %.0f txns/s\n", static_cast<unsigned long long>(done), rate);
        std::fflush(f);
    }
};

// Buffered labels CSV writer.
class labels_file {
public:
    explicit labels_file(const std::string& path) : _path(path) {
        if (path.empty()) return;
        _f = std::fopen(path.c_str(), "w");
        if (!_f) throw std::runtime_error("txgen: cannot create labels file " + path + ": " + std::strerror(errno));
        _buf.reserve(1 << 16);
        _buf = "txn_id,label,scenario_id\n";
    }
    ~labels_file() {
        if (_f) std::fclose(_f);
    }
    void row(std::string_view id, std::string_view label, std::string_view scenario_id) {
        if (!_f) return;
        _buf.append(id).append(1, ',').append(label).append(1, ',').append(scenario_id).append(1, '\n');
        if (_buf.size() > (1 << 16) - 256) drain();
    }
    void close() {
        if (!_f) return;
        drain();
        const bool err = std::ferror(_f) != 0;
        const int rc = std::fclose(_f);
        _f = nullptr;
        if (err || rc) throw std::runtime_error("txgen: writing " + _path + " failed: " + std::strerror(errno));
    }

private:
    void drain() {
        std::fwrite(_buf.data(), 1, _buf.size(), _f);
        _buf.clear();
    }
    std::FILE* _f = nullptr;
    std::string _path;
    std::string _buf;
};

std::string digits12(uint64_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "%012llu", static_cast<unsigned long long>(v % 1000000000000ull));
    return b;
}

}  // namespace

txgen_result run_txgen(const txgen_options& o, std::FILE* progress) {
    const auto t0 = std::chrono::steady_clock::now();
    txgen_result res;
    res.port_a = !o.udp_host.empty() ? o.udp_port : o.port ? o.port : default_feed_port(o.feed.format, o.feed.frame);

    std::unique_ptr<packet_output> out;
    pcap_writer* pcap = nullptr;
    udp_output* udp = nullptr;
    if (!o.udp_host.empty()) {
        auto u = std::make_unique<udp_output>(o.udp_host, o.udp_port);
        udp = u.get();
        out = std::move(u);
    } else {
        auto p = std::make_unique<pcap_writer>(o.out_path, o.ends);
        pcap = p.get();
        out = std::move(p);
    }
    line_fanout lines(*out, res.port_a, o.ab_drop_rate >= 0, std::max(0.0, o.ab_drop_rate), o.gen.seed, o.rate);
    feed_writer writer(o.feed, lines);
    labels_file labels(o.labels_path);
    const bool iso = o.feed.format == payload_format::iso8583;

    if (!o.from_jsonl.empty()) {
        jsonl_reader reader(o.from_jsonl);
        progress_meter meter{progress, 0};
        jsonl_record rec;
        uint64_t n = 0;
        uint32_t stan = 0;
        while (reader.next(rec)) {
            clear_txn& t = rec.txn;
            if (iso) {
                if (t.pan.empty())
                    throw std::runtime_error("txgen: " + o.from_jsonl + ":" + std::to_string(reader.line()) +
                                             ": ISO 8583 output needs \"card\" (a PAN); this line has only card_id");
                // The RRN identifies an ISO message: the producer's txn_id when it fits
                // an RRN (12 alphanumerics), else a 12-digit counter.
                const bool fits = t.txn_id.size() == 12 &&
                                  t.txn_id.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") ==
                                      std::string::npos;
                t.rrn = fits ? t.txn_id : digits12(n + 1);
                stan = stan % 999999 + 1;
                char b[8];
                std::snprintf(b, sizeof b, "%06u", stan);
                t.stan = b;
                if (t.terminal_id.empty()) t.terminal_id = "T0000001";
            }
            writer.add(t);
            labels.row(iso ? std::string_view(t.rrn) : std::string_view(t.txn_id), rec.label, rec.scenario_id);
            meter.tick(++n);
        }
    } else {
        generator gen(o.gen);
        progress_meter meter{progress, o.gen.count};
        generated_txn g;
        uint64_t n = 0;
        while (gen.next(g)) {
            writer.add(g.txn);
            ++res.labels[static_cast<std::size_t>(g.label)];
            labels.row(g.txn.rrn, scenario_name(g.label), g.scenario_id ? format_scenario_id(g.scenario_id) : "");
            meter.tick(++n);
        }
    }
    writer.finish();
    out->close();
    labels.close();

    res.messages = writer.messages();
    res.datagrams = writer.datagrams();
    res.heartbeats = writer.heartbeats();
    res.first_seq = o.feed.first_seq;
    res.next_seq = writer.next_seq();
    res.packets = lines.sent_a() + lines.sent_b();
    res.dropped_a = lines.dropped_a();
    res.dropped_b = lines.dropped_b();
    if (udp) res.send_errors = udp->send_errors();
    (void)pcap;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace txscreen::txgen
