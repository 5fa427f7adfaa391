//===- model.cpp - Scalar reference BitNet b1.58 forward pass -------------===//
//
// Mirrors transformers/models/bitnet/modeling_bitnet.py:
//   BitNetDecoderLayer: h = h + o_proj(attn_sub_norm(attn(input_norm(h))))
//                       h = h + down(ffn_sub_norm(act(gate(x)) * up(x))),
//                           x = post_attention_layernorm(h)
// with every projection an AutoBitLinear (int8 absmax activations, ternary
// weights, one scale per tensor). The config says which of its variants:
// act relu2 or silu, the two sub-norms present or not (LlamaDecoderLayer
// with transformers' BitLinear has none), each matrix's ScaleMode.
//
//===----------------------------------------------------------------------===//

#include "runtime/reference/model.h"

#include "runtime/reference/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

namespace tern {
namespace ref {

static bool fail(std::string *err, const std::string &msg) {
  if (err)
    *err = msg;
  return false;
}

//===----------------------------------------------------------------------===//
// Weight checking
//===----------------------------------------------------------------------===//

static bool checkVector(const std::string &name, const std::vector<float> &v,
                        int expected, std::string *err) {
  if (static_cast<int64_t>(v.size()) != expected)
    return fail(err, name + ": expected [" + std::to_string(expected) +
                         "], got [" + std::to_string(v.size()) + "]");
  return true;
}

static bool checkTable(const std::string &name, const std::vector<float> &v,
                       int rows, int cols, std::string *err) {
  const int64_t expected = static_cast<int64_t>(rows) * cols;
  if (static_cast<int64_t>(v.size()) != expected)
    return fail(err, name + ": expected [" + std::to_string(rows) + ", " +
                         std::to_string(cols) + "] = " +
                         std::to_string(expected) + " values, got " +
                         std::to_string(v.size()));
  return true;
}

static bool checkMatrix(const std::string &name, const TernaryMatrix &m,
                        int rows, int cols, std::string *err) {
  if (m.rows != rows || m.cols != cols)
    return fail(err, name + ": expected [" + std::to_string(rows) + ", " +
                         std::to_string(cols) + "], got [" +
                         std::to_string(m.rows) + ", " +
                         std::to_string(m.cols) + "]");
  const int64_t expected = static_cast<int64_t>(rows) * cols;
  if (static_cast<int64_t>(m.w.size()) != expected)
    return fail(err, name + ": shape [" + std::to_string(rows) + ", " +
                         std::to_string(cols) + "] needs " +
                         std::to_string(expected) + " values, got " +
                         std::to_string(m.w.size()));
  for (int64_t i = 0; i < expected; ++i) {
    const int8_t w = m.w[static_cast<size_t>(i)];
    if (w < -1 || w > 1)
      return fail(err, name + ": value " + std::to_string(w) + " at [" +
                           std::to_string(i / cols) + ", " +
                           std::to_string(i % cols) + "] is not ternary");
  }
  if (!std::isfinite(m.scale) || !(m.scale > 0.0f)) {
    std::string scaleName = name;
    const std::string suffix = ".weight";
    if (scaleName.size() > suffix.size() &&
        scaleName.compare(scaleName.size() - suffix.size(), suffix.size(),
                          suffix) == 0)
      scaleName.resize(scaleName.size() - suffix.size());
    return fail(err, scaleName + ".weight_scale: must be positive and "
                                 "finite, got " +
                         std::to_string(m.scale));
  }
  return true;
}

bool checkWeights(const ModelConfig &c, const ModelWeights &w,
                  std::string *err) {
  if (!validate(c, err))
    return false;
  if (!checkTable("model.embed_tokens.weight", w.embedding, c.vocab, c.hidden,
                  err))
    return false;
  if (!checkVector("model.norm.weight", w.final_norm, c.hidden, err))
    return false;
  if (c.tied_embeddings) {
    if (!w.lm_head.empty())
      return fail(err, "lm_head.weight: expected none (tied to "
                       "model.embed_tokens.weight), got " +
                           std::to_string(w.lm_head.size()) + " values");
  } else if (!checkTable("lm_head.weight", w.lm_head, c.vocab, c.hidden,
                         err)) {
    return false;
  }
  if (static_cast<int>(w.layers.size()) != c.layers)
    return fail(err, "model.layers: expected " + std::to_string(c.layers) +
                         " layers, got " + std::to_string(w.layers.size()));
  const int qDim = c.heads * c.head_dim;
  const int kvDim = c.kv_heads * c.head_dim;
  for (int l = 0; l < c.layers; ++l) {
    const LayerWeights &L = w.layers[l];
    const std::string p = "model.layers." + std::to_string(l) + ".";
    if (!checkVector(p + "input_layernorm.weight", L.input_norm, c.hidden,
                     err) ||
        !checkVector(p + "post_attention_layernorm.weight", L.post_attn_norm,
                     c.hidden, err) ||
        !checkVector(p + "self_attn.attn_sub_norm.weight", L.attn_sub_norm,
                     c.sub_norms ? qDim : 0, err) ||
        !checkVector(p + "mlp.ffn_sub_norm.weight", L.ffn_sub_norm,
                     c.sub_norms ? c.ffn : 0, err) ||
        !checkMatrix(p + "self_attn.q_proj.weight", L.q, qDim, c.hidden, err) ||
        !checkMatrix(p + "self_attn.k_proj.weight", L.k, kvDim, c.hidden,
                     err) ||
        !checkMatrix(p + "self_attn.v_proj.weight", L.v, kvDim, c.hidden,
                     err) ||
        !checkMatrix(p + "self_attn.o_proj.weight", L.o, c.hidden, qDim, err) ||
        !checkMatrix(p + "mlp.gate_proj.weight", L.gate, c.ffn, c.hidden,
                     err) ||
        !checkMatrix(p + "mlp.up_proj.weight", L.up, c.ffn, c.hidden, err) ||
        !checkMatrix(p + "mlp.down_proj.weight", L.down, c.hidden, c.ffn, err))
      return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// KV cache
//===----------------------------------------------------------------------===//

KVCache::KVCache(const ModelConfig &config) { init(config); }

void KVCache::init(const ModelConfig &config) {
  layers = config.layers;
  max_context = config.max_context;
  kv_dim = config.kv_heads * config.head_dim;
  const size_t perLayer = static_cast<size_t>(max_context) * kv_dim;
  k.assign(static_cast<size_t>(layers), std::vector<float>(perLayer, 0.0f));
  v.assign(static_cast<size_t>(layers), std::vector<float>(perLayer, 0.0f));
  length = 0;
}

void KVCache::reset() {
  for (auto &layer : k)
    std::fill(layer.begin(), layer.end(), 0.0f);
  for (auto &layer : v)
    std::fill(layer.begin(), layer.end(), 0.0f);
  length = 0;
}

//===----------------------------------------------------------------------===//
// Forward pass
//===----------------------------------------------------------------------===//

ReferenceModel::ReferenceModel(ModelConfig config, ModelWeights weights)
    : config_(config), weights_(std::move(weights)) {
  valid_ = checkWeights(config_, weights_, &error_);
}

// Quantizes each of the T rows of x[T][n] (one absmax scale per token).
static void quantizeRows(const float *x, int T, int n, int8_t *q, float *s) {
  for (int t = 0; t < T; ++t)
    s[t] = quantizeActivations(x + static_cast<size_t>(t) * n, n,
                               q + static_cast<size_t>(t) * n);
}

// y[T][rows] = BitLinear(m) applied to pre-quantized q[T][cols].
static void project(const TernaryMatrix &m, const int8_t *q, const float *s,
                    int T, float *y) {
  bitlinear(q, s, m.w.data(), m.scale, m.mode, T, m.cols, m.rows, y, nullptr);
}

static bool checkCache(const ModelConfig &c, const KVCache &cache,
                       std::string *err) {
  const int kvDim = c.kv_heads * c.head_dim;
  const size_t perLayer = static_cast<size_t>(c.max_context) * kvDim;
  bool ok = cache.layers == c.layers && cache.max_context == c.max_context &&
            cache.kv_dim == kvDim &&
            static_cast<int>(cache.k.size()) == c.layers &&
            static_cast<int>(cache.v.size()) == c.layers;
  for (int l = 0; ok && l < c.layers; ++l)
    ok = cache.k[l].size() == perLayer && cache.v[l].size() == perLayer;
  if (!ok)
    return fail(err, "KV cache does not match the model (expected " +
                         std::to_string(c.layers) + " layers x " +
                         std::to_string(c.max_context) + " positions x " +
                         std::to_string(kvDim) +
                         " values; create it with KVCache(config))");
  if (cache.length < 0 || cache.length > c.max_context)
    return fail(err, "KV cache length " + std::to_string(cache.length) +
                         " is outside [0, " + std::to_string(c.max_context) +
                         "]");
  return true;
}

bool ReferenceModel::forward(const int32_t *tokens, int T, KVCache &cache,
                             float *logits, std::string *err) const {
  const ModelConfig &c = config_;
  if (!valid_)
    return fail(err, "invalid model: " + error_);
  if (!checkCache(c, cache, err))
    return false;
  if (T < 0)
    return fail(err, "negative token count " + std::to_string(T));
  if (T == 0)
    return true;
  for (int t = 0; t < T; ++t)
    if (tokens[t] < 0 || tokens[t] >= c.vocab)
      return fail(err, "token id " + std::to_string(tokens[t]) +
                           " (input position " + std::to_string(t) +
                           ") is out of range [0, " + std::to_string(c.vocab) +
                           ")");
  if (static_cast<int64_t>(cache.length) + T > c.max_context)
    return fail(err, "context overflow: " + std::to_string(cache.length) +
                         " cached + " + std::to_string(T) +
                         " new tokens exceeds max_context " +
                         std::to_string(c.max_context));

  const int H = c.hidden, F = c.ffn, hd = c.head_dim;
  const int QD = c.heads * hd, KVD = c.kv_heads * hd;
  const int start = cache.length;
  const size_t rows = static_cast<size_t>(T);
  auto at = [](std::vector<float> &v, int t, int width) {
    return v.data() + static_cast<size_t>(t) * width;
  };

  // Activations, one row per token.
  std::vector<float> h(rows * H), x(rows * H), tmp(rows * H);
  std::vector<float> qv(rows * QD), kv(rows * KVD), vv(rows * KVD),
      att(rows * QD);
  std::vector<float> g(rows * F), u(rows * F);
  std::vector<int8_t> qa(rows * std::max(std::max(H, QD), F));
  std::vector<float> sa(rows);

  // h = embed_tokens[token]
  for (int t = 0; t < T; ++t)
    std::memcpy(at(h, t, H),
                weights_.embedding.data() + static_cast<size_t>(tokens[t]) * H,
                sizeof(float) * H);

  for (int l = 0; l < c.layers; ++l) {
    const LayerWeights &L = weights_.layers[l];
    float *kCache = cache.k[l].data();
    float *vCache = cache.v[l].data();

    // --- Self-attention block (BitNetAttention) ---
    for (int t = 0; t < T; ++t)
      rmsNorm(at(h, t, H), L.input_norm.data(), H, c.rms_eps, at(x, t, H));
    quantizeRows(x.data(), T, H, qa.data(), sa.data()); // shared by q, k, v
    project(L.q, qa.data(), sa.data(), T, qv.data());
    project(L.k, qa.data(), sa.data(), T, kv.data());
    project(L.v, qa.data(), sa.data(), T, vv.data());
    for (int t = 0; t < T; ++t) {
      const int pos = start + t;
      const float *ff = c.rope_freq_factors.empty() ? nullptr : c.rope_freq_factors.data();
      rope(at(qv, t, QD), c.heads, hd, pos, c.rope_theta, ff);
      rope(at(kv, t, KVD), c.kv_heads, hd, pos, c.rope_theta, ff);
      std::memcpy(kCache + static_cast<size_t>(pos) * KVD, at(kv, t, KVD),
                  sizeof(float) * KVD);
      std::memcpy(vCache + static_cast<size_t>(pos) * KVD, at(vv, t, KVD),
                  sizeof(float) * KVD);
    }
    for (int t = 0; t < T; ++t)
      attention(at(qv, t, QD), kCache, vCache, c.heads, c.kv_heads, hd,
                start + t, at(att, t, QD));
    if (c.sub_norms)
      for (int t = 0; t < T; ++t)
        rmsNorm(at(att, t, QD), L.attn_sub_norm.data(), QD, c.rms_eps,
                at(att, t, QD));
    quantizeRows(att.data(), T, QD, qa.data(), sa.data());
    project(L.o, qa.data(), sa.data(), T, tmp.data());
    for (size_t i = 0; i < rows * H; ++i)
      h[i] = h[i] + tmp[i];

    // --- MLP block (BitNetMLP) ---
    for (int t = 0; t < T; ++t)
      rmsNorm(at(h, t, H), L.post_attn_norm.data(), H, c.rms_eps,
              at(x, t, H));
    quantizeRows(x.data(), T, H, qa.data(), sa.data()); // shared by gate, up
    project(L.gate, qa.data(), sa.data(), T, g.data());
    project(L.up, qa.data(), sa.data(), T, u.data());
    for (size_t i = 0; i < rows * F; ++i)
      g[i] = (c.activation == Activation::Silu ? silu(g[i]) : relu2(g[i])) * u[i];
    if (c.sub_norms)
      for (int t = 0; t < T; ++t)
        rmsNorm(at(g, t, F), L.ffn_sub_norm.data(), F, c.rms_eps, at(g, t, F));
    quantizeRows(g.data(), T, F, qa.data(), sa.data());
    project(L.down, qa.data(), sa.data(), T, tmp.data());
    for (size_t i = 0; i < rows * H; ++i)
      h[i] = h[i] + tmp[i];
  }
  cache.length = start + T;

  if (logits) {
    for (int t = 0; t < T; ++t)
      rmsNorm(at(h, t, H), weights_.final_norm.data(), H, c.rms_eps,
              at(x, t, H));
    const std::vector<float> &head =
        c.tied_embeddings ? weights_.embedding : weights_.lm_head;
    matmulTransposed(x.data(), head.data(), T, H, c.vocab, logits);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Greedy generation
//===----------------------------------------------------------------------===//

int32_t argmaxToken(const float *logits, int vocab) {
  int32_t best = 0;
  for (int i = 1; i < vocab; ++i)
    if (logits[i] > logits[best] || std::isnan(logits[best]))
      best = i;
  return best;
}

std::vector<int32_t> generateGreedy(const ReferenceModel &model,
                                    KVCache &cache,
                                    const std::vector<int32_t> &prompt, int n,
                                    std::string *err) {
  if (err)
    err->clear();
  std::vector<int32_t> out;
  if (n < 0) {
    fail(err, "negative number of tokens to generate: " + std::to_string(n));
    return out;
  }
  if (prompt.empty()) {
    fail(err, "empty prompt");
    return out;
  }
  const int vocab = model.config().vocab;
  const int T = static_cast<int>(prompt.size());
  std::vector<float> logits(static_cast<size_t>(T) * vocab);
  if (!model.forward(prompt.data(), T, cache, logits.data(), err))
    return out;
  const float *last = logits.data() + static_cast<size_t>(T - 1) * vocab;
  while (static_cast<int>(out.size()) < n) {
    const int32_t next = argmaxToken(last, vocab);
    out.push_back(next);
    if (static_cast<int>(out.size()) == n)
      break;
    if (!model.forward(&next, 1, cache, logits.data(), err))
      return out;
    last = logits.data();
  }
  return out;
}

} // namespace ref
} // namespace tern
