//===- float_formats.cpp - bf16 / f16 <-> f32 conversions -----------------===//
#include "runtime/reference/float_formats.h"

#include <cstring>

namespace tern {
namespace ref {

static uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
static float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float bf16ToF32(uint16_t h) { return floatOf(static_cast<uint32_t>(h) << 16); }

uint16_t f32ToBf16(float f) {
  uint32_t u = bitsOf(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) // NaN: keep sign, force quiet bit
    return static_cast<uint16_t>((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u); // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}

float f16ToF32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) // inf / NaN
    return floatOf(sign | 0x7f800000u | (mant << 13));
  if (exp != 0)
    return floatOf(sign | ((exp + 112u) << 23) | (mant << 13));
  if (mant == 0)
    return floatOf(sign);
  // Subnormal: value = mant * 2^-24, exact in float.
  int e = 113; // biased exponent of 2^-14
  while ((mant & 0x400u) == 0) {
    mant <<= 1;
    --e;
  }
  mant &= 0x3ffu;
  return floatOf(sign | (static_cast<uint32_t>(e) << 23) | (mant << 13));
}

uint16_t f32ToF16(float f) {
  const uint32_t u = bitsOf(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) // NaN
    return static_cast<uint16_t>(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
  if (a >= 0x477ff000u) // rounds to >= 65520: overflow to inf
    return static_cast<uint16_t>(sign | 0x7c00u);
  if (a < 0x38800000u) {
    // Result is subnormal (or zero) in f16: value / 2^-24, rounded to even.
    if (a < 0x33000000u) // < 2^-25: rounds to zero
      return sign;
    const uint32_t exp = a >> 23;
    const uint32_t mant = (a & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exp; // 14..24 for exp in [102, 112]
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1u)))
      ++q;
    return static_cast<uint16_t>(sign | q);
  }
  // Normal: rebias exponent (127 -> 15) and round the mantissa to 10 bits.
  uint32_t v = a - (112u << 23);
  v += 0xfffu + ((v >> 13) & 1u);
  return static_cast<uint16_t>(sign | (v >> 13));
}

} // namespace ref
} // namespace tern
