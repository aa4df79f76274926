#include "controlplane/lake/lake_compactor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "common/civil_time.h"
#include "common/log.h"
#include "controlplane/avro_records.h"
#include "controlplane/lake/lake_convert.h"
#include "controlplane/lake/lake_schema.h"
#include "controlplane/s3_client.h"
#include "controlplane/s3_uploader.h"

namespace txscreen {

namespace fs = std::filesystem;

namespace {

constexpr const char* pending_name = "lake-pending";
constexpr const char* baseline_name = "lake-dq-baseline.json";
constexpr const char* work_name = "lake-work";
constexpr auto retry_after = std::chrono::seconds(30);

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "dt=2024-03-01/hour=12" when `h` is one, parsed into its start in ms; false otherwise.
bool parse_hour(std::string_view h, int64_t& start_ms) {
    int y = 0;
    unsigned m = 0, d = 0, hh = 0;
    char tail = 0;
    const std::string s(h);
    if (std::sscanf(s.c_str(), "dt=%4d-%2u-%2u/hour=%2u%c", &y, &m, &d, &hh, &tail) != 4) return false;
    if (s.size() != 21 || !valid_date(y, m, d) || hh > 23) return false;
    start_ms = (days_from_civil(y, m, d) * 24 + hh) * 3'600'000LL;
    return true;
}

// "table=scored/dt=2024-03-01/hour=12/h-1.avro" -> "dt=2024-03-01/hour=12" ("" if not).
std::string hour_of(std::string_view rel) {
    if (rel.rfind("table=", 0) != 0) return "";
    const std::size_t a = rel.find('/'), b = rel.rfind('/');
    if (a == std::string_view::npos || b <= a) return "";
    const std::string_view h = rel.substr(a + 1, b - a - 1);
    int64_t ms = 0;
    return parse_hour(h, ms) ? std::string(h) : "";
}

std::string table_dir(spool_table t, const std::string& hour) {
    return "table=" + std::string(spool_table_name(t)) + "/" + hour;
}

bool write_file_atomically(const std::string& path, const std::string& data, std::string& error) {
    const std::string tmp = path + ".tmp";
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
    if (fd >= 0) ::close(fd);
    ok = ok && std::rename(tmp.c_str(), path.c_str()) == 0;
    if (!ok) error = "cannot write " + path + ": " + std::strerror(errno);
    return ok;
}

lake_dq_alert dq_alert_of(const dq_report& report, const std::string& report_json, int64_t hour_end_ms) {
    lake_dq_alert a;
    a.id = "dq-" + report.partition + "-" + report.host;
    for (char& c : a.id)
        if (c == '/' || c == '=') c = '-';
    nlohmann::json failed = nlohmann::json::array();
    a.summary = "data quality: " + report.partition + " on " + report.host + ":";
    for (const dq_check* c : report.failures()) {
        failed.push_back(c->name);
        std::ostringstream line;
        line << " " << c->name << " " << c->observed << " (limit " << c->limit << ")";
        a.summary += line.str();
    }
    const nlohmann::json alert = {{"schema_version", 1},       {"type", "dq"},        {"id", a.id},
                                  {"partition", report.partition}, {"host", report.host}, {"failed", failed},
                                  {"report", nlohmann::json::parse(report_json, nullptr, false)}};
    a.json = alert.dump();
    a.hour_end_ms = hour_end_ms;
    return a;
}

}  // namespace

lake_compactor::lake_compactor(std::string spool_dir, std::string host, lake_config config, s3_config s3)
    : _dir(std::move(spool_dir)), _host(std::move(host)), _config(std::move(config)), _s3(std::move(s3)) {
    if (!_s3.endpoint.empty()) s3_config_from_env(_s3);  // credentials and region, as the uploader resolves them
}

lake_compactor::~lake_compactor() { stop(false); }

bool lake_compactor::start(s3_uploader* uploader, std::string& error) {
    _uploader = uploader;
    std::error_code ec;
    fs::remove_all(_dir + "/" + work_name, ec);  // downloads a crash left behind
    if (!_baseline.load(_dir + "/" + baseline_name, error)) return false;
    load_pending();
    scan_spool_for_hours();
    save_pending();
    _stop = false;
    _thread = std::thread([this] { run(); });
    return true;
}

void lake_compactor::note_file(const std::string& rel) noexcept {
    if (!ends_with(rel, ".avro")) return;
    try {
        const std::string hour = hour_of(rel);
        if (hour.empty()) return;
        std::lock_guard<std::mutex> g(_mutex);
        const bool added = _pending.try_emplace(hour).second;
        _pending[hour].last_file = std::chrono::steady_clock::now();
        if (added) save_pending();
    } catch (const std::exception&) {  // the hour is found again by the next start's scan
    }
}

void lake_compactor::stop(bool final, int64_t timeout_ms) {
    {
        std::lock_guard<std::mutex> g(_mutex);
        if (!_thread.joinable()) return;
        _final = final;
        _final_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        _stop = true;
    }
    _cv.notify_all();
    _thread.join();
}

// Ready: the hour is over (a later hour has files, or its end is close_after behind
// the wall clock), no file of it completed for close_after, nothing of it is still
// open or waiting for its upload (the lake holds all of it), and an earlier failure
// has waited. Stopping, only the last two count.
bool lake_compactor::hour_ready(const std::string& hour, const pending_hour& p, const std::string& newest,
                                bool stopping) const {
    const auto now = std::chrono::steady_clock::now();
    if (now < p.retry_at) return false;
    if (!stopping) {
        if (now - p.last_file < std::chrono::milliseconds(_config.close_after_ms)) return false;
        int64_t start_ms = 0;
        parse_hour(hour, start_ms);
        const int64_t wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch()).count();
        const bool over = hour < newest || wall_ms >= start_ms + 3'600'000 + _config.close_after_ms;
        if (!over) return false;
    }
    return !local_files_waiting(hour);
}

// A file still being written (.avro.tmp) keeps an hour open; with an uploader, so does
// a file not yet uploaded. A .parquet.tmp or .json.tmp a crash left is not waited for
// (the next compaction replaces it).
bool lake_compactor::local_files_waiting(const std::string& hour) const {
    for (int t = 0; t < spool_table_count; ++t) {
        std::error_code ec;
        fs::directory_iterator it(_dir + "/" + table_dir(static_cast<spool_table>(t), hour), ec);
        for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.rfind(_host + "-", 0) != 0 && name.rfind(_host + ".", 0) != 0) continue;
            if (ends_with(name, ".avro.tmp")) return true;
            if (_uploader && (ends_with(name, ".avro") || ends_with(name, ".parquet"))) return true;
        }
    }
    return false;
}

void lake_compactor::run() {
    for (;;) {
        std::map<std::string, pending_hour> pending;
        bool stopping = false;
        {
            std::unique_lock<std::mutex> l(_mutex);
            _cv.wait_for(l, std::chrono::seconds(1), [this] { return _stop; });
            stopping = _stop;
            if (stopping && (!_final || std::chrono::steady_clock::now() > _final_deadline)) return;
            _stats.pending_hours = _pending.size();
            if (stopping && _pending.empty()) return;
            pending = _pending;  // readiness lists directories: not under the lock the spool's thread takes
        }
        const std::string newest = pending.empty() ? std::string() : pending.rbegin()->first;
        bool any = false;
        for (const auto& [hour, p] : pending) {
            if (stopping && std::chrono::steady_clock::now() > _final_deadline) return;
            if (!hour_ready(hour, p, newest, stopping)) continue;
            compact_and_settle(hour);
            any = true;
        }
        if (stopping && !any) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

// Compacts one hour and drops it from the pending list, unless a file of it completed
// meanwhile (it is compacted again later) or the compaction failed (retried later).
void lake_compactor::compact_and_settle(const std::string& hour) {
    const auto started = std::chrono::steady_clock::now();
    bool ok = false;
    try {
        ok = compact_hour(hour);
    } catch (const std::exception& e) {  // allocation failure, a filesystem error: retried later
        set_error("lake: " + hour + ": " + e.what());
    }
    std::lock_guard<std::mutex> g(_mutex);
    auto it = _pending.find(hour);
    if (it == _pending.end()) return;
    if (!ok) {
        ++_stats.failures;
        it->second.retry_at = std::chrono::steady_clock::now() + retry_after;
        return;
    }
    ++_stats.hours_compacted;
    if (it->second.last_file < started) {
        _pending.erase(it);
        save_pending();
    }
    _stats.pending_hours = _pending.size();
}

// The hour's Avro files of table `t` from this host, as local paths: where they are
// (no endpoint), or downloaded into <spool>/lake-work (listed in `downloaded`).
bool lake_compactor::gather_inputs(spool_table t, const std::string& hour, std::vector<std::string>& inputs,
                                   std::vector<std::string>& downloaded) {
    const std::string rel_dir = table_dir(t, hour);
    if (_s3.endpoint.empty()) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(_dir + "/" + rel_dir, ec)) {
            const std::string name = e.path().filename().string();
            if (name.rfind(_host + "-", 0) == 0 && ends_with(name, ".avro")) inputs.push_back(e.path().string());
        }
        std::sort(inputs.begin(), inputs.end());
        return true;
    }
    return download_inputs(_s3.prefix + rel_dir + "/" + _host + "-", inputs, downloaded);
}

bool lake_compactor::download_inputs(const std::string& prefix, std::vector<std::string>& inputs,
                                     std::vector<std::string>& downloaded) {
    if (!_client) _client = std::make_unique<s3_client>(_s3);
    std::vector<s3_object> objects;
    std::string error;
    if (!_client->list_objects(prefix, objects, error)) return set_error("lake: " + error), false;
    std::sort(objects.begin(), objects.end(), [](const s3_object& a, const s3_object& b) { return a.key < b.key; });
    std::error_code ec;
    fs::create_directories(_dir + "/" + work_name, ec);
    for (const s3_object& o : objects) {
        if (!ends_with(o.key, ".avro")) continue;
        const s3_response r = _client->get_object(o.key);
        if (!r.ok()) return set_error("lake: GET " + o.key + ": " + r.error), false;
        // Not named *.avro: the spool's recovery takes any *.avro(.tmp) under its directory.
        const std::string local = _dir + "/" + work_name + "/" + fs::path(o.key).filename().string() + ".download";
        if (!write_file_atomically(local, r.body, error)) return set_error("lake: " + error), false;
        downloaded.push_back(local);
        inputs.push_back(local);
    }
    return true;
}

bool lake_compactor::compact_hour(const std::string& hour) {
    dq_collector dq(_config.dq);
    bool any_rows = false;
    for (int i = 0; i < spool_table_count; ++i) {
        const auto t = static_cast<spool_table>(i);
        std::vector<std::string> inputs, downloaded;
        const bool gathered = gather_inputs(t, hour, inputs, downloaded);
        const bool ok = gathered && (inputs.empty() || convert_table(t, hour, inputs, dq, any_rows));
        for (const std::string& f : downloaded) ::unlink(f.c_str());
        if (!ok) return false;
    }
    return !any_rows || !_config.dq.enabled || write_dq_report(hour, dq);
}

bool lake_compactor::convert_table(spool_table t, const std::string& hour, const std::vector<std::string>& inputs,
                                   dq_collector& dq, bool& any_rows) {
    const std::string rel_out = table_dir(t, hour) + "/" + _host + ".parquet";
    parquet_options opts;
    opts.codec = _config.codec;
    opts.metadata = {{"txscreen.host", _host}, {"txscreen.partition", hour}};
    std::error_code ec;  // the uploader removes partition directories it empties
    fs::create_directories(_dir + "/" + table_dir(t, hour), ec);
    lake_batch_observer observer;
    if (t == spool_table::scored) observer = [&dq](const row_batch& b) { dq.add_scored(b); };
    if (t == spool_table::rejects) observer = [&dq](const row_batch& b) { dq.add_rejects(b); };
    const lake_convert_result r =
        convert_avro_to_parquet(lake_schema(t), inputs, _dir + "/" + rel_out, opts, observer, _config.row_group_rows);
    if (!r.ok) {
        set_error("lake: " + rel_out + ": " + r.error);
        return false;
    }
    any_rows = any_rows || ((t == spool_table::scored || t == spool_table::rejects) && r.rows > 0);
    {
        std::lock_guard<std::mutex> g(_mutex);
        ++_stats.files_written;
        _stats.rows += r.rows;
        _stats.input_bytes += r.input_bytes;
        _stats.parquet_bytes += r.output_bytes;
        _stats.seconds += r.seconds;
    }
    if (_uploader) _uploader->enqueue(rel_out);
    return true;
}

bool lake_compactor::write_dq_report(const std::string& hour, dq_collector& dq) {
    int64_t start_ms = 0;
    parse_hour(hour, start_ms);
    const dq_report report = dq.finish(hour, _host, start_ms, &_baseline);
    const std::string rel = "table=dq/" + hour + "/" + _host + ".json";
    const std::string json = report.json();
    std::string error;
    if (!write_file_atomically(_dir + "/" + rel, json + "\n", error)) return set_error("lake: " + error), false;
    if (!_baseline.save(_dir + "/" + baseline_name, error)) log_line(log_level::warning, "lake: %s", error.c_str());
    if (_uploader) _uploader->enqueue(rel);
    const std::size_t failed = report.failures().size();
    std::lock_guard<std::mutex> g(_mutex);
    ++_stats.dq_reports;
    _stats.dq_last_failed_checks = failed;
    if (failed) {
        ++_stats.dq_failed_reports;
        _stats.dq_failed_checks += failed;
        lake_dq_alert alert = dq_alert_of(report, json, start_ms + 3'600'000);
        log_line(log_level::warning, "lake: %s", alert.summary.c_str());
        if (_dq_alerts.size() < 1000) _dq_alerts.push_back(std::move(alert));
    }
    return true;
}

// Called with _mutex held, or before the thread starts.
void lake_compactor::save_pending() const {
    std::string text;
    for (const auto& [hour, p] : _pending) text += hour + "\n";
    std::string error;
    if (!write_file_atomically(_dir + "/" + pending_name, text, error)) log_line(log_level::warning, "lake: %s", error.c_str());
}

void lake_compactor::load_pending() {
    std::ifstream in(_dir + "/" + pending_name);
    std::string line;
    int64_t ms = 0;
    while (std::getline(in, line))
        if (parse_hour(line, ms)) _pending[line].last_file = std::chrono::steady_clock::time_point{};
}

// Hours with Avro files an earlier run left in the spool: with an uploader, files not
// yet uploaded; without one (the spool is the lake, Avro stays), only hours whose
// Parquet copy is missing or older than one of their Avro files, so a restart does not
// compact (and alert on) the whole history again.
void lake_compactor::scan_spool_for_hours() {
    std::map<std::string, fs::file_time_type> newest_avro, parquet;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(_dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (it.depth() > 3) continue;
        const std::string name = it->path().filename().string();
        const bool avro = ends_with(name, ".avro") && name.rfind(_host + "-", 0) == 0;
        const bool copy = name == _host + ".parquet";
        if (!avro && !copy) continue;
        const std::string rel = fs::relative(it->path(), _dir, ec).string();
        if (hour_of(rel).empty()) continue;
        const std::string table_hour = rel.substr(0, rel.rfind('/'));  // per table: each has its own copy
        const fs::file_time_type t = it->last_write_time(ec);
        if (avro) {
            auto [at, added] = newest_avro.try_emplace(table_hour, t);
            if (!added && at->second < t) at->second = t;
        } else {
            parquet[table_hour] = t;
        }
    }
    for (const auto& [table_hour, t] : newest_avro)
        if (_uploader || !parquet.contains(table_hour) || parquet.at(table_hour) < t)
            _pending.try_emplace(hour_of(table_hour + "/x"));
}

lake_compactor_stats lake_compactor::stats() const {
    std::lock_guard<std::mutex> g(_mutex);
    return _stats;
}

std::string lake_compactor::last_error() const {
    std::lock_guard<std::mutex> g(_mutex);
    return _error;
}

std::vector<lake_dq_alert> lake_compactor::take_dq_alerts() {
    std::lock_guard<std::mutex> g(_mutex);
    return std::exchange(_dq_alerts, {});
}

void lake_compactor::set_error(const std::string& e) {
    log_line(log_level::warning, "%s", e.c_str());
    std::lock_guard<std::mutex> g(_mutex);
    _error = e;
}

}  // namespace txscreen
