// The baseline file: {"baseline_version": 1, "hours": [{"hour": 0..23, "day": days since
// the epoch of the newest update, "rows": EWMA with it, "before": EWMA without it or
// null}, ...]}, hours without history left out.
#include "controlplane/lake/dq_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace txscreen {

namespace {

constexpr int64_t hour_ms = 3'600'000;
constexpr int64_t day_ms = 24 * hour_ms;
constexpr int baseline_version = 1;

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

bool valid_rows(const nlohmann::json& v) { return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0; }

}  // namespace

bool dq_baseline::expected(int64_t hour_start_ms, double& rows) const {
    const int64_t day = floor_div(hour_start_ms, day_ms);
    const slot& s = _slots[floor_div(hour_start_ms, hour_ms) - day * 24];
    if (s.day < 0) return false;
    if (s.day < day) {
        rows = s.rows;
        return true;
    }
    // Its own day (compacted again) or an older one: the history before that day.
    if (s.day == day && s.have_before) {
        rows = s.before;
        return true;
    }
    return false;
}

void dq_baseline::update(int64_t hour_start_ms, uint64_t rows, double alpha) {
    const int64_t day = floor_div(hour_start_ms, day_ms);
    slot& s = _slots[floor_div(hour_start_ms, hour_ms) - day * 24];
    if (s.day > day) return;
    if (s.day < day) {
        s.have_before = s.day >= 0;
        s.before = s.rows;
        s.day = day;
    }
    const double now = static_cast<double>(rows);
    s.rows = s.have_before ? alpha * now + (1 - alpha) * s.before : now;
}

bool dq_baseline::load(const std::string& path, std::string& error) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec) {
        for (slot& s : _slots) s = slot{};
        return true;  // no history yet
    }
    std::ifstream in(path);
    if (!in) {
        error = "data-quality baseline " + path + ": cannot read";
        return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
    auto bad = [&](const std::string& what) {
        error = "data-quality baseline " + path + ": " + what;
        return false;
    };
    if (doc.is_discarded() || !doc.is_object()) return bad("not a JSON object");
    if (doc.value("baseline_version", 0) != baseline_version)
        return bad("baseline_version must be " + std::to_string(baseline_version));
    const auto hours = doc.find("hours");
    if (hours == doc.end() || !hours->is_array()) return bad("\"hours\" must be an array");
    slot loaded[24];
    for (const nlohmann::json& h : *hours) {
        if (!h.is_object() || !h.contains("hour") || !h["hour"].is_number_integer() || h["hour"].get<int>() < 0 ||
            h["hour"].get<int>() > 23)
            return bad("each entry of \"hours\" needs \"hour\" 0..23");
        const int hour = h["hour"].get<int>();
        const std::string at = "hour " + std::to_string(hour) + ": ";
        if (!h.contains("day") || !h["day"].is_number_integer() || h["day"].get<int64_t>() < 0)
            return bad(at + "\"day\" must be a day number >= 0");
        if (!h.contains("rows") || !valid_rows(h["rows"])) return bad(at + "\"rows\" must be a number >= 0");
        slot& s = loaded[hour];
        s.day = h["day"].get<int64_t>();
        s.rows = h["rows"].get<double>();
        const nlohmann::json before = h.value("before", nlohmann::json());
        if (!before.is_null() && !valid_rows(before)) return bad(at + "\"before\" must be a number >= 0 or null");
        s.have_before = !before.is_null();
        s.before = s.have_before ? before.get<double>() : 0;
    }
    for (int i = 0; i < 24; ++i) _slots[i] = loaded[i];
    return true;
}

bool dq_baseline::save(const std::string& path, std::string& error) const {
    nlohmann::json hours = nlohmann::json::array();
    for (int i = 0; i < 24; ++i) {
        const slot& s = _slots[i];
        if (s.day < 0) continue;
        hours.push_back({{"hour", i},
                         {"day", s.day},
                         {"rows", s.rows},
                         {"before", s.have_before ? nlohmann::json(s.before) : nlohmann::json(nullptr)}});
    }
    const nlohmann::json doc = {{"baseline_version", baseline_version}, {"hours", hours}};
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << doc.dump(1) << "\n";
        out.flush();
        if (!out) {
            error = "data-quality baseline " + tmp + ": cannot write";
            return false;
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        error = "data-quality baseline " + path + ": cannot replace (rename from " + tmp + " failed)";
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace txscreen
