//===- ops_test.cpp - Tests for the scalar reference ops ------------------===//

#include "runtime/reference/ops.h"

#include "runtime/reference/synthetic_model.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

using namespace tern::ref;

static std::vector<float> randomFloats(Rng &rng, size_t n, float lo = -1.0f,
                                       float hi = 1.0f) {
  std::vector<float> v(n);
  for (float &x : v)
    x = rng.uniform(lo, hi);
  return v;
}

TEST(TernaryDot, HandExample) {
  const int8_t w[] = {1, -1, 0, 1, -1};
  const int8_t q[] = {100, 27, -128, -5, 127};
  // 100 - 27 + 0 - 5 - 127 = -59
  EXPECT_EQ(ternaryDot(w, q, 5), -59);
}

TEST(TernaryDot, MatchesBruteForceForOddLengths) {
  Rng rng(3);
  for (int K : {1, 2, 3, 4, 17, 64, 257, 1000}) {
    for (int rep = 0; rep < 5; ++rep) {
      std::vector<int8_t> w(K), q(K);
      for (int k = 0; k < K; ++k) {
        w[k] = rng.ternary();
        q[k] = static_cast<int8_t>(static_cast<int>(rng.below(256)) - 128);
      }
      long long expected = 0;
      for (int k = 0; k < K; ++k)
        expected += static_cast<long long>(w[k]) * q[k];
      EXPECT_EQ(ternaryDot(w.data(), q.data(), K), expected) << "K = " << K;
    }
  }
  // Extreme values: all -1 times all -128.
  std::vector<int8_t> w(257, -1), q(257, -128);
  EXPECT_EQ(ternaryDot(w.data(), q.data(), 257), 257 * 128);
}

TEST(Bitlinear, BothScaleModesHandNumbers) {
  // T = 2 tokens, K = 3, N = 2.
  const int8_t q[] = {1, 2, 3, /**/ -4, 0, 8};
  const float s[] = {2.0f, 4.0f};
  const int8_t W[] = {1, 0, -1, /**/ 1, 1, 1};
  // acc = [[1-3, 1+2+3], [-4-8, -4+8]] = [[-2, 6], [-12, 4]]
  float y[4];
  int32_t acc[4];
  bitlinear(q, s, W, 0.5f, ScaleMode::Multiply, 2, 3, 2, y, acc);
  EXPECT_EQ(acc[0], -2);
  EXPECT_EQ(acc[1], 6);
  EXPECT_EQ(acc[2], -12);
  EXPECT_EQ(acc[3], 4);
  // Multiply: acc / s * w_scale
  EXPECT_EQ(y[0], -0.5f);
  EXPECT_EQ(y[1], 1.5f);
  EXPECT_EQ(y[2], -1.5f);
  EXPECT_EQ(y[3], 0.5f);
  // Divide: acc / (s * w_scale)
  bitlinear(q, s, W, 0.5f, ScaleMode::Divide, 2, 3, 2, y, nullptr);
  EXPECT_EQ(y[0], -2.0f);
  EXPECT_EQ(y[1], 6.0f);
  EXPECT_EQ(y[2], -6.0f);
  EXPECT_EQ(y[3], 2.0f);
}

TEST(Bitlinear, ExactExpressionOrder) {
  // The documented expression orders are bit-exact contracts. For acc = 1,
  // s = 0.1, w_scale = 0.63 every other evaluation order rounds differently,
  // so this test pins the exact one.
  const int8_t q[] = {1};
  const int8_t W[] = {1};
  const float s = 0.1f, ws = 0.63f;
  volatile float acc = 1.0f; // volatile: keep each rounding step separate
  volatile float accDivS = acc / s;
  volatile float sTimesW = s * ws;
  volatile float accTimesW = acc * ws;
  volatile float wDivS = ws / s;
  const float multiply = accDivS * ws;
  const float divide = acc / sTimesW;
  // The alternatives really differ (otherwise this test would be vacuous).
  ASSERT_NE(multiply, accTimesW / s);
  ASSERT_NE(multiply, acc * wDivS);
  ASSERT_NE(divide, accDivS / ws);

  float y;
  bitlinear(q, &s, W, ws, ScaleMode::Multiply, 1, 1, 1, &y, nullptr);
  EXPECT_EQ(y, multiply);
  bitlinear(q, &s, W, ws, ScaleMode::Divide, 1, 1, 1, &y, nullptr);
  EXPECT_EQ(y, divide);
}

TEST(RmsNorm, HandExample) {
  // x = [3, 4]: ms = (9 + 16) / 2 = 12.5, r = 1/sqrt(12.5) = 0.28284271
  // y = [1 * 3r, 2 * 4r] = [0.84852814, 2.26274170]
  const float x[] = {3.0f, 4.0f};
  const float w[] = {1.0f, 2.0f};
  float y[2];
  rmsNorm(x, w, 2, 0.0f, y);
  EXPECT_FLOAT_EQ(y[0], 0.84852814f);
  EXPECT_FLOAT_EQ(y[1], 2.26274170f);
  // With eps: r = 1/sqrt(12.5 + 0.5) = 1/sqrt(13)
  rmsNorm(x, w, 2, 0.5f, y);
  EXPECT_FLOAT_EQ(y[0], 3.0f / std::sqrt(13.0f));
  EXPECT_FLOAT_EQ(y[1], 8.0f / std::sqrt(13.0f));
}

TEST(RmsNorm, InPlaceAndAgainstDouble) {
  Rng rng(5);
  const int n = 100;
  std::vector<float> x = randomFloats(rng, n, -3.0f, 3.0f);
  std::vector<float> w = randomFloats(rng, n, 0.5f, 1.5f);
  double ss = 0;
  for (float v : x)
    ss += static_cast<double>(v) * v;
  const double r = 1.0 / std::sqrt(ss / n + 1e-5);
  std::vector<float> y(n);
  rmsNorm(x.data(), w.data(), n, 1e-5f, y.data());
  for (int i = 0; i < n; ++i)
    EXPECT_NEAR(y[i], w[i] * x[i] * r, 1e-5 * std::fabs(w[i] * x[i] * r) + 1e-7);
  rmsNorm(x.data(), w.data(), n, 1e-5f, x.data()); // aliasing is allowed
  EXPECT_EQ(x, y);
}

TEST(Rope, PositionZeroIsIdentity) {
  Rng rng(9);
  std::vector<float> x = randomFloats(rng, 3 * 8);
  std::vector<float> y = x;
  rope(y.data(), 3, 8, 0, 500000.0f);
  EXPECT_EQ(x, y);
}

TEST(Rope, HandComputedRotation) {
  // head_dim 4, theta 10000, pos 1: pair (0, 2) rotates by angle
  // 1 / 10000^0 = 1, pair (1, 3) by angle 1 / 10000^(2/4) = 0.01.
  float x[8] = {1, 2, 3, 4, /* head 1 */ -1, 0.5f, 2, -3};
  rope(x, 2, 4, 1, 10000.0f);
  const double c0 = std::cos(1.0), s0 = std::sin(1.0);
  const double c1 = std::cos(0.01), s1 = std::sin(0.01);
  EXPECT_NEAR(x[0], 1 * c0 - 3 * s0, 1e-6);
  EXPECT_NEAR(x[2], 3 * c0 + 1 * s0, 1e-6);
  EXPECT_NEAR(x[1], 2 * c1 - 4 * s1, 1e-6);
  EXPECT_NEAR(x[3], 4 * c1 + 2 * s1, 1e-6);
  EXPECT_NEAR(x[4], -1 * c0 - 2 * s0, 1e-6);
  EXPECT_NEAR(x[6], 2 * c0 + -1 * s0, 1e-6);
  EXPECT_NEAR(x[5], 0.5 * c1 - -3 * s1, 1e-6);
  EXPECT_NEAR(x[7], -3 * c1 + 0.5 * s1, 1e-6);
}

TEST(Rope, LargePositionPreservesPairNorms) {
  Rng rng(10);
  const int hd = 16;
  std::vector<float> x = randomFloats(rng, 2 * hd);
  std::vector<float> y = x;
  rope(y.data(), 2, hd, 3000, 500000.0f);
  for (int h = 0; h < 2; ++h)
    for (int i = 0; i < hd / 2; ++i) {
      const float *a = &x[h * hd], *b = &y[h * hd];
      float before = a[i] * a[i] + a[i + hd / 2] * a[i + hd / 2];
      float after = b[i] * b[i] + b[i + hd / 2] * b[i + hd / 2];
      EXPECT_NEAR(after, before, 1e-5f);
    }
  EXPECT_NE(x, y);
}

TEST(Relu2, Values) {
  EXPECT_EQ(relu2(-3.0f), 0.0f);
  EXPECT_EQ(relu2(0.0f), 0.0f);
  EXPECT_EQ(relu2(0.5f), 0.25f);
  EXPECT_EQ(relu2(3.0f), 9.0f);
  EXPECT_EQ(relu2(-1e30f), 0.0f);
}

TEST(Attention, SinglePositionReturnsValue) {
  Rng rng(12);
  const int heads = 4, kvh = 4, hd = 8;
  std::vector<float> q = randomFloats(rng, heads * hd, -50, 50);
  std::vector<float> k = randomFloats(rng, kvh * hd);
  std::vector<float> v = randomFloats(rng, kvh * hd);
  std::vector<float> out(heads * hd);
  attention(q.data(), k.data(), v.data(), heads, kvh, hd, 0, out.data());
  EXPECT_EQ(out, v);
}

TEST(Attention, GroupedQueryHeadMapping) {
  // 4 query heads over 2 kv heads: heads 0,1 read kv head 0; 2,3 read 1.
  Rng rng(13);
  const int heads = 4, kvh = 2, hd = 4;
  std::vector<float> q = randomFloats(rng, heads * hd);
  std::vector<float> k = randomFloats(rng, kvh * hd);
  std::vector<float> v = {1, 2, 3, 4, /* kv head 1 */ 5, 6, 7, 8};
  std::vector<float> out(heads * hd);
  attention(q.data(), k.data(), v.data(), heads, kvh, hd, 0, out.data());
  const std::vector<float> expected = {1, 2, 3, 4, 1, 2, 3, 4,
                                       5, 6, 7, 8, 5, 6, 7, 8};
  EXPECT_EQ(out, expected);
}

TEST(Attention, HandComputedSoftmax) {
  // head_dim 4 -> scale 1/2. q = [2,0,0,0]: score_j = k_j[0].
  // k_0[0] = 0, k_1[0] = ln 3 -> softmax = [1/4, 3/4].
  // v_0 = [4,0,0,0], v_1 = [0,8,0,0] -> out = [1, 6, 0, 0].
  const float q[] = {2, 0, 0, 0};
  const float k[] = {0, 5, 5, 5, /* pos 1 */ std::log(3.0f), 0, 0, 0};
  const float v[] = {4, 0, 0, 0, /* pos 1 */ 0, 8, 0, 0};
  float out[4];
  attention(q, k, v, 1, 1, 4, 1, out);
  EXPECT_NEAR(out[0], 1.0f, 1e-6f);
  EXPECT_NEAR(out[1], 6.0f, 1e-6f);
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_EQ(out[3], 0.0f);
}

TEST(Attention, ManyPositionsMatchBruteForce) {
  Rng rng(14);
  const int heads = 6, kvh = 2, hd = 8, pos = 12;
  const int kvDim = kvh * hd;
  std::vector<float> q = randomFloats(rng, heads * hd, -2, 2);
  // Rows beyond pos must be ignored (causality): fill them with garbage.
  std::vector<float> k = randomFloats(rng, (pos + 4) * kvDim, -2, 2);
  std::vector<float> v = randomFloats(rng, (pos + 4) * kvDim);
  for (int i = (pos + 1) * kvDim; i < (pos + 4) * kvDim; ++i)
    k[i] = v[i] = 1e6f;
  std::vector<float> out(heads * hd);
  attention(q.data(), k.data(), v.data(), heads, kvh, hd, pos, out.data());
  for (int h = 0; h < heads; ++h) {
    const int g = h / (heads / kvh);
    std::vector<double> sc(pos + 1);
    double mx = -1e300, den = 0;
    for (int j = 0; j <= pos; ++j) {
      double d = 0;
      for (int e = 0; e < hd; ++e)
        d += static_cast<double>(q[h * hd + e]) * k[j * kvDim + g * hd + e];
      sc[j] = d / std::sqrt(static_cast<double>(hd));
      mx = std::max(mx, sc[j]);
    }
    for (double &s : sc) {
      s = std::exp(s - mx);
      den += s;
    }
    for (int e = 0; e < hd; ++e) {
      double o = 0;
      for (int j = 0; j <= pos; ++j)
        o += sc[j] / den * v[j * kvDim + g * hd + e];
      EXPECT_NEAR(out[h * hd + e], o, 1e-5) << "head " << h << " dim " << e;
    }
  }
}

TEST(MatmulTransposed, HandExample) {
  const float x[] = {1, 2, /**/ 3, 4};
  const float W[] = {1, 0, /**/ 0, 1, /**/ 1, 1};
  float y[6];
  matmulTransposed(x, W, 2, 2, 3, y);
  const float expected[] = {1, 2, 3, 3, 4, 7};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(y[i], expected[i]);
}
