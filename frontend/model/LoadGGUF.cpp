//===- LoadGGUF.cpp - Load a BitNet GGUF file -----------------------------===//
//
// llama.cpp (arch "bitnet") and bitnet.cpp ("bitnet-b1.58", "bitnet-25")
// files. All three use NEOX-style RoPE (llama_rope_type puts them with the
// archs whose "pairs of head values are offset by n_rot/2") and their
// converters do not permute q/k rows, so the weights are HF's, unchanged.
//
// Arch "llama" (the Llama-3 / Falcon3 1.58-bit models as llama.cpp and
// bitnet.cpp convert them): silu, no sub-norms, an untied output, and the
// q/k rows permuted for llama's interleaved RoPE (LlamaModel.permute), which
// decoding undoes so the graph's NEOX RoPE applies.
//
// BitLinear weights may be floats (F32/F16/BF16, as the converters write
// them before llama-quantize): they must be exactly ternary x one scale,
// which is recovered exactly.
//
// The FFN activation of a "bitnet" file is not in llama.cpp's metadata, and
// the arch name is shared by 2B4T conversions (relu2) and 1bitLLM's (silu):
// tern.hidden_act (tern's writer) decides, else the vocabulary (1bitLLM's
// is LLaMA 2's SentencePiece, tokenizer.ggml.model "llama"; 2B4T's is
// LLaMA 3's BPE, "gpt2"), else bitnet.cpp's "bitnet-25" / "bitnet-b1.58"
// (2B4T, relu2); a bare "bitnet" file with neither is an error.
//
//===----------------------------------------------------------------------===//
#include "frontend/model/Fail.h"
#include "frontend/gguf/GgmlTypes.h"
#include "frontend/gguf/GgufFile.h"
#include "frontend/model/LoadInternal.h"
#include "frontend/model/MappedFile.h"
#include "frontend/model/TensorNames.h"

#include <cstring>

namespace tern::model {

bool loadGGUF(const std::string &path, Model *out, std::string *err) {
  std::shared_ptr<MappedFile> file;
  if (!MappedFile::open(path, &file, err))
    return false;
  auto g = std::make_shared<gguf::GgufFile>();
  if (!gguf::GgufFile::parse(file->data(), file->size(), path, g.get(), err))
    return false;
  std::string arch;
  if (!g->getString("general.architecture", &arch, err))
    return false;
  const bool llama = arch == "llama";
  if (!llama && arch != "bitnet" && arch != "bitnet-b1.58" && arch != "bitnet-25")
    return fail(err, path + ": unknown architecture '" + arch +
                         "' (tern reads 'bitnet', 'bitnet-b1.58', 'bitnet-25' "
                         "and ternary 'llama')");
  tern::ref::ModelConfig c;
  tern::ref::applyFamily(llama ? "llama158" : "bitnet", &c);
  c.scale_mode = tern::ref::ScaleMode::Multiply; // GGUF scales multiply
  if (g->find("tern.hidden_act")) {
    std::string act;
    if (!g->getString("tern.hidden_act", &act, err))
      return false;
    if (act != "relu2" && act != "silu")
      return fail(err, path + ": key 'tern.hidden_act' = '" + act +
                           "' (expected relu2 or silu)");
    c.activation = act == "silu" ? tern::ref::Activation::Silu : tern::ref::Activation::Relu2;
  } else if (!llama) {
    std::string vocab;
    if (g->find("tokenizer.ggml.model") && !g->getString("tokenizer.ggml.model", &vocab, err))
      return false;
    if (vocab == "llama")
      c.activation = tern::ref::Activation::Silu; // 1bitLLM (LLaMA 2 vocabulary)
    else if (vocab.empty() && arch == "bitnet")
      return fail(err, path + ": arch 'bitnet' is BitNet b1.58 2B4T (relu2) or 1bitLLM "
                              "(silu), and this file has neither a tokenizer nor "
                              "tern.hidden_act to tell which");
  }
  auto u32 = [&](const std::string &key, int *v) {
    uint32_t x = 0;
    if (!g->getU32(arch + "." + key, &x, err))
      return false;
    if (x == 0 || x > (1u << 30))
      return fail(err, path + ": key '" + arch + "." + key + "' = " +
                           std::to_string(x) + " is out of range");
    *v = static_cast<int>(x);
    return true;
  };
  if (!u32("embedding_length", &c.hidden) ||
      !u32("feed_forward_length", &c.ffn) || !u32("block_count", &c.layers) ||
      !u32("attention.head_count", &c.heads) ||
      !u32("context_length", &c.max_context))
    return false;
  c.kv_heads = c.heads;
  if (g->find(arch + ".attention.head_count_kv") &&
      !u32("attention.head_count_kv", &c.kv_heads))
    return false;
  c.head_dim = c.hidden / c.heads;
  if (g->find(arch + ".attention.key_length") &&
      !u32("attention.key_length", &c.head_dim))
    return false;
  else if (!g->find(arch + ".attention.key_length") &&
           g->find(arch + ".rope.dimension_count") &&
           !u32("rope.dimension_count", &c.head_dim))
    return false;
  c.rope_theta = 10000.0f;
  if (g->find(arch + ".rope.freq_base") &&
      !g->getF32(arch + ".rope.freq_base", &c.rope_theta, err))
    return false;
  if (!g->getF32(arch + ".attention.layer_norm_rms_epsilon", &c.rms_eps, err))
    return false;
  const gguf::TensorInfo *emb = g->tensor("token_embd.weight");
  if (!emb)
    return fail(err, path + ": missing tensor 'token_embd.weight'");
  if (g->find(arch + ".vocab_size")) {
    if (!u32("vocab_size", &c.vocab))
      return false;
  } else if (const gguf::Value *toks = g->find("tokenizer.ggml.tokens")) {
    c.vocab = static_cast<int>(toks->strings.size());
  } else if (emb->ne.size() == 2) {
    c.vocab = static_cast<int>(emb->ne[1]);
  }
  c.tied_embeddings = g->tensor("output.weight") == nullptr;
  // llama.cpp's RoPE frequency divisors (Llama 3.1's rope_scaling).
  if (const gguf::TensorInfo *rf = g->tensor("rope_freqs.weight")) {
    if (rf->type != gguf::GGML_TYPE_F32 || rf->nelements != uint64_t(c.head_dim / 2))
      return fail(err, path + ": tensor 'rope_freqs.weight': expected " +
                           std::to_string(c.head_dim / 2) + " F32 values (head_dim / 2), got " +
                           std::to_string(rf->nelements) + " " + gguf::typeName(rf->type));
    c.rope_freq_factors.resize(size_t(rf->nelements));
    std::memcpy(c.rope_freq_factors.data(), rf->data, rf->nelements * 4);
  }
  // A llama file with sub-norm tensors, or a bitnet one without, is not
  // the model its arch says.
  if (llama && g->tensor("blk.0.attn_sub_norm.weight"))
    return fail(err, path + ": tensor 'blk.0.attn_sub_norm.weight' is a sub-norm, which arch "
                            "'llama' does not have");
  std::string verr;
  if (!tern::ref::validate(c, &verr))
    return fail(err, path + ": " + verr);

  out->path = path;
  out->format = "gguf";
  out->arch = arch;
  out->config = c;
  out->files.push_back(file);
  for (const ExpectedTensor &e : expectedTensors(c)) {
    const gguf::TensorInfo *t = g->tensor(e.gguf_name);
    const std::string where = path + ": tensor '" + e.gguf_name + "'";
    if (!t)
      return fail(err, path + ": missing tensor '" + e.gguf_name + "' (" +
                           e.hf_name + ")");
    // GGUF dims are innermost first: [in, out] for a weight.
    std::vector<int64_t> shape;
    for (auto it = t->ne.rbegin(); it != t->ne.rend(); ++it)
      shape.push_back(static_cast<int64_t>(*it));
    if (shape != e.shape)
      return fail(err, where + ": shape " + shapeString(shape) +
                           " contradicts the model's metadata (expected " +
                           shapeString(e.shape) + ")");
    Tensor x = tensorAt(e.hf_name, e.gguf_name, path, e.shape, t->file_offset,
                        t->bytes, t->data);
    x.ternary = e.ternary;
    if (llama)
      x.permuted_heads = llamaPermutedHeads(e, c);
    switch (t->type) {
    case gguf::GGML_TYPE_F32:
      x.encoding = Encoding::F32;
      break;
    case gguf::GGML_TYPE_F16:
      x.encoding = Encoding::F16;
      break;
    case gguf::GGML_TYPE_BF16:
      x.encoding = Encoding::BF16;
      break;
    case gguf::GGML_TYPE_TQ1_0:
      x.encoding = Encoding::TQ1_0;
      break;
    case gguf::GGML_TYPE_TQ2_0:
      x.encoding = Encoding::TQ2_0;
      break;
    case gguf::GGML_TYPE_I2_S:
      x.encoding = Encoding::I2_S;
      break;
    case gguf::GGML_TYPE_Q8_0:
    case gguf::GGML_TYPE_Q6_K:
      // The embedding and the head only (bitnet.cpp's --quant-embd):
      // dequantized as ggml does.
      if (e.global == &tern::ref::ModelWeights::embedding ||
          e.global == &tern::ref::ModelWeights::lm_head) {
        x.encoding = t->type == gguf::GGML_TYPE_Q8_0 ? Encoding::Q8_0 : Encoding::Q6_K;
        break;
      }
      [[fallthrough]];
    default:
      return fail(err, where + ": tensor type " + gguf::typeName(t->type) +
                           " (" + std::to_string(t->type) + ") is not supported" +
                           (e.ternary ? " for a BitLinear weight: tern runs ternary models "
                                        "(TQ1_0, TQ2_0, I2_S, or F32/F16/BF16 holding "
                                        "ternary x one scale)"
                                      : ""));
    }
    // Floats holding a BitLinear weight: exactly ternary x one scale.
    x.exact_ternary = e.ternary && isFloatEncoding(x.encoding);
    if (!e.ternary && !isFloatEncoding(x.encoding) && !isQuantizedFloatEncoding(x.encoding))
      return fail(err, where + ": type " + gguf::typeName(t->type) +
                           " for a float tensor (expected F32, F16 or BF16)");
    if (e.ternary) {
      // llama.cpp's optional per-matrix scale tensor.
      const std::string sname =
          e.gguf_name.substr(0, e.gguf_name.size() - 6) + "scale";
      if (const gguf::TensorInfo *s = g->tensor(sname)) {
        if (s->type != gguf::GGML_TYPE_F32 || s->nelements != 1)
          return fail(err, path + ": tensor '" + sname +
                               "': expected one F32 value");
        Tensor st = tensorAt(sname, sname, path, {1}, s->file_offset, 4,
                             s->data);
        st.encoding = Encoding::F32;
        x.extra_scale_tensor = addTensor(out, std::move(st));
      }
    }
    addTensor(out, std::move(x));
  }
  out->tokenizer.in_gguf = g->find("tokenizer.ggml.tokens") != nullptr;
  out->gguf = std::move(g);
  return true;
}

} // namespace tern::model
