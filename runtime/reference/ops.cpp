//===- ops.cpp - Scalar float32 reference ops for BitNet b1.58 ------------===//

#include "runtime/reference/ops.h"

#include <cmath>
#include <vector>

namespace tern {
namespace ref {

int32_t ternaryDot(const int8_t *w, const int8_t *q, int K) {
  int32_t acc = 0;
  for (int k = 0; k < K; ++k)
    acc += static_cast<int32_t>(w[k]) * static_cast<int32_t>(q[k]);
  return acc;
}

void bitlinear(const int8_t *q, const float *s, const int8_t *W,
               float w_scale, ScaleMode mode, int T, int K, int N, float *y,
               int32_t *acc_out) {
  for (int t = 0; t < T; ++t) {
    const int8_t *qt = q + static_cast<size_t>(t) * K;
    for (int n = 0; n < N; ++n) {
      const int32_t acc = ternaryDot(W + static_cast<size_t>(n) * K, qt, K);
      if (acc_out)
        acc_out[static_cast<size_t>(t) * N + n] = acc;
      float out;
      if (mode == ScaleMode::Multiply)
        out = static_cast<float>(acc) / s[t] * w_scale;
      else
        out = static_cast<float>(acc) / (s[t] * w_scale);
      y[static_cast<size_t>(t) * N + n] = out;
    }
  }
}

void rmsNorm(const float *x, const float *w, int n, float eps, float *y) {
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) {
    const float sq = x[i] * x[i];
    sum += sq;
  }
  const float ms = sum / static_cast<float>(n);
  const float r = 1.0f / std::sqrt(ms + eps);
  for (int i = 0; i < n; ++i) {
    const float xr = x[i] * r;
    y[i] = w[i] * xr;
  }
}

float ropeInvFreq(int head_dim, int i, float theta, const float *freq_factors) {
  const float inv = 1.0f / std::pow(theta, static_cast<float>(2 * i) /
                                               static_cast<float>(head_dim));
  return freq_factors ? inv / freq_factors[i] : inv;
}

void ropeCosSin(int head_dim, int pos, int i, float theta, float *c, float *s,
                const float *freq_factors) {
  const float inv = ropeInvFreq(head_dim, i, theta, freq_factors);
  const float a = static_cast<float>(pos) * inv;
  *c = std::cos(a);
  *s = std::sin(a);
}

void rope(float *x, int n_heads, int head_dim, int pos, float theta,
          const float *freq_factors) {
  const int half = head_dim / 2;
  for (int i = 0; i < half; ++i) {
    float c, s;
    ropeCosSin(head_dim, pos, i, theta, &c, &s, freq_factors);
    for (int h = 0; h < n_heads; ++h) {
      float *xh = x + static_cast<size_t>(h) * head_dim;
      const float x1 = xh[i];
      const float x2 = xh[i + half];
      const float x1c = x1 * c, x2s = x2 * s;
      const float x2c = x2 * c, x1s = x1 * s;
      xh[i] = x1c - x2s;
      xh[i + half] = x2c + x1s;
    }
  }
}

float relu2(float x) {
  const float r = x > 0.0f ? x : 0.0f;
  return r * r;
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

void attention(const float *q, const float *k_cache, const float *v_cache,
               int heads, int kv_heads, int head_dim, int pos, float *out) {
  const int group = heads / kv_heads;
  const size_t kv_dim = static_cast<size_t>(kv_heads) * head_dim;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  std::vector<float> p(static_cast<size_t>(pos) + 1);
  for (int h = 0; h < heads; ++h) {
    const float *qh = q + static_cast<size_t>(h) * head_dim;
    const size_t kvOff = static_cast<size_t>(h / group) * head_dim;
    // Scores.
    float maxScore = -INFINITY;
    for (int j = 0; j <= pos; ++j) {
      const float *kj = k_cache + j * kv_dim + kvOff;
      float dot = 0.0f;
      for (int d = 0; d < head_dim; ++d) {
        const float prod = qh[d] * kj[d];
        dot += prod;
      }
      p[j] = dot * scale;
      if (p[j] > maxScore)
        maxScore = p[j];
    }
    // Softmax with the max subtracted.
    float denom = 0.0f;
    for (int j = 0; j <= pos; ++j) {
      p[j] = std::exp(p[j] - maxScore);
      denom += p[j];
    }
    for (int j = 0; j <= pos; ++j)
      p[j] = p[j] / denom;
    // Weighted sum of values.
    float *oh = out + static_cast<size_t>(h) * head_dim;
    for (int d = 0; d < head_dim; ++d)
      oh[d] = 0.0f;
    for (int j = 0; j <= pos; ++j) {
      const float *vj = v_cache + j * kv_dim + kvOff;
      for (int d = 0; d < head_dim; ++d) {
        const float prod = p[j] * vj[d];
        oh[d] += prod;
      }
    }
  }
}

void matmulTransposed(const float *x, const float *W, int T, int K, int N,
                      float *y) {
  for (int t = 0; t < T; ++t) {
    const float *xt = x + static_cast<size_t>(t) * K;
    for (int n = 0; n < N; ++n) {
      const float *wn = W + static_cast<size_t>(n) * K;
      float acc = 0.0f;
      for (int k = 0; k < K; ++k) {
        const float prod = xt[k] * wn[k];
        acc += prod;
      }
      y[static_cast<size_t>(t) * N + n] = acc;
    }
  }
}

} // namespace ref
} // namespace tern
