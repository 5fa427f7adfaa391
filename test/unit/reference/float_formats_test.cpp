//===- float_formats_test.cpp - Tests for bf16/f16 conversions ------------===//
#include "runtime/reference/float_formats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace tern::ref;

TEST(FloatFormats, F16KnownValues) {
  EXPECT_EQ(f32ToF16(1.0f), 0x3c00);
  EXPECT_EQ(f32ToF16(-2.0f), 0xc000);
  EXPECT_EQ(f32ToF16(65504.0f), 0x7bff);
  EXPECT_EQ(f32ToF16(65520.0f), 0x7c00); // rounds up to inf
  EXPECT_EQ(f32ToF16(0.0f), 0x0000);
  EXPECT_EQ(f32ToF16(-0.0f), 0x8000);
  EXPECT_EQ(f32ToF16(std::ldexp(1.0f, -24)), 0x0001); // smallest subnormal
  EXPECT_EQ(f32ToF16(std::ldexp(1.0f, -25)), 0x0000); // tie -> even (0)
  EXPECT_EQ(f32ToF16(std::ldexp(3.0f, -26)), 0x0001); // 0.75 ulp -> 1
  EXPECT_EQ(f32ToF16(std::ldexp(1.0f, -14)), 0x0400); // smallest normal
  // 1 + 2^-11 is a tie between 1 and 1 + 2^-10: even mantissa wins.
  EXPECT_EQ(f32ToF16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(f32ToF16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_TRUE(std::isnan(f16ToF32(f32ToF16(std::nanf("")))));
  EXPECT_EQ(f16ToF32(0x7c00), std::numeric_limits<float>::infinity());
}

TEST(FloatFormats, F16RoundTripsEveryValue) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = f16ToF32(static_cast<uint16_t>(h));
    if (std::isnan(f))
      continue;
    ASSERT_EQ(f32ToF16(f), h) << "f16 bits " << h;
  }
}

TEST(FloatFormats, F16MatchesCompilerConversion) {
  // Cross-check against the compiler's _Float16 on a sweep of floats.
  for (uint32_t u = 0; u < 0xffffffffu - 99991u; u += 99991u) {
    float f;
    std::memcpy(&f, &u, 4);
    if (std::isnan(f))
      continue;
    _Float16 h = static_cast<_Float16>(f);
    uint16_t bits;
    std::memcpy(&bits, &h, 2);
    ASSERT_EQ(f32ToF16(f), bits) << "float bits " << u;
    ASSERT_EQ(f16ToF32(bits), static_cast<float>(h));
  }
}

TEST(FloatFormats, Bf16) {
  EXPECT_EQ(f32ToBf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16ToF32(0x3f80), 1.0f);
  // 1 + 2^-8 is a tie: rounds to even (1.0); 1 + 3*2^-8 rounds up.
  EXPECT_EQ(f32ToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(f32ToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bf16ToF32(f32ToBf16(std::nanf("")))));
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = bf16ToF32(static_cast<uint16_t>(h));
    if (!std::isnan(f))
      ASSERT_EQ(f32ToBf16(f), h);
  }
  EXPECT_EQ(roundToBf16(0.1f), bf16ToF32(0x3dcd));
}
