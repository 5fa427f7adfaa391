//===- ggml_types_test.cpp - ggml type table and codec tests --------------===//
//
// Golden bytes below are worked out by hand from the layouts documented in
// GgmlTypes.h, so a consistently wrong encoder/decoder pair fails them.
//
//===----------------------------------------------------------------------===//
#include "frontend/gguf/GgmlTypes.h"

#include "runtime/reference/float_formats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace tern::gguf;

namespace {

std::vector<int8_t> randomTernary(int64_t n, uint32_t seed,
                                  int zero_blocks_every = 0,
                                  int64_t block = 256) {
  std::mt19937 rng(seed);
  std::vector<int8_t> w(static_cast<size_t>(n));
  for (auto &x : w)
    x = static_cast<int8_t>(static_cast<int>(rng() % 3) - 1);
  if (zero_blocks_every) {
    for (int64_t b = 0; b * block < n; b += zero_blocks_every)
      std::fill(w.begin() + b * block, w.begin() + (b + 1) * block, 0);
  }
  return w;
}

struct Decoded {
  bool ok;
  std::vector<int8_t> w;
  float scale;
  std::string err;
};

Decoded decode(uint32_t type, const std::vector<uint8_t> &bytes, int64_t rows,
               int64_t cols, const std::string &name = "w") {
  Decoded d;
  d.w.assign(static_cast<size_t>(rows * cols), 7);
  d.scale = -1;
  d.ok = decodeTernary(type, bytes.data(), bytes.size(), rows, cols, name,
                       d.w.data(), &d.scale, &d.err);
  return d;
}

std::vector<uint8_t> encode(uint32_t type, const std::vector<int8_t> &w,
                            int64_t rows, int64_t cols, float scale) {
  std::vector<uint8_t> out;
  std::string err;
  EXPECT_TRUE(encodeTernary(type, w.data(), rows, cols, scale, &out, &err))
      << err;
  return out;
}

void setD(std::vector<uint8_t> *bytes, size_t at, float d) {
  const uint16_t h = tern::ref::f32ToF16(d);
  (*bytes)[at] = static_cast<uint8_t>(h);
  (*bytes)[at + 1] = static_cast<uint8_t>(h >> 8);
}

} // namespace

//===----------------------------------------------------------------------===//
// Type table
//===----------------------------------------------------------------------===//

TEST(GgmlTypes, Table) {
  struct Row {
    uint32_t id;
    const char *name;
    int64_t block, size;
  } rows[] = {{0, "f32", 1, 4},      {1, "f16", 1, 2},
              {8, "q8_0", 32, 34},   {24, "i8", 1, 1},
              {25, "i16", 1, 2},     {26, "i32", 1, 4},
              {30, "bf16", 1, 2},    {34, "tq1_0", 256, 54},
              {35, "tq2_0", 256, 66}, {36, "i2_s", 1, 1}};
  for (const Row &r : rows) {
    const TypeTraits *t = typeTraits(r.id);
    ASSERT_NE(t, nullptr) << r.id;
    EXPECT_STREQ(t->name, r.name);
    EXPECT_EQ(t->block, r.block) << r.name;
    EXPECT_EQ(t->type_size, r.size) << r.name;
  }
  EXPECT_EQ(typeTraits(99), nullptr);
  EXPECT_EQ(typeTraits(4), nullptr); // removed Q4_2
  EXPECT_STREQ(typeName(12345), "unknown");
  EXPECT_TRUE(isTernaryType(GGML_TYPE_I2_S));
  EXPECT_FALSE(isTernaryType(GGML_TYPE_F16));
  EXPECT_TRUE(isFloatType(GGML_TYPE_BF16));
  EXPECT_FALSE(isFloatType(GGML_TYPE_I8));
}

TEST(GgmlTypes, TensorBytes) {
  uint64_t b = 0;
  std::string err;
  ASSERT_TRUE(tensorBytes(GGML_TYPE_F32, {3, 5}, &b, &err)) << err;
  EXPECT_EQ(b, 60u);
  ASSERT_TRUE(tensorBytes(GGML_TYPE_BF16, {7, 1, 3}, &b, &err));
  EXPECT_EQ(b, 42u);
  ASSERT_TRUE(tensorBytes(GGML_TYPE_TQ2_0, {512, 3}, &b, &err));
  EXPECT_EQ(b, 2u * 3 * 66);
  ASSERT_TRUE(tensorBytes(GGML_TYPE_TQ1_0, {256, 5}, &b, &err));
  EXPECT_EQ(b, 5u * 54);
  ASSERT_TRUE(tensorBytes(GGML_TYPE_Q8_0, {64}, &b, &err));
  EXPECT_EQ(b, 68u);
  ASSERT_TRUE(tensorBytes(GGML_TYPE_I2_S, {2560, 640}, &b, &err));
  EXPECT_EQ(b, 2560u * 640 / 4 + 32);
  ASSERT_TRUE(tensorBytes(GGML_TYPE_I2_S, {64, 2}, &b, &err)); // n = 128
  EXPECT_EQ(b, 64u);
  ASSERT_TRUE(tensorBytes(GGML_TYPE_F32, {0, 5}, &b, &err));
  EXPECT_EQ(b, 0u);

  EXPECT_FALSE(tensorBytes(GGML_TYPE_TQ2_0, {100, 2}, &b, &err));
  EXPECT_NE(err.find("ne[0] = 100"), std::string::npos) << err;
  EXPECT_NE(err.find("block size 256"), std::string::npos) << err;
  EXPECT_FALSE(tensorBytes(GGML_TYPE_I2_S, {100, 3}, &b, &err));
  EXPECT_NE(err.find("multiple of 128"), std::string::npos) << err;
  EXPECT_FALSE(tensorBytes(77, {1}, &b, &err));
  EXPECT_NE(err.find("unknown ggml type 77"), std::string::npos) << err;
  EXPECT_FALSE(tensorBytes(GGML_TYPE_F32, {uint64_t(1) << 32, uint64_t(1) << 32},
                           &b, &err));
  EXPECT_NE(err.find("overflow"), std::string::npos) << err;
  EXPECT_FALSE(tensorBytes(GGML_TYPE_F32, {~uint64_t(0)}, &b, &err));
  EXPECT_NE(err.find("negative"), std::string::npos) << err;
  // Elements fit in int64, bytes do not.
  EXPECT_FALSE(tensorBytes(GGML_TYPE_F32, {uint64_t(1) << 62}, &b, &err));
  EXPECT_NE(err.find("overflow"), std::string::npos) << err;
  // A zero dim does not hide an overflowing product of the others.
  EXPECT_FALSE(tensorBytes(GGML_TYPE_F32,
                           {0, uint64_t(1) << 40, uint64_t(1) << 40}, &b, &err));
}

//===----------------------------------------------------------------------===//
// Floats
//===----------------------------------------------------------------------===//

TEST(GgmlTypes, Floats) {
  const std::vector<float> v = {1.0f, -2.0f, 0.5f, 65504.0f, 0.0f};
  std::string err;
  for (uint32_t type : {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16}) {
    std::vector<uint8_t> bytes;
    ASSERT_TRUE(encodeFloats(type, v.data(), v.size(), &bytes, &err)) << err;
    EXPECT_EQ(bytes.size(), v.size() * typeTraits(type)->type_size);
    std::vector<float> back(v.size());
    ASSERT_TRUE(decodeFloats(type, bytes.data(), v.size(), back.data(), &err));
    for (size_t i = 0; i < v.size(); ++i) {
      const float expect =
          type == GGML_TYPE_BF16 ? tern::ref::roundToBf16(v[i]) : v[i];
      EXPECT_EQ(back[i], expect) << typeName(type) << " " << i;
    }
  }
  // Hand-written little-endian bytes.
  const uint8_t f16[] = {0x00, 0x3c, 0x00, 0xc0}; // 1.0, -2.0
  const uint8_t bf16[] = {0x80, 0x3f, 0x40, 0xc0}; // 1.0, -3.0
  const uint8_t f32[] = {0x00, 0x00, 0x80, 0x3e}; // 0.25
  float out[2];
  ASSERT_TRUE(decodeFloats(GGML_TYPE_F16, f16, 2, out, &err));
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  ASSERT_TRUE(decodeFloats(GGML_TYPE_BF16, bf16, 2, out, &err));
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -3.0f);
  ASSERT_TRUE(decodeFloats(GGML_TYPE_F32, f32, 1, out, &err));
  EXPECT_EQ(out[0], 0.25f);

  std::vector<uint8_t> bytes;
  EXPECT_FALSE(decodeFloats(GGML_TYPE_TQ2_0, f16, 1, out, &err));
  EXPECT_NE(err.find("tq2_0"), std::string::npos) << err;
  EXPECT_FALSE(encodeFloats(GGML_TYPE_I8, out, 1, &bytes, &err));
}

//===----------------------------------------------------------------------===//
// Q8_0 and Q6_K (embeddings and heads, as bitnet.cpp's --quant-embd writes)
//===----------------------------------------------------------------------===//

// Q8_0 block: d (f16) then 32 int8; y = d * q.
TEST(Q8_0, GoldenBlock) {
  std::vector<uint8_t> b(34, 0);
  b[0] = 0x00;
  b[1] = 0x38; // d = 0.5
  b[2 + 0] = 3;
  b[2 + 5] = uint8_t(int8_t(-128));
  b[2 + 31] = 127;
  std::vector<float> y(32);
  std::string err;
  ASSERT_TRUE(decodeFloats(GGML_TYPE_Q8_0, b.data(), 32, y.data(), &err)) << err;
  EXPECT_EQ(y[0], 1.5f);
  EXPECT_EQ(y[5], -64.0f);
  EXPECT_EQ(y[31], 63.5f);
  EXPECT_EQ(y[1], 0.0f);
}

// Q6_K block (210 bytes): ql[128], qh[64], scales[16] (int8), d (f16).
// Element e = 128 h + 32 k + l takes its low 4 bits from ql[64 h + l + 32 (k & 1)]
// (low nibble for k < 2, high for k >= 2), its high 2 bits from bits 2k of
// qh[32 h + l], and its scale from scales[e / 16]: y = d * sc * (q - 32).
TEST(Q6_K, GoldenBlock) {
  std::vector<uint8_t> b(210, 0);
  uint8_t *ql = b.data(), *qh = ql + 128;
  int8_t *sc = reinterpret_cast<int8_t *>(qh + 64);
  b[208] = 0x00;
  b[209] = 0x3c; // d = 1
  for (int g = 0; g < 16; ++g)
    sc[g] = int8_t(g + 1);
  // e = 0: q = 0x21 (low 1, high 2) -> 33 - 32 = 1, scale 1.
  ql[0] = 0x01;
  qh[0] = 0x02;
  // e = 96 + 17 = 113 (h 0, k 3, l 17): ql[17 + 32] high nibble 0xF, qh[17]
  // bits 6-7 = 3 -> q 63 - 32 = 31, group 7 -> scale 8: 248.
  ql[49] = 0xF0;
  qh[17] = 0xC0;
  // e = 128 + 64 + 2 = 194 (h 1, k 2, l 2): ql[64 + 2] high nibble 0, qh[32 + 2]
  // bits 4-5 = 0 -> q 0 - 32 = -32, group 12 -> scale 13: -416.
  // Every other element is q = 0 - 32 (all bits 0) times its scale; e = 0's
  // neighbour e = 64 shares ql[0]'s high nibble (0) and qh[0] bits 4-5 (0).
  std::vector<float> y(256);
  std::string err;
  ASSERT_TRUE(decodeFloats(GGML_TYPE_Q6_K, b.data(), 256, y.data(), &err)) << err;
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[113], 248.0f);
  EXPECT_EQ(y[194], -416.0f);
  EXPECT_EQ(y[64], -32.0f * 5); // group 4
  EXPECT_EQ(y[255], -32.0f * 16);
}

// The encoders write what the decoders read back within each format's
// step: Q8_0 within d / 2, Q6_K within d * sc / 2 of each value.
TEST(Q8_0AndQ6_K, RoundTrip) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-0.05f, 0.05f);
  std::vector<float> x(512);
  for (float &v : x)
    v = u(rng);
  x[7] = 0.2f; // an outlier in the first group
  for (uint32_t type : {GGML_TYPE_Q8_0, GGML_TYPE_Q6_K}) {
    SCOPED_TRACE(typeName(type));
    std::vector<uint8_t> bytes;
    std::string err;
    ASSERT_TRUE(encodeFloats(type, x.data(), x.size(), &bytes, &err)) << err;
    uint64_t want = 0;
    ASSERT_TRUE(tensorBytes(type, {512}, &want, &err)) << err;
    EXPECT_EQ(bytes.size(), want);
    std::vector<float> y(x.size());
    ASSERT_TRUE(decodeFloats(type, bytes.data(), x.size(), y.data(), &err)) << err;
    const int group = type == GGML_TYPE_Q8_0 ? 32 : 16;
    const float levels = type == GGML_TYPE_Q8_0 ? 127.0f : 31.0f;
    for (size_t g = 0; g < x.size() / group; ++g) {
      float amax = 0;
      for (int i = 0; i < group; ++i)
        amax = std::max(amax, std::fabs(x[g * group + i]));
      // Q6_K's scale is an int8 multiple of d, so its step may be up to
      // d / 2 coarser than amax / 31: allow a tenth more.
      const float tol = amax / levels * (type == GGML_TYPE_Q8_0 ? 0.51f : 0.6f) + 1e-7f;
      for (int i = 0; i < group; ++i)
        ASSERT_LE(std::fabs(y[g * group + i] - x[g * group + i]), tol) << g * group + i;
    }
  }
  std::vector<float> out(16);
  std::vector<uint8_t> b(210);
  std::string err;
  EXPECT_FALSE(decodeFloats(GGML_TYPE_Q6_K, b.data(), 100, out.data(), &err));
  EXPECT_NE(err.find("multiple of 256"), std::string::npos) << err;
}

//===----------------------------------------------------------------------===//
// TQ2_0
//===----------------------------------------------------------------------===//

TEST(Tq2_0, GoldenAllPlusOne) {
  std::vector<int8_t> w(256, 1);
  auto bytes = encode(GGML_TYPE_TQ2_0, w, 1, 256, 1.0f);
  ASSERT_EQ(bytes.size(), 66u);
  for (int i = 0; i < 64; ++i)
    EXPECT_EQ(bytes[i], 0xAA) << i; // code 2 in all four slots
  EXPECT_EQ(bytes[64], 0x00);       // d = f16(1.0) = 0x3c00
  EXPECT_EQ(bytes[65], 0x3c);
  auto d = decode(GGML_TYPE_TQ2_0, bytes, 1, 256);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.w, w);
  EXPECT_EQ(d.scale, 1.0f);
}

TEST(Tq2_0, GoldenSingleWeights) {
  // Element 37 = 128*0 + 32*1 + 5: byte 5, bits 2..3. Element 200 =
  // 128*1 + 32*2 + 8: byte 40, bits 4..5. Element 255 = 128 + 32*3 + 31:
  // byte 63, bits 6..7.
  std::vector<int8_t> w(256, 0);
  w[37] = -1;
  w[200] = 1;
  w[255] = -1;
  auto bytes = encode(GGML_TYPE_TQ2_0, w, 1, 256, 0.5f);
  std::vector<uint8_t> expect(66, 0x55); // code 1 (zero) everywhere
  expect[5] = 0x51;                      // 01 01 00 01
  expect[40] = 0x65;                     // 01 10 01 01
  expect[63] = 0x15;                     // 00 01 01 01
  expect[64] = 0x00;                     // d = f16(0.5) = 0x3800
  expect[65] = 0x38;
  EXPECT_EQ(bytes, expect);
  auto d = decode(GGML_TYPE_TQ2_0, expect, 1, 256);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.w, w);
  EXPECT_EQ(d.scale, 0.5f);
}

TEST(Tq2_0, AllZeroBlockGetsZeroScale) {
  // Like llama.cpp (d = absmax of the block).
  std::vector<int8_t> w(512, 0);
  w[300] = 1;
  auto bytes = encode(GGML_TYPE_TQ2_0, w, 1, 512, 0.25f);
  EXPECT_EQ(bytes[64], 0);
  EXPECT_EQ(bytes[65], 0);
  EXPECT_EQ(bytes[66 + 64], 0x00); // f16(0.25) = 0x3400
  EXPECT_EQ(bytes[66 + 65], 0x34);
  auto d = decode(GGML_TYPE_TQ2_0, bytes, 1, 512);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.scale, 0.25f);
  EXPECT_EQ(d.w, w);
}

//===----------------------------------------------------------------------===//
// TQ1_0
//===----------------------------------------------------------------------===//

TEST(Tq1_0, GoldenAllPlusOneAndZero) {
  std::vector<int8_t> w(512, 0);
  std::fill(w.begin(), w.begin() + 256, 1);
  auto bytes = encode(GGML_TYPE_TQ1_0, w, 1, 512, 2.0f);
  ASSERT_EQ(bytes.size(), 108u);
  // Block 0, all +1: digits 2 -> q = 242 -> ceil(242*256/243) = 255; qh:
  // q = 80*3 = 240 -> ceil(240*256/243) = 253.
  for (int i = 0; i < 48; ++i)
    EXPECT_EQ(bytes[i], 255) << i;
  for (int i = 48; i < 52; ++i)
    EXPECT_EQ(bytes[i], 253) << i;
  EXPECT_EQ(bytes[52], 0x00); // f16(2.0) = 0x4000
  EXPECT_EQ(bytes[53], 0x40);
  // Block 1, all 0: digits 1 -> q = 121 -> 128; qh: q = 40*3 = 120 -> 127.
  for (int i = 54; i < 54 + 48; ++i)
    EXPECT_EQ(bytes[i], 128) << i;
  for (int i = 54 + 48; i < 54 + 52; ++i)
    EXPECT_EQ(bytes[i], 127) << i;
  EXPECT_EQ(bytes[106], 0);
  EXPECT_EQ(bytes[107], 0);
  auto d = decode(GGML_TYPE_TQ1_0, bytes, 1, 512);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.w, w);
  EXPECT_EQ(d.scale, 2.0f);
}

TEST(Tq1_0, GoldenSingleWeights) {
  // 37 = 5 + 32*1: qs[5], digits (1,0,1,1,1) -> q = 81+9+3+1 = 94 -> 100.
  // 170 = 160 + 10 + 16*0: qs[42], digits (2,1,1,1,1) -> q = 202 -> 213.
  // 250 = 240 + 2 + 4*2: qh[2], digits (1,1,0,1) -> q = 37*3 = 111 -> 117.
  std::vector<int8_t> w(256, 0);
  w[37] = -1;
  w[170] = 1;
  w[250] = -1;
  auto bytes = encode(GGML_TYPE_TQ1_0, w, 1, 256, 1.0f);
  std::vector<uint8_t> expect(54, 128);
  for (int i = 48; i < 52; ++i)
    expect[i] = 127;
  expect[5] = 100;
  expect[42] = 213;
  expect[50] = 117;
  expect[52] = 0x00;
  expect[53] = 0x3c;
  EXPECT_EQ(bytes, expect);
  auto d = decode(GGML_TYPE_TQ1_0, expect, 1, 256);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.w, w);
}

// Every base-3 value of every byte kind goes through the encoder to the
// ceil(q*256/243) byte and back through the decoder.
TEST(Tq1_0, AllDigitCombinations) {
  for (int q = 0; q < 243; ++q) {
    int digits[5];
    for (int n = 4, r = q; n >= 0; --n, r /= 3)
      digits[n] = r % 3; // digits[0] most significant
    std::vector<int8_t> w(256, 0);
    for (int n = 0; n < 5; ++n) {
      w[7 + 32 * n] = static_cast<int8_t>(digits[n] - 1);       // qs[7]
      w[160 + 3 + 16 * n] = static_cast<int8_t>(digits[n] - 1); // qs[35]
    }
    if (q < 81) // 4 digits: qh[1] holds elements 241, 245, 249, 253
      for (int n = 0; n < 4; ++n)
        w[241 + 4 * n] = static_cast<int8_t>(digits[n + 1] - 1);
    auto bytes = encode(GGML_TYPE_TQ1_0, w, 1, 256, 1.0f);
    const int expect = (q * 256 + 242) / 243;
    EXPECT_EQ(bytes[7], expect) << q;
    EXPECT_EQ(bytes[35], expect) << q;
    if (q < 81)
      EXPECT_EQ(bytes[49], ((q * 3) * 256 + 242) / 243) << q;
    auto d = decode(GGML_TYPE_TQ1_0, bytes, 1, 256);
    ASSERT_TRUE(d.ok) << d.err;
    EXPECT_EQ(d.w, w) << q;
  }
}

// Any byte decodes to valid digits (there is no invalid TQ1_0 code).
TEST(Tq1_0, EveryByteDecodes) {
  std::vector<uint8_t> bytes(54, 0);
  for (int b = 0; b < 256; ++b) {
    std::fill(bytes.begin(), bytes.begin() + 52, static_cast<uint8_t>(b));
    setD(&bytes, 52, 1.0f);
    auto d = decode(GGML_TYPE_TQ1_0, bytes, 1, 256);
    ASSERT_TRUE(d.ok) << b << ": " << d.err;
    for (int8_t x : d.w)
      EXPECT_TRUE(x >= -1 && x <= 1);
  }
}

//===----------------------------------------------------------------------===//
// I2_S
//===----------------------------------------------------------------------===//

TEST(I2_S, GoldenAllPlusOne) {
  std::vector<int8_t> w(128, 1);
  auto bytes = encode(GGML_TYPE_I2_S, w, 1, 128, 0.25f);
  std::vector<uint8_t> expect(64, 0);
  for (int i = 0; i < 32; ++i)
    expect[i] = 0xAA;
  expect[34] = 0x80; // 0.25f = 0x3e800000
  expect[35] = 0x3e;
  EXPECT_EQ(bytes, expect);
  auto d = decode(GGML_TYPE_I2_S, expect, 1, 128);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.w, w);
  EXPECT_EQ(d.scale, 0.25f);
}

TEST(I2_S, GoldenSingleWeights) {
  // Block 0: element 0 -> byte 0 bits 6..7; element 37 -> byte 5 bits 4..5;
  // element 127 -> byte 31 bits 0..1. Block 1 (elements 128..255):
  // element 128 + 70 -> byte 32 + 6, bits 2..3.
  std::vector<int8_t> w(256, 0);
  w[0] = 1;
  w[37] = -1;
  w[127] = -1;
  w[198] = 1;
  auto bytes = encode(GGML_TYPE_I2_S, w, 2, 128, 1.0f);
  std::vector<uint8_t> expect(64 + 32, 0);
  for (int i = 0; i < 64; ++i)
    expect[i] = 0x55;
  expect[0] = 0x95;  // 10 01 01 01
  expect[5] = 0x45;  // 01 00 01 01
  expect[31] = 0x54; // 01 01 01 00
  expect[38] = 0x59; // 01 01 10 01
  expect[66] = 0x80; // 1.0f = 0x3f800000
  expect[67] = 0x3f;
  EXPECT_EQ(bytes, expect);
  auto d = decode(GGML_TYPE_I2_S, expect, 2, 128);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.w, w);
  EXPECT_EQ(d.scale, 1.0f);
}

TEST(I2_S, ShortTrailerAndErrors) {
  std::vector<int8_t> w = randomTernary(256, 5);
  auto bytes = encode(GGML_TYPE_I2_S, w, 4, 64, 0.75f);
  ASSERT_EQ(bytes.size(), 64u + 32);
  bytes.resize(64 + 4); // codes + scale only: still fine
  auto d = decode(GGML_TYPE_I2_S, bytes, 4, 64);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.w, w);
  EXPECT_EQ(d.scale, 0.75f);
  bytes.resize(64 + 3);
  d = decode(GGML_TYPE_I2_S, bytes, 4, 64, "blk.3.ffn_up.weight");
  EXPECT_FALSE(d.ok);
  EXPECT_NE(d.err.find("tensor 'blk.3.ffn_up.weight'"), std::string::npos);
  EXPECT_NE(d.err.find("67 bytes, needs 68"), std::string::npos) << d.err;

  bytes = encode(GGML_TYPE_I2_S, w, 4, 64, 0.75f);
  bytes[32 + 9] |= 0x03; // block 1, element 3*32 + 9 = 105 gets code 3
  d = decode(GGML_TYPE_I2_S, bytes, 4, 64, "q");
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.err, "tensor 'q': I2_S block 1 has invalid code 3 at element 105");

  bytes = encode(GGML_TYPE_I2_S, w, 4, 64, 0.75f);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(bytes.data() + 64, &nan, 4);
  d = decode(GGML_TYPE_I2_S, bytes, 4, 64, "q");
  EXPECT_FALSE(d.ok);
  EXPECT_NE(d.err.find("scale nan"), std::string::npos) << d.err;

  d = decode(GGML_TYPE_I2_S, bytes, 3, 50, "q");
  EXPECT_FALSE(d.ok);
  EXPECT_NE(d.err.find("multiple of 128"), std::string::npos) << d.err;
}

TEST(I2_S, AllZeroTensorHasScaleZero) {
  std::vector<int8_t> w(128, 0);
  auto bytes = encode(GGML_TYPE_I2_S, w, 1, 128, 0.0f);
  auto d = decode(GGML_TYPE_I2_S, bytes, 1, 128);
  ASSERT_TRUE(d.ok) << d.err;
  EXPECT_EQ(d.scale, 0.0f);
  EXPECT_EQ(d.w, w);
}

//===----------------------------------------------------------------------===//
// Round trips and the scale rule, for all three codecs
//===----------------------------------------------------------------------===//

TEST(TernaryCodecs, RoundTripRandom) {
  struct Shape {
    int64_t rows, cols;
  };
  const Shape tq_shapes[] = {{1, 256}, {3, 512}, {7, 1024}, {2, 2560}, {0, 256}};
  const Shape i2_shapes[] = {{1, 128}, {2, 64}, {5, 256}, {3, 384}, {13, 640}};
  uint32_t seed = 1;
  for (uint32_t type : {GGML_TYPE_TQ1_0, GGML_TYPE_TQ2_0, GGML_TYPE_I2_S}) {
    const bool i2 = type == GGML_TYPE_I2_S;
    for (const Shape &s : i2 ? i2_shapes : tq_shapes) {
      for (int zero_every : {0, 1, 3}) {
        const int64_t n = s.rows * s.cols;
        auto w = randomTernary(n, seed++, zero_every, i2 ? 128 : 256);
        const float scale = zero_every == 1 && !i2 ? 0.0f : 0.0390625f;
        std::vector<uint8_t> bytes;
        std::string err;
        ASSERT_TRUE(encodeTernary(type, w.data(), s.rows, s.cols, scale,
                                  &bytes, &err))
            << err;
        uint64_t expect_size;
        ASSERT_TRUE(tensorBytes(type,
                                {static_cast<uint64_t>(s.cols),
                                 static_cast<uint64_t>(s.rows)},
                                &expect_size, &err));
        EXPECT_EQ(bytes.size(), expect_size);
        auto d = decode(type, bytes, s.rows, s.cols);
        ASSERT_TRUE(d.ok) << typeName(type) << ": " << d.err;
        EXPECT_EQ(d.w, w) << typeName(type) << " " << s.rows << "x" << s.cols;
        const bool all_zero =
            std::all_of(w.begin(), w.end(), [](int8_t x) { return x == 0; });
        EXPECT_EQ(d.scale, all_zero && !i2 ? 0.0f : scale) << typeName(type);
        // Re-encoding the decoded tensor gives the same bytes.
        std::vector<uint8_t> again;
        ASSERT_TRUE(encodeTernary(type, d.w.data(), s.rows, s.cols, d.scale,
                                  &again, &err));
        EXPECT_EQ(again, bytes);
      }
    }
  }
}

TEST(TernaryCodecs, TqScaleRule) {
  for (uint32_t type : {GGML_TYPE_TQ1_0, GGML_TYPE_TQ2_0}) {
    const size_t bs = type == GGML_TYPE_TQ1_0 ? 54 : 66;
    const size_t dpos = bs - 2;
    const char *T = type == GGML_TYPE_TQ1_0 ? "TQ1_0" : "TQ2_0";
    // Blocks 0..7; block 3 all zero.
    auto w = randomTernary(8 * 256, 11);
    std::fill(w.begin() + 3 * 256, w.begin() + 4 * 256, 0);
    const auto good = encode(type, w, 2, 1024, 0.03125f);

    auto bytes = good;
    setD(&bytes, 7 * bs + dpos, 0.0625f);
    auto d = decode(type, bytes, 2, 1024, "blk.0.attn_q.weight");
    EXPECT_FALSE(d.ok);
    EXPECT_EQ(d.err, std::string("tensor 'blk.0.attn_q.weight': ") + T +
                         " blocks have different scales (block 0: 0.03125, "
                         "block 7: 0.0625); tern needs one scale per matrix");

    // The all-zero block may carry d = 0 (llama.cpp) or the common d.
    bytes = good;
    setD(&bytes, 3 * bs + dpos, 0.03125f);
    d = decode(type, bytes, 2, 1024);
    ASSERT_TRUE(d.ok) << d.err;
    EXPECT_EQ(d.scale, 0.03125f);
    EXPECT_EQ(d.w, w);
    // ... but not another one.
    setD(&bytes, 3 * bs + dpos, 0.5f);
    d = decode(type, bytes, 2, 1024, "t");
    EXPECT_FALSE(d.ok);
    EXPECT_NE(d.err.find("(block 0: 0.03125, block 3: 0.5)"),
              std::string::npos)
        << d.err;
    // A leading all-zero block with a different d is caught as well.
    auto w2 = w;
    std::fill(w2.begin(), w2.begin() + 256, 0);
    bytes = encode(type, w2, 2, 1024, 0.03125f);
    setD(&bytes, dpos, 0.25f);
    d = decode(type, bytes, 2, 1024, "t");
    EXPECT_FALSE(d.ok);
    EXPECT_NE(d.err.find("(block 0: 0.25, block 1: 0.03125)"),
              std::string::npos)
        << d.err;

    // A block with weights needs a positive finite d.
    for (float bad : {0.0f, -0.5f, std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::quiet_NaN()}) {
      bytes = good;
      setD(&bytes, 5 * bs + dpos, bad);
      d = decode(type, bytes, 2, 1024, "t");
      EXPECT_FALSE(d.ok) << bad;
      EXPECT_NE(d.err.find(std::string(T) + " block 5 has scale d ="),
                std::string::npos)
          << d.err;
    }

    // All-zero tensor: scale 0 whatever the blocks carry, as long as their
    // d agree.
    std::vector<int8_t> zeros(512, 0);
    bytes = encode(type, zeros, 1, 512, 1.0f);
    d = decode(type, bytes, 1, 512);
    ASSERT_TRUE(d.ok) << d.err;
    EXPECT_EQ(d.scale, 0.0f);
    setD(&bytes, dpos, 0.5f);
    setD(&bytes, bs + dpos, 0.5f);
    d = decode(type, bytes, 1, 512);
    ASSERT_TRUE(d.ok) << d.err;
    EXPECT_EQ(d.scale, 0.0f);
    EXPECT_EQ(d.w, zeros);
    setD(&bytes, bs + dpos, 0.25f);
    d = decode(type, bytes, 1, 512, "t");
    EXPECT_FALSE(d.ok);
    EXPECT_NE(d.err.find("(block 0: 0.5, block 1: 0.25)"), std::string::npos)
        << d.err;

    // Short buffer.
    bytes = good;
    bytes.pop_back();
    d = decode(type, bytes, 2, 1024, "t");
    EXPECT_FALSE(d.ok);
    EXPECT_NE(d.err.find("needs " + std::to_string(8 * bs)),
              std::string::npos)
        << d.err;
    // Row length not a multiple of 256.
    d = decode(type, good, 8, 128, "t");
    EXPECT_FALSE(d.ok);
    EXPECT_NE(d.err.find("multiple of 256"), std::string::npos) << d.err;
  }
}

TEST(TernaryCodecs, Tq2Code3) {
  std::vector<int8_t> w(512, 1);
  auto bytes = encode(GGML_TYPE_TQ2_0, w, 1, 512, 1.0f);
  bytes[66 + 33] = 0xAB; // block 1, byte 33 = half 1, m = 1: element
                         // 128 + 1 (bits 0..1) has code 3
  auto d = decode(GGML_TYPE_TQ2_0, bytes, 1, 512, "blk.2.ffn_down.weight");
  EXPECT_FALSE(d.ok);
  EXPECT_EQ(d.err, "tensor 'blk.2.ffn_down.weight': TQ2_0 block 1 has "
                   "invalid code 3 at element 129");
}

TEST(TernaryCodecs, EncodeErrors) {
  std::string err;
  std::vector<uint8_t> out;
  std::vector<int8_t> w(256, 0);
  w[9] = 2;
  EXPECT_FALSE(encodeTernary(GGML_TYPE_TQ2_0, w.data(), 1, 256, 1.0f, &out,
                             &err));
  EXPECT_NE(err.find("weight 9 is 2"), std::string::npos) << err;
  w[9] = 1;
  for (float bad : {0.0f, -1.0f, 1e-10f, 1e6f,
                    std::numeric_limits<float>::quiet_NaN()}) {
    EXPECT_FALSE(encodeTernary(GGML_TYPE_TQ1_0, w.data(), 1, 256, bad, &out,
                               &err))
        << bad;
    EXPECT_NE(err.find("half-precision"), std::string::npos) << err;
  }
  EXPECT_FALSE(encodeTernary(GGML_TYPE_I2_S, w.data(), 1, 256, -1.0f, &out,
                             &err));
  EXPECT_FALSE(encodeTernary(GGML_TYPE_TQ2_0, w.data(), 2, 128, 1.0f, &out,
                             &err));
  EXPECT_NE(err.find("multiple of 256"), std::string::npos) << err;
  EXPECT_FALSE(encodeTernary(GGML_TYPE_I2_S, w.data(), 1, 100, 1.0f, &out,
                             &err));
  EXPECT_NE(err.find("multiple of 128"), std::string::npos) << err;
  EXPECT_FALSE(encodeTernary(GGML_TYPE_F16, w.data(), 1, 256, 1.0f, &out,
                             &err));
  EXPECT_NE(err.find("not a ternary type"), std::string::npos) << err;
  EXPECT_FALSE(encodeTernary(GGML_TYPE_TQ2_0, w.data(), -1, 256, 1.0f, &out,
                             &err));
}
