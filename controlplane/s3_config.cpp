#include "controlplane/s3_config.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "config/config_explain.h"
#include "config/toml_section.h"

namespace txscreen {

namespace {

constexpr int_range range_part_bytes{5LL << 20, 5LL << 30};  // S3's part size limits
constexpr int_range range_multipart_threshold{5LL << 20, 5LL << 40};
constexpr int_range range_connect_timeout_ms{100, 300'000};
constexpr int_range range_request_timeout_ms{1000, 3'600'000};
constexpr int_range range_retry_ms{1, 3'600'000};

void from_env(std::string& value, const char* variable) {
    if (value.empty()) {
        const char* v = std::getenv(variable);
        value = v ? v : "";
    } else {
        resolve_secret(value, value);
    }
}

// Credentials must be there at start-up, not at the first upload an hour later.
void validate_endpoint(const s3_config& c, config_errors& e) {
    if (c.endpoint.rfind("http://", 0) != 0 && c.endpoint.rfind("https://", 0) != 0)
        e.fail("s3.endpoint", "\"" + c.endpoint + "\" must start with http:// or https://");
    check_not_empty(e, "s3.bucket", c.bucket, "the bucket the spool files go to (required with s3.endpoint)");
    for (auto [key, spec, fallback] :
         {std::tuple<const char*, const std::string*, const char*>{"s3.access_key", &c.access_key, "AWS_ACCESS_KEY_ID"},
          {"s3.secret_key", &c.secret_key, "AWS_SECRET_ACCESS_KEY"}}) {
        if (!spec->empty()) check_secret(e, key, *spec);
        else if (const char* v = std::getenv(fallback); !v || !*v)
            e.fail(key, std::string("missing: give the key, \"env:NAME\", or set ") + fallback);
    }
    if (!c.session_token.empty()) check_secret(e, "s3.session_token", c.session_token);
}

}  // namespace

void s3_config_from_env(s3_config& c) {
    from_env(c.access_key, "AWS_ACCESS_KEY_ID");
    from_env(c.secret_key, "AWS_SECRET_ACCESS_KEY");
    from_env(c.session_token, "AWS_SESSION_TOKEN");
    if (c.region.empty()) from_env(c.region, "AWS_REGION");
    if (c.region.empty()) from_env(c.region, "AWS_DEFAULT_REGION");
    if (c.region.empty()) c.region = "us-east-1";
}

void read_s3_section(const toml_section& s, s3_config& c) {
    s.only_keys({"endpoint", "region", "bucket", "prefix", "access_key", "secret_key", "session_token",
                 "multipart_threshold", "part_size", "connect_timeout", "request_timeout", "retry_base", "retry_max",
                 "verify_head"});
    s.get_string("endpoint", c.endpoint);
    s.get_string("region", c.region);
    s.get_string("bucket", c.bucket);
    s.get_string("prefix", c.prefix);
    s.get_string("access_key", c.access_key);
    s.get_string("secret_key", c.secret_key);
    s.get_string("session_token", c.session_token);
    s.get_size("multipart_threshold", c.multipart_threshold, range_multipart_threshold);
    s.get_size("part_size", c.part_size, range_part_bytes);
    s.get_duration("connect_timeout", c.connect_timeout_ms, range_connect_timeout_ms);
    s.get_duration("request_timeout", c.request_timeout_ms, range_request_timeout_ms);
    s.get_duration("retry_base", c.retry_base_ms, range_retry_ms);
    s.get_duration("retry_max", c.retry_max_ms, range_retry_ms);
    s.get_bool("verify_head", c.verify_head);
}

void validate(const s3_config& c, config_errors& e) {
    if (!c.endpoint.empty()) validate_endpoint(c, e);
    if (!c.prefix.empty() && c.prefix[0] == '/') e.fail("s3.prefix", "\"" + c.prefix + "\" must not start with '/'");
    const auto part = static_cast<int64_t>(std::min<uint64_t>(c.part_size, INT64_MAX));
    const auto threshold = static_cast<int64_t>(std::min<uint64_t>(c.multipart_threshold, INT64_MAX));
    check_size(e, "s3.part_size", part, range_part_bytes);
    check_size(e, "s3.multipart_threshold", threshold, range_multipart_threshold);
    if (threshold < part && e.clean("s3.part_size"))
        e.fail("s3.multipart_threshold",
               "must be at least s3.part_size (" + format_size(part) + "), got " + format_size(threshold));
    check_duration(e, "s3.connect_timeout", c.connect_timeout_ms, range_connect_timeout_ms);
    check_duration(e, "s3.request_timeout", c.request_timeout_ms, range_request_timeout_ms);
    check_duration(e, "s3.retry_base", c.retry_base_ms, range_retry_ms);
    check_duration(e, "s3.retry_max", c.retry_max_ms, range_retry_ms);
    if (c.retry_max_ms < c.retry_base_ms && e.clean("s3.retry_base"))
        e.fail("s3.retry_max", "must be at least s3.retry_base (" + format_duration(c.retry_base_ms) + "), got " +
                                   format_duration(c.retry_max_ms));
}

std::string validate_s3_config(const s3_config& c) {
    config_errors e;
    validate(c, e);
    return e.first();
}

void explain(const s3_config& c, explanation& out) {
    if (c.endpoint.empty()) {
        out.lines << "  s3: none (the spool directory is the lake)\n";
        return;
    }
    out.lines << "  s3: " << c.endpoint << " bucket " << c.bucket << " prefix \"" << c.prefix << "\" region "
              << (c.region.empty() ? "from $AWS_REGION" : c.region) << ", access key "
              << (c.access_key.empty() ? "from $AWS_ACCESS_KEY_ID" : mask_secret(c.access_key)) << ", multipart above "
              << format_size(static_cast<int64_t>(c.multipart_threshold)) << "\n";
}

}  // namespace txscreen
