//===- LoadGGUF.cpp - Load a BitNet GGUF file -----------------------------===//
//
// llama.cpp (arch "bitnet") and bitnet.cpp ("bitnet-b1.58", "bitnet-25")
// files. All three use NEOX-style RoPE (llama_rope_type puts them with the
// archs whose "pairs of head values are offset by n_rot/2") and their
// converters do not permute q/k rows, so the weights are HF's, unchanged.
//
//===----------------------------------------------------------------------===//
#include "frontend/model/Fail.h"
#include "frontend/gguf/GgmlTypes.h"
#include "frontend/gguf/GgufFile.h"
#include "frontend/model/LoadInternal.h"
#include "frontend/model/MappedFile.h"
#include "frontend/model/TensorNames.h"

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
  if (arch != "bitnet" && arch != "bitnet-b1.58" && arch != "bitnet-25")
    return fail(err, path + ": unknown architecture '" + arch +
                         "' (tern reads 'bitnet', 'bitnet-b1.58' and "
                         "'bitnet-25')");
  tern::ref::ModelConfig c;
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
    default:
      return fail(err, where + ": tensor type " + gguf::typeName(t->type) +
                           " (" + std::to_string(t->type) +
                           ") is not supported");
    }
    if (e.ternary && isFloatEncoding(x.encoding))
      return fail(err, where + ": a BitLinear weight stored as " +
                           gguf::typeName(t->type) +
                           "; tern reads them as TQ1_0, TQ2_0 or I2_S");
    if (!e.ternary && !isFloatEncoding(x.encoding))
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
