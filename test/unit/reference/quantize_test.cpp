//===- quantize_test.cpp - Tests for activation / weight quantization -----===//

#include "runtime/reference/quantize.h"

#include "runtime/reference/synthetic_model.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

using namespace tern::ref;

TEST(RoundHalfEven, TiesGoToEven) {
  EXPECT_EQ(roundHalfEven(0.5f), 0.0f);
  EXPECT_EQ(roundHalfEven(1.5f), 2.0f);
  EXPECT_EQ(roundHalfEven(2.5f), 2.0f);
  EXPECT_EQ(roundHalfEven(3.5f), 4.0f);
  EXPECT_EQ(roundHalfEven(-0.5f), 0.0f);
  EXPECT_EQ(roundHalfEven(-1.5f), -2.0f);
  EXPECT_EQ(roundHalfEven(-2.5f), -2.0f);
  EXPECT_EQ(roundHalfEven(-3.5f), -4.0f);
  EXPECT_EQ(roundHalfEven(126.5f), 126.0f);
  EXPECT_EQ(roundHalfEven(127.5f), 128.0f);
}

TEST(RoundHalfEven, NonTies) {
  EXPECT_EQ(roundHalfEven(2.4999998f), 2.0f);
  EXPECT_EQ(roundHalfEven(2.5000002f), 3.0f);
  EXPECT_EQ(roundHalfEven(-2.5000002f), -3.0f);
  EXPECT_EQ(roundHalfEven(0.49999997f), 0.0f);
  EXPECT_EQ(roundHalfEven(-7.2f), -7.0f);
  EXPECT_EQ(roundHalfEven(7.7f), 8.0f);
  EXPECT_EQ(roundHalfEven(8388609.0f), 8388609.0f); // 2^23 + 1: integral
  EXPECT_EQ(roundHalfEven(1e30f), 1e30f);
  EXPECT_TRUE(std::isnan(roundHalfEven(std::nanf(""))));
  EXPECT_EQ(roundHalfEven(std::numeric_limits<float>::infinity()),
            std::numeric_limits<float>::infinity());
}

TEST(QuantizeActivations, TiesRoundHalfToEven) {
  // absmax 127 -> s = 1, so x * s is x itself and ties are exact.
  const float x[] = {127.0f, 2.5f, 3.5f, -2.5f, -3.5f, 0.5f, 1.5f, -0.5f};
  int8_t q[8];
  float s = quantizeActivations(x, 8, q);
  EXPECT_EQ(s, 1.0f);
  const int8_t expected[] = {127, 2, 4, -2, -4, 0, 2, 0};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(q[i], expected[i]) << "i = " << i;
}

TEST(QuantizeActivations, HandExample) {
  // absmax 0.7: s = 127 / 0.7 = 181.428...; 0.3*s = 54.43 -> 54,
  // 0.1*s = 18.14 -> 18, -0.7*s -> -127, 0.35*s = 63.5 (not exact in float).
  const float x[] = {0.3f, -0.7f, 0.1f, 0.0f};
  int8_t q[4];
  float s = quantizeActivations(x, 4, q);
  EXPECT_EQ(s, 127.0f / 0.7f);
  EXPECT_NEAR(s, 181.428571f, 1e-3f);
  EXPECT_EQ(q[0], 54);
  EXPECT_EQ(q[1], -127);
  EXPECT_EQ(q[2], 18);
  EXPECT_EQ(q[3], 0);
}

TEST(QuantizeActivations, AllZeroRow) {
  const float x[5] = {0.0f, 0.0f, -0.0f, 0.0f, 0.0f};
  int8_t q[5] = {1, 1, 1, 1, 1};
  float s = quantizeActivations(x, 5, q);
  EXPECT_EQ(s, 127.0f / 1e-5f);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(q[i], 0);
}

TEST(QuantizeActivations, AbsmaxBelowEpsilonUsesEpsilon) {
  // max |x| = 2e-6 < 1e-5 -> s = 127 / 1e-5 = 1.27e7.
  const float x[] = {1e-6f, -2e-6f};
  int8_t q[2];
  float s = quantizeActivations(x, 2, q);
  EXPECT_EQ(s, 127.0f / 1e-5f);
  EXPECT_EQ(q[0], 13);  // 12.7
  EXPECT_EQ(q[1], -25); // -25.4
}

TEST(QuantizeActivations, HugeAndTinyValues) {
  const float x[] = {1e30f, 1e-30f, -1e-30f, -2.5e29f, 3e28f};
  int8_t q[5];
  float s = quantizeActivations(x, 5, q);
  EXPECT_EQ(s, 127.0f / 1e30f);
  EXPECT_EQ(q[0], 127);
  EXPECT_EQ(q[1], 0);
  EXPECT_EQ(q[2], 0);
  EXPECT_EQ(q[3], -32); // -31.75
  EXPECT_EQ(q[4], 4);   // 3.81
}

TEST(QuantizeActivations, LargeNegativeNeverBelowMinus128) {
  const float x[] = {-3.4e38f, 1.0f, 3.4e38f};
  int8_t q[3];
  quantizeActivations(x, 3, q);
  EXPECT_EQ(q[0], -127);
  EXPECT_EQ(q[1], 0);
  EXPECT_EQ(q[2], 127);
  const float single = -123.456f;
  int8_t q1;
  quantizeActivations(&single, 1, &q1);
  EXPECT_EQ(q1, -127);
}

TEST(QuantizeActivations, AbsmaxMapsToPlusMinus127OnRandomRows) {
  Rng rng(7);
  for (int row = 0; row < 200; ++row) {
    const int n = 1 + static_cast<int>(rng.below(64));
    std::vector<float> x(n);
    for (float &v : x)
      v = rng.uniform(-10.0f, 10.0f);
    std::vector<int8_t> q(n);
    float s = quantizeActivations(x.data(), n, q.data());
    int arg = 0;
    for (int i = 1; i < n; ++i)
      if (std::fabs(x[i]) > std::fabs(x[arg]))
        arg = i;
    EXPECT_EQ(std::abs(static_cast<int>(q[arg])), 127);
    for (int i = 0; i < n; ++i) {
      EXPECT_GE(q[i], -127);
      // Dequantization error is at most half a step.
      EXPECT_LE(std::fabs(q[i] / s - x[i]), 0.5f / s * 1.0001f);
      EXPECT_EQ(q[i] < 0, x[i] * s < -0.5f);
    }
  }
}

TEST(QuantizeWeightsAbsmean, HandExample) {
  // mean |w| = (0.5 + 1.5 + 0 + 1 + 0.25 + 0.25) / 6 = 0.583333;
  // w / m = 0.857, -2.571, 0, 1.714, 0.43, -0.43 -> 1, -1, 0, 1, 0, 0.
  const float w[] = {0.5f, -1.5f, 0.0f, 1.0f, 0.25f, -0.25f};
  int8_t t[6];
  float m = quantizeWeightsAbsmean(w, 6, t);
  EXPECT_FLOAT_EQ(m, 3.5f / 6.0f);
  const int8_t expected[] = {1, -1, 0, 1, 0, 0};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(t[i], expected[i]) << "i = " << i;
}

TEST(QuantizeWeightsAbsmean, TiesAndClamp) {
  // m = 1: 0.5 -> 0 and -0.5 -> 0 (ties to even), 1.5 -> 2 -> clamped 1.
  const float w[] = {0.5f, -0.5f, 1.5f, -1.5f};
  int8_t t[4];
  float m = quantizeWeightsAbsmean(w, 4, t);
  EXPECT_EQ(m, 1.0f);
  EXPECT_EQ(t[0], 0);
  EXPECT_EQ(t[1], 0);
  EXPECT_EQ(t[2], 1);
  EXPECT_EQ(t[3], -1);
}

TEST(QuantizeWeightsAbsmean, AllZeroUsesEpsilon) {
  const float w[3] = {0.0f, 0.0f, 0.0f};
  int8_t t[3] = {5, 5, 5};
  EXPECT_EQ(quantizeWeightsAbsmean(w, 3, t), 1e-5f);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(t[i], 0);
}
