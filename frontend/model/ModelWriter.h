//===- ModelWriter.h - Write a BitNet model in HF or GGUF form --*- C++ -*-===//
//
// Writes a model (config + reference weights) in the formats people publish:
//  * "hf": an HF checkpoint directory like microsoft/bitnet-b1.58-2B-4T
//    (or, by WriteOptions::family, like the Llama-3 / Falcon3 1.58-bit
//    ones): config.json (model_type, hidden_act, quantization_config),
//    model.safetensors with each BitLinear weight packed as uint8
//    [out/4, in] plus a bf16 [1] weight_scale, norms and embeddings in bf16,
//    and tokenizer.json / tokenizer_config.json when a tokenizer is given;
//  * "hf-master": the same directory with bf16 master weights [out, in]
//    instead (no quantization_config), as microsoft/bitnet-b1.58-2B-4T-bf16;
//  * "gguf": GGUF v3 with llama.cpp's names and keys for `arch` (llama158:
//    arch llama with q/k rows permuted as llama.cpp's converter does),
//    BitLinear weights in TQ2_0, TQ1_0, I2_S or as F32/F16/BF16 floats,
//    norms in F32, the embedding (and an untied output) in F16, F32 or
//    BF16, tern.hidden_act, and gpt2-style tokenizer metadata.
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_MODEL_MODELWRITER_H
#define TERN_FRONTEND_MODEL_MODELWRITER_H

#include "runtime/reference/model.h"
#include "runtime/reference/model_config.h"
#include "runtime/tokenizer/ChatTemplate.h"

#include <functional>
#include <string>

namespace tern::tok {
struct TokenizerData;
}

namespace tern::model {

struct WriteOptions {
  std::string format = "hf";           ///< "hf", "hf-master" or "gguf"
  /// BitLinear weights: "tq2_0", "tq1_0", "i2_s", or "f32" / "f16" /
  /// "bf16" (ternary x scale as floats, as llama.cpp's converters write
  /// them before llama-quantize).
  std::string gguf_type = "tq2_0";
  /// Embedding / output: "f16", "f32", "bf16", or ggml's block-quantized
  /// "q8_0" / "q6_k" (bitnet.cpp's --quant-embd).
  std::string gguf_float_type = "f16";
  /// GGUF general.architecture: "bitnet", "bitnet-b1.58" or "bitnet-25"
  /// (bitnet, 1bitllm), "llama" (llama158); "" is the family's first.
  std::string arch;
  /// Whose files to write (ref::applyFamily): "bitnet" (2B4T's), "llama158"
  /// (LlamaForCausalLM + quant_method bitnet, untied lm_head) or "1bitllm"
  /// (BitnetForCausalLM, master weights, old sub-norm names).
  std::string family = "bitnet";
  std::string name = "tern synthetic BitNet b1.58"; ///< general.name
  const tern::tok::TokenizerData *tokenizer = nullptr; ///< optional
  /// Called with a short progress line (e.g. "packing 17/211"); optional.
  std::function<void(const std::string &)> progress;
};

/// Writes `weights` (which must pass checkWeights for `config`) to `out` (a
/// directory for the HF formats, a file for GGUF).
bool writeModel(const std::string &out, const tern::ref::ModelConfig &config,
                const tern::ref::ModelWeights &weights,
                const WriteOptions &options, std::string *err);

/// m's scale as a multiplier (1 / scale in ScaleMode::Divide): what master
/// weights and GGUF blocks store.
float multiplyScale(const tern::ref::TernaryMatrix &m);

/// The master weights written by "hf-master" for a ternary matrix with
/// values t and scale s: t * bf16(s / f), f = the fraction of nonzero t, so
/// that absmean quantization at load gives back t and (to bf16 precision) s.
std::vector<float> masterWeights(const tern::ref::TernaryMatrix &m);

/// The bytes of `m` in the HF checkpoint layout (uint8 [rows/4, cols]),
/// identical to ref::packTernary with ref::hfCheckpointLayout(rows).
std::vector<uint8_t> packHFCheckpoint(const tern::ref::TernaryMatrix &m);

/// The BitNet b1.58 2B4T chat template as Jinja (tokenizer_config.json,
/// GGUF tokenizer.chat_template).
extern const char *const kBitNetChatTemplateJinja;
/// tern's Jinja for each chat format (nullptr for None).
const char *chatTemplateJinja(tern::tok::ChatTemplateKind kind);

} // namespace tern::model

#endif
