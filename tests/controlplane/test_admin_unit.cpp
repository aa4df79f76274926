// Unit tests for the admin server's pure helpers: log masking of card keys, the bearer
// token comparison, and the Prometheus text writer backends use for /metrics.
#include <catch2/catch.hpp>

#include <string>

#include "common/latency_histogram.h"
#include "controlplane/admin_metrics.h"
#include "controlplane/admin_server.h"

using namespace txscreen;

TEST_CASE("admin_mask_target hides card keys and long digit runs", "[admin][unit]") {
    CHECK(admin_mask_target("/api/v1/velocity/card/4111111111111111") == "/api/v1/velocity/card/****1111");
    CHECK(admin_mask_target("/api/v1/velocity/card/00112233445566778899aabbccddeeff") ==
          "/api/v1/velocity/card/****eeff");
    CHECK(admin_mask_target("/api/v1/velocity/card/12?x=5500000000000004") ==
          "/api/v1/velocity/card/****?x=****0004");
    CHECK(admin_mask_target("/api/v1/velocity/card/") == "/api/v1/velocity/card/****");
    CHECK(admin_mask_target("/x/4111111111111111/y") == "/x/****1111/y");
    CHECK(admin_mask_target("/api/v1/stats?since=12345678901") == "/api/v1/stats?since=12345678901");
    CHECK(admin_mask_target("/metrics") == "/metrics");
}

TEST_CASE("admin_token_equal accepts only the exact token", "[admin][unit]") {
    CHECK(admin_token_equal("secret-token-123456", "secret-token-123456"));
    CHECK_FALSE(admin_token_equal("secret-token-12345", "secret-token-123456"));
    CHECK_FALSE(admin_token_equal("secret-token-1234567", "secret-token-123456"));
    CHECK_FALSE(admin_token_equal("Secret-token-123456", "secret-token-123456"));
    CHECK_FALSE(admin_token_equal("", "secret-token-123456"));
}

TEST_CASE("prometheus_text writes families, escaped labels, histograms and summaries", "[admin][unit]") {
    std::string out;
    prometheus_text p(out);
    p.family("txscreen_rejects_total", "counter", "Rejected messages\nby reason");
    p.sample("txscreen_rejects_total", {{"reason", "bad \"bitmap\"\\x\n"}}, uint64_t{12});
    p.sample("txscreen_up", {}, 1.5);
    CHECK(out ==
          "# HELP txscreen_rejects_total Rejected messages\\nby reason\n"
          "# TYPE txscreen_rejects_total counter\n"
          "txscreen_rejects_total{reason=\"bad \\\"bitmap\\\"\\\\x\\n\"} 12\n"
          "txscreen_up 1.5\n");

    out.clear();
    const double le[] = {0.001, 0.01};
    const uint64_t cum[] = {3, 7};
    p.histogram("lat_seconds", {{"lcore", "2"}}, le, cum, 0.25, 9);
    CHECK(out ==
          "lat_seconds_bucket{lcore=\"2\",le=\"0.001\"} 3\n"
          "lat_seconds_bucket{lcore=\"2\",le=\"0.01\"} 7\n"
          "lat_seconds_bucket{lcore=\"2\",le=\"+Inf\"} 9\n"
          "lat_seconds_sum{lcore=\"2\"} 0.25\n"
          "lat_seconds_count{lcore=\"2\"} 9\n");

    out.clear();
    latency_histogram h;
    for (int i = 0; i < 100; ++i) h.record(1000);  // 1 us
    p.latency_summary("lat", {}, h);
    CHECK(out.find("lat{quantile=\"0.5\"} 1e-06\n") != std::string::npos);
    CHECK(out.find("lat{quantile=\"0.999\"} 1e-06\n") != std::string::npos);
    CHECK(out.find("lat_count 100\n") != std::string::npos);
}
