//===- TensorNames.h - HF and GGUF names of BitNet tensors ------*- C++ -*-===//
//
// Every tensor a BitNet b1.58 model has, with its Hugging Face name, its
// llama.cpp / bitnet.cpp GGUF name and the shape the config implies.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_MODEL_TENSORNAMES_H
#define TERN_FRONTEND_MODEL_TENSORNAMES_H

#include "runtime/reference/model.h"
#include "runtime/reference/model_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern::model {

struct ExpectedTensor {
  std::string hf_name;   ///< model.layers.3.mlp.down_proj.weight
  std::string gguf_name; ///< blk.3.ffn_down.weight
  std::vector<int64_t> shape; ///< [out, in] or [n]
  bool ternary = false;  ///< a BitLinear weight
  /// Where it lives in ref::ModelWeights: a model-level vector
  /// (`global`), or in layers[layer] a vector (`norm`) or a matrix
  /// (`matrix`). Exactly one of the three is set.
  int layer = -1;
  std::vector<float> tern::ref::ModelWeights::*global = nullptr;
  std::vector<float> tern::ref::LayerWeights::*norm = nullptr;
  tern::ref::TernaryMatrix tern::ref::LayerWeights::*matrix = nullptr;
  /// The name 1bitLLM's checkpoints use instead, where it differs
  /// (self_attn.inner_attn_ln, mlp.ffn_layernorm); "" otherwise.
  std::string hf_old_name;
};

/// The float vector of `w` that `e` names (not a BitLinear weight).
std::vector<float> &floatsOf(tern::ref::ModelWeights &w,
                             const ExpectedTensor &e);
const std::vector<float> &floatsOf(const tern::ref::ModelWeights &w,
                                   const ExpectedTensor &e);
/// The BitLinear weight of `w` that `e` names.
tern::ref::TernaryMatrix &matrixOf(tern::ref::ModelWeights &w,
                                   const ExpectedTensor &e);
const tern::ref::TernaryMatrix &matrixOf(const tern::ref::ModelWeights &w,
                                         const ExpectedTensor &e);

/// All tensors of a model with `config`, in forward order: embedding,
/// per layer (norms, q, k, v, attn_sub_norm, o, norm, gate, up,
/// ffn_sub_norm, down; the sub-norms only with config.sub_norms), final
/// norm, and lm_head when not tied.
std::vector<ExpectedTensor> expectedTensors(const tern::ref::ModelConfig &c);

/// The heads llama.cpp's converter permutes `e`'s rows with for arch llama
/// (LlamaModel.permute: q by heads, k by kv_heads), or 0 for any other
/// tensor.
int llamaPermutedHeads(const ExpectedTensor &e, const tern::ref::ModelConfig &c);

/// "[2560, 640]"
std::string shapeString(const std::vector<int64_t> &shape);

} // namespace tern::model

#endif // TERN_FRONTEND_MODEL_TENSORNAMES_H
