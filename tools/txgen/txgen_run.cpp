#include "tools/txgen/txgen_run.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>

#include "codec/feed_defaults.h"
#include "tools/txgen/jsonl_reader.h"
#include "tools/txgen/labels_file.h"
#include "tools/txgen/pcap_file.h"
#include "tools/txgen/tcp_conversation.h"

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

std::string digits12(uint64_t v) {
    char b[16];
    std::snprintf(b, sizeof b, "%012llu", static_cast<unsigned long long>(v % 1000000000000ull));
    return b;
}

// Gives every transaction (generated, or read --from-jsonl) to `add` with its label
// and scenario id, in stream order.
using txn_consumer = std::function<void(clear_txn&, std::string_view label, std::string_view scenario_id)>;

void for_each_txn(const txgen_options& o, std::FILE* progress, txgen_result& res, const txn_consumer& add) {
    if (o.from_jsonl.empty()) {
        generator gen(o.gen);
        progress_meter meter{progress, gen.total()};
        generated_txn g;
        uint64_t n = 0;
        while (gen.next(g)) {
            ++res.labels[static_cast<std::size_t>(g.label)];
            add(g.txn, scenario_name(g.label), format_label_id(g.label, g.scenario_id));
            meter.tick(++n);
        }
        res.broken = gen.broken();
        return;
    }
    const bool iso = o.feed.format == payload_format::iso8583;
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
        add(t, rec.label, rec.scenario_id);
        meter.tick(++n);
    }
}

txgen_result run_tcp(const txgen_options& o, std::FILE* progress) {
    txgen_result res;
    res.port_a = o.tcp.ends.server_port;
    pcap_file file(o.out_path);
    labels_file labels(o.labels_path, tcp_labels_header);
    tcp_conversation conv(o.tcp, o.feed.wire ? *o.feed.wire : builtin_wire("binary"), o.gen.seed, file, labels);
    for_each_txn(o, progress, res, [&](clear_txn& t, std::string_view label, std::string_view scenario_id) {
        conv.add(t, label, scenario_id);
    });
    conv.finish();
    file.close();
    labels.close();
    res.tcp = conv.report();
    res.messages = res.tcp.requests + res.tcp.responses;
    res.packets = res.tcp.packets;
    if (!o.tcp.report_path.empty()) write_report(res.tcp, o.tcp.report_path);
    return res;
}

txgen_result run_udp(const txgen_options& o, std::FILE* progress) {
    txgen_result res;
    res.port_a = !o.udp_host.empty() ? o.udp_port : o.port ? o.port : default_feed_port(o.feed.format, o.feed.frame);

    std::unique_ptr<packet_output> out;
    udp_output* udp = nullptr;
    if (!o.udp_host.empty()) {
        auto u = std::make_unique<udp_output>(o.udp_host, o.udp_port);
        udp = u.get();
        out = std::move(u);
    } else {
        out = std::make_unique<pcap_writer>(o.out_path, o.ends);
    }
    line_fanout lines(*out, res.port_a, o.ab_drop_rate >= 0, std::max(0.0, o.ab_drop_rate), o.gen.seed, o.rate);
    feed_writer writer(o.feed, lines);
    labels_file labels(o.labels_path, udp_labels_header);
    const bool iso = o.feed.format == payload_format::iso8583;
    for_each_txn(o, progress, res, [&](clear_txn& t, std::string_view label, std::string_view scenario_id) {
        writer.add(t);
        labels.row(iso || o.from_jsonl.empty() ? std::string_view(t.rrn) : std::string_view(t.txn_id), label,
                   scenario_id);
    });
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
    return res;
}

}  // namespace

txgen_result run_txgen(const txgen_options& o, std::FILE* progress) {
    const auto t0 = std::chrono::steady_clock::now();
    txgen_result res = o.carrier == transport::tcp ? run_tcp(o, progress) : run_udp(o, progress);
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace txscreen::txgen
