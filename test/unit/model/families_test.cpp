//===- families_test.cpp - the ternary families' HF files, read and written ===//
//
// BitNet b1.58 2B4T, the Llama-3 / Falcon3 1.58-bit models (LlamaForCausalLM
// with quant_method bitnet) and 1bitLLM's (BitnetForCausalLM): config.json
// as the published checkpoints ship it gives each family's math, a model
// written as a family reads back with the same weights, scale mode and
// logits, and the configs tern cannot run are one-line errors.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgufFile.h"
#include "frontend/model/HFConfig.h"
#include "frontend/model/Model.h"
#include "frontend/model/ModelWriter.h"
#include "frontend/safetensors/Safetensors.h"
#include "runtime/reference/synthetic_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

using namespace tern;
using namespace tern::model;

namespace {

std::string temp(const std::string &name) {
  return testing::TempDir() + "/tern-families-test-" + name;
}

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

std::vector<float> logits(const ref::ModelConfig &c, ref::ModelWeights w) {
  ref::ReferenceModel m(c, std::move(w));
  EXPECT_TRUE(m.ok()) << m.error();
  ref::KVCache cache = m.makeCache();
  std::vector<int32_t> toks = {1, 7, 42, 300, 5, 511};
  std::vector<float> out(toks.size() * static_cast<size_t>(c.vocab));
  std::string err;
  EXPECT_TRUE(m.forward(toks.data(), static_cast<int>(toks.size()), cache, out.data(), &err))
      << err;
  return out;
}

ref::ModelConfig tinyOf(const std::string &family) {
  bool ok = false;
  ref::ModelConfig c = ref::presetConfig("tiny", &ok);
  EXPECT_TRUE(ref::applyFamily(family, &c)) << family;
  return c;
}

bool parse(const std::string &json, ref::ModelConfig *c, HFConfigExtras *e, std::string *err) {
  return parseHFConfig(json, "config.json", c, e, err);
}

// HF1BitLLM/Llama3-8B-1.58-100B-tokens/config.json.
const char *kLlama3_158 = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false,
  "bos_token_id": 128000, "eos_token_id": 128001, "hidden_act": "silu",
  "hidden_size": 4096, "intermediate_size": 14336, "max_position_embeddings": 8192,
  "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32,
  "num_hidden_layers": 32, "num_key_value_heads": 8, "pretraining_tp": 1,
  "quantization_config": {"modules_to_not_convert": null, "quant_method": "bitnet"},
  "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 500000.0,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 128256})";

// tiiuae/Falcon3-1B-Instruct-1.58bit/config.json: head_dim 256 given.
const char *kFalcon3_158 = R"({
  "architectures": ["LlamaForCausalLM"], "bos_token_id": 11, "eos_token_id": 11,
  "head_dim": 256, "hidden_act": "silu", "hidden_size": 2048,
  "intermediate_size": 8192, "max_position_embeddings": 8192, "model_type": "llama",
  "num_attention_heads": 8, "num_hidden_layers": 18, "num_key_value_heads": 4,
  "quantization_config": {"modules_to_not_convert": null, "quant_method": "bitnet"},
  "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000042,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 131072})";

// 1bitLLM/bitnet_b1_58-large/config.json.
const char *k1bitLLM = R"({
  "architectures": ["BitnetForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
  "hidden_act": "silu", "hidden_size": 1536, "input_bits": 8,
  "intermediate_size": 4096, "max_position_embeddings": 2048, "model_type": "llama",
  "num_attention_heads": 16, "num_hidden_layers": 24, "num_key_value_heads": 16,
  "pad_token_id": 32000, "rms_norm_eps": 1e-05, "rope_scaling": null,
  "rope_theta": 10000.0, "tie_word_embeddings": true, "torch_dtype": "float16",
  "vocab_size": 32002, "weight_bits": 1})";

// microsoft/bitnet-b1.58-2B-4T/config.json (its quantization_config).
const char *k2B4T = R"({
  "architectures": ["BitNetForCausalLM"], "bos_token_id": 128000, "eos_token_id": 128001,
  "hidden_act": "relu2", "hidden_size": 2560, "intermediate_size": 6912,
  "max_position_embeddings": 4096, "model_type": "bitnet", "num_attention_heads": 20,
  "num_hidden_layers": 30, "num_key_value_heads": 5,
  "quantization_config": {"linear_class": "autobitlinear", "quant_method": "bitnet",
                          "quantization_mode": "offline"},
  "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true,
  "vocab_size": 128256})";

} // namespace

TEST(FamilyConfig, PublishedConfigsGiveEachFamilysMath) {
  ref::ModelConfig c;
  HFConfigExtras e;
  std::string err;
  ASSERT_TRUE(parse(kLlama3_158, &c, &e, &err)) << err;
  EXPECT_EQ(e.family, "llama158");
  EXPECT_EQ(c.activation, ref::Activation::Silu);
  EXPECT_FALSE(c.sub_norms);
  EXPECT_EQ(c.scale_mode, ref::ScaleMode::Divide);
  EXPECT_FALSE(c.tied_embeddings);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.kv_heads, 8);

  ASSERT_TRUE(parse(kFalcon3_158, &c, &e, &err)) << err;
  EXPECT_EQ(e.family, "llama158");
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.hidden, 2048);
  EXPECT_EQ(c.rope_theta, 1000042.0f);
  EXPECT_EQ(c.rms_eps, 1e-6f);
  EXPECT_EQ(c.vocab, 131072);
  EXPECT_EQ(e.bos_token_id, 11);
  // head_dim is read, never derived, where the file gives it.
  std::string j = kFalcon3_158;
  const std::string heads8 = "\"num_attention_heads\": 8";
  j.replace(j.find(heads8), heads8.size(), "\"num_attention_heads\": 16");
  ASSERT_TRUE(parse(j, &c, &e, &err)) << err;
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.heads, 16);

  ASSERT_TRUE(parse(k1bitLLM, &c, &e, &err)) << err;
  EXPECT_EQ(e.family, "1bitllm");
  EXPECT_EQ(c.activation, ref::Activation::Silu);
  EXPECT_TRUE(c.sub_norms);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.head_dim, 96);
  EXPECT_FALSE(e.quantized);

  ASSERT_TRUE(parse(k2B4T, &c, &e, &err)) << err;
  EXPECT_EQ(e.family, "bitnet");
  EXPECT_EQ(c.activation, ref::Activation::Relu2);
  EXPECT_TRUE(c.sub_norms);
  EXPECT_EQ(c.scale_mode, ref::ScaleMode::Multiply);
  EXPECT_TRUE(c.tied_embeddings);
}

// The math follows the file, not the family's usual choice.
TEST(FamilyConfig, ActivationAndScaleModeComeFromTheFile) {
  std::string j = k2B4T;
  j.replace(j.find("\"relu2\""), 7, "\"silu\"");
  j.replace(j.find("\"autobitlinear\""), 15, "\"bitlinear\"");
  ref::ModelConfig c;
  HFConfigExtras e;
  std::string err;
  ASSERT_TRUE(parse(j, &c, &e, &err)) << err;
  EXPECT_EQ(c.activation, ref::Activation::Silu);
  EXPECT_EQ(c.scale_mode, ref::ScaleMode::Divide);
  EXPECT_TRUE(c.sub_norms) << "model_type bitnet has sub-norms";
}

TEST(FamilyConfig, WhatTernCannotRunIsAOneLineError) {
  auto error = [](std::string json, const std::string &from, const std::string &to) {
    if (!from.empty()) {
      size_t at = json.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      json.replace(at, from.size(), to);
    }
    ref::ModelConfig c;
    HFConfigExtras e;
    std::string err;
    EXPECT_FALSE(parse(json, &c, &e, &err));
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    EXPECT_EQ(err.rfind("config.json: ", 0), 0u) << err;
    return err;
  };
  // A full-precision llama: not ternary.
  std::string e = error(kLlama3_158, R"("quantization_config": {"modules_to_not_convert": null, "quant_method": "bitnet"},)", "");
  EXPECT_TRUE(contains(e, "a llama model without ternary weights")) << e;
  e = error(kLlama3_158, "\"quant_method\": \"bitnet\"", "\"quant_method\": \"gptq\"");
  EXPECT_TRUE(contains(e, "quant_method \"gptq\" is not ternary")) << e;
  e = error(kLlama3_158, "\"silu\"", "\"gelu\"");
  EXPECT_TRUE(contains(e, "hidden_act \"gelu\" is not supported")) << e;
  e = error(kLlama3_158, "\"rope_scaling\": null",
            R"("rope_scaling": {"factor": 8.0, "rope_type": "dynamic"})");
  EXPECT_TRUE(contains(e, "rope_scaling type \"dynamic\" is not supported")) << e;
  e = error(kLlama3_158, "\"rope_scaling\": null",
            R"("rope_scaling": {"factor": 8.0, "low_freq_factor": 4, "high_freq_factor": 1, "rope_type": "llama3"})");
  EXPECT_TRUE(contains(e, "low_freq_factor < high_freq_factor")) << e;
  e = error(kLlama3_158, "\"model_type\": \"llama\"", "\"model_type\": \"mistral\"");
  EXPECT_TRUE(contains(e, "unknown architecture: model_type \"mistral\"")) << e;
  e = error(k2B4T, "\"autobitlinear\"", "\"fancylinear\"");
  EXPECT_TRUE(contains(e, "linear_class \"fancylinear\" is unknown")) << e;
}

// Each family written in its published form reads back as that family,
// with the same weights (scale mode included) and the same logits.
TEST(FamilyRoundTrip, EachFamilyReadsBackAsWritten) {
  struct Case {
    const char *family, *format;
    bool exact; ///< packed: bit-identical; masters: absmean at load
  };
  for (const Case &k : {Case{"llama158", "hf", true}, Case{"bitnet", "hf", true},
                        Case{"1bitllm", "hf-master", false}}) {
    SCOPED_TRACE(k.family);
    const ref::ModelConfig c = tinyOf(k.family);
    const ref::ModelWeights w = ref::makeSyntheticWeights(c, 3);
    WriteOptions o;
    o.format = k.format;
    o.family = k.family;
    const std::string dir = temp(std::string(k.family) + "-" + k.format);
    std::string err;
    ASSERT_TRUE(writeModel(dir, c, w, o, &err)) << err;
    Model m;
    ASSERT_TRUE(loadModel(dir, &m, &err)) << err;
    EXPECT_EQ(m.arch, k.family);
    EXPECT_EQ(m.config.activation, c.activation);
    EXPECT_EQ(m.config.sub_norms, c.sub_norms);
    EXPECT_EQ(m.config.tied_embeddings, c.tied_embeddings);
    ref::ModelWeights got;
    ASSERT_TRUE(toReferenceWeights(m, &got, &err)) << err;
    ASSERT_EQ(got.layers.size(), w.layers.size());
    EXPECT_EQ(got.lm_head, w.lm_head);
    EXPECT_EQ(got.layers[0].attn_sub_norm, w.layers[0].attn_sub_norm);
    for (size_t l = 0; l < w.layers.size(); ++l) {
      EXPECT_EQ(got.layers[l].down.w, w.layers[l].down.w);
      if (k.exact) {
        EXPECT_EQ(got.layers[l].down.mode, w.layers[l].down.mode);
        EXPECT_EQ(got.layers[l].down.scale, w.layers[l].down.scale);
      }
    }
    const std::vector<float> want = logits(c, w), have = logits(m.config, std::move(got));
    if (k.exact) {
      EXPECT_EQ(have, want);
    } else {
      ASSERT_EQ(have.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) // bf16 masters' absmean, as ModelRoundTrip
        ASSERT_NEAR(have[i], want[i], 0.1) << i;
    }
  }
  // llama158 stores divide-mode scales; the test above would not notice a
  // reader that took them as multipliers if they were 1, so check they
  // are not.
  const ref::ModelWeights w = ref::makeSyntheticWeights(tinyOf("llama158"), 3);
  EXPECT_EQ(w.layers[0].q.mode, ref::ScaleMode::Divide);
  EXPECT_NE(w.layers[0].q.scale, 1.0f);
}

// 1bitLLM names its sub-norms self_attn.inner_attn_ln / mlp.ffn_layernorm:
// the writer uses those names and the reader takes either.
TEST(FamilyRoundTrip, OneBitLLMSubNormNames) {
  const ref::ModelConfig c = tinyOf("1bitllm");
  WriteOptions o;
  o.format = "hf-master";
  o.family = "1bitllm";
  const std::string dir = temp("1bitllm-names");
  std::string err;
  ASSERT_TRUE(writeModel(dir, c, ref::makeSyntheticWeights(c, 4), o, &err)) << err;
  std::ifstream in(dir + "/model.safetensors", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  st::SafetensorsFile f;
  ASSERT_TRUE(st::SafetensorsFile::parse(bytes.data(), bytes.size(), "x", &f, &err)) << err;
  EXPECT_NE(f.find("model.layers.0.self_attn.inner_attn_ln.weight"), nullptr);
  EXPECT_NE(f.find("model.layers.1.mlp.ffn_layernorm.weight"), nullptr);
  EXPECT_EQ(f.find("model.layers.0.self_attn.attn_sub_norm.weight"), nullptr);
  Model m;
  ASSERT_TRUE(loadModel(dir, &m, &err)) << err;
  const Tensor *t = m.find("model.layers.1.mlp.ffn_sub_norm.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->stored_name, "model.layers.1.mlp.ffn_layernorm.weight");
}

TEST(FamilyWriter, AConfigThatDoesNotFitItsFamilyIsAnError) {
  ref::ModelConfig c = tinyOf("llama158");
  std::string text, err;
  HFConfigExtras e;
  e.family = "bitnet"; // bitnet checkpoints have sub-norms; this model has none
  EXPECT_FALSE(writeHFConfig(c, e, &text, &err));
  EXPECT_TRUE(contains(err, "a bitnet checkpoint has sub-norms")) << err;
  e.family = "1bitllm";
  c = tinyOf("1bitllm");
  EXPECT_FALSE(writeHFConfig(c, e, &text, &err)); // packed by default
  EXPECT_TRUE(contains(err, "master weights")) << err;
  e.family = "llama158";
  e.quantized = false;
  EXPECT_FALSE(writeHFConfig(tinyOf("llama158"), e, &text, &err));
  EXPECT_TRUE(contains(err, "llama158 checkpoints hold packed ternary weights")) << err;
  e.family = "llama";
  EXPECT_FALSE(writeHFConfig(c, e, &text, &err));
  EXPECT_TRUE(contains(err, "unknown model family 'llama'")) << err;
}

// Every family in every GGUF type (the ternary ones and floats holding
// ternary x scale, as the converters write them before llama-quantize)
// reads back as the same model: identical reference logits to its HF form.
TEST(FamilyRoundTrip, EveryGGUFTypeGivesTheSameLogits) {
  for (const char *family : {"bitnet", "llama158", "1bitllm"}) {
    const ref::ModelConfig c = tinyOf(family);
    const ref::ModelWeights w = ref::makeSyntheticWeights(c, 5);
    const std::vector<float> want = logits(c, w);
    for (const char *type : {"tq2_0", "tq1_0", "i2_s", "f32", "f16", "bf16"}) {
      SCOPED_TRACE(std::string(family) + " " + type);
      WriteOptions o;
      o.format = "gguf";
      o.family = family;
      o.gguf_type = type;
      const std::string path = temp(std::string(family) + "-" + type + ".gguf");
      std::string err;
      ASSERT_TRUE(writeModel(path, c, w, o, &err)) << err;
      Model m;
      ASSERT_TRUE(loadModel(path, &m, &err)) << err;
      EXPECT_EQ(m.arch, std::string(family) == "llama158" ? "llama" : "bitnet");
      EXPECT_EQ(m.config.activation, c.activation);
      EXPECT_EQ(m.config.sub_norms, c.sub_norms);
      EXPECT_EQ(m.config.tied_embeddings, c.tied_embeddings);
      ref::ModelWeights got;
      ASSERT_TRUE(toReferenceWeights(m, &got, &err)) << err;
      EXPECT_EQ(got.layers[1].q.w, w.layers[1].q.w) << "q rows back in HF order";
      EXPECT_EQ(got.layers[1].k.w, w.layers[1].k.w) << "k rows back in HF order";
      EXPECT_EQ(logits(m.config, std::move(got)), want);
    }
  }
}

// The q/k rows of an arch llama file are in llama.cpp's order
// (LlamaModel.permute: reshape(heads, 2, d/2, cols).swapaxes(1, 2)), so a
// reader that forgot to undo it would not see HF's rows.
TEST(FamilyRoundTrip, LlamaPermutationIsLlamaCpps) {
  std::vector<int> rows = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<int8_t> w(rows.begin(), rows.end()); // one column: the row's HF index
  std::vector<int8_t> p = permuteHeads(w, 8, 1, 2);
  EXPECT_EQ(std::vector<int>(p.begin(), p.end()), (std::vector<int>{0, 2, 1, 3, 4, 6, 5, 7}));
  std::string err;
  ASSERT_TRUE(unpermuteHeads(&p, 8, 1, 2, "q", &err)) << err;
  EXPECT_EQ(p, w);
  EXPECT_FALSE(unpermuteHeads(&p, 6, 1, 2, "blk.0.attn_q.weight", &err));
  EXPECT_TRUE(contains(err, "blk.0.attn_q.weight: cannot undo the q/k row permutation")) << err;

  // In a written file: the stored rows of attn_q are the permuted ones.
  const ref::ModelConfig c = tinyOf("llama158");
  const ref::ModelWeights wt = ref::makeSyntheticWeights(c, 6);
  WriteOptions o;
  o.format = "gguf";
  o.family = "llama158";
  o.gguf_type = "f32";
  const std::string path = temp("perm.gguf");
  ASSERT_TRUE(writeModel(path, c, wt, o, &err)) << err;
  Model m;
  ASSERT_TRUE(loadModel(path, &m, &err)) << err;
  Tensor raw = *m.find("model.layers.0.self_attn.q_proj.weight");
  raw.permuted_heads = 0; // as stored
  std::vector<int8_t> stored;
  float scale = 0;
  ASSERT_TRUE(decodeTernaryTensor(m, raw, &stored, &scale, &err)) << err;
  EXPECT_EQ(stored, permuteHeads(wt.layers[0].q.w, wt.layers[0].q.rows, wt.layers[0].q.cols,
                                 c.heads));
  EXPECT_NE(stored, wt.layers[0].q.w);
  EXPECT_EQ(scale, 1.0f / wt.layers[0].q.scale) << "divide-mode scale stored inverted";
}

TEST(FamilyWriter, GGUFArchMustFitTheFamily) {
  const ref::ModelConfig c = tinyOf("llama158");
  WriteOptions o;
  o.format = "gguf";
  o.family = "llama158";
  o.arch = "bitnet";
  std::string err;
  EXPECT_FALSE(writeModel(temp("x.gguf"), c, ref::makeSyntheticWeights(c, 1), o, &err));
  EXPECT_TRUE(contains(err, "GGUF architecture 'bitnet' does not fit the llama158 family"))
      << err;
}

// A "bitnet" GGUF's activation: tern.hidden_act, else the vocabulary
// (LLaMA 2's SentencePiece: 1bitLLM, silu), else bitnet.cpp's 2B4T arch
// names; a bare "bitnet" file with neither is an error, never a guess.
TEST(FamilyConfig, BitnetGGUFActivationFromMetadataOrIdentity) {
  const ref::ModelConfig c = tinyOf("1bitllm");
  WriteOptions o;
  o.format = "gguf";
  o.family = "1bitllm";
  const std::string src = temp("ident-src.gguf");
  std::string err;
  ASSERT_TRUE(writeModel(src, c, ref::makeSyntheticWeights(c, 2), o, &err)) << err;
  gguf::GgufFile f;
  ASSERT_TRUE(gguf::GgufFile::open(src, &f, &err)) << err;
  // The file without tern.hidden_act, as arch `arch`, with vocabulary `vocab`.
  auto variant = [&](const std::string &tag, const std::string &arch, const std::string &vocab) {
    gguf::GgufWriter w;
    for (const auto &kv : f.metadata()) {
      std::string key = kv.first;
      if (key == "tern.hidden_act")
        continue;
      if (key == "general.architecture") {
        w.addString(key, arch);
        continue;
      }
      if (key.rfind("bitnet.", 0) == 0)
        key = arch + key.substr(6);
      w.addValue(key, kv.second);
    }
    if (!vocab.empty())
      w.addString("tokenizer.ggml.model", vocab);
    for (const gguf::TensorInfo &t : f.tensors())
      w.addTensor(t.name, t.ne, t.type, std::vector<uint8_t>(t.data, t.data + t.bytes));
    const std::string out = temp("ident-" + tag + ".gguf");
    std::string e;
    EXPECT_TRUE(w.write(out, &e)) << e;
    return out;
  };
  Model m;
  ASSERT_TRUE(loadModel(src, &m, &err)) << err;
  EXPECT_EQ(m.config.activation, ref::Activation::Silu) << "tern.hidden_act";
  ASSERT_TRUE(loadModel(variant("spm", "bitnet", "llama"), &m, &err)) << err;
  EXPECT_EQ(m.config.activation, ref::Activation::Silu) << "LLaMA 2 vocabulary: 1bitLLM";
  ASSERT_TRUE(loadModel(variant("bpe", "bitnet", "gpt2"), &m, &err)) << err;
  EXPECT_EQ(m.config.activation, ref::Activation::Relu2) << "LLaMA 3 vocabulary: 2B4T";
  ASSERT_TRUE(loadModel(variant("b25", "bitnet-25", ""), &m, &err)) << err;
  EXPECT_EQ(m.config.activation, ref::Activation::Relu2) << "bitnet.cpp's 2B4T arch";
  EXPECT_FALSE(loadModel(variant("bare", "bitnet", ""), &m, &err));
  EXPECT_TRUE(contains(err, "arch 'bitnet' is BitNet b1.58 2B4T (relu2) or 1bitLLM (silu)"))
      << err;
}

// Embeddings and untied heads block-quantized as Q8_0 / Q6_K (bitnet.cpp's
// --quant-embd): read as ggml dequantizes them, each value within its
// block's step of the model's.
TEST(FamilyRoundTrip, QuantizedEmbeddingAndHead) {
  const ref::ModelConfig c = tinyOf("llama158"); // untied: both tables
  const ref::ModelWeights w = ref::makeSyntheticWeights(c, 8);
  const std::vector<float> want = logits(c, w);
  for (const char *ftype : {"q8_0", "q6_k"}) {
    SCOPED_TRACE(ftype);
    WriteOptions o;
    o.format = "gguf";
    o.family = "llama158";
    o.gguf_float_type = ftype;
    const std::string path = temp(std::string("qembd-") + ftype + ".gguf");
    std::string err;
    ASSERT_TRUE(writeModel(path, c, w, o, &err)) << err;
    Model m;
    ASSERT_TRUE(loadModel(path, &m, &err)) << err;
    const Tensor *e = m.find("model.embed_tokens.weight");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->encoding, std::string(ftype) == "q8_0" ? Encoding::Q8_0 : Encoding::Q6_K);
    EXPECT_EQ(m.find("lm_head.weight")->encoding, e->encoding);
    ref::ModelWeights got;
    ASSERT_TRUE(toReferenceWeights(m, &got, &err)) << err;
    // Every value within its block's step of the original (|x| < 0.05).
    float worst = 0;
    for (size_t i = 0; i < w.embedding.size(); ++i)
      worst = std::max(worst, std::fabs(got.embedding[i] - w.embedding[i]));
    EXPECT_GT(worst, 0.0f) << "quantized, not copied";
    EXPECT_LT(worst, 0.05f / (std::string(ftype) == "q8_0" ? 127 : 25));
    worst = 0;
    for (size_t i = 0; i < w.lm_head.size(); ++i)
      worst = std::max(worst, std::fabs(got.lm_head[i] - w.lm_head[i]));
    EXPECT_LT(worst, 0.05f / (std::string(ftype) == "q8_0" ? 127 : 25));
    // (Logits are not compared with the f16 model's: the synthetic model
    // amplifies any perturbation through its int8 activations; tern-run
    // vs the compiled model checks the path end to end, in lit.)
    const std::vector<float> have = logits(m.config, std::move(got));
    for (float v : have)
      ASSERT_TRUE(std::isfinite(v));
  }
}

// I2_S packs blocks of 128 over the whole tensor, not per row, so rows
// whose length is not a multiple of 128 (1bitLLM bitnet_b1_58-3B's down_proj
// reads 8640 = 67.5 blocks) decode like any other; TQ1_0 / TQ2_0 blocks run
// along a row, so such a row cannot be written in them, and the writer says
// which tensor and why.
TEST(FamilyRoundTrip, RowsThatAreNotWholeI2SBlocks) {
  ref::ModelConfig c = tinyOf("1bitllm");
  c.ffn = 320; // down_proj rows of 320 = 2.5 blocks of 128
  const ref::ModelWeights w = ref::makeSyntheticWeights(c, 9);
  WriteOptions o;
  o.format = "gguf";
  o.family = "1bitllm";
  o.gguf_type = "i2_s";
  std::string err;
  const std::string path = temp("k320-i2s.gguf");
  ASSERT_TRUE(writeModel(path, c, w, o, &err)) << err;
  Model m;
  ASSERT_TRUE(loadModel(path, &m, &err)) << err;
  ref::ModelWeights got;
  ASSERT_TRUE(toReferenceWeights(m, &got, &err)) << err;
  EXPECT_EQ(got.layers[0].down.w, w.layers[0].down.w);
  EXPECT_EQ(logits(m.config, std::move(got)), logits(c, w));
  o.gguf_type = "tq2_0";
  EXPECT_FALSE(writeModel(temp("k320-tq2.gguf"), c, w, o, &err));
  EXPECT_TRUE(contains(err, "blk.0.ffn_down.weight")) << err;
  EXPECT_TRUE(contains(err, "256")) << err;
}

// HF's rope_scaling (Llama 3.1's llama3 type) becomes llama.cpp's per-pair
// frequency divisors; the HF and GGUF forms (rope_freqs.weight) of one
// model give identical logits, which differ from the unscaled model's.
TEST(FamilyRoundTrip, RopeScalingLlama3) {
  ref::ModelConfig c = tinyOf("llama158");
  c.rope_scaling = {"llama3", 8.0, 1.0, 4.0, 8192};
  std::string err;
  ASSERT_TRUE(ref::ropeScalingFactors(c.rope_scaling, c.head_dim, c.rope_theta,
                                      &c.rope_freq_factors, &err))
      << err;
  const ref::ModelWeights w = ref::makeSyntheticWeights(c, 4);
  ref::ModelConfig plain = c;
  plain.rope_freq_factors.clear();
  plain.rope_scaling = {};
  const std::vector<float> want = logits(c, w);
  EXPECT_NE(logits(plain, w), want) << "the scaling changes the model";
  for (const char *format : {"hf", "gguf"}) {
    SCOPED_TRACE(format);
    WriteOptions o;
    o.format = format;
    o.family = "llama158";
    const std::string path = temp(std::string("rope-") + format + (o.format == "gguf" ? ".gguf" : ""));
    ASSERT_TRUE(writeModel(path, c, w, o, &err)) << err;
    Model m;
    ASSERT_TRUE(loadModel(path, &m, &err)) << err;
    EXPECT_EQ(m.config.rope_freq_factors, c.rope_freq_factors);
    ref::ModelWeights got;
    ASSERT_TRUE(toReferenceWeights(m, &got, &err)) << err;
    EXPECT_EQ(logits(m.config, std::move(got)), want);
  }
  // A type tern does not apply, and an HF file cannot say a GGUF's free-form
  // factors.
  std::string j = kLlama3_158;
  j.replace(j.find("\"rope_scaling\": null"), 20,
            R"("rope_scaling": {"rope_type": "yarn", "factor": 4.0})");
  ref::ModelConfig y;
  HFConfigExtras e;
  EXPECT_FALSE(parse(j, &y, &e, &err));
  EXPECT_TRUE(contains(err, "rope_scaling type \"yarn\" is not supported")) << err;
  ref::ModelConfig odd = c;
  odd.rope_freq_factors[3] = 2.5f;
  std::string text;
  e.family = "llama158";
  EXPECT_FALSE(writeHFConfig(odd, e, &text, &err));
  EXPECT_TRUE(contains(err, "write it as GGUF")) << err;
}
