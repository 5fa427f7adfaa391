//===- Xoshiro256.h - the project's deterministic random bits ---*- C++ -*-===//
//
// xoshiro256** (Blackman & Vigna), its state filled by splitmix64 from a
// 64-bit seed: small, portable and the same on every platform (unlike the
// std:: distributions). Used by the synthetic models (runtime/reference) and
// the sampler (runtime/engine); header-only, no dependencies.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_COMMON_XOSHIRO256_H
#define TERN_RUNTIME_COMMON_XOSHIRO256_H

#include <cstdint>

namespace tern {

class Xoshiro256 {
public:
  explicit Xoshiro256(uint64_t seed) {
    for (uint64_t &s : s_) {
      seed += 0x9E3779B97F4A7C15ull; // splitmix64
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      s = z ^ (z >> 31);
    }
  }
  /// The next 64 random bits.
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

} // namespace tern

#endif
