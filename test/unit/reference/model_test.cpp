//===- model_test.cpp - Tests for the reference BitNet forward pass -------===//

#include "runtime/reference/model.h"

#include "runtime/reference/ops.h"
#include "runtime/reference/quantize.h"
#include "runtime/reference/synthetic_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

using namespace tern::ref;

static ModelConfig tinyConfig() {
  bool ok;
  return presetConfig("tiny", &ok);
}

static bool contains(const std::string &s, const std::string &sub) {
  return s.find(sub) != std::string::npos;
}

TEST(Model, SyntheticTinyIsValid) {
  ModelConfig c = tinyConfig();
  ModelWeights w = makeSyntheticWeights(c, 1);
  std::string err;
  EXPECT_TRUE(checkWeights(c, w, &err)) << err;
  ReferenceModel m(c, w);
  EXPECT_TRUE(m.ok()) << m.error();
}

TEST(Model, PrefillMatchesTokenByTokenDecode) {
  const ModelConfig c = tinyConfig();
  ReferenceModel m(c, makeSyntheticWeights(c, 42));
  ASSERT_TRUE(m.ok()) << m.error();
  const std::vector<int32_t> tokens = {5, 17, 300, 2, 511, 0, 77, 77, 128, 9};
  const int T = static_cast<int>(tokens.size());
  const int V = c.vocab;
  std::string err;

  KVCache prefill = m.makeCache();
  std::vector<float> all(static_cast<size_t>(T) * V);
  ASSERT_TRUE(m.forward(tokens.data(), T, prefill, all.data(), &err)) << err;
  EXPECT_EQ(prefill.length, T);

  KVCache decode = m.makeCache();
  std::vector<float> row(V);
  for (int t = 0; t < T; ++t) {
    ASSERT_TRUE(m.forward(&tokens[t], 1, decode, row.data(), &err)) << err;
    EXPECT_EQ(decode.length, t + 1);
    for (int i = 0; i < V; ++i)
      ASSERT_EQ(row[i], all[static_cast<size_t>(t) * V + i])
          << "token " << t << " logit " << i;
  }
  // Same caches.
  for (int l = 0; l < c.layers; ++l) {
    EXPECT_EQ(prefill.k[l], decode.k[l]);
    EXPECT_EQ(prefill.v[l], decode.v[l]);
  }

  // A split prefill (4 + 6) gives the same rows too.
  KVCache split = m.makeCache();
  std::vector<float> part(static_cast<size_t>(T) * V);
  ASSERT_TRUE(m.forward(tokens.data(), 4, split, part.data(), &err)) << err;
  ASSERT_TRUE(m.forward(tokens.data() + 4, T - 4, split,
                        part.data() + static_cast<size_t>(4) * V, &err))
      << err;
  EXPECT_EQ(part, all);

  // Logits differ between positions (the model is not degenerate) and
  // depend on context: token 77 at positions 6 and 7 gives different rows.
  EXPECT_NE(std::memcmp(&all[6 * V], &all[7 * V], sizeof(float) * V), 0);
}

TEST(Model, ResetGivesSameResultsAsFreshCache) {
  const ModelConfig c = tinyConfig();
  ReferenceModel m(c, makeSyntheticWeights(c, 3));
  const int32_t a[] = {1, 2, 3}, b[] = {100, 200};
  std::vector<float> first(2 * c.vocab), second(2 * c.vocab);
  KVCache cache = m.makeCache();
  std::string err;
  ASSERT_TRUE(m.forward(b, 2, cache, first.data(), &err)) << err;
  ASSERT_TRUE(m.forward(a, 3, cache, nullptr, &err)) << err;
  EXPECT_EQ(cache.length, 5);
  cache.reset();
  EXPECT_EQ(cache.length, 0);
  ASSERT_TRUE(m.forward(b, 2, cache, second.data(), &err)) << err;
  EXPECT_EQ(first, second);
}

// An independent composition of the ops, written from HF modeling_bitnet.py,
// for one token at position 0 of a one-layer model with an untied LM head.
TEST(Model, MatchesHandComposedSingleToken) {
  ModelConfig c = tinyConfig();
  c.layers = 1;
  c.tied_embeddings = false;
  c.hidden = 48; // hidden != heads * head_dim on purpose
  ModelWeights w = makeSyntheticWeights(c, 8);
  w.layers[0].v.mode = ScaleMode::Divide; // exercise both scale modes
  ASSERT_FALSE(w.lm_head.empty());
  ReferenceModel m(c, w);
  ASSERT_TRUE(m.ok()) << m.error();
  const int32_t tok = 33;
  std::vector<float> logits(c.vocab);
  KVCache cache = m.makeCache();
  std::string err;
  ASSERT_TRUE(m.forward(&tok, 1, cache, logits.data(), &err)) << err;

  const LayerWeights &L = w.layers[0];
  const int H = c.hidden, QD = c.heads * c.head_dim,
            KVD = c.kv_heads * c.head_dim, F = c.ffn;
  auto linear = [](const TernaryMatrix &M, const std::vector<float> &x) {
    std::vector<int8_t> q(x.size());
    float s = quantizeActivations(x.data(), static_cast<int>(x.size()),
                                  q.data());
    std::vector<float> y(M.rows);
    bitlinear(q.data(), &s, M.w.data(), M.scale, M.mode, 1, M.cols, M.rows,
              y.data(), nullptr);
    return y;
  };
  std::vector<float> h(w.embedding.begin() + tok * H,
                       w.embedding.begin() + (tok + 1) * H);
  std::vector<float> x(H);
  rmsNorm(h.data(), L.input_norm.data(), H, c.rms_eps, x.data());
  std::vector<float> qv = linear(L.q, x), kv = linear(L.k, x),
                     vv = linear(L.v, x);
  ASSERT_EQ(static_cast<int>(kv.size()), KVD);
  // At position 0 rope is the identity and attention returns v per group.
  std::vector<float> a(QD);
  for (int hq = 0; hq < c.heads; ++hq)
    for (int d = 0; d < c.head_dim; ++d)
      a[hq * c.head_dim + d] =
          vv[(hq / (c.heads / c.kv_heads)) * c.head_dim + d];
  rmsNorm(a.data(), L.attn_sub_norm.data(), QD, c.rms_eps, a.data());
  std::vector<float> o = linear(L.o, a);
  for (int i = 0; i < H; ++i)
    h[i] = h[i] + o[i];
  rmsNorm(h.data(), L.post_attn_norm.data(), H, c.rms_eps, x.data());
  std::vector<float> g = linear(L.gate, x), u = linear(L.up, x);
  for (int i = 0; i < F; ++i)
    g[i] = relu2(g[i]) * u[i];
  rmsNorm(g.data(), L.ffn_sub_norm.data(), F, c.rms_eps, g.data());
  std::vector<float> dn = linear(L.down, g);
  for (int i = 0; i < H; ++i)
    h[i] = h[i] + dn[i];
  rmsNorm(h.data(), w.final_norm.data(), H, c.rms_eps, x.data());
  std::vector<float> expected(c.vocab);
  matmulTransposed(x.data(), w.lm_head.data(), 1, H, c.vocab,
                   expected.data());
  EXPECT_EQ(logits, expected);
  // The cache holds the (unrotated at position 0) key and the value.
  EXPECT_TRUE(std::equal(kv.begin(), kv.end(), cache.k[0].begin()));
  EXPECT_TRUE(std::equal(vv.begin(), vv.end(), cache.v[0].begin()));
}

TEST(Model, ZeroProjectionsEchoTheEmbedding) {
  // With every ternary weight 0 the blocks add nothing: h = embed[tok],
  // logits = rmsNorm(embed[tok]) . embedding^T.
  ModelConfig c = tinyConfig();
  ModelWeights w = makeSyntheticWeights(c, 5);
  for (LayerWeights &L : w.layers)
    for (TernaryMatrix *M : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down})
      std::fill(M->w.begin(), M->w.end(), 0);
  ReferenceModel m(c, w);
  const int32_t tok = 123;
  std::vector<float> logits(c.vocab), x(c.hidden), expected(c.vocab);
  KVCache cache = m.makeCache();
  ASSERT_TRUE(m.forward(&tok, 1, cache, logits.data(), nullptr));
  rmsNorm(&w.embedding[tok * c.hidden], w.final_norm.data(), c.hidden,
          c.rms_eps, x.data());
  matmulTransposed(x.data(), w.embedding.data(), 1, c.hidden, c.vocab,
                   expected.data());
  EXPECT_EQ(logits, expected);
  EXPECT_EQ(argmaxToken(logits.data(), c.vocab), tok);
}

TEST(Model, ContextOverflowIsAnError) {
  ModelConfig c = tinyConfig();
  c.max_context = 8;
  ReferenceModel m(c, makeSyntheticWeights(c, 1));
  KVCache cache = m.makeCache();
  std::string err;
  const int32_t toks[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_FALSE(m.forward(toks, 9, cache, nullptr, &err));
  EXPECT_TRUE(contains(err, "context overflow: 0 cached + 9 new tokens "
                            "exceeds max_context 8"))
      << err;
  EXPECT_EQ(cache.length, 0);
  ASSERT_TRUE(m.forward(toks, 6, cache, nullptr, &err)) << err;
  EXPECT_FALSE(m.forward(toks, 3, cache, nullptr, &err));
  EXPECT_TRUE(contains(err, "6 cached + 3 new tokens")) << err;
  EXPECT_EQ(cache.length, 6);
  EXPECT_TRUE(m.forward(toks, 2, cache, nullptr, &err)) << err;
  EXPECT_EQ(cache.length, 8);
  EXPECT_FALSE(m.forward(toks, 1, cache, nullptr, &err));
}

TEST(Model, BadTokenIdIsAnError) {
  const ModelConfig c = tinyConfig();
  ReferenceModel m(c, makeSyntheticWeights(c, 1));
  KVCache cache = m.makeCache();
  std::vector<float> logits(3 * c.vocab);
  std::string err;
  const int32_t high[3] = {1, 512, 2};
  EXPECT_FALSE(m.forward(high, 3, cache, logits.data(), &err));
  EXPECT_TRUE(contains(err, "token id 512 (input position 1) is out of "
                            "range [0, 512)"))
      << err;
  const int32_t negative[1] = {-1};
  EXPECT_FALSE(m.forward(negative, 1, cache, logits.data(), &err));
  EXPECT_TRUE(contains(err, "token id -1")) << err;
  EXPECT_EQ(cache.length, 0);
}

TEST(Model, MismatchedCacheIsAnError) {
  const ModelConfig c = tinyConfig();
  ReferenceModel m(c, makeSyntheticWeights(c, 1));
  ModelConfig other = c;
  other.max_context = 16;
  KVCache cache(other);
  std::string err;
  const int32_t tok = 1;
  EXPECT_FALSE(m.forward(&tok, 1, cache, nullptr, &err));
  EXPECT_TRUE(contains(err, "KV cache does not match")) << err;
  KVCache empty;
  EXPECT_FALSE(m.forward(&tok, 1, empty, nullptr, &err));
}

TEST(Model, CheckWeightsNamesTheTensor) {
  const ModelConfig c = tinyConfig();
  const ModelWeights good = makeSyntheticWeights(c, 1);
  std::string err;

  ModelWeights w = good;
  w.layers[1].q.rows = 32;
  w.layers[1].q.w.resize(32 * 256);
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_EQ(err, "model.layers.1.self_attn.q_proj.weight: expected [256, 256], "
                 "got [32, 256]");

  w = good;
  w.layers[0].k.cols = 255;
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_EQ(err, "model.layers.0.self_attn.k_proj.weight: expected [128, 256], "
                 "got [128, 255]");

  w = good;
  w.layers[1].down.w.pop_back();
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_TRUE(contains(err, "model.layers.1.mlp.down_proj.weight:")) << err;

  w = good;
  w.layers[0].ffn_sub_norm.resize(511);
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_EQ(err, "model.layers.0.mlp.ffn_sub_norm.weight: expected [512], "
                 "got [511]");

  w = good;
  w.layers[1].attn_sub_norm.resize(257);
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_EQ(err, "model.layers.1.self_attn.attn_sub_norm.weight: expected "
                 "[256], got [257]");

  w = good;
  w.layers[0].up.w[5] = 2;
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_EQ(err, "model.layers.0.mlp.up_proj.weight: value 2 at [0, 5] is "
                 "not ternary");

  w = good;
  w.layers[0].gate.scale = 0.0f;
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_TRUE(contains(err, "model.layers.0.mlp.gate_proj.weight_scale:"))
      << err;

  w = good;
  w.embedding.pop_back();
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_TRUE(contains(err, "model.embed_tokens.weight: expected [512, 256]"))
      << err;

  w = good;
  w.final_norm.clear();
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_EQ(err, "model.norm.weight: expected [256], got [0]");

  w = good;
  w.lm_head.assign(10, 0.0f);
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_TRUE(contains(err, "lm_head.weight: expected none")) << err;

  w = good;
  w.layers.pop_back();
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_EQ(err, "model.layers: expected 2 layers, got 1");

  // An invalid model refuses to run.
  ReferenceModel bad(c, w);
  EXPECT_FALSE(bad.ok());
  KVCache cache(c);
  const int32_t tok = 1;
  EXPECT_FALSE(bad.forward(&tok, 1, cache, nullptr, &err));
  EXPECT_TRUE(contains(err, "invalid model: model.layers")) << err;
}

TEST(Model, ArgmaxPrefersLowestIndexOnTies) {
  const float a[] = {1, 3, 3, 2};
  EXPECT_EQ(argmaxToken(a, 4), 1);
  const float b[] = {-5, -7, -5};
  EXPECT_EQ(argmaxToken(b, 3), 0);
  const float c[] = {std::nanf(""), 1, 2, 2};
  EXPECT_EQ(argmaxToken(c, 4), 2);
}

TEST(Model, GenerateGreedyMatchesManualLoop) {
  const ModelConfig c = tinyConfig();
  ReferenceModel m(c, makeSyntheticWeights(c, 21));
  const std::vector<int32_t> prompt = {10, 20, 30};
  KVCache cache = m.makeCache();
  std::string err = "stale";
  std::vector<int32_t> gen = generateGreedy(m, cache, prompt, 6, &err);
  EXPECT_EQ(err, "");
  ASSERT_EQ(gen.size(), 6u);
  EXPECT_EQ(cache.length, 3 + 5); // the last token is not fed back

  KVCache manual = m.makeCache();
  std::vector<float> logits(3 * c.vocab);
  ASSERT_TRUE(m.forward(prompt.data(), 3, manual, logits.data(), &err));
  int32_t next = argmaxToken(&logits[2 * c.vocab], c.vocab);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(gen[i], next) << "step " << i;
    ASSERT_TRUE(m.forward(&next, 1, manual, logits.data(), &err));
    next = argmaxToken(logits.data(), c.vocab);
  }
}

TEST(Model, GenerateGreedyErrors) {
  ModelConfig c = tinyConfig();
  c.max_context = 6;
  ReferenceModel m(c, makeSyntheticWeights(c, 2));
  KVCache cache = m.makeCache();
  std::string err;
  EXPECT_TRUE(generateGreedy(m, cache, {}, 3, &err).empty());
  EXPECT_EQ(err, "empty prompt");
  // 3 prompt tokens + 5 generated need 3 + 4 = 7 positions > 6: the
  // tokens that fit are returned with an error.
  std::vector<int32_t> gen = generateGreedy(m, cache, {1, 2, 3}, 5, &err);
  EXPECT_EQ(gen.size(), 4u);
  EXPECT_TRUE(contains(err, "context overflow")) << err;
  cache.reset();
  gen = generateGreedy(m, cache, {1, 2, 9999}, 2, &err);
  EXPECT_TRUE(gen.empty());
  EXPECT_TRUE(contains(err, "token id 9999")) << err;
}

// The Llama-3 / Falcon3 1.58-bit form, composed by hand for one token:
// silu gate, no sub-norms (the attention output and the FFN product are
// quantized as they are), divide-mode scales, an untied head.
TEST(ModelFamilies, Llama158MatchesHandComposedSingleToken) {
  ModelConfig c = tinyConfig();
  c.layers = 1;
  ASSERT_TRUE(applyFamily("llama158", &c));
  ModelWeights w = makeSyntheticWeights(c, 9);
  ASSERT_TRUE(w.layers[0].attn_sub_norm.empty());
  ASSERT_EQ(w.layers[0].o.mode, ScaleMode::Divide);
  ReferenceModel m(c, w);
  ASSERT_TRUE(m.ok()) << m.error();
  const int32_t tok = 21;
  std::vector<float> logits(c.vocab);
  KVCache cache = m.makeCache();
  std::string err;
  ASSERT_TRUE(m.forward(&tok, 1, cache, logits.data(), &err)) << err;

  const LayerWeights &L = w.layers[0];
  const int H = c.hidden, QD = c.heads * c.head_dim, F = c.ffn;
  auto linear = [](const TernaryMatrix &M, const std::vector<float> &x) {
    std::vector<int8_t> q(x.size());
    float s = quantizeActivations(x.data(), static_cast<int>(x.size()), q.data());
    std::vector<float> y(M.rows);
    for (int n = 0; n < M.rows; ++n) // transformers' BitLinear.post_quant_process
      y[n] = static_cast<float>(ternaryDot(M.w.data() + size_t(n) * M.cols, q.data(), M.cols)) /
             (s * M.scale);
    return y;
  };
  std::vector<float> h(w.embedding.begin() + tok * H, w.embedding.begin() + (tok + 1) * H);
  std::vector<float> x(H);
  rmsNorm(h.data(), L.input_norm.data(), H, c.rms_eps, x.data());
  std::vector<float> vv = linear(L.v, x);
  std::vector<float> a(QD);
  for (int hq = 0; hq < c.heads; ++hq)
    for (int d = 0; d < c.head_dim; ++d)
      a[hq * c.head_dim + d] = vv[(hq / (c.heads / c.kv_heads)) * c.head_dim + d];
  std::vector<float> o = linear(L.o, a); // no attn_sub_norm
  for (int i = 0; i < H; ++i)
    h[i] = h[i] + o[i];
  rmsNorm(h.data(), L.post_attn_norm.data(), H, c.rms_eps, x.data());
  std::vector<float> g = linear(L.gate, x), u = linear(L.up, x);
  for (int i = 0; i < F; ++i)
    g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i]; // silu, no ffn_sub_norm
  std::vector<float> dn = linear(L.down, g);
  for (int i = 0; i < H; ++i)
    h[i] = h[i] + dn[i];
  rmsNorm(h.data(), w.final_norm.data(), H, c.rms_eps, x.data());
  std::vector<float> expected(c.vocab);
  matmulTransposed(x.data(), w.lm_head.data(), 1, H, c.vocab, expected.data());
  EXPECT_EQ(logits, expected);
}

// Each variant changes the logits (by construction: the same draws), so a
// path that ignored one would be caught: silu vs relu2, sub-norms or none,
// divide-mode scales read as multipliers.
TEST(ModelFamilies, EachVariantChangesTheLogits) {
  auto run = [](const ModelConfig &c, const ModelWeights &w) {
    ReferenceModel m(c, w);
    EXPECT_TRUE(m.ok()) << m.error();
    KVCache cache = m.makeCache();
    std::vector<int32_t> toks = {3, 9, 27, 81};
    std::vector<float> out(toks.size() * size_t(c.vocab));
    std::string err;
    EXPECT_TRUE(m.forward(toks.data(), 4, cache, out.data(), &err)) << err;
    return out;
  };
  const ModelConfig base = tinyConfig();
  const std::vector<float> relu = run(base, makeSyntheticWeights(base, 2));
  ModelConfig silu = base;
  silu.activation = Activation::Silu;
  EXPECT_NE(run(silu, makeSyntheticWeights(silu, 2)), relu);
  ModelConfig noSub = base;
  noSub.sub_norms = false;
  EXPECT_NE(run(noSub, makeSyntheticWeights(noSub, 2)), relu);

  ModelConfig div = base;
  div.scale_mode = ScaleMode::Divide;
  ModelWeights wd = makeSyntheticWeights(div, 2);
  const std::vector<float> divided = run(div, wd);
  // The same numbers as multipliers 1 / scale: identical (powers of two).
  ModelWeights wm = wd;
  for (LayerWeights &L : wm.layers)
    for (TernaryMatrix *mt : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down}) {
      mt->mode = ScaleMode::Multiply;
      mt->scale = 1.0f / mt->scale;
    }
  EXPECT_EQ(run(base, wm), divided);
  // Read as multipliers without inverting: different.
  for (LayerWeights &L : wd.layers)
    for (TernaryMatrix *mt : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down})
      mt->mode = ScaleMode::Multiply;
  EXPECT_NE(run(base, wd), divided);
}

TEST(ModelFamilies, MissingOrUnexpectedSubNormsAreNamed) {
  ModelConfig c = tinyConfig();
  ModelWeights w = makeSyntheticWeights(c, 1);
  c.sub_norms = false; // weights still have them
  std::string err;
  EXPECT_FALSE(checkWeights(c, w, &err));
  EXPECT_TRUE(contains(err, "model.layers.0.self_attn.attn_sub_norm.weight: expected [0]")) << err;
}
