// Set-up, launch and drain of the dataplane; see dataplane.h for the packet path.
#include "dataplane/dataplane.h"
#include "dataplane/ring_copy.h"

#include <arpa/inet.h>

#include <chrono>
#include <filesystem>
#include <unistd.h>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <thread>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "dataplane/lcore_state.h"

namespace txscreen {

namespace {

std::string dpdk_error(const std::string& what, int err) {
    return what + ": " + rte_strerror(err < 0 ? -err : err);
}

bool is_vdev(const std::string& device) { return device.rfind("net_", 0) == 0; }

std::string device_name(const std::string& device) { return device.substr(0, device.find(',')); }

bool is_pcap_port(uint16_t port) {
    rte_eth_dev_info info{};
    return rte_eth_dev_info_get(port, &info) == 0 && info.driver_name && std::strcmp(info.driver_name, "net_pcap") == 0;
}

// Which lcore does what; computed once at start.
struct lcore_role {
    unsigned lcore;
    int rx = -1;      // rx_lcore index
    int worker = -1;  // worker_lcore index
};
std::vector<lcore_role> g_roles;

}  // namespace

bool dp_stats::identities_hold() const noexcept {
    return rx.rx_packets == rx.feed_packets + rx.non_feed_packets &&
           rx.feed_messages == rx.decoded + rx.responses + rx.network_messages + rx.rejected + rx.duplicates + rx.suspect_messages &&
           rx.decoded + rx.outcomes == work.txns &&
           work.txns == work.verdicts;
}

dataplane::dataplane(const dp_config& cfg, txn_scorer& scorer) : _cfg(cfg), _ctx(std::make_unique<lcore_context>()) {
    _ctx->cfg = &_cfg;
    _ctx->scorer = &scorer;
    if (std::string err = validate(_cfg); !err.empty()) throw std::runtime_error("config: " + err);

    // EAL arguments: the caller's, plus one --vdev per virtual port; a per-process file
    // prefix keeps concurrent instances (tests) apart unless the caller chose one.
    // (--in-memory would do too, but EAL refuses it together with --no-huge.)
    std::vector<std::string> args{"txscreen"};
    bool has_prefix = false, has_pci_choice = false;
    for (const auto& a : _cfg.eal_args) {
        args.push_back(a);
        has_prefix |= a.rfind("--file-prefix", 0) == 0 || a == "--in-memory";
        has_pci_choice |= a == "--no-pci" || a == "-a" || a == "-b" || a.rfind("--allow", 0) == 0;
    }
    bool any_pci = false;
    for (const auto& p : _cfg.ports) {
        if (is_vdev(p.device)) {
            args.push_back("--vdev=" + p.device);
        } else {
            any_pci = true;
            args.push_back("-a");
            args.push_back(p.device);
        }
    }
    if (!any_pci && !has_pci_choice) args.push_back("--no-pci");
    if (!has_prefix) {
        _own_prefix = "txscreen-" + std::to_string(getpid());
        args.push_back("--file-prefix=" + _own_prefix);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(args.size()), argv.data()) < 0)
        throw std::runtime_error(dpdk_error("EAL initialisation failed (check the EAL arguments and hugepages)", rte_errno));

    tsc_clock& clock = _ctx->clock;
    clock.hz = rte_get_tsc_hz();
    clock.tsc0 = rte_rdtsc();
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    clock.ns0 = static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;

    unsigned eal_workers = rte_lcore_count() - 1;
    _n_workers = _cfg.workers;
    unsigned needed = _cfg.rx_lcores == 0 ? 1 : _cfg.rx_lcores + _cfg.workers;
    if (eal_workers < needed)
        throw std::runtime_error("lcores: " + std::to_string(_cfg.rx_lcores) + " rx + " + std::to_string(_cfg.workers) +
                                 " worker lcores need " + std::to_string(needed) +
                                 " EAL worker lcores besides the main one, EAL has " + std::to_string(eal_workers) +
                                 " (give EAL -l/--lcores with " + std::to_string(needed + 1) + " lcores)");

    setup_ports();
    setup_lcores();
    setup_rings();
}

namespace {

// A server address as the tracker compares it (IPv6 form, IPv4-mapped); false when
// any address will do (validate() refused unparsable text already).
bool server_address(const std::string& text, uint8_t out[16]) {
    uint8_t v4[4];
    if (inet_pton(AF_INET, text.c_str(), v4) == 1) {
        to_ipv6_form(v4, 4, out);
        return true;
    }
    return inet_pton(AF_INET6, text.c_str(), out) == 1;
}

// The TCP feeds' tracker and pairing tables of one rx lcore (none without a TCP
// feed). The tracker's feed indices are the config's; UDP feeds have no server port.
void setup_tcp(rx_lcore& r, const dp_config& cfg) {
    r.pairing.resize(cfg.feeds.size());
    tcp_tracker_config tc;
    tc.max_flows = cfg.tcp.flows;
    tc.flow_buffer_bytes = cfg.tcp.flow_buffer;
    tc.memcap_bytes = cfg.tcp.memcap;
    tc.idle_timeout_ns = static_cast<uint64_t>(cfg.tcp.idle_timeout_ms) * 1'000'000;
    tc.flow_id_base = uint64_t{r.index} << 48;  // ids unique across rx lcores
    bool any = false;
    for (std::size_t f = 0; f < cfg.feeds.size(); ++f) {
        const dp_feed_config& fc = cfg.feeds[f];
        tcp_feed_config t;
        if (fc.transport == feed_transport::tcp) {
            any = true;
            t.server_port = fc.tcp_port;
            t.framing = fc.tcp;
            t.match_server_addr = server_address(fc.server, t.server_addr.data());
            pairing_config pc;
            pc.capacity = cfg.tcp.pending;
            pc.timeout_ns = cfg.tcp.response_timeout_ms * 1'000'000;
            r.pairing[f] = std::make_unique<pairing_table>(pc);
        }
        tc.feeds.push_back(t);
    }
    if (any) r.tcp = std::make_unique<tcp_tracker>(tc);
}

// Decoders, sequencers and the receive clock of one rx lcore.
void setup_decoding(rx_lcore& r, const dp_config& cfg, int64_t reference_time_ms) {
    // Registered by PMDs that stamp packets (net_pcap with the capture's time), at probe.
    const int ts_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
    const int ts_bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
    if (ts_offset >= 0 && ts_bit >= 0) {
        r.rx_timestamp_offset = ts_offset;
        r.rx_timestamp_flag = 1ull << ts_bit;
    }
    r.tokenizer = std::make_unique<pan_tokenizer>(pan_tokenizer::from_config(cfg.tokenization_key, cfg.tokenizer));
    r.json = std::make_unique<json_feeds>(*r.tokenizer, json_maps_of(cfg));
    for (const auto& f : cfg.feeds) {
        r.sequencers.push_back(std::make_unique<feed_sequencer>());
        iso_decode_context iso;
        iso.tokenizer = r.tokenizer.get();
        iso.wire = f.wire ? f.wire.get() : &builtin_wire("binary");  // configs built in code may leave it unset
        iso.reference_time_ms = reference_time_ms;
        r.iso.push_back(iso);
    }
    r.published.resize(cfg.feeds.size());
    r.reject_stage.reserve(1024);
    setup_tcp(r, cfg);
}

}  // namespace

void dataplane::setup_lcores() {
    const unsigned n_rx = _cfg.rx_lcores == 0 ? 1 : _cfg.rx_lcores;
    const int64_t ref = _cfg.reference_time_ms ? _cfg.reference_time_ms : _ctx->clock.ns0 / 1'000'000;
    for (unsigned i = 0; i < n_rx; ++i) {
        auto r = std::make_unique<rx_lcore>();
        r->index = i;
        r->ctx = _ctx.get();
        setup_decoding(*r, _cfg, ref);
        _rx.push_back(std::move(r));
    }
    for (unsigned i = 0; i < _n_workers; ++i) {
        auto w = std::make_unique<worker_lcore>();
        w->index = i;
        w->ctx = _ctx.get();
        w->late_by_feed.assign(_cfg.feeds.size(), 0);
        w->ahead_by_feed.assign(_cfg.feeds.size(), 0);
        _work.push_back(std::move(w));
    }
    // Queues round-robin over rx lcores.
    unsigned k = 0;
    for (std::size_t p = 0; p < _cfg.ports.size(); ++p)
        for (uint16_t q = 0; q < _cfg.ports[p].rx_queues; ++q)
            _rx[k++ % n_rx]->queues.push_back({_port_ids[p], q, is_pcap_port(_port_ids[p])});
    for (std::size_t f = 0; f < _cfg.feeds.size(); ++f) {
        const dp_feed_config& fc = _cfg.feeds[f];
        const auto id = static_cast<uint16_t>(f + 1);
        if (fc.transport == feed_transport::tcp) continue;
        _ctx->feeds.by_port[fc.udp_port] = id;
        if (fc.udp_port_b) _ctx->feeds.by_port[fc.udp_port_b] = id;
    }
}

void dataplane::setup_ports() {
    for (std::size_t i = 0; i < _cfg.ports.size(); ++i) {
        const auto& pc = _cfg.ports[i];
        std::string key = "ports[" + std::to_string(i) + "] (" + pc.device + ")";
        uint16_t port;
        if (rte_eth_dev_get_port_by_name(device_name(pc.device).c_str(), &port) != 0)
            throw std::runtime_error(key + ": no such ethdev after EAL init (is the vdev/PCI device right?)");
        rte_eth_dev_info info;
        if (int rc = rte_eth_dev_info_get(port, &info); rc != 0) throw std::runtime_error(dpdk_error(key + ": info", rc));
        if (pc.rx_queues > info.max_rx_queues)
            throw std::runtime_error(key + ".rx_queues: device supports at most " + std::to_string(info.max_rx_queues));
        int socket = rte_eth_dev_socket_id(port);
        if (socket < 0) socket = static_cast<int>(rte_socket_id());

        std::string pool_name = "mbuf_p" + std::to_string(i);
        unsigned n_mbufs = pc.rx_queues * (pc.rx_desc + _cfg.mbufs_per_queue);
        rte_mempool* pool = rte_pktmbuf_pool_create(pool_name.c_str(), n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
        if (!pool)
            throw std::runtime_error(dpdk_error(key + ": mbuf pool of " + std::to_string(n_mbufs) +
                                                    " mbufs (raise EAL -m or reserve hugepages)",
                                                rte_errno));
        _pools.push_back(pool);

        rte_eth_conf conf{};
        // Both directions of a TCP connection must reach the same queue (one rx lcore
        // follows the connection): the Toeplitz hash is symmetric under a key of
        // repeated 0x6d5a (Woo and Park, "Scalable TCP Session Monitoring with
        // Symmetric Receive-side Scaling").
        static uint8_t symmetric_key[52];
        if (pc.rx_queues > 1) {
            for (std::size_t i = 0; i < sizeof symmetric_key; ++i) symmetric_key[i] = i % 2 ? 0x5a : 0x6d;
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_hf =
                (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
            if (info.hash_key_size >= 40 && info.hash_key_size <= sizeof symmetric_key) {
                conf.rx_adv_conf.rss_conf.rss_key = symmetric_key;
                conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size;
            }
        }
        uint16_t txq = info.max_tx_queues > 0 ? 1 : 0;
        if (int rc = rte_eth_dev_configure(port, pc.rx_queues, txq, &conf); rc != 0)
            throw std::runtime_error(dpdk_error(key + ": configure", rc));
        uint16_t rx_desc = pc.rx_desc, tx_desc = 512;
        rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc);
        for (uint16_t q = 0; q < pc.rx_queues; ++q)
            if (int rc = rte_eth_rx_queue_setup(port, q, rx_desc, socket, nullptr, pool); rc != 0)
                throw std::runtime_error(dpdk_error(key + ": rx queue " + std::to_string(q), rc));
        if (txq && rte_eth_tx_queue_setup(port, 0, tx_desc, socket, nullptr) != 0)
            throw std::runtime_error(key + ": tx queue setup failed");
        if (int rc = rte_eth_dev_start(port); rc != 0) throw std::runtime_error(dpdk_error(key + ": start", rc));
        rte_eth_promiscuous_enable(port);  // vdevs may not support it; feeds are matched by UDP port anyway
        _port_ids.push_back(port);
    }
}

void dataplane::setup_rings() {
    int socket = static_cast<int>(rte_socket_id());
    // HTS producers: the workers enqueue through the zero-copy API (ring_copy.h).
    rte_ring*& verdicts = _ctx->verdict_ring;
    rte_ring*& rejects = _ctx->reject_ring;
    verdicts = rte_ring_create_elem("verdicts", sizeof(Verdict), _cfg.verdict_ring_size, socket,
                                    RING_F_MP_HTS_ENQ | RING_F_SC_DEQ);
    rejects = rte_ring_create_elem("rejects", sizeof(reject_record), 4096, socket, RING_F_SC_DEQ);
    if (!verdicts || !rejects)
        throw std::runtime_error(dpdk_error("verdict ring of " + std::to_string(_cfg.verdict_ring_size) +
                                                " entries (raise EAL -m or lower verdict_ring_size)",
                                            rte_errno));
    for (auto& r : _rx) {
        for (auto& w : _work) {
            std::string name = "txn_r" + std::to_string(r->index) + "_w" + std::to_string(w->index);
            rte_ring* ring = rte_ring_create_elem(name.c_str(), sizeof(Txn), _cfg.txn_ring_size, socket,
                                                  RING_F_SP_ENQ | RING_F_SC_DEQ);
            if (!ring) throw std::runtime_error(dpdk_error("ring " + name, rte_errno));
            r->to_worker.push_back(ring);
            w->from_rx.push_back(ring);
        }
        for (std::size_t w = 0; w < _work.size(); ++w) {
            r->stage.push_back(std::make_unique<Txn[]>(rx_lcore::stage_capacity));
            r->staged.push_back(0);
        }
    }
}

dataplane::~dataplane() {
    if (_started) {
        stop_rx();
        rte_eal_mp_wait_lcore();
    }
    for (uint16_t p : _port_ids) {
        rte_eth_dev_stop(p);
        rte_eth_dev_close(p);
    }
    const std::string runtime_dir = rte_eal_get_runtime_dir();
    rte_eal_cleanup();
    if (!_own_prefix.empty()) {
        // EAL leaves its runtime directory behind; it is ours alone, so remove it.
        std::error_code ec;
        std::filesystem::remove_all(runtime_dir, ec);
    }
}

namespace {

// A worker lcore: scores until rx has stopped and its rings are empty. Its quiescent
// point (a newer ruleset or pattern database, requests on its control rings) comes
// every 1024 polls, busy or idle, and once more at exit.
void run_worker(lcore_context& ctx, worker_lcore& w) {
    uint64_t iter = 0;
    for (;;) {
        unsigned n = w.poll();
        if ((++iter & 1023) == 0) ctx.scorer->quiescent(w.index);
        if (n == 0 && ctx.rx_running.load() == 0 && w.inputs_empty()) break;
        if (n == 0) rte_pause();
    }
    ctx.scorer->quiescent(w.index);
    ctx.workers_running.fetch_sub(1);
}

// Run to completion: receive a burst, then score it, on this one lcore.
void run_to_completion(lcore_context& ctx, rx_lcore& rx, worker_lcore& w) {
    uint64_t iter = 0;
    rx.inline_worker = &w;  // a full ring is drained here, not by another lcore
    while (!ctx.stop_rx.load(std::memory_order_relaxed)) {
        rx.poll_once();
        while (w.poll()) {
        }
        if ((++iter & 1023) == 0) {
            ctx.scorer->quiescent(w.index);
            rx.publish_counters();
        }
        if (rx.tcp) [[unlikely]]
            rx.tcp_housekeeping((iter & 1023) == 0);
    }
    rx.close_tcp();
    while (!rx.flush()) w.poll();
    rx.publish_counters();
    ctx.rx_running.fetch_sub(1);
    while (!w.inputs_empty()) w.poll();
    ctx.scorer->quiescent(w.index);
    ctx.workers_running.fetch_sub(1);
}

}  // namespace

int dataplane::lcore_main(void* arg) {
    auto* dp = static_cast<dataplane*>(arg);
    lcore_context& ctx = *dp->_ctx;
    unsigned lcore = rte_lcore_id();
    lcore_role role{lcore};
    for (const auto& r : g_roles)
        if (r.lcore == lcore) role = r;
    rx_lcore* rx = role.rx >= 0 ? dp->_rx[role.rx].get() : nullptr;
    worker_lcore* w = role.worker >= 0 ? dp->_work[role.worker].get() : nullptr;
    if (w) w->attach();
    ctx.lcores_polling.fetch_add(1);
    if (rx && w) {
        run_to_completion(ctx, *rx, *w);
    } else if (rx) {
        rx->run();
        ctx.rx_running.fetch_sub(1);
    } else if (w) {
        run_worker(ctx, *w);
    }
    return 0;
}

void dataplane::start() {
    g_roles.clear();
    std::vector<unsigned> lcores;
    unsigned lc;
    RTE_LCORE_FOREACH_WORKER(lc) { lcores.push_back(lc); }
    if (_cfg.rx_lcores == 0) {
        g_roles.push_back({lcores[0], 0, 0});
        _rx[0]->lcore = _work[0]->lcore = lcores[0];
    } else {
        std::size_t k = 0;
        for (auto& r : _rx) g_roles.push_back({r->lcore = lcores[k++], static_cast<int>(r->index), -1});
        for (auto& w : _work) g_roles.push_back({w->lcore = lcores[k++], -1, static_cast<int>(w->index)});
    }
    _ctx->rx_running = static_cast<unsigned>(_rx.size());
    _ctx->workers_running = static_cast<unsigned>(_work.size());
    for (const auto& r : g_roles) {
        if (int rc = rte_eal_remote_launch(&dataplane::lcore_main, this, r.lcore); rc != 0)
            throw std::runtime_error(dpdk_error("launch lcore " + std::to_string(r.lcore), rc));
        _launched.push_back(r.lcore);
    }
    _started = true;
    // Return once every lcore has built its state and is about to poll, so a caller
    // that starts traffic after start() loses nothing to set-up time.
    while (_ctx->lcores_polling.load() < g_roles.size()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void dataplane::stop_rx() noexcept { _ctx->stop_rx.store(true); }

bool dataplane::drained() const noexcept {
    return _ctx->stop_rx.load() && _ctx->rx_running.load() == 0 && _ctx->workers_running.load() == 0;
}

void dataplane::join() {
    for (unsigned lc : _launched) rte_eal_wait_lcore(lc);
    _launched.clear();
    _started = false;
}

unsigned dataplane::poll_verdicts(Verdict* out, unsigned n) noexcept {
    unsigned got = ring_dequeue_copy(_ctx->verdict_ring, out, n);
    _verdicts_dequeued += got;
    return got;
}

unsigned dataplane::poll_rejects(reject_record* out, unsigned n) noexcept {
    unsigned got = rte_ring_sc_dequeue_burst_elem(_ctx->reject_ring, out, sizeof(reject_record), n, nullptr);
    _rejects_dequeued += got;
    return got;
}

int64_t dataplane::tsc_to_ns(uint64_t tsc) const noexcept { return _ctx->clock.to_ns(tsc); }

uint64_t dataplane::tsc_hz() const noexcept { return _ctx->clock.hz; }

// The lcores' counters are read while they write them (count_read: relaxed atomic
// loads), the sequencers' through the copies their rx lcore publishes.
dp_stats dataplane::stats() const {
    dp_stats s;
    for (const auto& r : _rx) count_read_add(s.rx, r->c);
    for (const auto& w : _work) {
        worker_counters one;
        count_read_add(one, w->c);
        count_read_add(s.work, one);
        s.per_worker.push_back(one);
    }
    for (std::size_t p = 0; p < _port_ids.size(); ++p) {
        dp_port_stats ps;
        ps.name = _cfg.ports[p].name.empty() ? device_name(_cfg.ports[p].device) : _cfg.ports[p].name;
        rte_eth_stats st;
        if (rte_eth_stats_get(_port_ids[p], &st) == 0) {
            ps.ipackets = st.ipackets;
            ps.ibytes = st.ibytes;
            ps.imissed = st.imissed;
            ps.ierrors = st.ierrors;
            ps.rx_nombuf = st.rx_nombuf;
        }
        s.ports.push_back(ps);
    }
    for (std::size_t f = 0; f < _cfg.feeds.size(); ++f) {
        dp_feed_stats fs;
        fs.name = _cfg.feeds[f].name;
        fs.tcp_feed = _cfg.feeds[f].transport == feed_transport::tcp;
        for (const auto& r : _rx) count_read_add(fs, r->published[f]);
        for (const auto& w : _work) {
            fs.events_late += count_read(w->late_by_feed[f]);
            fs.events_ahead += count_read(w->ahead_by_feed[f]);
        }
        s.feeds.push_back(fs);
    }
    s.verdicts_dequeued = _verdicts_dequeued;
    s.rejects_dequeued = _rejects_dequeued;
    return s;
}

}  // namespace txscreen
