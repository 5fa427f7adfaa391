//===- ops.h - Scalar float32 reference ops for BitNet b1.58 ----*- C++ -*-===//
//
// The building blocks of the BitNet b1.58 forward pass on row-major arrays,
// written for clarity. Generated kernels are compared against these, some
// bit-exactly, so the documented expression orders are part of the contract.
// (The library is compiled with -ffp-contract=off so no FMA is introduced.)
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_REFERENCE_OPS_H
#define TERN_RUNTIME_REFERENCE_OPS_H

#include <cstdint>

namespace tern {
namespace ref {

/// How the integer accumulator of a BitLinear is turned back into float.
enum class ScaleMode {
  /// HF AutoBitLinear (offline, the 2B4T checkpoint):
  ///   y = (float)acc / s * w_scale
  Multiply,
  /// HF (older) BitLinear.post_quant_process:
  ///   y = (float)acc / (s * w_scale)
  Divide,
};

/// sum_k w[k] * q[k] in int32 (exact).
int32_t ternaryDot(const int8_t *w, const int8_t *q, int K);

/// BitLinear on pre-quantized activations: for each token t and output n,
///   acc = ternaryDot(W[n], q[t])
///   Multiply: y[t][n] = (float)acc / s[t] * w_scale
///   Divide:   y[t][n] = (float)acc / (s[t] * w_scale)
/// q is [T][K], s is [T] (activation scales from quantizeActivations), W is
/// [N][K] ternary, y is [T][N]. acc_out (optional, may be null) receives the
/// int32 accumulators [T][N].
void bitlinear(const int8_t *q, const float *s, const int8_t *W,
               float w_scale, ScaleMode mode, int T, int K, int N, float *y,
               int32_t *acc_out);

/// RMSNorm of one vector (HF BitNetRMSNorm / LlamaRMSNorm):
///   ms = (sum_i x_i*x_i) / n      (float, index order)
///   r  = 1.0f / sqrt(ms + eps)
///   y_i = w_i * (x_i * r)
/// y may alias x.
void rmsNorm(const float *x, const float *w, int n, float eps, float *y);

/// Rotary embedding in place on one token's [n_heads][head_dim] vector,
/// NEOX / HF rotate_half style. For each head and i < d/2:
///   inv = 1.0f / pow(theta, (float)(2*i) / (float)d);  a = (float)pos * inv
///   (with freq_factors, llama.cpp's rope_freqs: inv = inv / freq_factors[i])
///   c = cos(a), s = sin(a)     (float)
///   x[i]       = x1*c - x2*s   with x1 = x[i], x2 = x[i + d/2]
///   x[i + d/2] = x2*c + x1*s
void rope(float *x, int n_heads, int head_dim, int pos, float theta,
          const float *freq_factors = nullptr);
/// The rotation of pair i at position pos that rope applies (its cos, sin).
void ropeCosSin(int head_dim, int pos, int i, float theta, float *c, float *s,
                const float *freq_factors = nullptr);
/// Pair i's inverse frequency as rope computes it.
float ropeInvFreq(int head_dim, int i, float theta, const float *freq_factors = nullptr);

/// Squared ReLU (HF ACT2FN["relu2"]): r = max(x, 0); r*r.
float relu2(float x);

/// SiLU (HF ACT2FN["silu"], torch's CPU kernel): x / (1 + exp(-x)).
float silu(float x);

/// Causal grouped-query attention of one query position `pos` over cached
/// positions 0..pos (inclusive), as in HF eager_attention_forward.
///   q:      [heads][head_dim] (already rotated)
///   k, v:   caches laid out [position][kv_heads*head_dim], >= pos+1 rows
///   out:    [heads][head_dim]
/// Query head h reads kv head h / (heads / kv_heads). Scores are
/// dot(q_h, k_j) * (1/sqrt(head_dim)); softmax in float with the max
/// subtracted; out_h = sum_j p_j * v_j (accumulated in position order).
void attention(const float *q, const float *k_cache, const float *v_cache,
               int heads, int kv_heads, int head_dim, int pos, float *out);

/// y[t][n] = sum_k x[t][k] * W[n][k] in float, k in order (x · Wᵀ; the LM
/// head). x is [T][K], W is [N][K], y is [T][N].
void matmulTransposed(const float *x, const float *W, int T, int K, int N,
                      float *y);

} // namespace ref
} // namespace tern

#endif // TERN_RUNTIME_REFERENCE_OPS_H
