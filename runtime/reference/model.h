//===- model.h - Scalar reference BitNet b1.58 forward pass -----*- C++ -*-===//
//
// The oracle every generated kernel and compiled model is tested against: a
// straightforward float32 implementation of Hugging Face transformers'
// BitNet decoder (models/bitnet/modeling_bitnet.py) with a KV cache.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_REFERENCE_MODEL_H
#define TERN_RUNTIME_REFERENCE_MODEL_H

#include "runtime/reference/model_config.h"
#include "runtime/reference/ops.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tern {
namespace ref {

/// A ternary projection weight [rows = out features][cols = in features],
/// one int8 in {-1, 0, 1} per weight, with its per-tensor scale.
struct TernaryMatrix {
  int rows = 0;
  int cols = 0;
  std::vector<int8_t> w; ///< [rows][cols] row-major
  float scale = 1.0f;
  ScaleMode mode = ScaleMode::Multiply;
};

/// Weights of one decoder layer (HF BitNetDecoderLayer).
struct LayerWeights {
  std::vector<float> input_norm;     ///< input_layernorm [hidden]
  std::vector<float> post_attn_norm; ///< post_attention_layernorm [hidden]
  std::vector<float> attn_sub_norm;  ///< self_attn.attn_sub_norm [heads*head_dim]
  std::vector<float> ffn_sub_norm;   ///< mlp.ffn_sub_norm [ffn]
  TernaryMatrix q, k, v, o;          ///< self_attn.{q,k,v,o}_proj
  TernaryMatrix gate, up, down;      ///< mlp.{gate,up,down}_proj
};

/// All weights of the model (HF BitNetForCausalLM).
struct ModelWeights {
  std::vector<float> embedding;  ///< model.embed_tokens [vocab][hidden]
  std::vector<float> final_norm; ///< model.norm [hidden]
  std::vector<float> lm_head;    ///< lm_head [vocab][hidden]; empty when tied
  std::vector<LayerWeights> layers;
};

/// Checks every tensor's shape against `config` (and that ternary values are
/// in {-1, 0, 1} and scales are positive and finite). The message names the
/// tensor with its HF name, e.g.
/// "model.layers.3.self_attn.q_proj.weight: expected [64, 64], got [32, 64]".
bool checkWeights(const ModelConfig &config, const ModelWeights &weights,
                  std::string *err);

/// Key/value cache: per layer, k and v of [max_context][kv_heads*head_dim]
/// floats (keys stored after rotary embedding). `length` positions are
/// filled.
struct KVCache {
  int layers = 0;
  int max_context = 0;
  int kv_dim = 0;                    ///< kv_heads * head_dim
  std::vector<std::vector<float>> k; ///< [layers][max_context * kv_dim]
  std::vector<std::vector<float>> v; ///< [layers][max_context * kv_dim]
  int length = 0;

  KVCache() = default;
  /// Allocates an empty cache for `config`.
  explicit KVCache(const ModelConfig &config);
  /// (Re)allocates an empty cache for `config`.
  void init(const ModelConfig &config);
  /// Forgets all positions (length = 0) and zeroes the storage.
  void reset();
};

/// The reference model. Construction validates the config and weights; use
/// ok()/error() to see the outcome (forward refuses to run an invalid model).
class ReferenceModel {
public:
  ReferenceModel(ModelConfig config, ModelWeights weights);

  bool ok() const { return valid_; }
  const std::string &error() const { return error_; }
  const ModelConfig &config() const { return config_; }
  const ModelWeights &weights() const { return weights_; }

  /// A fresh, empty cache sized for this model.
  KVCache makeCache() const { return KVCache(config_); }

  /// Runs T tokens at positions cache.length .. cache.length+T-1, appends
  /// their keys/values to the cache and writes logits[T][vocab] (one row per
  /// input token; `logits` may be null to skip the LM head). Returns false
  /// with a message, leaving the cache unchanged, on an invalid model, a
  /// cache of the wrong shape, T < 0, a token id outside [0, vocab) or a
  /// context overflow (length + T > max_context).
  bool forward(const int32_t *tokens, int T, KVCache &cache, float *logits,
               std::string *err) const;

private:
  ModelConfig config_;
  ModelWeights weights_;
  bool valid_ = false;
  std::string error_;
};

/// Index of the largest logit, the lowest index on ties (NaN never wins).
int32_t argmaxToken(const float *logits, int vocab);

/// Greedy decoding: feeds `prompt` (appended to whatever `cache` holds) and
/// returns the next `n` tokens, each the argmax of the previous step's
/// logits. On error sets *err (cleared on entry) and returns the tokens
/// generated so far.
std::vector<int32_t> generateGreedy(const ReferenceModel &model,
                                    KVCache &cache,
                                    const std::vector<int32_t> &prompt, int n,
                                    std::string *err);

} // namespace ref
} // namespace tern

#endif // TERN_RUNTIME_REFERENCE_MODEL_H
