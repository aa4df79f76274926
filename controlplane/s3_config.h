// The uploader's settings ([s3] in the config file; docs/spool.md, "Upload"). One
// struct with its defaults, its reader, its validator (the only range check of these
// fields: s3_uploader::start() runs it too) and its explain() line. No endpoint = no
// upload: the spool directory is the lake.
#pragma once

#include <cstdint>
#include <string>

namespace txscreen {

class config_errors;
class toml_section;
struct explanation;

struct s3_config {
    std::string endpoint;   // "http://127.0.0.1:4568", "https://s3.eu-west-1.amazonaws.com"; "" = no upload
    std::string region;     // "" = $AWS_REGION / $AWS_DEFAULT_REGION, else us-east-1
    std::string bucket;
    std::string prefix;     // key prefix ("lake/txscreen/"); keys are prefix + spool-relative path
    // Credentials: literal, "env:NAME", or "" for AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
    // and AWS_SESSION_TOKEN (optional); s3_config_from_env() resolves them.
    std::string access_key;
    std::string secret_key;
    std::string session_token;
    uint64_t multipart_threshold = 64ull << 20; // files at least this big go multipart
    uint64_t part_size = 16ull << 20;           // multipart part size (S3 minimum 5 MiB)
    uint32_t connect_timeout_ms = 5000;
    uint32_t request_timeout_ms = 120000;
    uint32_t retry_base_ms = 200;               // first backoff after a failure, doubled per retry...
    uint32_t retry_max_ms = 30000;              // ...up to this
    bool verify_head = false;                   // HEAD each object after upload, compare the size
};

// Resolves what the config leaves to the environment: "env:NAME" credentials from their
// variable (left as they are when it is not set: validate() names it), empty ones from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, and the region from
// AWS_REGION (AWS_DEFAULT_REGION), else us-east-1.
void s3_config_from_env(s3_config& c);

void read_s3_section(const toml_section& s, s3_config& c);
// Every field against its range, keys "s3.<key>" as the config file names them; with
// an endpoint, the bucket and credentials (set, or their variables set) too.
void validate(const s3_config& c, config_errors& errors);
// "" when `c` can upload (or has no endpoint), else its first problem naming the key.
std::string validate_s3_config(const s3_config& c);
void explain(const s3_config& c, explanation& out);

}  // namespace txscreen
