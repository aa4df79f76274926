// txscreen bench's floors (bench_floors.h), put together: the capture loaded
// (floor_capture.h), what each floor runs over chosen from it, the decode, screening and
// velocity floors (floor_decode.h, floor_screen.h, floor_velocity.h) timed together
// (floor_timing.h), and the printed lines and JSON fields.
#include "tools/txscreen/bench_floors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "controlplane/appliance/appliance_plan.h"
#include "controlplane/appliance/rule_sources.h"
#include "tools/txscreen/floor_capture.h"
#include "tools/txscreen/floor_decode.h"
#include "tools/txscreen/floor_screen.h"
#include "tools/txscreen/floor_timing.h"
#include "tools/txscreen/floor_velocity.h"

namespace txscreen {

using namespace floors;  // this file puts the floors' pieces together

namespace {

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
