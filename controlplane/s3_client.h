// A minimal S3 client on libcurl + SigV4 (s3_sigv4.h): PUT, GET, HEAD, DELETE, LIST
// (ListObjectsV2) and the multipart calls, path-style URLs (<endpoint>/<bucket>/<key>) so it works with AWS S3,
// MinIO, Ceph RGW and s3rver alike. Every request carries x-amz-content-sha256 of its
// body, so the server checks the bytes it stored against what we hashed.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/s3_config.h"
#include "controlplane/s3_sigv4.h"

namespace txscreen {

// s3_config, s3_config_from_env() and validate_s3_config(): controlplane/s3_config.h.

struct s3_response {
    long status = 0;          // HTTP status; 0 when the request did not complete
    std::string error;        // curl's error text when status is 0
    std::string body;
    std::string etag;         // ETag response header, quotes kept
    long long content_length = -1;
    bool ok() const noexcept { return status >= 200 && status < 300; }
};

struct s3_object {
    std::string key;
    uint64_t size = 0;
};

class s3_client {
public:
    explicit s3_client(s3_config config);
    ~s3_client();
    s3_client(const s3_client&) = delete;
    s3_client& operator=(const s3_client&) = delete;

    // One signed request for object `key` (unencoded) with `query` (decoded pairs) and
    // body data[0..len). Returns the response (status 0 and error on transport failure).
    s3_response request(const std::string& method, const std::string& key,
                        const std::vector<std::pair<std::string, std::string>>& query, const void* data,
                        std::size_t len);

    s3_response put_object(const std::string& key, const void* data, std::size_t len) {
        return request("PUT", key, {}, data, len);
    }
    s3_response head_object(const std::string& key) { return request("HEAD", key, {}, nullptr, 0); }
    s3_response get_object(const std::string& key) { return request("GET", key, {}, nullptr, 0); }
    // Every object under `prefix` (ListObjectsV2, all pages), appended to `out`. False
    // with `error` saying which request failed.
    bool list_objects(const std::string& prefix, std::vector<s3_object>& out, std::string& error);

    // Multipart: returns the UploadId ("" on failure, `resp` says why).
    std::string create_multipart(const std::string& key, s3_response& resp);
    s3_response upload_part(const std::string& key, const std::string& upload_id, int part, const void* data,
                            std::size_t len);
    // parts: ETags in part order (1-based numbering).
    s3_response complete_multipart(const std::string& key, const std::string& upload_id,
                                   const std::vector<std::string>& etags);
    s3_response abort_multipart(const std::string& key, const std::string& upload_id);

    const s3_config& config() const noexcept { return _config; }

private:
    s3_config _config;
    void* _curl = nullptr;  // CURL*, reused so connections are kept alive
};

}  // namespace txscreen
