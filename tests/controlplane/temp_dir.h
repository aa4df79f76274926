// A fresh directory under /tmp for one test, removed with everything in it when the
// test ends, also when an assertion ends it early (shared by the spool and Kafka tests).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace txscreen::test {

struct temp_dir {
    std::string path;
    explicit temp_dir(const std::string& prefix = "txscreen-test") {
        std::string t = "/tmp/" + prefix + "-XXXXXX";
        if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp " + t + " failed");
        path = t;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

}  // namespace txscreen::test
