// AES-128-CMAC (NIST SP 800-38B, RFC 4493) for short messages in bursts: the PAN
// tokenizer's MAC. The 11 round keys and the subkeys K1/K2 are derived once from the
// key; a MAC then costs one AES encryption per 16-byte block and no allocation.
//
// mac_burst() runs up to 8 independent CBC chains round by round with AES-NI: one
// chain alone waits on the latency of every aesenc, 8 keep the AES units busy. Without
// AES-NI (or with TXSCREEN_NO_AES_NI set in the environment when the object is built)
// every MAC goes through OpenSSL's EVP_MAC "CMAC": same results, slower, and each MAC
// then allocates an OpenSSL context.
//
// An aes_cmac_128 is immutable after construction and may be shared by all threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <openssl/types.h>

namespace txscreen {

class aes_cmac_128 {
public:
    static constexpr std::size_t key_bytes = 16;
    static constexpr std::size_t mac_bytes = 16;
    // Longest message mac_burst() interleaves; longer ones are MACed alone with mac().
    static constexpr std::size_t burst_max_len = 64;

    // key: exactly 16 raw bytes. Throws std::invalid_argument naming the size it got,
    // std::runtime_error when OpenSSL cannot set up the fallback.
    explicit aes_cmac_128(std::string_view key);
    aes_cmac_128(const aes_cmac_128& other);
    aes_cmac_128& operator=(const aes_cmac_128& other);
    ~aes_cmac_128();  // wipes the key schedule

    // out = CMAC(key, msg[0..len)), any len (msg may be null when len is 0). Reads no
    // byte outside msg[0..len).
    void mac(const uint8_t* msg, std::size_t len, uint8_t out[mac_bytes]) const noexcept;

    // out = CMAC(key, head[0..head_len) || tail[0..tail_len)) without joining the two
    // (a domain prefix before an id of any length). Slower than mac(): for the rare
    // message too long for a burst.
    void mac_parts(const uint8_t* head, std::size_t head_len, const uint8_t* tail, std::size_t tail_len,
                   uint8_t out[mac_bytes]) const noexcept;

    // outs[i] = CMAC(key, msgs[i][0..lens[i])) for i < n. Messages of up to
    // burst_max_len bytes are interleaved (any mix of lengths); longer ones fall back
    // to mac(). No out may overlap any message of the same call.
    void mac_burst(const uint8_t* const* msgs, const std::size_t* lens, std::size_t n,
                   uint8_t* const* outs) const noexcept;

    // True when MACs are computed with the CPU's AES instructions (else OpenSSL).
    bool uses_aes_ni() const noexcept { return _aes_ni; }

private:
    void mac_openssl(const uint8_t* msg, std::size_t len, uint8_t out[mac_bytes]) const noexcept;

    alignas(16) uint8_t _round_keys[11][16];  // AES-128 encryption schedule (AES-NI path)
    alignas(16) uint8_t _k1[16];               // subkey for a complete final block
    alignas(16) uint8_t _k2[16];               // subkey for a padded final block
    EVP_MAC_CTX* _fallback = nullptr;          // keyed CMAC context, only without AES-NI
    bool _aes_ni = false;
};

}  // namespace txscreen
