//===- Model.h - A BitNet model loaded from its files -----------*- C++ -*-===//
//
// The one in-memory form of a model, whatever file it came from: the config
// and a table of tensors under their Hugging Face names, each pointing into
// an mmapped file (never copied). Readers:
//   * an HF checkpoint directory (config.json + model.safetensors, or
//     sharded with model.safetensors.index.json): packed ternary weights
//     (uint8 [out/4, in] + weight_scale) or bf16/f16/f32 master weights,
//     which are quantized by absmean when used;
//   * a GGUF file of arch "bitnet", "bitnet-b1.58" or "bitnet-25" (llama.cpp
//     and bitnet.cpp tensor names and keys), ternary weights in TQ1_0, TQ2_0
//     or I2_S, other tensors in F32, F16 or BF16.
// Every error is one line naming the file and the tensor (or key).
//
//===----------------------------------------------------------------------===//
#ifndef TERN_FRONTEND_MODEL_MODEL_H
#define TERN_FRONTEND_MODEL_MODEL_H

#include "runtime/reference/model.h"
#include "runtime/reference/model_config.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::gguf {
class GgufFile;
}

namespace tern::model {

/// How a tensor's bytes are stored.
enum class Encoding {
  F32,
  F16,
  BF16,
  HFPacked, ///< uint8 [out/4, in], 2-bit codes w+1 packed along out
  TQ1_0,    ///< llama.cpp, 256 weights per 54-byte block
  TQ2_0,    ///< llama.cpp, 256 weights per 66-byte block
  I2_S,     ///< bitnet.cpp, 2-bit codes then one f32 scale
  Q8_0,     ///< ggml, 32 values per d (f16) and 32 int8: embeddings / heads
  Q6_K,     ///< ggml, 256 values per 210-byte block: embeddings / heads
};
const char *encodingName(Encoding e);
/// F32, F16, BF16: stored floats, read as they are.
bool isFloatEncoding(Encoding e);
/// Q8_0, Q6_K: floats block-quantized by ggml (bitnet.cpp's recommended
/// embedding), dequantized as ggml does; the compiled kernels read them
/// as f32.
bool isQuantizedFloatEncoding(Encoding e);

/// One tensor of the model.
struct Tensor {
  std::string name;        ///< HF name, e.g. model.layers.0.mlp.up_proj.weight
  std::string stored_name; ///< name inside the file (GGUF: blk.0.ffn_up.weight)
  std::string path;        ///< the file holding it
  Encoding encoding = Encoding::F32;
  /// Logical shape: [rows, cols] = [out, in] for weights, [n] for vectors.
  std::vector<int64_t> shape;
  uint64_t file_offset = 0;
  uint64_t bytes = 0;
  const uint8_t *data = nullptr;
  /// A BitLinear weight (ternary, or float master weights to quantize).
  bool ternary = false;
  /// HF packed: index of the weight_scale tensor in Model::tensors.
  int scale_tensor = -1;
  /// GGUF: optional llama.cpp `<name>.scale` (F32 [1]) tensor index; the
  /// effective scale is the decoded one times this.
  int extra_scale_tensor = -1;
  /// A BitLinear weight stored as floats that are exactly ternary x one
  /// scale (GGUF F32/F16/BF16, as llama.cpp's converters write them): the
  /// values and the scale are recovered exactly, and anything else is an
  /// error naming the tensor. False for HF master weights (absmean).
  bool exact_ternary = false;
  /// GGUF arch llama: q/k rows were permuted for interleaved RoPE by
  /// llama.cpp's LlamaModel.permute with this many heads; decoding undoes
  /// it (0: not permuted).
  int permuted_heads = 0;
};

/// Where the tokenizer of a model is.
struct TokenizerSource {
  std::string json_path; ///< HF: tokenizer.json next to the weights ("" if none)
  /// HF: tokenizer.model (SentencePiece) next to them, used when there is
  /// no tokenizer.json ("" if none).
  std::string model_path;
  bool in_gguf = false;  ///< GGUF: tokenizer.ggml.* metadata
};

struct MappedFile;

struct Model {
  std::string path;   ///< what the user named
  std::string format; ///< "hf", "hf-master" or "gguf"
  /// HF: the family config.json names ("bitnet", "llama158", "1bitllm");
  /// GGUF: general.architecture.
  std::string arch;
  tern::ref::ModelConfig config;
  std::vector<Tensor> tensors;
  TokenizerSource tokenizer;
  /// Keeps the mmapped files alive.
  std::vector<std::shared_ptr<MappedFile>> files;
  /// The parsed GGUF file (metadata, tokenizer) when format == "gguf".
  std::shared_ptr<const tern::gguf::GgufFile> gguf;

  /// The tensor with HF name `name`, or null.
  const Tensor *find(const std::string &name) const;
};

/// Loads a model: a directory (HF checkpoint), a .safetensors file (its
/// directory is the checkpoint) or a GGUF file (by magic).
bool loadModel(const std::string &path, Model *out, std::string *err);

/// Decodes every tensor into the scalar reference's weights: ternary values
/// and per-matrix scales (HF packed: weight_scale; GGUF: the blocks' scale;
/// masters: absmean), floats widened to f32. HF packed weights take the
/// config's scale_mode, all others ScaleMode::Multiply.
bool toReferenceWeights(const Model &model, tern::ref::ModelWeights *out,
                        std::string *err);

/// Decodes one ternary tensor: values [rows][cols] in {-1, 0, 1} and its
/// per-matrix scale (as toReferenceWeights does for each).
bool decodeTernaryTensor(const Model &model, const Tensor &t,
                         std::vector<int8_t> *w, float *scale,
                         std::string *err);

/// Undoes llama.cpp's LlamaModel.permute of a [rows, cols] matrix with
/// `heads` heads (rows = heads * head_dim): GGUF row h*d + 2j + s holds HF
/// row h*d + s*d/2 + j. An error (naming `name`) when 2 * heads does not
/// divide rows.
template <typename T>
bool unpermuteHeads(std::vector<T> *w, int64_t rows, int64_t cols, int heads,
                    const std::string &name, std::string *err);

/// llama.cpp's LlamaModel.permute (what its converter writes for arch
/// llama): the inverse of unpermuteHeads.
template <typename T>
std::vector<T> permuteHeads(const std::vector<T> &w, int64_t rows, int64_t cols, int heads);

/// Widens a float tensor (F32/F16/BF16) to f32; an error names the tensor.
bool decodeFloatTensor(const Tensor &t, std::vector<float> *out,
                       std::string *err);

/// The per-matrix scale of a ternary tensor, without decoding the weights
/// (GGUF: checks every block's d; HF packed: reads weight_scale; masters:
/// absmean of all values).
bool ternaryScale(const Model &model, const Tensor &t, float *scale,
                  std::string *err);

} // namespace tern::model

#endif // TERN_FRONTEND_MODEL_MODEL_H
