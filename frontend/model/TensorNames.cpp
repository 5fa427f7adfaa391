//===- TensorNames.cpp - HF and GGUF names of BitNet tensors --------------===//
#include "frontend/model/TensorNames.h"

namespace tern::model {

std::vector<ExpectedTensor> expectedTensors(const tern::ref::ModelConfig &c) {
  const int64_t H = c.hidden, F = c.ffn, V = c.vocab,
                Q = int64_t(c.heads) * c.head_dim,
                KV = int64_t(c.kv_heads) * c.head_dim;
  std::vector<ExpectedTensor> out;
  using MW = tern::ref::ModelWeights;
  using LW = tern::ref::LayerWeights;
  auto global = [&](std::string hf, std::string gguf, std::vector<int64_t> shape,
                    std::vector<float> MW::*field) {
    ExpectedTensor e{std::move(hf), std::move(gguf), std::move(shape)};
    e.global = field;
    out.push_back(std::move(e));
  };
  global("model.embed_tokens.weight", "token_embd.weight", {V, H},
         &MW::embedding);
  for (int i = 0; i < c.layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const std::string g = "blk." + std::to_string(i) + ".";
    auto norm = [&](const char *hf, const char *gguf, int64_t n,
                    std::vector<float> LW::*field, const char *old = nullptr) {
      ExpectedTensor e{p + hf, g + gguf, {n}};
      if (old)
        e.hf_old_name = p + old;
      e.layer = i;
      e.norm = field;
      out.push_back(std::move(e));
    };
    auto matrix = [&](const char *hf, const char *gguf, int64_t rows,
                      int64_t cols, tern::ref::TernaryMatrix LW::*field) {
      ExpectedTensor e{p + hf, g + gguf, {rows, cols}, true};
      e.layer = i;
      e.matrix = field;
      out.push_back(std::move(e));
    };
    norm("input_layernorm.weight", "attn_norm.weight", H, &LW::input_norm);
    matrix("self_attn.q_proj.weight", "attn_q.weight", Q, H, &LW::q);
    matrix("self_attn.k_proj.weight", "attn_k.weight", KV, H, &LW::k);
    matrix("self_attn.v_proj.weight", "attn_v.weight", KV, H, &LW::v);
    if (c.sub_norms)
      norm("self_attn.attn_sub_norm.weight", "attn_sub_norm.weight", Q,
           &LW::attn_sub_norm, "self_attn.inner_attn_ln.weight");
    matrix("self_attn.o_proj.weight", "attn_output.weight", H, Q, &LW::o);
    norm("post_attention_layernorm.weight", "ffn_norm.weight", H,
         &LW::post_attn_norm);
    matrix("mlp.gate_proj.weight", "ffn_gate.weight", F, H, &LW::gate);
    matrix("mlp.up_proj.weight", "ffn_up.weight", F, H, &LW::up);
    if (c.sub_norms)
      norm("mlp.ffn_sub_norm.weight", "ffn_sub_norm.weight", F,
           &LW::ffn_sub_norm, "mlp.ffn_layernorm.weight");
    matrix("mlp.down_proj.weight", "ffn_down.weight", H, F, &LW::down);
  }
  global("model.norm.weight", "output_norm.weight", {H}, &MW::final_norm);
  if (!c.tied_embeddings)
    global("lm_head.weight", "output.weight", {V, H}, &MW::lm_head);
  return out;
}

std::vector<float> &floatsOf(tern::ref::ModelWeights &w,
                             const ExpectedTensor &e) {
  if (e.global)
    return w.*e.global;
  return w.layers[static_cast<size_t>(e.layer)].*e.norm;
}
const std::vector<float> &floatsOf(const tern::ref::ModelWeights &w,
                                   const ExpectedTensor &e) {
  return floatsOf(const_cast<tern::ref::ModelWeights &>(w), e);
}
tern::ref::TernaryMatrix &matrixOf(tern::ref::ModelWeights &w,
                                   const ExpectedTensor &e) {
  return w.layers[static_cast<size_t>(e.layer)].*e.matrix;
}
const tern::ref::TernaryMatrix &matrixOf(const tern::ref::ModelWeights &w,
                                         const ExpectedTensor &e) {
  return matrixOf(const_cast<tern::ref::ModelWeights &>(w), e);
}

int llamaPermutedHeads(const ExpectedTensor &e, const tern::ref::ModelConfig &c) {
  if (e.matrix == &tern::ref::LayerWeights::q)
    return c.heads;
  if (e.matrix == &tern::ref::LayerWeights::k)
    return c.kv_heads;
  return 0;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace tern::model
