//===- TensorNames.cpp - HF and GGUF names of BitNet tensors --------------===//
#include "frontend/model/TensorNames.h"

namespace tern::model {

std::vector<ExpectedTensor> expectedTensors(const tern::ref::ModelConfig &c) {
  const int64_t H = c.hidden, F = c.ffn, V = c.vocab,
                Q = int64_t(c.heads) * c.head_dim,
                KV = int64_t(c.kv_heads) * c.head_dim;
  std::vector<ExpectedTensor> out;
  auto add = [&](std::string hf, std::string gguf, std::vector<int64_t> shape,
                 bool ternary) {
    out.push_back({std::move(hf), std::move(gguf), std::move(shape), ternary});
  };
  add("model.embed_tokens.weight", "token_embd.weight", {V, H}, false);
  for (int i = 0; i < c.layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const std::string g = "blk." + std::to_string(i) + ".";
    add(p + "input_layernorm.weight", g + "attn_norm.weight", {H}, false);
    add(p + "self_attn.q_proj.weight", g + "attn_q.weight", {Q, H}, true);
    add(p + "self_attn.k_proj.weight", g + "attn_k.weight", {KV, H}, true);
    add(p + "self_attn.v_proj.weight", g + "attn_v.weight", {KV, H}, true);
    add(p + "self_attn.attn_sub_norm.weight", g + "attn_sub_norm.weight", {Q},
        false);
    add(p + "self_attn.o_proj.weight", g + "attn_output.weight", {H, Q}, true);
    add(p + "post_attention_layernorm.weight", g + "ffn_norm.weight", {H},
        false);
    add(p + "mlp.gate_proj.weight", g + "ffn_gate.weight", {F, H}, true);
    add(p + "mlp.up_proj.weight", g + "ffn_up.weight", {F, H}, true);
    add(p + "mlp.ffn_sub_norm.weight", g + "ffn_sub_norm.weight", {F}, false);
    add(p + "mlp.down_proj.weight", g + "ffn_down.weight", {H, F}, true);
  }
  add("model.norm.weight", "output_norm.weight", {H}, false);
  if (!c.tied_embeddings)
    add("lm_head.weight", "output.weight", {V, H}, false);
  return out;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace tern::model
