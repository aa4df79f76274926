// The bounded reader every operator-named file goes through (config, rules, patterns,
// dialects, TLS PEMs): regular files within the limit are read whole; devices, FIFOs,
// sockets, directories and oversized files are refused at once with the reason.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "common/bounded_file.h"

using namespace txscreen;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case, removed at the end.
struct temp_dir {
    fs::path path;
    temp_dir() {
        static int n = 0;
        path = fs::temp_directory_path() /
               ("txscreen-bounded-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string file(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
        return (path / name).string();
    }
    std::string name(const std::string& n) const { return (path / n).string(); }
};

}  // namespace

TEST_CASE("bounded reader: a regular file is read whole, byte for byte", "[unit][common]") {
    temp_dir d;
    std::string text = "a = 1\n";
    text += std::string(200000, 'x');  // several read() calls
    text.push_back('\0');              // binary-safe
    text += "end";
    input_file r = read_input_file(d.file("t.toml", text), input_kind::config);
    INFO(r.problem);
    REQUIRE(r.ok());
    CHECK(r.text == text);
    input_file empty = read_input_file(d.file("empty.toml", ""), input_kind::config);
    CHECK(empty.ok());
    CHECK(empty.text.empty());
}

TEST_CASE("bounded reader: devices, directories, FIFOs and sockets are refused at once", "[unit][common]") {
    temp_dir d;
    const auto started = std::chrono::steady_clock::now();

    input_file zero = read_input_file("/dev/zero", input_kind::rules);
    CHECK(zero.problem == "not a regular file (character device)");
    CHECK(zero.text.empty());
    CHECK(read_input_file("/dev/null", input_kind::config).problem == "not a regular file (character device)");
    CHECK(read_input_file(d.path.string(), input_kind::config).problem == "is a directory");

    // A FIFO with no writer: open() for reading would block forever.
    const std::string fifo = d.name("fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(read_input_file(fifo, input_kind::patterns).problem == "not a regular file (FIFO)");
    CHECK(check_input_file(fifo, input_kind::patterns) == "not a regular file (FIFO)");

    const std::string sock = d.name("s");
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    REQUIRE(sock.size() < sizeof a.sun_path);
    sock.copy(a.sun_path, sock.size());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    CHECK(read_input_file(sock, input_kind::dialect).problem == "not a regular file (socket)");
    ::close(fd);

    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
}

TEST_CASE("bounded reader: missing and unreadable files say so", "[unit][common]") {
    temp_dir d;
    CHECK(read_input_file(d.name("none.toml"), input_kind::config).problem == "no such file");
    CHECK(read_input_file("", input_kind::config).problem == "no such file");
    CHECK(check_input_file(d.name("none.toml"), input_kind::config) == "no such file");
    const std::string under_file = d.file("plain", "x") + "/child.toml";
    CHECK(read_input_file(under_file, input_kind::config).problem == "cannot open: Not a directory");
    if (::geteuid() != 0) {  // root reads anything
        const std::string locked = d.file("locked.toml", "a = 1\n");
        fs::permissions(locked, fs::perms::none);
        CHECK(read_input_file(locked, input_kind::config).problem == "cannot open: Permission denied");
    }
}

TEST_CASE("bounded reader: the size limit holds at the byte, sparse or not", "[unit][common]") {
    temp_dir d;
    const std::string f = d.file("hundred", std::string(100, 'r'));
    CHECK(read_bounded_file(f, 100, "rules file").ok());
    CHECK(read_bounded_file(f, 100, "rules file").text.size() == 100);
    CHECK(read_bounded_file(f, 99, "rules file").problem == "larger than the 99 bytes limit for a rules file (100 bytes)");
    CHECK(check_bounded_file(f, 99, "rules file") == "larger than the 99 bytes limit for a rules file (100 bytes)");

    // One byte over the default 16 MiB, sparse: refused from its size, nothing read.
    CHECK(input_limit(input_kind::config) == 16u << 20);
    const std::string big = d.name("big.toml");
    std::ofstream(big).close();
    fs::resize_file(big, (16u << 20) + 1);
    CHECK(read_input_file(big, input_kind::config).problem ==
          "larger than the 16 MiB limit for a config file (16777217 bytes)");
    CHECK(read_input_file(big, input_kind::patterns).problem ==
          "larger than the 16 MiB limit for a pattern file (16777217 bytes)");
    // Exactly at the limit is accepted.
    fs::resize_file(big, 16u << 20);
    input_file at = read_input_file(big, input_kind::rules);
    CHECK(at.ok());
    CHECK(at.text.size() == 16u << 20);
}

TEST_CASE("bounded reader: a file whose size lies (/proc) is still read bounded", "[unit][common]") {
    // /proc files are regular and report size 0; the read itself stops past the limit.
    input_file whole = read_bounded_file("/proc/self/status", 1u << 20, "config file");
    INFO(whole.problem);
    REQUIRE(whole.ok());
    CHECK(whole.text.find("Pid:") != std::string::npos);
    input_file bounded = read_bounded_file("/proc/self/status", 16, "config file");
    CHECK(bounded.problem == "larger than the 16 bytes limit for a config file (more than 16 bytes)");
    CHECK(bounded.text.empty());
}

TEST_CASE("bounded reader: symlinks are followed to what they name", "[unit][common]") {
    temp_dir d;
    const std::string target = d.file("rules-v7.toml", "[[rule]]\n");
    fs::create_symlink(target, d.name("rules.toml"));
    input_file r = read_input_file(d.name("rules.toml"), input_kind::rules);
    CHECK(r.ok());
    CHECK(r.text == "[[rule]]\n");
    fs::create_symlink("/dev/zero", d.name("zero.toml"));
    CHECK(read_input_file(d.name("zero.toml"), input_kind::rules).problem == "not a regular file (character device)");
    fs::create_symlink(d.name("gone"), d.name("dangling.toml"));
    CHECK(read_input_file(d.name("dangling.toml"), input_kind::rules).problem == "no such file");
    fs::create_symlink(d.path, d.name("dir.toml"));
    CHECK(read_input_file(d.name("dir.toml"), input_kind::rules).problem == "is a directory");
}
