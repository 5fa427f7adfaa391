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
};

/// Parses the text of a config.json (as microsoft/bitnet-b1.58-2B-4T ships
/// it): model_type must be "bitnet" and hidden_act "relu2"; head_dim
/// defaults to hidden_size / num_attention_heads, tie_word_embeddings to
/// true. Errors are one line prefixed with `file`.
bool parseHFConfig(const std::string &text, const std::string &file,
                   tern::ref::ModelConfig *config, HFConfigExtras *extras,
                   std::string *err);

/// The config.json text for `config` (2-space indented JSON).
std::string writeHFConfig(const tern::ref::ModelConfig &config,
                          const HFConfigExtras &extras);

} // namespace tern::model

#endif
