// txscreen-kafka-broker: a Kafka-protocol broker on loopback for tests and demos.
//
// Runs librdkafka's mock cluster (the same one `brokers = "embedded"` starts in
// process) until SIGTERM or SIGINT, and prints its bootstrap address. Any Kafka
// client (kcat, librdkafka, Java) can produce to and consume from it; data lives in
// memory only, bounded: each partition keeps its newest 5 MiB (or 100,000 message
// sets) and deletes older ones, like Kafka's retention.bytes. SIGUSR1 and the stop
// print how many records retention deleted.
//
// librdkafka 2.0 binds mock brokers to ephemeral ports. --port N adds a fixed
// bootstrap address: a small TCP relay on 127.0.0.1:N forwards to broker 1, and
// clients then follow the metadata to the brokers' own addresses.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/kafka_embedded.h"
#include "tools/cli_app.h"
#include "tools/version.h"

namespace {

std::atomic<bool> g_stop{false};

struct broker_options {
    int brokers = 1, port = 0, partitions = 4;
    std::string address_file;
    std::vector<std::string> topics;
};

void add_options(CLI::App& app, broker_options& o) {
    using txscreen::cli::in_range, txscreen::cli::whole_number;
    txscreen::cli::use_help_layout(app);
    app.description(
        "txscreen-kafka-broker: a Kafka-protocol broker on loopback for tests and demos.\n"
        "Runs until SIGTERM or SIGINT and prints its bootstrap address.");
    app.footer(
        "Messages are kept in memory only: each partition keeps its newest 5 MiB (or 100000\n"
        "message sets); retention deletes older ones. SIGUSR1 (and the stop) print\n"
        "\"retention deleted N records\" on stderr.");
    app.set_version_flag("--version", "txscreen-kafka-broker " TXSCREEN_VERSION,
                         "print \"txscreen-kafka-broker VERSION\" and exit");
    app.add_option("--brokers", o.brokers, "brokers in the mock cluster, 1..16")
        ->type_name("N")->transform(whole_number())->check(in_range(1, 16))->capture_default_str();
    app.add_option("--port", o.port, "also accept bootstrap connections on 127.0.0.1:N, 1..65535")
        ->type_name("N")->transform(whole_number())->check(in_range(1, 65535));
    app.add_option("--partitions", o.partitions, "partitions for --topic topics, 1..1024")
        ->type_name("N")->transform(whole_number())->check(in_range(1, 1024))->capture_default_str();
    app.add_option("--topic", o.topics, "create NAME up front (repeatable; others auto-create)")
        ->type_name("NAME")->allow_extra_args(false);
    app.add_option("--print-address-file", o.address_file, "write the bootstrap address to FILE once listening")
        ->type_name("FILE");
}

// Copies bytes both ways between a client and the broker until either side closes.
void relay(int client, sockaddr_in target) {
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    if (upstream < 0 || connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
        if (upstream >= 0) close(upstream);
        close(client);
        return;
    }
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    char buf[65536];
    while (!g_stop.load(std::memory_order_relaxed)) {
        int r = poll(fds, 2, 200);
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) continue;
        bool done = false;
        for (int i = 0; i < 2 && !done; ++i) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                done = true;
                break;
            }
            // The other side may take it in pieces.
            for (ssize_t off = 0; off < n;) {
                ssize_t w = write(fds[1 - i].fd, buf + off, static_cast<size_t>(n - off));
                if (w <= 0) {
                    done = true;
                    break;
                }
                off += w;
            }
        }
        if (done) break;
    }
    close(client);
    close(upstream);
}

// Listens on 127.0.0.1:port and relays each connection to `target`. Returns the
// listening socket, or -1 (with a message) when the port cannot be bound.
int start_bootstrap_relay(int port, const std::string& target_addr, sockaddr_in& target) {
    auto colon = target_addr.rfind(':');
    std::memset(&target, 0, sizeof target);
    target.sin_family = AF_INET;
    target.sin_port = htons(static_cast<uint16_t>(std::atoi(target_addr.c_str() + colon + 1)));
    inet_pton(AF_INET, target_addr.substr(0, colon).c_str(), &target.sin_addr);

    int s = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(s, 64) != 0) {
        std::fprintf(stderr, "txscreen-kafka-broker: cannot listen on 127.0.0.1:%d: %s\n", port,
                     std::strerror(errno));
        close(s);
        return -1;
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    broker_options o;
    CLI::App app{"", "txscreen-kafka-broker"};
    add_options(app, o);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return txscreen::cli::exit_status(app, e);
    }
    const int brokers = o.brokers, port = o.port, partitions = o.partitions;
    const std::string& address_file = o.address_file;
    const std::vector<std::string>& topics = o.topics;

    // Block the stop signals in every thread (librdkafka's included) and wait for
    // them here, so shutdown runs in main and destroys the cluster cleanly.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGUSR1);  // not a stop: report retention
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    signal(SIGPIPE, SIG_IGN);

    try {
        txscreen::kafka_embedded_broker cluster(brokers);
        for (const auto& t : topics) {
            if (!cluster.create_topic(t, partitions, brokers < 3 ? brokers : 3)) {
                std::fprintf(stderr, "txscreen-kafka-broker: cannot create topic %s\n", t.c_str());
                return 1;
            }
        }
        std::string address = cluster.bootstraps();

        int relay_socket = -1;
        std::thread acceptor;
        std::vector<std::thread> relays;
        if (port) {
            sockaddr_in target;
            std::string first = address.substr(0, address.find(','));
            relay_socket = start_bootstrap_relay(port, first, target);
            if (relay_socket < 0) return 1;
            address = "127.0.0.1:" + std::to_string(port) + "," + address;
            acceptor = std::thread([relay_socket, target, &relays] {
                for (;;) {
                    pollfd p{relay_socket, POLLIN, 0};
                    int r = poll(&p, 1, 200);
                    if (g_stop.load()) return;
                    if (r <= 0) continue;
                    int c = accept(relay_socket, nullptr, nullptr);
                    if (c >= 0) relays.emplace_back(relay, c, target);
                }
            });
        }

        if (!address_file.empty()) {
            // Write then rename, so a script polling for the file never reads half of it.
            std::string tmp = address_file + ".tmp";
            std::ofstream(tmp) << address << '\n';
            if (std::rename(tmp.c_str(), address_file.c_str()) != 0) {
                std::fprintf(stderr, "txscreen-kafka-broker: cannot write %s: %s\n", address_file.c_str(),
                             std::strerror(errno));
                return 1;
            }
        }
        std::printf("%s\n", address.c_str());
        std::fflush(stdout);
        std::fprintf(stderr, "txscreen-kafka-broker: %d broker(s) on %s; SIGTERM/SIGINT stops\n", brokers,
                     address.c_str());

        auto report_retention = [&cluster] {
            const int64_t deleted = cluster.retention_deleted();
            if (deleted < 0) std::fprintf(stderr, "txscreen-kafka-broker: retention deleted: cluster did not answer\n");
            else std::fprintf(stderr, "txscreen-kafka-broker: retention deleted %lld records\n",
                              static_cast<long long>(deleted));
        };
        int sig = 0;
        while (sigwait(&stop_signals, &sig) == 0 && sig == SIGUSR1) report_retention();
        report_retention();
        std::fprintf(stderr, "txscreen-kafka-broker: signal %d, stopping\n", sig);
        g_stop.store(true);
        if (acceptor.joinable()) acceptor.join();
        for (auto& t : relays) t.join();
        if (relay_socket >= 0) close(relay_socket);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "txscreen-kafka-broker: %s\n", e.what());
        return 1;
    }
    return 0;
}
