//===- model_config.h - BitNet b1.58 model hyper-parameters -----*- C++ -*-===//
//
// The shape of a BitNet b1.58 decoder (Hugging Face `BitNetConfig`) and a few
// named presets used by tests, demos and benchmarks.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_RUNTIME_REFERENCE_MODEL_CONFIG_H
#define TERN_RUNTIME_REFERENCE_MODEL_CONFIG_H

#include "runtime/reference/ops.h"

#include <string>
#include <vector>

namespace tern {
namespace ref {

/// The FFN's gate activation (HF `hidden_act`): BitNet b1.58 2B4T uses
/// relu2, the Llama-3 / Falcon3 1.58-bit and 1bitLLM models silu.
enum class Activation { Relu2, Silu };

/// Hyper-parameters of a BitNet b1.58 decoder. Field <-> HF BitNetConfig:
/// hidden = hidden_size, ffn = intermediate_size, layers = num_hidden_layers,
/// heads = num_attention_heads, kv_heads = num_key_value_heads,
/// head_dim = head_dim, vocab = vocab_size,
/// max_context = max_position_embeddings, rope_theta, rms_eps = rms_norm_eps,
/// tied_embeddings = tie_word_embeddings, activation = hidden_act.
/// sub_norms: BitNet's attn_sub_norm / ffn_sub_norm before o_proj and
/// down_proj (2B4T, 1bitLLM); the Llama-3 / Falcon3 1.58-bit models have
/// none and quantize those inputs directly. scale_mode: how a packed
/// checkpoint's weight_scale applies (quantization_config: autobitlinear
/// multiplies, the plain BitLinear divides); weights quantized at load
/// (master weights, GGUF) always multiply by their absmean.
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
  Activation activation = Activation::Relu2;
  bool sub_norms = true;
  ScaleMode scale_mode = ScaleMode::Multiply;
  /// RoPE frequency divisors, one per rotated pair (head_dim / 2), as
  /// llama.cpp's rope_freqs tensor holds them: pair i turns at
  /// inv_i / rope_freq_factors[i]. Empty: plain RoPE. HF's rope_scaling
  /// types become these (ropeScalingFactors).
  std::vector<float> rope_freq_factors;
  /// The HF rope_scaling they came from, to write it back: rope_type
  /// "llama3" (factor, low_freq_factor, high_freq_factor,
  /// original_max_position_embeddings) or "linear" (factor); "" none.
  struct RopeScaling {
    std::string type;
    double factor = 1, low_freq_factor = 1, high_freq_factor = 4;
    int original_max_position = 8192;
  } rope_scaling;
};

/// The per-pair divisors of a rope_scaling, as llama.cpp's converter
/// computes rope_freqs (LlamaModel.generate_extra_tensors): llama3 keeps
/// wavelengths below original / high_freq_factor, divides those above
/// original / low_freq_factor by factor, and blends between; linear
/// divides every pair by factor. False (with a message) for an unknown
/// type or bad numbers.
bool ropeScalingFactors(const ModelConfig::RopeScaling &s, int head_dim, float theta,
                        std::vector<float> *factors, std::string *err);

/// The ternary model families tern reads, by what their files say (HF
/// config.json's model_type / architectures / quantization_config, GGUF's
/// architecture and metadata):
///  * "bitnet":   BitNet b1.58 2B4T: relu2, sub-norms, multiply, tied head;
///  * "llama158": HF1BitLLM Llama3-8B-1.58, tiiuae Falcon3-*-1.58bit:
///                LlamaForCausalLM with quant_method bitnet: silu, no
///                sub-norms, divide, untied lm_head;
///  * "1bitllm":  1bitLLM bitnet_b1_58-large / -3B: silu, sub-norms under
///                their old names, float master weights, tied head.
/// Sets those four fields of *c and returns true, or false for an unknown
/// name (c unchanged).
bool applyFamily(const std::string &family, ModelConfig *c);

/// "relu2" or "silu" (HF hidden_act).
const char *activationName(Activation a);

/// Checks that sizes are positive, heads % kv_heads == 0, head_dim is even,
/// rope_theta > 0 and rms_eps >= 0 (all finite). On failure returns false and,
/// when `err` is non-null, stores a message naming the rule and the numbers.
bool validate(const ModelConfig &config, std::string *err);

/// Returns the preset named `name`: "micro", "tiny", "small", "2b4t" (BitNet
/// b1.58 2B4T), or one shaped like a published model of another family
/// ("llama3-8b", "falcon3-1b", "bitnet-large", with that family's
/// activation, norms, scale mode and head; see presetFamily). Sets *ok (when non-null) to false and returns a
/// default-constructed (invalid) config for an unknown name.
ModelConfig presetConfig(const std::string &name, bool *ok);

/// The family a preset is shaped after: "llama158" for llama3-8b and
/// falcon3-1b, "1bitllm" for bitnet-large, "bitnet" for the rest.
std::string presetFamily(const std::string &name);

} // namespace ref
} // namespace tern

#endif // TERN_RUNTIME_REFERENCE_MODEL_CONFIG_H
