// SigV4 against AWS's published examples: the SigV4 test suite ("get-vanilla",
// "post-vanilla") and the S3 developer guide's GET Object example.
#include <catch2/catch.hpp>

#include "controlplane/s3_sigv4.h"

using namespace txscreen;

namespace {
const sigv4_credentials suite_creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const std::string empty_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}  // namespace

TEST_CASE("sigv4 get-vanilla matches the AWS test suite", "[unit][s3]") {
    sigv4_request r;
    r.method = "GET";
    r.canonical_uri = "/";
    r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
    r.payload_sha256 = sha256_hex("", 0);
    CHECK(r.payload_sha256 == empty_sha);
    sigv4_result s = sigv4_sign(r, suite_creds, "20150830T123600Z", "us-east-1", "service");
    CHECK(s.canonical_request ==
          "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + empty_sha);
    CHECK(s.string_to_sign ==
          "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
          "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    CHECK(s.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    CHECK(s.authorization ==
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
          "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("sigv4 post-vanilla matches the AWS test suite", "[unit][s3]") {
    sigv4_request r;
    r.method = "POST";
    r.canonical_uri = "/";
    r.headers = {{"X-Amz-Date", "20150830T123600Z"}, {"Host", "example.amazonaws.com"}};  // any order
    r.payload_sha256 = empty_sha;
    sigv4_result s = sigv4_sign(r, suite_creds, "20150830T123600Z", "us-east-1", "service");
    CHECK(s.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST_CASE("sigv4 S3 GET Object example from the S3 documentation", "[unit][s3]") {
    sigv4_request r;
    r.method = "GET";
    r.canonical_uri = "/test.txt";
    r.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"Range", "bytes=0-9"},
                 {"x-amz-content-sha256", empty_sha},
                 {"x-amz-date", "20130524T000000Z"}};
    r.payload_sha256 = empty_sha;
    sigv4_result s = sigv4_sign(r, {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""},
                                "20130524T000000Z", "us-east-1", "s3");
    CHECK(s.signed_headers == "host;range;x-amz-content-sha256;x-amz-date");
    CHECK(s.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST_CASE("sigv4 encodes keys and sorts query parameters", "[unit][s3]") {
    CHECK(sigv4_uri_encode("table=scored/dt=2024-03-01/a b~_.-", true) == "table%3Dscored/dt%3D2024-03-01/a%20b~_.-");
    CHECK(sigv4_uri_encode("a/b", false) == "a%2Fb");
    sigv4_request r;
    r.method = "PUT";
    r.canonical_uri = "/b/k";
    r.query = {{"uploadId", "x/y+z"}, {"partNumber", "2"}};
    r.headers = {{"host", "h"}, {"x-amz-date", "20240301T000000Z"}};
    r.payload_sha256 = empty_sha;
    sigv4_result s = sigv4_sign(r, suite_creds, "20240301T000000Z", "us-east-1", "s3");
    CHECK(s.canonical_request.find("\npartNumber=2&uploadId=x%2Fy%2Bz\n") != std::string::npos);
    CHECK(amz_date_from_unix(1440938160) == "20150830T123600Z");
}
