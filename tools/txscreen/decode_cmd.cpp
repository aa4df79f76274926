// txscreen decode: shows how a feed's dialect and map read messages, for someone bringing
// up a link. Every field as the dialect reads it (iso_describe), then the Txn the decoder
// makes of the message, or the reject with its field and offset. Masked like everything
// txscreen prints: a PAN shows as BIN and last 4, track and PIN data as a byte count.
#include <pcap/pcap.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "codec/framing.h"
#include "codec/iso8583.h"
#include "codec/iso_wire.h"
#include "common/pan_token.h"
#include "common/txn.h"
#include "controlplane/appliance/appliance.h"
#include "controlplane/appliance/appliance_config.h"
#include "controlplane/appliance/appliance_plan.h"
#include "tools/cli_app.h"
#include "tools/txgen/feed_writer.h"
#include "tools/txgen/time_text.h"
#include "tools/txscreen/commands.h"

namespace txscreen {

namespace {

struct decode_options {
    std::string dialect, hex, pcap, config, feed, framing_name = "moldudp64", reference_time;
    std::string tokenizer;  // "": the config's, else the default
    bool json = false;
};

// What decoding needs, from --dialect or from the config's feed.
struct decode_setup {
    std::shared_ptr<const iso_wire> wire;
    std::optional<pan_tokenizer> tokenizer;
    framing frame = framing::moldudp64;
    uint16_t port_a = 0, port_b = 0;  // UDP ports the feed listens on; 0: any
    int64_t reference_ms = 0;         // 0: each packet's time (pcap) or now (hex)
};

// ---- output

std::string hex_of(const uint8_t* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += std::string{digits[p[i] >> 4], digits[p[i] & 15]};
    return s;
}

std::string_view channel_text(channel c) {
    switch (c) {
        case channel::pos: return "pos";
        case channel::ecom: return "ecom";
        case channel::atm: return "atm";
        case channel::unknown: break;
    }
    return "unknown";
}

nlohmann::ordered_json txn_json(const Txn& t) {
    nlohmann::ordered_json j;
    j["mti"] = t.mti;
    j["pan"] = t.pan_len ? masked_pan(t) : "";  // BIN and last 4, never the clear PAN
    j["card_bin"] = t.card_bin;
    j["card_last4"] = t.card_last4;
    j["pan_len"] = t.pan_len;
    bool any_token = false;
    for (uint8_t b : t.card_token) any_token |= b != 0;
    j["card_token"] = any_token ? token_hex(t.card_token) : "";
    j["event_time"] = txgen::format_rfc3339_ms(t.event_time_ms);
    j["amount_minor"] = t.amount_minor;
    j["currency"] = t.currency;
    j["currency_exponent"] = t.currency_exponent;
    j["mcc"] = t.mcc;
    j["channel"] = channel_text(t.chan);
    j["expiry_yymm"] = t.expiry_yymm;
    j["local_date"] = t.local_date;
    j["local_time"] = t.local_time;
    for (const auto& [name, value] : std::initializer_list<std::pair<const char*, std::string_view>>{
             {"stan", t.stan}, {"rrn", t.rrn}, {"auth_code", t.auth_code}, {"response_code", t.response_code},
             {"processing_code", t.processing_code}, {"pos_entry_mode", t.pos_entry_mode},
             {"pos_condition", t.pos_condition}, {"acquirer_id", t.acquirer_id.view()},
             {"terminal_id", t.terminal_id.view()}, {"merchant_id", t.merchant_id.view()},
             {"merchant_name", t.merchant_name.view()}, {"city", t.city.view()}, {"region", t.region.view()},
             {"country", t.country}, {"device_id", t.device_id.view()}, {"ip", t.ip.view()},
             {"email", t.email.view()}, {"account_id", t.account_id.view()}})
        j[name] = std::string(value);
    if (t.has_coords()) j["lat"] = t.lat, j["lon"] = t.lon;
    j["pans_masked"] = t.pans_masked;
    return j;
}

nlohmann::ordered_json fields_json(const std::vector<iso_field_view>& fields) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const iso_field_view& f : fields) {
        nlohmann::ordered_json j{{"field", f.field}, {"name", f.name}, {"offset", f.offset}, {"wire_bytes", f.wire_bytes},
                         {"value", f.value}};
        if (!f.subs.empty()) {
            j["subs"] = nlohmann::ordered_json::array();
            for (const auto& [id, value] : f.subs) j["subs"].push_back({{"id", id}, {"value", value}});
        }
        list.push_back(std::move(j));
    }
    return list;
}

// One decoded message, as text or as one JSON line.
struct message_report {
    std::string where;  // "hex", "packet 3 message 2 (seq 17)"
    std::size_t bytes = 0;
    std::vector<iso_field_view> fields;
    reject_reason described = reject_reason::none, decoded = reject_reason::none;
    iso_reject_detail detail;
    std::string around;  // hex of the bytes from a reject's offset, within the bitmaps at most
    bool withheld = false;  // bytes there that `around` does not show
    Txn txn{};
};

void print_json(const message_report& m) {
    nlohmann::ordered_json j{{"where", m.where}, {"bytes", m.bytes}, {"fields", fields_json(m.fields)}};
    if (m.decoded == reject_reason::none) {
        j["txn"] = txn_json(m.txn);
    } else {
        j["reject"] = {{"reason", std::string(reject_name(m.decoded))},
                       {"field", m.detail.field},
                       {"offset", m.detail.offset},
                       {"bytes_around", m.around}};
    }
    std::printf("%s\n", j.dump().c_str());
}

void print_text(const message_report& m) {
    std::printf("message %s: %zu bytes\n", m.where.c_str(), m.bytes);
    std::printf("  %5s  %-40s %6s %5s  %s\n", "field", "name", "offset", "bytes", "value");
    for (const iso_field_view& f : m.fields) {
        const std::string id = f.field == 0 ? "MTI" : f.field == 1 ? "map" : std::to_string(f.field);
        std::printf("  %5s  %-40s %6u %5u  %s\n", id.c_str(), f.name.c_str(), f.offset, f.wire_bytes, f.value.c_str());
        for (const auto& [sub, value] : f.subs)
            std::printf("  %5s    %-38s %6s %5s  %s\n", "", sub.c_str(), "", "", value.c_str());
    }
    if (m.decoded != reject_reason::none) {
        std::printf("  reject: %s at field %u, offset %u\n", std::string(reject_name(m.decoded)).c_str(), m.detail.field,
                    m.detail.offset);
        if (!m.around.empty()) std::printf("  bytes from offset %u: %s\n", m.detail.offset, m.around.c_str());
        else if (m.withheld) std::printf("  bytes from offset %u: not shown (past the bitmaps they may hold card data)\n",
                                         m.detail.offset);
        return;
    }
    std::printf("  Txn:\n");
    const nlohmann::ordered_json txn = txn_json(m.txn);
    for (const auto& [key, value] : txn.items())
        std::printf("    %-18s %s\n", key.c_str(),
                    value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
}

// ---- decoding

// Where the bytes a reject may show end: never into card data. Only a reject in the
// header, MTI or bitmaps shows bytes, and only up to the end of the bitmaps: past them
// lies field 2 or, when the walk stopped early, bytes nobody has read (a PAN in the
// wire's own encoding, as digits, BCD nibbles or EBCDIC, is as clear as the digits).
// A reject at a field shows its field and offset; its value is in the table above.
std::size_t shown_bytes_end(const iso_wire& w, const message_report& m) {
    if (m.detail.field > 1) return 0;
    for (const iso_field_view& f : m.fields)
        if (f.field == 1) return std::size_t{f.offset} + f.wire_bytes;  // read whole: both bitmaps
    return std::size_t{w.dialect.header_bytes} + w.mti_bytes + w.bitmap_bytes;  // the primary at most
}

void decode_one(const decode_setup& s, const uint8_t* msg, std::size_t len, std::string where, int64_t time_ms,
                bool json) {
    message_report m;
    m.where = std::move(where);
    m.bytes = len;
    iso_reject_detail described_at;
    m.described = iso_describe(*s.wire, msg, len, m.fields, &described_at);
    const iso_decode_context ctx{&*s.tokenizer, s.wire.get(), s.reference_ms ? s.reference_ms : time_ms};
    m.decoded = decode_iso8583(msg, len, ctx, m.txn, &m.detail);
    if (m.decoded != reject_reason::none && m.described != reject_reason::none) m.detail = described_at;
    if (m.decoded != reject_reason::none) {
        const std::size_t from = std::min<std::size_t>(m.detail.offset, len);
        const std::size_t to = std::min({from + 16, len, std::max(from, shown_bytes_end(*s.wire, m))});
        m.around = hex_of(msg + from, to - from);
        m.withheld = to == from && from < len;
    }
    json ? print_json(m) : print_text(m);
}

// Hex digits with optional spaces, colons and a 0x; false on anything else.
bool parse_hex(std::string_view text, std::vector<uint8_t>& out, std::string& why) {
    if (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X") text.remove_prefix(2);
    std::string digits;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == ':' || c == '\n' || c == '\t') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
            why = "--hex: '" + std::string(1, c) + "' at position " + std::to_string(i + 1) + " is not a hex digit";
            return false;
        }
        digits.push_back(c);
    }
    if (digits.empty() || digits.size() % 2) {
        why = digits.empty() ? "--hex: no bytes given" : "--hex: an odd number of hex digits (" +
                                                             std::to_string(digits.size()) + ")";
        return false;
    }
    for (std::size_t i = 0; i < digits.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
    return true;
}

// The UDP payload of an Ethernet frame (802.1Q tags skipped, IPv4 or IPv6), or null.
const uint8_t* udp_payload(const uint8_t* p, std::size_t n, std::size_t& len, uint16_t& dst_port) {
    auto be16 = [](const uint8_t* q) { return static_cast<uint16_t>(q[0] << 8 | q[1]); };
    std::size_t off = 12;
    while (off + 2 <= n && (be16(p + off) == 0x8100 || be16(p + off) == 0x88a8)) off += 4;
    if (off + 2 > n) return nullptr;
    const uint16_t type = be16(p + off);
    off += 2;
    std::size_t udp;
    if (type == 0x0800 && off + 20 <= n && p[off + 9] == 17) udp = off + (p[off] & 15u) * 4;
    else if (type == 0x86dd && off + 40 <= n && p[off + 6] == 17) udp = off + 40;
    else return nullptr;
    if (udp + 8 > n) return nullptr;
    dst_port = be16(p + udp + 2);
    const std::size_t udp_len = be16(p + udp + 4);
    if (udp_len < 8 || udp + udp_len > n) return nullptr;
    len = udp_len - 8;
    return p + udp + 8;
}

int decode_pcap(const decode_setup& s, const std::string& path, bool json) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* pc = pcap_open_offline(path.c_str(), err);
    if (!pc) {
        std::fprintf(stderr, "txscreen decode: %s: %s\n", path.c_str(), err);
        return 1;
    }
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> closer(pc, pcap_close);
    if (pcap_datalink(pc) != DLT_EN10MB) {
        std::fprintf(stderr, "txscreen decode: %s: not an Ethernet capture\n", path.c_str());
        return 1;
    }
    pcap_pkthdr* hdr;
    const u_char* data;
    uint64_t packet = 0, messages = 0;
    while (pcap_next_ex(pc, &hdr, &data) == 1) {
        ++packet;
        std::size_t len;
        uint16_t port;
        const uint8_t* pay = udp_payload(data, hdr->caplen, len, port);
        if (!pay || (s.port_a && port != s.port_a && port != s.port_b)) continue;
        const int64_t ms = int64_t{hdr->ts.tv_sec} * 1000 + hdr->ts.tv_usec / 1000;
        auto one = [&](uint64_t seq, const uint8_t* msg, std::size_t n) {
            std::string where = "packet " + std::to_string(packet) + " message " + std::to_string(++messages);
            if (seq) where += " (seq " + std::to_string(seq) + ")";
            decode_one(s, msg, n, std::move(where), ms, json);
        };
        reject_reason r;
        if (s.frame == framing::moldudp64) {
            mold_header h;
            r = parse_mold_header(pay, len, h);
            if (r == reject_reason::none) r = for_each_mold_message(pay, len, h, one);
        } else {
            r = for_each_raw_message(pay, len, payload_format::iso8583, one);
        }
        if (r != reject_reason::none)
            std::fprintf(stderr, "txscreen decode: packet %llu: framing: %s\n", static_cast<unsigned long long>(packet),
                         std::string(reject_name(r)).c_str());
    }
    if (!json) std::printf("%llu message(s) in %llu packet(s)\n", static_cast<unsigned long long>(messages),
                           static_cast<unsigned long long>(packet));
    return 0;
}

// --tokenizer when given, else `configured`.
token_method tokenizer_of(const decode_options& o, token_method configured) {
    if (o.tokenizer.empty()) return configured;
    return token_method_named(o.tokenizer);
}

// The feed --feed names, or the only ISO 8583 feed; null with a message in `why`.
const dp_feed_config* pick_feed(const dp_config& dp, const std::string& name, std::string& why) {
    const dp_feed_config* found = nullptr;
    std::string names;
    for (const dp_feed_config& f : dp.feeds) {
        names += (names.empty() ? "" : ", ") + f.name;
        if (!name.empty() ? f.name == name : f.format == payload_format::iso8583) {
            if (found && name.empty()) {
                why = "the config has several ISO 8583 feeds; pick one with --feed (" + names + ", ...)";
                return nullptr;
            }
            found = &f;
        }
    }
    if (!found) {
        why = name.empty() ? "the config has no ISO 8583 feed" : "no feed named '" + name + "' (feeds: " + names + ")";
    } else if (found->format != payload_format::iso8583) {
        why = "feed '" + name + "' carries JSON, not ISO 8583";
        found = nullptr;
    }
    return found;
}

std::string setup_from_config(const decode_options& o, decode_setup& s) {
    const config_result r = load_config_file(o.config);
    if (!r.ok()) {
        std::string all;
        for (const auto& e : r.errors) all += (all.empty() ? "" : "\n") + e;
        return all;
    }
    std::string why;
    const dp_feed_config* f = pick_feed(r.config.dataplane, o.feed, why);
    if (!f) return o.config + ": " + why;
    if (!f->wire) return o.config + ": feed '" + f->name + "' has no compiled dialect";
    if (f->transport == feed_transport::tcp && !o.pcap.empty())
        return "feed '" + f->name + "' is a TCP feed; --pcap reads UDP feeds (give one message with --hex)";
    s.wire = f->wire;
    s.frame = f->frame;
    s.port_a = f->udp_port, s.port_b = f->udp_port_b;
    try {
        s.tokenizer.emplace(pan_tokenizer::from_config(tokenization_key(r.config.dataplane.tokenization_key),
                                                       tokenizer_of(o, r.config.dataplane.tokenizer)));
    } catch (const std::exception& e) {
        return o.config + ": " + e.what();
    }
    return {};
}

std::string setup(const decode_options& o, decode_setup& s) {
    if (o.hex.empty() == o.pcap.empty()) return "give exactly one of --hex STRING and --pcap FILE";
    if (o.config.empty() == o.dialect.empty()) return "give --dialect D or --config FILE (the feed's dialect and map)";
    if (!o.feed.empty() && o.config.empty()) return "--feed picks a feed of --config";
    if (!o.reference_time.empty() && !txgen::parse_rfc3339_ms(o.reference_time, s.reference_ms))
        return "--reference-time must be an RFC 3339 time such as 2026-11-01T00:00:00Z, got '" + o.reference_time + "'";
    if (!o.config.empty()) return setup_from_config(o, s);
    std::string errors;
    s.wire = txgen::load_wire(o.dialect, std::filesystem::current_path(), errors);
    if (!s.wire) return errors;
    s.frame = o.framing_name == "raw" ? framing::raw : framing::moldudp64;
    try {
        s.tokenizer.emplace(pan_tokenizer::from_config(tokenization_key({}), tokenizer_of(o, dp_config{}.tokenizer)));
    } catch (const std::exception& e) {
        return e.what();   // a $TXSCREEN_TOKEN_KEY of the wrong size
    }
    return {};
}

int run_decode(const decode_options& o) {
    decode_setup s;
    std::string why;
    try {
        why = setup(o, s);
    } catch (const std::exception& e) {
        why = e.what();  // a tokenization key that does not parse
    }
    if (!why.empty()) {
        std::fprintf(stderr, "txscreen decode: %s\n", why.c_str());
        return cli::exit_usage;
    }
    if (!o.pcap.empty()) return decode_pcap(s, o.pcap, o.json);
    std::vector<uint8_t> msg;
    if (!parse_hex(o.hex, msg, why)) {
        std::fprintf(stderr, "txscreen decode: %s\n", why.c_str());
        return cli::exit_usage;
    }
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    decode_one(s, msg.data(), msg.size(), "hex", now, o.json);
    return 0;
}

}  // namespace

command add_decode_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("decode", "show how a dialect and map read ISO 8583 messages");
    cmd->footer(
        "Prints every field of each message as the dialect reads it (number, name, offset,\n"
        "wire bytes, value; sub-fields indented), then the Txn the decoder makes of it, or\n"
        "the reject with its field and offset. PANs show as BIN and last 4, track, PIN and\n"
        "ICC data as a byte count. The token uses the config's tokenization key, else\n"
        "$TXSCREEN_TOKEN_KEY, else the demo key, and --tokenizer, else the config's\n"
        "tokenizer, else aes-cmac (the appliance's [tokenization] tokenizer).\n"
        "--pcap reads UDP datagrams (Ethernet, IPv4 or IPv6) in the feed's framing; with\n"
        "--config only those to the feed's ports.");
    auto o = std::make_shared<decode_options>();
    cmd->add_option("--dialect", o->dialect, "a built-in dialect (binary, hex, bcd, ebcdic, iso93-ascii) or a "
                                             "dialect file (.toml, .xml), with its standard's default map")
        ->type_name("D");
    cmd->add_option("--config", o->config, "take the dialect and [feed.map] of a feed in this config")->type_name("FILE");
    cmd->add_option("--feed", o->feed, "the feed of --config (default: its only ISO 8583 feed)")->type_name("NAME");
    cmd->add_option("--hex", o->hex, "one message (no length prefix) as hex digits; spaces allowed")->type_name("STRING");
    cmd->add_option("--pcap", o->pcap, "a capture of the feed's UDP datagrams")->type_name("FILE");
    cmd->add_option("--tokenizer", o->tokenizer, "aes-cmac or hmac-sha256: as the appliance's [tokenization] "
                                                 "tokenizer (default: the config's, else aes-cmac)")
        ->type_name("NAME")->check(CLI::IsMember({"aes-cmac", "hmac-sha256"}));
    cmd->add_option("--framing", o->framing_name, "--pcap without --config: moldudp64 or raw")
        ->type_name("F")->check(CLI::IsMember({"moldudp64", "raw"}))->capture_default_str();
    cmd->add_option("--reference-time", o->reference_time,
                    "field 7 has no year: the one closest to this RFC 3339 time (default: the packet's "
                    "capture time, or now for --hex)")
        ->type_name("TIME");
    cmd->add_flag("--json", o->json, "one JSON object per message");
    return {cmd, [o] { return run_decode(*o); }};
}

}  // namespace txscreen
