//===- gguf_file_test.cpp - GGUF reader/writer tests ----------------------===//
#include "frontend/gguf/GgufFile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

using namespace tern::gguf;

namespace {

// Hand-built GGUF bytes for the bad-input tests.
struct Raw {
  std::vector<uint8_t> b;
  Raw &u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Raw &u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Raw &u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Raw &str(const std::string &s) {
    u64(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Raw &header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    b.insert(b.end(), {'G', 'G', 'U', 'F'});
    u32(version);
    u64(tensors);
    return u64(kvs);
  }
  Raw &kvU32(const std::string &key, uint32_t v) {
    str(key);
    u32(4);
    return u32(v);
  }
  Raw &info(const std::string &name, const std::vector<uint64_t> &ne,
            uint32_t type, uint64_t offset) {
    str(name);
    u32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne)
      u64(d);
    u32(type);
    return u64(offset);
  }
  Raw &align(size_t a = 32) {
    while (b.size() % a)
      b.push_back(0);
    return *this;
  }
  Raw &zeros(size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
};

bool parseOk(const std::vector<uint8_t> &b, GgufFile *f,
             const std::string &name = "ok.gguf") {
  std::string err;
  const bool ok = GgufFile::parse(b.data(), b.size(), name, f, &err);
  EXPECT_TRUE(ok) << err;
  return ok;
}

// Parses bytes that must be rejected; checks the one-line, file-named error.
std::string parseErr(const std::vector<uint8_t> &b,
                     const std::string &name = "bad.gguf") {
  GgufFile f;
  std::string err;
  EXPECT_FALSE(GgufFile::parse(b.data(), b.size(), name, &f, &err));
  EXPECT_EQ(err.rfind(name + ": ", 0), 0u) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  return err;
}

#define EXPECT_HAS(haystack, needle)                                           \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)             \
      << "'" << (haystack) << "' lacks '" << (needle) << "'"

std::vector<uint8_t> randomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto &x : v)
    x = static_cast<uint8_t>(rng());
  return v;
}

std::vector<uint8_t> ternaryBytes(uint32_t type, int64_t rows, int64_t cols,
                                  float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int8_t> w(static_cast<size_t>(rows * cols));
  for (auto &x : w)
    x = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
  std::vector<uint8_t> out;
  std::string err;
  EXPECT_TRUE(encodeTernary(type, w.data(), rows, cols, scale, &out, &err))
      << err;
  return out;
}

std::vector<uint8_t> writeBuf(const GgufWriter &w) {
  std::vector<uint8_t> buf;
  std::string err;
  EXPECT_TRUE(w.writeToBuffer(&buf, &err)) << err;
  return buf;
}

// A small valid file whose last tensor ends exactly at the end of the file.
std::vector<uint8_t> smallFile() {
  GgufWriter w;
  w.addString("general.architecture", "bitnet-b1.58");
  w.addU32("bitnet-b1.58.block_count", 2);
  w.addStringArray("tokenizer.ggml.tokens", {"a", "", "\xc4\xa0the"});
  w.addF32Array("some.floats", {1.5f, -2.0f});
  w.addTensor("blk.0.attn_q.weight", {256, 1}, GGML_TYPE_TQ2_0,
              ternaryBytes(GGML_TYPE_TQ2_0, 1, 256, 0.5f, 3));
  std::vector<uint8_t> f32(32);
  for (size_t i = 0; i < f32.size(); ++i)
    f32[i] = static_cast<uint8_t>(i);
  w.addTensor("output_norm.weight", {8}, GGML_TYPE_F32, f32);
  return writeBuf(w);
}

} // namespace

//===----------------------------------------------------------------------===//
// Round trips
//===----------------------------------------------------------------------===//

TEST(GgufWriter, ValuesRoundTrip) {
  GgufWriter w;
  w.addU8("u8", 200);
  {
    Value v;
    v.type = ValueType::Int8;
    v.i = -100;
    w.addValue("i8", v);
    v.type = ValueType::UInt16;
    v.u = 65000;
    w.addValue("u16", v);
    v.type = ValueType::Int16;
    v.i = -30000;
    w.addValue("i16", v);
  }
  w.addU32("u32", 4000000000u);
  w.addI32("i32", -2000000000);
  w.addF32("f32", 0.1f);
  w.addBool("bool.t", true);
  w.addBool("bool.f", false);
  w.addString("str", "hello \xe4\xb8\x96\xe7\x95\x8c");
  w.addString("empty", "");
  w.addU64("u64", ~uint64_t(0));
  w.addI64("i64", INT64_MIN);
  w.addF64("f64", 1.0 / 3.0);
  // Unicode key.
  w.addU32("g\xc3\xa9n\xc3\xa9ral.\xf0\x9f\x99\x82", 7);
  // Arrays of every element type.
  std::vector<std::string> vocab;
  for (int i = 0; i < 20000; ++i)
    vocab.push_back(i % 7 == 0 ? std::string() : "tok" + std::to_string(i));
  vocab.push_back(std::string("nul\0inside", 10));
  w.addStringArray("tokenizer.ggml.tokens", vocab);
  w.addI32Array("tokenizer.ggml.token_type", {1, -2, 3, 2147483647});
  w.addF32Array("scores", {0.5f, -1.25f, 3e38f});
  const ValueType int_types[] = {ValueType::UInt8,  ValueType::Int8,
                                 ValueType::UInt16, ValueType::Int16,
                                 ValueType::UInt32, ValueType::Int32,
                                 ValueType::Int64,  ValueType::Bool};
  for (ValueType t : int_types) {
    std::vector<int64_t> v = {0, 1};
    if (t == ValueType::Int8)
      v.push_back(-128);
    if (t == ValueType::UInt32)
      v.push_back(4294967295);
    if (t == ValueType::Int64)
      v.push_back(INT64_MIN);
    w.addValue(std::string("arr.") + valueTypeName(t),
               Value::makeIntArray(t, v));
  }
  w.addValue("arr.UINT64", Value::makeU64Array({0, ~uint64_t(0)}));
  w.addValue("arr.FLOAT64",
             Value::makeFloatArray(ValueType::Float64, {1e300, -0.0}));
  w.addValue("arr.empty", Value::makeStringArray({}));

  const auto buf = writeBuf(w);
  GgufFile f;
  ASSERT_TRUE(parseOk(buf, &f));
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.metadata().size(), 29u);
  EXPECT_EQ(f.metadata()[0].first, "u8");
  EXPECT_EQ(f.find("u8")->u, 200u);
  EXPECT_EQ(f.find("i8")->i, -100);
  EXPECT_EQ(f.find("u16")->u, 65000u);
  EXPECT_EQ(f.find("i16")->i, -30000);
  EXPECT_EQ(f.find("u32")->type, ValueType::UInt32);
  EXPECT_EQ(f.find("u32")->u, 4000000000u);
  EXPECT_EQ(f.find("i32")->i, -2000000000);
  EXPECT_EQ(f.find("f32")->f, static_cast<double>(0.1f));
  EXPECT_EQ(f.find("bool.t")->u, 1u);
  EXPECT_EQ(f.find("bool.f")->u, 0u);
  EXPECT_EQ(f.find("str")->str, "hello \xe4\xb8\x96\xe7\x95\x8c");
  EXPECT_EQ(f.find("empty")->str, "");
  EXPECT_EQ(f.find("u64")->u, ~uint64_t(0));
  EXPECT_EQ(f.find("i64")->i, INT64_MIN);
  EXPECT_EQ(f.find("f64")->f, 1.0 / 3.0);
  ASSERT_NE(f.find("g\xc3\xa9n\xc3\xa9ral.\xf0\x9f\x99\x82"), nullptr);
  EXPECT_EQ(f.find("g\xc3\xa9n\xc3\xa9ral.\xf0\x9f\x99\x82")->u, 7u);
  EXPECT_EQ(f.find("missing"), nullptr);

  const Value *tok = f.find("tokenizer.ggml.tokens");
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(tok->type, ValueType::Array);
  EXPECT_EQ(tok->array_type, ValueType::String);
  EXPECT_EQ(tok->strings, vocab);
  EXPECT_EQ(tok->arraySize(), vocab.size());
  EXPECT_EQ(f.find("tokenizer.ggml.token_type")->ints,
            (std::vector<int64_t>{1, -2, 3, 2147483647}));
  EXPECT_EQ(f.find("scores")->floats,
            (std::vector<double>{0.5, -1.25, static_cast<double>(3e38f)}));
  for (ValueType t : int_types) {
    const Value *v = f.find(std::string("arr.") + valueTypeName(t));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->array_type, t);
    EXPECT_EQ(v->ints[1], 1);
    if (t == ValueType::Int8)
      EXPECT_EQ(v->ints[2], -128);
    if (t == ValueType::UInt32)
      EXPECT_EQ(v->ints[2], 4294967295);
    if (t == ValueType::Int64)
      EXPECT_EQ(v->ints[2], INT64_MIN);
  }
  EXPECT_EQ(f.find("arr.UINT64")->uints,
            (std::vector<uint64_t>{0, ~uint64_t(0)}));
  EXPECT_EQ(f.find("arr.FLOAT64")->floats[0], 1e300);
  EXPECT_TRUE(std::signbit(f.find("arr.FLOAT64")->floats[1]));
  EXPECT_EQ(f.find("arr.empty")->arraySize(), 0u);
  EXPECT_TRUE(f.tensors().empty());

  // Writing the parsed metadata back gives the same bytes.
  GgufWriter again;
  for (const auto &kv : f.metadata())
    again.addValue(kv.first, kv.second);
  EXPECT_EQ(writeBuf(again), buf);
}

TEST(GgufWriter, TensorsRoundTrip) {
  struct T {
    std::string name;
    std::vector<uint64_t> ne;
    uint32_t type;
    std::vector<uint8_t> bytes;
  };
  std::vector<T> ts = {
      {"f32.odd", {3}, GGML_TYPE_F32, randomBytes(12, 1)},
      {"f16.odd", {5, 7}, GGML_TYPE_F16, randomBytes(70, 2)},
      {"bf16.3d", {1, 1, 3}, GGML_TYPE_BF16, randomBytes(6, 3)},
      {"i8", {13}, GGML_TYPE_I8, randomBytes(13, 4)},
      {"i16.4d", {3, 1, 2, 1}, GGML_TYPE_I16, randomBytes(12, 5)},
      {"i32", {1}, GGML_TYPE_I32, randomBytes(4, 6)},
      {"q8_0", {32, 3}, GGML_TYPE_Q8_0, randomBytes(102, 7)},
      {"tq1_0", {256, 3}, GGML_TYPE_TQ1_0,
       ternaryBytes(GGML_TYPE_TQ1_0, 3, 256, 0.125f, 8)},
      {"tq2_0", {512, 2}, GGML_TYPE_TQ2_0,
       ternaryBytes(GGML_TYPE_TQ2_0, 2, 512, 0.125f, 9)},
      {"i2_s", {128, 3}, GGML_TYPE_I2_S,
       ternaryBytes(GGML_TYPE_I2_S, 3, 128, 0.3f, 10)},
      {"empty", {0, 4}, GGML_TYPE_F32, {}},
      {"f32.last", {7}, GGML_TYPE_F32, randomBytes(28, 11)},
  };
  for (uint32_t align : {32u, 64u, 1u}) {
    GgufWriter w;
    if (align != 32)
      w.addU32("general.alignment", align);
    w.addString("general.name", "tensors");
    for (const T &t : ts)
      w.addTensor(t.name, t.ne, t.type, t.bytes);
    const auto buf = writeBuf(w);
    GgufFile f;
    ASSERT_TRUE(parseOk(buf, &f));
    EXPECT_EQ(f.alignment(), align);
    EXPECT_EQ(f.dataOffset() % align, 0u);
    ASSERT_EQ(f.tensors().size(), ts.size());
    uint64_t expect_offset = 0;
    for (size_t k = 0; k < ts.size(); ++k) {
      const TensorInfo &t = f.tensors()[k];
      EXPECT_EQ(t.name, ts[k].name);
      EXPECT_EQ(t.ne, ts[k].ne);
      EXPECT_EQ(t.type, ts[k].type);
      EXPECT_EQ(t.offset, expect_offset) << t.name;
      EXPECT_EQ(t.offset % align, 0u);
      EXPECT_EQ(t.file_offset, f.dataOffset() + t.offset);
      EXPECT_EQ(t.data, buf.data() + t.file_offset);
      ASSERT_EQ(t.bytes, ts[k].bytes.size()) << t.name;
      EXPECT_TRUE(t.bytes == 0 ||
                  std::memcmp(t.data, ts[k].bytes.data(), t.bytes) == 0)
          << t.name;
      EXPECT_EQ(f.tensor(t.name), &t);
      expect_offset = (t.offset + t.bytes + align - 1) / align * align;
    }
    EXPECT_EQ(buf.size(), f.dataOffset() + expect_offset);
  }
  GgufFile f;
  const auto buf = [&] {
    GgufWriter w;
    for (const T &t : ts)
      w.addTensor(t.name, t.ne, t.type, t.bytes);
    return writeBuf(w);
  }();
  ASSERT_TRUE(parseOk(buf, &f));
  const TensorInfo *t = f.tensor("i16.4d");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->cols(), 3);
  EXPECT_EQ(t->rows(), 2);
  EXPECT_EQ(t->nelements, 6u);
  EXPECT_EQ(f.tensor("nope"), nullptr);
}

TEST(GgufFile, ReadTensors) {
  GgufWriter w;
  std::vector<int8_t> q(2 * 512);
  for (size_t i = 0; i < q.size(); ++i)
    q[i] = static_cast<int8_t>(static_cast<int>(i * 7 % 3) - 1);
  std::vector<uint8_t> tq, i2;
  std::string err;
  ASSERT_TRUE(encodeTernary(GGML_TYPE_TQ1_0, q.data(), 2, 512, 0.5f, &tq, &err));
  ASSERT_TRUE(encodeTernary(GGML_TYPE_I2_S, q.data(), 2, 512, 0.7f, &i2, &err));
  w.addTensor("tq", {512, 2}, GGML_TYPE_TQ1_0, tq);
  w.addTensor("i2", {512, 2}, GGML_TYPE_I2_S, i2);
  std::vector<uint8_t> f16 = {0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38};
  w.addTensor("norm", {3}, GGML_TYPE_F16, f16);
  const auto buf = writeBuf(w);
  GgufFile f;
  ASSERT_TRUE(parseOk(buf, &f, "m.gguf"));
  std::vector<int8_t> got;
  float scale = 0;
  ASSERT_TRUE(f.readTernary(*f.tensor("tq"), &got, &scale, &err)) << err;
  EXPECT_EQ(got, q);
  EXPECT_EQ(scale, 0.5f);
  ASSERT_TRUE(f.readTernary(*f.tensor("i2"), &got, &scale, &err)) << err;
  EXPECT_EQ(got, q);
  EXPECT_EQ(scale, 0.7f);
  std::vector<float> fl;
  ASSERT_TRUE(f.readFloats(*f.tensor("norm"), &fl, &err)) << err;
  EXPECT_EQ(fl, (std::vector<float>{1.0f, -2.0f, 0.5f}));
  EXPECT_FALSE(f.readFloats(*f.tensor("tq"), &fl, &err));
  EXPECT_EQ(err, "m.gguf: tensor 'tq': tq1_0 is not a float type");
  EXPECT_FALSE(f.readTernary(*f.tensor("norm"), &got, &scale, &err));
  EXPECT_EQ(err, "m.gguf: tensor 'norm': f16 is not a ternary type");
}

TEST(GgufFile, Getters) {
  GgufWriter w;
  w.addI32("pos", 42);
  w.addI32("neg", -1);
  w.addU64("big", ~uint64_t(0));
  w.addU64("u32max", 4294967295u);
  w.addU64("u32over", 4294967296u);
  w.addF64("f64", 0.25);
  w.addF32("f32", 1e-5f);
  w.addString("s", "x");
  w.addBool("b", true);
  w.addStringArray("ss", {"a", "b"});
  w.addI32Array("is", {4, 5});
  w.addValue("us", Value::makeU64Array({1, ~uint64_t(0)}));
  w.addF32Array("fs", {0.5f});
  const auto buf = writeBuf(w);
  GgufFile f;
  ASSERT_TRUE(parseOk(buf, &f, "g.gguf"));
  std::string err;
  uint64_t u = 0;
  uint32_t u32 = 0;
  int64_t i = 0;
  float fl = 0;
  double d = 0;
  bool b = false;
  std::string s;
  EXPECT_TRUE(f.getU64("pos", &u, &err));
  EXPECT_EQ(u, 42u);
  EXPECT_FALSE(f.getU64("neg", &u, &err));
  EXPECT_EQ(err, "g.gguf: key 'neg' value -1 does not fit in uint64");
  EXPECT_FALSE(f.getU64("s", &u, &err));
  EXPECT_EQ(err, "g.gguf: key 's' has type STRING, expected an integer");
  EXPECT_FALSE(f.getU64("ss", &u, &err));
  EXPECT_EQ(err, "g.gguf: key 'ss' has type ARRAY of STRING, expected an "
                 "integer");
  EXPECT_FALSE(f.getU64("nothere", &u, &err));
  EXPECT_EQ(err, "g.gguf: key 'nothere' not found");
  EXPECT_TRUE(f.getU32("u32max", &u32, &err));
  EXPECT_EQ(u32, 4294967295u);
  EXPECT_FALSE(f.getU32("u32over", &u32, &err));
  EXPECT_HAS(err, "'u32over' value 4294967296 does not fit in uint32");
  EXPECT_TRUE(f.getI64("neg", &i, &err));
  EXPECT_EQ(i, -1);
  EXPECT_FALSE(f.getI64("big", &i, &err));
  EXPECT_HAS(err, "does not fit in int64");
  EXPECT_FALSE(f.getI64("b", &i, &err));
  EXPECT_HAS(err, "has type BOOL");
  EXPECT_TRUE(f.getF32("f64", &fl, &err));
  EXPECT_EQ(fl, 0.25f);
  EXPECT_TRUE(f.getF32("f32", &fl, &err));
  EXPECT_EQ(fl, 1e-5f);
  EXPECT_TRUE(f.getF64("f32", &d, &err));
  EXPECT_EQ(d, static_cast<double>(1e-5f));
  EXPECT_FALSE(f.getF32("pos", &fl, &err));
  EXPECT_EQ(err, "g.gguf: key 'pos' has type INT32, expected FLOAT32 or "
                 "FLOAT64");
  EXPECT_TRUE(f.getBool("b", &b, &err));
  EXPECT_TRUE(b);
  EXPECT_FALSE(f.getBool("pos", &b, &err));
  EXPECT_TRUE(f.getString("s", &s, &err));
  EXPECT_EQ(s, "x");
  EXPECT_FALSE(f.getString("ss", &s, &err));
  std::vector<std::string> ss;
  EXPECT_TRUE(f.getStringArray("ss", &ss, &err));
  EXPECT_EQ(ss, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(f.getStringArray("is", &ss, &err));
  EXPECT_EQ(err, "g.gguf: key 'is' has type ARRAY of INT32, expected ARRAY "
                 "of STRING");
  std::vector<int64_t> is;
  EXPECT_TRUE(f.getI64Array("is", &is, &err));
  EXPECT_EQ(is, (std::vector<int64_t>{4, 5}));
  EXPECT_FALSE(f.getI64Array("us", &is, &err));
  EXPECT_HAS(err, "'us' value [1] = 18446744073709551615 does not fit");
  EXPECT_FALSE(f.getI64Array("fs", &is, &err));
  std::vector<float> fs;
  EXPECT_TRUE(f.getF32Array("fs", &fs, &err));
  EXPECT_EQ(fs, std::vector<float>{0.5f});
  EXPECT_FALSE(f.getF32Array("s", &fs, &err));
}

TEST(GgufWriter, WriteToDiskAndOpen) {
  const std::string path = testing::TempDir() + "tern_gguf_roundtrip.gguf";
  GgufWriter w;
  w.addString("general.architecture", "bitnet");
  std::vector<uint8_t> big = randomBytes((1 << 20) + 13, 99);
  w.addTensorRef("big", {big.size()}, GGML_TYPE_I8, big.data(), big.size());
  w.addTensor("small", {256}, GGML_TYPE_TQ2_0,
              ternaryBytes(GGML_TYPE_TQ2_0, 1, 256, 1.0f, 4));
  std::string err;
  ASSERT_TRUE(w.write(path, &err)) << err;
  std::vector<uint8_t> mem;
  ASSERT_TRUE(w.writeToBuffer(&mem, &err));
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> disk((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
  EXPECT_EQ(disk, mem);

  GgufFile f;
  ASSERT_TRUE(GgufFile::open(path, &f, &err)) << err;
  EXPECT_EQ(f.fileName(), path);
  const TensorInfo *t = f.tensor("big");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->bytes, big.size());
  EXPECT_EQ(std::memcmp(t->data, big.data(), big.size()), 0);
  GgufFile copy = f; // the mapping is shared
  f = GgufFile();
  EXPECT_EQ(copy.tensor("small")->bytes, 66u);
  EXPECT_EQ(std::memcmp(copy.tensor("big")->data, big.data(), big.size()), 0);
  std::remove(path.c_str());

  EXPECT_FALSE(GgufFile::open(path, &f, &err));
  EXPECT_EQ(err.rfind(path + ": cannot open", 0), 0u) << err;
  const std::string bad_dir = testing::TempDir() + "no/such/dir/x.gguf";
  EXPECT_FALSE(w.write(bad_dir, &err));
  EXPECT_EQ(err.rfind(bad_dir + ": cannot create", 0), 0u) << err;
}

TEST(GgufWriter, Errors) {
  std::string err;
  std::vector<uint8_t> buf;
  {
    GgufWriter w;
    w.addU32("k", 1);
    w.addString("k", "again");
    EXPECT_FALSE(w.writeToBuffer(&buf, &err));
    EXPECT_EQ(err, "gguf writer: duplicate key 'k'");
    EXPECT_FALSE(w.write(testing::TempDir() + "never.gguf", &err));
    EXPECT_HAS(err, "never.gguf: duplicate key 'k'");
  }
  {
    GgufWriter w;
    w.addTensor("t", {4}, GGML_TYPE_F32, std::vector<uint8_t>(16));
    w.addTensor("t", {4}, GGML_TYPE_F32, std::vector<uint8_t>(16));
    EXPECT_FALSE(w.writeToBuffer(&buf, &err));
    EXPECT_EQ(err, "gguf writer: duplicate tensor name 't'");
  }
  {
    GgufWriter w;
    w.addTensor("t", {4}, GGML_TYPE_F32, std::vector<uint8_t>(15));
    EXPECT_FALSE(w.writeToBuffer(&buf, &err));
    EXPECT_EQ(err, "gguf writer: tensor 't': 15 bytes given, f32 4 elements "
                   "take 16");
  }
  {
    GgufWriter w;
    w.addTensor("t", {100}, GGML_TYPE_TQ2_0, {});
    EXPECT_FALSE(w.writeToBuffer(&buf, &err));
    EXPECT_HAS(err, "tensor 't': ne[0] = 100 is not a multiple");
  }
  {
    GgufWriter w;
    w.addTensor("t", {1, 1, 1, 1, 1}, GGML_TYPE_F32, std::vector<uint8_t>(4));
    EXPECT_FALSE(w.writeToBuffer(&buf, &err));
    EXPECT_HAS(err, "n_dims 5");
  }
  {
    GgufWriter w;
    w.addU32("general.alignment", 48);
    EXPECT_FALSE(w.writeToBuffer(&buf, &err));
    EXPECT_HAS(err, "power of two");
  }
  {
    GgufWriter w;
    w.addValue("a", Value::makeIntArray(ValueType::Int8, {1, 300}));
    EXPECT_FALSE(w.writeToBuffer(&buf, &err));
    EXPECT_EQ(err, "gguf writer: key 'a': element 1 = 300 does not fit in "
                   "INT8");
  }
  {
    // I2_S: codes + scale without the padding is accepted and padded.
    GgufWriter w;
    auto i2 = ternaryBytes(GGML_TYPE_I2_S, 1, 128, 0.5f, 1);
    i2.resize(32 + 4);
    w.addTensor("i2", {128}, GGML_TYPE_I2_S, i2);
    ASSERT_TRUE(w.writeToBuffer(&buf, &err)) << err;
    GgufFile f;
    ASSERT_TRUE(parseOk(buf, &f));
    EXPECT_EQ(f.tensor("i2")->bytes, 64u);
  }
}

//===----------------------------------------------------------------------===//
// Bad input
//===----------------------------------------------------------------------===//

TEST(GgufReader, BadMagicAndVersion) {
  std::vector<uint8_t> b = {'G', 'G', 'U', 'X', 3, 0, 0, 0};
  EXPECT_HAS(parseErr(b), "bad magic (expected 47 47 55 46 \"GGUF\", got 47 "
                          "47 55 58)");
  EXPECT_HAS(parseErr({}), "got an empty file");
  EXPECT_HAS(parseErr({'G', 'G'}), "got 47 47)");

  auto good = smallFile();
  for (uint32_t v : {0u, 1u, 4u, 0x03000000u}) {
    auto bad = good;
    std::memcpy(bad.data() + 4, &v, 4);
    const std::string err = parseErr(bad);
    EXPECT_HAS(err, "GGUF version " + std::to_string(v) +
                        " is not supported (only 2 and 3)");
    if (v == 0x03000000u)
      EXPECT_HAS(err, "big-endian");
  }
  auto v2 = good;
  v2[4] = 2;
  GgufFile f;
  ASSERT_TRUE(parseOk(v2, &f));
  EXPECT_EQ(f.version(), 2u);
}

TEST(GgufReader, EveryPrefixIsRejected) {
  const auto good = smallFile();
  GgufFile f;
  ASSERT_TRUE(parseOk(good, &f));
  ASSERT_EQ(f.tensors().back().file_offset + f.tensors().back().bytes,
            good.size());
  for (size_t n = 0; n < good.size(); ++n) {
    // Copy into an exact-size buffer so ASan catches any over-read.
    std::vector<uint8_t> prefix(good.begin(), good.begin() + n);
    std::string err;
    GgufFile g;
    EXPECT_FALSE(GgufFile::parse(prefix.data(), prefix.size(), "cut.gguf",
                                 &g, &err))
        << n;
    EXPECT_EQ(err.rfind("cut.gguf: ", 0), 0u) << n << ": " << err;
    EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  }
  // Spot-check the messages at a few cut points.
  std::vector<uint8_t> cut(good.begin(), good.begin() + 30);
  EXPECT_EQ(parseErr(cut, "cut.gguf"),
            "cut.gguf: metadata count 4 cannot fit in the 6 bytes left in the "
            "file");
  cut.assign(good.begin(), good.begin() + 80);
  EXPECT_EQ(parseErr(cut, "cut.gguf"),
            "cut.gguf: metadata entry 1: truncated at byte 76 reading key (8 "
            "bytes needed, 4 left)");
  cut.assign(good.begin(), good.begin() + 114);
  EXPECT_EQ(parseErr(cut, "cut.gguf"),
            "cut.gguf: key 'bitnet-b1.58.block_count': truncated at byte 112 "
            "reading value (4 bytes needed, 2 left)");
  cut.assign(good.begin(), good.begin() + good.size() - 1);
  EXPECT_HAS(parseErr(cut), "tensor 'output_norm.weight': data [");
}

TEST(GgufReader, HugeCountsAndLengths) {
  EXPECT_HAS(parseErr(Raw().header(uint64_t(1) << 60, 0).b),
             "tensor count 1152921504606846976 cannot fit in the 0 bytes");
  EXPECT_HAS(parseErr(Raw().header(0, ~uint64_t(0)).zeros(20).b),
             "metadata count 18446744073709551615 cannot fit in the 20 bytes");
  // Key length.
  EXPECT_HAS(parseErr(Raw().header(0, 1).u64(uint64_t(1) << 62).zeros(8).b),
             "metadata entry 0: key length 4611686018427387904 at byte 24 "
             "exceeds the 8 bytes left");
  // String value length.
  EXPECT_HAS(
      parseErr(Raw().header(0, 1).str("general.name").u32(8).u64(1000).b),
      "key 'general.name': string value length 1000");
  // Array count.
  EXPECT_HAS(parseErr(Raw()
                          .header(0, 1)
                          .str("tokenizer.ggml.scores")
                          .u32(9)
                          .u32(6)
                          .u64(uint64_t(1) << 61)
                          .zeros(16)
                          .b),
             "key 'tokenizer.ggml.scores': array of 2305843009213693952 "
             "FLOAT32");
  EXPECT_HAS(parseErr(Raw()
                          .header(0, 1)
                          .str("tokenizer.ggml.tokens")
                          .u32(9)
                          .u32(8)
                          .u64(~uint64_t(0))
                          .zeros(16)
                          .b),
             "needs at least 2^64 bytes");
  // One element of a string array too long.
  EXPECT_HAS(parseErr(Raw()
                          .header(0, 1)
                          .str("tokenizer.ggml.tokens")
                          .u32(9)
                          .u32(8)
                          .u64(2)
                          .str("ok")
                          .u64(~uint64_t(0) - 3)
                          .b),
             "key 'tokenizer.ggml.tokens': string 1 of 2: length "
             "18446744073709551612");
  // Tensor name length.
  EXPECT_HAS(parseErr(Raw().header(1, 0).u64(uint64_t(1) << 40).zeros(24).b),
             "tensor info 0: tensor name length 1099511627776");
}

TEST(GgufReader, BadTensorInfos) {
  auto one = [](const std::vector<uint64_t> &ne, uint32_t type,
                uint64_t offset, size_t data) {
    return Raw()
        .header(1, 0)
        .info("blk.0.attn_q.weight", ne, type, offset)
        .align()
        .zeros(data)
        .b;
  };
  EXPECT_HAS(parseErr(one({}, GGML_TYPE_F32, 0, 64)),
             "tensor 'blk.0.attn_q.weight': n_dims 0 is not in 1..4");
  EXPECT_HAS(parseErr(one({1, 1, 1, 1, 1}, GGML_TYPE_F32, 0, 64)),
             "tensor 'blk.0.attn_q.weight': n_dims 5 is not in 1..4");
  EXPECT_HAS(parseErr(one({4}, 99, 0, 64)),
             "tensor 'blk.0.attn_q.weight': unknown ggml type 99");
  // bitnet.cpp's TL1 / TL2 say how to convert instead.
  EXPECT_HAS(parseErr(one({256, 4}, 38, 0, 64)),
             "tensor 'blk.0.attn_q.weight': type TL1 (38) is bitnet.cpp's lookup-table layout");
  EXPECT_HAS(parseErr(one({256, 4}, 39, 0, 64)),
             "convert the model to I2_S, TQ1_0, TQ2_0 or F16");
  EXPECT_HAS(parseErr(one({4}, GGML_TYPE_F32, 16, 64)),
             "tensor 'blk.0.attn_q.weight': offset 16 is not a multiple of "
             "the alignment 32");
  EXPECT_HAS(parseErr(one({100, 2}, GGML_TYPE_TQ2_0, 0, 4096)),
             "tensor 'blk.0.attn_q.weight': ne[0] = 100 is not a multiple of "
             "the tq2_0 block size 256");
  EXPECT_HAS(parseErr(one({~uint64_t(0)}, GGML_TYPE_F32, 0, 64)),
             "tensor 'blk.0.attn_q.weight': dimension 0 is "
             "18446744073709551615 (negative as int64)");
  EXPECT_HAS(parseErr(one({uint64_t(1) << 40, uint64_t(1) << 40},
                          GGML_TYPE_F32, 0, 64)),
             "element count overflows int64");
  // Data past the end: infos end at byte 75, data starts at 96, file has
  // 96 + 10 bytes, the tensor needs 64.
  const auto past = one({16}, GGML_TYPE_F32, 0, 10);
  ASSERT_EQ(past.size(), 106u);
  EXPECT_EQ(parseErr(past, "model.gguf"),
            "model.gguf: tensor 'blk.0.attn_q.weight': data [96, 160) past "
            "end of file (106 bytes)");
  EXPECT_HAS(parseErr(one({16}, GGML_TYPE_F32, uint64_t(1) << 63, 64)),
             "data [9223372036854775904, 2^64+) past end of file");
  EXPECT_HAS(parseErr(one({16}, GGML_TYPE_F32, ~uint64_t(0) - 31, 64)),
             "data [2^64+, 2^64+) past end");
}

TEST(GgufReader, OverlapsAndDuplicates) {
  auto two = [](const char *a, uint64_t off_a, const char *b, uint64_t off_b) {
    return Raw()
        .header(2, 0)
        .info(a, {16}, GGML_TYPE_F32, off_a)
        .info(b, {16}, GGML_TYPE_F32, off_b)
        .align()
        .zeros(256)
        .b;
  };
  GgufFile f;
  EXPECT_TRUE(parseOk(two("a", 0, "b", 64), &f));
  EXPECT_TRUE(parseOk(two("a", 64, "b", 0), &f));
  // Infos: 24 + 2 * (9 + 24) = 90 -> data at 96.
  EXPECT_HAS(parseErr(two("a", 0, "b", 32)),
             "tensor 'a' [96, 160) overlaps tensor 'b' [128, 192)");
  EXPECT_HAS(parseErr(two("a", 96, "b", 64)),
             "tensor 'b' [160, 224) overlaps tensor 'a' [192, 256)");
  EXPECT_HAS(parseErr(two("a", 32, "b", 32)), "overlaps");
  EXPECT_HAS(parseErr(two("x", 0, "x", 64)),
             "tensor 'x': duplicate tensor name");
  // A tensor inside a bigger one that is not its direct predecessor.
  auto three = Raw()
                   .header(3, 0)
                   .info("big", {64}, GGML_TYPE_F32, 0)
                   .info("mid", {8}, GGML_TYPE_F32, 32)
                   .info("late", {8}, GGML_TYPE_F32, 128)
                   .align()
                   .zeros(512)
                   .b;
  EXPECT_HAS(parseErr(three), "tensor 'big' [");
  EXPECT_HAS(parseErr(three), "overlaps tensor 'mid'");

  auto dupkey = Raw().header(0, 2).kvU32("k", 1).kvU32("k", 2).b;
  EXPECT_HAS(parseErr(dupkey), "key 'k': duplicate key");
  // Names are escaped so that the message stays one line.
  const std::string nl("a\nb'\\\0", 6);
  dupkey = Raw().header(0, 2).kvU32(nl, 1).kvU32(nl, 2).b;
  EXPECT_HAS(parseErr(dupkey), "key 'a\\x0ab\\x27\\x5c\\x00': duplicate key");
  dupkey = Raw().header(0, 2).kvU32(std::string(300, 'x'), 1)
               .kvU32(std::string(300, 'x'), 2).b;
  EXPECT_HAS(parseErr(dupkey), "key '" + std::string(200, 'x') +
                                   "...': duplicate key");
}

TEST(GgufReader, BadMetadata) {
  EXPECT_HAS(parseErr(Raw().header(0, 1).str("k").u32(13).u32(0).b),
             "key 'k': unknown value type 13");
  EXPECT_HAS(parseErr(Raw().header(0, 1).str("k").u32(9).u32(77).u64(0).b),
             "key 'k': unknown array element type 77");
  EXPECT_HAS(parseErr(Raw()
                          .header(0, 1)
                          .str("k")
                          .u32(9)
                          .u32(9)
                          .u64(1)
                          .u32(4)
                          .u64(1)
                          .u32(5)
                          .b),
             "key 'k': nested arrays are not supported");
  EXPECT_HAS(parseErr(Raw().header(0, 1).str("k").u32(7).u8(2).zeros(8).b),
             "key 'k': BOOL value 2 is not 0 or 1");
  EXPECT_HAS(
      parseErr(Raw().header(0, 1).str("k").u32(9).u32(7).u64(2).u8(1).u8(5).b),
      "key 'k': BOOL element 1 is 5");
  EXPECT_HAS(parseErr(Raw().header(0, 1).kvU32("general.alignment", 0).b),
             "key 'general.alignment': alignment 0 is not a power of two");
  EXPECT_HAS(parseErr(Raw().header(0, 1).kvU32("general.alignment", 48).b),
             "alignment 48 is not a power of two");
  EXPECT_HAS(parseErr(Raw()
                          .header(0, 1)
                          .str("general.alignment")
                          .u32(8)
                          .str("32")
                          .b),
             "key 'general.alignment': has type STRING, expected UINT32");

  // A file with only metadata and a custom alignment parses.
  GgufFile f;
  ASSERT_TRUE(
      parseOk(Raw().header(0, 1).kvU32("general.alignment", 4096).b, &f));
  EXPECT_EQ(f.alignment(), 4096u);
}

TEST(GgufReader, I2sLastTensorMayLackPadding) {
  // bitnet.cpp files can end right after the last I2_S tensor's scale.
  auto make = [](size_t data) {
    return Raw()
        .header(2, 0)
        .info("first", {128}, GGML_TYPE_I2_S, 0)
        .info("last", {256}, GGML_TYPE_I2_S, 64)
        .align()
        .zeros(data)
        .b;
  };
  GgufFile f;
  auto b = make(64 + 64 + 4);
  ASSERT_TRUE(parseOk(b, &f));
  ASSERT_EQ(f.tensor("last")->file_offset, 192u);
  ASSERT_EQ(b.size(), 192u + 68);
  std::fill(b.begin() + 192, b.begin() + 256, 0x55); // zero codes
  EXPECT_EQ(f.tensor("last")->bytes, 68u);
  EXPECT_EQ(f.tensor("first")->bytes, 64u);
  std::vector<int8_t> w;
  float scale = 1;
  std::string err;
  ASSERT_TRUE(f.readTernary(*f.tensor("last"), &w, &scale, &err)) << err;
  EXPECT_EQ(scale, 0.0f);
  EXPECT_EQ(w, std::vector<int8_t>(256, 0));
  EXPECT_HAS(parseErr(make(64 + 64 + 3)),
             "tensor 'last': data [");
  // Not the last tensor: the full 32 trailing bytes are required.
  auto notlast = Raw()
                     .header(2, 0)
                     .info("i2", {128}, GGML_TYPE_I2_S, 0)
                     .info("z", {0}, GGML_TYPE_F32, 64)
                     .align()
                     .zeros(36)
                     .b;
  EXPECT_HAS(parseErr(notlast), "tensor 'i2': data [");
}

TEST(GgufReader, TernaryDataErrorsNameFileAndTensor) {
  // Two TQ2_0 blocks with different d.
  std::vector<int8_t> w(512, 1);
  std::vector<uint8_t> bytes;
  std::string err;
  ASSERT_TRUE(encodeTernary(GGML_TYPE_TQ2_0, w.data(), 1, 512, 0.5f, &bytes,
                            &err));
  bytes[66 + 65] = 0x3c; // block 1: d = 1.0
  GgufWriter wr;
  wr.addTensor("blk.0.ffn_up.weight", {512}, GGML_TYPE_TQ2_0, bytes);
  bytes[66 + 65] = 0x38;
  bytes[66 + 3] = 0xff; // code 3
  wr.addTensor("blk.1.ffn_up.weight", {512}, GGML_TYPE_TQ2_0, bytes);
  const auto buf = writeBuf(wr);
  GgufFile f;
  ASSERT_TRUE(parseOk(buf, &f, "model.gguf"));
  std::vector<int8_t> got;
  float scale;
  EXPECT_FALSE(f.readTernary(f.tensors()[0], &got, &scale, &err));
  EXPECT_EQ(err, "model.gguf: tensor 'blk.0.ffn_up.weight': TQ2_0 blocks have "
                 "different scales (block 0: 0.5, block 1: 1); tern needs one "
                 "scale per matrix");
  EXPECT_FALSE(f.readTernary(f.tensors()[1], &got, &scale, &err));
  EXPECT_EQ(err, "model.gguf: tensor 'blk.1.ffn_up.weight': TQ2_0 block 1 "
                 "has invalid code 3 at element 3");
}

// The fuzzer's seed files: each must parse and decode. With
// TERN_GGUF_SEED_DIR set, they are also saved there (the seed corpus).
TEST(GgufSeeds, SeedFilesAreValid) {
  std::vector<std::pair<std::string, std::vector<uint8_t>>> seeds;
  seeds.emplace_back("small.gguf", smallFile());
  for (uint32_t type : {GGML_TYPE_TQ1_0, GGML_TYPE_TQ2_0, GGML_TYPE_I2_S}) {
    GgufWriter w;
    w.addU32("general.alignment", 64);
    w.addI32Array("ints", {1, 2, 3});
    w.addTensor("a", {256, 2}, type, ternaryBytes(type, 2, 256, 0.25f, type));
    std::vector<uint8_t> f16 = {0x00, 0x3c, 0x00, 0xc0};
    w.addTensor("n", {2}, GGML_TYPE_F16, f16);
    w.addTensor("b", {256}, GGML_TYPE_BF16, randomBytes(512, type));
    seeds.emplace_back(std::string("ternary_") + typeName(type) + ".gguf",
                       writeBuf(w));
  }
  GgufWriter w;
  w.addStringArray("tokenizer.ggml.tokens", {"a", "b", "\xe2\x96\x81x"});
  w.addValue("f64s", Value::makeFloatArray(ValueType::Float64, {1.0}));
  w.addValue("u64s", Value::makeU64Array({7}));
  w.addBool("b", true);
  seeds.emplace_back("meta.gguf", writeBuf(w));

  const char *dir = std::getenv("TERN_GGUF_SEED_DIR");
  for (const auto &seed : seeds) {
    GgufFile f;
    ASSERT_TRUE(parseOk(seed.second, &f, seed.first));
    for (const TensorInfo &t : f.tensors()) {
      std::string err;
      std::vector<int8_t> w8;
      std::vector<float> fl;
      float scale;
      if (isTernaryType(t.type))
        EXPECT_TRUE(f.readTernary(t, &w8, &scale, &err)) << err;
      else
        EXPECT_TRUE(f.readFloats(t, &fl, &err)) << err;
    }
    if (dir && *dir) {
      std::ofstream out(std::string(dir) + "/" + seed.first,
                        std::ios::binary);
      out.write(reinterpret_cast<const char *>(seed.second.data()),
                static_cast<std::streamsize>(seed.second.size()));
      EXPECT_TRUE(out.good()) << seed.first;
    }
  }
}
