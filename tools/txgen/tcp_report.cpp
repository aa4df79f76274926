#include "tools/txgen/tcp_report.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace txscreen::txgen {

namespace {
void field(std::string& out, const char* name, uint64_t v) {
    if (out.size() > 1) out += ',';
    out.append("\"").append(name).append("\":").append(std::to_string(v));
}
}  // namespace

std::string to_json(const tcp_report& r) {
    std::string s = "{";
    field(s, "connections", r.connections);
    field(s, "requests", r.requests);
    field(s, "responses", r.responses);
    field(s, "unanswered_by_issuer", r.unanswered_by_issuer);
    field(s, "approved", r.approved);
    field(s, "declined", r.declined);
    s += ",\"declines_by_code\":{";
    for (std::size_t i = 0; i < decline_codes.size(); ++i)
        s.append(i ? ",\"" : "\"").append(decline_codes[i]).append("\":").append(std::to_string(r.declines_by_code[i]));
    s += '}';
    field(s, "requests_lost", r.requests_lost);
    field(s, "responses_lost", r.responses_lost);
    field(s, "requests_intact", r.requests_intact());
    field(s, "responses_intact", r.responses_intact());
    field(s, "paired", r.paired);
    field(s, "paired_declined", r.paired_declined);
    field(s, "unpaired_responses", r.unpaired_responses);
    field(s, "unanswered", r.unanswered);
    field(s, "data_segments", r.segments.data_segments);
    field(s, "segments_lost", r.segments.lost);
    field(s, "segments_reordered", r.segments.reordered);
    field(s, "segments_retransmitted", r.segments.retransmitted);
    field(s, "request_bytes_lost", r.segments.bytes_lost[0]);
    field(s, "response_bytes_lost", r.segments.bytes_lost[1]);
    field(s, "packets", r.packets);
    return s + '}';
}

void write_report(const tcp_report& r, const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) throw std::runtime_error("txgen: cannot create " + path + ": " + std::strerror(errno));
    const std::string text = to_json(r) + "\n";
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) throw std::runtime_error("txgen: writing " + path + " failed: " + std::strerror(errno));
}

}  // namespace txscreen::txgen
