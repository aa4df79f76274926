// Kafka publisher: verdicts and rejects as JSON (verdict_json.h) to three topics,
// through one idempotent librdkafka producer (docs/kafka.md).
//
//   txscreen.alerts   every verdict with alert set (score >= alert threshold)
//   txscreen.scored   every verdict, when publish_scored is on
//   txscreen.rejects  every reject record
//
// Keys are the card token in hex (rejects: the feed id), so one card's records stay
// in order on one partition. The producer is idempotent with acks=all: a message is
// written once even when the broker drops connections mid-batch.
//
// Delivery accounting per topic (readable at any time, see counters()):
//   produced = accepted by publish_*();   acked / failed = delivery reports;
//   saved    = alerts whose delivery failed and that were saved to the outbox instead
//   pending  = produced - acked - failed - saved  (queued or in flight)
// A message that is not accepted (backpressure) was never counted as produced: the
// caller still owns it.
//
// With an outbox (kafka_config::outbox_dir, see kafka_outbox.h) alerts never meet
// backpressure: when the in-memory backlog is full (broker slow or down) or the
// producer hit a fatal error, publish_alert() appends the rendered alert to the
// outbox and returns `spilled`; while the outbox holds anything, new alerts go there
// too (order kept). The poll thread reads the outbox back into the producer whenever
// the backlog has room, and alerts whose delivery fails (message timeout, purge at
// shutdown) are saved there again. Alerts handed over by this process are then
//   given = (produced - replayed) + spilled,   and on disk: outbox backlog.
//
// Threads: publish_*() may be called from any controlplane thread (never from a
// dataplane lcore: they may block up to backpressure_wait_ms). An internal thread
// polls for delivery reports and errors.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "controlplane/kafka_embedded.h"
#include "controlplane/kafka_outbox.h"
#include "controlplane/verdict_json.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;

namespace txscreen {

enum class kafka_topic : uint8_t { alerts = 0, scored = 1, rejects = 2 };
inline constexpr std::size_t kafka_topic_count = 3;
// "alerts", "scored", "rejects" (metrics labels).
const char* kafka_topic_label(kafka_topic t) noexcept;

enum class publish_result : uint8_t {
    accepted,      // queued in the producer; a delivery report will ack or fail it
    backpressure,  // the bounded backlog is full (broker slow or down): not queued,
                   // the caller keeps the record (it is in the spool) and retries later
    unavailable,   // fatal producer error: not queued; the publisher must be recreated
    encode_error,  // the record could not be encoded (never expected): not queued
    spilled,       // backlog full or producer unavailable: saved to the outbox, and
                   // published from there when the broker takes it (alerts only)
};
const char* publish_result_name(publish_result r) noexcept;

struct kafka_config {
    // Comma-separated bootstrap servers, or "embedded" for an in-process mock broker.
    std::string brokers = "embedded";
    int embedded_brokers = 1;        // brokers in the embedded cluster
    int embedded_partitions = 4;     // partitions of each topic on the embedded cluster
    std::string client_id = "txscreen";
    std::string topic_alerts = "txscreen.alerts";
    std::string topic_scored = "txscreen.scored";
    std::string topic_rejects = "txscreen.rejects";
    bool publish_scored = false;     // every verdict to topic_scored (high volume)
    std::string compression = "lz4"; // none | gzip | snappy | lz4 | zstd
    int linger_ms = 5;               // wait to fill batches: throughput vs latency
    int batch_bytes = 1'000'000;     // batch.size
    int batch_messages = 10'000;     // batch.num.messages
    // The bounded backlog: messages held in memory while the broker is slow or
    // down. Beyond either bound publish_*() reports backpressure.
    int max_backlog_messages = 1'000'000;
    int max_backlog_kbytes = 1'048'576;  // 1 GiB
    // How long publish_*() polls a full backlog for room before backpressure; once
    // in backpressure it fails fast until a delivery report frees room.
    int backpressure_wait_ms = 50;
    // 0 = a queued message waits for the broker forever (the backlog bound is the
    // limit); > 0 fails messages not delivered in that time (counted as failed).
    int message_timeout_ms = 0;
    int shutdown_flush_ms = 10'000;  // flush budget in the destructor
    int poll_interval_ms = 100;      // delivery-report poll period
    // Directory of the alert outbox ("" = none: a full backlog reports backpressure).
    // The appliance uses <spool.dir>/kafka-outbox.
    std::string outbox_dir;
    uint64_t outbox_segment_bytes = 64ull << 20;
    // Disk the outbox may use for spilled alerts; when full, publish_alert() reports
    // backpressure again (alerts whose delivery failed are still saved beyond it).
    uint64_t outbox_max_bytes = 4ull << 30;
    // Extra librdkafka properties (security.protocol, sasl.*, ssl.*...), set last.
    std::vector<std::pair<std::string, std::string>> properties;
};

// Returns "" when `c` is usable, otherwise a message naming the bad key and its range.
std::string validate_kafka_config(const kafka_config& c);

struct kafka_topic_counters {
    uint64_t produced = 0;      // accepted into the producer
    uint64_t acked = 0;         // delivery report: written with acks=all
    uint64_t failed = 0;        // delivery report: error (message timeout, fatal, ...)
    uint64_t backpressure = 0;  // publish_*() calls refused with backpressure
    uint64_t refused = 0;       // publish_*() calls refused as unavailable / encode_error
    uint64_t saved = 0;         // delivery failed; saved to the outbox instead (alerts)
    uint64_t pending() const noexcept { return produced - acked - failed - saved; }
};

struct kafka_counters {
    std::array<kafka_topic_counters, kafka_topic_count> topic{};
    uint64_t errors = 0;        // non-fatal client errors (transport, all brokers down...)
    uint64_t fatal_errors = 0;
    bool ready = false;         // false after a fatal error
    // Alert outbox (all zero when there is none).
    bool have_outbox = false;
    uint64_t spilled = 0;       // alerts publish_alert() put in the outbox
    uint64_t replayed = 0;      // outbox records produced to the broker
    uint64_t outbox_full = 0;   // alerts refused (backpressure) because the outbox was at outbox_max_bytes
    kafka_outbox_stats outbox;
    const kafka_topic_counters& operator[](kafka_topic t) const noexcept {
        return topic[static_cast<std::size_t>(t)];
    }
};

class kafka_publisher {
public:
    // Validates `cfg`, starts the embedded broker when brokers == "embedded", creates
    // the producer and its poll thread. Throws std::runtime_error with a message
    // naming the key (bad config) or librdkafka's reason.
    explicit kafka_publisher(const kafka_config& cfg, verdict_json_names names = {});
    // close(), when not called already.
    ~kafka_publisher();
    // Stops polling, flushes for up to shutdown_flush_ms, purges what is left (alerts
    // among it are saved to the outbox), closes the outbox, destroys the producer and
    // then the embedded broker. Afterwards only counters() may be called (final values).
    void close() noexcept;
    kafka_publisher(const kafka_publisher&) = delete;
    kafka_publisher& operator=(const kafka_publisher&) = delete;

    // To txscreen.alerts, keyed by card token. Publishes whatever `v.alert` says.
    publish_result publish_alert(const Verdict& v) noexcept;
    // To txscreen.scored (accepted without effect when publish_scored is off).
    publish_result publish_scored(const Verdict& v) noexcept;
    // To txscreen.rejects, keyed by feed id.
    publish_result publish_reject(const reject_record& r) noexcept;
    // The alert (when v.alert) then the scored copy (when enabled). Returns the alert's
    // result (accepted when not an alert): the scored copy is best-effort because the
    // spool holds every verdict; its refusals are counted on the scored topic.
    publish_result publish(const Verdict& v) noexcept;

    // Serves delivery reports now (the poll thread does this anyway). Returns events served.
    int poll(int timeout_ms) noexcept;
    // Waits until nothing is pending (in the producer or, while the poll thread runs,
    // in the outbox) or `timeout_ms` passed. Returns messages still queued, in flight
    // or in the outbox (0 = all acked or failed).
    int flush(int timeout_ms) noexcept;

    // Raises a librdkafka test fatal error (OUT_OF_ORDER_SEQUENCE_NUMBER) so operators'
    // tests and drills can check the fatal path. Returns false when one was raised already.
    bool simulate_fatal_error(const char* reason) noexcept;

    kafka_counters counters() const noexcept;
    // False after a fatal producer error (see fatal_error()).
    bool ready() const noexcept { return !_fatal.load(std::memory_order_acquire); }
    // librdkafka's fatal error text, "" when none.
    std::string fatal_error() const;
    // The bootstrap.servers in use (the embedded broker's address when embedded).
    const std::string& bootstrap_servers() const noexcept { return _bootstrap; }
    // The embedded broker, nullptr unless brokers == "embedded".
    kafka_embedded_broker* embedded() noexcept { return _embedded.get(); }
    const kafka_config& config() const noexcept { return _cfg; }

private:
    struct alignas(64) topic_state {
        rd_kafka_topic_s* rkt = nullptr;
        std::atomic<uint64_t> produced{0};
        std::atomic<uint64_t> acked{0};
        std::atomic<uint64_t> failed{0};
        std::atomic<uint64_t> backpressure{0};
        std::atomic<uint64_t> refused{0};
        std::atomic<uint64_t> saved{0};
    };

    // wait: on a full backlog poll up to backpressure_wait_ms for room (publishers);
    // false fails at once (outbox replay). segment: outbox segment the record came
    // from, 0 when none (carried in the message opaque to the delivery report).
    publish_result produce(kafka_topic t, const char* key, std::size_t key_len, const char* payload,
                           std::size_t len, bool wait = true, uint64_t segment = 0) noexcept;
    publish_result spill(const char* key, std::size_t key_len, const char* payload, std::size_t len,
                         publish_result otherwise) noexcept;
    void replay_outbox() noexcept;
    void poll_loop();
    static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);
    static void on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque);
    static void on_log(const rd_kafka_s* rk, int level, const char* fac, const char* buf);

    kafka_config _cfg;
    verdict_json_names _names;
    std::unique_ptr<kafka_embedded_broker> _embedded;
    std::string _bootstrap;
    rd_kafka_s* _rk = nullptr;
    std::array<topic_state, kafka_topic_count> _topics;
    std::atomic<uint64_t> _errors{0};
    std::atomic<uint64_t> _fatal_errors{0};
    std::atomic<bool> _fatal{false};
    // Set when a publish ran out of patience on a full backlog; cleared by the next
    // delivery report, so an outage costs one bounded wait rather than one per call.
    std::atomic<bool> _backpressured{false};
    std::atomic<bool> _all_brokers_down{false};
    std::atomic<bool> _stop{false};
    mutable std::mutex _fatal_mutex;  // guards _fatal_text (written once, read rarely)
    std::string _fatal_text;
    std::unique_ptr<kafka_outbox> _outbox;
    bool _closed = false;
    kafka_outbox_stats _final_outbox;  // the outbox's stats when close() closed it
    std::atomic<uint64_t> _spilled{0};
    std::atomic<uint64_t> _replayed{0};
    std::atomic<uint64_t> _outbox_full{0};
    std::atomic<bool> _polling{false};  // the poll thread runs (and replays the outbox)
    std::thread _poller;
};

}  // namespace txscreen
