//===- HFConfig.h - Hugging Face config.json of a BitNet model --*- C++ -*-===//
#ifndef TERN_FRONTEND_MODEL_HFCONFIG_H
#define TERN_FRONTEND_MODEL_HFCONFIG_H

#include "runtime/reference/model_config.h"

#include <string>

namespace tern::model {

/// Extra fields of config.json that are not part of ModelConfig.
struct HFConfigExtras {
  int bos_token_id = 128000;
  int eos_token_id = 128001;
  /// "offline" for packed checkpoints (quantization_config present).
  bool quantized = true;
  /// The family (ref::applyFamily) that config.json's model_type,
  /// architectures and quantization_config name: "bitnet" (model_type
  /// bitnet), "llama158" (model_type llama with quant_method bitnet) or
  /// "1bitllm" (model_type llama, architectures BitnetForCausalLM).
  std::string family = "bitnet";
};

/// Parses the text of a config.json of a ternary model, as the published
/// ones ship it: microsoft/bitnet-b1.58-2B-4T (model_type "bitnet"), the
/// Llama-3 / Falcon3 1.58-bit models (model_type "llama" with
/// quantization_config.quant_method "bitnet") and 1bitLLM's
/// (architectures ["BitnetForCausalLM"]). The math follows the file:
/// hidden_act relu2 or silu; sub-norms by family; scale mode from
/// quantization_config.linear_class ("autobitlinear" multiplies, none or
/// "bitlinear" divides); head_dim defaults to hidden_size /
/// num_attention_heads, tie_word_embeddings to true for bitnet and false
/// for llama (as their transformers configs do). A rope_scaling tern does
/// not implement is an error. Errors are one line prefixed with `file`.
bool parseHFConfig(const std::string &text, const std::string &file,
                   tern::ref::ModelConfig *config, HFConfigExtras *extras,
                   std::string *err);

/// The config.json text for `config` as `extras.family` publishes it
/// (2-space indented JSON). An error when the config does not fit the
/// family (e.g. no sub-norms in a bitnet model).
bool writeHFConfig(const tern::ref::ModelConfig &config,
                   const HFConfigExtras &extras, std::string *text,
                   std::string *err);


} // namespace tern::model

#endif
