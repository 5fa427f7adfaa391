//===- synthetic_model.cpp - Deterministic random BitNet weights ----------===//

#include "runtime/reference/synthetic_model.h"
#include "runtime/reference/float_formats.h"

#include <cmath>

namespace tern {
namespace ref {

//===----------------------------------------------------------------------===//
// Rng
//===----------------------------------------------------------------------===//

Rng::Rng(uint64_t seed) : bits_(seed) {}

uint64_t Rng::next() { return bits_.next(); }

float Rng::uniform() {
  // Top 24 bits -> an integer in [0, 2^24), exactly representable as float;
  // the multiplication by 2^-24 is exact as well.
  const uint32_t bits = static_cast<uint32_t>(next() >> 40);
  return static_cast<float>(bits) * (1.0f / 16777216.0f);
}

float Rng::uniform(float lo, float hi) {
  const float span = hi - lo;
  const float offset = span * uniform();
  return lo + offset;
}

uint32_t Rng::below(uint32_t n) {
  // Multiply-shift range reduction on 32 random bits.
  const uint64_t r = next() >> 32;
  return static_cast<uint32_t>((r * n) >> 32);
}

void Rng::fillTernary(int8_t *out, size_t n) {
  static const int8_t kValue[4] = {-1, 0, 0, 1};
  for (size_t i = 0; i < n; i += 32) {
    uint64_t bits = next();
    const size_t m = n - i < 32 ? n - i : 32;
    for (size_t j = 0; j < m; ++j, bits >>= 2)
      out[i + j] = kValue[bits & 3];
  }
}

int8_t Rng::ternary() {
  switch (next() >> 62) {
  case 0:
    return -1;
  case 3:
    return 1;
  default:
    return 0;
  }
}

//===----------------------------------------------------------------------===//
// Synthetic weights
//===----------------------------------------------------------------------===//

// Norm weights: U[lo, hi) rounded to bfloat16 (exact in f16 and f32 too).
static std::vector<float> uniformVector(Rng &rng, size_t n, float lo,
                                        float hi) {
  std::vector<float> v(n);
  for (float &x : v)
    x = roundToBf16(rng.uniform(lo, hi));
  return v;
}

// Embedding values: k / 4096 for an integer k in [-204, 204] (|x| < 0.05).
// At most 8 significant bits and no f16 subnormals, so bf16, f16 and f32
// files all store them exactly.
static std::vector<float> embeddingTable(Rng &rng, size_t n) {
  std::vector<float> v(n);
  for (float &x : v)
    x = static_cast<float>(static_cast<int>(rng.below(409)) - 204) / 4096.0f;
  return v;
}

static TernaryMatrix ternaryMatrix(Rng &rng, int rows, int cols, float gain) {
  TernaryMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.mode = ScaleMode::Multiply;
  m.w.resize(static_cast<size_t>(rows) * cols);
  rng.fillTernary(m.w.data(), m.w.size());
  // About half the weights are nonzero, so acc/s ~ sqrt(cols/2) * rms(x);
  // sqrt(2/cols) brings the output back to the scale of the input.
  const float base = std::sqrt(2.0f / static_cast<float>(cols));
  const float jitter = rng.uniform(0.8f, 1.2f);
  const float scaled = base * jitter;
  // bf16 like the HF checkpoint's weight_scale; also exact as the f16 d of
  // GGUF TQ1_0/TQ2_0 blocks and the f32 scale of I2_S.
  m.scale = roundToBf16(scaled * gain);
  return m;
}

// The divide-mode scale of m: the power of two nearest 1 / scale, so that
// acc / (s * ws) and the multiply form acc / s * (1 / ws) that GGUF files
// store are the same float (both exact scalings by a power of two).
static void toDivide(TernaryMatrix &m) {
  m.mode = ScaleMode::Divide;
  m.scale = std::ldexp(1.0f, -static_cast<int>(std::lround(std::log2(m.scale))));
}

ModelWeights makeSyntheticWeights(const ModelConfig &c, uint64_t seed,
                                  float out_gain) {
  ModelWeights w;
  if (!validate(c, nullptr))
    return w; // empty: checkWeights / ReferenceModel report the problem
  Rng rng(seed);
  const size_t table = static_cast<size_t>(c.vocab) * c.hidden;
  w.embedding = embeddingTable(rng, table);
  const int qDim = c.heads * c.head_dim;
  const int kvDim = c.kv_heads * c.head_dim;
  w.layers.resize(static_cast<size_t>(c.layers));
  for (LayerWeights &L : w.layers) {
    L.input_norm = uniformVector(rng, c.hidden, 0.8f, 1.2f);
    L.post_attn_norm = uniformVector(rng, c.hidden, 0.8f, 1.2f);
    L.attn_sub_norm = uniformVector(rng, qDim, 0.8f, 1.2f);
    L.ffn_sub_norm = uniformVector(rng, c.ffn, 0.8f, 1.2f);
    L.q = ternaryMatrix(rng, qDim, c.hidden, kSyntheticQKGain);
    L.k = ternaryMatrix(rng, kvDim, c.hidden, kSyntheticQKGain);
    L.v = ternaryMatrix(rng, kvDim, c.hidden, 1.0f);
    L.o = ternaryMatrix(rng, c.hidden, qDim, out_gain);
    L.gate = ternaryMatrix(rng, c.ffn, c.hidden, 1.0f);
    L.up = ternaryMatrix(rng, c.ffn, c.hidden, 1.0f);
    L.down = ternaryMatrix(rng, c.hidden, c.ffn, out_gain);
    // The family's variants change no draw: a model's other tensors are
    // the same whatever its sub-norms and scale mode.
    if (!c.sub_norms) {
      L.attn_sub_norm.clear();
      L.ffn_sub_norm.clear();
    }
    if (c.scale_mode == ScaleMode::Divide)
      for (TernaryMatrix *m : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down})
        toDivide(*m);
  }
  w.final_norm = uniformVector(rng, c.hidden, 0.8f, 1.2f);
  if (!c.tied_embeddings)
    w.lm_head = embeddingTable(rng, table);
  return w;
}

} // namespace ref
} // namespace tern
