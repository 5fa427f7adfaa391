//===- safetensors_test.cpp - safetensors parser and writer ---------------===//
#include "frontend/safetensors/Safetensors.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace tern::st;

namespace {

std::string tempPath(const std::string &name) {
  return testing::TempDir() + "/" + name;
}

std::vector<uint8_t> readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// A file from a raw JSON header and `data` bytes.
std::vector<uint8_t> fileWith(const std::string &header,
                              std::vector<uint8_t> data = {}) {
  std::vector<uint8_t> f(8);
  for (int i = 0; i < 8; ++i)
    f[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  f.insert(f.end(), header.begin(), header.end());
  f.insert(f.end(), data.begin(), data.end());
  return f;
}

std::string parseError(const std::vector<uint8_t> &bytes) {
  SafetensorsFile f;
  std::string err;
  EXPECT_FALSE(SafetensorsFile::parse(bytes.data(), bytes.size(), "m.st", &f,
                                      &err));
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;
  EXPECT_EQ(err.rfind("m.st: ", 0), 0u) << err;
  return err;
}

bool contains(const std::string &s, const std::string &part) {
  return s.find(part) != std::string::npos;
}

} // namespace

TEST(Safetensors, WriteThenParseRoundTrip) {
  std::vector<uint16_t> bf16 = {0x3f80, 0xbf80, 0x4000, 0x0000, 0x7f80, 0x1234};
  std::vector<uint8_t> u8 = {1, 2, 3, 4, 5, 6, 7};
  std::vector<float> f32 = {1.5f, -2.25f};
  SafetensorsWriter w;
  w.addMetadata("format", "pt");
  w.addTensor("model.embed_tokens.weight", DType::BF16, {2, 3}, bf16.data(),
              bf16.size() * 2);
  w.addTensor("a.packed", DType::U8, {7}, u8.data(), u8.size());
  w.addTensor("z.scale", DType::F32, {2}, f32.data(), f32.size() * 4);
  w.addTensor("empty", DType::F32, {0, 4}, nullptr, 0);
  const std::string path = tempPath("roundtrip.safetensors");
  std::string err;
  ASSERT_TRUE(w.write(path, &err)) << err;

  std::vector<uint8_t> bytes = readAll(path);
  SafetensorsFile f;
  ASSERT_TRUE(SafetensorsFile::parse(bytes.data(), bytes.size(), path, &f, &err))
      << err;
  EXPECT_EQ(f.metadata().at("format"), "pt");
  ASSERT_EQ(f.tensors().size(), 4u);
  const TensorInfo *e = f.find("model.embed_tokens.weight");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->dtype, DType::BF16);
  EXPECT_EQ(e->shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(e->bytes, 12u);
  EXPECT_EQ(0, std::memcmp(e->data, bf16.data(), 12));
  EXPECT_EQ(e->file_offset % 8, 0u);
  const TensorInfo *a = f.find("a.packed");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(std::vector<uint8_t>(a->data, a->data + a->bytes), u8);
  const TensorInfo *z = f.find("z.scale");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->file_offset % 8, 0u);
  EXPECT_EQ(0, std::memcmp(z->data, f32.data(), 8));
  EXPECT_EQ(f.find("empty")->bytes, 0u);
  EXPECT_EQ(f.find("missing"), nullptr);
}

TEST(Safetensors, DTypeTable) {
  DType t;
  ASSERT_TRUE(parseDType("BF16", &t));
  EXPECT_EQ(t, DType::BF16);
  EXPECT_EQ(dtypeSize(t), 2);
  ASSERT_TRUE(parseDType("U8", &t));
  EXPECT_EQ(dtypeSize(t), 1);
  ASSERT_TRUE(parseDType("F64", &t));
  EXPECT_EQ(dtypeSize(t), 8);
  EXPECT_STREQ(dtypeName(DType::F32), "F32");
  EXPECT_FALSE(parseDType("bf16", &t));
  EXPECT_FALSE(parseDType("Q4", &t));
}

TEST(Safetensors, EveryTruncationIsAnError) {
  std::vector<float> f32 = {1, 2, 3, 4};
  SafetensorsWriter w;
  w.addTensor("x", DType::F32, {4}, f32.data(), 16);
  const std::string path = tempPath("trunc.safetensors");
  std::string err;
  ASSERT_TRUE(w.write(path, &err)) << err;
  std::vector<uint8_t> bytes = readAll(path);
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + n);
    SCOPED_TRACE(n);
    std::string e = parseError(prefix);
    EXPECT_FALSE(e.empty());
  }
}

TEST(Safetensors, BadInputNamesFileAndTensor) {
  EXPECT_TRUE(contains(parseError({1, 2, 3}), "shorter than"));
  {
    std::vector<uint8_t> huge(16, 0);
    huge[7] = 0x10; // header length 2^60
    EXPECT_TRUE(contains(parseError(huge), "past the end"));
  }
  EXPECT_TRUE(contains(parseError(fileWith("[1, 2]")), "JSON object"));
  EXPECT_TRUE(contains(parseError(fileWith("{\"x\": ")), "not valid JSON"));
  EXPECT_TRUE(contains(parseError(fileWith("{\"a\":" + std::string(100, '[') +
                                           std::string(100, ']') + "}")),
                       "nests deeper"));
  EXPECT_TRUE(contains(
      parseError(fileWith(
          R"({"w": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 1]}})",
          {0})),
      "tensor 'w': unknown dtype 'Q9'"));
  EXPECT_TRUE(contains(
      parseError(fileWith(
          R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
          std::vector<uint8_t>(8))),
      "tensor 'w': data_offsets [0, 8) hold 8 bytes but F32 of that shape "
      "needs 12"));
  EXPECT_TRUE(contains(
      parseError(fileWith(
          R"({"w": {"dtype": "U8", "shape": [16], "data_offsets": [0, 16]}})",
          std::vector<uint8_t>(8))),
      "tensor 'w': data [0, 16) runs past the end of the data (8 bytes)"));
  EXPECT_TRUE(contains(
      parseError(fileWith(
          R"({"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]},
              "b": {"dtype": "U8", "shape": [4], "data_offsets": [4, 8]}})",
          std::vector<uint8_t>(8))),
      "tensors 'a' and 'b' overlap"));
  EXPECT_TRUE(contains(
      parseError(fileWith(R"({"w": {"dtype": "U8", "shape": [-1],
                                    "data_offsets": [0, 0]}})")),
      "tensor 'w': shape entries"));
  EXPECT_TRUE(contains(
      parseError(fileWith(R"({"w": {"dtype": "U8", "shape": [4294967296,
          4294967296, 4294967296], "data_offsets": [0, 0]}})")),
      "tensor 'w': shape is too large"));
  EXPECT_TRUE(contains(parseError(fileWith(R"({"w": {"shape": [1]}})")),
                       "tensor 'w': missing string \"dtype\""));
  EXPECT_TRUE(contains(parseError(fileWith(R"({"w": 3})")),
                       "tensor 'w': entry is not a JSON object"));
  EXPECT_TRUE(contains(parseError(fileWith(R"({"__metadata__": {"k": 1}})")),
                       "__metadata__ value 'k'"));
}

TEST(Safetensors, WriteToBadPathFails) {
  SafetensorsWriter w;
  std::string err;
  EXPECT_FALSE(w.write("/nonexistent-dir/x.safetensors", &err));
  EXPECT_TRUE(contains(err, "/nonexistent-dir/x.safetensors: cannot open"))
      << err;
}
