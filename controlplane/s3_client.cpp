#include "controlplane/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace txscreen {

namespace {

std::once_flag curl_once;

size_t on_body(char* p, size_t size, size_t n, void* ud) {
    static_cast<s3_response*>(ud)->body.append(p, size * n);
    return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* ud) {
    auto* r = static_cast<s3_response*>(ud);
    std::string_view h(p, size * n);
    auto colon = h.find(':');
    if (colon != std::string_view::npos) {
        std::string name(h.substr(0, colon));
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string_view v = h.substr(colon + 1);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
        if (name == "etag") r->etag = std::string(v);
        if (name == "content-length") r->content_length = std::atoll(std::string(v).c_str());
    }
    return size * n;
}

std::string host_of(const std::string& endpoint) {
    std::size_t s = endpoint.find("://");
    std::size_t start = s == std::string::npos ? 0 : s + 3;
    std::size_t end = endpoint.find('/', start);
    return endpoint.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string xml_value(const std::string& body, const std::string& tag) {
    const std::string open = "<" + tag + ">", close = "</" + tag + ">";
    std::size_t a = body.find(open);
    if (a == std::string::npos) return "";
    a += open.size();
    std::size_t b = body.find(close, a);
    return b == std::string::npos ? "" : body.substr(a, b - a);
}

}  // namespace

s3_client::s3_client(s3_config config) : _config(std::move(config)) {
    std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    _curl = curl_easy_init();
    while (!_config.endpoint.empty() && _config.endpoint.back() == '/') _config.endpoint.pop_back();
}

s3_client::~s3_client() {
    if (_curl) curl_easy_cleanup(static_cast<CURL*>(_curl));
}

s3_response s3_client::request(const std::string& method, const std::string& key,
                               const std::vector<std::pair<std::string, std::string>>& query, const void* data,
                               std::size_t len) {
    s3_response resp;
    CURL* curl = static_cast<CURL*>(_curl);
    if (!curl) {
        resp.error = "curl_easy_init failed";
        return resp;
    }
    // Path-style: /<bucket>/<key>, each byte of the key encoded as SigV4 wants (S3 does
    // not encode twice), so the URL we send and the canonical URI are the same string.
    const std::string path = "/" + sigv4_uri_encode(_config.bucket, false) + "/" + sigv4_uri_encode(key, true);
    std::vector<std::pair<std::string, std::string>> sorted;
    for (const auto& [k, v] : query) sorted.emplace_back(sigv4_uri_encode(k, false), sigv4_uri_encode(v, false));
    std::sort(sorted.begin(), sorted.end());
    std::string qs;
    for (const auto& [k, v] : sorted) qs += (qs.empty() ? "" : "&") + k + "=" + v;

    sigv4_request sr;
    sr.method = method;
    sr.canonical_uri = path;
    sr.query = query;
    sr.payload_sha256 = sha256_hex(data ? data : "", len);
    const std::string amz_date = amz_date_from_unix(static_cast<long long>(std::time(nullptr)));
    sr.headers = {{"host", host_of(_config.endpoint)},
                  {"x-amz-content-sha256", sr.payload_sha256},
                  {"x-amz-date", amz_date}};
    if (!_config.session_token.empty()) sr.headers.emplace_back("x-amz-security-token", _config.session_token);
    const sigv4_result sig = sigv4_sign(sr, {_config.access_key, _config.secret_key, _config.session_token},
                                        amz_date, _config.region, "s3");

    curl_slist* hdrs = nullptr;
    for (const auto& [k, v] : sr.headers)
        if (k != "host") hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
    hdrs = curl_slist_append(hdrs, ("Authorization: " + sig.authorization).c_str());
    hdrs = curl_slist_append(hdrs, "Expect:");  // no 100-continue round trip
    hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");

    const std::string url = _config.endpoint + path + (qs.empty() ? "" : "?" + qs);
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(_config.connect_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(_config.request_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp);
    if (method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (method == "PUT" || method == "POST") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(len));
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, data ? static_cast<const char*>(data) : "");
    } else if (method != "GET") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        resp.status = 0;
        resp.error = std::string(curl_easy_strerror(rc)) + " (" + url + ")";
    } else {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp.status);
        // S3 can answer 200 with an <Error> body (CompleteMultipartUpload): not a success.
        // An object's own bytes (GET) may say anything.
        if (resp.ok() && method != "GET" && resp.body.find("<Error>") != std::string::npos) {
            resp.error = xml_value(resp.body, "Code") + ": " + xml_value(resp.body, "Message");
            resp.status = 500;
        } else if (!resp.ok()) {
            resp.error = "HTTP " + std::to_string(resp.status) + " " + xml_value(resp.body, "Code") + " " +
                         xml_value(resp.body, "Message") + " (" + method + " " + url + ")";
        }
    }
    curl_slist_free_all(hdrs);
    return resp;
}

namespace {

std::string xml_unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    static constexpr std::pair<std::string_view, char> entities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool replaced = false;
        for (const auto& [entity, c] : entities)
            if (s.substr(i, entity.size()) == entity) {
                out += c;
                i += entity.size() - 1;
                replaced = true;
                break;
            }
        if (!replaced) out += s[i];
    }
    return out;
}

// The <Contents> entries of one ListObjectsV2 page.
void parse_list_page(const std::string& body, std::vector<s3_object>& out) {
    for (std::size_t at = body.find("<Contents>"); at != std::string::npos; at = body.find("<Contents>", at + 1)) {
        const std::size_t end = body.find("</Contents>", at);
        if (end == std::string::npos) return;
        const std::string entry = body.substr(at, end - at);
        const std::string size = xml_value(entry, "Size");
        out.push_back({xml_unescape(xml_value(entry, "Key")), size.empty() ? 0 : std::stoull(size)});
    }
}

}  // namespace

bool s3_client::list_objects(const std::string& prefix, std::vector<s3_object>& out, std::string& error) {
    std::string token;
    for (int page = 0; page < 100000; ++page) {
        std::vector<std::pair<std::string, std::string>> query = {{"list-type", "2"}, {"prefix", prefix}};
        if (!token.empty()) query.emplace_back("continuation-token", token);
        const s3_response resp = request("GET", "", query, nullptr, 0);
        if (!resp.ok()) {
            error = "list " + prefix + ": " + resp.error;
            return false;
        }
        try {
            parse_list_page(resp.body, out);
        } catch (const std::exception&) {
            error = "list " + prefix + ": an entry's <Size> is not a number";
            return false;
        }
        if (xml_value(resp.body, "IsTruncated") != "true") return true;
        token = xml_unescape(xml_value(resp.body, "NextContinuationToken"));
        if (token.empty()) {
            error = "list " + prefix + ": truncated answer without a continuation token";
            return false;
        }
    }
    error = "list " + prefix + ": too many pages";
    return false;
}

std::string s3_client::create_multipart(const std::string& key, s3_response& resp) {
    resp = request("POST", key, {{"uploads", ""}}, nullptr, 0);
    if (!resp.ok()) return "";
    std::string id = xml_value(resp.body, "UploadId");
    if (id.empty()) resp.error = "CreateMultipartUpload answer holds no UploadId";
    return id;
}

s3_response s3_client::upload_part(const std::string& key, const std::string& upload_id, int part, const void* data,
                                   std::size_t len) {
    return request("PUT", key, {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}}, data, len);
}

s3_response s3_client::complete_multipart(const std::string& key, const std::string& upload_id,
                                          const std::vector<std::string>& etags) {
    std::string xml = "<CompleteMultipartUpload>";
    for (std::size_t i = 0; i < etags.size(); ++i)
        xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag></Part>";
    xml += "</CompleteMultipartUpload>";
    return request("POST", key, {{"uploadId", upload_id}}, xml.data(), xml.size());
}

s3_response s3_client::abort_multipart(const std::string& key, const std::string& upload_id) {
    return request("DELETE", key, {{"uploadId", upload_id}}, nullptr, 0);
}

}  // namespace txscreen
