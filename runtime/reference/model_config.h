//===- model_config.h - BitNet b1.58 model hyper-parameters -----*- C++ -*-===//
//
// The shape of a BitNet b1.58 decoder (Hugging Face `BitNetConfig`) and a few
// named presets used by tests, demos and benchmarks.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_REFERENCE_MODEL_CONFIG_H
#define TERN_RUNTIME_REFERENCE_MODEL_CONFIG_H

#include <string>

namespace tern {
namespace ref {

/// Hyper-parameters of a BitNet b1.58 decoder. Field <-> HF BitNetConfig:
/// hidden = hidden_size, ffn = intermediate_size, layers = num_hidden_layers,
/// heads = num_attention_heads, kv_heads = num_key_value_heads,
/// head_dim = head_dim, vocab = vocab_size,
/// max_context = max_position_embeddings, rope_theta, rms_eps = rms_norm_eps,
/// tied_embeddings = tie_word_embeddings.
///
/// Projection shapes ([out, in]): q_proj [heads*head_dim, hidden],
/// k_proj/v_proj [kv_heads*head_dim, hidden], o_proj [hidden, heads*head_dim],
/// gate_proj/up_proj [ffn, hidden], down_proj [hidden, ffn].
/// hidden == heads*head_dim is NOT required.
struct ModelConfig {
  int hidden = 0;
  int ffn = 0;
  int layers = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int vocab = 0;
  int max_context = 0;
  float rope_theta = 500000.0f;
  float rms_eps = 1e-5f;
  bool tied_embeddings = true;
};

/// Checks that sizes are positive, heads % kv_heads == 0, head_dim is even,
/// rope_theta > 0 and rms_eps >= 0 (all finite). On failure returns false and,
/// when `err` is non-null, stores a message naming the rule and the numbers.
bool validate(const ModelConfig &config, std::string *err);

/// Returns the preset named `name`: "micro", "tiny", "small" or "2b4t" (BitNet
/// b1.58 2B4T). Sets *ok (when non-null) to false and returns a
/// default-constructed (invalid) config for an unknown name.
ModelConfig presetConfig(const std::string &name, bool *ok);

} // namespace ref
} // namespace tern

#endif // TERN_RUNTIME_REFERENCE_MODEL_CONFIG_H
