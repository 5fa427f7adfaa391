//===- ModelWriter.cpp - Write a BitNet model in HF or GGUF form ----------===//
#include "frontend/model/ModelWriter.h"
#include "frontend/model/Fail.h"
#include "frontend/gguf/GgmlTypes.h"
#include "frontend/gguf/GgufFile.h"
#include "frontend/model/HFConfig.h"
#include "frontend/model/Model.h"
#include "frontend/model/TensorNames.h"
#include "frontend/safetensors/Safetensors.h"
#include "frontend/tokenizer/SentencePieceModel.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/reference/float_formats.h"
#include "runtime/reference/ternary_layout.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstring>
#include <map>

namespace tern::model {

// microsoft/bitnet-b1.58-2B-4T tokenizer_config.json.
const char *const kBitNetChatTemplateJinja =
    "{%- for message in messages %}{%- if loop.first %}{{ bos_token }}"
    "{%- endif %}{%- if message['role'] == 'system' %}{{ 'System: ' + "
    "message['content'] + '<|eot_id|>' }}{%- elif message['role'] == 'user' "
    "%}{{ 'User: ' + message['content'] + '<|eot_id|>' }}{%- elif "
    "message['role'] == 'assistant' %}{{ 'Assistant: ' + message['content'] "
    "+ '<|eot_id|>' }}{%- endif %}{%- endfor %}{%- if add_generation_prompt "
    "%}{{ 'Assistant: ' }}{%- endif %}";

namespace {

// tern's Jinja for the other families' formats (ChatTemplate.h); each is
// recognized again by chatTemplateKindFromJinja.
const char *const kLlama3ChatTemplateJinja =
    "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim "
    "+ '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ "
    "'<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";
const char *const kFalcon3ChatTemplateJinja =
    "{% for message in messages %}{{ '<|' + message['role'] + '|>\n' + "
    "message['content'] + '\n' }}{% endfor %}{% if add_generation_prompt "
    "%}{{ '<|assistant|>\n' }}{% endif %}";

} // namespace

const char *chatTemplateJinja(tern::tok::ChatTemplateKind kind) {
  switch (kind) {
  case tern::tok::ChatTemplateKind::BitNet: return kBitNetChatTemplateJinja;
  case tern::tok::ChatTemplateKind::Llama3: return kLlama3ChatTemplateJinja;
  case tern::tok::ChatTemplateKind::Falcon3: return kFalcon3ChatTemplateJinja;
  case tern::tok::ChatTemplateKind::None: return nullptr;
  }
  return nullptr;
}

namespace {


std::vector<uint8_t> toBf16Bytes(const float *x, size_t n) {
  std::vector<uint8_t> b(2 * n);
  for (size_t i = 0; i < n; ++i) {
    uint16_t h = tern::ref::f32ToBf16(x[i]);
    b[2 * i] = static_cast<uint8_t>(h);
    b[2 * i + 1] = static_cast<uint8_t>(h >> 8);
  }
  return b;
}

// The HF checkpoint layout (tern::ref::hfCheckpointLayout): byte [r, c]
// holds, in bits 2i..2i+1, the code w+1 of row i*(rows/4)+r, column c. The
// same bytes as ref::packTernary, row by row instead of element by element
// (packing the 2B4T model element-wise takes several seconds).
std::vector<uint8_t> packHF(const tern::ref::TernaryMatrix &m) {
  const size_t R = static_cast<size_t>(m.rows) / 4,
               C = static_cast<size_t>(m.cols);
  std::vector<uint8_t> out(R * C, 0);
  for (size_t i = 0; i < 4; ++i)
    for (size_t r = 0; r < R; ++r) {
      const int8_t *src = m.w.data() + (i * R + r) * C;
      uint8_t *dst = out.data() + r * C;
      for (size_t c = 0; c < C; ++c)
        dst[c] |= static_cast<uint8_t>((src[c] + 1) << (2 * i));
    }
  return out;
}

bool writeText(const std::string &path, const std::string &text,
               std::string *err) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return fail(err, path + ": cannot open for writing");
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok &= std::fclose(f) == 0;
  return ok || fail(err, path + ": write failed");
}

std::string join(const std::string &dir, const std::string &name) {
  llvm::SmallString<256> p(dir);
  llvm::sys::path::append(p, name);
  return std::string(p.str());
}

std::string tokenText(const tern::tok::TokenizerData *t, int32_t id,
                      const char *fallback) {
  if (t && id >= 0 && static_cast<size_t>(id) < t->tokens.size())
    return t->tokens[static_cast<size_t>(id)];
  return fallback;
}

bool writeHF(const std::string &dir, const tern::ref::ModelConfig &c,
             const tern::ref::ModelWeights &w, const WriteOptions &o,
             std::string *err) {
  const bool packed = o.format == "hf";
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return fail(err, dir + ": cannot create directory: " + ec.message());
  HFConfigExtras extras;
  extras.quantized = packed;
  extras.family = o.family;
  if (o.tokenizer) {
    extras.bos_token_id = o.tokenizer->bos;
    extras.eos_token_id = o.tokenizer->eos;
  }
  std::string configText;
  if (!writeHFConfig(c, extras, &configText, err))
    return fail(err, join(dir, "config.json") + ": " + *err);
  if (!writeText(join(dir, "config.json"), configText, err))
    return false;
  // 1bitLLM's checkpoints name the sub-norms as its own code did.
  auto hfName = [&](const ExpectedTensor &e) {
    return o.family == "1bitllm" && !e.hf_old_name.empty() ? e.hf_old_name : e.hf_name;
  };

  // Buffers must outlive the writer's write().
  std::vector<std::vector<uint8_t>> buffers;
  std::vector<std::vector<float>> scales;
  std::vector<ExpectedTensor> all = expectedTensors(c);
  buffers.reserve(2 * all.size());
  st::SafetensorsWriter out;
  out.addMetadata("format", "pt");
  size_t done = 0;
  for (const ExpectedTensor &e : all) {
    if (o.progress && (++done % 16 == 0 || done == all.size()))
      o.progress("converting tensor " + std::to_string(done) + "/" +
                 std::to_string(all.size()));
    if (!e.ternary) {
      const std::vector<float> &f = floatsOf(w, e);
      buffers.push_back(toBf16Bytes(f.data(), f.size()));
      out.addTensor(hfName(e), st::DType::BF16, e.shape, buffers.back().data(),
                    buffers.back().size());
      continue;
    }
    const tern::ref::TernaryMatrix &m = matrixOf(w, e);
    if (packed) {
      buffers.push_back(packHF(m));
      out.addTensor(e.hf_name, st::DType::U8, {m.rows / 4, m.cols},
                    buffers.back().data(), buffers.back().size());
      const std::string sname =
          e.hf_name.substr(0, e.hf_name.size() - 6) + "weight_scale";
      buffers.push_back(toBf16Bytes(&m.scale, 1));
      out.addTensor(sname, st::DType::BF16, {1}, buffers.back().data(), 2);
    } else {
      std::vector<float> master = masterWeights(m);
      buffers.push_back(toBf16Bytes(master.data(), master.size()));
      out.addTensor(e.hf_name, st::DType::BF16, e.shape, buffers.back().data(),
                    buffers.back().size());
    }
  }
  if (o.progress)
    o.progress("writing " + join(dir, "model.safetensors"));
  if (!out.write(join(dir, "model.safetensors"), err))
    return false;
  if (o.tokenizer) {
    if (!tern::tok::writeTokenizerJSON(*o.tokenizer,
                                       join(dir, "tokenizer.json"), err))
      return false;
    // A SentencePiece vocabulary (1bitLLM's LLaMA 2) also as tokenizer.model,
    // as its checkpoints ship it.
    const bool spm = !o.tokenizer->pipeline.byteLevel();
    if (spm) {
      tern::tok::TokenizerData sp;
      if (!tern::tok::sentencePieceFromBpe(*o.tokenizer, &sp, err) ||
          !tern::tok::writeSentencePieceModel(sp, join(dir, "tokenizer.model"),
                                              err))
        return false;
    }
    llvm::json::Object tc{
        {"bos_token", tokenText(o.tokenizer, o.tokenizer->bos,
                                "<|begin_of_text|>")},
        {"eos_token", tokenText(o.tokenizer, o.tokenizer->eos,
                                "<|end_of_text|>")},
        {"model_max_length", c.max_context},
        {"tokenizer_class", spm ? "LlamaTokenizer" : "PreTrainedTokenizerFast"},
    };
    if (spm)
      tc["legacy"] = true;
    if (const char *jinja = chatTemplateJinja(o.tokenizer->chat_template))
      tc["chat_template"] = jinja;
    std::string s;
    llvm::raw_string_ostream os(s);
    os << llvm::formatv("{0:2}", llvm::json::Value(std::move(tc))) << "\n";
    os.flush();
    if (!writeText(join(dir, "tokenizer_config.json"), s, err))
      return false;
  }
  return true;
}

bool writeGGUF(const std::string &path, const tern::ref::ModelConfig &c,
               const tern::ref::ModelWeights &w, const WriteOptions &o,
               std::string *err) {
  uint32_t ttype;
  if (o.gguf_type == "tq2_0")
    ttype = gguf::GGML_TYPE_TQ2_0;
  else if (o.gguf_type == "tq1_0")
    ttype = gguf::GGML_TYPE_TQ1_0;
  else if (o.gguf_type == "i2_s")
    ttype = gguf::GGML_TYPE_I2_S;
  else if (o.gguf_type == "f32") // ternary x scale as floats, as converters write them
    ttype = gguf::GGML_TYPE_F32;
  else if (o.gguf_type == "f16")
    ttype = gguf::GGML_TYPE_F16;
  else if (o.gguf_type == "bf16")
    ttype = gguf::GGML_TYPE_BF16;
  else
    return fail(err, "unknown GGUF ternary type '" + o.gguf_type +
                         "' (expected tq2_0, tq1_0, i2_s, f32, f16 or bf16)");
  uint32_t ftype;
  if (o.gguf_float_type == "f16")
    ftype = gguf::GGML_TYPE_F16;
  else if (o.gguf_float_type == "f32")
    ftype = gguf::GGML_TYPE_F32;
  else if (o.gguf_float_type == "bf16")
    ftype = gguf::GGML_TYPE_BF16;
  else if (o.gguf_float_type == "q8_0") // bitnet.cpp's --quant-embd kinds
    ftype = gguf::GGML_TYPE_Q8_0;
  else if (o.gguf_float_type == "q6_k")
    ftype = gguf::GGML_TYPE_Q6_K;
  else
    return fail(err, "unknown GGUF float type '" + o.gguf_float_type +
                         "' (expected f16, f32, bf16, q8_0 or q6_k)");
  // llama158 converts to arch llama (q/k rows permuted for its
  // interleaved RoPE); bitnet and 1bitllm to the bitnet archs.
  const bool llama = o.family == "llama158";
  const std::string arch = !o.arch.empty() ? o.arch : llama ? "llama" : "bitnet";
  if (llama ? arch != "llama"
            : arch != "bitnet" && arch != "bitnet-b1.58" && arch != "bitnet-25")
    return fail(err, "GGUF architecture '" + arch + "' does not fit the " + o.family +
                         " family (expected " +
                         (llama ? "llama" : "bitnet, bitnet-b1.58 or bitnet-25") + ")");
  if (c.sub_norms == llama)
    return fail(err, path + ": a " + arch + " GGUF " + (llama ? "has no" : "has") +
                         " sub-norms, and this model " + (c.sub_norms ? "has" : "has none"));
  gguf::GgufWriter g;
  const std::string a = arch + ".";
  g.addString("general.architecture", arch);
  g.addString("general.name", o.name);
  g.addU32("general.alignment", 32);
  g.addU32(a + "vocab_size", static_cast<uint32_t>(c.vocab));
  g.addU32(a + "context_length", static_cast<uint32_t>(c.max_context));
  g.addU32(a + "embedding_length", static_cast<uint32_t>(c.hidden));
  g.addU32(a + "block_count", static_cast<uint32_t>(c.layers));
  g.addU32(a + "feed_forward_length", static_cast<uint32_t>(c.ffn));
  g.addU32(a + "attention.head_count", static_cast<uint32_t>(c.heads));
  g.addU32(a + "attention.head_count_kv", static_cast<uint32_t>(c.kv_heads));
  g.addU32(a + "attention.key_length", static_cast<uint32_t>(c.head_dim));
  g.addU32(a + "attention.value_length", static_cast<uint32_t>(c.head_dim));
  g.addU32(a + "rope.dimension_count", static_cast<uint32_t>(c.head_dim));
  g.addF32(a + "rope.freq_base", c.rope_theta);
  g.addF32(a + "attention.layer_norm_rms_epsilon", c.rms_eps);
  // The FFN activation, which llama.cpp's keys do not say (LoadGGUF.cpp).
  g.addString("tern.hidden_act", tern::ref::activationName(c.activation));
  tern::tok::TokenizerData spmForm;
  const tern::tok::TokenizerData *t = o.tokenizer;
  const bool spm = t && !t->pipeline.byteLevel();
  if (spm) { // llama.cpp's "llama" vocabulary: pieces with scores
    if (!tern::tok::sentencePieceFromBpe(*t, &spmForm, err))
      return false;
    t = &spmForm;
  }
  if (t) {
    g.addString("tokenizer.ggml.model", spm ? "llama" : "gpt2");
    if (!spm)
      g.addString("tokenizer.ggml.pre", "llama-bpe");
    g.addStringArray("tokenizer.ggml.tokens", t->tokens);
    if (spm) {
      g.addF32Array("tokenizer.ggml.scores", t->scores);
      g.addBool("tokenizer.ggml.add_space_prefix",
                t->pipeline.addsDummyPrefix());
      if (t->unk >= 0)
        g.addU32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(t->unk));
    }
    std::vector<int32_t> types = t->token_types;
    if (types.size() != t->tokens.size()) {
      types.assign(t->tokens.size(), 1);
      for (int32_t id : t->special_ids)
        if (id >= 0 && static_cast<size_t>(id) < types.size())
          types[static_cast<size_t>(id)] = 3;
    }
    g.addI32Array("tokenizer.ggml.token_type", types);
    if (!spm) {
      std::vector<std::string> merges;
      merges.reserve(t->merges.size());
      for (const auto &m : t->merges)
        merges.push_back(m.first + " " + m.second);
      g.addStringArray("tokenizer.ggml.merges", std::move(merges));
    }
    if (t->bos >= 0)
      g.addU32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(t->bos));
    if (t->eos >= 0)
      g.addU32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(t->eos));
    if (t->eot >= 0)
      g.addU32("tokenizer.ggml.eot_token_id", static_cast<uint32_t>(t->eot));
    g.addBool("tokenizer.ggml.add_bos_token", true);
    if (const char *jinja = chatTemplateJinja(t->chat_template))
      g.addString("tokenizer.chat_template", jinja);
  }
  if (!c.rope_freq_factors.empty()) { // llama.cpp's rope_freqs
    std::vector<uint8_t> bytes(c.rope_freq_factors.size() * 4);
    std::memcpy(bytes.data(), c.rope_freq_factors.data(), bytes.size());
    g.addTensor("rope_freqs.weight", {uint64_t(c.rope_freq_factors.size())},
                gguf::GGML_TYPE_F32, std::move(bytes));
  }
  std::vector<ExpectedTensor> all = expectedTensors(c);
  size_t done = 0;
  for (const ExpectedTensor &e : all) {
    if (o.progress && (++done % 16 == 0 || done == all.size()))
      o.progress("encoding tensor " + std::to_string(done) + "/" +
                 std::to_string(all.size()));
    std::vector<uint64_t> ne(e.shape.rbegin(), e.shape.rend());
    std::vector<uint8_t> bytes;
    std::string cerr;
    if (e.ternary) {
      const tern::ref::TernaryMatrix &m = matrixOf(w, e);
      std::vector<int8_t> vals = m.w;
      // llama.cpp's LlamaModel.permute of q (heads) and k (kv heads).
      if (const int heads = llama ? llamaPermutedHeads(e, c) : 0)
        vals = permuteHeads(vals, m.rows, m.cols, heads);
      const float s = multiplyScale(m);
      if (gguf::isTernaryType(ttype)) {
        if (!gguf::encodeTernary(ttype, vals.data(), m.rows, m.cols, s, &bytes, &cerr))
          return fail(err, path + ": tensor '" + e.gguf_name + "': " + cerr);
      } else {
        std::vector<float> f(vals.size());
        for (size_t i = 0; i < f.size(); ++i)
          f[i] = float(vals[i]) * s;
        if (!gguf::encodeFloats(ttype, f.data(), f.size(), &bytes, &cerr))
          return fail(err, path + ": tensor '" + e.gguf_name + "': " + cerr);
      }
      g.addTensor(e.gguf_name, ne, ttype, std::move(bytes));
    } else {
      const std::vector<float> &f = floatsOf(w, e);
      const uint32_t type = e.shape.size() == 1 ? gguf::GGML_TYPE_F32 : ftype;
      // ggml's blocks run along a row (ne[0]).
      const int64_t block = gguf::typeTraits(type)->block;
      if (e.shape.back() % block)
        return fail(err, path + ": tensor '" + e.gguf_name + "': " + gguf::typeName(type) +
                             " needs a row length that is a multiple of " +
                             std::to_string(block) + ", got " + std::to_string(e.shape.back()));
      if (!gguf::encodeFloats(type, f.data(), f.size(), &bytes, &cerr))
        return fail(err, path + ": tensor '" + e.gguf_name + "': " + cerr);
      g.addTensor(e.gguf_name, ne, type, std::move(bytes));
    }
  }
  if (o.progress)
    o.progress("writing " + path);
  return g.write(path, err);
}

} // namespace

std::vector<uint8_t> packHFCheckpoint(const tern::ref::TernaryMatrix &m) {
  return packHF(m);
}

float multiplyScale(const tern::ref::TernaryMatrix &m) {
  return m.mode == tern::ref::ScaleMode::Divide ? 1.0f / m.scale : m.scale;
}

std::vector<float> masterWeights(const tern::ref::TernaryMatrix &m) {
  size_t nonzero = 0;
  for (int8_t x : m.w)
    nonzero += x != 0;
  const double f = m.w.empty() ? 1.0 : double(nonzero) / double(m.w.size());
  const float mag = tern::ref::roundToBf16(
      static_cast<float>(multiplyScale(m) / (f > 0 ? f : 1.0)));
  std::vector<float> out(m.w.size());
  for (size_t i = 0; i < m.w.size(); ++i)
    out[i] = static_cast<float>(m.w[i]) * mag;
  return out;
}

bool writeModel(const std::string &out, const tern::ref::ModelConfig &config,
                const tern::ref::ModelWeights &weights,
                const WriteOptions &options, std::string *err) {
  std::string cerr;
  if (!tern::ref::checkWeights(config, weights, &cerr))
    return fail(err, out + ": cannot write an invalid model: " + cerr);
  if (options.format == "hf" || options.format == "hf-master")
    return writeHF(out, config, weights, options, err);
  if (options.format == "gguf")
    return writeGGUF(out, config, weights, options, err);
  return fail(err, "unknown model format '" + options.format +
                       "' (expected hf, hf-master or gguf)");
}

} // namespace tern::model
